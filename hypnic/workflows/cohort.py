"""Cohorts on Dask: every night of every participant, resumable, one task per night.

Input layout (``INPUT_DIR``)::

    INPUT_DIR/
      p01/                      one folder per participant (its name is the participant id)
        diary.csv               optional: the diary (hypnic diary CSV, or the simulator's)
        night-01/               a night folder: every recording file in it is one sensor
          wrist-left.csv        of that night (any format sensing.readers.read reads)
          ankle-left.csv
          truth/jerks.csv       optional: the night's true jerks (scored: truth.csv); other
                                sub-folders of a night folder are ignored
        2026-03-02.cwa          or a file directly in the participant folder: one night
        week-1.cwa              (a recording of several days and nights is cut into them)
      p02/ ...

A file named for a place (``ankle-right.csv``) is read as worn there (:func:`name_location`).

Files and folders whose name starts with ``.`` or ``_`` are ignored, and so are files
ending in ``.json``, ``.md``, ``.html``, ``.log``, ``.png`` or ``.pdf`` (notes, truth,
reports), and the output folder when it lies inside ``INPUT_DIR``. Symbolic links are
followed, but a file reached twice (``all -> .``, a link to another participant's
folder) is one night, counted where it is reached without a link. A folder that cannot
be read, or whose name is not valid UTF-8, is reported in ``failures.csv`` (its night
id empty) and the rest goes on.

Each night folder or file is one Dask task (:func:`run_night`): read its files and
process them with :func:`hypnic.workflows.night.process_nights` (the same calls as
``hypnic nights --add`` on the files: a recording of several nights gives each of them)
and write the result atomically to ``OUT_DIR/parts/<participant>/<night_id>/`` (a
temporary folder renamed into place). A night whose part exists and whose input
files (names, sizes, modification times) are unchanged is not recomputed, so an
interrupted run resumes where it stopped. A night that fails is retried once
(``BatchConfig.retries``), then recorded in ``OUT_DIR/failures.csv`` while the rest
goes on. Finally the parts are gathered into ``OUT_DIR/events.parquet`` and
``OUT_DIR/nights.parquet``, each participant gets a report
(``OUT_DIR/reports/<participant>/index.html``) and the cohort a summary
(``OUT_DIR/cohort.json`` and ``cohort.html``, :mod:`analysis.cohort`); where night
folders hold their true jerks (:data:`TRUTH_FILE`), ``OUT_DIR/truth.csv`` scores the
counted jerks against them (:func:`score_truth`). A diary, a truth file or a report that
fails is recorded in ``failures.csv`` (night id ``diary.csv``, the night's and
``/truth/jerks.csv``, or ``report``) against its participant; its nights are kept.

Every file written is owner-only (0600) and every folder created 0700
(:mod:`sensing.private`); a local Dask cluster keeps its scratch files in a private
temporary folder inside ``OUT_DIR``, not in the shared temporary folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.nights import StoredNight
from hypnic.workflows.night import off_body_spans, process_nights, read_night_files
from sensing.errors import HypnicError
from sensing.private import private_file, private_folder, write_private

log = logging.getLogger(__name__)

IGNORED_SUFFIXES = (".json", ".md", ".html", ".log", ".png", ".pdf")
DIARY_NAME = "diary.csv"
#: Night id of a failure of a participant's report (``failures.csv``).
REPORT_ID = "report"
PARTS = "parts"
#: Columns put first in the gathered tables.
KEY_COLUMNS = ["participant", "night_id", "night"]
#: The sleep window's times in ``nights.parquet`` (UTC; missing where no sleep was found).
SLEEP_TIMES = ("lights_out", "onset", "wake")
FAILURE_COLUMNS = ["participant", "night_id", "files", "attempts", "error"]
#: A night folder's true jerks (what ``hypnic simulate`` writes; a labelled study can
#: write the same: a ``start`` or ``time`` column), inside the night folder.
TRUTH_FILE = "truth/jerks.csv"
#: Columns of ``truth.csv``: per night folder with a truth file, its true jerks, those
#: counted (``tp``), counted jerks that are none (``fp``), those missed (``fn``), the
#: rates, and what the missed were filed as (";"-joined kinds).
TRUTH_COLUMNS = ["participant", "night_id", "n_true", "tp", "fp", "fn", "precision", "recall", "f1",
                 "missed_as"]


@dataclass(frozen=True)
class BatchConfig:
    """Parameters of a cohort run.

    Attributes
    ----------
    scheduler : str or None
        Address of an existing Dask scheduler (``tcp://host:8786``); None starts a local
        cluster bound to 127.0.0.1.
    workers : int or None
        Worker processes of the local cluster (one thread each); None = number of cores.
    tz : str
        IANA time zone of nights whose files state none: it names them (a night is the
        local date its evening started), their times without a zone are local to it, and
        the reports show their times in it. A night whose file states its zone (a
        GENEActiv's, a ``.gt3x``'s, ISO-8601 times with an offset) is read, named and
        shown in that zone. Default ``"UTC"``, so results do not depend on the machine a
        task runs on.
    retries : int
        Further attempts of a failed night before it is reported (default 1): for
        failures that may pass (a file a worker cannot reach, a lost worker), not for a
        file hypnic refuses (a :class:`~sensing.errors.HypnicError`: the same again).
    reports : bool
        Write a report per participant (default True).
    """

    scheduler: str | None = None
    workers: int | None = None
    tz: str = "UTC"
    retries: int = 1
    reports: bool = True

    def __post_init__(self) -> None:
        """Refuse what would fail every night (an unknown zone) or no night at all."""
        from sensing.timezones import zone

        if self.workers is not None and self.workers < 1:
            raise HypnicError(f"workers must be 1 or more, got {self.workers}")
        if self.retries < 0:
            raise HypnicError(f"retries must be 0 or more, got {self.retries}")
        zone(self.tz)


@dataclass(frozen=True)
class NightTask:
    """One night of one participant, or a recording of several (a week's file): its id
    and its recording files (sorted)."""

    participant: str
    night_id: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_batch` did.

    Attributes
    ----------
    computed : list of (str, str)
        (participant, night_id) of the nights processed in this run.
    skipped : list of (str, str)
        Nights already done in an earlier run (inputs unchanged).
    failures : DataFrame
        One row per failed night, per folder that could not be read (``night_id``
        empty), per diary that could not be read (``night_id`` ``diary.csv``) and per
        report that could not be written (``night_id`` ``report``) (:data:`FAILURE_COLUMNS`).
    events, nights : DataFrame
        The gathered tables written to ``events.parquet`` and ``nights.parquet``.
    cohort : analysis.cohort.CohortEffects or None
        The cohort summary (None when no night succeeded).
    truth : DataFrame
        The counted jerks against each night folder's :data:`TRUTH_FILE`
        (:data:`TRUTH_COLUMNS`; empty when no folder has one).
    seconds : float
        Wall time of the run, s.
    outputs : dict of str to Path
        Files written: ``events``, ``nights``, ``failures``, ``cohort_json``,
        ``cohort_html``, ``truth`` and ``report:<participant>``.
    """

    computed: list[tuple[str, str]]
    skipped: list[tuple[str, str]]
    failures: pd.DataFrame
    events: pd.DataFrame
    nights: pd.DataFrame
    cohort: Any
    seconds: float
    outputs: dict[str, Path] = field(default_factory=dict)
    truth: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TRUTH_COLUMNS))


