"""The sleeper's diary: one entry per night, validated, in a private SQLite file.

A *night* is named by the date its evening started, in the sleeper's local time: a
night that starts at 23:40 on 5 January and ends at 07:10 on 6 January is
``2026-01-05``; so is a recording that starts at 00:30 on 6 January (anything that
starts before noon belongs to the previous evening, see :func:`night_of`).

Fields (all optional except ``night``; a missing value is stored as NULL):

========================  ========  ===========  =========================================
field                     type      range        meaning
========================  ========  ===========  =========================================
``night``                 date      --           date the evening started (YYYY-MM-DD)
``hours_slept``           float     0-24         hours of sleep that night, h
``bedtime``               HH:MM     --           local time of going to bed
``wake_time``             HH:MM     --           local time of getting up
``stress``                int       0-10         stress during the day
``tiredness``             int       0-10         tiredness at bedtime
``caffeine_drinks``       int       0-30         caffeinated drinks that day
``caffeine_last``         HH:MM     --           local time of the last one
``alcohol_drinks``        int       0-30         alcoholic drinks that day
``exercise_h``            float     0-24         exercise that day, h
``medications``           text      --           names, separated by ";"
``antidepressant``        0/1       --           taking an antidepressant (SSRI/SNRI/TCA...)
``bothersome``            int       0-10         how much the jerks bothered the sleeper
``lost_consciousness``    0/1       --           a loss of consciousness was noticed
``daytime_jerks``         0/1       --           jerks were noticed during the day
``notes``                 text      --           free notes
========================  ========  ===========  =========================================

When ``hours_slept`` is missing but ``bedtime`` and ``wake_time`` are given, the hours
are derived from them (:meth:`DiaryEntry.sleep_hours`), so sleep debt can be computed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from sensing.errors import HypnicError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DB_NAME = "hypnic.sqlite"

#: Common antidepressants by class, to suggest (or set) the antidepressant flag.
#: Generic names and a few frequent brand names, lower case.
ANTIDEPRESSANTS: dict[str, str] = {
    **dict.fromkeys(("citalopram", "escitalopram", "fluoxetine", "fluvoxamine", "paroxetine",
                     "sertraline", "celexa", "cipramil", "lexapro", "cipralex", "prozac",
                     "paxil", "seroxat", "zoloft", "lustral"), "SSRI"),
    **dict.fromkeys(("venlafaxine", "desvenlafaxine", "duloxetine", "milnacipran",
                     "levomilnacipran", "effexor", "pristiq", "cymbalta"), "SNRI"),
    **dict.fromkeys(("amitriptyline", "nortriptyline", "imipramine", "desipramine",
                     "clomipramine", "doxepin", "trimipramine", "protriptyline", "dosulepin",
                     "dothiepin", "lofepramine", "elavil", "anafranil"), "tricyclic"),
    **dict.fromkeys(("mirtazapine", "trazodone", "vortioxetine", "bupropion"), "other antidepressant"),
}

#: Allowed range of each numeric field: (low, high, integer?).
RANGES: dict[str, tuple[float, float, bool]] = {
    "hours_slept": (0.0, 24.0, False),
    "stress": (0, 10, True),
    "tiredness": (0, 10, True),
    "caffeine_drinks": (0, 30, True),
    "alcohol_drinks": (0, 30, True),
    "exercise_h": (0.0, 24.0, False),
    "bothersome": (0, 10, True),
}
TIME_FIELDS = ("bedtime", "wake_time", "caffeine_last")
FLAG_FIELDS = ("antidepressant", "lost_consciousness", "daytime_jerks")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class DiaryError(HypnicError, ValueError):
    """A diary value, file or database that cannot be accepted."""


def classify_medication(name: str) -> str | None:
    """Antidepressant class of a medication name (``"SSRI"``, ``"SNRI"``, ...) or None."""
    return ANTIDEPRESSANTS.get(name.strip().lower())


@dataclass(frozen=True)
class DiaryEntry:
    """One night of the diary; validated on creation (see the module table for ranges).

    Raises
    ------
    DiaryError
        If a value is out of range or malformed; the message names the field and the
        allowed range.
    """

    night: dt.date
    hours_slept: float | None = None
    bedtime: str | None = None
    wake_time: str | None = None
    stress: int | None = None
    tiredness: int | None = None
    caffeine_drinks: int | None = None
    caffeine_last: str | None = None
    alcohol_drinks: int | None = None
    exercise_h: float | None = None
    medications: tuple[str, ...] = ()
    antidepressant: bool | None = None
    bothersome: int | None = None
    lost_consciousness: bool = False
    daytime_jerks: bool = False
    notes: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.night, dt.date):
            raise DiaryError(f"night must be a date, got {self.night!r}")
        for name, (lo, hi, integer) in RANGES.items():
            v = getattr(self, name)
            if v is None:
                continue
            kind = "a whole number" if integer else "a number"
            if isinstance(v, bool) or not isinstance(v, int | float) or (integer and v != int(v)):
                raise DiaryError(f"{name} must be {kind} from {lo:g} to {hi:g}, got {v!r}")
            if not lo <= v <= hi:
                raise DiaryError(f"{name} must be from {lo:g} to {hi:g}, got {v:g}")
        for name in TIME_FIELDS:
            v = getattr(self, name)
            if v is not None and not _HHMM.match(v):
                raise DiaryError(f"{name} must be a local time HH:MM (00:00-23:59), got {v!r}")
        if any(";" in m or not m.strip() for m in self.medications):
            raise DiaryError(f"medication names must be non-empty and contain no ';': {self.medications!r}")

    def sleep_hours(self) -> float | None:
        """Hours slept: the entry's value, else wake time minus bedtime (across midnight), h."""
        if self.hours_slept is not None:
            return float(self.hours_slept)
        if self.bedtime and self.wake_time:
            b, w = (_minutes(t) for t in (self.bedtime, self.wake_time))
            return ((w - b) % (24 * 60)) / 60.0
        return None

    def suggested_antidepressant(self) -> bool:
        """True if any listed medication is a known antidepressant (:data:`ANTIDEPRESSANTS`)."""
        return any(classify_medication(m) for m in self.medications)


