"""One night: read its files, detect jerks, summarise the night, write or store the result.

The one night workflow behind ``hypnic detect``, ``hypnic nights --add``, ``hypnic
demo`` and every task of ``hypnic batch``. Detection is :func:`detection.detect_night`;
the summary is :func:`analysis.nights.summarise_night`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.diary import night_of
from analysis.nights import (
    StoredNight,
    counted_nights,
    empty_marks,
    hours_recorded,
    hours_still,
    summarise_night,
)
from sensing.errors import FormatError, HypnicError, wrong_type
from sensing.private import write_private
from sensing.recording import Recording
from sensing.timezones import sleeper_zone, zone_name

if TYPE_CHECKING:
    from detection import DetectionConfig, SleepWindow

log = logging.getLogger(__name__)


ACTIVITY_EPOCH = "60s"  # stored activity resolution (the report's timeline uses 1-min bins)


def read_files(paths: Sequence[str | Path], format: str = "auto", tz: str | None = None,
               locations: Sequence[str | None] | None = None, units: str | None = None,
               progress: Callable[[int, int, int], None] | None = None,
               default_tz: str | None = None, start: str | None = None) -> list[Recording]:
    """The recordings of one night's files, one per sensor (several files are several sensors).

    Every option and every file's existence is checked before any file is read. The
    parts a file was split into (a clock set back, a rate change) are one sensor
    (:func:`sensing.readers.timecheck.join_parts`).

    Parameters
    ----------
    paths : sequence of path
        Recording files (any format :func:`sensing.readers.read` reads).
    format : str
        ``"auto"`` (detected from each file's content) or a format name.
    tz : str, optional
        IANA zone the files' clocks were set to, over the zone a file states (a warning
        says when that moves its times). Default: the zone a file states, else
        ``default_tz``.
    locations : sequence of str, optional
        Where each file's sensor was worn, one per file, overriding what the files say
        (None for a file: what it says).
    units : str, optional
        Acceleration units of files that do not say: ``g``, ``mg`` or ``m/s^2``.
    progress : callable, optional
        ``progress(i, done, total)``: bytes of file ``i`` read so far and its size, called
        while it is read (text files) and once when it is done.
    default_tz : str, optional
        Zone of times written without a zone when no file of the night states one.
        Default: this machine's (:func:`sensing.timezones.local_zone_key`; UTC if it has
        no name).
    start : str, optional
        Start time (ISO-8601; without a zone, in ``tz`` or ``default_tz``) of files whose
        times are seconds since their start.

    Raises
    ------
    HypnicError
        If ``locations`` does not give one location per file, an option or a location
        is unknown, a file is missing, cannot be read or holds no samples, or a sensor
        samples more slowly than :data:`sensing.body.MIN_RATE_HZ` (too slow to show a
        jerk). A sensor slower than the accuracy was measured at
        (:data:`detection.scoring.MEASURED`, 25 Hz) is read, with a logged warning; so
        are sensors only where few jerks show (the upper arm, the thigh:
        :func:`detection.scoring.weak_placements`), and a file whose samples overlap no
        other file's in time (another day's: several files are one night's sensors).
    """
    from itertools import groupby

    from detection.scoring import MEASURED, slow_rate_text, weak_placements, weak_placements_text
    from sensing.body import refuse_slow_rate
    from sensing.readers import check_format, read, read_options
    from sensing.readers.timecheck import join_parts
    from sensing.timezones import file_zone, local_zone_key

    paths, locations = _listed(paths), _listed(locations)
    if locations and len(locations) != len(paths):
        raise HypnicError(f"give one --location per file: {len(paths)} file(s), "
                          f"{len(locations)} location(s)")
    where = [read_options(location=loc).location for loc in locations] if locations else [None] * len(paths)
    read_options(tz=tz, local_tz=default_tz, units=units, start=start)
    check_format(format)
    folders = [str(p) for p in paths if Path(p).is_dir()]
    if folders:
        raise FormatError(f"{folders[0]} is a folder; give the recording file(s) inside it")
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise FormatError(f"no such file: {missing[0]}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))

    def read_one(i: int, path: str | Path, location: str | None, local_tz: str | None) -> list[Recording]:
        step = (lambda done, total: progress(i, done, total)) if progress else None
        recs = read(path, format=format, tz=tz, location=location, progress=step, local_tz=local_tz,
                    **({"units": units} if units else {}), **({"start": start} if start else {}))
        if progress:
            size = Path(path).stat().st_size
            progress(i, size, size)
        if not recs:  # e.g. a live recording whose sensor was never connected
            raise FormatError(f"{path}: holds no samples")
        return recs

    local = None if tz else (default_tz or local_zone_key())
    files = [read_one(i, path, location, local) for i, (path, location) in enumerate(zip(paths, where, strict=True))]
    stated = None if tz else file_zone(r for recs in files for r in recs)
    if stated and stated != local:  # times without a zone were set where the other files say
        files = [recs if file_zone(recs) else _read_again(partial(read_one, i, path, location, stated), path, stated)
                 for i, (recs, path, location) in enumerate(zip(files, paths, where, strict=True))]
    named: list[tuple[str, Recording]] = []  # each sensor's file name and recording
    for recs, path in zip(files, paths, strict=True):
        for _, parts in groupby(recs, key=lambda r: (r.device, r.location)):  # a sensor's parts
            rec = join_parts(list(parts), Path(path).name, zone_known=bool(tz))
            refuse_slow_rate(rec.fs, Path(path).name)
            if rec.fs < MEASURED.lowest_rate_hz:
                log.warning("%s: %s samples at %s: a jerk of 50-250 ms is 1-3 samples there and "
                            "many fall between them; take its counts as a lower bound",
                            Path(path).name, rec.location, slow_rate_text(rec.fs))
            named.append((Path(path).name, rec))
    named = _one_after_another(named)
    recordings = [rec for _, rec in named]
    spans = [(name, min(int(r.time_ns[0]) for n, r in named if n == name),
              max(int(r.time_ns[-1]) for n, r in named if n == name)) for name in dict.fromkeys(n for n, _ in named)]
    _warn_apart(spans, sleeper_zone(tz, recordings, default_tz))
    weak = weak_placements([r.location for r in recordings])
    if weak:
        log.warning("sensors only on %s (a jerk turns a segment near the body's core little, and its "
                    "sensor feels mostly the tilt); take the counts as a lower bound, and wear a "
                    "sensor on a wrist or an ankle (firmware_notes/README.md)",
                    weak_placements_text(weak))
    return recordings


def _listed(items: Any) -> Any:
    """One path or location as a list of one (a string is not a list of letters)."""
    return [items] if isinstance(items, (str, Path)) else items


def _one_after_another(named: list[tuple[str, Recording]]) -> list[tuple[str, Recording]]:
    """Files worn at one place that follow each other in time (a recording stopped and
    started again) as one sensor, named ``a.csv + b.csv``: joined in time order, the time
    between them a gap (:func:`sensing.readers.timecheck.join_parts`). Files of one place
    that overlap in time stay apart (detection refuses two sensors at one place)."""
    from itertools import pairwise

    from sensing.readers.timecheck import join_parts

    out = []
    for place in dict.fromkeys(rec.location for _, rec in named):
        group = sorted((x for x in named if x[1].location == place), key=lambda x: int(x[1].time_ns[0]))
        if len(group) > 1 and all(b.time_ns[0] > a.time_ns[-1] for (_, a), (_, b) in pairwise(group)):
            name = " + ".join(n for n, _ in group)
            out.append((name, join_parts([rec for _, rec in group], name)))
        else:
            out.extend(group)
    return out


def _read_again(read_one: Callable[[], list[Recording]], path: str | Path, zone: str) -> list[Recording]:
    """A file whose times carry no zone, read again in the zone another file of the night
    states (its messages were shown by the first read), and a warning that says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            recs = read_one()
        finally:
            logging.disable(logging.NOTSET)
    log.warning("%s: its times carry no time zone and are read in %s, the zone the other files "
                "state (give --tz if its clock was set elsewhere)", Path(path).name, zone)
    return recs


