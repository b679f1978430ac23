"""The sleeper's own "I felt one" marker: two firm taps on the sensor.

A tap of a finger on the sensor is an impact much shorter than any limb movement: the
high-passed acceleration jumps above ``min_tap_g`` for at most ``tap_max_s``. A marker
is two such taps ``tap_gap_s`` apart, with the sensor otherwise still for ``quiet_s``
before the first and after the second (so scratching, tremor or a restless limb, which
make many peaks, are never taken for a marker, and a single knock is not one either).
A tap knocks the sensor, not the limb: the limb lies as it did before (a strong jerk
with a rebound also makes two brief peaks, but it usually leaves the limb some degrees
away).

:func:`find_markers` is a pure function on a :class:`~sensing.recording.Recording`
returning one row per marker; :func:`exclude_markers` is the hook by which jerk
detection (:func:`detection.night.sensor_candidates`) relabels the candidates the taps
made as kind ``marker``, so a marker is never counted as a jerk.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sensing.errors import HypnicError
from sensing.recording import Recording

MARKER_COLUMNS = {"start": "datetime64[ns, UTC]", "end": "datetime64[ns, UTC]",
                  "location": "object", "source": "object", "peak_g": "float64"}
#: Kind and reason given to the jerk candidates a marker's taps made.
MARKER_KIND = "marker"
MARKER_REASON = "felt-it marker (double tap on the sensor)"


@dataclass(frozen=True)
class MarkerConfig:
    """Parameters of the double-tap marker.

    Attributes
    ----------
    highpass_window_s : float
        Moving median subtracted from each axis (removes gravity and slow movement), s.
        Default 0.25.
    min_tap_g : float
        A tap's high-passed magnitude reaches at least this, g. Default 1.0.
    quiet_fraction : float
        The sensor counts as moving while the magnitude exceeds this fraction of
        ``min_tap_g``. Default 0.4.
    tap_max_s : float
        Longest tap (time above the moving level), s, or one sample period if that is
        longer. Default 0.08: a finger's impact lasts 10-30 ms, and rings the sensor on
        its strap (12-35 Hz) for some tens of ms more.
    merge_s : float
        Moving samples closer than this belong to one movement, s. Default 0.05.
    tap_gap_s : tuple of float
        Shortest and longest time from the first tap to the second, s. Default
        (0.15, 0.6): two deliberate taps, slower than a bounce, within about half a second.
    between_s : float
        The sensor is quiet for at least this long between the two taps, s. Default 0.1
        (the lobes of one jerk follow each other at once).
    quiet_s : float
        No movement this long before the first tap and after the second, s. Default 1.0.
    max_tilt_deg : float
        The limb's orientation (mean acceleration over the ``quiet_s`` before the first
        tap and after the second) turns by at most this, degrees. Default 5: a tap does not
        move the limb; a hypnic jerk leaves it a few to more than 10 degrees away in most
        cases (the biomechanical model: 2-15 degrees after 70 % of its jerks).
    margin_s : float
        Jerk candidates starting within this of a marker's taps are the taps, s.
        Default 0.3.
    """

    highpass_window_s: float = 0.25
    min_tap_g: float = 1.0
    quiet_fraction: float = 0.4
    tap_max_s: float = 0.08
    merge_s: float = 0.05
    tap_gap_s: tuple[float, float] = (0.15, 0.6)
    between_s: float = 0.1
    quiet_s: float = 1.0
    max_tilt_deg: float = 5.0
    margin_s: float = 0.3

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not all(x > 0 for x in (v if isinstance(v, tuple) else (v,))):
                raise HypnicError(f"MarkerConfig.{f.name} must be positive, got {v!r}")
        if not self.tap_gap_s[0] < self.tap_gap_s[1]:
            raise HypnicError(f"MarkerConfig.tap_gap_s must be (low, high), got {self.tap_gap_s}")


def empty_markers() -> pd.DataFrame:
    """A marker table with no rows and the columns of :data:`MARKER_COLUMNS`."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in MARKER_COLUMNS.items()})


