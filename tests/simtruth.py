"""Events-shaped tables and databases built from the simulator's ground truth, and
simulated recordings changed as a sleeper's habits change them.

The tables stand in for detection output in analysis unit tests only (the real pipeline
in hypnic/workflows/night.py always calls detection.detect_night).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.diary import add_entries, connect, entries_from_simulation
from analysis.nights import StoredNight, hours_recorded, store_night, summarise_night
from detection import SleepWindow
from sensing.recording import Recording
from simulation import NightConfig, SimulatedNight, simulate_nights


def truth_events(night: SimulatedNight) -> pd.DataFrame:
    """Detection-shaped events table of a simulated night's true, observable jerks."""
    js = night.jerk_sensors[~night.jerk_sensors.in_gap.astype(bool)]
    j = night.jerks.set_index("jerk_id")
    info = j.loc[js.jerk_id]
    return pd.DataFrame(dict(
        start=js.start.to_numpy(), end=js.end.to_numpy(), duration_s=js.duration_s.to_numpy(),
        peak_g=js.peak_g.to_numpy(), peak_jerk_g_s=np.nan, axis="x", score=1.0,
        location=js.location.to_numpy(), kind="jerk", rejected_reason="",
        series_id=info.series_id.to_numpy(), group_id=js.jerk_id.to_numpy(),
        distribution=info.pattern.to_numpy(), limbs="", rel_onset_s=info.rel_onset_s.to_numpy(),
        phase=info.phase.to_numpy(), stimulus=""))


def truth_activity(night: SimulatedNight, epoch_s: float = 30.0) -> pd.DataFrame:
    """Per-sensor epochs: start, location, activity (SD of |acc|, g), asleep."""
    rows = []
    onset, wake = night.sleep["onset"].value, night.sleep["wake"].value
    for loc, rec in night.recordings.items():
        k = (rec.time_ns - rec.time_ns[0]) // int(epoch_s * 1e9)
        mag = np.linalg.norm(rec.acc.astype(float), axis=1)
        n = np.bincount(k)
        s1, s2 = np.bincount(k, mag), np.bincount(k, mag**2)
        keep = n > 1
        sd = np.sqrt(np.maximum(s2[keep] / n[keep] - (s1[keep] / n[keep]) ** 2, 0))
        start = rec.time_ns[0] + np.flatnonzero(keep) * int(epoch_s * 1e9)
        rows.append(pd.DataFrame(dict(start=pd.to_datetime(start, utc=True), location=loc,
                                      activity=sd, asleep=(start >= onset) & (start < wake))))
    return pd.concat(rows, ignore_index=True)


def truth_stored(night: SimulatedNight, date) -> StoredNight:
    ev = truth_events(night)
    s = SleepWindow(**night.sleep)
    return StoredNight(date, summarise_night(ev, s, hours_recorded(night.recordings.values())),
                       s, ev, truth_activity(night), ("sim",))


def make_db(path, n_nights: int = 16, seed: int = 1, hours: float | None = None):
    """A database with a simulated diary and truth-based nights; returns the diary."""
    cfg = NightConfig(fs=25.0, locations=("wrist-left", "ankle-left"), gaps_per_night=0.5)
    diary, nights = simulate_nights(n_nights, seed, cfg)
    with connect(path) as con:
        add_entries(con, entries_from_simulation(diary))
        for row, night in zip(diary.itertuples(), nights, strict=True):
            store_night(con, truth_stored(night, row.night))
    return diary


def put_on_later(rec: Recording, hours: float, seed: int = 1) -> Recording:
    """``rec`` preceded by ``hours`` of its sensor lying flat on a nightstand (4 mg of
    noise): a logger started before it was put on."""
    n = int(hours * 3600 * rec.fs)
    table = np.array([0.02, -0.03, 0.999]) + np.random.default_rng(seed).normal(0, 0.004, (n, 3))
    t = rec.time_ns[0] - (np.arange(n, 0, -1) * 1e9 / rec.fs).astype(np.int64)
    return Recording(np.r_[t, rec.time_ns], np.vstack([table, rec.acc]).astype(rec.acc.dtype),
                     rec.fs, rec.location)
