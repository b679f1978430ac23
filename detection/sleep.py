"""Rest and sleep periods, sleep onset and brief awakenings from the accelerometer alone.

The method is van Hees et al.'s HDCZA (2018) on the z-angle of 5 s epochs: the arm (or
leg, or trunk) angle barely changes while asleep. Still blocks of at least 30 min,
joined over short interruptions, are sleep periods; a recording can hold several (an
afternoon and a night, a week, naps). Each period's onset is refined against the
night's own still level (see :func:`sleep_periods`). Detected jerks and artefacts are
masked out of the epoch means, so the movements we look for do not wake the sleeper up
in the algorithm. With several sensors the night is awake whenever any sensor moves
(the largest rolling angle change across sensors is thresholded).

References
----------
van Hees VT et al. (2015) A novel, open access method to assess sleep duration using a
wrist-worn accelerometer. PLoS One 10:e0142533.
van Hees VT et al. (2018) Estimating sleep parameters using an accelerometer without
sleep diary. Sci Rep 8:12975.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from detection.config import DetectionConfig

#: Movement candidates less than this apart are parts of one movement (a rollover and its
#: landing), s.
MOVEMENT_PARTS_S = 10.0
#: Kinds of sleep period: the main sleep of a night, or a shorter nap.
PERIOD_KINDS = ("night", "nap")


@dataclass(frozen=True)
class SleepWindow:
    """One sleep period as seen by the accelerometer.

    Attributes
    ----------
    lights_out : Timestamp or None
        Rest onset: the end of the last clearly active minute before sleep onset (UTC).
    onset, wake : Timestamp or None
        Start and end of the sleep period (UTC); None if no sleep was found.
    awakenings : list of (Timestamp, Timestamp)
        Awakenings inside the sleep period, each followed by a return to sleep.
    threshold_deg : float
        HDCZA threshold on the rolling z-angle change, degrees.
    kind : str
        ``night`` (a main sleep period) or ``nap`` (see :data:`PERIOD_KINDS`).
    lights_out_seen : bool
        False when no active minute came in the ``max_rest_s`` before sleep onset (the
        sleeper lay still for longer, or turned in sleep as if awake): ``lights_out`` is
        then that bound, not a measurement, and the latency is not known.
    """

    lights_out: pd.Timestamp | None = None
    onset: pd.Timestamp | None = None
    wake: pd.Timestamp | None = None
    awakenings: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    threshold_deg: float = float("nan")
    kind: str = "night"
    lights_out_seen: bool = True

    @property
    def latency_s(self) -> float:
        """Sleep-onset latency from lights out, s (NaN if either is unknown, or lights out
        was not seen)."""
        if self.onset is None or self.lights_out is None or not self.lights_out_seen:
            return float("nan")
        return (self.onset - self.lights_out).total_seconds()

    @property
    def period_s(self) -> float:
        """Length of the sleep period, s (NaN if unknown)."""
        if self.onset is None or self.wake is None:
            return float("nan")
        return (self.wake - self.onset).total_seconds()

    def bounds_s(self) -> tuple[float, float, float, list[tuple[float, float]]]:
        """``(lights_out, onset, wake, awakenings)`` in s since the epoch, the form
        :func:`sensing.body.phase_of` takes (a found period only)."""
        if self.onset is None or self.wake is None:
            raise ValueError("no sleep period was found")
        onset = self.onset.value / 1e9
        lights = self.lights_out.value / 1e9 if self.lights_out is not None else onset
        return (lights, onset, self.wake.value / 1e9,
                [(a.value / 1e9, b.value / 1e9) for a, b in self.awakenings])

    def to_dict(self) -> dict:
        """JSON-ready dict with ISO-8601 UTC times (None for a figure not found: JSON has no NaN)."""
        def iso(t):
            return None if t is None else t.isoformat().replace("+00:00", "Z")

        return dict(lights_out=iso(self.lights_out), onset=iso(self.onset), wake=iso(self.wake),
                    awakenings=[[iso(a), iso(b)] for a, b in self.awakenings],
                    latency_s=None if np.isnan(self.latency_s) else self.latency_s,
                    period_s=None if np.isnan(self.period_s) else self.period_s,
                    threshold_deg=None if np.isnan(self.threshold_deg) else self.threshold_deg, kind=self.kind,
                    lights_out_seen=self.lights_out_seen)


def epoch_runs(spans_ns: list[tuple[int, int]], epoch_s: float,
               join_gap_s: float) -> list[tuple[int, int]]:
    """Runs of epochs that cover the data: ``[first, end)`` epoch numbers (epoch ``k``
    starts at ``k * epoch_s`` since the epoch, UTC).

    Data spans closer than ``join_gap_s`` share a run (the epochs between them are
    empty); farther ones start a new run. Memory and time of the sleep analysis follow
    the data, never the time a file's timestamps span.

    Parameters
    ----------
    spans_ns : list of (int, int)
        First and last sample time of each gap-free segment of every sensor, ns.
    epoch_s, join_gap_s : float
        Epoch length and the longest empty stretch inside a run, s.
    """
    ep = int(round(epoch_s * 1e9))
    if not spans_ns:
        return []
    iv = sorted((a // ep, b // ep + 1) for a, b in spans_ns)
    join = int(np.ceil(join_gap_s / epoch_s))
    runs = [list(iv[0])]
    for a, b in iv[1:]:
        if a - runs[-1][1] <= join:
            runs[-1][1] = max(runs[-1][1], b)
        else:
            runs.append([a, b])
    return [(a, b) for a, b in runs]


def epoch_activity(time_ns: np.ndarray, acc: np.ndarray, masked: np.ndarray, epoch0_ns: int,
                   n_epochs: int, epoch_s: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """z-angle, ENMO, gravity direction, spread of the magnitude and motion of each epoch
    of one sensor.

    Parameters
    ----------
    time_ns : ndarray of int64
        Sample times, ns.
    acc : ndarray, shape (n, 3)
        Acceleration, g.
    masked : ndarray of bool, shape (n,)
        Samples left out of the angle (jerks, artefacts).
    epoch0_ns : int
        Start of the first epoch, ns.
    n_epochs : int
    epoch_s : float
        Epoch length, s.

    Returns
    -------
    angle_deg : ndarray
        z-angle of the mean acceleration of each epoch, degrees (NaN for empty epochs).
    enmo_mg : ndarray
        Mean Euclidean norm minus one (floored at 0), mg (NaN for empty epochs).
    gravity : ndarray, shape (n_epochs, 3)
        Unit vector of the mean acceleration (NaN for empty epochs).
    spread_mg : ndarray
        Standard deviation of the Euclidean norm, mg (NaN for empty epochs): movement,
        which a sensor's calibration offset (tens of mg on consumer sensors, enough to
        lift ENMO while it lies still) does not change.
    motion_mg : ndarray
        Standard deviation of the acceleration vector (the root of the summed variances
        of x, y and z), mg (NaN for empty epochs): any movement in the epoch, rotation
        included, which the norm's spread does not see; masked samples left out.
    """
    # sample times are sorted, so each epoch is one slice of the samples: sums are
    # np.add.reduceat over the slices (:func:`_epoch_sums`), and the masked samples (few)
    # are taken back out of them
    ep_ns = int(round(epoch_s * 1e9))
    edges = np.searchsorted(time_ns, epoch0_ns + np.arange(n_epochs + 1, dtype=np.int64) * ep_ns)
    n = np.diff(edges)
    out_idx = edges[0] + np.flatnonzero(masked[edges[0]:edges[-1]])
    out_ep = np.searchsorted(edges, out_idx, side="right") - 1
    count = n - np.bincount(out_ep, minlength=n_epochs)
    sx, sy, sz, norm_sq, norm, enmo = _epoch_sums(acc, edges)
    sums = [total - np.bincount(out_ep, weights=acc[out_idx, k], minlength=n_epochs)
            for k, total in enumerate((sx, sy, sz))]  # kept
    squares = norm_sq - np.bincount(out_ep, weights=_squared_norm(acc[out_idx]), minlength=n_epochs)  # kept
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my, mz = (np.where(count > 0, s / count, np.nan) for s in sums)
        angle = np.degrees(np.arctan2(mz, np.hypot(mx, my)))
        enmo_mg = 1000 * enmo / n
        spread_mg = 1000 * np.sqrt(np.maximum(norm_sq / n - (norm / n) ** 2, 0.0))
        gravity = np.column_stack([mx, my, mz])
        motion_mg = 1000 * np.sqrt(np.maximum(np.where(count > 0, squares / count, np.nan)
                                              - mx ** 2 - my ** 2 - mz ** 2, 0.0))
        gravity /= np.linalg.norm(gravity, axis=1, keepdims=True)
    return angle, enmo_mg, gravity, spread_mg, motion_mg


#: Samples :func:`epoch_activity` sums at once (whole epochs): 4 MB of float64, an
#: eighth of the raw array of an 8 h night at 100 Hz.
NORM_CHUNK = 1 << 19


def _squared_norm(a: np.ndarray) -> np.ndarray:
    """x^2 + y^2 + z^2 of each row of ``a`` (n, 3), in float64, summed in that order."""
    sq = np.square(a[:, 0], dtype=np.float64)
    sq += np.square(a[:, 1], dtype=np.float64)
    sq += np.square(a[:, 2], dtype=np.float64)
    return sq


def _epoch_sums(acc: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sums over each epoch (samples ``edges[i]:edges[i + 1]``) of x, y and z, the
    squared norm, the norm and the ENMO (norm minus 1 g, floored at 0) of ``acc``, in
    float64 (g, g, g, g^2, g, g; 0 for an empty epoch), shape (6, len(edges) - 1).
    Computed a few whole epochs at a time (:data:`NORM_CHUNK`), so that no float64 copy
    of the night is made."""
    out = np.zeros((6, len(edges) - 1))
    ep = np.flatnonzero(np.diff(edges) > 0)
    size = np.cumsum(np.diff(edges)[ep])
    cuts = np.unique(np.r_[0, np.searchsorted(size, np.arange(NORM_CHUNK, size[-1] if len(size) else 0,
                                                               NORM_CHUNK), side="right"), len(ep)])
    for c0, c1 in zip(cuts[:-1], cuts[1:], strict=True):
        mine = ep[c0:c1]
        a, b = edges[mine[0]], edges[mine[-1] + 1]
        starts = edges[mine] - a
        for k in range(3):
            out[k, mine] = np.add.reduceat(acc[a:b, k], starts, dtype=np.float64)
        sq = _squared_norm(acc[a:b])
        out[3, mine] = np.add.reduceat(sq, starts)
        np.sqrt(sq, out=sq)
        out[4, mine] = np.add.reduceat(sq, starts)
        sq -= 1.0
        np.maximum(sq, 0.0, out=sq)
        out[5, mine] = np.add.reduceat(sq, starts)
        del sq  # before the next chunk's is made
    return out