def _warn_apart(spans: Sequence[tuple[str, int, int]], tz: dt.tzinfo) -> None:
    """Log a warning for each file whose samples overlap no other file's in time:
    several files are read as sensors worn together on one night.

    Parameters
    ----------
    spans : sequence of (str, int, int)
        Each file's name, first and last sample time, ns since the epoch (UTC).
    tz : tzinfo
        The zone the times are shown in.
    """
    if len(spans) < 2:
        return
    start = np.array([s[1] for s in spans])
    end = np.array([s[2] for s in spans])
    overlaps = (start[:, None] <= end[None, :]) & (start[None, :] <= end[:, None])
    alone = overlaps.sum(axis=1) == 1  # itself only

    def when(ns: int) -> str:
        return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(tz).strftime("%Y-%m-%d %H:%M")

    for (name, t0, t1) in (s for s, a in zip(spans, alone, strict=True) if a):
        log.warning("%s (%s to %s, %s) overlaps no other file in time: hypnic reads several "
                    "files as sensors worn together on one night; give one night's files, "
                    "one per sensor", name, when(t0), when(t1), zone_name(tz))


def read_times(path: str | Path) -> list[str]:
    """Times from a CSV (stimuli such as noises and lights, felt-it marks, true jerks): a
    ``time`` or ``start`` column or one time per line. Rows whose ``observable`` column
    says false are left out (``hypnic simulate``'s ``truth/jerks.csv``: a jerk of a body
    part no sensor was worn on).

    Raises
    ------
    FormatError
        If the file cannot be read as CSV.
    """
    try:
        df = pd.read_csv(path, header=None, dtype=str, comment="#")
    except (OSError, ValueError) as exc:
        raise FormatError(f"{path}: cannot read times: {' '.join(str(exc).split())}") from exc
    first = df.iloc[0].str.strip().str.lower().tolist() if len(df) else []
    column = next((c for c in ("time", "start") if c in first), None)
    if column is None:
        return df.iloc[:, 0].str.strip().tolist()
    rows = df.iloc[1:]
    if "observable" in first:
        rows = rows[rows.iloc[:, first.index("observable")].str.strip().str.lower() != "false"]
    return rows.iloc[:, first.index(column)].str.strip().tolist()


