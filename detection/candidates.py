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

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from detection.config import DetectionConfig

#: Columns of the per-sensor candidate table (before night-level columns are added).
CANDIDATE_COLUMNS = {
    "start_ns": "int64", "end_ns": "int64", "duration_s": "float64", "peak_g": "float64",
    "peak_jerk_g_s": "float64", "axis": "object", "score": "float64", "kind": "object",
    "rejected_reason": "object", "clipped": "bool", "width_samples": "float64", "floor_g": "float64",
    "energy_s": "float64", "slow_ratio": "float64", "pre_dev_g": "float64", "post_dev_g": "float64",
    "pre_move_g": "float64",
    "rhythm_corr": "float64",
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
    turn: int

    @classmethod
    def of(cls, cfg: DetectionConfig, fs: float) -> Samples:
        def n(s: float) -> int:
            return max(1, round(s * fs))

        return cls(hp=n(cfg.highpass_window_s) | 1, block=n(cfg.block_s),
                   floor_blocks=max(1, round(cfg.floor_window_s / cfg.block_s)),
                   merge=n(cfg.merge_gap_s), ctx=n(cfg.context_s), gap=n(cfg.context_gap_s),
                   cap=n(cfg.max_candidate_s), lag=n(cfg.slow_lag_s), move_merge=n(cfg.move_merge_s),
                   min_move=n(cfg.plm_duration_s[0]), turn=n(cfg.turn_s))

    @property
    def half(self) -> int:
        """Half-width of the high-pass window: samples each side an output depends on."""
        return self.hp // 2

    @property
    def lookahead(self) -> int:
        """Samples after a candidate's last sample that its kind depends on."""
        return max(self.merge + 1, self.move_merge + 1, self.gap + self.ctx + self.hp) + self.half

    @property
    def lookback(self) -> int:
        """Samples before a candidate's first sample that it depends on."""
        return max(self.gap + self.ctx + self.hp, self.merge + 1, self.move_merge + 1,
                   self.turn + self.gap) + self.half + self.lag


#: Fewest distinct values an axis needs for its steps to tell the resolution.
MIN_DISTINCT = 32


def resolution_g(acc: np.ndarray, max_samples: int = 200_000) -> float:
    """The sensor's resolution: one step between its possible values, g.

    The median spacing of neighbouring distinct values of the axis with the finest steps
    (on at most ``max_samples`` evenly spread samples): one least significant bit for a
    quantised sensor (0.03 g for an 8-bit sensor at +-4 g), negligible for a fine one
    (0.24 mg for 16 bit at +-8 g). Without noise to dither it, a coarse step makes a still
    limb's signal jump by that much.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> acc = np.round(rng.normal(0, 1.0, (1000, 3)) / 0.03) * 0.03  # 8 bit at +-4 g
    >>> round(resolution_g(acc), 3)
    0.03
    """
    if len(acc) < 2:
        return 0.0
    sub = acc[:: max(1, len(acc) // max_samples)]
    values = [np.unique(sub[:, k]) for k in range(3)]
    # an axis with few distinct values (a synthetic or a still constant signal) says nothing
    steps = [float(np.median(np.diff(u))) for u in values if len(u) >= MIN_DISTINCT]
    return min(steps) if steps else 0.0


def for_resolution(cfg: DetectionConfig, res_g: float) -> DetectionConfig:
    """``cfg`` with its absolute floors raised above a coarse sensor's steps: a movement
    (``min_move_g``), a candidate's extent (``min_extent_g``) and its peak (``min_peak_g``,
    twice that) must exceed ``resolution_factor`` steps of ``res_g`` g."""
    floor = cfg.resolution_factor * res_g
    return replace(cfg, min_move_g=max(cfg.min_move_g, floor),
                   min_extent_g=max(cfg.min_extent_g, floor),
                   min_peak_g=max(cfg.min_peak_g, 2 * floor))


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
    c = np.zeros((x.shape[0], n + 1))
    np.cumsum(x, axis=-1, dtype=np.float64, out=c[:, 1:])
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
    return lp, hp, np.sqrt(np.einsum("ij,ij->j", hp, hp))


def block_stats(mag: np.ndarray, block: int) -> np.ndarray:
    """Median of ``mag`` in each complete block of ``block`` samples (the last partial
    block too when there is no complete one)."""
    nb = len(mag) // block
    if nb == 0:
        return np.array([np.median(mag)]) if len(mag) else np.zeros(0)
    return np.median(mag[: nb * block].reshape(nb, block), axis=1)


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
    if prev.any():
        out[prev] = np.nanmedian(win[prev], axis=1)
    if (~prev).any():
        out[~prev] = stats[0 - first]
    return out


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of the runs of True."""
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def regions(mag: np.ndarray, high: np.ndarray, low: np.ndarray, merge: int,
            cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Hysteresis regions: runs of ``mag > low`` (merged over gaps shorter than ``merge``
    samples, cut every ``cap`` samples) that contain a sample above ``high``.

    Returns
    -------
    start, end : ndarray of int
        Sample index of each region's first sample and one past its last.
    """
    s, e = _runs(mag > low)
    if len(s) == 0:
        return s, e
    new = np.r_[True, (s[1:] - e[:-1]) > merge]
    s, e = s[new], np.r_[e[:-1][new[1:]], e[-1]]
    n_pieces = (e - s + cap - 1) // cap
    if (n_pieces > 1).any():
        rep = np.repeat(np.arange(len(s)), n_pieces)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
        s, e = s[rep] + k * cap, np.minimum(s[rep] + (k + 1) * cap, e[rep])
    strong = np.r_[mag > high, False]
    idx = np.empty(2 * len(s), np.int64)
    idx[0::2], idx[1::2] = s, e
    hit = np.logical_or.reduceat(strong, idx)[0::2]
    return s[hit], e[hit]


def _rhythm(hp: np.ndarray, fs: float, band: tuple[float, float]) -> float:
    """Peak normalised autocorrelation of the main movement axis at periods in ``band``."""
    x = hp - hp.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    p = x @ vt[0]
    lo, hi = max(1, int(fs / band[1])), int(np.ceil(fs / band[0]))
    if len(p) < 2 * hi:
        return 0.0
    spec = np.fft.rfft(p, 2 * len(p))
    ac = np.fft.irfft(spec * np.conj(spec))[: hi + 1]
    if ac[0] <= 0:
        return 0.0
    return float(ac[lo:hi + 1].max() / ac[0] * len(p) / (len(p) - hi))


AXES = np.array(["x", "y", "z"])
#: ``rejected_reason`` of slow movements (found by :func:`slow_regions`).
SLOW_REASON = "slow movement or tilt"


def thresholds(floor: np.ndarray, cfg: DetectionConfig) -> tuple[np.ndarray, np.ndarray]:
    """Detection (high) and extent (low) thresholds from the noise floor, g."""
    return (np.maximum(cfg.threshold_factor * floor, cfg.min_peak_g),
            np.maximum(cfg.extent_factor * floor, cfg.min_extent_g))


def find(time_ns: np.ndarray, acc: np.ndarray, lp: np.ndarray, hp: np.ndarray, mag: np.ndarray,
         floor: np.ndarray, fs: float, cfg: DetectionConfig, ns: Samples) -> list[dict]:
    """Candidate regions of ``mag`` over its floor, with features and kind.

    All arrays cover the same samples; ``i0``/``i1`` of each candidate index into them.
    """
    high, low = thresholds(floor, cfg)
    s, e = regions(mag, high, low, ns.merge, ns.cap)
    ms, me = slow_regions(lp, floor, cfg, ns, s, e)
    if len(s) == 0 and len(ms) == 0:
        return []
    # samples near a strong burst (above the detection threshold, widened by the high-pass
    # window): left out of the context windows, so a neighbouring jerk is not taken for a
    # sustained movement
    c = np.r_[0, np.cumsum(mag > high)]
    i = np.arange(len(mag))
    busy = c[np.minimum(i + ns.hp + 1, len(mag))] - c[np.maximum(i - ns.hp, 0)] > 0
    # samples a burst candidate's low-passed smear reaches: left out of the movement
    # before a candidate (a jerk of a cluster is not the movement the next one comes from)
    mark = np.zeros(len(mag) + 1, np.int64)
    np.add.at(mark, np.clip(s - ns.hp, 0, len(mag)), 1)
    np.add.at(mark, np.clip(e + ns.hp, 0, len(mag)), -1)
    inburst = np.cumsum(mark[:-1]) > 0
    return [_features(i0, i1, time_ns, acc, lp, hp, mag, busy, inburst, high, floor, fs, cfg, ns, slow)
            for starts, ends, slow in ((s, e, False), (ms, me, True))
            for i0, i1 in zip(starts.tolist(), ends.tolist(), strict=True)]


def slow_change(lp: np.ndarray, lag: int) -> np.ndarray:
    """Magnitude of the change of the low-passed acceleration over ``lag`` samples, g
    (causal; 0 for the first ``lag`` samples)."""
    d = np.zeros(lp.shape[1])
    if lp.shape[1] > lag:
        diff = lp[:, lag:] - lp[:, :-lag]
        d[lag:] = np.sqrt(np.einsum("ij,ij->j", diff, diff))
    return d


def slow_regions(lp: np.ndarray, floor: np.ndarray, cfg: DetectionConfig, ns: Samples,
                 burst_s: np.ndarray, burst_e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slow limb movements (0.5 s or longer) that no burst candidate already covers.

    Runs of :func:`slow_change` above ``min_move_g`` (and ``extent_factor`` x floor),
    merged over ``move_merge_s``, lasting at least ``plm_duration_s[0]``, and not within
    the high-pass window of a burst candidate.
    """
    d = slow_change(lp, ns.lag)
    thr = np.maximum(cfg.extent_factor * floor, cfg.min_move_g)
    s, e = regions(d, thr, thr, ns.move_merge, ns.cap)
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


def scan(time_ns: np.ndarray, acc: np.ndarray, fs: float, cfg: DetectionConfig,
         chunk_s: float | None = None) -> pd.DataFrame:
    """Candidates in one gap-free run of samples (a whole segment: batch detection).

    Parameters
    ----------
    time_ns : ndarray of int64, shape (n,)
        Sample times, ns since the epoch (UTC).
    acc : ndarray, shape (n, 3)
        Acceleration, g.
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
    rows: list[dict] = []
    p, b = 0, 0  # samples before p are done; the window ends at b
    while p < n:
        b = min(n, max(b, p) + step)
        a = max(0, min(p - ns.lookback, known * ns.block - ns.half))
        lp, hp, mag = highpass(acc[a:b], ns.hp)
        exact_end = b if b == n else b - ns.half  # mag is exact before this
        if n < ns.block:  # no complete block: the partial one's median (as block_stats)
            stats, known = block_stats(mag, ns.block), 1
        else:
            k1 = exact_end // ns.block
            stats[known:k1] = block_stats(mag[known * ns.block - a:k1 * ns.block - a], ns.block)
            known = max(known, k1)
        end = min(exact_end, (known + 1) * ns.block)  # floor and mag known before this
        k0 = a // ns.block
        floor = np.repeat(block_floors(stats[:known], 0, k0, -(-end // ns.block), ns.floor_blocks),
                          ns.block)[a - k0 * ns.block:end - k0 * ns.block]
        m = end - a
        if b == n:
            q = n
        else:
            lo = max(p, a + ns.lag, a + ns.lookback) - a  # d (slow change) exact from here
            hi = end - ns.lookahead - a  # candidates before hi have all they depend on
            split = None
            if hi - lo >= need:
                _, low = thresholds(floor[lo:hi], cfg)
                d = slow_change(lp[:, lo - ns.lag:hi], ns.lag)[ns.lag:]
                above = (mag[lo:hi] > low) | (d > np.maximum(cfg.extent_factor * floor[lo:hi], cfg.min_move_g))
                split = quiet_end(above, need)
            if split is None or split + lo + a <= p:
                continue  # no split point yet: extend the window
            q = split + lo + a
        cands = find(time_ns[a:end], acc[a:end], lp[:, :m], hp[:, :m], mag[:m], floor, fs, cfg, ns)
        for c in cands:
            c["i0"] += a
            c["i1"] += a
        rows += [c for c in cands if p <= c["i0"] < q]
        p = q
    rows.sort(key=lambda c: (c["kind"] == "movement" and c["rejected_reason"] == SLOW_REASON, c["i0"]))
    return pd.DataFrame(rows) if rows else _empty()


def _motion(lp: np.ndarray) -> float:
    """Largest deviation of low-passed acceleration samples (m, 3) from their mean, g:
    how much the limb moves within a context window (0 when it rests, whatever its
    orientation)."""
    return float(np.sqrt(((lp - lp.mean(axis=0)) ** 2).sum(axis=1)).max()) if len(lp) else 0.0


def _empty() -> pd.DataFrame:
    cols = {"i0": "int64", "i1": "int64", **CANDIDATE_COLUMNS}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


def _features(i0: int, i1: int, time_ns, acc, lp, hp, mag, busy, inburst, high, floor, fs: float,
              cfg: DetectionConfig, ns: Samples, slow: bool = False) -> dict:
    """Features and kind of one candidate spanning samples [i0, i1) (``slow``: a slow
    movement, never a jerk)."""
    n = len(mag)
    seg = mag[i0:i1]
    k = i0 + int(np.argmax(seg))
    peak = float(mag[k])
    ax = int(np.argmax(np.abs(hp[:, k])))
    axis = ("+" if hp[ax, k] >= 0 else "-") + AXES[ax]
    d = np.diff(acc[max(i0 - 1, 0):i1], axis=0)
    peak_jerk = float(np.sqrt((d.astype(np.float64) ** 2).sum(axis=1)).max()) * fs if len(d) else 0.0
    a, b = max(i0 - ns.gap - ns.ctx, 0), max(i0 - ns.gap, 0)
    pre = lp[:, a:b].T[~busy[a:b]]
    a, b = min(i1 + ns.gap, n), min(i1 + ns.gap + ns.ctx, n)
    post = lp[:, a:b].T[~busy[a:b]]
    base = pre.mean(axis=0) if len(pre) else lp[:, i0]
    after = post.mean(axis=0) if len(post) else base
    # the high-pass smears a burst by half its window: trim the extent to where the raw
    # acceleration leaves the level before it and returns to the level after it
    low = max(cfg.extent_factor * float(floor[k]), cfg.min_extent_g)
    out = np.flatnonzero(np.sqrt(((acc[i0:k + 1] - base) ** 2).sum(axis=1)) > low)
    j0 = i0 + int(out[0]) if len(out) else i0
    out = np.flatnonzero(np.sqrt(((acc[k:i1] - after) ** 2).sum(axis=1)) > low)
    j1 = k + int(out[-1]) + 1 if len(out) else i1
    pre_dev = _motion(pre)
    post_dev = _motion(post)
    # slow movement in the seconds before, away from strong bursts (a rotation the burst
    # ends, e.g. a landing, or a fidget under way; a jerk comes out of rest)
    a, b = max(i0 - ns.gap - ns.turn, ns.lag), max(i0 - ns.gap, ns.lag)
    quiet = ~(inburst[a:b] | inburst[a - ns.lag:b - ns.lag]) if b > a else np.zeros(0, bool)
    lag_change = lp[:, a:b] - lp[:, a - ns.lag:b - ns.lag]
    moved = np.sqrt(np.einsum("ij,ij->j", lag_change, lag_change))[quiet]
    pre_move = float(moved.max()) if len(moved) else 0.0
    top = np.abs(acc[i0:i1]).max()
    clipped = bool(np.any(np.abs(top - np.asarray(cfg.clip_ranges_g)) <= 0.002 * np.asarray(cfg.clip_ranges_g)))
    dur = (int(time_ns[j1 - 1]) - int(time_ns[j0])) / 1e9 + 1.0 / fs
    e2 = seg.astype(np.float64) ** 2
    width = float(e2.sum() ** 2 / (e2 ** 2).sum())
    cum = np.cumsum(e2) / e2.sum()
    energy_s = (int(np.searchsorted(cum, 0.95)) - int(np.searchsorted(cum, 0.05)) + 1) / fs
    rhythm = _rhythm(hp[:, i0:i1].T, fs, cfg.rhythm_band_hz) if dur >= cfg.rhythm_min_s else 0.0
    # how slow the movement is: the largest change of the low-passed acceleration during
    # the candidate against its high-passed peak (a twitch is brisk, a voluntary movement
    # mostly below the high-pass's ~4 Hz)
    ref = lp[:, max(i0 - ns.half, 0)]
    moved = lp[:, i0:min(i1 + ns.half, n)] - ref[:, None]
    slow_ratio = float(np.sqrt(np.einsum("ij,ij->j", moved, moved)).max()) / max(peak, 1e-12)
    if slow:
        kind, reason = "movement", SLOW_REASON
    elif width <= (cfg.clipped_spike_max_samples if clipped else cfg.spike_max_samples):
        kind, reason = "artefact", "clipped spike" if clipped else "single-sample spike"
    elif rhythm >= cfg.rhythm_min_corr:
        kind, reason = "rhythmic", f"rhythmic {cfg.rhythm_band_hz[0]:g}-{cfg.rhythm_band_hz[1]:g} Hz"
    elif energy_s > cfg.jerk_max_s:
        kind, reason = "movement", f"longer than {cfg.jerk_max_s:g} s"
    elif slow_ratio > cfg.max_slow_ratio:
        kind, reason = "movement", "mostly slow (a voluntary movement)"
    elif post_dev > max(cfg.sustained_g, cfg.sustained_ratio * pre_dev):
        kind, reason = "movement", "the limb keeps moving after it"
    elif pre_move > cfg.min_move_g:
        kind, reason = "movement", "the limb was moving before it (not out of rest)"
    else:
        kind, reason = "jerk", ""
    return dict(
        i0=i0, i1=i1, start_ns=int(time_ns[j0]), end_ns=int(time_ns[j1 - 1]), duration_s=dur,
        peak_g=peak, peak_jerk_g_s=peak_jerk, axis=axis,
        score=float(np.clip(1.0 - high[k] / peak, 0.0, 1.0)), kind=kind,
        rejected_reason=reason, clipped=clipped, width_samples=width, floor_g=float(floor[k]),
        energy_s=energy_s, slow_ratio=slow_ratio, pre_dev_g=pre_dev, post_dev_g=post_dev, pre_move_g=pre_move,
        rhythm_corr=rhythm,
    )