def upright_reference(gravity: np.ndarray, enmo_mg: np.ndarray, spread_mg: np.ndarray,
                      cfg: DetectionConfig) -> np.ndarray | None:
    """The direction gravity takes in a trunk or leg sensor when its wearer is upright,
    learnt from the recording itself: the mean direction over the epochs of brisk
    activity (walking), if there are enough of them and they agree.

    Parameters
    ----------
    gravity : ndarray, shape (n, 3)
        Unit gravity direction of each epoch of one sensor (:func:`epoch_activity`).
    enmo_mg, spread_mg : ndarray, shape (n,)
        ENMO and standard deviation of the acceleration's norm in each epoch, mg
        (:func:`epoch_activity`): brisk activity has both over ``upright_active_mg``
        (a calibration offset lifts ENMO alone, a rollover in bed the spread alone).
    cfg : DetectionConfig
        ``upright_active_mg``, ``upright_min_active_s`` and ``upright_min_resultant``.

    Returns
    -------
    ndarray of shape (3,) or None
        Unit vector; None when the recording shows too little brisk activity in one
        orientation (a night in bed: its movements are rollovers, in many orientations).
    """
    with np.errstate(invalid="ignore"):
        active = ((enmo_mg >= cfg.upright_active_mg) & (spread_mg >= cfg.upright_active_mg)
                  & np.isfinite(gravity).all(axis=1))
    if active.sum() * cfg.epoch_s < cfg.upright_min_active_s:
        return None
    mean = gravity[active].mean(axis=0)
    r = float(np.linalg.norm(mean))
    return mean / r if r >= cfg.upright_min_resultant else None