def times_ns(texts: Sequence[str], tz: dt.tzinfo, what: str) -> list[int]:
    """ISO-8601 times (marks, stimuli) as UTC ns; those written without a zone are local
    to ``tz`` (the person's zone: they were logged on a phone or typed by hand).

    Raises
    ------
    FormatError
        If a time is not ISO-8601 (naming ``what``, e.g. ``"mark"``), or one without a zone
        is not one moment in ``tz``: in the hour a clock change repeats or skips.
    """
    unreadable = FormatError(f"cannot read the {what} time(s) {', '.join(list(texts)[:3])}: use "
                             "ISO-8601, e.g. 2026-01-05T23:10:05")
    try:  # one by one: times with and without a zone may come together
        stamps = [pd.to_datetime(str(text).strip(), format="ISO8601") for text in texts]
        if any(pd.isna(t) for t in stamps):  # an empty text is no time
            raise unreadable
        walls = [t.to_pydatetime(warn=False) for t in stamps if not t.tzinfo]
    except (ValueError, TypeError, OverflowError):
        raise unreadable from None
    for wall in walls:
        _check_wall_clock(wall, tz, what)
    try:
        return [int((t if t.tzinfo else t.tz_localize(tz)).tz_convert("UTC").as_unit("ns").value)
                for t in stamps]
    except (ValueError, TypeError, OverflowError):
        raise unreadable from None