# -- discovery --------------------------------------------------------------------------

def _visible(p: Path) -> bool:
    return not p.name.startswith((".", "_"))


def shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 written as ``\\xff`` escapes."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if _visible(p))


def _is_recording(p: Path) -> bool:
    return p.is_file() and p.name != DIARY_NAME and not p.name.lower().endswith(IGNORED_SUFFIXES)


def discover(input_dir: str | Path, out_dir: str | Path | None = None) -> tuple[
        list[NightTask], list[dict[str, Any]]]:
    """The nights of a cohort folder (layout in the module docstring), sorted, and what
    could not be read.

    Parameters
    ----------
    input_dir : path
        The cohort folder.
    out_dir : path, optional
        The output folder: left out when it lies inside ``input_dir``.

    Returns
    -------
    tasks : list of NightTask
        One per night; every recording file (symbolic links resolved) in one night only,
        the one that reaches it without a link if any.
    problems : list of dict
        A failure record (:func:`night_record`) per folder that cannot be read or file
        or folder whose name is not valid UTF-8 (``night_id`` empty for a participant).

    Raises
    ------
    HypnicError
        If the folder does not exist or holds no night.
    """
    root = Path(input_dir)
    if not root.is_dir():
        raise HypnicError(f"no such cohort folder: {root}")
    out = Path(out_dir).resolve() if out_dir is not None else None
    # (participant, night id) -> its files, each with whether a symbolic link leads to it
    found: dict[tuple[str, str], list[tuple[Path, bool]]] = {}
    problems: list[dict[str, Any]] = []

    def failed(person: str, night_id: str, error: BaseException) -> None:
        log.warning("%s/%s left out: %s", person, night_id, error)
        problems.append(night_record(NightTask(person, night_id, ()), attempts=1, error=error))

    def named(p: Path, person: str, night_id: str = "") -> bool:
        if shown_name(p.name) == p.name:
            return True
        failed(person, night_id, HypnicError(f"the name {shown_name(p.name)!r} is not valid "
                                             "UTF-8; rename it"))
        return False

    for person in _entries(root):
        name = shown_name(person.name)
        if not person.is_dir() or person.resolve() == out or not named(person, name):
            continue
        linked = person.is_symlink()
        try:
            for e in _entries(person):
                night_id = shown_name(e.name)
                if _is_recording(e) and named(e, name, night_id):
                    found[(name, e.name)] = [(e, linked or e.is_symlink())]
                elif e.is_dir() and e.resolve() != out and named(e, name, night_id):
                    try:
                        found[(name, e.name)] = [
                            (f, linked or e.is_symlink() or f.is_symlink())
                            for f in _entries(e) if _is_recording(f) and named(f, name, night_id)]
                    except OSError as exc:
                        failed(name, e.name, exc)
        except OSError as exc:
            failed(name, "", exc)
    # a file reached by several paths belongs to the first night that reaches it without
    # a symbolic link (else the first night in name order)
    owner: dict[Path, Path] = {}
    for _, _, f in sorted((lk, key, f) for key, files in found.items() for f, lk in files):
        owner.setdefault(f.resolve(), f)
    tasks = []
    for key, files in sorted(found.items()):
        mine = [str(f) for f, _ in files if owner[f.resolve()] == f]
        if len(mine) < len(files):
            log.info("%s/%s: %d file(s) also reached through a symbolic link, counted once",
                     *key, len(files) - len(mine))
        if mine:
            tasks.append(NightTask(*key, tuple(mine)))
    if not tasks:
        raise HypnicError(f"{root}: no nights found (expected INPUT_DIR/<participant>/<night>/<files> "
                          "or INPUT_DIR/<participant>/<file per night>)")
    return tasks, problems