def upright_epochs(gravity: np.ndarray, reference: np.ndarray, cfg: DetectionConfig) -> np.ndarray:
    """Epochs in which a trunk or leg sensor is within ``upright_max_deg`` of its upright
    direction (:func:`upright_reference`): the wearer sits or stands, so is not asleep in
    bed (a shank or a trunk lies near horizontal in bed)."""
    with np.errstate(invalid="ignore"):
        return gravity @ reference >= np.cos(np.radians(cfg.upright_max_deg))


def busy_epochs(motion_mg: np.ndarray, quiet_mg: float, step_g: float, cfg: DetectionConfig
                ) -> np.ndarray:
    """Epochs of one sensor in the midst of continuous movement: awake.

    HDCZA reads the angle of 5 s means, which a limb moving to and fro within seconds
    (a phone held in the hand, a restless hand) leaves unchanged; the spread of the
    acceleration inside each epoch sees it. An epoch is busy when the one-minute
    (``awakening_min_s``) rolling median of its motion exceeds ``awake_motion_factor`` x
    the sensor's quiet level, ``awake_motion_mg`` and ``resolution_factor`` steps of its
    resolution, for at least HDCZA's own ``sleep_median_s`` (5 min): most of every
    minute moving for minutes on end, which no movement of sleep (a twitch, a scratch, a
    rollover of a few seconds) and no brief restlessness in bed is.

    Parameters
    ----------
    motion_mg : ndarray, shape (n,)
        Standard deviation of the acceleration vector in each epoch, mg
        (:func:`epoch_activity`; NaN where no data).
    quiet_mg : float
        The sensor's motion when still: the 10th percentile of ``motion_mg`` over the
        recording, mg (its noise, or the breathing a chest strap feels).
    step_g : float
        The sensor's resolution, g (:func:`sensing.recording.resolution_g`).
    cfg : DetectionConfig

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    limit = max(cfg.awake_motion_factor * quiet_mg, cfg.awake_motion_mg,
                1000 * cfg.resolution_factor * step_g)
    minute = max(1, int(round(cfg.awakening_min_s / cfg.epoch_s)))
    with np.errstate(invalid="ignore"):
        busy = rolling_median(motion_mg, minute) > limit
    for a, b in true_runs(busy):
        busy[a:b] = (b - a) * cfg.epoch_s >= cfg.sleep_median_s
    return busy


def off_body(gravity: list[np.ndarray], motion: list[np.ndarray], cfg: DetectionConfig,
             burst: np.ndarray | None = None, brisk: np.ndarray | None = None,
             idle: np.ndarray | None = None) -> np.ndarray:
    """Epochs of one run of epochs in which no sensor was worn (``off_body_edge_s``): a
    motionless stretch of every sensor with data, with no burst of a limb's own, at least
    ``off_body_edge_s`` long and beginning or ending the run, or beginning after brisk
    activity (within ``off_body_grace_s``: set down), or ``off_body_s`` long anywhere;
    ``off_body_idle_s`` long wherever a device declared most of it still. Worn, a limb or
    a trunk never lies that still for that long: breathing, twitches and turns move it.

    Parameters
    ----------
    gravity : list of ndarray, shape (n_epochs, 3)
        Per sensor, the unit vector of each epoch's mean acceleration (NaN: no data).
    motion : list of ndarray, shape (n_epochs,)
        Per sensor, each epoch's spread of the acceleration vector, mg (NaN: no data).
    cfg : DetectionConfig
    burst : ndarray of bool, shape (n_epochs,), optional
        Epochs with a candidate of any sensor that is not an artefact (a jerk, a
        movement: a knock on a table is an artefact), whose samples the epochs' motion
        leaves out.
    brisk : ndarray of bool, shape (n_epochs,), optional
        Epochs of brisk activity on any sensor (walking: ``upright_active_mg``).
    idle : ndarray of bool, shape (n_epochs,), optional
        Epochs a device declared still, writing nothing (an ActiGraph's idle sleep:
        :attr:`sensing.recording.Recording.still_spans`).
    """
    n = len(motion[0])
    still = np.ones(n, bool) if burst is None else ~burst  # an epoch without data does not break it
    for g, m in zip(gravity, motion, strict=True):
        has = np.isfinite(m)
        if not has.any():
            continue
        quiet = float(np.percentile(m[has], 10))
        last = np.maximum.accumulate(np.where(has, np.arange(n), 0))  # the last epoch with data
        cos = np.einsum("ij,ij->i", g, g[np.r_[0, last[:-1]]])  # against the one before
        with np.errstate(invalid="ignore"):
            turned = cos < np.cos(np.radians(cfg.off_body_turn_deg))
            moved = m > 2 * quiet + 1.0
        still &= ~(moved | turned)
    out = np.zeros(n, bool)
    ep, grace = cfg.epoch_s, int(cfg.off_body_grace_s / cfg.epoch_s)
    brisk = np.zeros(n, bool) if brisk is None else brisk
    idle = np.zeros(n, bool) if idle is None else idle
    for a, b in true_runs(still):
        edge = a <= grace or b >= n - grace or brisk[max(0, a - grace):a].any()
        wait = (cfg.off_body_idle_s if idle[a:b].mean() > 0.5
                else cfg.off_body_edge_s if edge else cfg.off_body_s)
        if (b - a) * ep >= wait:
            out[a:b] = True
    return out


def _close(mask: np.ndarray, gap: int) -> np.ndarray:
    """``mask`` with its False stretches shorter than ``gap`` inside True ones filled."""
    out = mask.copy()
    runs = true_runs(mask)
    for (_, b), (c, _) in zip(runs[:-1], runs[1:], strict=True):
        if c - b < gap:
            out[b:c] = True
    return out


def _change_point(moving: np.ndarray, lo: int, hi: int, merge: int, window: int) -> int:
    """Epoch in ``[lo, hi)`` where the rate of movement bouts drops: the end of the bout
    (or ``lo``) with the largest likelihood-ratio statistic of two Poisson rates, higher
    in the ``window`` epochs before it (from ``lo`` at most) than in the ``window``
    after it, against one rate over both. Moving epochs less than ``merge`` apart are
    one bout. ``lo`` if no drop explains the bouts better than one rate. When ``lo`` is
    the first epoch of the data, a bout ending less than ``merge`` after it is not a
    candidate: its rate rests on a bout the recording's start cut (putting the sensor on)."""
    end = min(len(moving), hi + window)
    bouts = true_runs(_close(moving[lo:end], merge))
    starts = np.array([lo + a for a, _ in bouts], float)
    best, where = 0.0, lo
    for c in [lo, *(lo + b for _, b in bouts if lo + b < hi and (b >= merge or lo > 0))]:
        t1, t2 = min(window, c - lo), min(window, end - c)
        n1 = float(((starts >= c - t1) & (starts < c)).sum())
        n2 = float(((starts >= c) & (starts < c + t2)).sum())
        if t2 <= 0 or (t1 > 0 and n2 / t2 >= n1 / t1) or t1 == 0:
            continue
        gain = sum(n * np.log(n / t) for n, t in ((n1, t1), (n2, t2)) if n > 0)
        gain -= (n1 + n2) * np.log((n1 + n2) / (t1 + t2)) if n1 + n2 else 0.0
        if gain > best:
            best, where = gain, c
    return where