FIELDS = tuple(f.name for f in fields(DiaryEntry))


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def night_of(t: dt.datetime, tz: dt.tzinfo | None = None) -> dt.date:
    """The night a moment belongs to: the local date of ``t`` minus 12 hours.

    Parameters
    ----------
    t : datetime
        A moment (timezone-aware; naive means UTC).
    tz : tzinfo, optional
        The sleeper's time zone; default the machine's local zone.
    """
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    local = t.astimezone(tz) if tz is not None else t.astimezone()
    return (local - dt.timedelta(hours=12)).date()


# -- parsing text (CLI options and CSV cells) --------------------------------------------

def parse_field(name: str, text: str) -> Any:
    """Parse one field from text (a CSV cell or a CLI value); empty text gives None.

    Raises
    ------
    DiaryError
        If the text is not a valid value for the field.
    """
    text = text.strip()
    if name == "night":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise DiaryError(f"night must be a date YYYY-MM-DD, got {text!r}") from None
    if name == "medications":
        return tuple(m.strip() for m in text.split(";") if m.strip())
    if name == "notes":
        return text
    if text == "":
        return False if name in ("lost_consciousness", "daytime_jerks") else None
    if name in FLAG_FIELDS:
        low = text.lower()
        if low in ("1", "yes", "y", "true"):
            return True
        if low in ("0", "no", "n", "false"):
            return False
        raise DiaryError(f"{name} must be yes/no (1/0), got {text!r}")
    if name in RANGES:
        lo, hi, integer = RANGES[name]
        try:
            v = float(text)
        except ValueError:
            v = float("nan")
        if not math.isfinite(v):
            raise DiaryError(f"{name} must be a number from {lo:g} to {hi:g}, got {text!r}")
        return int(v) if integer and v == int(v) else v
    if name in TIME_FIELDS:
        return text
    raise DiaryError(f"unknown diary field {name!r}; fields: {', '.join(FIELDS)}")


def entry_to_row(e: DiaryEntry) -> dict[str, str]:
    """An entry as CSV text cells (the inverse of :func:`parse_field`)."""
    out = {}
    for k, v in asdict(e).items():
        if v is None:
            out[k] = ""
        elif k == "medications":
            out[k] = "; ".join(v)
        elif isinstance(v, bool):
            out[k] = "1" if v else "0"
        elif isinstance(v, float):
            out[k] = f"{v:g}"
        else:
            out[k] = str(v)
    return out


# -- storage ------------------------------------------------------------------------------

def default_db_path() -> Path:
    """The diary database in the user's data directory (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("hypnic")) / DB_NAME


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS diary (
    night TEXT PRIMARY KEY, hours_slept REAL, bedtime TEXT, wake_time TEXT,
    stress INTEGER, tiredness INTEGER, caffeine_drinks INTEGER, caffeine_last TEXT,
    alcohol_drinks INTEGER, exercise_h REAL, medications TEXT NOT NULL DEFAULT '',
    antidepressant INTEGER, bothersome INTEGER,
    lost_consciousness INTEGER NOT NULL DEFAULT 0, daytime_jerks INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS nights (
    night TEXT PRIMARY KEY, summary TEXT NOT NULL, sleep TEXT NOT NULL,
    recordings TEXT NOT NULL, processed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    night TEXT NOT NULL, start_ns INTEGER NOT NULL, duration_s REAL, peak_g REAL,
    location TEXT, kind TEXT, series_id INTEGER, group_id INTEGER, distribution TEXT,
    rel_onset_s REAL, phase TEXT);
CREATE INDEX IF NOT EXISTS events_night ON events (night);
CREATE TABLE IF NOT EXISTS activity (
    night TEXT NOT NULL, start_ns INTEGER NOT NULL, location TEXT, activity REAL, asleep INTEGER);
CREATE INDEX IF NOT EXISTS activity_night ON activity (night);
"""


