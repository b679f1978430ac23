"""Batch detection of one night: :func:`detect_night`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from detection import rules
from detection.candidates import (
    SLOW_REASON,
    Joined,
    bridge,
    brisk_moves_near,
    covered,
    for_location,
    for_resolution,
    held_s,
    lost_on_radio,
    scan,
)
from detection.config import DetectionConfig, config_or_default
from detection.markers import empty_markers, exclude_markers, find_markers
from detection.sleep import (
    SleepWindow,
    busy_epochs,
    epoch_activity,
    epoch_runs,
    long_bouts,
    off_body,
    one_night_a_day,
    rolling_median,
    sleep_periods,
    sleep_threshold,
    true_runs,
    upright_epochs,
    upright_reference,
)
from sensing.body import LOCATIONS, ONSET_WINDOW_S, phase_of, refuse_slow_rate
from sensing.errors import InvalidRecordingError
from sensing.recording import GAP_FACTOR, Recording, resolution_g, steps_where

log = logging.getLogger(__name__)

#: Columns of :attr:`NightResult.events`, in order, with their dtypes.
EVENT_COLUMNS = {
    "start": "datetime64[ns, UTC]", "end": "datetime64[ns, UTC]", "duration_s": "float64",
    "peak_g": "float64", "peak_jerk_g_s": "float64", "freq_hz": "float64", "axis": "object", "score": "float64",
    "location": "object", "kind": "object", "rejected_reason": "object", "series_id": "int64",
    "group_id": "int64", "distribution": "object", "limbs": "object", "rel_onset_s": "float64",
    "phase": "object", "stimulus": "bool", "clipped": "bool", "width_samples": "float64",
    "floor_g": "float64", "energy_s": "float64", "slow_ratio": "float64",
    "pre_dev_g": "float64", "post_dev_g": "float64", "pre_move_g": "float64", "rhythm_corr": "float64",
    "held_s": "float64", "late_dev_g": "float64", "vertical_share": "float64", "turn_deg": "float64",
}
_EVENT_DTYPES = {k: pd.api.types.pandas_dtype(v) for k, v in EVENT_COLUMNS.items()}
ACTIVITY_COLUMNS = ["start", "location", "angle_change_deg", "enmo_mg", "asleep"]
#: Kinds of jerk-shaped bursts (what a sensor's candidate rules call a jerk), by where
#: they happen: ``jerk``, a sleep start of a night (the only kind counted); ``nap-jerk``,
#: a sleep start at a nap; ``wake-burst``, while awake (up, or moving in the 30 s
#: before); ``sleep-burst``, in established sleep.
JERK_SHAPED = ("jerk", "nap-jerk", "wake-burst", "sleep-burst")
#: Kinds of candidates that show the sleeper was moving before a burst (not at rest).
MOVING_KINDS = ("movement", "rhythmic", "plm")
#: Candidates left out of the sleep analysis (so they do not wake the sleeper up in the
#: algorithm; a PLM for ``plm_duration_s[1]`` after its start), and the margin around
#: them, s.
MASKED_KINDS = ("jerk", "artefact", "plm")
PLM_REASON = "periodic limb movement series"
UP_PLM_REASON = "periodic movements while awake outside any rest period (not scored as PLMs)"
MASK_MARGIN_S = 0.5
#: A movement starting less than this before a counted jerk is taken as the jerk's own
#: (seen on another sensor a little before its burst on the first), not the sleeper's, s.
OWN_MOVE_S = 5.0


@dataclass(frozen=True)
class NightResult:
    """What :func:`detect_night` found.

    Attributes
    ----------
    events : DataFrame
        One row per sensor-level candidate (jerks and rejected look-alikes), sorted by
        start, with the columns of :data:`EVENT_COLUMNS` (see ``docs/detection.md`` for
        each one); empty with the same columns when nothing is found.
    periods : list of SleepWindow
        Every sleep period found, in time order (nights and naps; none in a recording
        without a rest period).
    activity : DataFrame
        One row per epoch per sensor: ``start`` (UTC), ``location``, ``angle_change_deg``
        (absolute z-angle change since the previous epoch, degrees), ``enmo_mg`` and
        ``asleep`` (the night-level sleep state of the epoch).
    config : DetectionConfig
    markers : DataFrame
        The sleeper's double taps on every sensor (:func:`detection.markers.find_markers`),
        by start.
    off_body : DataFrame
        The spans no sensor was worn in (lying still on a table: ``start``, ``end``, UTC;
        :func:`detection.sleep.off_body`), left out of ``activity`` and the sleep periods.
    """

    events: pd.DataFrame
    periods: list[SleepWindow]
    activity: pd.DataFrame
    config: DetectionConfig
    markers: pd.DataFrame = field(default_factory=empty_markers)
    off_body: pd.DataFrame = field(default_factory=lambda: off_body_frame([]))

    @property
    def jerks(self) -> pd.DataFrame:
        """The events of kind ``jerk``: the sleep starts of the nights, what is counted."""
        return self.events[self.events["kind"] == "jerk"]

    @property
    def sleep(self) -> SleepWindow:
        """The main sleep period: the longest night (an empty window if none)."""
        nights = [p for p in self.periods if p.kind == "night"]
        return max(nights, key=lambda p: p.period_s) if nights else SleepWindow()

    def between(self, start_ns: int, end_ns: int) -> NightResult:
        """The part of the result from ``start_ns`` (inclusive) to ``end_ns`` (exclusive),
        ns since the epoch UTC: events, epochs and spans off the body that start in it, and
        the sleep periods whose onset (else lights out) lies in it."""
        def inside(times: pd.Series) -> np.ndarray:
            t = times.to_numpy("datetime64[ns]").view(np.int64)
            return (t >= start_ns) & (t < end_ns)

        def starts(p: SleepWindow) -> int:
            t = p.onset if p.onset is not None else p.lights_out
            return -1 if t is None else int(t.value)

        return NightResult(self.events[inside(self.events["start"])].reset_index(drop=True),
                           [p for p in self.periods if start_ns <= starts(p) < end_ns],
                           self.activity[inside(self.activity["start"])].reset_index(drop=True),
                           self.config, self.markers[inside(self.markers["start"])].reset_index(drop=True),
                           self.off_body[inside(self.off_body["start"])].reset_index(drop=True))

    def by_night(self) -> list[NightResult]:
        """The result cut into one part per night (sleep period of kind ``night``), in
        time order; ``[self]`` when it holds at most one night.

        Two nights are cut halfway between the first's final wake and the second's lights
        out (else onset), so each part holds its night and the naps and daytime around
        it."""
        nights = [p for p in self.periods if p.kind == "night" and p.onset is not None
                  and p.wake is not None]
        if len(nights) < 2:
            return [self]
        cuts = [(pd.Timestamp(a.wake).value + pd.Timestamp(b.lights_out or b.onset).value) // 2
                for a, b in zip(nights[:-1], nights[1:], strict=True)]
        edges = [np.iinfo(np.int64).min, *cuts, np.iinfo(np.int64).max]
        return [self.between(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]

    @property
    def off_body_s(self) -> float:
        """Time no sensor was worn (:attr:`off_body`), s."""
        return float((self.off_body["end"] - self.off_body["start"]).dt.total_seconds().sum())

    @property
    def day_s(self) -> float:
        """Time with data outside every sleep period (awake: the day, the evening before
        bed, after the final wake), s."""
        a = self.activity.drop_duplicates("start")
        if a.empty:
            return 0.0
        t = a["start"].to_numpy("datetime64[ns]").view(np.int64) / 1e9
        phase, _, _ = phase_of(t, [p.bounds_s() for p in self.periods])
        return float((phase == "day").sum() * self.config.epoch_s)


def segments(time_ns: np.ndarray, fs: float) -> list[tuple[int, int]]:
    """[start, end) sample ranges of the gap-free runs (a step over ``GAP_FACTOR / fs``
    is a gap, as in :func:`sensing.recording.find_gaps`)."""
    if len(time_ns) == 0:
        return []
    cut = steps_where(time_ns, lambda d: d > GAP_FACTOR * 1e9 / fs) + 1
    b = np.r_[0, cut, len(time_ns)]
    return list(zip(b[:-1].tolist(), b[1:].tolist(), strict=True))


def label_plm(cands: pd.DataFrame, cfg: DetectionConfig, location: str) -> pd.DataFrame:
    """Relabel the candidates of one sensor at ``location`` that form a PLM series as kind
    ``plm`` (sorted).

    Only a leg's: periodic limb movements are the legs' (the AASM scores them on the
    anterior tibialis EMG), and an arm's or the trunk's periodic movements are ordinary
    movement, which shows the sleeper awake (labelled ``plm`` it was masked and hidden
    from the sleep analysis: a wrist-only week had 1 398 of them). An unknown location
    is not taken for a leg.

    Two brisk bursts at least a PLM's shortest duration (``plm_duration_s[0]``) and
    less than a series' shortest interval (``plm_interval_s[0]``) apart are the two ends
    of one movement (:func:`rules.burst_pairs`: the foot out and back, its slow middle
    unseen; further apart they would be two movements of a series, and a cluster of
    sleep starts 5-10 s apart would make one), and a jerk-like burst that held the leg
    away for such a duration and let it back (``held_s``,
    :func:`detection.candidates.held_s`: its slow release unseen) is a movement of that
    duration. Two passes of :func:`rules.plm_series`: (1) over the burst candidates (jerk-like and
    movement), so a PLM seen only by its brisk onset joins its series; (2) over all
    movements including slow ones, which only relabels movements. Slow movements never
    join the first pass (the tilt a jerk leaves, seen as a slow movement, would make a
    cluster of jerks look like a series); but a jerk-like burst inside a series found by
    either pass (between its first and last movement, or up to one interval before the
    first) is one of its brisk onsets, also amid slow movements alone (a PLM whose leg
    moves slowly but once). The cost: a leg shifting while awake, then the turns of sleep,
    can make such a series around a sleep start (seen on ``hypnic simulate --seed 3``);
    sparing jerks amid slow-only series found no sleep start more on the accuracy
    benchmark's 540 nights and counted 11 PLMs more as jerks
    (``docs/detection-history.md``). A jerk-like burst whose energy spans the AASM's
    shortest limb movement (``plm_duration_s``, 0.5 s; ``jerk_max_s`` allows a jerk's
    ringing beyond it) counts as a movement of a series.
    """
    cands = cands.sort_values("start_ns", ignore_index=True)
    if cands.empty or not is_leg(location):
        return cands
    plm = plm_members(cands["start_ns"].to_numpy() / 1e9, cands, np.zeros(len(cands), np.int64), cfg)
    slow = cands["rejected_reason"].to_numpy() == SLOW_REASON
    cands.loc[plm, "kind"] = "plm"
    cands.loc[plm, "rejected_reason"] = np.where(slow[plm], PLM_REASON + "; " + SLOW_REASON, PLM_REASON)
    return cands


def plm_members(start_s: np.ndarray, cands: pd.DataFrame, sensor: np.ndarray, cfg: DetectionConfig) -> np.ndarray:
    """Which candidates of the legs are in a PLM series (the rules of :func:`label_plm`).

    Parameters
    ----------
    start_s : ndarray
        Onsets on one clock, s, sorted.
    cands : DataFrame
        The candidates in that order (``duration_s``, ``energy_s``, ``held_s``, ``kind``,
        ``rejected_reason``); one already labelled ``plm`` is a movement of a series.
    sensor : ndarray of int
        Which leg each candidate is of: the two ends of one movement are one sensor's.
    cfg : DetectionConfig
    """
    dur = cands["duration_s"].to_numpy()
    kind = cands["kind"].to_numpy()
    slow = cands["rejected_reason"].str.endswith(SLOW_REASON).to_numpy()
    # a movement, or a jerk-like burst as long as the AASM's shortest limb movement, or
    # one that held its leg away and let it back (its slow release unseen by the high-pass)
    held = cands["held_s"].to_numpy()
    released = (kind == "jerk") & (held >= cfg.plm_duration_s[0]) & (held <= cfg.plm_duration_s[1])
    dur = np.where(released, held, dur)
    move = (np.isin(kind, ("movement", "plm")) | released
            | ((kind == "jerk") & (cands["energy_s"].to_numpy() >= cfg.plm_duration_s[0])))
    args = (cfg.plm_interval_s, cfg.plm_duration_s[1], cfg.plm_min_count)
    brisk = ((kind == "jerk") | move) & ~slow
    # two brisk bursts of one leg closer than a series' shortest interval, and at least a
    # PLM's shortest duration apart, are its two ends (the foot out and back): one limb
    # movement, whose slow middle the high-pass does not show
    ends = np.zeros(len(kind), bool)
    for k in np.unique(sensor):
        own = sensor == k
        ends[own] = rules.burst_pairs(start_s[own], brisk[own], (cfg.plm_duration_s[0], cfg.plm_interval_s[0]))
    plm = rules.plm_series(start_s, dur, brisk, (move & ~slow) | ends, *args)
    plm |= rules.plm_series(start_s, dur, move | ends, move | ends, *args)
    # a jerk-like burst inside a series, or up to one interval before its first movement,
    # is a PLM seen only by its brisk onset (AASM: a series' first PLM is the one 5-90 s
    # before the next). Not after its last: the jerks of falling asleep come after the
    # movements of wake stop.
    plm |= (kind == "jerk") & rules.within_series(start_s, plm, cfg.plm_interval_s[1],
                                                  cfg.plm_interval_s[1])
    return plm & (kind != "plm")


def bilateral_plm(ev: pd.DataFrame, cfg: DetectionConfig) -> np.ndarray:
    """Which rows of the night's candidates ``ev`` (sorted by ``clock_ns``) are PLMs of a
    series over both legs that neither leg's series holds (:func:`label_plm`): the AASM
    scores the legs together, movements of the two legs less than 0.5 s apart as one
    (their onsets less than ``plm_interval_s[0]`` apart are one movement here, as on one
    leg), so a series whose movements alternate between the legs, or whose one-legged
    movements one sensor sees only as brisk onsets, is still a series.
    """
    loc = ev["location"].to_numpy().astype(str)
    leg = np.flatnonzero([x in LOCATIONS and is_leg(x) for x in loc])  # not an unknown-<i> sensor
    out = np.zeros(len(ev), bool)
    if len(np.unique(loc[leg])) < 2:
        return out
    sensor = np.unique(loc[leg], return_inverse=True)[1]
    out[leg] = plm_members(ev["clock_ns"].to_numpy()[leg] / 1e9, ev.iloc[leg], sensor, cfg)
    return out


def sensor_config(rec: Recording, cfg: DetectionConfig) -> DetectionConfig:
    """``cfg`` fitted to where ``rec`` is worn and to its resolution (``cfg.resolution_g``,
    or estimated from the samples when it is 0)."""
    return for_resolution(for_location(cfg, rec.location), cfg.resolution_g or resolution_g(rec.acc))


def sensor_candidates(rec: Recording, cfg: DetectionConfig,
                      markers: pd.DataFrame | None = None) -> pd.DataFrame:
    """All candidates of one recording (each gap-free segment scanned on its own), with
    the sleeper's double-tap markers relabelled (never jerks) and PLM series labelled; the
    floors are raised above the sensor's resolution (``cfg.resolution_g``, or estimated
    from the samples when it is 0), and fitted to where the sensor is worn
    (:func:`detection.candidates.for_location`). ``markers``: the recording's double taps,
    when they are already found (:func:`detection.markers.find_markers`)."""
    cfg = sensor_config(rec, cfg)
    parts = [_scan_bridged(rec, run, cfg) for run in bridged_runs(rec.time_ns, rec.fs, cfg.bridge_gap_s)]
    parts = [p for p in parts if not p.empty]
    cands = pd.concat(parts, ignore_index=True) if parts else scan(rec.time_ns[:0], rec.acc[:0], rec.fs, cfg)
    taps = find_markers(rec) if markers is None else markers
    return label_plm(exclude_markers(cands.drop(columns=["i0", "i1"]), taps), cfg, rec.location)


def bridged_runs(time_ns: np.ndarray, fs: float, bridge_s: float) -> list[list[tuple[int, int]]]:
    """The gap-free runs (:func:`segments`) grouped where the gaps between them last at
    most ``bridge_s`` (lost radio packets; ``DetectionConfig.bridge_gap_s``)."""
    runs: list[list[tuple[int, int]]] = []
    for a, b in segments(time_ns, fs):
        if runs and time_ns[a] - time_ns[runs[-1][-1][1] - 1] <= bridge_s * 1e9:
            runs[-1].append((a, b))
        else:
            runs.append([(a, b)])
    return runs


def _scan_bridged(rec: Recording, run: list[tuple[int, int]], cfg: DetectionConfig) -> pd.DataFrame:
    """:func:`_scan_held` of gap-free runs with their short gaps bridged
    (:func:`detection.candidates.bridge`): jerk-shaped bursts holding bridged samples are
    artefacts, and the rows' sample indices are the bridged signal's."""
    if len(run) == 1:
        a, b = run[0]
        return _scan_held(rec.time_ns[a:b], rec.acc[a:b], rec.fs, rec.location, cfg)
    after = np.array([a for a, _ in run[1:]])  # the first real sample after each gap
    t, acc, count = bridge(rec.time_ns[after - 1], rec.acc[after - 1], rec.time_ns[after], rec.acc[after],
                           rec.fs)
    ends = np.cumsum(count).tolist()
    ts, accs = [rec.time_ns[slice(*run[0])]], [rec.acc[slice(*run[0])]]
    for (a, b), i, j in zip(run[1:], [0, *ends[:-1]], ends, strict=True):
        ts += [t[i:j], rec.time_ns[a:b]]
        accs += [acc[i:j], rec.acc[a:b]]
    gaps = np.column_stack([rec.time_ns[after - 1], rec.time_ns[after]])
    return _scan_held(Joined(ts), Joined(accs), rec.fs, rec.location, cfg, gaps)


def _scan_held(time_ns: np.ndarray | Joined, acc: np.ndarray | Joined, fs: float, location: str,
               cfg: DetectionConfig, bridged: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`scan` of one gap-free run (``bridged``: the times either side of the gaps
    bridged in it), with ``held_s`` measured for a leg's jerks (what :func:`label_plm`
    reads)."""
    cands = scan(time_ns, acc, fs, cfg)
    if bridged is not None and len(cands):
        kind, reason = cands["kind"].to_numpy(copy=True), cands["rejected_reason"].to_numpy(copy=True)
        lost_on_radio(kind, reason, cands["start_ns"].to_numpy(), cands["end_ns"].to_numpy(), bridged)
        cands = cands.assign(kind=kind, rejected_reason=reason)
    if is_leg(location):
        jerk = (cands["kind"] == "jerk").to_numpy()
        cands.loc[jerk, "held_s"] = held_s(time_ns, acc, fs, cands["i0"].to_numpy()[jerk],
                                           cands["i1"].to_numpy()[jerk], cfg)
    return cands


