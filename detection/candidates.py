"""Per-sensor candidates: brief high-acceleration bursts and what each one is.

:func:`scan` turns a gap-free run of samples into a table of candidates with their
features and kind; batch detection calls it once per gap-free segment, which it scans in
windows of :data:`SCAN_CHUNK_S` split at quiet points. The streaming detector runs the
same steps (:func:`highpass`, :func:`block_stats`, :func:`block_floors`, :func:`find`,
:func:`quiet_end`) on its buffer. Everything a candidate depends on
lies within a bounded window around it (the causal noise floor, the centred high-pass
and the context windows), which is what makes streaming and batch give the same events.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from detection.config import DetectionConfig
from sensing.body import LOCATIONS

#: Columns of the per-sensor candidate table (before night-level columns are added).
CANDIDATE_COLUMNS = {
    "start_ns": "int64", "end_ns": "int64", "duration_s": "float64", "peak_g": "float64",
    "peak_jerk_g_s": "float64", "freq_hz": "float64", "axis": "object", "score": "float64", "kind": "object",
    "rejected_reason": "object", "clipped": "bool", "width_samples": "float64", "floor_g": "float64",
    "energy_s": "float64", "slow_ratio": "float64", "pre_dev_g": "float64", "post_dev_g": "float64",
    "pre_move_g": "float64", "rhythm_corr": "float64", "held_s": "float64",
    "late_dev_g": "float64", "vertical_share": "float64", "turn_deg": "float64",
}


@dataclass(frozen=True)
class Samples:
    """Sample counts derived from a config at one rate (the only place seconds become samples)."""

    hp: int
    block: int
    floor_blocks: int
    merge: int
    ctx: int
    gap: int
    cap: int
    lag: int
    move_merge: int
    min_move: int
    max_move: int
    turn: int
    settle: int
    sway: int

    @classmethod
    def of(cls, cfg: DetectionConfig, fs: float) -> Samples:
        def n(s: float) -> int:
            return max(1, round(s * fs))

        return cls(hp=n(cfg.highpass_window_s) | 1, block=n(cfg.block_s),
                   floor_blocks=max(1, round(cfg.floor_window_s / cfg.block_s)),
                   merge=n(cfg.merge_gap_s), ctx=n(cfg.context_s), gap=n(cfg.context_gap_s),
                   cap=n(cfg.max_candidate_s), lag=n(cfg.slow_lag_s), move_merge=n(cfg.move_merge_s),
                   min_move=n(cfg.plm_duration_s[0]), max_move=n(cfg.plm_duration_s[1]),
                   turn=n(cfg.turn_s), settle=n(cfg.settle_s), sway=n(cfg.sway_s))

    @property
    def half(self) -> int:
        """Half-width of the high-pass window: samples each side an output depends on."""
        return self.hp // 2

    @property
    def lookahead(self) -> int:
        """Samples after a candidate's last sample that its kind depends on."""
        return max(self.merge + 1, self.move_merge + 1,
                   self.gap + self.ctx + self.settle + self.hp) + self.half

    @property
    def lookback(self) -> int:
        """Samples before a candidate's first sample that it depends on."""
        return max(self.gap + self.ctx + self.hp, self.merge + 1, self.move_merge + 1,
                   self.turn + self.gap, self.sway + self.gap) + self.half + self.lag


def for_resolution(cfg: DetectionConfig, res_g: float) -> DetectionConfig:
    """``cfg`` with its absolute floors raised above a coarse sensor's steps: a movement
    (``min_move_g``), a candidate's extent (``min_extent_g``) and its peak (``min_peak_g``,
    twice that) must exceed ``resolution_factor`` steps of ``res_g`` g."""
    floor = cfg.resolution_factor * res_g
    return replace(cfg, min_move_g=max(cfg.min_move_g, floor),
                   min_extent_g=max(cfg.min_extent_g, floor),
                   min_peak_g=max(cfg.min_peak_g, 2 * floor))


def for_location(cfg: DetectionConfig, location: str) -> DetectionConfig:
    """``cfg`` for a sensor worn at ``location`` (a key of :data:`sensing.body.LOCATIONS`):
    on the trunk ``min_peak_g`` is ``trunk_peak_factor`` of the limbs'."""
    if LOCATIONS.get(location) != "trunk":
        return cfg
    return replace(cfg, min_peak_g=cfg.trunk_peak_factor * cfg.min_peak_g)


def moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean along the last axis over ``width`` samples (odd); the window
    shrinks at the edges.

    Parameters
    ----------
    x : ndarray, shape (k, n)
    width : int

    Returns
    -------
    ndarray of float64, shape (k, n)
    """
    n, h = x.shape[-1], width // 2
    c = np.empty((x.shape[0], n + 1))
    c[:, 0] = 0.0
    for row, out_row in zip(x, c[:, 1:], strict=True):  # row by row: twice as fast when strided
        np.cumsum(row, dtype=np.float64, out=out_row)
    out = np.empty((x.shape[0], n))
    if n > 2 * h:
        np.subtract(c[:, width:], c[:, :n + 1 - width], out=out[:, h:n - h])
        out[:, h:n - h] /= width
    i = np.r_[np.arange(min(h, n)), np.arange(max(n - h, min(h, n)), n)]
    lo, hi = np.maximum(i - h, 0), np.minimum(i + h + 1, n)
    out[:, i] = (c[:, hi] - c[:, lo]) / (hi - lo)
    return out


def highpass(acc: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Low-passed and high-passed acceleration, shape (3, n), and the high-passed
    magnitude, shape (n,), all in g, from ``acc`` of shape (n, 3)."""
    lp = moving_mean(acc.T, width)
    hp = acc.T - lp
    mag = np.einsum("ij,ij->j", hp, hp)
    return lp, hp, np.sqrt(mag, out=mag)


def row_medians(x: np.ndarray) -> np.ndarray:
    """``np.median(x, axis=1)`` of a NaN-free 2-D array, to the bit, in about half the
    time: one partition, the lower middle of an even row being the largest value below
    the upper one."""
    h = x.shape[1] // 2
    p = np.partition(x, h, axis=1)
    upper = p[:, h]
    return upper if x.shape[1] % 2 else (p[:, :h].max(axis=1) + upper) / 2