def _private_file(path: Path) -> None:
    """Create ``path`` (and its folder) readable and writable by the user alone."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


@contextmanager
def connect(path: str | Path | None = None) -> Iterator[sqlite3.Connection]:
    """Open (creating if needed) the hypnic database; one transaction per ``with`` block.

    Parameters
    ----------
    path : str or Path, optional
        Database file; default :func:`default_db_path`. Created with mode 0600.

    Raises
    ------
    DiaryError
        If the file is not a hypnic database or was written by a newer hypnic.
    """
    p = Path(path) if path is not None else default_db_path()
    _private_file(p)
    con = sqlite3.connect(p)
    try:
        try:
            con.executescript(_SCHEMA)
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise DiaryError(f"{p} is not a hypnic database ({exc})") from None
        if row is None:
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise DiaryError(f"{p} has schema version {row[0]}; this hypnic reads up to "
                             f"{SCHEMA_VERSION}: upgrade hypnic")
        with con:
            yield con
    finally:
        con.close()


_COLS = ", ".join(FIELDS)
_MARKS = ", ".join("?" for _ in FIELDS)


def _to_db(e: DiaryEntry) -> tuple:
    d = asdict(e)
    d["night"] = e.night.isoformat()
    d["medications"] = "; ".join(e.medications)
    for k in FLAG_FIELDS:
        d[k] = None if d[k] is None else int(d[k])
    return tuple(d[k] for k in FIELDS)


def _from_db(row: Iterable) -> DiaryEntry:
    d = dict(zip(FIELDS, row, strict=True))
    d["night"] = dt.date.fromisoformat(d["night"])
    d["medications"] = tuple(m.strip() for m in d["medications"].split(";") if m.strip())
    for k in FLAG_FIELDS:
        d[k] = None if d[k] is None else bool(d[k])
    return DiaryEntry(**d)


def add_entries(con: sqlite3.Connection, entries: Iterable[DiaryEntry], replace_existing: bool = False) -> int:
    """Insert entries (in the caller's transaction); returns how many were written.

    Raises
    ------
    DiaryError
        If a night is already in the diary and ``replace_existing`` is false.
    """
    verb = "INSERT OR REPLACE" if replace_existing else "INSERT"
    n = 0
    for e in entries:
        try:
            con.execute(f"{verb} INTO diary ({_COLS}) VALUES ({_MARKS})", _to_db(e))
        except sqlite3.IntegrityError:
            raise DiaryError(f"night {e.night} is already in the diary (edit it, or replace it)") from None
        n += 1
    return n


def get_entry(con: sqlite3.Connection, night: dt.date) -> DiaryEntry | None:
    """The entry of one night, or None."""
    row = con.execute(f"SELECT {_COLS} FROM diary WHERE night = ?", (night.isoformat(),)).fetchone()
    return _from_db(row) if row else None


def list_entries(con: sqlite3.Connection) -> list[DiaryEntry]:
    """All entries, oldest night first."""
    return [_from_db(r) for r in con.execute(f"SELECT {_COLS} FROM diary ORDER BY night")]


def edit_entry(con: sqlite3.Connection, night: dt.date, **changes: Any) -> DiaryEntry:
    """Change some fields of an existing entry (validated); returns the new entry.

    Raises
    ------
    DiaryError
        If the night has no entry or a new value is invalid.
    """
    old = get_entry(con, night)
    if old is None:
        raise DiaryError(f"night {night} is not in the diary (add it first)")
    unknown = set(changes) - set(FIELDS) - {"night"}
    if unknown:
        raise DiaryError(f"unknown diary field(s): {', '.join(sorted(unknown))}")
    new = replace(old, **changes)
    add_entries(con, [new], replace_existing=True)
    return new


# -- CSV ----------------------------------------------------------------------------------

def read_csv(text: str, max_errors: int = 20) -> list[DiaryEntry]:
    """Parse a diary CSV (header of field names, one night per row), all or nothing.

    Parameters
    ----------
    text : str
        The file's contents. Columns are :data:`FIELDS` (``night`` required, the rest
        optional, any order).
    max_errors : int
        At most this many problems are listed in the error message.

    Raises
    ------
    DiaryError
        Listing every malformed row by its line number in the file (1 = header); no
        entry is returned if any row is bad.
    """
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # e.g. a lone carriage return inside a field
        raise DiaryError(f"not a readable CSV file: {exc}") from None
    if not rows:
        raise DiaryError("the diary CSV is empty (expected a header line with 'night', ...)")
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h not in FIELDS]
    if unknown or "night" not in header or len(set(header)) != len(header):
        raise DiaryError(f"line 1: the header must name distinct diary fields including 'night' "
                         f"(fields: {', '.join(FIELDS)}); unknown: {', '.join(unknown) or 'none'}")
    entries: list[DiaryEntry] = []
    errors: list[str] = []
    seen: dict[dt.date, int] = {}
    starts, line = [], 1  # line number of each row in the file (quoted fields may span lines)
    for r in rows:
        starts.append(line)
        line += 1 + sum(c.count("\n") for c in r)
    for line, cells in zip(starts[1:], rows[1:], strict=True):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(f"line {line}: expected {len(header)} values, got {len(cells)}")
            continue
        try:
            values = {h: parse_field(h, c) for h, c in zip(header, cells, strict=True)}
            entry = DiaryEntry(**values)
        except DiaryError as exc:
            errors.append(f"line {line}: {exc}")
            continue
        if entry.night in seen:
            errors.append(f"line {line}: night {entry.night} repeats line {seen[entry.night]}")
            continue
        seen[entry.night] = line
        entries.append(entry)
    if errors:
        more = f" (and {len(errors) - max_errors} more)" if len(errors) > max_errors else ""
        raise DiaryError(f"{len(errors)} bad row(s), nothing imported: "
                         + "; ".join(errors[:max_errors]) + more)
    return entries


def write_csv(entries: Iterable[DiaryEntry]) -> str:
    """Diary entries as CSV text with every field (readable back by :func:`read_csv`)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for e in entries:
        w.writerow(entry_to_row(e))
    return buf.getvalue()