def _check_wall_clock(wall: dt.datetime, tz: dt.tzinfo, what: str) -> None:
    """Raise :class:`FormatError` if the local time ``wall`` (naive) was not one moment in
    ``tz``: it came twice (the clocks went back: its offset says which) or never (they
    went forward past it)."""
    first, second = (wall.replace(tzinfo=tz, fold=fold) for fold in (0, 1))
    if first.utcoffset() == second.utcoffset():
        return
    text, name = wall.isoformat(), zone_name(tz)
    if first.astimezone(dt.timezone.utc).astimezone(tz).replace(tzinfo=None) == wall:
        raise FormatError(f"{what} time {text} came twice in {name} (the clocks went back): write "
                          f"its offset, {first.isoformat()} (the first) or {second.isoformat()[-6:]} (the second)")
    raise FormatError(f"{what} time {text} did not happen in {name} (the clocks went forward past it): "
                      "check it, or write its offset")


def _activity(frame: Any, off_body: pd.DataFrame | None = None) -> pd.DataFrame:
    """Detection's epoch table (:attr:`detection.NightResult.activity`) as 1-minute
    ``start``, ``location``, ``activity`` (its ``enmo_mg``: movement, mg, the minute's
    mean), ``asleep``, ``worn``.

    Each minute a span of ``off_body`` (``start``,
    ``end``, UTC) covers and the epochs leave empty is a row with ``worn`` False (activity
    NaN, per location), so the report can tell time off the body from no data.
    """
    cols = ["start", "location", "activity", "asleep", "worn"]
    if frame is None or not len(frame):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = frame.reset_index() if "start" not in frame.columns else frame
    df = df.rename(columns={"enmo_mg": "activity"})
    if "location" not in df.columns:
        df = df.assign(location="all")
    df = df.assign(start=pd.to_datetime(df["start"], utc=True).dt.floor(ACTIVITY_EPOCH),
                   asleep=df["asleep"].astype(float))
    out = df.groupby(["start", "location"], as_index=False)[["activity", "asleep"]].mean()
    out = out.assign(asleep=out["asleep"] >= 0.5, worn=True)
    if off_body is not None and len(off_body):
        spans = [pd.date_range(a.floor(ACTIVITY_EPOCH), b, freq=ACTIVITY_EPOCH, inclusive="left")
                 for a, b in zip(off_body["start"], off_body["end"], strict=True)]
        minutes = spans[0].append(spans[1:]).unique().difference(pd.DatetimeIndex(out["start"]))
        off = pd.MultiIndex.from_product([minutes, out["location"].unique()],
                                         names=["start", "location"]).to_frame(index=False)
        off = off.assign(activity=np.nan, asleep=False, worn=False)
        out = pd.concat([out, off], ignore_index=True).sort_values(["start", "location"],
                                                                  ignore_index=True)
    return out[cols]


