"""Batch detection of one night: :func:`detect_night`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from detection import rules
from detection.candidates import SLOW_REASON, scan
from detection.config import DetectionConfig
from detection.sleep import SleepWindow, epoch_activity, sleep_window
from sensing.body import phase_of
from sensing.errors import InvalidRecordingError
from sensing.recording import GAP_FACTOR, Recording

log = logging.getLogger(__name__)

#: Columns of :attr:`NightResult.events`, in order, with their dtypes.
EVENT_COLUMNS = {
    "start": "datetime64[ns, UTC]", "end": "datetime64[ns, UTC]", "duration_s": "float64",
    "peak_g": "float64", "peak_jerk_g_s": "float64", "axis": "object", "score": "float64",
    "location": "object", "kind": "object", "rejected_reason": "object", "series_id": "int64",
    "group_id": "int64", "distribution": "object", "limbs": "object", "rel_onset_s": "float64",
    "phase": "object", "stimulus": "bool", "clipped": "bool", "width_samples": "float64",
    "floor_g": "float64",
    "pre_dev_g": "float64", "post_dev_g": "float64", "rhythm_corr": "float64",
}
ACTIVITY_COLUMNS = ["start", "location", "angle_change_deg", "enmo_mg", "asleep"]
#: Candidates left out of the sleep analysis (so they do not wake the sleeper up in the
#: algorithm; a PLM for ``plm_duration_s[1]`` after its start), and the margin around
#: them, s.
MASKED_KINDS = ("jerk", "artefact", "plm")
PLM_REASON = "periodic limb movement series"
MASK_MARGIN_S = 0.5


@dataclass(frozen=True)
class NightResult:
    """What :func:`detect_night` found.

    Attributes
    ----------
    events : DataFrame
        One row per sensor-level candidate (jerks and rejected look-alikes), sorted by
        start, with the columns of :data:`EVENT_COLUMNS` (see ``docs/detection.md`` for
        each one); empty with the same columns when nothing is found.
    sleep : SleepWindow
    activity : DataFrame
        One row per epoch per sensor: ``start`` (UTC), ``location``, ``angle_change_deg``
        (absolute z-angle change since the previous epoch, degrees), ``enmo_mg`` and
        ``asleep`` (the night-level sleep state of the epoch).
    config : DetectionConfig
    """

    events: pd.DataFrame
    sleep: SleepWindow
    activity: pd.DataFrame
    config: DetectionConfig

    @property
    def jerks(self) -> pd.DataFrame:
        """The events of kind ``jerk``."""
        return self.events[self.events["kind"] == "jerk"]


def segments(time_ns: np.ndarray, fs: float) -> list[tuple[int, int]]:
    """[start, end) sample ranges of the gap-free runs (a step over ``GAP_FACTOR / fs``
    is a gap, as in :func:`sensing.recording.find_gaps`)."""
    if len(time_ns) == 0:
        return []
    cut = np.flatnonzero(np.diff(time_ns) > GAP_FACTOR * 1e9 / fs) + 1
    b = np.r_[0, cut, len(time_ns)]
    return list(zip(b[:-1].tolist(), b[1:].tolist(), strict=True))


def label_plm(cands: pd.DataFrame, cfg: DetectionConfig) -> pd.DataFrame:
    """Relabel one sensor's candidates that form a PLM series as kind ``plm`` (sorted).

    Two passes of :func:`rules.plm_series`: (1) over the burst candidates (jerk-like and
    movement), so a PLM seen only by its brisk onset joins its series; (2) over all
    movements including slow ones, which only relabels movements. Slow movements never
    turn a jerk into a PLM (ordinary movement around a jerk while awake would).
    """
    cands = cands.sort_values("start_ns", ignore_index=True)
    if cands.empty:
        return cands
    start, dur = cands["start_ns"].to_numpy() / 1e9, cands["duration_s"].to_numpy()
    kind = cands["kind"].to_numpy()
    slow = (cands["rejected_reason"] == SLOW_REASON).to_numpy()
    move = kind == "movement"
    args = (cfg.plm_interval_s, cfg.plm_duration_s[1], cfg.plm_min_count)
    plm = rules.plm_series(start, dur, ((kind == "jerk") | move) & ~slow, move & ~slow, *args)
    plm |= rules.plm_series(start, dur, move, move, *args)
    cands.loc[plm, "kind"] = "plm"
    cands.loc[plm, "rejected_reason"] = np.where(slow[plm], PLM_REASON + "; " + SLOW_REASON, PLM_REASON)
    return cands


def sensor_candidates(rec: Recording, cfg: DetectionConfig) -> pd.DataFrame:
    """All candidates of one recording (each gap-free segment scanned on its own), with
    PLM series labelled."""
    parts = [scan(rec.time_ns[a:b], rec.acc[a:b], rec.fs, cfg) for a, b in segments(rec.time_ns, rec.fs)]
    parts = [p for p in parts if not p.empty]
    cands = pd.concat(parts, ignore_index=True) if parts else scan(rec.time_ns[:0], rec.acc[:0], rec.fs, cfg)
    return label_plm(cands.drop(columns=["i0", "i1"]), cfg)


def sensor_key(rec: Recording, i: int) -> str:
    """The ``location`` value of a sensor's events: its location, or ``unknown-<i>`` for
    the i-th recording when the location is unknown (so unknown sensors stay apart)."""
    return rec.location if rec.location != "unknown" else f"unknown-{i}"


def _as_recordings(recordings: Recording | Sequence[Recording]) -> list[Recording]:
    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    if not recs:
        raise InvalidRecordingError("detect_night needs at least one Recording")
    bad = [type(r).__name__ for r in recs if not isinstance(r, Recording)]
    if bad:
        raise InvalidRecordingError(f"detect_night takes Recording objects, got {', '.join(bad)}")
    locs = [r.location for r in recs]
    dup = sorted({loc for loc in locs if locs.count(loc) > 1 and loc != "unknown"})
    if dup:
        raise InvalidRecordingError(f"several recordings worn at {', '.join(dup)}; "
                                    "give each sensor of a night its own location")
    return recs


def detect_night(recordings: Recording | Sequence[Recording], config: DetectionConfig | None = None,
                 stimuli=None) -> NightResult:
    """Detect hypnic jerks, their look-alikes and the sleep window of one night.

    Parameters
    ----------
    recordings : Recording or sequence of Recording
        One or several sensors worn the same night (distinct locations).
    config : DetectionConfig, optional
        Thresholds; defaults to ``DetectionConfig()``.
    stimuli : sequence of timestamps, optional
        Times of noises, lights, ... (int ns since the epoch UTC, ISO strings or pandas
        Timestamps); jerks starting within ``config.stimulus_window_s`` after one are
        marked ``stimulus``.

    Returns
    -------
    NightResult
        Events (one row per sensor-level candidate), sleep window and epoch activity.

    Notes
    -----
    Per sensor and gap-free segment: the high-passed magnitude (acceleration minus its
    0.25 s moving mean) is compared with an adaptive threshold (a multiple of the median
    magnitude of the preceding 30 s); candidates are classified as artefact (single-sample
    spike), rhythmic (3-10 Hz autocorrelation), movement (too long, or followed by a
    sustained movement or tilt) or jerk; series with 5-90 s intervals holding at least 4
    movements become ``plm``; a spike that coincides with a jerk on another sensor is a
    jerk. The sleep window is HDCZA on the z-angle with jerks, artefacts and PLMs masked. Jerks on several sensors are grouped (``group_id``,
    ``distribution``, ``limbs``), grouped jerks form series (``series_id``), and each event
    gets ``rel_onset_s``, ``phase`` and ``stimulus``. See ``docs/detection.md``.

    Examples
    --------
    >>> from simulation import NightConfig, simulate_night
    >>> night = simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left",), n_jerks=2), seed=1)
    >>> result = detect_night(list(night.recordings.values()))
    >>> list(result.jerks.columns[:3])
    ['start', 'end', 'duration_s']
    """
    cfg = config or DetectionConfig()
    recs = _as_recordings(recordings)
    per_sensor = {sensor_key(r, i): sensor_candidates(r, cfg) for i, r in enumerate(recs)}
    sleep, activity = night_sleep(recs, per_sensor, cfg)
    worn = {r.body_part for r in recs if len(r)}  # a sensor without samples shows nothing
    events = assemble(per_sensor, sleep, worn, cfg, stimuli)
    log.info("detect_night: %d sensor(s), %d candidates, %d jerks", len(recs), len(events),
             int((events["kind"] == "jerk").sum()))
    return NightResult(events, sleep, activity, cfg)


def night_sleep(recs: list[Recording], per_sensor: dict[str, pd.DataFrame],
                cfg: DetectionConfig) -> tuple[SleepWindow, pd.DataFrame]:
    """Sleep window and epoch activity of the night, with jerks and artefacts masked."""
    pairs = [(key, r) for key, r in zip(per_sensor, recs, strict=True) if len(r)]
    if not pairs:
        return SleepWindow(), pd.DataFrame({c: [] for c in ACTIVITY_COLUMNS})
    recs = [r for _, r in pairs]
    ep_ns = int(round(cfg.epoch_s * 1e9))
    t0 = min(int(r.time_ns[0]) for r in recs) // ep_ns * ep_ns
    n_ep = (max(int(r.time_ns[-1]) for r in recs) - t0) // ep_ns + 1
    starts = pd.DatetimeIndex(t0 + np.arange(n_ep) * ep_ns, tz="UTC")
    changes, enmos = [], []
    for key, r in pairs:
        c = per_sensor[key]
        # slow movements are not masked: in a PLM series while asleep they are small, and
        # while awake they are the wake movement the sleep analysis must see
        c = c[c["kind"].isin(MASKED_KINDS) & ~c["rejected_reason"].str.endswith(SLOW_REASON)]
        margin = int(MASK_MARGIN_S * 1e9)
        end = c["end_ns"].to_numpy()
        # a PLM may have been seen only by its brisk onset: mask the longest PLM after it
        plm = (c["kind"] == "plm").to_numpy()
        end = np.where(plm, np.maximum(end, c["start_ns"].to_numpy() + int(cfg.plm_duration_s[1] * 1e9)), end)
        lo = np.searchsorted(r.time_ns, c["start_ns"].to_numpy() - margin)
        hi = np.searchsorted(r.time_ns, end + margin, side="right")
        mark = np.zeros(len(r) + 1, np.int64)
        np.add.at(mark, lo, 1)
        np.add.at(mark, hi, -1)
        masked = np.cumsum(mark[:-1]) > 0
        angle, enmo = epoch_activity(r.time_ns, r.acc, masked, t0, n_ep, cfg.epoch_s)
        changes.append(np.abs(np.diff(angle, prepend=np.nan)))
        enmos.append(enmo)
    change = np.vstack(changes)
    combined = np.full(n_ep, np.nan)
    with np.errstate(invalid="ignore"):
        for ch in change:
            combined = np.fmax(combined, ch)
    window, asleep = sleep_window(starts, combined, cfg)
    activity = pd.DataFrame(dict(
        start=np.tile(starts, len(recs)), location=np.repeat([key for key, _ in pairs], n_ep),
        angle_change_deg=change.ravel(), enmo_mg=np.concatenate(enmos),
        asleep=np.tile(asleep, len(recs))))
    return window, activity


def empty_events() -> pd.DataFrame:
    """An events table with no rows and the columns of :data:`EVENT_COLUMNS`."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_COLUMNS.items()})