def find_markers(rec: Recording, config: MarkerConfig | None = None) -> pd.DataFrame:
    """Double taps on one sensor.

    Parameters
    ----------
    rec : Recording
    config : MarkerConfig, optional

    Returns
    -------
    DataFrame
        One row per marker: ``start`` (first tap, UTC), ``end`` (second tap, UTC),
        ``location``, ``source`` (``tap``), ``peak_g`` (the firmer tap's high-passed
        magnitude, g); empty with these columns when there is none.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(500) * 20_000_000  # 10 s at 50 Hz
    >>> acc = np.tile([0.0, 0.0, 1.0], (500, 1))
    >>> acc[200, 0] = acc[215, 0] = 3.0  # two taps 0.3 s apart
    >>> find_markers(Recording(t, acc, 50.0, "wrist-left"))[["location", "source"]].values.tolist()
    [['wrist-left', 'tap']]
    """
    cfg = config or MarkerConfig()
    if len(rec) < 3:
        return empty_markers()
    k = max(int(round(cfg.highpass_window_s * rec.fs)), 3)
    # cheap pass: where a tap may be. The mean of each block of k samples lets a spike
    # through nearly whole (a tap of up to a third of the block moves it by a third at
    # most; the threshold is half a tap); only in the blocks whose range allows a
    # sample that far from their mean (a tenth to spare for rounding), in float32
    n, thr = len(rec), (0.5 * cfg.min_tap_g) ** 2
    first = np.arange(0, n, k)
    span = np.maximum.reduceat(rec.acc, first, axis=0) - np.minimum.reduceat(rec.acc, first, axis=0)
    busy = np.flatnonzero(np.einsum("ij,ij->i", span, span) > 0.9 * thr)
    if not len(busy):
        return empty_markers()
    size = np.diff(np.r_[first, n])[busy]
    idx = _stretches(first[busy], first[busy] + size)
    level = np.add.reduceat(rec.acc[idx], np.cumsum(size) - size, axis=0) / size[:, None]
    dev = rec.acc[idx] - np.repeat(level.astype(np.float32), size, axis=0)
    cand = idx[np.einsum("ij,ij->i", dev, dev) > thr]
    if not len(cand):
        return empty_markers()
    # two taps stand alone, apart by at least between_s: a bout of such deviations
    # (parts less than quiet_s apart) shorter than that is one tap, and one longer than
    # two taps and their gap, plus a block's smear, is movement, not a marker (an
    # afternoon of activity would otherwise be median-filtered whole)
    cut = np.flatnonzero(np.diff(cand) > cfg.quiet_s * rec.fs) + 1
    a, b = cand[np.r_[0, cut]], cand[np.r_[cut - 1, len(cand) - 1]]
    keep = ((b - a >= cfg.between_s * rec.fs - 1)
            & (b - a <= (cfg.tap_gap_s[1] + max(cfg.tap_max_s, 1.0 / rec.fs)) * rec.fs + k))
    cand = np.sort(np.r_[a[keep], b[keep]])
    if not len(cand):
        return empty_markers()
    # around each bout (which holds both taps), the quiet second either side of them and
    # the filter's reach
    pad = int(np.ceil((cfg.quiet_s + max(cfg.tap_max_s, 1.0 / rec.fs)) * rec.fs)) + k
    cut = np.flatnonzero(np.diff(cand) > 2 * pad) + 1
    lo = np.maximum(cand[np.r_[0, cut]] - pad, 0)
    hi = np.minimum(cand[np.r_[cut - 1, len(cand) - 1]] + pad + 1, n)
    # the stretches around them, all at once: a moving median leaves a tap whole and its
    # neighbours untouched
    idx = _stretches(lo, hi)
    hp = rec.acc[idx].astype(np.float64) - _moving_median(rec.acc, k, lo, hi)
    rows = _double_taps(rec.time_ns[idx], np.repeat(np.arange(len(lo)), hi - lo),
                        np.linalg.norm(hp, axis=1), cfg, rec)
    out = pd.DataFrame(rows, columns=["start", "end", "peak_g"])
    if out.empty:
        return empty_markers()
    out = out.assign(start=pd.to_datetime(out["start"], utc=True),
                     end=pd.to_datetime(out["end"], utc=True), location=rec.location,
                     source="tap")
    return out[list(MARKER_COLUMNS)].astype(MARKER_COLUMNS)