def fingerprint(task: NightTask) -> list[list]:
    """Name, size (bytes) and modification time (ns) of each input file of a night."""
    out = []
    for f in task.files:
        st = os.stat(f)
        out.append([Path(f).name, st.st_size, st.st_mtime_ns])
    return out


def part_dir(out_dir: str | Path, task: NightTask) -> Path:
    """Folder of a night's result: ``OUT_DIR/parts/<participant>/<night_id>``."""
    return Path(out_dir) / PARTS / task.participant / task.night_id


def is_done(out_dir: str | Path, task: NightTask, tz: str = "UTC") -> bool:
    """Whether a night's result exists and was made from the same input files with the
    same :attr:`BatchConfig.tz` by this hypnic version (a cohort's tables never mix the
    results of two versions)."""
    from hypnic._version import __version__

    meta = part_dir(out_dir, task) / "night.json"
    try:
        info = json.loads(meta.read_text())
        return (info["fingerprint"] == fingerprint(task) and info.get("batch_tz") == tz
                and info.get("hypnic_version") == __version__ and "nights" in info)
    except (OSError, ValueError, KeyError):
        return False


# -- one night (runs on a worker) -------------------------------------------------------

def name_location(path: str | Path) -> str | None:
    """Where a file's sensor was worn when its name says so: the name without its
    extensions is a location (``ankle-right.csv``, ``wrist_left.cwa``, ``Left wrist.csv``,
    as ``--location`` spells it, :func:`sensing.body.parse_location`); else None."""
    from sensing.body import parse_location
    from sensing.errors import InvalidRecordingError

    try:
        place = parse_location(Path(path).name.split(".")[0])
    except InvalidRecordingError:
        return None
    return None if place == "unknown" else place


