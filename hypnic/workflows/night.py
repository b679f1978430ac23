"""One night: read its files, detect jerks, summarise the night, write or store the result.

The one night workflow behind ``hypnic detect``, ``hypnic nights --add``, ``hypnic
demo`` and every task of ``hypnic batch``. Detection is :func:`detection.detect_night`;
the summary is :func:`analysis.nights.summarise_night`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.diary import night_of
from analysis.nights import StoredNight, hours_recorded, summarise_night
from sensing.errors import FormatError, HypnicError
from sensing.recording import Recording

if TYPE_CHECKING:
    from detection import DetectionConfig, SleepWindow

log = logging.getLogger(__name__)


ACTIVITY_EPOCH = "60s"  # stored activity resolution (the report's timeline uses 1-min bins)


def read_files(paths: Sequence[str | Path], format: str = "auto", tz: str | None = None,
               locations: Sequence[str] | None = None) -> list[Recording]:
    """The recordings of one night's files (several files are several sensors).

    Parameters
    ----------
    paths : sequence of path
        Recording files (any format :func:`sensing.readers.read` reads).
    format : str
        ``"auto"`` (detected from each file's content) or a format name.
    tz : str, optional
        IANA zone of times written without a zone (default UTC).
    locations : sequence of str, optional
        Where each file's sensor was worn, one per file, overriding what the files say.

    Raises
    ------
    HypnicError
        If ``locations`` does not give one location per file, or a file cannot be read.
    """
    from sensing.readers import read

    if locations and len(locations) != len(paths):
        raise HypnicError(f"give one --location per file: {len(paths)} file(s), "
                          f"{len(locations)} location(s)")
    recordings = []
    for i, path in enumerate(paths):
        recordings += read(path, format=format, tz=tz, location=locations[i] if locations else None)
    return recordings


def read_stimuli(path: str | Path) -> list[str]:
    """Stimulus times (noises, lights) from a CSV: a ``time`` column or one time per line.

    Raises
    ------
    FormatError
        If the file cannot be read as CSV.
    """
    try:
        df = pd.read_csv(path, header=None, dtype=str, comment="#")
    except (OSError, ValueError) as exc:
        raise FormatError(f"{path}: cannot read stimulus times: {exc}") from exc
    first = df.iloc[0].str.strip().str.lower().tolist() if len(df) else []
    if "time" in first:
        df = df.iloc[1:, first.index("time")]
    else:
        df = df.iloc[:, 0]
    return df.str.strip().tolist()


def _activity(frame: Any) -> pd.DataFrame:
    """Detection's epoch table as 1-minute ``start``, ``location``, ``activity``, ``asleep``.

    The activity measure is the first of ``activity``, ``enmo_mg`` (movement, mg) and
    ``angle_change_deg`` that the table has.
    """
    cols = ["start", "location", "activity", "asleep"]
    if frame is None or not len(frame):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = frame.reset_index() if "start" not in frame.columns else frame
    measure = next(c for c in ("activity", "enmo_mg", "angle_change_deg") if c in df.columns)
    df = df.rename(columns={measure: "activity"})
    if "location" not in df.columns:
        df = df.assign(location="all")
    df = df.assign(start=pd.to_datetime(df["start"], utc=True).dt.floor(ACTIVITY_EPOCH),
                   asleep=df["asleep"].astype(float))
    out = df.groupby(["start", "location"], as_index=False)[["activity", "asleep"]].mean()
    return out.assign(asleep=out["asleep"] >= 0.5)[cols]


def process_night(recordings: Sequence[Recording], tz: dt.tzinfo | None = None,
                  config: DetectionConfig | None = None, files: Sequence[str] = (),
                  stimuli: Sequence[Any] | None = None) -> StoredNight:
    """Detect jerks in one night's recordings and summarise the night.

    Parameters
    ----------
    recordings : sequence of Recording
        The sensors worn together that night.
    tz : tzinfo, optional
        The sleeper's time zone, to name the night (default: the machine's).
    config : detection.DetectionConfig, optional
        Detection parameters.
    files : sequence of str
        Names of the files the recordings came from (stored with the night).
    stimuli : sequence, optional
        Times of stimuli (noises, lights) as ISO-8601 strings, Timestamps or int ns UTC;
        see :func:`detection.detect_night`.

    Returns
    -------
    StoredNight
        The night's date, summary (:data:`analysis.nights.SUMMARY_COLUMNS`), sleep window,
        every detected event (one row per sensor-level candidate, all kinds) and
        1-minute activity; ready for :func:`analysis.nights.store_night`.

    Examples
    --------
    >>> import datetime as dt
    >>> from simulation import NightConfig, simulate_night
    >>> sim = simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left",), n_jerks=2), seed=1)
    >>> night = process_night(list(sim.recordings.values()), dt.timezone.utc)
    >>> night.night
    datetime.date(2026, 1, 5)
    >>> sorted(night.summary)[:3]
    ['hours_asleep', 'hours_recorded', 'n_awakenings']
    """
    from detection import detect_night

    result = detect_night(list(recordings), config, stimuli=stimuli)
    summary = summarise_night(result.events, result.sleep, hours_recorded(recordings))
    first_ns = min(int(r.time_ns[0]) for r in recordings)
    night = night_of(dt.datetime.fromtimestamp(first_ns / 1e9, dt.timezone.utc), tz)
    log.info("night %s: %d jerks", night, summary["n_jerks"])
    return StoredNight(night, summary, result.sleep, result.events, _activity(result.activity),
                       tuple(files))


def process_files(paths: Sequence[str | Path], tz: dt.tzinfo | None = None) -> StoredNight:
    """Read one night's files (one per sensor) and process the night (:func:`process_night`).

    Parameters
    ----------
    paths : sequence of path
        Recording files of the same night (any format :func:`sensing.readers.read` reads).
    tz : tzinfo, optional
        The sleeper's time zone, to name the night.
    """
    return process_night(read_files(paths), tz, files=[Path(p).name for p in paths])


def add_night(paths: Sequence[str | Path], db: str | Path | None = None,
              tz: dt.tzinfo | None = None) -> StoredNight:
    """Process one night's files and store the night in the hypnic database.

    Parameters
    ----------
    paths : sequence of path
        Recording files of the same night.
    db : path, optional
        hypnic database (default: the user's).
    tz : tzinfo, optional
        The sleeper's time zone.
    """
    from analysis.diary import connect
    from analysis.nights import store_night

    night = process_files(paths, tz)
    with connect(db) as con:
        store_night(con, night)
    return night


def write_events(events: pd.DataFrame, path: str | Path) -> Path:
    """Write an events table as CSV with ``start`` and ``end`` in ISO-8601 UTC (ns, ``Z``)."""
    import numpy as np

    from sensing.generic import iso_strings

    path = Path(path)
    events = events.copy()
    for col in ("start", "end"):
        events[col] = np.asarray(iso_strings(events[col].to_numpy("datetime64[ns]").view(np.int64)))
    path.parent.mkdir(parents=True, exist_ok=True)
    events.to_csv(path, index=False)
    return path


def write_sleep(sleep: SleepWindow, path: str | Path, files: Sequence[str | Path],
                locations: Sequence[str], config: DetectionConfig) -> Path:
    """Write a sleep window as JSON (:meth:`detection.SleepWindow.to_dict`) with provenance:
    input ``files``, sensor ``locations``, hypnic version, creation time and ``config``."""
    from hypnic._version import __version__

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = dict(sleep.to_dict(), files=[str(f) for f in files], locations=list(locations),
                hypnic_version=__version__, created=dt.datetime.now(dt.timezone.utc).isoformat(),
                config=asdict(config))
    path.write_text(json.dumps(info, indent=2))
    return path
