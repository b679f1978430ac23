"""Orchestration: process one night (detect, then summarise) and store it.

Used by ``hypnic nights --add``, ``hypnic demo`` and ``hypnic batch``. Detection is
:func:`detection.detect_night`; the summary is :func:`analysis.nights.summarise_night`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.diary import night_of
from analysis.nights import StoredNight, hours_recorded, sleep_dict, summarise_night
from sensing.recording import Recording

log = logging.getLogger(__name__)


ACTIVITY_EPOCH = "60s"  # stored activity resolution (the report's timeline uses 1-min bins)


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
                  config: Any = None, files: Sequence[str] = ()) -> StoredNight:
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

    Returns
    -------
    StoredNight
        Ready for :func:`analysis.nights.store_night`.
    """
    from detection import detect_night

    result = detect_night(list(recordings), config)
    sleep = sleep_dict(result.sleep)
    summary = summarise_night(result.events, sleep, hours_recorded(recordings))
    first_ns = min(int(r.time_ns[0]) for r in recordings)
    night = night_of(dt.datetime.fromtimestamp(first_ns / 1e9, dt.timezone.utc), tz)
    log.info("night %s: %d jerks", night, summary["n_jerks"])
    return StoredNight(night, summary, sleep, result.events, _activity(result.activity), tuple(files))


def process_files(paths: Sequence[str | Path], db: str | Path | None = None,
                  tz: dt.tzinfo | None = None) -> StoredNight:
    """Read one night's files (one or more sensors), process and store the night.

    Parameters
    ----------
    paths : sequence of path
        Recording files of the same night (any format :func:`sensing.readers.read` reads).
    db : path, optional
        hypnic database (default: the user's).
    tz : tzinfo, optional
        The sleeper's time zone.
    """
    from analysis.diary import connect
    from analysis.nights import store_night
    from sensing.readers import read

    recordings = [rec for p in paths for rec in read(p)]
    night = process_night(recordings, tz, files=[Path(p).name for p in paths])
    with connect(db) as con:
        store_night(con, night)
    return night