def process_task(task: NightTask, tz: str = "UTC") -> list[StoredNight]:
    """Read a task's files and process them: exactly what one-by-one processing does
    (:func:`hypnic.workflows.night.process_nights`, as ``hypnic nights --add``: one
    night each, in time order, for a recording of several) in the zone the files state,
    else in ``tz`` (:attr:`BatchConfig.tz`), each file named for a location
    (:func:`name_location`) read as worn there, as ``--location`` would. A sensor whose
    file names no location and states none is ``unknown``: a logged warning says how to
    name it."""
    named = [name_location(f) for f in task.files]
    nights = process_nights(**read_night_files(task.files, tz=None, locations=named if any(named) else None,
                                               progress=None, default_tz=tz))
    unknown = sorted({str(loc) for night in nights for loc in night.activity.get("location", ())
                      if str(loc).startswith("unknown")})
    if unknown:
        unnamed = [Path(f).name for f, loc in zip(task.files, named, strict=True) if loc is None]
        which = unnamed[0] if len(unnamed) == 1 else "a sensor"
        log.warning("%s: where it was worn is not known (location %s); name its file for the "
                    "place, e.g. ankle-right.csv (docs/cohorts.md)", which, ", ".join(unknown))
    return nights


def write_part(out_dir: str | Path, task: NightTask, nights: list[StoredNight], seconds: float,
               tz: str) -> Path:
    """Write a task's processed nights atomically (a private temporary folder renamed
    into place): their tables, each row with its ``night`` (ISO date), and ``night.json``:
    the task's files and ``batch_tz`` (the run's ``tz``), and in ``nights`` each night's
    date, summary, sleep window, spans off the body and zone ``tz``."""
    from hypnic._version import __version__

    final = part_dir(out_dir, task)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{task.night_id}-", dir=private_folder(final.parent)))
    for name in ("events", "activity"):
        table = pd.concat([getattr(n, name).assign(night=n.night.isoformat()) for n in nights],
                          ignore_index=True)
        with private_file(tmp / f"{name}.parquet") as part:
            table[["night", *table.columns[:-1]]].to_parquet(part, index=False)
    meta = dict(
        participant=task.participant, night_id=task.night_id,
        nights=[dict(night=n.night.isoformat(),
                     summary={k: v if math.isfinite(v) else None for k, v in n.summary.items()},  # JSON has no NaN
                     sleep=n.sleep.to_dict(), off_body=off_body_spans(n.off_body), tz=n.tz) for n in nights],
        files=list(nights[0].recordings), fingerprint=fingerprint(task), batch_tz=tz,
        seconds=round(seconds, 3), hypnic_version=__version__,
        finished=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    write_private(tmp / "night.json", json.dumps(meta, indent=1, allow_nan=False))
    if final.exists():  # a stale result (inputs changed)
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


def night_record(task: NightTask, *, ok: bool = False, attempts: int = 0,
                 error: BaseException | None = None, seconds: float = 0.0) -> dict[str, Any]:
    """One night's record in a run (and a diary's that could not be read: a task whose
    only file is ``diary.csv``).

    Returns
    -------
    dict
        ``participant``, ``night_id``, ``files`` (";"-joined names), ``ok`` (bool),
        ``attempts``, ``error`` (``"TypeName: message"`` of the last error, "" when ok)
        and ``seconds`` (processing time, s).
    """
    error_text = "" if error is None else f"{type(error).__name__}: {error}".encode(
        "utf-8", "backslashreplace").decode("utf-8")  # a name that is not UTF-8 stays readable
    return dict(participant=task.participant, night_id=task.night_id,
                files=";".join(Path(f).name for f in task.files), ok=ok, attempts=attempts,
                error=error_text, seconds=seconds)


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one logged line (in a worker process, :func:`kept_messages`)."""
    log.warning("%s", message)


@contextlib.contextmanager
def kept_messages() -> Iterator[list[str] | None]:
    """In a worker process, the warnings and logged warnings of this thread while inside,
    kept as one-line texts (the list yielded) instead of printed: the worker's output
    could not tell which night they are of. In the caller's own process (a client on
    threads) nothing is kept (None), and they show as they come."""
    if multiprocessing.parent_process() is None:
        yield None
        return
    notes: list[str] = []
    warnings.showwarning = _log_warning  # the worker process's own: every warning a log record
    warnings.simplefilter("always")  # each night's, not only a process's first
    here = threading.get_ident()

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == here:
                notes.append(record.getMessage())

    handler = Keep(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield notes
    finally:
        root.removeHandler(handler)


def run_night(task: NightTask, out_dir: str, tz: str = "UTC", retries: int = 1) -> dict[str, Any]:
    """Process one night and write its part; never raises.

    Returns
    -------
    dict
        The night's :func:`night_record`, and ``notes``: the warnings its reading and
        processing gave (:func:`kept_messages`), for the caller to show with the night.
    """
    error: Exception | None = None
    with kept_messages() as kept:
        notes = [] if kept is None else kept
        for attempt in range(1, retries + 2):
            t0 = time.perf_counter()
            try:
                nights = process_task(task, tz)
                seconds = time.perf_counter() - t0
                write_part(out_dir, task, nights, seconds, tz)
            except Exception as exc:  # any failure of one night is reported, not fatal
                error = exc
                text = f"attempt {attempt} failed: {type(exc).__name__}: {exc}"
                if kept is None:
                    log.warning("%s/%s %s", task.participant, task.night_id, text)
                else:
                    kept.append(text)
                if isinstance(exc, HypnicError):  # the files themselves: another try reads the same
                    return night_record(task, attempts=attempt, error=exc) | {"notes": notes}
                continue
            return night_record(task, ok=True, attempts=attempt, seconds=seconds) | {"notes": notes}
    return night_record(task, attempts=retries + 1, error=error) | {"notes": notes}


# -- gathering --------------------------------------------------------------------------

def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(frames, ignore_index=True)


def load_part(out_dir: str | Path, task: NightTask) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(metadata, events, activity) of a finished task, events and activity with the key
    columns ``participant``, ``night_id`` and ``night`` (date) first."""
    d = part_dir(out_dir, task)
    meta = json.loads((d / "night.json").read_text())
    days = {n["night"]: dt.date.fromisoformat(n["night"]) for n in meta["nights"]}
    frames = []
    for name in ("events", "activity"):
        df = pd.read_parquet(d / f"{name}.parquet")
        df["night"] = df["night"].map(days).astype(object)
        df.insert(0, "participant", task.participant)
        df.insert(1, "night_id", task.night_id)
        frames.append(df)
    return meta, frames[0], frames[1]