def process_nights(recordings: Recording | Sequence[Recording], tz: dt.tzinfo | str | None = None,
                   config: DetectionConfig | None = None, files: Sequence[str] = (),
                   stimuli: Sequence[Any] | None = None,
                   marks: pd.DataFrame | None = None) -> list[StoredNight]:
    """Detect jerks in recordings and summarise each night they hold.

    Detection runs once over the whole recording; a recording of several nights (a
    week) is then cut into one night each (:meth:`detection.NightResult.by_night`:
    halfway between a night's final wake and the next lights out), each with its own
    summary, events, activity and marks. Parameters as :func:`process_night`.

    Returns
    -------
    list of StoredNight
        One per night, in time order (one for a recording with at most one night).
    """
    from detection import detect_night
    from detection.night import as_recordings

    recordings = as_recordings(recordings, "process_night")
    if not any(len(r) for r in recordings):
        raise HypnicError("no recording holds a sample: there is no night to summarise")
    if not (tz is None or isinstance(tz, (str, dt.tzinfo))):
        raise wrong_type("process_night: tz", "a tzinfo or an IANA zone name (Europe/Paris)", tz)
    tz = sleeper_zone(tz, recordings) if tz is None or isinstance(tz, str) else tz
    result = detect_night(list(recordings), config, stimuli=stimuli)
    given = [marks[["start", "source"]]] if marks is not None and len(marks) else []
    found = [m for m in (result.markers[["start", "source"]], *given) if len(m)]
    all_marks = (pd.concat(found, ignore_index=True).sort_values("start", ignore_index=True)
                 if found else empty_marks())
    parts = result.by_night()
    out = []
    for part in parts:
        recs, part_marks = recordings, all_marks
        if len(parts) > 1:  # the part's own samples and marks
            t = part.activity["start"].to_numpy("datetime64[ns]").view("int64")
            off = part.off_body[["start", "end"]].to_numpy("datetime64[ns]").view("int64")
            lo = int(min(t.min(), off.min(initial=t.min())))  # with the time off the body
            hi = int(max(t.max() + int(part.config.epoch_s * 1e9), off.max(initial=0)))
            recs = [s for s in (r.slice_time(lo, hi) for r in recordings) if len(s)]
            m = all_marks["start"]
            part_marks = all_marks[(m >= pd.Timestamp(lo, tz="UTC")) & (m < pd.Timestamp(hi, tz="UTC"))]
        off_h = part.off_body_s / 3600
        summary = summarise_night(part.events, part.sleep, hours_recorded(recs) - off_h, part_marks,
                                  hours_day=part.day_s / 3600, hours_still=hours_still(recs),
                                  hours_off=off_h)
        first_ns = (part.sleep.onset.value if part.sleep.onset is not None
                    else min(int(r.time_ns[0]) for r in recs))
        night = night_of(dt.datetime.fromtimestamp(first_ns / 1e9, dt.timezone.utc), tz)
        log.info("night %s: %d jerks", night, summary["n_jerks"])
        out.append(StoredNight(night, summary, part.sleep, part.events,
                               _activity(part.activity, part.off_body), tuple(files),
                               part_marks.reset_index(drop=True), zone_name(tz), part.off_body))
    return out


def process_night(recordings: Recording | Sequence[Recording], tz: dt.tzinfo | str | None = None,
                  config: DetectionConfig | None = None, files: Sequence[str] = (),
                  stimuli: Sequence[Any] | None = None,
                  marks: pd.DataFrame | None = None) -> StoredNight:
    """Detect jerks in one night's recordings and summarise the night.

    A recording that holds several nights gives its main night (the longest) with a
    warning: :func:`process_nights` gives each.

    Parameters
    ----------
    recordings : Recording or sequence of Recording
        The sensors worn together that night.
    tz : tzinfo or str, optional
        The sleeper's time zone (a zone or its IANA name), to name the night and show its
        times in (default: the
        zone the files state, else the machine's; :func:`sensing.timezones.sleeper_zone`).
        The night is named by the local date of its sleep onset (of the first sample
        without one) minus 12 h (:func:`analysis.diary.night_of`).
    config : detection.DetectionConfig, optional
        Detection parameters.
    files : sequence of str
        Names of the files the recordings came from (stored with the night).
    stimuli : sequence, optional
        Times of stimuli (noises, lights) as ISO-8601 strings, Timestamps or int ns UTC;
        see :func:`detection.detect_night`.
    marks : DataFrame, optional
        Felt-it marks kept with the recordings (``start`` UTC, ``source``); the
        double taps on the sensors are found here and added.

    Returns
    -------
    StoredNight
        The night's date, summary (:data:`analysis.nights.SUMMARY_COLUMNS`), sleep window,
        every detected event (one row per sensor-level candidate, all kinds),
        1-minute activity and time zone; ready for :func:`analysis.nights.store_night`.

    Raises
    ------
    HypnicError
        If ``recordings`` are not Recordings or hold no sample, ``tz`` is neither a zone
        nor a zone's name, or detection refuses an argument (:func:`detection.detect_night`).

    Examples
    --------
    >>> import datetime as dt
    >>> from simulation import NightConfig, simulate_night
    >>> sim = simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left",), n_jerks=2), seed=1)
    >>> night = process_night(list(sim.recordings.values()), dt.timezone.utc)
    >>> night.night, night.tz
    (datetime.date(2026, 1, 5), 'UTC')
    >>> sorted(night.summary)[:3]
    ['hours_asleep', 'hours_day', 'hours_off']
    """
    nights = process_nights(recordings, tz, config, files, stimuli, marks)
    main = max(nights, key=lambda n: n.sleep.period_s if n.sleep.onset is not None else -1.0)
    if len(nights) > 1:
        log.warning("the recording holds %d nights (%s); only the longest, %s, is kept here "
                    "(its summary, events and sleep): 'hypnic nights --add' (or 'hypnic batch') "
                    "files each", len(nights),
                    ", ".join(str(n.night) for n in nights), main.night)
    return main