def assemble(per_sensor: dict[str, pd.DataFrame], sleep: SleepWindow, worn: set[str],
             cfg: DetectionConfig, stimuli=None) -> pd.DataFrame:
    """The night's events table from per-sensor candidates: groups, distribution, series,
    phase, onset-relative time and stimulus."""
    frames = [c.assign(location=loc) for loc, c in per_sensor.items() if not c.empty]
    if not frames:
        return empty_events()
    ev = pd.concat(frames, ignore_index=True).sort_values(["start_ns", "location"], ignore_index=True)
    start_ns = ev["start_ns"].to_numpy(np.int64)
    rescued = rules.rescue_spikes(start_ns, ev["location"].to_numpy().astype(str), ev["kind"].to_numpy(),
                                  ev["rejected_reason"].to_numpy(), cfg.group_window_s)
    ev.loc[rescued, "kind"] = "jerk"
    ev.loc[rescued, "rejected_reason"] = ""
    ev["group_id"], ev["series_id"] = -1, -1
    ev["distribution"], ev["limbs"] = "", ""
    jerk = np.flatnonzero(ev["kind"].to_numpy() == "jerk")
    if len(jerk):
        locs = ev["location"].to_numpy()[jerk].astype(str)
        gid, dist, limbs = rules.group_jerks(start_ns[jerk], locs, cfg.group_window_s, worn,
                                             cfg.sync_window_s,
                                             (ev["start_ns"] + ev["duration_s"] * 5e8).to_numpy()[jerk])
        g_start = np.array([start_ns[jerk][gid == k].min() for k in range(len(dist))])
        sid = rules.series_ids(g_start, cfg.series_gap_s)
        ev.loc[jerk, "group_id"] = gid
        ev.loc[jerk, "series_id"] = sid[gid]
        ev.loc[jerk, "distribution"] = np.asarray(dist, object)[gid]
        ev.loc[jerk, "limbs"] = np.asarray(limbs, object)[gid]
    if sleep.onset is not None and sleep.wake is not None:
        t = start_ns / 1e9
        onset = sleep.onset.value / 1e9
        rel = t - onset
        aw = [(a.value / 1e9, b.value / 1e9) for a, b in sleep.awakenings]
        ev["rel_onset_s"] = rel
        ev["phase"] = phase_of(rel, t, onset, sleep.wake.value / 1e9, aw)
    else:
        ev["rel_onset_s"] = np.nan
        ev["phase"] = "unknown"
    ev["stimulus"] = rules.stimulus_triggered(start_ns, rules.to_ns(stimuli), cfg.stimulus_window_s) & (
        ev["kind"].to_numpy() == "jerk")
    ev["start"] = pd.to_datetime(ev["start_ns"], utc=True)
    ev["end"] = pd.to_datetime(ev["end_ns"], utc=True)
    return ev[list(EVENT_COLUMNS)].astype({k: v for k, v in EVENT_COLUMNS.items() if k not in ("start", "end")})