def _nan_row_medians(x: np.ndarray) -> np.ndarray:
    """``np.nanmedian(x, axis=1)`` of rows with at least one number, in one sort (numpy's
    own goes row by row through masked arrays for small rows: thousands of short
    segments, each starting its floor afresh, made it most of detection's time)."""
    srt = np.sort(x, axis=1)  # NaN sorts last
    c = (~np.isnan(x)).sum(axis=1)
    rows = np.arange(len(x))
    return (srt[rows, (c - 1) // 2] + srt[rows, c // 2]) / 2


def block_stats(mag: np.ndarray, block: int) -> np.ndarray:
    """Median of ``mag`` in each complete block of ``block`` samples (the last partial
    block too when there is no complete one)."""
    nb = len(mag) // block
    if nb == 0:
        return np.array([np.median(mag)]) if len(mag) else np.zeros(0)
    return row_medians(mag[: nb * block].reshape(nb, block))


def block_floors(stats: np.ndarray, first: int, k0: int, k1: int, window: int) -> np.ndarray:
    """Causal noise floor of blocks ``k0 .. k1-1``: the median of the ``window`` block
    medians before each block (block 0, having none, uses its own).

    Parameters
    ----------
    stats : ndarray
        Block medians of blocks ``first, first+1, ...`` (must cover ``k0 - window``, or
        start at block 0, up to ``k1 - 2``; block 0 when ``k0 == 0``).
    first : int
        Block index of ``stats[0]``.
    k0, k1 : int
        Range of blocks wanted.
    window : int
    """
    k = np.arange(k0, k1)
    padded = np.r_[np.full(window, np.nan), stats]  # padded[j + window] = stats[j]
    idx = (k - first)[:, None] + np.arange(window)[None, :]  # stats[k-first-window .. k-first-1]
    idx = np.clip(idx, 0, len(padded) - 1)
    with np.errstate(all="ignore"):
        win = padded[idx]
    out = np.empty(len(k))
    prev = k > 0
    whole = k - first >= window  # a full window of medians: no NaN (much faster)
    if whole.any():
        out[whole] = row_medians(win[whole])
    if (prev & ~whole).any():
        out[prev & ~whole] = _nan_row_medians(win[prev & ~whole])
    if (~prev).any():
        out[~prev] = stats[0 - first]
    return out


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of the runs of True of a boolean array."""
    edges = np.flatnonzero(mask[1:] != mask[:-1]) + 1  # where a run starts or ends
    if len(mask) and mask[0]:
        edges = np.r_[0, edges]
    if len(mask) and mask[-1]:
        edges = np.r_[edges, len(mask)]
    return edges[0::2], edges[1::2]


def covered(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which of ``n`` samples lie in any of the ranges [a, b) (clipped to 0 .. n), as a
    boolean array; the ranges may overlap or be empty (``b <= a``)."""
    a = np.clip(a, 0, n)
    b = np.clip(b, 0, n)
    keep = b > a
    order = np.argsort(a[keep], kind="stable")
    a, b = a[keep][order], b[keep][order]
    reach = np.maximum.accumulate(b) if len(b) else b  # the furthest end so far
    first = np.r_[True, a[1:] > reach[:-1]] if len(a) else np.zeros(0, bool)  # starts a merged range
    last = np.r_[first[1:], True] if len(a) else first
    # the merged ranges' edges, then runs of False and True between them (no per-sample
    # counts: a night's mask costs its n bytes alone)
    edges = np.r_[0, np.column_stack([a[first], reach[last]]).ravel(), n]
    return np.repeat(np.arange(len(edges) - 1) % 2 == 1, np.diff(edges))


def regions(over_low: np.ndarray, over_high: np.ndarray, merge: int,
            cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Hysteresis regions: runs of ``over_low`` (merged over gaps shorter than ``merge``
    samples, cut every ``cap`` samples) that hold a sample of ``over_high`` (boolean
    arrays: a signal over its low and its high level, sample by sample).

    Returns
    -------
    start, end : ndarray of int
        Sample index of each region's first sample and one past its last.
    """
    s, e = _runs(over_low)
    if len(s) == 0:
        return s, e
    new = np.r_[True, (s[1:] - e[:-1]) > merge]
    s, e = s[new], np.r_[e[:-1][new[1:]], e[-1]]
    n_pieces = (e - s + cap - 1) // cap
    if (n_pieces > 1).any():
        rep = np.repeat(np.arange(len(s)), n_pieces)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
        s, e = s[rep] + k * cap, np.minimum(s[rep] + (k + 1) * cap, e[rep])
    strong = np.r_[over_high, False]
    idx = np.empty(2 * len(s), np.int64)
    idx[0::2], idx[1::2] = s, e
    hit = np.logical_or.reduceat(strong, idx)[0::2]
    return s[hit], e[hit]


AXES = np.array(["x", "y", "z"])
#: ``rejected_reason`` of slow movements (found by :func:`slow_regions`).
SLOW_REASON = "slow movement or tilt"
#: ``rejected_reason`` of a burst faster than a limb moves (``impact_min_hz``).
IMPACT_REASON = "faster than a limb moves (an impact)"
#: ``rejected_reason`` of a burst straight along gravity that did not turn its sensor
#: (``bounce_vertical_share``, ``bounce_turn_deg``).
BOUNCE_REASON = "straight up and down, the sensor not turned (the bed moved: a partner, a pet, a knock)"
#: ``rejected_reason`` of a single-sample spike out of rest (one amid movement adds why),
#: which another sensor's jerk at the same moment can make a jerk
#: (:func:`detection.rules.rescue_spikes`).
SPIKE_REASON = "single-sample spike"

#: ``rejected_reason`` of a jerk-shaped burst part of which was lost with a radio packet
#: (its shape is not known; see :func:`bridge`).
LOST_REASON = "part of it lost on the radio"
#: ``rejected_reason`` of a burst that starts too soon after the start of a gap-free piece
#: (the recording's start, a gap of more than ``bridge_gap_s``, a device's idle sleep) for
#: the seconds before it to show whether the limb was at rest.
UNSEEN_REASON = "too soon after a gap to see what came before it"


def bridge(t_prev: np.ndarray, a_prev: np.ndarray, t_next: np.ndarray, a_next: np.ndarray,
           fs: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples laid over short gaps (lost radio packets) so that the scan reads across
    them: times at the nominal period (evenly spread between the samples either side) and
    the acceleration linear between them. They only carry the filters, the noise floor
    and the context over a gap: a candidate that holds any of them is not a jerk
    (:data:`LOST_REASON`), and the recording keeps its gaps. All gaps at once.

    Parameters
    ----------
    t_prev, t_next : ndarray of int64, shape (k,)
        Times of the real samples before and after each gap, ns.
    a_prev, a_next : ndarray, shape (k, 3)
        Their acceleration, g.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    time_ns : ndarray of int64, shape (m,)
    acc : ndarray of float32, shape (m, 3)
        The samples of every gap, gap after gap.
    count : ndarray of int64, shape (k,)
        How many of them each gap got.
    """
    t_prev, t_next = np.asarray(t_prev, np.int64), np.asarray(t_next, np.int64)
    span = t_next - t_prev
    count = np.maximum(np.round(span * fs / 1e9).astype(np.int64) - 1, 0)
    gap = np.repeat(np.arange(len(count)), count)
    k = np.arange(1, len(gap) + 1) - np.repeat(np.cumsum(count) - count, count)  # 1 .. count
    t = t_prev[gap] + (k * span[gap]) // (count[gap] + 1)
    w = (k / (count[gap] + 1))[:, None]
    a0 = np.asarray(a_prev, np.float64)[gap]
    a = a0 + w * (np.asarray(a_next, np.float64)[gap] - a0)
    return t, a.astype(np.float32), count


class Joined:
    """Arrays laid end to end along their first axis, read by slices and by index arrays
    without joining them: a run of gap-free pieces with their short gaps bridged
    (:func:`bridge`) costs no copy of the whole run, only of what is read at a time."""

    def __init__(self, parts: list[np.ndarray]):
        sizes = np.array([len(p) for p in parts], np.int64)
        self.parts, self.ends, self.starts = parts, np.cumsum(sizes), np.cumsum(sizes) - sizes
        self.dtype = parts[0].dtype

    def __len__(self) -> int:
        return int(self.ends[-1])

    def __getitem__(self, key: slice | np.ndarray) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                raise IndexError("Joined reads contiguous slices only")
            k0 = int(np.searchsorted(self.ends, start, side="right"))
            k1 = max(int(np.searchsorted(self.ends, stop, side="left")), k0)
            k1 = min(k1 + 1, len(self.parts))
            pieces = [p[max(start - a, 0):stop - a]
                      for p, a in zip(self.parts[k0:k1], self.starts[k0:k1].tolist(), strict=True)]
            return np.concatenate(pieces) if pieces else self.parts[0][:0]
        idx = np.asarray(key)
        part = np.searchsorted(self.ends, idx, side="right")
        out = np.empty((len(idx), *self.parts[0].shape[1:]), self.dtype)
        for k in np.unique(part):  # the pieces read (few: around a few bursts)
            mine = part == k
            out[mine] = self.parts[k][idx[mine] - self.starts[k]]
        return out


def lost_on_radio(kind: np.ndarray, reason: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray,
                  bridged: np.ndarray) -> None:
    """Make each jerk-shaped candidate (kind ``jerk``) from ``start_ns`` to ``end_ns``
    that reaches into a bridged gap (``bridged``: (k, 2) times of the real samples either
    side, ns, in order; :func:`bridge`) an ``artefact`` (:data:`LOST_REASON`), in place."""
    if not len(bridged) or not len(kind):
        return
    j = np.minimum(np.searchsorted(bridged[:, 1], start_ns, side="right"), len(bridged) - 1)
    hit = (kind == "jerk") & (bridged[j, 0] < end_ns) & (bridged[j, 1] > start_ns)
    kind[hit] = "artefact"
    reason[hit] = LOST_REASON


def _floored(floor: np.ndarray, factor: float, least: float) -> np.ndarray:
    """``max(factor * floor, least)``, in one new array."""
    out = np.multiply(floor, factor)
    return np.maximum(out, least, out=out)


def thresholds(floor: np.ndarray, cfg: DetectionConfig) -> tuple[np.ndarray, np.ndarray]:
    """Detection (high) and extent (low) thresholds from the noise floor, g."""
    return (_floored(floor, cfg.threshold_factor, cfg.min_peak_g),
            _floored(floor, cfg.extent_factor, cfg.min_extent_g))


def move_threshold(floor: np.ndarray, cfg: DetectionConfig) -> np.ndarray:
    """The level :func:`slow_change` must pass for a slow movement, g."""
    return _floored(floor, cfg.extent_factor, cfg.min_move_g)


@dataclass(frozen=True)
class Levels:
    """The noise floor of a run of samples, block by block, and the levels made from it:
    ``high`` and ``low`` (:func:`thresholds`) and ``move`` (:func:`move_threshold`), g,
    one value per block. A signal is compared with them block by block (:meth:`over`):
    no array of a level per sample is made.

    Attributes
    ----------
    floor, high, low, move : ndarray
        Per block, g.
    block : int
        Samples per block.
    skip : int
        Samples of the first block before the run's first sample.
    """

    floor: np.ndarray
    high: np.ndarray
    low: np.ndarray
    move: np.ndarray
    block: int
    skip: int

    @classmethod
    def of_blocks(cls, floor_b: np.ndarray, block: int, skip: int, cfg: DetectionConfig) -> Levels:
        """The levels of the blocks whose floors are ``floor_b`` (:func:`block_floors`)."""
        high, low = thresholds(floor_b, cfg)
        return cls(floor_b, high, low, move_threshold(floor_b, cfg), block, skip)

    def at(self, level: np.ndarray, k: np.ndarray) -> np.ndarray:
        """A level (one of the attributes) at samples ``k`` of the run, g."""
        return level[(k + self.skip) // self.block]

    def over(self, x: np.ndarray, level: np.ndarray, start: int = 0) -> np.ndarray:
        """``x > level`` sample by sample, ``x`` being samples ``start ..`` of the run
        (boolean array as long as ``x``)."""
        out = np.empty(len(x), bool)
        b0, h = divmod(start + self.skip, self.block)
        head = min(len(x), -h % self.block)  # samples before the next block starts
        if head:
            np.greater(x[:head], level[b0], out=out[:head])
            b0 += 1
        m = (len(x) - head) // self.block
        mid = slice(head, head + m * self.block)
        np.greater(x[mid].reshape(m, self.block), level[b0:b0 + m, None],
                   out=out[mid].reshape(m, self.block))
        if mid.stop < len(x):
            np.greater(x[mid.stop:], level[b0 + m], out=out[mid.stop:])
        return out


def find(time_ns: np.ndarray, acc: np.ndarray, lp: np.ndarray, hp: np.ndarray, mag: np.ndarray,
         lv: Levels, fs: float, cfg: DetectionConfig, ns: Samples,
         d: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Candidate regions of ``mag`` over its floor (``lv``), with features and kind:
    columns ``i0``, ``i1`` and those of :data:`CANDIDATE_COLUMNS`, one value per
    candidate (bursts, then slow movements).

    All arrays cover the same samples; ``i0``/``i1`` of each candidate index into them.
    ``d``: :func:`slow_change` of ``lp``, when it is already computed.
    """
    strong = lv.over(mag, lv.high)
    s, e = regions(lv.over(mag, lv.low), strong, ns.merge, ns.cap)
    d = slow_change(lp, ns.lag) if d is None else d
    ms, me = slow_regions(lv.over(d, lv.move), ns, s, e)
    if len(s) == 0 and len(ms) == 0:
        return {"i0": s, "i1": e}  # no candidate (callers read no other column then)
    # samples near a strong burst (above the detection threshold, widened by the high-pass
    # window): left out of the context windows, so a neighbouring jerk is not taken for a
    # sustained movement
    a, b = _runs(strong)
    del strong
    busy = covered(len(mag), a - ns.hp, b + ns.hp)
    # samples a burst candidate's low-passed smear reaches: left out of the movement
    # before a candidate (a jerk of a cluster is not the movement the next one comes from)
    inburst = covered(len(mag), s - ns.hp, e + ns.hp)
    slow = np.r_[np.zeros(len(s), bool), np.ones(len(ms), bool)]
    return features(np.r_[s, ms], np.r_[e, me], slow, time_ns, acc, lp, hp, mag, d, busy, inburst,
                    lv, fs, cfg, ns)


def brisk_moves_near(time_ns: np.ndarray, acc: np.ndarray, fs: float, at_ns: np.ndarray,
                     floor_g: np.ndarray, cfg: DetectionConfig, window_s: float,
                     skip_s: float, ignore_ns: np.ndarray | None = None) -> np.ndarray:
    """How many brisk movements of a sensor start near each of a few moments.

    A brisk movement is a run of the high-passed magnitude above the extent level a
    candidate at that moment has (:func:`thresholds` of its ``floor_g``), runs less than
    a block (``block_s``) apart being one; it is counted when it starts within
    ``window_s`` either side of the moment but not within ``skip_s`` of it, and holds
    none of the moments of ``ignore_ns`` (sorted, ns; from a block before its start).

    Parameters
    ----------
    time_ns, acc, fs :
        The sensor's samples (ns, g of shape (n, 3)) and rate, Hz.
    at_ns : ndarray of int64
        The moments, ns (a few a night: it high-passes ``2 * window_s`` around each).
    floor_g : ndarray
        The noise floor at each moment, g.
    cfg : DetectionConfig
        The sensor's config (:func:`for_location`, :func:`for_resolution`).
    window_s, skip_s : float
        s.

    Returns
    -------
    ndarray of int
    """
    ns = Samples.of(cfg, fs)
    out = np.zeros(len(at_ns), np.int64)
    for k, (t, fl) in enumerate(zip(at_ns, floor_g, strict=True)):
        a, b = np.searchsorted(time_ns, [t - int(window_s * 1e9), t + int(window_s * 1e9)])
        if b - a < ns.hp:
            continue
        _, _, mag = highpass(acc[a:b].astype(np.float64, copy=False), ns.hp)
        over = mag > thresholds(np.array([fl]), cfg)[1][0]
        s, e = regions(over, over, ns.block, len(mag))
        t0, t1 = time_ns[a:b][s], time_ns[a:b][e - 1]
        keep = np.abs(t0 - t) > skip_s * 1e9
        if ignore_ns is not None and len(ignore_ns):
            block_ns = int(cfg.block_s * 1e9)
            keep &= np.searchsorted(ignore_ns, t1, side="right") == np.searchsorted(ignore_ns, t0 - block_ns)
        out[k] = int(keep.sum())
    return out


def held_s(time_ns: np.ndarray | Joined, acc: np.ndarray | Joined, fs: float, i0: np.ndarray, i1: np.ndarray,
           cfg: DetectionConfig) -> np.ndarray:
    """How long each burst of samples [i0, i1) held its limb away before the limb came
    back, s: the duration of a limb movement held and released (AASM: a leg movement
    lasts 0.5-10 s from its onset to its offset), which the high-pass shows only by its
    brisk onset when the release is slow.

    Away: the mean acceleration over ``context_s`` from ``context_gap_s`` after the burst
    differs from the mean over the ``context_s`` ending ``context_gap_s`` before it by at
    least ``held_min_g``. Back: a later ``context_s`` mean
    within half of that difference of the level before, starting before
    ``plm_duration_s[1]`` after the burst's start. The time is to the middle of that
    window. A jerk leaves its limb where it lands, tilted or not; a brisk voluntary
    movement is followed by more movement, not by a return to where it started.

    Depends on the samples from ``context_gap_s + context_s`` before ``i0`` to
    ``plm_duration_s[1] + context_s`` after it (``Samples.max_move + ctx``); NaN where
    the limb did not move away, did not come back in time, or the samples end first.

    Parameters
    ----------
    time_ns : ndarray of int64, shape (n,)
        Sample times, ns.
    acc : ndarray, shape (n, 3)
        Acceleration, g (one gap-free run).
    fs : float
        Sampling rate, Hz.
    i0, i1 : ndarray of int
        First and one-past-last sample of each burst.
    cfg : DetectionConfig

    Returns
    -------
    ndarray of float
    """
    ns = Samples.of(cfg, fs)
    i0, i1 = np.asarray(i0, np.int64), np.asarray(i1, np.int64)
    out = np.full(len(i0), np.nan)
    a = i1 + ns.gap  # the first window after the burst: [a, a + ctx)
    b = np.minimum(i0 + ns.max_move, len(acc) - ns.ctx + 1)  # one past the last window's start
    ok = np.flatnonzero((i0 - ns.gap - ns.ctx >= 0) & (b > a))
    if not len(ok):
        return out
    pre = _Ranges.span(i0[ok] - ns.gap - ns.ctx, i0[ok] - ns.gap)
    base = pre.mean(acc[pre.idx].astype(np.float64), 0.0)
    r = _Ranges.span(a[ok], b[ok] + ns.ctx - 1)  # the samples of every window
    cum = np.cumsum(np.r_[np.zeros((1, 3)), acc[r.idx].astype(np.float64)], axis=0)
    start = np.flatnonzero(np.arange(len(r.idx)) - r.first[r.seg] < (b - a)[ok][r.seg])
    dev = _norm((cum[start + ns.ctx] - cum[start]) / ns.ctx - base[r.seg[start]])
    w = _Ranges(r.idx[start], r.seg[start], len(ok))  # one entry per window
    away = dev[w.first]  # each burst's first window
    back = (dev <= 0.5 * away[w.seg]) & (away[w.seg] >= cfg.held_min_g)
    none = np.iinfo(np.int64).max
    hit = w.reduce(np.minimum, np.where(back, w.idx, none), none)
    found = hit < none
    out[ok[found]] = (time_ns[hit[found]] - time_ns[i0[ok][found]]) / 1e9 + 0.5 * ns.ctx / fs
    return out


def slow_change(lp: np.ndarray, lag: int) -> np.ndarray:
    """Magnitude of the change of the low-passed acceleration over ``lag`` samples, g
    (causal; 0 for the first ``lag`` samples)."""
    d = np.zeros(lp.shape[1])
    if lp.shape[1] > lag:
        diff = lp[:, lag:] - lp[:, :-lag]
        np.einsum("ij,ij->j", diff, diff, out=d[lag:])
        np.sqrt(d[lag:], out=d[lag:])
    return d


def slow_regions(moving: np.ndarray, ns: Samples,
                 burst_s: np.ndarray, burst_e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slow limb movements (0.5 s or longer) that no burst candidate already covers.

    Runs of ``moving`` (the samples where :func:`slow_change` over ``ns.lag`` passes
    :func:`move_threshold`), merged over ``move_merge_s``, lasting at least
    ``plm_duration_s[0]``, and not within the high-pass window of a burst candidate.
    """
    s, e = regions(moving, moving, ns.move_merge, ns.cap)
    keep = (e - s) >= ns.min_move
    if len(burst_s) and keep.any():
        j = np.searchsorted(burst_s, e + ns.hp)  # bursts starting before this movement ends
        prev_end = np.where(j > 0, burst_e[np.maximum(j - 1, 0)], -np.inf)
        keep &= ~((j > 0) & (prev_end + ns.hp > s))
    return s[keep], e[keep]


#: Batch detection scans a long gap-free segment in windows of about this much data, s.
#: It bounds the memory of :func:`scan` (intermediate arrays of one window, not of the
#: whole night); the candidates do not depend on it.
SCAN_CHUNK_S = 1800.0


def quiet_end(above: np.ndarray, need: int) -> int | None:
    """Index just past the last run of at least ``need`` samples where ``above`` is False
    (None if there is none). No candidate region crosses such a point when ``above`` marks
    the samples over either extent threshold and ``need`` exceeds both merge gaps."""
    s, e = _runs(~above)
    ok = (e - s) >= need
    return int(e[ok][-1]) if ok.any() else None


def scan(time_ns: np.ndarray | Joined, acc: np.ndarray | Joined, fs: float, cfg: DetectionConfig,
         chunk_s: float | None = None) -> pd.DataFrame:
    """Candidates in one gap-free run of samples (a whole segment: batch detection).

    Parameters
    ----------
    time_ns : ndarray of int64, shape (n,), or Joined
        Sample times, ns since the epoch (UTC).
    acc : ndarray, shape (n, 3), or Joined
        Acceleration, g (a :class:`Joined` run is read window by window).
    fs : float
        Sampling rate, Hz.
    cfg : DetectionConfig
    chunk_s : float, optional
        Length of the windows the segment is scanned in, s (default :data:`SCAN_CHUNK_S`).

    Returns
    -------
    DataFrame
        One row per candidate with ``i0``, ``i1`` (first and one-past-last sample) and the
        columns of :data:`CANDIDATE_COLUMNS`.

    Notes
    -----
    The noise floor of each ``block_s`` block is the median of the block medians of the
    high-passed magnitude over the preceding ``floor_window_s`` (causal); a candidate is a
    run of samples above ``extent_factor`` x floor holding one above ``threshold_factor``
    x floor. :class:`detection.streaming.StreamingDetector` runs the same steps on its
    buffer.

    A long segment is scanned in windows of about ``chunk_s``, so memory stays that of
    one window whatever the recording's length. Each window starts ``Samples.lookback``
    before the split point where the previous one stopped (and early enough to give the
    next block's median exactly); it stops at the last quiet point (:func:`quiet_end`)
    ``Samples.lookahead`` before its end, and is extended when it has none. Every
    candidate depends only on samples within these margins, and block medians are carried
    over, so the candidates are those of one scan over the whole segment (floats to
    ~1e-9: the moving mean's running sum starts at each window).
    """
    ns = Samples.of(cfg, fs)
    n = len(acc)
    if n == 0:
        return _empty()
    step = max(round((chunk_s or SCAN_CHUNK_S) * fs), 4 * (ns.lookback + ns.lookahead + ns.block))
    need = max(ns.merge, ns.move_merge, ns.hp) + 1  # a quiet run no region or exclusion spans
    stats = np.zeros(max(1, n // ns.block))  # block medians, filled window by window
    known = 0  # blocks whose median is in ``stats``
    frames: list[dict[str, np.ndarray]] = []
    p, b = 0, 0  # samples before p are done; the window ends at b
    while p < n:
        b = min(n, max(b, p) + step)
        a = max(0, min(p - ns.lookback, known * ns.block - ns.half))
        window = acc[a:b]  # a view, or one copy of a Joined run's window
        lp, hp, mag = highpass(window, ns.hp)
        exact_end = b if b == n else b - ns.half  # mag is exact before this
        if n < ns.block:  # no complete block: the partial one's median (as block_stats)
            stats, known = block_stats(mag, ns.block), 1
        else:
            k1 = exact_end // ns.block
            stats[known:k1] = block_stats(mag[known * ns.block - a:k1 * ns.block - a], ns.block)
            known = max(known, k1)
        end = min(exact_end, (known + 1) * ns.block)  # floor and mag known before this
        k0 = a // ns.block
        lv = Levels.of_blocks(block_floors(stats[:known], 0, k0, -(-end // ns.block), ns.floor_blocks),
                              ns.block, a - k0 * ns.block, cfg)
        m = end - a
        d = slow_change(lp[:, :m], ns.lag)
        if b == n:
            q = n
        else:
            lo = max(p, a + ns.lag, a + ns.lookback) - a  # d (slow change) exact from here
            hi = end - ns.lookahead - a  # candidates before hi have all they depend on
            split = None
            if hi - lo >= need:
                above = lv.over(mag[lo:hi], lv.low, lo) | lv.over(d[lo:hi], lv.move, lo)
                split = quiet_end(above, need)
                del above
            if split is None or split + lo + a <= p:
                del window, lp, hp, mag, d, lv  # before the next window's are made
                continue  # no split point yet: extend the window
            q = split + lo + a
        cands = find(time_ns[a:end], window[:m], lp[:, :m], hp[:, :m], mag[:m], lv, fs, cfg, ns, d)
        i0 = cands["i0"] + a
        keep = (i0 >= p) & (i0 < q)
        if keep.any():
            cands["i0"], cands["i1"] = i0, cands["i1"] + a
            frames.append({c: v[keep] for c, v in cands.items()})
        del window, lp, hp, mag, d, lv, cands  # before the next window's are made
        p = q
    if not frames:
        return _empty()
    cols = {c: np.concatenate([f[c] for f in frames]) for c in frames[0]}
    order = np.lexsort((cols["i0"], cols["rejected_reason"] == SLOW_REASON))
    return pd.DataFrame({c: v[order] for c, v in cols.items()})


def _empty() -> pd.DataFrame:
    return _empty_template().copy()  # a fresh frame: callers may add columns


@functools.cache
def _empty_template() -> pd.DataFrame:
    cols = {"i0": "int64", "i1": "int64", **CANDIDATE_COLUMNS}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


class _Ranges:
    """Sample indices of several ranges laid end to end (ragged arrays without a Python
    loop per range): ``idx`` the sample index, ``seg`` the range it belongs to, ``first``
    where each range starts in ``idx`` and ``n`` its length."""

    def __init__(self, idx: np.ndarray, seg: np.ndarray, count: int):
        self.idx, self.seg = idx, seg
        self.n = np.bincount(seg, minlength=count)
        self.first = np.cumsum(self.n) - self.n

    @classmethod
    def span(cls, a: np.ndarray, b: np.ndarray) -> _Ranges:
        """The ranges [a, b) (empty where ``b <= a``)."""
        n = np.maximum(b - a, 0)
        seg = np.repeat(np.arange(len(n)), n)
        first = np.cumsum(n) - n
        return cls(np.arange(len(seg)) - first[seg] + a[seg], seg, len(n))

    def where(self, keep: np.ndarray) -> _Ranges:
        """The same ranges with only the samples where ``keep`` (aligned with ``idx``)."""
        return _Ranges(self.idx[keep], self.seg[keep], len(self.n))

    def reduce(self, ufunc: np.ufunc, values: np.ndarray, empty: float) -> np.ndarray:
        """``ufunc`` reduced over each range of ``values`` (aligned with ``idx``, first
        axis); ``empty`` for an empty range."""
        out = np.full((len(self.n), *values.shape[1:]), empty, dtype=np.result_type(values.dtype, type(empty)))
        ok = self.n > 0
        if ok.any():
            out[ok] = ufunc.reduceat(values, self.first[ok], axis=0)
        return out

    def mean(self, values: np.ndarray, default: np.ndarray | float) -> np.ndarray:
        """Mean of ``values`` (aligned with ``idx``) over each range; ``default`` where empty."""
        total = self.reduce(np.add, values, 0.0)
        n = self.n.reshape(-1, *([1] * (values.ndim - 1)))
        return np.where(n > 0, total / np.maximum(n, 1), default)


def _first_out(acc: np.ndarray, ref: np.ndarray, low: np.ndarray, a: np.ndarray, b: np.ndarray,
               last: bool = False, bands: tuple[int, ...] = (16, 64)) -> np.ndarray:
    """The first (``last``: the last) sample of each range [a, b) where ``acc`` (n, 3)
    leaves the range's row of ``ref`` (one per range, (m, 3)) by more than its ``low``,
    g; -1 where none does. The samples nearest the searched end go first (up to each of
    ``bands`` from it), and only the ranges with no such sample there are searched
    further (a movement's edges are usually within tens of samples of its region's)."""
    out = np.full(len(a), -1, np.int64)
    none = np.iinfo(np.int64).max
    todo, done = np.arange(len(a)), 0
    for band in (*bands, int(np.max(b - a, initial=0))):  # the last band: the whole rest
        lo, hi = a[todo], b[todo]
        if last:
            lo, hi = np.maximum(hi - band, lo), np.maximum(hi - done, lo)
        else:
            lo, hi = np.minimum(lo + done, hi), np.minimum(lo + band, hi)
        r = _Ranges.span(lo, hi)
        leaves = _norm(acc[r.idx] - ref[todo][r.seg]) > low[todo][r.seg]
        if last:
            out[todo] = r.reduce(np.maximum, np.where(leaves, r.idx, -1), -1)
        else:
            hit = r.reduce(np.minimum, np.where(leaves, r.idx, none), none)
            out[todo] = np.where(hit < none, hit, -1)
        todo, done = todo[out[todo] < 0], band
        if not len(todo):
            break
    return out


def _clipped(acc: np.ndarray, r: _Ranges, ranges_g: tuple[float, ...]) -> np.ndarray:
    """Whether each range of ``r`` holds a sample within 0.2 % of one of the full-scale
    ``ranges_g``, g: clipped. Only the ranges of a window that reaches the smallest
    range's 99.8 % are looked at."""
    ranges = np.asarray(ranges_g, dtype=np.float64)
    out = np.zeros(len(r.n), bool)
    if len(ranges) == 0 or len(acc) == 0 or max(acc.max(), -acc.min()) < 0.998 * ranges.min():
        return out
    a = np.abs(acc[r.idx])
    top = r.reduce(np.maximum, np.maximum(np.maximum(a[:, 0], a[:, 1]), a[:, 2]), 0.0)
    return np.asarray((np.abs(top[:, None] - ranges) <= 0.002 * ranges).any(axis=1))


def _norm(v: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row of ``v`` (k, 3), float64 (column by column: numpy
    reduces a short last axis slowly)."""
    out = np.square(v[:, 0], dtype=np.float64)
    out += np.square(v[:, 1], dtype=np.float64)
    out += np.square(v[:, 2], dtype=np.float64)
    return np.sqrt(out, out=out)


def _motion(r: _Ranges, lp: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Largest deviation of each range's low-passed acceleration samples from their mean,
    g: how much the limb moves within a context window (0 when it rests, whatever its
    orientation, and for an empty range)."""
    return r.reduce(np.maximum, _norm(lp[:, r.idx].T - mean[r.seg]), 0.0)


#: Candidates whose rhythm is computed in one batch of FFTs (bounds the padded array).
RHYTHM_BATCH = 256


def _rhythm(hp: np.ndarray, s: np.ndarray, e: np.ndarray, fs: float,
            band: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Peak normalised autocorrelation of each range's main movement axis (its first
    principal component) at periods in ``band`` (Hz), that period in samples, and the
    autocorrelation half that period away (unbiased: over the overlapping samples; near
    -1 for an oscillation, positive for a drift); 0, 0 and 0 for a range shorter than
    twice the longest period. Ranges of similar length share one batch of FFTs."""
    out, period, half = np.zeros(len(s)), np.zeros(len(s), np.int64), np.zeros(len(s))
    lo, hi = max(1, int(fs / band[1])), int(np.ceil(fs / band[0]))
    todo = np.flatnonzero(e - s >= 2 * hi)
    todo = todo[np.argsort(e[todo] - s[todo], kind="stable")]
    for c in np.array_split(todo, -(-len(todo) // RHYTHM_BATCH)) if len(todo) else ():
        r = _Ranges.span(s[c], e[c])
        x = hp[:, r.idx].T
        x = x - r.mean(x, 0.0)[r.seg]
        upper = r.reduce(np.add, x[:, [0, 0, 0, 1, 1, 2]] * x[:, [0, 1, 2, 1, 2, 2]], 0.0)
        cov = upper[:, [0, 1, 2, 1, 3, 4, 2, 4, 5]].reshape(-1, 3, 3)  # symmetric
        axis = np.linalg.eigh(cov)[1][:, :, -1]  # eigenvector of the largest eigenvalue
        # lags up to hi only: padding to n + hi keeps the circular wrap off them
        size = 1 << int(r.n.max() + hi - 1).bit_length()
        p = np.zeros((len(c), size))
        p[r.seg, r.idx - s[c][r.seg]] = np.einsum("ij,ij->i", x, axis[r.seg])
        spec = np.fft.rfft(p, axis=1)
        ac = np.fft.irfft(spec * np.conj(spec), size, axis=1)[:, : hi + 1]
        n = r.n
        best = np.argmax(ac[:, lo:hi + 1], axis=1)
        ac0 = np.where(ac[:, 0] > 0, ac[:, 0], 1.0)
        val = ac[np.arange(len(c)), lo + best] / ac0 * n / (n - hi)
        out[c] = np.where(ac[:, 0] > 0, val, 0.0)
        period[c] = np.where(ac[:, 0] > 0, lo + best, 0)
        k = (lo + best + 1) // 2
        half[c] = np.where(ac[:, 0] > 0, ac[np.arange(len(c)), k] / ac0 * n / (n - k), 0.0)
    return out, period, half


def _swaying(lp: np.ndarray, busy: np.ndarray, s: np.ndarray, e: np.ndarray, peak: np.ndarray, fs: float,
             cfg: DetectionConfig, ns: Samples) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The context of bursts [s, e) that come while the limb sways (rocks or rolls at
    ``sway_band_hz``), judged against that sway: whether the low-passed acceleration
    ``lp`` (3, n), g, oscillates smoothly in the ``sway_s`` before each burst's context
    gap (autocorrelation at least ``sway_min_corr`` at a period in the band, at most
    minus that half a period away, and no sample ``busy`` near a strong burst: walking
    swings the arm as regularly, with a step's impact in every swing), and the context
    features of :func:`features` (``pre_dev_g``, ``post_dev_g``, ``late_dev_g``,
    ``pre_move_g``, ``slow_ratio``) measured on what departs from the sway: the
    low-passed acceleration less its value whole periods earlier, the last period
    before the gap repeated.

    Returns the bursts that sway (bool, one per burst) and those features, NaN where not."""
    m, n = len(s), lp.shape[1]
    t0 = s - ns.gap  # the context before a burst ends here
    out = {k: np.full(m, np.nan) for k in ("pre_dev_g", "post_dev_g", "late_dev_g", "pre_move_g", "slow_ratio")}
    sways, period = np.zeros(m, bool), np.zeros(m, np.int64)
    seen = np.flatnonzero(t0 - ns.sway >= 0)  # (DetectionConfig: sway_s reaches back far enough)
    if len(seen):  # no strong burst in those seconds but its own
        rb = _Ranges.span(t0[seen] - ns.sway, t0[seen] - ns.hp)
        seen = seen[~rb.reduce(np.logical_or, busy[rb.idx], False)]
    corr, period[seen], half = _rhythm(lp, t0[seen] - ns.sway, t0[seen], fs, cfg.sway_band_hz)
    longest = int(np.ceil(fs / cfg.sway_band_hz[0]))
    corr = corr * (ns.sway - longest) / np.maximum(ns.sway - period[seen], 1)  # unbiased at its own lag
    sways[seen] = (corr >= cfg.sway_min_corr) & (half <= -cfg.sway_min_corr) & (period[seen] > 0)
    c = np.flatnonzero(sways)
    if not len(c):
        return sways, out
    a = t0[c] - ns.turn - ns.lag  # the residual from here (the seconds before, less a lag)
    b = np.minimum(e[c] + ns.gap + ns.ctx + ns.settle, n)
    r = _Ranges.span(a, b)
    p, tc = period[c][r.seg], t0[c][r.seg]
    back = np.where(r.idx < tc, p, ((r.idx - tc) // p + 1) * p)
    res = lp[:, r.idx].T - lp[:, r.idx - back].T  # (N, 3): what the sway does not predict

    def part(x: np.ndarray, y: np.ndarray) -> tuple[_Ranges, np.ndarray]:
        """The residual's rows for samples [x, y) of each swaying burst (within [a, b))."""
        q = _Ranges.span(np.clip(x, a, b), np.clip(y, a, b))
        return q, res[r.first[q.seg] + q.idx - a[q.seg]]

    def dev(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        q, v = part(x, y)
        return q.reduce(np.maximum, _norm(v - q.mean(v, 0.0)[q.seg]), 0.0)

    sc, ec = s[c], e[c]
    out["pre_dev_g"][c] = dev(t0[c] - ns.ctx, t0[c])
    out["post_dev_g"][c] = dev(ec + ns.gap, ec + ns.gap + ns.ctx)
    out["late_dev_g"][c] = dev(ec + ns.gap + ns.ctx, ec + ns.gap + ns.ctx + ns.settle)
    q, v = part(t0[c] - ns.turn, t0[c])
    _, v_lag = part(t0[c] - ns.turn - ns.lag, t0[c] - ns.lag)
    out["pre_move_g"][c] = np.maximum(q.reduce(np.maximum, _norm(v - v_lag), 0.0), dev(t0[c] - ns.turn, t0[c]))
    q, v = part(sc, np.minimum(ec + ns.half, n))
    _, ref = part(np.maximum(sc - ns.half, 0), np.maximum(sc - ns.half, 0) + 1)
    out["slow_ratio"][c] = q.reduce(np.maximum, _norm(v - ref[q.seg]), 0.0) / np.maximum(peak[c], 1e-12)
    return sways, out


def features(s: np.ndarray, e: np.ndarray, slow: np.ndarray, time_ns, acc, lp, hp, mag, d, busy,
             inburst, lv: Levels, fs: float, cfg: DetectionConfig, ns: Samples) -> dict[str, np.ndarray]:
    """Features and kind of the candidates spanning samples [s, e) (``slow``: a slow
    movement, never a jerk), all at once: the columns of :func:`find`, in the order given.

    The arrays are those of :func:`find` (acceleration, low- and high-passed, g; shape
    (3, n) for ``lp`` and ``hp``), with ``d`` the slow change (:func:`slow_change`, g),
    ``busy`` the samples near a strong burst and ``inburst`` those a burst's smear
    reaches; ``lv`` the noise floor's levels (:class:`Levels`). Each feature is one array operation
    over all candidates (ranges of samples laid end to end, :class:`_Ranges`), never a
    Python call per candidate.

    A slow movement is a movement whatever its shape (the first rule), so the features
    that describe a burst's shape (``peak_jerk_g_s``, ``freq_hz``, ``width_samples``, ``energy_s``,
    ``slow_ratio``, ``pre_dev_g``, ``post_dev_g``, ``pre_move_g``, ``rhythm_corr``) are
    not measured for it: NaN. Its ranges are left empty (``brisk_end``), which keeps the
    cost of a night of long daytime movements close to that of a quiet one. In the same
    way a burst its shape alone decides (a clipped spike, an impact: the next rules) is
    not measured for what only the later rules read (``slow_ratio``, ``pre_dev_g``,
    ``post_dev_g``, ``pre_move_g``, ``rhythm_corr``: NaN), which keeps an afternoon's
    steps and bumps cheap. A single-sample spike is measured: on two sensors at once it
    may be a jerk after all (:func:`detection.rules.rescue_spikes`), but only one out of
    rest, so a spike the context rules would make a movement (a limb landing at the end
    of a turn, sampled at 25 Hz) says so in its reason and is never rescued.
    """
    n, m = len(mag), len(s)
    brisk_end = np.where(slow, s, e)  # the bursts' ranges; empty for slow movements
    r = _Ranges.span(s, e)
    seg_mag = mag[r.idx]
    peak = r.reduce(np.maximum, seg_mag, -np.inf)
    k = r.reduce(np.minimum, np.where(seg_mag == peak[r.seg], r.idx, n), n).astype(np.int64)
    hpk = hp[:, k]
    ax = np.argmax(np.abs(hpk), axis=0)
    axis = np.char.add(np.where(hpk[ax, np.arange(m)] >= 0, "+", "-"), AXES[ax])
    rj = _Ranges.span(np.minimum(np.maximum(s - 1, 0) + 1, brisk_end), brisk_end)
    peak_jerk = rj.reduce(np.maximum, _norm(acc[rj.idx] - acc[rj.idx - 1]), 0.0) * fs
    # RMS frequency of the high-passed acceleration from the RMS of its change between
    # samples over its RMS, which is 2 sin(pi f / fs) for a sinusoid of f Hz: inverted,
    # f at any rate up to fs / 2 (fs / 2 pi x that ratio, its value well below fs / 2,
    # reads a 15 Hz ring as 12.9 Hz at 50 Hz); on a sensor faster than `freq_rate_hz`,
    # of the acceleration averaged over w samples, as a sensor that fast sees it
    w = max(1, int(round(fs / cfg.freq_rate_hz)))
    band, before = hp[:, rj.idx], hp[:, rj.idx - 1]
    if w > 1:
        band = sum(hp[:, np.maximum(rj.idx - j, 0)] for j in range(w)) / w
        before = band - (hp[:, rj.idx] - hp[:, np.maximum(rj.idx - w, 0)]) / w  # a sample earlier
    change = rj.reduce(np.add, _norm(band.T - before.T) ** 2, 0.0)
    power = rj.reduce(np.add, _norm(band.T) ** 2, 0.0)
    ratio = np.sqrt(change / np.where(power > 0, power, 1.0))
    freq = fs / np.pi * np.arcsin(np.minimum(ratio / 2, 1.0))
    clipped = _clipped(acc, r, cfg.clip_ranges_g)
    rb = _Ranges.span(s, brisk_end)
    e2 = mag[rb.idx].astype(np.float64) ** 2
    total = rb.reduce(np.add, e2, 0.0)
    width = total ** 2 / np.where(slow, 1.0, rb.reduce(np.add, e2 ** 2, 0.0))
    cum = np.cumsum(e2)
    before = np.r_[0.0, cum][rb.first]  # the sum of the ranges before each one
    frac = (cum - before[rb.seg]) / total[rb.seg]  # cumulative share in its range
    energy_s = (np.bincount(rb.seg[frac < 0.95], minlength=m)
                - np.bincount(rb.seg[frac < 0.05], minlength=m) + 1) / fs
    # what the shape alone tells (the first rules below): such a burst is not measured for
    # its context either (as a slow movement is not for its shape)
    clipped_spike = clipped & (width <= cfg.clipped_spike_max_samples)
    spike = ~clipped & (width <= cfg.spike_max_samples)
    impact = ~clipped & (freq > cfg.impact_min_hz)
    shaped = slow | clipped_spike | impact  # decided by shape, context not measured
    # context before and after, away from strong bursts
    pre = _Ranges.span(np.maximum(s - ns.gap - ns.ctx, 0), np.maximum(s - ns.gap, 0))
    pre = pre.where(~busy[pre.idx])
    base = pre.mean(lp[:, pre.idx].T, lp[:, s].T)
    post = _Ranges.span(np.minimum(e + ns.gap, n), np.minimum(e + ns.gap + ns.ctx, n))
    post = post.where(~busy[post.idx])
    after = post.mean(lp[:, post.idx].T, base)
    pre_dev = _motion(pre.where(~shaped[pre.seg]), lp, base)
    post_dev = _motion(post.where(~shaped[post.seg]), lp, after)
    # the second after that: a limb a jerk threw may fall back or ring, and rest again; a
    # movement under way goes on (or another burst follows: not seen at rest)
    late = _Ranges.span(np.minimum(e + ns.gap + ns.ctx, n), np.minimum(e + ns.gap + ns.ctx + ns.settle, n))
    late = late.where(~busy[late.idx] & ~shaped[late.seg])
    late_dev = _motion(late, lp, late.mean(lp[:, late.idx].T, after))
    # whether the limb turned at all: a jerk is a joint's rotation, which turns gravity in
    # the frame of the sensor it carries; the mattress moving the whole body (a partner or
    # a pet on the bed, a knock on it) moves the sensor straight up and down, along
    # gravity, without turning it. The share of the burst's deviation from the level
    # before along that level, and the largest angle of the low-passed acceleration from
    # it from the burst's start to the end of the second after the window after.
    unit = base / np.maximum(_norm(base), 1e-12)[:, None]
    rv = _Ranges.span(s, np.where(shaped, s, e))
    dev = acc[rv.idx] - base[rv.seg]
    along = np.einsum("ij,ij->i", dev, unit[rv.seg])
    vertical = rv.reduce(np.add, along ** 2, 0.0) / np.maximum(rv.reduce(np.add, _norm(dev) ** 2, 0.0), 1e-24)
    rw = _Ranges.span(s, np.where(shaped, s, np.minimum(e + ns.gap + ns.ctx + ns.settle, n)))
    level = lp[:, rw.idx].T
    cos = np.einsum("ij,ij->i", level, unit[rw.seg]) / np.maximum(_norm(level), 1e-12)
    turn = np.degrees(np.arccos(np.clip(rw.reduce(np.minimum, cos, 1.0), -1.0, 1.0)))
    # the high-pass smears a burst by half its window: trim the extent to where the raw
    # acceleration leaves the level before it and returns to the level after it
    low = lv.at(lv.low, k)
    j0 = _first_out(acc, base, low, s, k + 1)
    j0 = np.where(j0 >= 0, j0, s)
    j1 = _first_out(acc, after, low, k, e, last=True)
    j1 = np.where(j1 >= 0, j1 + 1, e)
    # movement in the seconds before, away from bursts (a rotation the burst ends, e.g. a
    # landing, or a fidget under way; a jerk comes out of rest): the larger of the slow
    # change where neither end of its lag is near a burst (a brisk movement) and the
    # largest deviation of the low-passed acceleration from its mean since the previous
    # burst's smear (a slow turn; a jerk of a cluster may leave the limb tilted, which is
    # not a movement the next one comes from). Bursts come first and in order.
    rt_end = np.maximum(s - ns.gap, 0)  # (rt itself starts at ns.lag or later: empty before)
    rt = _Ranges.span(np.where(shaped, rt_end, np.maximum(s - ns.gap - ns.turn, ns.lag)), rt_end)
    moved = np.where(inburst[rt.idx] | inburst[rt.idx - ns.lag], 0.0, d[rt.idx])
    since = np.clip(np.maximum(s - ns.gap - ns.turn, np.r_[0, e[:-1] + ns.hp][:m]), 0, rt_end)
    rs = _Ranges.span(np.where(shaped, rt_end, since), rt_end)
    pre_move = np.maximum(rt.reduce(np.maximum, moved, 0.0), _motion(rs, lp, rs.mean(lp[:, rs.idx].T, 0.0)))
    # those seconds cut by the start of the samples: only at a gap-free piece's start, as
    # :func:`scan` and the streaming buffer keep ``Samples.lookback`` before a candidate
    unseen = s - ns.gap - ns.turn < ns.lag
    dur = (time_ns[j1 - 1] - time_ns[j0]) / 1e9 + 1.0 / fs
    rhythm = np.zeros(m)
    long = (dur >= cfg.rhythm_min_s) & ~shaped
    rhythm[long] = _rhythm(hp, s[long], e[long], fs, cfg.rhythm_band_hz)[0]
    # how slow the movement is: the largest change of the low-passed acceleration during
    # the candidate against its high-passed peak (a twitch is brisk, a voluntary movement
    # mostly below the high-pass's ~4 Hz)
    ref = lp[:, np.maximum(s - ns.half, 0)].T
    rm = _Ranges.span(s, np.where(shaped, s, np.minimum(e + ns.half, n)))
    slow_ratio = rm.reduce(np.maximum, _norm(lp[:, rm.idx].T - ref[rm.seg]), 0.0) / np.maximum(peak, 1e-12)
    # a burst amid a sway (rocking, rolling) is judged on what departs from the sway,
    # where the sway explains most of the motion before it
    moved = ~shaped & (pre_move > cfg.min_move_g)
    sway, swayed = _swaying(lp, busy, s[moved], e[moved], peak[moved], fs, cfg, ns)
    pick = sway & (swayed["pre_move_g"] <= cfg.sway_max_residual * pre_move[moved])
    use = np.flatnonzero(moved)[pick]
    for name, feat in (("pre_dev_g", pre_dev), ("post_dev_g", post_dev), ("late_dev_g", late_dev),
                       ("pre_move_g", pre_move), ("slow_ratio", slow_ratio)):
        feat[use] = swayed[name][pick]
    for shape in (peak_jerk, freq, width, energy_s):
        shape[slow] = np.nan  # not measured (see above)
    for context in (rhythm, slow_ratio, pre_dev, post_dev, pre_move, late_dev, vertical, turn):
        context[shaped] = np.nan
    # out of rest and at rest again a moment later (what moved between was the limb
    # falling back or ringing): less than ``sustained_g`` in the seconds before and in
    # the second after, most of that second seen away from other bursts
    settled = (late.n >= ns.settle / 2) & (late_dev <= cfg.sustained_g) & (pre_move <= cfg.sustained_g)
    lo_hz, hi_hz = cfg.rhythm_band_hz
    # what the context says: a limb's burst inside a movement, not out of rest
    moving = [(slow_ratio > cfg.max_slow_ratio, "mostly slow (a voluntary movement)"),
              ((post_dev > np.maximum(cfg.sustained_g, cfg.sustained_ratio * pre_dev)) & ~settled,
               "the limb keeps moving after it"),
              (pre_move > cfg.min_move_g, "the limb was moving before it (not out of rest)")]
    amid = np.select([c for c, _ in moving], [f"{SPIKE_REASON}, {r}" for _, r in moving], SPIKE_REASON)
    rules = [  # (applies, kind, reason), first that applies wins
        (slow, "movement", SLOW_REASON),
        (clipped_spike, "artefact", "clipped spike"),
        (spike, "artefact", amid),
        (impact, "artefact", IMPACT_REASON),
        ((vertical >= cfg.bounce_vertical_share) & (turn <= cfg.bounce_turn_deg), "artefact", BOUNCE_REASON),
        (rhythm >= cfg.rhythm_min_corr, "rhythmic", f"rhythmic {lo_hz:g}-{hi_hz:g} Hz"),
        (energy_s > cfg.jerk_max_s, "movement", f"longer than {cfg.jerk_max_s:g} s"),
        *[(c, "movement", r) for c, r in moving[:2]],
        (unseen, "artefact", UNSEEN_REASON),  # moving before it: not known
        *[(c, "movement", r) for c, r in moving[2:]],
    ]
    conds = [c for c, _, _ in rules]
    kind = np.select(conds, [kd for _, kd, _ in rules], "jerk")
    reason = np.select(conds, [np.broadcast_to(np.asarray(rs_, dtype=str), (m,)) for _, _, rs_ in rules], "")
    return dict(
        i0=s, i1=e, start_ns=time_ns[j0], end_ns=time_ns[j1 - 1], duration_s=dur,
        peak_g=peak.astype(np.float64), peak_jerk_g_s=peak_jerk, freq_hz=freq, axis=axis,
        score=np.clip(1.0 - lv.at(lv.high, k) / peak, 0.0, 1.0), kind=kind, rejected_reason=reason,
        clipped=clipped, width_samples=width, floor_g=lv.at(lv.floor, k).astype(np.float64), energy_s=energy_s,
        slow_ratio=slow_ratio, pre_dev_g=pre_dev, post_dev_g=post_dev, pre_move_g=pre_move,
        rhythm_corr=rhythm,
        held_s=np.full(m, np.nan),  # a leg's jerks': measured later (held_s)
        late_dev_g=late_dev, vertical_share=vertical, turn_deg=turn,
    )