#: A clock time as a person types it (22:30): hours and minutes.
CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def given_time(text: str, option: str, after_ns: int, tz: dt.tzinfo) -> int:
    """A time a person gives, ns UTC: a clock time ``HH:MM`` in ``tz`` (its first
    occurrence at or after ``after_ns``: :data:`CLOCK_TIME`) or an ISO-8601 time (in
    ``tz`` without a zone; a local time a clock change repeats or skips is refused:
    :func:`_check_wall_clock`)."""
    unreadable = HypnicError(f"{option} {text!r}: give a clock time (22:30, in your time zone) or "
                             "an ISO-8601 time (2026-01-05T22:30)")
    clock_time = CLOCK_TIME.fullmatch(text.strip())
    try:
        if clock_time:
            then = dt.datetime.fromtimestamp(after_ns / 1e9, tz)
            at = then.replace(hour=int(clock_time[1]), minute=int(clock_time[2]), second=0,
                              microsecond=0)
            if at < then.replace(second=0, microsecond=0):
                at += dt.timedelta(days=1)
            t = pd.Timestamp(at.replace(tzinfo=None))
        else:
            t = pd.Timestamp(text)
        wall = None if t.tzinfo else t.to_pydatetime(warn=False)
    except (ValueError, OverflowError):
        raise unreadable from None
    if wall is not None:
        _check_wall_clock(wall, tz, option)
    try:
        return int((t if t.tzinfo else t.tz_localize(tz)).as_unit("ns").value)
    except (ValueError, OverflowError):
        raise unreadable from None


def check_worn(start: str | None, end: str | None) -> None:
    """Raise :class:`HypnicError` if a time of :func:`worn_between` cannot be read (before
    any file is read)."""
    for text, option in ((start, "--worn-from"), (end, "--worn-until")):
        if text is not None:
            given_time(text, option, 0, dt.timezone.utc)


def worn_between(recordings: Sequence[Recording], tz: dt.tzinfo, start: str | None = None,
                 end: str | None = None) -> list[Recording]:
    """The recordings cut to the time the sensors were worn, as the sleeper says: from
    ``start`` and until ``end`` (clock times ``HH:MM`` in ``tz``, the first occurrence
    after the recording starts, ``end``'s after ``start``; or ISO-8601 times). What lies
    outside (a logger started on the nightstand, left there in the morning) is left out.

    Raises
    ------
    HypnicError
        If a time cannot be read, or no sample is left.
    """
    from sensing.timezones import clock

    if start is None and end is None:
        return list(recordings)
    first = min(int(r.time_ns[0]) for r in recordings)
    last = max(int(r.time_ns[-1]) for r in recordings)
    lo = given_time(start, "--worn-from", first, tz) if start is not None else first
    hi = given_time(end, "--worn-until", lo, tz) if end is not None else last + 1
    kept = [c for c in (r.slice_time(lo, hi) for r in recordings) if len(c)]
    if not kept:
        def when(t: int) -> pd.Timestamp:
            return pd.Timestamp(t, tz="UTC")

        raise HypnicError(f"the recording runs {clock(when(first), tz)}-{clock(when(last), tz)}: "
                          f"from {clock(when(lo), tz)} until {clock(when(hi), tz)} leaves no sample")
    return kept