def read_diary(path: Path, zones: dict[dt.date, dt.tzinfo] | None = None) -> pd.DataFrame:
    """A participant's diary as :func:`analysis.diary.diary_frame` with sleep debt added.

    Accepts the hypnic diary CSV and the simulator's ``diary.csv``
    (:func:`analysis.diary.read_any_csv`). ``zones``: each recorded night's zone, in which
    hours slept are derived from bedtime and wake time (others: on the wall clock).

    Raises
    ------
    DiaryError
        If the file is not UTF-8 text or not a valid diary (the message says where).
    OSError
        If the file cannot be read.
    """
    from analysis.diary import DiaryError, diary_frame, read_any_csv
    from analysis.nights import add_sleep_debt

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DiaryError(f"not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None
    return add_sleep_debt(diary_frame(read_any_csv(text), zones))


def gather(out_dir: str | Path, tasks: list[NightTask], input_dir: str | Path, tz: str = "UTC") -> tuple[
        pd.DataFrame, pd.DataFrame, dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]], list[dict]]:
    """Events and nights tables of the finished nights, per participant its (nights table
    indexed by night, jerk events, activity) for the report, and the diaries that could
    not be read and the nights of a date a participant already has (a second night id
    of that date, in name order: left out of every table) as failure records; the nights
    made with :attr:`BatchConfig.tz` ``tz``."""
    from analysis.nights import SUMMARY_COLUMNS
    from sensing.timezones import zone

    done = [t for t in tasks if is_done(out_dir, t, tz)]
    events, rows, per, problems = [], [], {}, []
    by_person: dict[str, list[NightTask]] = {}
    for t in done:
        by_person.setdefault(t.participant, []).append(t)
    for person, ts in by_person.items():
        p_rows, p_ev, p_act = [], [], []
        first: dict[str, str] = {}  # night date -> the night id that has it
        for t in ts:
            meta, ev, act = load_part(out_dir, t)
            for n in meta["nights"]:
                day = dt.date.fromisoformat(n["night"])
                if first.setdefault(n["night"], t.night_id) != t.night_id:  # one night counts once
                    problems.append(night_record(t, attempts=1, error=HypnicError(
                        f"the night of {n['night']} again (already {first[n['night']]}); left out: "
                        "put one night's files in one night folder")))
                    continue
                p_rows.append(dict(participant=person, night_id=t.night_id, night=day,
                                   **{k: math.nan if v is None else v for k, v in n["summary"].items()},
                                   **{k: pd.Timestamp(n["sleep"][k]) if n["sleep"][k] else pd.NaT
                                      for k in SLEEP_TIMES},
                                   recordings=";".join(meta["files"]), tz=n["tz"]))
                p_ev.append(ev[ev["night"] == day])
                p_act.append(act[act["night"] == day])
        nights = pd.DataFrame(p_rows)
        diary_path = Path(input_dir) / person / DIARY_NAME
        if diary_path.exists():
            try:
                diary = read_diary(diary_path, {r["night"]: zone(r["tz"] or tz) for r in p_rows})
            except Exception as exc:  # any diary problem is that participant's, not the run's
                log.warning("%s: diary not used: %s", person, exc)
                problems.append(night_record(NightTask(person, DIARY_NAME, (DIARY_NAME,)),
                                             attempts=1, error=exc))
            else:
                nights = nights.merge(diary, left_on="night", right_index=True, how="left")
        rows.append(nights)
        ev = _concat(p_ev, KEY_COLUMNS)
        jerks = ev[ev["kind"] == "jerk"] if len(ev) else ev
        table = nights.drop_duplicates("night").set_index("night").sort_index()
        per[person] = (table, jerks, _concat(p_act, KEY_COLUMNS))
        events.append(ev)
    cols = [*KEY_COLUMNS, *SUMMARY_COLUMNS, *SLEEP_TIMES, "recordings", "tz"]
    return _concat(events, KEY_COLUMNS), _concat(rows, cols), per, problems