def is_leg(location: str) -> bool:
    """Whether a sensor at ``location`` is on a leg (where PLMs are scored)."""
    return LOCATIONS[location].startswith("leg")


def sensor_key(rec: Recording, i: int) -> str:
    """The ``location`` value of a sensor's events: its location, or ``unknown-<i>`` for
    the i-th recording when the location is unknown (so unknown sensors stay apart)."""
    return rec.location if rec.location != "unknown" else f"unknown-{i}"


def as_recordings(recordings: Recording | Sequence[Recording], who: str = "detect_night") -> list[Recording]:
    """``recordings`` (one Recording or a list or tuple of them) as a list, perhaps empty.

    Raises
    ------
    InvalidRecordingError
        If they are not Recordings (a path, a DataFrame, ...), one samples more slowly
        than :data:`sensing.body.MIN_RATE_HZ` or two are worn at one location; ``who``
        names the function in the message.
    """
    if not isinstance(recordings, (Recording, list, tuple)):  # a path, a DataFrame, ...
        raise InvalidRecordingError(f"{who} takes a Recording or a list of them, got a "
                                    f"{type(recordings).__name__} (read a file with hypnic.read; "
                                    "a DataFrame with Recording.from_frame)")
    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    bad = [type(r).__name__ for r in recs if not isinstance(r, Recording)]
    if bad:
        raise InvalidRecordingError(f"{who} takes Recording objects, got {', '.join(bad)}")
    for r in recs:
        refuse_slow_rate(r.fs, f"{who}: the recording at {r.location}")
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
        Times of noises, lights, ... (int ns since the epoch UTC, ISO strings, UTC
        without a zone, or pandas Timestamps; one alone is one stimulus); jerks starting
        within ``config.stimulus_window_s`` after one are marked ``stimulus``.

    Returns
    -------
    NightResult
        Events (one row per sensor-level candidate), sleep window and epoch activity.

    Raises
    ------
    HypnicError
        If ``recordings`` are not Recordings of distinct locations, ``config`` is not a
        DetectionConfig, or a stimulus time cannot be read (before any work).

    Notes
    -----
    Per sensor and gap-free segment: the high-passed magnitude (acceleration minus its
    0.25 s moving mean) is compared with an adaptive threshold (a multiple of the median
    magnitude of the preceding 30 s); candidates are classified as artefact (single-sample
    spike), rhythmic (3-10 Hz autocorrelation), movement (too long, or followed by a
    sustained movement or tilt) or jerk; series with 5-90 s intervals holding at least 4
    movements become ``plm``; a spike that coincides with a jerk on another sensor is a
    jerk. The sleep window is HDCZA on the z-angle with jerks, artefacts and PLMs masked,
    its onset refined from the movements and dated by a sleep start that follows it after
    stillness (:func:`jerk_onsets`). Jerks on several sensors are grouped (``group_id``,
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
    cfg = config_or_default(config, "detect_night")
    recs = as_recordings(recordings)
    if not recs:
        raise InvalidRecordingError("detect_night needs at least one Recording")
    stimuli = rules.to_ns(stimuli)  # checked before the work
    taps = [find_markers(r) for r in recs]
    steps = [cfg.resolution_g or resolution_g(r.acc) for r in recs]  # estimated once
    per_sensor = {sensor_key(r, i): sensor_candidates(r, replace(cfg, resolution_g=g), t)
                  for i, (r, t, g) in enumerate(zip(recs, taps, steps, strict=True))}
    periods, activity, off = night_sleep(recs, per_sensor, replace(cfg, resolution_g=max(steps)))
    worn = {r.body_part for r in recs if len(r)}  # a sensor without samples shows nothing
    signals = {sensor_key(r, i): (r, sensor_config(r, replace(cfg, resolution_g=g)))
               for i, (r, g) in enumerate(zip(recs, steps, strict=True))}
    events = assemble(per_sensor, periods, worn, cfg, stimuli, signals)
    anchored = jerk_onsets(periods, events)
    if anchored != periods:  # the bursts are placed again from the moved onsets
        for old, new in zip(periods, anchored, strict=True):
            if new.onset != old.onset:
                activity.loc[activity["start"].between(old.onset, new.onset, inclusive="left"), "asleep"] = False
        periods = anchored
        events = assemble(per_sensor, periods, worn, cfg, stimuli, signals)
    log.info("detect_night: %d sensor(s), %d candidates, %d jerks, %d sleep period(s)",
             len(recs), len(events), int((events["kind"] == "jerk").sum()), len(periods))
    found = [t for t in taps if len(t)]
    markers = (pd.concat(found, ignore_index=True).sort_values("start", ignore_index=True)
               if found else empty_markers())
    return NightResult(events, periods, activity, cfg, markers, off)


def jerk_onsets(periods: list[SleepWindow], events: pd.DataFrame) -> list[SleepWindow]:
    """``periods`` with each sleep onset moved to the first sleep start counted after it in
    its onset's phase (kind ``jerk`` or ``nap-jerk``, phase ``sleep-onset``: up to
    ``onset_reach_s`` after the onset) when no movement of any sensor (kinds
    :data:`MOVING_KINDS`) starts between them (up to :data:`OWN_MOVE_S` before the jerk).
    A hypnic jerk happens at the transition from wake into sleep, and a sleeper lying
    still awake looks asleep to the movements the onset is found from: the jerk is the one
    sign of when the stillness became sleep. After a movement, the onset's change point
    already weighed it. Lights out, the awakenings and the final wake stay. ``events``:
    the events table :func:`assemble` made from ``periods``."""
    starts = events.loc[events["kind"].isin(rules.SLEEP_STARTS) & (events["phase"] == "sleep-onset"), "start"]
    moves = events.loc[events["kind"].isin(MOVING_KINDS), "start"]
    out = []
    for p in periods:
        later = starts[(starts > p.onset) & (starts < p.wake)] if p.onset is not None else starts.iloc[:0]
        if len(later):
            first = later.min()
            if not ((moves > p.onset) & (moves < first - pd.Timedelta(seconds=OWN_MOVE_S))).any():
                p = replace(p, onset=first)
        out.append(p)
    return out


def night_sleep(recs: list[Recording], per_sensor: dict[str, pd.DataFrame],
                cfg: DetectionConfig) -> tuple[list[SleepWindow], pd.DataFrame, pd.DataFrame]:
    """Sleep periods, epoch activity (jerks and artefacts masked) and the spans no sensor
    was worn in (:func:`off_body_frame`; their epochs are left out of the others).

    Epochs are built per run of data (:func:`detection.sleep.epoch_runs`), so memory and
    time follow the samples whatever the timestamps span; the HDCZA threshold is one for
    the whole recording, floored at half a step of the coarsest sensor's resolution
    (:func:`sensing.recording.resolution_g`, at 1 g); one night a day over all runs
    (:func:`detection.sleep.one_night_a_day`).
    """
    pairs = [(key, r) for key, r in zip(per_sensor, recs, strict=True) if len(r)]
    if not pairs:
        return [], pd.DataFrame({c: [] for c in ACTIVITY_COLUMNS}), off_body_frame([])
    ep_ns = int(round(cfg.epoch_s * 1e9))
    spans = [(int(r.time_ns[a]), int(r.time_ns[b - 1])) for _, r in pairs
             for a, b in segments(r.time_ns, r.fs)]
    spans += [(int(a), int(b)) for _, r in pairs for a, b in r.still_spans]  # known still
    runs = epoch_runs(spans, cfg.epoch_s, cfg.epoch_join_gap_s)
    masks = [_masked(r, per_sensor[key], cfg) for key, r in pairs]
    cands = pd.concat([per_sensor[key] for key, _ in pairs])
    moves = cands[cands["kind"].isin(("movement", "rhythmic"))]
    bursts = cands[cands["kind"] != "artefact"]  # a limb's own movement: a table only gets knocked
    long_s, long_e = long_bouts(moves["start_ns"].to_numpy(), moves["end_ns"].to_numpy(),
                                cfg.awakening_move_s)
    # movements of at least the AASM's shortest limb movement: two make an awakening
    lasting_moves = moves[moves["end_ns"] - moves["start_ns"] >= cfg.plm_duration_s[0] * 1e9]
    floor = 0.5 * float(np.degrees(max(cfg.resolution_g or resolution_g(r.acc) for _, r in pairs)))

    def sensor_epochs(e0: int, e1: int) -> list[tuple[np.ndarray, ...]]:
        """:func:`detection.sleep.epoch_activity` of each sensor over the epochs
        ``e0 .. e1 - 1`` (each epoch's figures are its samples' alone)."""
        out: list[tuple[np.ndarray, ...]] = []
        for (_, r), masked in zip(pairs, masks, strict=True):
            i0, i1 = np.searchsorted(r.time_ns, [e0 * ep_ns, e1 * ep_ns])
            out.append(epoch_activity(r.time_ns[i0:i1], r.acc[i0:i1], masked[i0:i1],
                                      e0 * ep_ns, e1 - e0, cfg.epoch_s))
        return out

    def activity(epochs: list[tuple[np.ndarray, ...]], first: int, a: int, b: int
                 ) -> tuple[tuple, list, list, list]:
        """The epochs ``first + a .. first + b - 1`` of ``epochs`` (:func:`sensor_epochs`
        from epoch ``first``): (starts, change per sensor (k, n), enmo per sensor, combined,
        moving, long, lasting), and per sensor gravity, spread and motion."""
        e0, n_ep = first + a, b - a
        changes, enmos, gravity, spread, motion = [], [], [], [], []
        for (_, r), figures in zip(pairs, epochs, strict=True):
            angle, enmo, g, sd, mo = (x[a:b] for x in figures)
            if len(r.still_spans):
                angle, enmo, g, sd, mo = still_filled(r.still_spans, e0, n_ep, ep_ns,
                                                      angle, enmo, g, sd, mo)
            changes.append(np.abs(np.diff(angle, prepend=np.nan)))
            enmos.append(enmo)
            gravity.append(g)
            spread.append(sd)
            motion.append(mo)
        change = np.vstack(changes)
        with np.errstate(invalid="ignore"):
            combined = np.fmax.reduce(change, axis=0)
        moving = _overlapped(moves["start_ns"].to_numpy(), moves["end_ns"].to_numpy(), e0, n_ep, ep_ns)
        return ((pd.DatetimeIndex((e0 + np.arange(n_ep)) * ep_ns, tz="UTC"), change,
                 enmos, combined, moving, _overlapped(long_s, long_e, e0, n_ep, ep_ns),
                 _overlapped(lasting_moves["start_ns"].to_numpy(),
                             lasting_moves["end_ns"].to_numpy(), e0, n_ep, ep_ns)),
                gravity, spread, motion)

    per_run = []  # (starts, change per sensor (k, n), enmo per sensor, combined, moving, long, lasting)
    gravities, spreads, motions = [], [], []  # per run, per sensor: (n, 3) gravity, (n,) spread, motion
    off_spans = []  # epochs no sensor was worn in, [first, end) ns
    for e0, e1 in runs:
        epochs = sensor_epochs(e0, e1)
        parts = [activity(epochs, e0, 0, e1 - e0)]
        (_, _, enmos, *_), _, spread, motion = parts[0]
        with np.errstate(invalid="ignore"):  # walking, as upright_reference learns it
            brisk = np.any([(e >= cfg.upright_active_mg) & (sd >= cfg.upright_active_mg)
                            for e, sd in zip(enmos, spread, strict=True)], axis=0)
        idle = np.zeros(e1 - e0, bool)  # epochs a device declared still (idle sleep)
        for _, r in pairs:
            idle |= _overlapped(r.still_spans[:, 0], r.still_spans[:, 1], e0, e1 - e0, ep_ns)
        off = off_body(parts[0][1], motion, cfg,
                       _overlapped(bursts["start_ns"].to_numpy(), bursts["end_ns"].to_numpy(), e0, e1 - e0, ep_ns),
                       brisk, idle)
        if off.any():  # those epochs are left out: each stretch worn is a run of its own
            off_spans += [((e0 + a) * ep_ns, (e0 + b) * ep_ns) for a, b in true_runs(off)]
            parts = [activity(epochs, e0, a, b) for a, b in true_runs(~off)]
        for run, gravity, spread, motion in parts:
            per_run.append(run)
            gravities.append(gravity)
            spreads.append(spread)
            motions.append(motion)
    if not per_run:  # never worn
        return [], pd.DataFrame({c: [] for c in ACTIVITY_COLUMNS}), off_body_frame(off_spans)
    roll_n = int(round(cfg.sleep_median_s / cfg.epoch_s))
    thr = sleep_threshold([rolling_median(run[3], roll_n) for run in per_run], cfg, floor)
    # a trunk or leg sensor that shows its wearer upright (sitting, standing) says awake
    learnt = {k: upright_reference(np.vstack([g[k] for g in gravities]),
                                   np.concatenate([run[2][k] for run in per_run]),
                                   np.concatenate([sd[k] for sd in spreads]), cfg)
              for k, (_, r) in enumerate(pairs) if r.body_part.startswith(("trunk", "leg"))}
    refs = {k: ref for k, ref in learnt.items() if ref is not None}
    # lying is the trunk's posture: a shank can stand steep in bed (knees drawn up), so
    # the legs speak only when no trunk sensor knows its upright direction
    trunk = {k: ref for k, ref in refs.items() if pairs[k][1].body_part.startswith("trunk")}
    refs = trunk or refs
    # continuous movement too quick for the angle of 5 s means (a phone in the hand) says awake
    quiet = [_quiet_mg(np.concatenate([m[k] for m in motions])) for k in range(len(pairs))]
    step = [cfg.resolution_g or resolution_g(r.acc) for _, r in pairs]
    periods, frames = [], []
    for (starts, change, enmos, combined, moving, long_moving, lasting), gravity, motion in zip(
            per_run, gravities, motions, strict=True):
        for k, ref in refs.items():
            combined = np.where(upright_epochs(gravity[k], ref, cfg), np.inf, combined)
        busy = np.zeros(len(starts), bool)
        for k in range(len(pairs)):
            busy |= busy_epochs(motion[k], quiet[k], step[k], cfg)
        found, asleep = sleep_periods(starts, combined, moving, thr, cfg, long_moving, busy,
                                      lasting)
        periods += found
        frames.append(pd.DataFrame(dict(
            start=starts[np.tile(np.arange(len(starts)), len(pairs))],
            location=np.repeat([key for key, _ in pairs], len(starts)),
            angle_change_deg=change.ravel(), enmo_mg=np.concatenate(enmos),
            asleep=np.tile(asleep, len(pairs)))))
    return one_night_a_day(periods, cfg), pd.concat(frames, ignore_index=True), off_body_frame(off_spans)


def off_body_frame(spans_ns: list[tuple[int, int]]) -> pd.DataFrame:
    """The spans no sensor was worn in (:func:`detection.sleep.off_body`), ``[start, end)``
    ns, as a table of ``start`` and ``end`` (UTC)."""
    return pd.DataFrame({"start": pd.to_datetime([a for a, _ in spans_ns], utc=True),
                         "end": pd.to_datetime([b for _, b in spans_ns], utc=True)})


def still_filled(spans: np.ndarray, e0: int, n_ep: int, ep_ns: int, angle: np.ndarray, enmo: np.ndarray,
                 gravity: np.ndarray, spread: np.ndarray, motion: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`detection.sleep.epoch_activity` of epochs ``e0 ..`` with the empty ones that
    a span the device lay still overlaps (``spans``: (k, 2) ns,
    :attr:`sensing.recording.Recording.still_spans`) read as still: the angle and gravity
    of the epoch before, no movement, as GGIR and ActiLife fill an ActiGraph's idle sleep
    with its last sample. Without this a device that writes only while it moves shows its
    sleep as a few epochs of movement, and no sleep is found."""
    still = np.isnan(angle) & _overlapped(spans[:, 0], spans[:, 1], e0, n_ep, ep_ns)
    src = np.maximum.accumulate(np.where(still, 0, np.arange(n_ep)))  # the last epoch with data
    quiet = [np.where(still, 0.0, x) for x in (enmo, spread, motion)]
    return angle[src], quiet[0], gravity[src], quiet[1], quiet[2]


def _quiet_mg(motion_mg: np.ndarray) -> float:
    """A sensor's motion when still: the 10th percentile of its epochs' motion, mg (0
    without data)."""
    finite = motion_mg[np.isfinite(motion_mg)]
    return float(np.percentile(finite, 10)) if len(finite) else 0.0


def _overlapped(start_ns: np.ndarray, end_ns: np.ndarray, e0: int, n_ep: int, ep_ns: int) -> np.ndarray:
    """Which of the epochs ``e0 .. e0 + n_ep - 1`` (``ep_ns`` long) the spans
    ``[start_ns, end_ns]`` overlap, as a boolean array."""
    return covered(n_ep, start_ns // ep_ns - e0, end_ns // ep_ns - e0 + 1)


def _masked(r: Recording, cands: pd.DataFrame, cfg: DetectionConfig) -> np.ndarray:
    """Samples of one sensor left out of its epoch angles: jerks, artefacts and PLMs
    (slow movements are not: in a PLM series while asleep they are small, and while
    awake they are the wake movement the sleep analysis must see)."""
    c = cands[cands["kind"].isin(MASKED_KINDS) & ~cands["rejected_reason"].str.endswith(SLOW_REASON)]
    margin = int(MASK_MARGIN_S * 1e9)
    end = c["end_ns"].to_numpy()
    # a PLM may have been seen only by its brisk onset: mask the longest PLM after it
    plm = (c["kind"] == "plm").to_numpy()
    end = np.where(plm, np.maximum(end, c["start_ns"].to_numpy() + int(cfg.plm_duration_s[1] * 1e9)), end)
    lo = np.searchsorted(r.time_ns, c["start_ns"].to_numpy() - margin)
    hi = np.searchsorted(r.time_ns, end + margin, side="right")
    return covered(len(r), lo, hi)


def restless(first: pd.DataFrame, alone: np.ndarray, kind: np.ndarray, bursts: pd.DataFrame,
             signals: dict[str, tuple[Recording, DetectionConfig]],
             cfg: DetectionConfig) -> tuple[np.ndarray, np.ndarray]:
    """Which sleep starts are small bursts amid ongoing brisk movements of their limb.

    A sleep start (kind ``jerk`` or ``nap-jerk``) in a return to sleep after an awakening
    (phase ``awakening``) or in the reach of a sleep onset that may have been early, past
    its usual window (``onset_reach_s``: by then the sleeper is more likely asleep), seen
    on one sensor alone (``alone``), whose peak is below
    ``restless_peak_factor`` x its detection threshold, is one when at least
    ``restless_min_moves`` brisk movements of its sensor start within
    ``restless_window_s`` either side of it (its own series, ``series_gap_s``, left out):
    see :class:`detection.config.DetectionConfig`. The sensor's parts of large jerk-shaped
    bursts (``restless_peak_factor`` x their threshold or more on any sensor: a
    generalized jerk can be small on the trunk) are not among those movements: a run of
    sleep starts is not restlessness, and a sleeper with very frequent ones keeps the
    small ones among them.

    Parameters
    ----------
    first : DataFrame
        One candidate row per group (its first member), with ``location``, ``start_ns``,
        ``score``, ``floor_g``, ``phase`` and ``rel_onset_s``.
    alone, kind : ndarray
        Per group: seen on one sensor only; its kind so far.
    bursts : DataFrame
        Every jerk-shaped burst of the night, with ``location``, ``start_ns`` and
        ``score`` (its group's largest).
    signals : dict
        Each sensor's recording and config, by location key.
    cfg : DetectionConfig

    Returns
    -------
    busy : ndarray of bool
        Per group.
    moves : ndarray of int
        Per group: the brisk movements counted (0 where not judged).
    """
    cut = 1 - 1 / cfg.restless_peak_factor
    phase = first["phase"].to_numpy()
    late_s = ONSET_WINDOW_S[1] + cfg.onset_uncertainty_s  # where the onset's usual window ends
    judge = (np.isin(kind, rules.SLEEP_STARTS) & alone & (first["score"].to_numpy() < cut)
             & ((phase == "awakening")
                | ((phase == "sleep-onset") & (first["rel_onset_s"].to_numpy() > late_s))))
    moves = np.zeros(len(first), np.int64)
    loc = first["location"].to_numpy()
    large = bursts[bursts["score"] >= cut]
    for key in np.unique(loc[judge]):
        k = np.flatnonzero(judge & (loc == key))
        rec, scfg = signals[key]
        moves[k] = brisk_moves_near(rec.time_ns, rec.acc, rec.fs, first["start_ns"].to_numpy()[k],
                                    first["floor_g"].to_numpy()[k], scfg, cfg.restless_window_s,
                                    cfg.series_gap_s,
                                    np.sort(large.loc[large["location"] == key, "start_ns"].to_numpy()))
    return judge & (moves >= cfg.restless_min_moves), moves


def empty_events() -> pd.DataFrame:
    """An events table with no rows and the columns of :data:`EVENT_COLUMNS`."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_COLUMNS.items()})


def assemble(per_sensor: dict[str, pd.DataFrame], periods: list[SleepWindow], worn: set[str],
             cfg: DetectionConfig, stimuli=None,
             signals: dict[str, tuple[Recording, DetectionConfig]] | None = None) -> pd.DataFrame:
    """The night's events table from per-sensor candidates: groups, distribution, phase,
    onset-relative time, where each jerk-shaped burst happens (its kind), series and
    stimulus. ``signals``: each sensor's recording and config (:func:`sensor_config`),
    by the keys of ``per_sensor``, to tell small returns to sleep from REM twitching
    (:func:`restless`); without them no burst is judged so."""
    frames = [c.assign(location=loc) for loc, c in per_sensor.items() if not c.empty]
    if not frames:
        return empty_events()
    ev = pd.concat(frames, ignore_index=True)
    # every rule across sensors reads the times on one clock (the sensors' own may differ),
    # set by the bursts of a jerk or an impact in bed (not the steps and swings of walking,
    # which reach each limb at its own phase of the stride)
    t_s = ev["start_ns"].to_numpy(np.int64) / 1e9
    in_bed = np.zeros(len(ev), bool)
    for lights, _, wake, _ in (p.bounds_s() for p in periods):
        in_bed |= (t_s >= lights) & (t_s <= wake)
    shared = in_bed & ev["kind"].isin(("jerk", "artefact")).to_numpy() & (ev["duration_s"] <= cfg.jerk_max_s).to_numpy()
    ev["clock_ns"] = ev["start_ns"] - rules.clock_offsets(
        ev["start_ns"].to_numpy(np.int64), ev["location"].to_numpy().astype(str), shared,
        cfg.clock_search_s, cfg.sync_window_s, cfg.clock_min_shared)
    ev = ev.sort_values(["clock_ns", "location"], ignore_index=True)
    both = bilateral_plm(ev, cfg)
    ev.loc[both, "rejected_reason"] = np.where(ev.loc[both, "rejected_reason"] == SLOW_REASON,
                                               PLM_REASON + "; " + SLOW_REASON, PLM_REASON)
    ev.loc[both, "kind"] = "plm"
    start_ns = ev["clock_ns"].to_numpy(np.int64)
    rescued = rules.rescue_spikes(start_ns, ev["location"].to_numpy().astype(str), ev["kind"].to_numpy(),
                                  ev["rejected_reason"].to_numpy(), cfg.group_window_s)
    ev.loc[rescued, "kind"] = "jerk"
    ev.loc[rescued, "rejected_reason"] = ""
    ev["phase"], ev["rel_onset_s"], period = phase_of(start_ns / 1e9, [p.bounds_s() for p in periods],
                                                       cfg.onset_uncertainty_s)
    early = (ev["phase"] == "sleep") & (ev["rel_onset_s"] <= cfg.onset_reach_s)  # the onset may be early
    ev.loc[early, "phase"] = "sleep-onset"
    period_kind = np.array([p.kind for p in periods] + [""], dtype=object)[period]
    # PLMs are a sleep (and rest) finding: periodic movements while up are everyday activity
    up = (ev["kind"] == "plm").to_numpy() & (ev["phase"].to_numpy() == "day")
    ev.loc[up, "kind"] = "movement"
    ev.loc[up, "rejected_reason"] = ev.loc[up, "rejected_reason"].str.replace(
        PLM_REASON, UP_PLM_REASON, regex=False)  # a slow movement stays one
    ev["group_id"], ev["series_id"] = -1, -1
    ev["distribution"], ev["limbs"] = "", ""
    jerk = np.flatnonzero(ev["kind"].to_numpy() == "jerk")
    if len(jerk):
        locs = ev["location"].to_numpy()[jerk].astype(str)
        gid, dist, limbs = rules.group_jerks(start_ns[jerk], locs, cfg.group_window_s, worn,
                                             cfg.sync_window_s,
                                             (start_ns + ev["duration_s"].to_numpy() * 5e8)[jerk])
        g_start = np.array([start_ns[jerk][gid == k].min() for k in range(len(dist))])
        # movements of any sensor, but those a jerk itself shows on another sensor (its
        # tilt, seen as a slow movement)
        moving = start_ns[ev["kind"].isin(MOVING_KINDS).to_numpy()]
        near = np.searchsorted(g_start, moving)
        window = int(cfg.group_window_s * 1e9)
        own = ((near < len(g_start)) & (np.abs(g_start[np.minimum(near, len(g_start) - 1)] - moving) <= window)) | (
            (near > 0) & (np.abs(g_start[np.maximum(near - 1, 0)] - moving) <= window))
        first = jerk[np.unique(gid, return_index=True)[1]]  # each group's first member
        kind, reason = rules.where_bursts(g_start, moving[~own], ev["phase"].to_numpy()[first],
                                          period_kind[first], cfg.rest_lead_s)
        best = np.zeros(len(dist))  # each group's largest score
        np.maximum.at(best, gid, ev["score"].to_numpy()[jerk])
        if signals:
            busy, moves = restless(ev.iloc[first], np.bincount(gid) == 1, kind,
                                   ev.iloc[jerk].assign(score=best[gid]), signals, cfg)
            kind[busy] = "sleep-burst"
            after = np.where(ev["phase"].to_numpy()[first] == "awakening", "after an awakening",
                             "well after the estimated sleep onset")
            reason[busy] = [f"amid {m} brisk movements of its sensor within {cfg.restless_window_s / 60:g} "
                            f"min either side (twitching {a}, not out of rest)"
                            for m, a in zip(moves[busy], after[busy], strict=True)]
        faint = rules.faint_returns(kind, ev["phase"].to_numpy()[first], best, np.asarray(limbs, object),
                                    cfg.return_peak_factor)
        kind[faint] = "sleep-burst"
        reason[faint] = (f"under {cfg.return_peak_factor:g}x its detection threshold in a return to sleep, "
                         "on a limb (as likely a REM twitch as a sleep start)")
        counted = kind == "jerk"
        sid = np.full(len(dist), -1)
        sid[counted] = rules.series_ids(g_start[counted], cfg.series_gap_s)
        ev.loc[jerk, "kind"] = kind[gid]
        ev.loc[jerk, "rejected_reason"] = reason[gid]
        ev.loc[jerk, "group_id"] = gid
        ev.loc[jerk, "series_id"] = sid[gid]
        ev.loc[jerk, "distribution"] = np.asarray(dist, object)[gid]
        ev.loc[jerk, "limbs"] = np.asarray(limbs, object)[gid]
    ev["stimulus"] = rules.stimulus_triggered(start_ns, rules.to_ns(stimuli), cfg.stimulus_window_s) & (
        ev["kind"].isin(JERK_SHAPED).to_numpy())
    ev["start"] = pd.to_datetime(ev["start_ns"], utc=True)
    ev["end"] = pd.to_datetime(ev["end_ns"], utc=True)
    return _with_event_dtypes(ev[list(EVENT_COLUMNS)])


def _with_event_dtypes(ev: pd.DataFrame) -> pd.DataFrame:
    """``ev`` with the dtypes of :data:`EVENT_COLUMNS`. Text columns come out of pandas
    as its string dtype; each is set back to object as one Series, six times faster than
    ``astype`` (which converts the frame column by column)."""
    text, have = np.dtype(object), ev.dtypes
    for k, v in _EVENT_DTYPES.items():
        if v == text and have[k] != text:
            ev[k] = pd.Series(ev[k].to_numpy(object), dtype=object, index=ev.index)
    have = ev.dtypes
    rest = {k: v for k, v in _EVENT_DTYPES.items() if have[k] != v}
    return ev.astype(rest) if rest else ev