def import_csv(con: sqlite3.Connection, text: str, replace_existing: bool = False) -> int:
    """Validate a diary CSV and insert all its rows in one transaction (or none)."""
    entries = read_csv(text)
    if not replace_existing:
        clash = [e.night for e in entries if get_entry(con, e.night) is not None]
        if clash:
            raise DiaryError(f"{len(clash)} night(s) already in the diary, nothing imported: "
                             f"{', '.join(map(str, clash[:10]))} (use --replace to overwrite)")
    n = add_entries(con, entries, replace_existing=True)
    log.info("imported %d diary entries", n)
    return n


def diary_frame(entries: Iterable[DiaryEntry]):
    """Entries as a DataFrame indexed by night, with derived ``hours_slept``.

    Returns
    -------
    DataFrame
        The :data:`FIELDS` columns (``medications`` ";"-joined; flags 0/1 floats, NaN
        when unknown); ``hours_slept`` filled from bedtime/wake time when missing;
        ``antidepressant`` filled from the medication list when not given.
    """
    import pandas as pd

    rows = []
    for e in entries:
        d = asdict(e)
        d["hours_slept"] = e.sleep_hours()
        d["medications"] = "; ".join(e.medications)
        if e.antidepressant is None:
            d["antidepressant"] = e.suggested_antidepressant() if e.medications else None
        rows.append(d)
    df = pd.DataFrame(rows, columns=list(FIELDS))
    for k in FLAG_FIELDS:
        df[k] = df[k].map({True: 1.0, False: 0.0}).astype(float)
    for k in RANGES:
        df[k] = pd.to_numeric(df[k], errors="coerce").astype(float)
    return df.set_index("night")


def entries_from_simulation(diary) -> list[DiaryEntry]:
    """Diary entries for a simulated diary (:func:`simulation.simulate_diary`).

    Times are written in UTC (the simulated sleeper lives in UTC). Bedtime is the
    recording start, wake time is bedtime plus the time in bed, the last caffeine is
    ``caffeine_last_h`` before bedtime; the antidepressant flag follows the simulation.
    """
    import pandas as pd

    out = []
    for r in diary.itertuples():
        start = pd.Timestamp(r.start).tz_convert("UTC")
        meds = tuple(m for m in str(r.medications).split(";") if m.strip())
        out.append(DiaryEntry(
            night=r.night, hours_slept=float(r.hours_slept),
            bedtime=start.strftime("%H:%M"),
            wake_time=(start + pd.Timedelta(hours=float(r.hours_in_bed))).strftime("%H:%M"),
            stress=int(r.stress), tiredness=int(r.tiredness), caffeine_drinks=int(r.caffeine_drinks),
            caffeine_last=(start - pd.Timedelta(hours=float(r.caffeine_last_h))).strftime("%H:%M"),
            alcohol_drinks=int(r.alcohol_drinks), exercise_h=float(r.exercise_h),
            medications=meds, antidepressant=bool(r.antidepressant)))
    return out