def score_truth(input_dir: str | Path, events: pd.DataFrame, nights: pd.DataFrame,
                tz: str = "UTC") -> tuple[pd.DataFrame, list[dict]]:
    """Each night folder's counted jerks against its :data:`TRUTH_FILE`
    (:func:`detection.scoring.score_jerks`, within 0.5 s), its times without a zone read in
    the night's zone (else ``tz``); and a failure record per truth file that cannot be read.

    Returns
    -------
    truth : DataFrame
        :data:`TRUTH_COLUMNS`, one row per night folder with a truth file.
    problems : list of dict
        :func:`night_record` of each truth file that could not be read (``night_id`` the
        night's and ``/truth/jerks.csv``; its nights kept).
    """
    from detection.scoring import score_jerks
    from hypnic.workflows.night import read_times, times_ns
    from sensing.timezones import zone

    rows, problems = [], []
    for (person, night_id), part in nights.groupby(["participant", "night_id"], sort=True):
        path = Path(input_dir) / str(person) / str(night_id) / TRUTH_FILE
        if not path.is_file():
            continue
        try:
            true_ns = times_ns(read_times(path), zone(part["tz"].iloc[0] or tz), "true jerk")
        except (HypnicError, OSError) as exc:
            problems.append(night_record(NightTask(str(person), f"{night_id}/{TRUTH_FILE}", (TRUTH_FILE,)),
                                         attempts=1, error=exc))
            continue
        mine = events[(events["participant"] == person) & (events["night_id"] == night_id)] if len(events) else events
        score, missed_as = score_jerks(mine, pd.DataFrame({"start": pd.to_datetime(true_ns, utc=True)}))
        rows.append(dict(participant=person, night_id=night_id, n_true=len(true_ns), tp=score.tp,
                         fp=score.fp, fn=score.fn, precision=score.precision, recall=score.recall,
                         f1=score.f1, missed_as=";".join(missed_as)))
    return pd.DataFrame(rows, columns=TRUTH_COLUMNS), problems


