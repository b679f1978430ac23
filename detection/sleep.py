"""Sleep onset, sleep period and brief awakenings from the accelerometer alone.

The method is van Hees et al.'s HDCZA (2018) on the z-angle of 5 s epochs: the arm (or
leg, or trunk) angle barely changes while asleep. Its onset is then refined against the
night's own still level (see :func:`sleep_window`). Detected jerks and artefacts are masked
out of the epoch means, so the movements we look for do not wake the sleeper up in the
algorithm. With several sensors the night is awake whenever any sensor moves (the
largest rolling angle change across sensors is thresholded).

References
----------
van Hees VT et al. (2015) A novel, open access method to assess sleep duration using a
wrist-worn accelerometer. PLoS One 10:e0142533.
van Hees VT et al. (2018) Estimating sleep parameters using an accelerometer without
sleep diary. Sci Rep 8:12975.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from detection.config import DetectionConfig


@dataclass(frozen=True)
class SleepWindow:
    """The night's sleep as seen by the accelerometer.

    Attributes
    ----------
    lights_out : Timestamp or None
        End of the last clearly active minute before sleep onset (UTC); a heuristic.
    onset, wake : Timestamp or None
        Start and end of the sleep period (UTC); None if no sleep was found.
    awakenings : list of (Timestamp, Timestamp)
        Brief awakenings inside the sleep period.
    threshold_deg : float
        HDCZA threshold on the rolling z-angle change, degrees.
    """

    lights_out: pd.Timestamp | None = None
    onset: pd.Timestamp | None = None
    wake: pd.Timestamp | None = None
    awakenings: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    threshold_deg: float = float("nan")

    @property
    def latency_s(self) -> float:
        """Sleep-onset latency from lights out, s (NaN if either is unknown)."""
        if self.onset is None or self.lights_out is None:
            return float("nan")
        return (self.onset - self.lights_out).total_seconds()

    @property
    def period_s(self) -> float:
        """Length of the sleep period, s (NaN if unknown)."""
        if self.onset is None or self.wake is None:
            return float("nan")
        return (self.wake - self.onset).total_seconds()

    def to_dict(self) -> dict:
        """JSON-ready dict with ISO-8601 UTC times."""
        def iso(t):
            return None if t is None else t.isoformat().replace("+00:00", "Z")

        return dict(lights_out=iso(self.lights_out), onset=iso(self.onset), wake=iso(self.wake),
                    awakenings=[[iso(a), iso(b)] for a, b in self.awakenings],
                    latency_s=None if np.isnan(self.latency_s) else self.latency_s,
                    period_s=None if np.isnan(self.period_s) else self.period_s,
                    threshold_deg=self.threshold_deg)


def epoch_activity(time_ns: np.ndarray, acc: np.ndarray, masked: np.ndarray, epoch0_ns: int,
                   n_epochs: int, epoch_s: float) -> tuple[np.ndarray, np.ndarray]:
    """z-angle and ENMO of each epoch of one sensor.

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
    """
    # memory: no boolean-indexed or float64 copies of ``acc``; masked samples weigh 0 and
    # samples outside the epochs go to a spill bin (dropped), so the per-sample temporaries
    # are one int64 epoch index and one float64 weight at a time
    ep = time_ns - epoch0_ns
    ep //= int(round(epoch_s * 1e9))
    ep[(ep < 0) | (ep >= n_epochs)] = n_epochs
    bins = n_epochs + 1

    def total(weights=None) -> np.ndarray:
        return np.bincount(ep, weights=weights, minlength=bins)[:n_epochs]

    count = total(~masked)
    sums = [total(np.where(masked, 0.0, acc[:, k])) for k in range(3)]
    sq = np.square(acc[:, 0], dtype=np.float64)  # ENMO in float64, summed x, y, z in order
    sq += np.square(acc[:, 1], dtype=np.float64)
    sq += np.square(acc[:, 2], dtype=np.float64)
    np.sqrt(sq, out=sq)
    sq -= 1.0
    np.maximum(sq, 0.0, out=sq)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my, mz = (s / count for s in sums)
        angle = np.degrees(np.arctan2(mz, np.hypot(mx, my)))
        enmo_mg = 1000 * total(sq) / total()
    return angle, enmo_mg


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def sleep_window(epoch_start: pd.DatetimeIndex, angle_change: np.ndarray,
                 cfg: DetectionConfig) -> tuple[SleepWindow, np.ndarray]:
    """HDCZA sleep period and brief awakenings from the epochs' z-angle change.

    HDCZA: the 5 min rolling median of the change below ``sleep_threshold_factor`` x its
    ``sleep_percentile`` (bounded to ``sleep_threshold_deg``) for at least
    ``min_sleep_block_s``, blocks less than ``max_sleep_gap_s`` apart joined, the longest
    kept. Onset refinement: the onset moves to the start of the first ``onset_still_s``
    (within ``onset_refine_s`` after it) whose one-minute rolling median change stays
    below ``onset_refine_factor`` x the median change inside the sleep period.

    Parameters
    ----------
    epoch_start : DatetimeIndex
        UTC start of each epoch.
    angle_change : ndarray, shape (n_epochs,)
        Largest absolute z-angle change since the previous epoch over the sensors,
        degrees (NaN where unknown).
    cfg : DetectionConfig

    Returns
    -------
    window : SleepWindow
    asleep : ndarray of bool
        Whether each epoch is asleep (inside the sleep period, outside awakenings).
    """
    n = len(angle_change)
    asleep = np.zeros(n, bool)
    if n == 0 or np.isnan(angle_change).all():
        return SleepWindow(), asleep
    per = int(round(cfg.sleep_median_s / cfg.epoch_s))
    roll = pd.Series(angle_change).rolling(per, center=True, min_periods=1).median().to_numpy()
    lo, hi = cfg.sleep_threshold_deg
    thr = float(np.clip(cfg.sleep_threshold_factor * np.nanpercentile(roll, cfg.sleep_percentile), lo, hi))
    still = roll < thr  # NaN (no data) counts as not still
    blocks = [(a, b) for a, b in _runs(still) if (b - a) * cfg.epoch_s >= cfg.min_sleep_block_s]
    if not blocks:
        return SleepWindow(threshold_deg=thr), asleep
    merged = [list(blocks[0])]
    for a, b in blocks[1:]:
        if (a - merged[-1][1]) * cfg.epoch_s < cfg.max_sleep_gap_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    a0, a1 = max(merged, key=lambda ab: ab[1] - ab[0])
    per_aw = max(1, int(round(cfg.awakening_min_s / cfg.epoch_s)))
    roll_aw = pd.Series(angle_change).rolling(per_aw, center=True, min_periods=1).median().to_numpy()
    # onset refinement: HDCZA's threshold is loose at sleep onset (lying still awake looks
    # asleep), so onset moves to the start of the first onset_still_s of stillness (a minute
    # rolling median below onset_refine_factor x this night's median change asleep) within
    # onset_refine_s after HDCZA's onset
    level = float(np.nanmedian(angle_change[a0:a1]))
    stop = min(a1, a0 + int(round(cfg.onset_refine_s / cfg.epoch_s)))
    calm = roll_aw[a0:stop] < cfg.onset_refine_factor * level
    need = int(round(cfg.onset_still_s / cfg.epoch_s))
    runs = [r0 for r0, r1 in _runs(calm) if r1 - r0 >= need]
    if runs:
        a0 += runs[0]
    # brief awakenings: a minute-scale rolling median above the threshold inside the period
    active = np.zeros(n, bool)
    active[a0:a1] = roll_aw[a0:a1] >= thr
    awakenings = [(b0, b1) for b0, b1 in _runs(active) if (b1 - b0) * cfg.epoch_s >= cfg.awakening_min_s]
    asleep[a0:a1] = True
    for b0, b1 in awakenings:
        asleep[b0:b1] = False
    # lights out: end of the last clearly active minute before onset
    busy = np.flatnonzero(roll_aw[:a0] >= 10 * thr)
    lights = epoch_start[busy[-1] + 1] if len(busy) else epoch_start[0]
    step = pd.Timedelta(seconds=cfg.epoch_s)
    wake = epoch_start[a1] if a1 < n else epoch_start[-1] + step
    window = SleepWindow(
        lights_out=lights, onset=epoch_start[a0], wake=wake,
        awakenings=[(epoch_start[b0], epoch_start[b1 - 1] + step) for b0, b1 in awakenings],
        threshold_deg=thr)
    return window, asleep