def read_night_files(paths: Sequence[str | Path], tz: str | dt.tzinfo | None,
                 locations: Sequence[str | None] | None,
                 progress: Callable[[int, int, int], None] | None,
                 worn: tuple[str | None, str | None] = (None, None),
                 default_tz: str | None = None) -> dict[str, Any]:
    """Read files of the same night(s) for :func:`process_night` / :func:`process_nights`
    (their keyword arguments): the recordings (cut to ``worn``, :func:`worn_between`), the
    sleeper's zone, the file names and the marks kept in recordings. Parameters as
    :func:`process_files`."""
    from sensing.store import read_markers

    if tz is not None and not isinstance(tz, str):  # a zone object (ZoneInfo) by its name
        tz = zone_name(tz)
    paths = _listed(paths)
    recordings = read_files(paths, tz=tz, locations=locations, progress=progress, default_tz=default_tz)
    here = sleeper_zone(tz, recordings, default_tz)
    recordings = worn_between(recordings, here, *worn)
    marks = [read_markers(p) for p in paths if Path(p).suffix.lower() == ".sqlite"]
    return dict(recordings=recordings, tz=here,
                files=[Path(p).name for p in paths],
                marks=pd.concat(marks, ignore_index=True) if marks else None)


def process_files(paths: Sequence[str | Path], tz: str | dt.tzinfo | None = None,
                  locations: Sequence[str | None] | None = None,
                  progress: Callable[[int, int, int], None] | None = None,
                  worn: tuple[str | None, str | None] = (None, None),
                  default_tz: str | None = None) -> StoredNight:
    """Read one night's files (one per sensor) and process the night (:func:`process_night`).

    Parameters
    ----------
    paths : sequence of path
        Recording files of the same night (any format :func:`sensing.readers.read` reads).
    tz : str or tzinfo, optional
        The sleeper's time zone (IANA name, or a zone object): it names the night, its
        times are shown in it, and the files' clocks are read as set to it (over the
        zone a file states). Default: the zone the files state, else ``default_tz``
        (in which times without a zone are then read).
    locations : sequence of str, optional
        Where each file's sensor was worn, one per file, overriding what the files say
        (None for a file: what it says).
    progress : callable, optional
        Reading progress, see :func:`read_files`.
    worn : (str or None, str or None)
        When the sensors were put on and taken off, if the recording runs longer
        (:func:`worn_between`).
    default_tz : str, optional
        The zone where neither ``tz`` nor a file gives one. Default: the machine's.
    """
    return process_night(**read_night_files(paths, tz, locations, progress, worn, default_tz))


def add_night(paths: Sequence[str | Path], db: str | Path | None = None, tz: str | None = None,
              locations: Sequence[str] | None = None,
              progress: Callable[[int, int, int], None] | None = None,
              worn: tuple[str | None, str | None] = (None, None)) -> list[StoredNight]:
    """Process files (one per sensor, of one night or several: :func:`process_nights`)
    and store each night in the hypnic database.

    Parameters
    ----------
    paths : sequence of path
        Recording files worn together.
    db : path, optional
        hypnic database (default: the user's).
    tz : str, optional
        The sleeper's time zone (IANA name); see :func:`process_files`.
    locations : sequence of str, optional
        Where each file's sensor was worn, one per file.
    progress : callable, optional
        Reading progress, see :func:`read_files`.
    worn : (str or None, str or None)
        When the sensors were put on and taken off, if the recording runs longer
        (:func:`worn_between`).

    Returns
    -------
    list of StoredNight
        The nights stored, in time order.
    """
    from analysis.diary import connect
    from analysis.nights import store_night

    nights = process_nights(**read_night_files(paths, tz, locations, progress, worn))
    with connect(db) as con:
        for night in nights:
            _warn_replaced(con, night)
            store_night(con, night)
    return nights