def participant_report(out_dir: str | Path, person: str, table: pd.DataFrame, events: pd.DataFrame,
                       activity: pd.DataFrame) -> Path:
    """``OUT_DIR/reports/<participant>/index.html`` with :mod:`analysis.report` (owner-only)."""
    from analysis.advice import doctor_reasons
    from analysis.effects import fit_effects
    from analysis.report import ReportConfig, render_report, write_report

    text = render_report(table, events, activity, fit_effects(table), doctor_reasons(table),
                         ReportConfig(title=f"hypnic report: {person}"))
    return write_report(Path(out_dir) / "reports" / person, text)


def made_note(input_dir: str | Path, tz: str) -> str:
    """What made a cohort page, from which folder and when (this machine's local time),
    and the zone of nights whose files state none: the page's provenance."""
    from hypnic._version import __version__
    from sensing.timezones import local_zone, zone_name

    now = dt.datetime.now(local_zone())
    return (f"Made by hypnic {__version__} from {Path(input_dir).resolve()} on {now:%a} {now.day} {now:%b %Y} at "
            f"{now:%H:%M} ({zone_name(local_zone())}); nights whose files state no time zone were "
            f"read in {tz}.")


# -- the run ----------------------------------------------------------------------------

@contextlib.contextmanager
def dask_client(config: BatchConfig, out_dir: str | Path) -> Iterator[Any]:
    """A Dask client: to ``config.scheduler``, or to a new local cluster on 127.0.0.1
    whose scratch files (and lock files) are in a private temporary folder inside
    ``out_dir``, removed at the end (the shared ``$TMPDIR/dask-scratch-space`` could hold
    another user's symbolic links).

    Raises
    ------
    ModuleNotFoundError
        Without the ``batch`` extra (Dask).
    """
    import dask
    from distributed import Client, LocalCluster

    if config.scheduler:
        try:
            client = Client(config.scheduler, timeout="20s")
        except OSError as exc:
            raise HypnicError(f"cannot reach the Dask scheduler at {config.scheduler}: {exc}") from None
        with client:
            yield client
        return
    n = config.workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix=".dask-", dir=private_folder(out_dir),
                                     ignore_cleanup_errors=True) as scratch, \
            dask.config.set({"temporary-directory": scratch}), \
            LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address="127.0.0.1:0", local_directory=scratch) as cluster, \
            Client(cluster) as client:
        yield client


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    with private_file(path) as tmp:
        df.to_parquet(tmp, index=False)