def _stretches(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The indices ``lo[0]:hi[0]``, ``lo[1]:hi[1]``, ... concatenated."""
    n = hi - lo
    return np.arange(n.sum()) - np.repeat(np.cumsum(n) - n - lo, n)


#: Samples whose moving median is computed at once (bounds the window copies: 5 MB at
#: k = 25, three float32 axes).
MEDIAN_CHUNK = 1 << 14


def _moving_median(x: np.ndarray, k: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Moving median over ``k`` samples around each sample of the stretches
    ``x[lo[i]:hi[i]]``, each with its edges repeated, concatenated (float64, rows of
    ``x``; for an even ``k`` the upper of the two middle values, as
    ``scipy.ndimage.median_filter(mode="nearest")``)."""
    # each stretch with its edges repeated, end to end: the windows across a joint are
    # computed and dropped
    n = hi - lo
    padded = np.clip(_stretches(lo - k // 2, hi + (k - 1) // 2), np.repeat(lo, n + k - 1),
                     np.repeat(hi - 1, n + k - 1))
    w = np.lib.stride_tricks.sliding_window_view(x[padded], k, axis=0)
    med = np.empty(w.shape[:-1])
    for i in range(0, len(w), MEDIAN_CHUNK):
        med[i:i + MEDIAN_CHUNK] = np.partition(w[i:i + MEDIAN_CHUNK], k // 2, axis=-1)[..., k // 2]
    return med[_stretches(np.cumsum(n + k - 1) - (n + k - 1), np.cumsum(n + k - 1) - (k - 1))]


def _double_taps(t: np.ndarray, stretch: np.ndarray, mag: np.ndarray, cfg: MarkerConfig,
                 rec: Recording) -> list[tuple[int, int, float]]:
    """(first tap ns, second tap ns, peak g) of the double taps in stretches of ``rec``
    (``t`` their sample times, ns; ``stretch`` the stretch of each sample; ``mag`` the
    high-passed magnitude, g)."""
    moving = np.flatnonzero(mag > cfg.min_tap_g * cfg.quiet_fraction)
    if len(moving) < 2:
        return []
    first = np.r_[0, np.flatnonzero((np.diff(t[moving]) > cfg.merge_s * 1e9)
                                    | (np.diff(stretch[moving]) != 0)) + 1]
    last = np.r_[first[1:] - 1, len(moving) - 1]
    t0, t1 = t[moving[first]], t[moving[last]]
    apart = stretch[moving[first]][1:] != stretch[moving[first]][:-1]  # runs (i, i + 1)
    peak = np.maximum.reduceat(mag[moving], first)
    tap = (peak >= cfg.min_tap_g) & ((t1 - t0) <= max(cfg.tap_max_s, 1.0 / rec.fs) * 1e9)
    gap = (t0[1:] - t0[:-1]) / 1e9
    between = (t0[1:] - t1[:-1]) / 1e9
    quiet = cfg.quiet_s * 1e9
    before = np.r_[True, (t0[1:-1] - t1[:-2] > quiet) | apart[:-1]]  # for the pair (i, i + 1)
    after = np.r_[(t0[2:] - t1[1:-1] > quiet) | apart[1:], True]
    pair = (tap[:-1] & tap[1:] & ~apart & (gap >= cfg.tap_gap_s[0]) & (gap <= cfg.tap_gap_s[1])
            & (between >= cfg.between_s) & before & after)
    return [(int(t0[i]), int(t1[i + 1]), float(max(peak[i], peak[i + 1])))
            for i in np.flatnonzero(pair)
            if _tilt_deg(rec.time_ns, rec.acc, int(t0[i]), int(t1[i + 1]), cfg.quiet_s)
            <= cfg.max_tilt_deg]


def _tilt_deg(t: np.ndarray, acc: np.ndarray, first_ns: int, last_ns: int, quiet_s: float) -> float:
    """Angle between the mean acceleration over the ``quiet_s`` before ``first_ns`` and
    over the ``quiet_s`` after ``last_ns`` (ns), degrees (0 when either side has no
    sample)."""
    q = int(quiet_s * 1e9)
    a0, a1, b0, b1 = np.searchsorted(t, [first_ns - q, first_ns, last_ns + 1, last_ns + 1 + q])
    if a1 <= a0 or b1 <= b0:
        return 0.0
    u, v = acc[a0:a1].mean(axis=0), acc[b0:b1].mean(axis=0)
    cos = float(u @ v) / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-12)
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def exclude_markers(cands: pd.DataFrame, markers: pd.DataFrame,
                    config: MarkerConfig | None = None) -> pd.DataFrame:
    """Relabel the candidates that are a marker's taps as kind :data:`MARKER_KIND`.

    Parameters
    ----------
    cands : DataFrame
        One sensor's candidates (``start_ns``, ``kind``, ``rejected_reason``).
    markers : DataFrame
        That sensor's markers (:func:`find_markers`).
    config : MarkerConfig, optional

    Returns
    -------
    DataFrame
        ``cands`` with the taps relabelled (a copy when any is).
    """
    if cands.empty or markers.empty:
        return cands
    margin = int((config or MarkerConfig()).margin_s * 1e9)
    lo = markers["start"].to_numpy("datetime64[ns]").view(np.int64) - margin
    hi = markers["end"].to_numpy("datetime64[ns]").view(np.int64) + margin
    s = cands["start_ns"].to_numpy(np.int64)
    tap = ((s[:, None] >= lo[None, :]) & (s[:, None] <= hi[None, :])).any(axis=1)
    if not tap.any():
        return cands
    cands = cands.copy()
    cands.loc[tap, "kind"] = MARKER_KIND
    cands.loc[tap, "rejected_reason"] = MARKER_REASON
    return cands