def long_bouts(start_ns: np.ndarray, end_ns: np.ndarray, min_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Bouts of movement at least ``min_s`` long: movements (any sensor, ``start_ns`` and
    ``end_ns`` in ns) less than :data:`MOVEMENT_PARTS_S` apart are one bout.

    Returns
    -------
    start, end : ndarray of int64
        First and last ns of each such bout.
    """
    if len(start_ns) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(start_ns, kind="stable")
    a, b = start_ns[order], np.maximum.accumulate(end_ns[order])
    first = np.r_[True, a[1:] - b[:-1] > MOVEMENT_PARTS_S * 1e9]
    k = np.flatnonzero(first)
    bs, be = a[k], b[np.r_[k[1:] - 1, len(a) - 1]]
    keep = be - bs >= min_s * 1e9
    return bs[keep], be[keep]


def _calm_onset(roll_aw: np.ndarray, lo: int, hi: int, level: float, need: int) -> int:
    """Start of the first ``need`` epochs in ``[lo, hi)`` whose one-minute rolling median
    angle change stays below ``level`` (``lo`` if there is none)."""
    runs = [a for a, b in true_runs(roll_aw[lo:hi] < level) if b - a >= need]
    return lo + runs[0] if runs else lo


def one_night_a_day(periods: list[SleepWindow], cfg: DetectionConfig) -> list[SleepWindow]:
    """``periods`` (in time order) with each night whose onset lies within
    ``min_night_spacing_s`` of a longer night's onset made a nap (one main sleep a day)."""
    nights = sorted((i for i, p in enumerate(periods) if p.kind == "night"),
                    key=lambda i: -periods[i].period_s)
    onset_s = [np.nan if p.onset is None else p.onset.value / 1e9 for p in periods]
    kept: list[int] = []
    out = list(periods)
    for i in nights:
        if any(abs(onset_s[i] - onset_s[k]) < cfg.min_night_spacing_s for k in kept):
            out[i] = replace(periods[i], kind="nap")
        else:
            kept.append(i)
    return out


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each stretch of True in a boolean array."""
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median over ``window`` epochs (NaN ignored; shrinks at the edges)."""
    return pd.Series(x).rolling(window, center=True, min_periods=1).median().to_numpy()


def sleep_threshold(rolls: list[np.ndarray], cfg: DetectionConfig,
                    floor_deg: float = 0.0) -> float:
    """HDCZA threshold on the rolling angle change, degrees: ``sleep_threshold_factor`` x
    the ``sleep_percentile`` of the rolling medians of every run, within
    ``sleep_threshold_deg``, whose lower bound is raised to ``floor_deg`` (the angle a
    coarse sensor's resolution alone produces)."""
    allr = np.concatenate(rolls) if rolls else np.zeros(0)
    if not np.isfinite(allr).any():
        return float("nan")
    lo, hi = cfg.sleep_threshold_deg
    lo = max(lo, floor_deg)
    return float(np.clip(cfg.sleep_threshold_factor * np.nanpercentile(allr, cfg.sleep_percentile),
                         lo, max(hi, lo)))


def sleep_periods(epoch_start: pd.DatetimeIndex, angle_change: np.ndarray, moving: np.ndarray,
                  thr: float, cfg: DetectionConfig, long_moving: np.ndarray | None = None,
                  awake: np.ndarray | None = None, lasting: np.ndarray | None = None
                  ) -> tuple[list[SleepWindow], np.ndarray]:
    """Sleep periods of one run of epochs: nights, naps, their onsets and awakenings.

    * **Still blocks** (HDCZA): the ``sleep_median_s`` rolling median of the angle change
      below ``thr`` for at least ``min_sleep_block_s``.
    * **Periods**: blocks less than ``max_sleep_gap_s`` apart are one period (the
      stretch between them is an awakening); a period of at least ``min_night_s`` is a
      ``night``, a shorter one a ``nap`` (the longest period of a run with no night is
      its night). But a period's first block is a period of its own when the stretch
      after it is longer than it and holds ``evening_busy_s`` of continuous movement
      (``awake``): an evening's rest on the sofa, then up and about, then bed.
    * **Sleep onset**: HDCZA's rolling median is blind to the sparse movements of quiet
      wake (lying still awake looks asleep), so the onset is refined with two signs of
      sleep, and is the later of the two: (1) discrete movements (``moving``: movement
      or rhythmic candidates of any sensor, bouts less than ``awakening_min_s`` apart)
      become rarer: the change point of their rate between the ``onset_rate_window_s``
      before and after it, searched from ``onset_search_before_s`` before the block to
      ``onset_refine_s`` after its start;
      (2) the limbs become stiller: the start of the first ``onset_still_s`` after the
      block's start whose one-minute rolling median angle change stays below
      ``onset_refine_factor`` x the period's median change (at least a tenth of
      ``thr``).
      (3) the sleep lasts: an awakening (below) that begins less than ``onset_still_s``
      after the onset says the sleeper was still falling asleep, and the onset moves to
      its end, as many times as that holds (scorers likewise take an onset that lasts:
      the first N2, or several epochs of N1, not a lone epoch of drowsiness). Lights
      out stays where the onset of (1)-(2) puts it: what lies between is falling
      asleep.
    * **Awakenings**: inside a period, bouts of movement (movements less than twice
      ``awakening_min_s`` apart) that last at least ``awakening_min_s`` or hold two
      distinct movements (more than :data:`MOVEMENT_PARTS_S` apart: a single
      rollover in sleep is not an awakening), a one-minute rolling median at or above
      ``thr`` for ``awakening_min_s``, and every stretch between joined blocks; and,
      however brief, every bout of movement of at least ``awakening_move_s``
      (``long_moving``: the movements of sleep are briefer) and every bout holding two
      distinct movements of at least 0.5 s (``lasting``: a turn and a reposition,
      sitting half up and lying back; a rollover of sleep is one movement, and its
      landing, a twitch or a jerk is briefer).
    * **Lights out** (rest onset): the end of the last minute before the onset of
      (1)-(2) whose one-minute rolling median exceeds ``lights_out_factor`` x ``thr`` (clearly active), no
      earlier than the previous period's wake and ``max_rest_s`` before that onset.

    Parameters
    ----------
    epoch_start : DatetimeIndex
        UTC start of each epoch (one run: consecutive epochs).
    angle_change : ndarray, shape (n_epochs,)
        Largest absolute z-angle change since the previous epoch over the sensors,
        degrees (NaN where unknown).
    moving : ndarray of bool, shape (n_epochs,)
        Epochs with a movement of any sensor (not a jerk, a knock or a PLM).
    thr : float
        HDCZA threshold, degrees (:func:`sleep_threshold`).
    cfg : DetectionConfig
    long_moving : ndarray of bool, shape (n_epochs,), optional
        Epochs of a bout of movement of at least ``awakening_move_s`` (:func:`long_bouts`);
        none if not given.
    awake : ndarray of bool, shape (n_epochs,), optional
        Epochs known to be awake whatever the angle says (:func:`busy_epochs`): never
        still or calm, part of an awakening inside a period; none if not given. Lights
        out stays the angle's: a sleep start just before picking up a phone is one.
    lasting : ndarray of bool, shape (n_epochs,), optional
        Epochs with a movement of any sensor of at least the AASM's shortest limb
        movement (``plm_duration_s[0]``, 0.5 s); none if not given.

    Returns
    -------
    periods : list of SleepWindow
        In time order.
    asleep : ndarray of bool
        Whether each epoch is asleep (inside a period, outside awakenings).
    """
    n = len(angle_change)
    asleep = np.zeros(n, bool)
    if n == 0 or not np.isfinite(thr) or np.isnan(angle_change).all():
        return [], asleep
    ep = cfg.epoch_s
    awake = np.zeros(n, bool) if awake is None else awake
    roll = rolling_median(angle_change, int(round(cfg.sleep_median_s / ep)))
    still = (roll < thr) & ~awake  # NaN (no data) counts as not still
    blocks = [[a, b] for a, b in true_runs(still) if (b - a) * ep >= cfg.min_sleep_block_s]
    groups: list[list[list[int]]] = []
    for blk in blocks:
        if not groups:
            groups.append([blk])
            continue
        last = groups[-1][-1]
        gap = blk[0] - last[1]
        # a lone still spell before a longer time up and busy is an evening's rest, not bedtime
        evening = (len(groups[-1]) == 1 and gap > last[1] - last[0]
                   and awake[last[1]:blk[0]].sum() * ep >= cfg.evening_busy_s)
        if gap * ep < cfg.max_sleep_gap_s and not evening:
            groups[-1].append(blk)
        else:
            groups.append([blk])
    roll_move = rolling_median(angle_change, max(1, int(round(cfg.awakening_min_s / ep))))
    roll_aw = np.where(awake, np.inf, roll_move)  # awake epochs are never calm, always active
    step = pd.Timedelta(seconds=ep)
    periods, prev_wake = [], 0
    for grp in groups:
        a0, a1 = grp[0][0], grp[-1][1]
        lo = max(prev_wake, a0 - int(round(cfg.onset_search_before_s / ep)))
        hi = min(a1, a0 + int(round(cfg.onset_refine_s / ep)))
        level = max(cfg.onset_refine_factor * float(np.nanmedian(angle_change[a0:a1])), cfg.onset_floor_factor * thr)
        onset = max(_change_point(moving, lo, hi, int(round(cfg.awakening_min_s / ep)),
                                  int(round(cfg.onset_rate_window_s / ep))),
                    _calm_onset(roll_aw, a0, hi, level, int(round(cfg.onset_still_s / ep))))
        active = np.zeros(n, bool)
        active[onset:a1] = roll_aw[onset:a1] >= thr
        gap = int(round(cfg.awakening_min_s / ep))
        parts = _close(moving[onset:a1], int(round(MOVEMENT_PARTS_S / ep)))  # one movement each
        for b0, b1 in true_runs(_close(parts, 2 * gap)):
            if b1 - b0 >= gap or len(true_runs(parts[b0:b1])) >= 2:
                active[onset + b0:onset + b1] = True
        distinct = np.zeros(n, bool)
        if lasting is not None:
            parts = _close(lasting[onset:a1], int(round(MOVEMENT_PARTS_S / ep)))
            for b0, b1 in true_runs(_close(parts, 2 * gap)):
                if len(true_runs(parts[b0:b1])) >= 2:
                    active[onset + b0:onset + b1] = distinct[onset + b0:onset + b1] = True
        for (_, b), (c, _) in zip(grp[:-1], grp[1:], strict=True):  # between joined blocks
            active[max(b, onset):max(c, onset)] = True  # (after the onset: before it is wake)
        long = np.zeros(n, bool) if long_moving is None else long_moving
        active[onset:a1] |= long[onset:a1]
        aw = [(b0, b1) for b0, b1 in true_runs(active)
              if ((b1 - b0) * ep >= cfg.awakening_min_s or long[b0:b1].any()
                  or distinct[b0:b1].any()) and b1 < a1]
        # sleep that an awakening ends within onset_still_s was still falling asleep
        calm, settle = onset, int(round(cfg.onset_still_s / ep))
        while aw and aw[0][0] - onset < settle:
            onset = aw.pop(0)[1]
        asleep[onset:a1] = True
        for b0, b1 in aw:
            asleep[b0:b1] = False
        bound = calm - int(round(cfg.max_rest_s / ep))
        first = max(prev_wake, bound)
        busy = first + np.flatnonzero(roll_move[first:calm] >= cfg.lights_out_factor * thr)
        lights = busy[-1] + 1 if len(busy) else first
        seen = bool(len(busy)) or first > bound  # else still for all max_rest_s: not a measurement
        wake = epoch_start[a1] if a1 < n else epoch_start[-1] + step
        kind = "night" if (a1 - onset) * ep >= cfg.min_night_s else "nap"
        periods.append(SleepWindow(
            lights_out=epoch_start[lights], onset=epoch_start[onset], wake=wake,
            awakenings=[(epoch_start[b0], epoch_start[b1 - 1] + step) for b0, b1 in aw],
            threshold_deg=thr, kind=kind, lights_out_seen=seen))
        prev_wake = a1
    if periods and all(p.kind == "nap" for p in periods):
        k = max(range(len(periods)), key=lambda i: periods[i].period_s)
        periods[k] = replace(periods[k], kind="night")
    return periods, asleep