def _run_nights(todo: list[NightTask], out: Path, cfg: BatchConfig, client: Any,
                progress: Callable[[dict], None] | None) -> list[dict]:
    """Submit one task per night and collect their records as they finish."""
    from distributed import as_completed

    records = []
    with contextlib.nullcontext(client) if client is not None else dask_client(cfg, out) as cl:
        futures = {cl.submit(run_night, t, str(out), cfg.tz, cfg.retries, pure=False,
                             key=f"night-{t.participant}-{t.night_id}-{uuid.uuid4().hex[:8]}"): t
                   for t in todo}
        try:
            for fut in as_completed(futures):
                t = futures[fut]
                try:
                    rec = fut.result()
                except Exception as exc:  # a lost worker fails this night only
                    rec = night_record(t, attempts=cfg.retries + 1, error=exc)
                for note in rec.pop("notes", []):
                    log.warning("%s/%s: %s", t.participant, t.night_id, note)
                records.append(rec)
                if progress:
                    progress(rec)
        except BaseException:  # interrupted: take the queued nights off the cluster
            cl.cancel(list(futures))
            raise
    return records


def run_batch(input_dir: str | Path, out_dir: str | Path, config: BatchConfig | None = None,
              client: Any = None, progress: Callable[[dict], None] | None = None) -> BatchResult:
    """Process a cohort on Dask (see the module docstring for layouts and outputs).

    Parameters
    ----------
    input_dir : path
        Cohort folder, one sub-folder per participant.
    out_dir : path
        Output folder (created); re-running with the same one resumes. One run per
        output folder at a time.
    config : BatchConfig, optional
    client : distributed.Client, optional
        Use this client instead of the one ``config`` describes.
    progress : callable, optional
        Called with each night's record (see :func:`run_night`) as it finishes, and
        once with ``{"total": n}`` before the first.

    Returns
    -------
    BatchResult
    """
    from analysis.cohort import fit_cohort, write_cohort

    cfg = config or BatchConfig()
    t_start = time.perf_counter()
    out = private_folder(out_dir)
    tasks, unreadable = discover(input_dir, out)
    for stale in (out / PARTS).glob("*/.tmp-*"):  # left by a run killed while writing
        shutil.rmtree(stale, ignore_errors=True)
    done = [is_done(out, t, cfg.tz) for t in tasks]  # another --tz: made again
    todo = [t for t, d in zip(tasks, done, strict=True) if not d]
    skipped = [(t.participant, t.night_id) for t, d in zip(tasks, done, strict=True) if d]
    log.info("batch: %d nights, %d already done, %d to process", len(tasks), len(skipped), len(todo))
    if progress:
        progress({"total": len(todo)})
    records = _run_nights(todo, out, cfg, client, progress) if todo else []
    events, nights, per, problems = gather(out, tasks, input_dir, cfg.tz)
    truth, unread = score_truth(input_dir, events, nights, cfg.tz) if len(nights) else (
        pd.DataFrame(columns=TRUTH_COLUMNS), [])
    problems += unread
    outputs = {"events": out / "events.parquet", "nights": out / "nights.parquet",
               "failures": out / "failures.csv"}
    _write_parquet(events, outputs["events"])
    _write_parquet(nights, outputs["nights"])
    if len(truth):
        outputs["truth"] = write_private(out / "truth.csv", truth.to_csv(index=False))
    if cfg.reports:
        for person, (table, jerks, activity) in per.items():
            try:
                outputs[f"report:{person}"] = participant_report(out, person, table, jerks, activity)
            except Exception as exc:  # one participant's report does not stop the others
                log.warning("%s: report not written: %s", person, exc)
                problems.append(night_record(NightTask(person, REPORT_ID, ()), attempts=1, error=exc))
    failures = pd.DataFrame([r for r in records if not r["ok"]] + unreadable + problems,
                            columns=FAILURE_COLUMNS)
    failures = failures.sort_values(["participant", "night_id"], ignore_index=True)
    write_private(outputs["failures"], failures.to_csv(index=False))
    cohort = None
    if len(nights):
        cohort = fit_cohort(nights)
        outputs["cohort_json"], outputs["cohort_html"] = write_cohort(cohort, out, made_note(input_dir, cfg.tz))
    computed = [(r["participant"], r["night_id"]) for r in records if r["ok"]]
    log.info("batch: %d computed, %d skipped, %d failed", len(computed), len(skipped), len(failures))
    return BatchResult(sorted(computed), skipped, failures, events, nights, cohort,
                       time.perf_counter() - t_start, outputs, truth)