def _warn_replaced(con, night: StoredNight) -> None:
    """Log a warning when ``night`` replaces a night filed from other files (a second part
    of one night's recording filed on its own); filing the same files again says nothing."""
    row = con.execute("SELECT recordings, summary FROM nights WHERE night = ?",
                      (night.night.isoformat(),)).fetchone()
    if row is None:
        return
    before = [Path(f).name for f in json.loads(row[0])]
    now = [Path(f).name for f in night.recordings]
    if sorted(before) != sorted(now):
        log.warning("night %s: %s replaces what %s gave (%s, now %s); give all the files of one "
                    "night together (--add A --add B) to file them as one", night.night,
                    ", ".join(now), ", ".join(before), _count(json.loads(row[1])), _count(night.summary))


def _count(summary: dict) -> str:
    """A night's jerk count as words ('3 jerks'), or 'no sleep found' for a recording with
    no sleep period, whose 0 is no night's count (:func:`analysis.nights.counted_nights`)."""
    from analysis.effects import plural  # (the statistics module: only when one is replaced)

    row = pd.DataFrame([{k: summary[k] for k in ("n_jerks", "hours_recorded", "hours_asleep") if k in summary}])
    return plural(int(summary["n_jerks"]), "jerk") if counted_nights(row).iloc[0] else "no sleep found"


def rest_at_start(night: StoredNight, worn_from: str | None = None) -> str:
    """What to tell a sleeper whose night's rest begins with its recording (lights out
    within 2 min of the first minute of data a sensor was worn): the same stillness is a
    sensor lying on a nightstand before it was put on (``--worn-from``); '' otherwise, or
    when the sleeper gave ``worn_from`` (it then begins the recording)."""
    if worn_from:
        return ""
    a = night.activity
    worn = a[a["worn"].astype(bool)] if "worn" in a else a
    lights_out = night.sleep.lights_out
    if lights_out is None or not len(worn):
        return ""
    if lights_out - pd.to_datetime(worn["start"], utc=True).min() > pd.Timedelta(2, "min"):
        return ""
    return ("Rest begins with the recording: if the sensor lay on a table or a nightstand "
            "until you put it on, say when with --worn-from (lights out and sleep onset are "
            "too early otherwise).")


def write_events(events: pd.DataFrame, path: str | Path) -> Path:
    """Write an events table as CSV with ``start`` and ``end`` in ISO-8601 UTC (ns, ``Z``),
    owner-only (:func:`sensing.private.write_private`)."""
    import numpy as np

    from sensing.generic import iso_strings

    path = Path(path)
    events = events.copy()
    for col in ("start", "end"):
        events[col] = np.asarray(iso_strings(events[col].to_numpy("datetime64[ns]").view(np.int64)))
    return write_private(path, events.to_csv(index=False))


def off_body_spans(off_body: pd.DataFrame | None) -> list[list[str]]:
    """The spans no sensor was worn in (``start``, ``end`` UTC) as ``[start, end]``
    ISO-8601 UTC pairs, as :meth:`detection.SleepWindow.to_dict` writes times."""
    if off_body is None:
        return []
    return [[t.isoformat().replace("+00:00", "Z") for t in pair]
            for pair in zip(off_body["start"], off_body["end"], strict=True)]


def write_sleep(sleep: SleepWindow, path: str | Path, files: Sequence[str | Path],
                locations: Sequence[str], config: DetectionConfig,
                off_body: pd.DataFrame | None = None) -> Path:
    """Write a sleep window as JSON (:meth:`detection.SleepWindow.to_dict`) with provenance:
    input ``files``, sensor ``locations``, hypnic version, creation time and ``config``;
    owner-only (:func:`sensing.private.write_private`). ``off_body`` (``start``, ``end``
    UTC: the spans no sensor was worn in) is written as ``off_body``, a list of
    ``[start, end]`` ISO-8601 UTC pairs."""
    from hypnic._version import __version__

    info = dict(sleep.to_dict(), off_body=off_body_spans(off_body),
                files=[str(f) for f in files], locations=list(locations),
                hypnic_version=__version__, created=dt.datetime.now(dt.timezone.utc).isoformat(),
                config=asdict(config))
    return write_private(path, json.dumps(info, indent=2, allow_nan=False))
