"""The one sample format every part of hypnic uses: :class:`Recording`.

A recording is one sensor's tri-axial acceleration over a night.

* ``time_ns`` — int64 nanoseconds since the Unix epoch, UTC, strictly increasing.
* ``acc`` — float32 array of shape (n, 3), axes x, y, z in g (1 g = 9.80665 m/s^2).
* ``fs`` — nominal sampling rate in Hz (the real rate may drift slightly from it).
* ``location`` — where the sensor was worn, one of :data:`sensing.body.LOCATIONS` (or ``"unknown"``).
* ``device`` — free text naming the sensor or file it came from.
* ``gaps`` — int64 array (k, 2) of [start_ns, end_ns) spans with no samples: the time
  of the last sample before the gap and of the first sample after it. Gaps are kept as
  gaps; samples are never invented to fill them.
* ``meta`` — what the source says besides the samples: ``format``, ``tz`` (the zone the
  file states), ``time_issues``, and :data:`STILL_SPANS` where the device wrote nothing
  because it lay still.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sensing.body import LOCATIONS
from sensing.errors import InvalidRecordingError, wrong_type

if TYPE_CHECKING:
    import pandas as pd

G = 9.80665
"""Standard gravity in m/s^2; 1 g."""

#: A gap is any step between consecutive samples longer than this many nominal periods.
GAP_FACTOR = 2.0

#: ``meta`` key of the spans a device wrote no samples because it lay still (an ActiGraph
#: in idle sleep mode): int64 array (k, 2) of [start_ns, end_ns]. Its gaps there are
#: stillness, not missing data (``detection.night.night_sleep`` reads them so).
STILL_SPANS = "still_spans_ns"


#: Samples a check over a whole recording looks at a time: its temporaries stay small
#: (a week at 100 Hz would otherwise need a 480 MB array of steps) and are reused from
#: the heap instead of being mapped and faulted in again for each chunk.
CHUNK = 1 << 14


def steps_where(time_ns: np.ndarray, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Indices ``i`` whose step ``time_ns[i + 1] - time_ns[i]`` passes ``test`` (a
    vectorised predicate), computed a :data:`CHUNK` at a time.

    Examples
    --------
    >>> steps_where(np.array([0, 10, 20, 50, 40]), lambda d: d > 15).tolist()
    [2]
    """
    out = [np.flatnonzero(test(np.diff(time_ns[i:i + CHUNK + 1]))) + i
           for i in range(0, max(len(time_ns) - 1, 0), CHUNK)]
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def all_finite(a: np.ndarray) -> bool:
    """Whether every value of ``a`` is finite (a :data:`CHUNK` of rows at a time)."""
    return all(bool(np.isfinite(a[i:i + CHUNK]).all()) for i in range(0, len(a), CHUNK))


def find_gaps(time_ns: np.ndarray, fs: float, factor: float = GAP_FACTOR) -> np.ndarray:
    """Spans with no samples.

    Parameters
    ----------
    time_ns : ndarray of int64
        Sample times, ns since the epoch, increasing.
    fs : float
        Nominal sampling rate, Hz.
    factor : float
        A step longer than ``factor / fs`` seconds is a gap.

    Returns
    -------
    ndarray of int64, shape (k, 2)
        [last sample before, first sample after] of each gap, ns.
    """
    idx = steps_where(time_ns, lambda d: d > factor * 1e9 / fs)
    return np.stack([time_ns[idx], time_ns[idx + 1]], axis=1).astype(np.int64)


def median(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """The median along ``axis``, by partial sorting (``np.median`` imports ``numpy.ma``,
    a noticeable share of reading a file in a fresh process).

    Examples
    --------
    >>> float(median(np.array([3.0, 1.0, 2.0, 10.0])))
    2.5
    """
    x = np.asarray(x)
    n = x.shape[axis]
    if n == 0:
        return np.full(np.delete(x.shape, axis), np.nan) if x.ndim > 1 else np.float64(np.nan)
    part = np.partition(x, [(n - 1) // 2, n // 2], axis=axis)
    return (np.take(part, (n - 1) // 2, axis=axis) + np.take(part, n // 2, axis=axis)) / 2


def norms(acc: np.ndarray) -> np.ndarray:
    """Length of each (x, y, z) row, float64; ``inf`` for values too big to square (no
    numpy warning: a file's wrong units are reported by the caller, in one line)."""
    a = np.asarray(acc, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.sqrt(np.einsum("ij,ij->i", a, a))


def infer_fs(time_ns: np.ndarray) -> float:
    """Nominal sampling rate from sample times: the median step, in Hz (3 significant digits)."""
    if len(time_ns) < 2:
        raise InvalidRecordingError("cannot infer the sampling rate from fewer than 2 samples")
    step = float(median(np.diff(time_ns)))
    if step <= 0:
        raise InvalidRecordingError("cannot infer the sampling rate: timestamps do not increase")
    return float(f"{1e9 / step:.3g}")


#: Fewest distinct values an axis needs for its steps to tell the resolution.
MIN_DISTINCT = 32


def resolution_g(acc: np.ndarray, max_samples: int = 50_000) -> float:
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


def _epoch_ns(t: Any) -> int:
    """A moment as ns since the epoch: an int as it is, ISO-8601 text or a Timestamp
    (datetime, datetime64) in UTC when it carries no zone (:meth:`Recording.slice_time`)."""
    import datetime as dt

    import pandas as pd

    if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
        return int(t)
    if not isinstance(t, (str, dt.datetime, np.datetime64)):
        raise wrong_type("slice_time", "a moment: ns since the epoch (int), ISO-8601 text or a Timestamp", t)
    try:
        stamp = pd.Timestamp(t)
    except ValueError:
        raise InvalidRecordingError(f"slice_time: {str(t)[:40]!r} is not a time; give ISO-8601 "
                                    "(2026-01-05T22:00:00Z) or ns since the epoch") from None
    return int((stamp if stamp.tzinfo else stamp.tz_localize("UTC")).as_unit("ns").value)


@dataclass(frozen=True, eq=False)
class Recording:
    """One sensor's samples. See the module docstring for the format and units.

    Raises
    ------
    InvalidRecordingError
        If the arrays break the format: wrong shape, times not strictly increasing,
        non-finite accelerations, a non-positive rate or an unknown location.

    Examples
    --------
    >>> import numpy as np
    >>> rec = Recording(np.arange(5) * 40_000_000, np.zeros((5, 3)), fs=25.0, location="wrist-left")
    >>> rec
    Recording(wrist-left, unknown, n=5, fs=25 Hz, 0.00 h, 0 gaps)
    >>> rec.body_part, rec.to_frame().columns.tolist()
    ('arm-left', ['x', 'y', 'z'])
    """

    time_ns: np.ndarray
    acc: np.ndarray
    fs: float
    location: str = "unknown"
    device: str = "unknown"
    gaps: np.ndarray = field(default=None)  # type: ignore[arg-type]  # None: found from time_ns
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = np.asarray(self.time_ns)
        if t.dtype.kind == "M":
            t = t.astype("datetime64[ns]").view(np.int64)
        if t.ndim != 1 or t.dtype.kind not in "iu":
            raise InvalidRecordingError(
                f"time_ns must be a 1-D integer array of ns since the epoch, got {t.dtype} {t.shape}"
            )
        acc = np.asarray(self.acc)
        if acc.ndim != 2 or acc.shape[1] != 3:
            raise InvalidRecordingError(f"acc must have shape (n, 3), got {acc.shape}")
        if acc.dtype.kind not in "iuf":
            raise InvalidRecordingError(f"acc must hold numbers (g), got {acc.dtype} values")
        if acc.shape[0] != t.shape[0]:
            raise InvalidRecordingError(
                f"{t.shape[0]} timestamps but {acc.shape[0]} acceleration samples"
            )
        if isinstance(self.fs, bool) or not isinstance(self.fs, (int, float, np.integer, np.floating)):
            raise wrong_type("Recording: fs", "a number of Hz", self.fs)
        if not (np.isfinite(self.fs) and self.fs > 0):
            raise InvalidRecordingError(f"fs must be a positive number of Hz, got {self.fs!r}")
        if self.location not in LOCATIONS:
            raise InvalidRecordingError(
                f"unknown location {self.location!r}; expected one of {', '.join(LOCATIONS)}"
            )
        t = t.astype(np.int64, copy=False)
        acc = acc.astype(np.float32, copy=False)
        if len(t) > 1:
            bad = steps_where(t, lambda d: d <= 0)
            if bad.size:
                i = int(bad[0])
                raise InvalidRecordingError(
                    f"timestamps must strictly increase: sample {i + 1} ({t[i + 1]} ns) "
                    f"is not after sample {i} ({t[i]} ns); {bad.size} such steps"
                )
        if not all_finite(acc):
            finite = np.isfinite(acc).all(axis=1)
            i = int(np.flatnonzero(~finite)[0])
            raise InvalidRecordingError(
                f"acceleration must be finite: sample {i} is {acc[i].tolist()}; "
                f"{int((~finite).sum())} such samples (drop them and keep the gap instead)"
            )
        gaps = find_gaps(t, self.fs) if self.gaps is None else np.asarray(self.gaps, np.int64)
        if gaps.size == 0:  # [] or an empty array of any shape
            gaps = gaps.reshape(0, 2)
        if gaps.ndim != 2 or gaps.shape[1] != 2:
            raise InvalidRecordingError(f"gaps must have shape (k, 2): (first, last) ns of each, "
                                        f"got {gaps.shape}")
        object.__setattr__(self, "time_ns", t)
        object.__setattr__(self, "acc", acc)
        object.__setattr__(self, "fs", float(self.fs))
        object.__setattr__(self, "gaps", gaps)

    def __len__(self) -> int:
        return int(self.time_ns.shape[0])

    def __repr__(self) -> str:
        return (
            f"Recording({self.location}, {self.device}, n={len(self)}, fs={self.fs:g} Hz, "
            f"{self.duration_s / 3600:.2f} h, {len(self.gaps)} gaps)"
        )

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample, s."""
        return float(self.time_ns[-1] - self.time_ns[0]) / 1e9 if len(self) else 0.0

    @property
    def body_part(self) -> str:
        """Body part the sensor sits on (see :data:`sensing.body.LOCATIONS`)."""
        return LOCATIONS[self.location]

    @property
    def still_spans(self) -> np.ndarray:
        """The spans the device said it lay still and wrote nothing in (``meta``
        :data:`STILL_SPANS`), within the samples' time: int64 (k, 2), ns."""
        spans = np.asarray(self.meta.get(STILL_SPANS, np.zeros((0, 2))), np.int64).reshape(-1, 2)
        if not len(self.time_ns):
            return spans[:0]
        t0, t1 = int(self.time_ns[0]), int(self.time_ns[-1])
        return np.clip(spans[(spans[:, 1] > t0) & (spans[:, 0] < t1)], t0, t1)

    def slice_time(self, start_ns: Any, end_ns: Any) -> Recording:
        """Samples with ``start_ns <= time_ns < end_ns``, as a new Recording, with the gaps
        between them (a gap that begins at its last sample, or ends at its first, is not
        one of its own). The bounds: ns since the epoch (int), or moments as ISO-8601
        text or Timestamps (UTC when they carry no zone).

        Raises
        ------
        HypnicError
            If a bound is none of these, or text that is not a time.
        """
        i0, i1 = np.searchsorted(self.time_ns, [_epoch_ns(start_ns), _epoch_ns(end_ns)])
        keep = np.zeros(len(self.gaps), bool)
        if i1 > i0:
            keep = (self.gaps[:, 0] >= self.time_ns[i0]) & (self.gaps[:, 1] <= self.time_ns[i1 - 1])
        return Recording(
            self.time_ns[i0:i1], self.acc[i0:i1], self.fs, self.location, self.device,
            self.gaps[keep], dict(self.meta),
        )

    def to_frame(self) -> pd.DataFrame:
        """A DataFrame with a UTC DatetimeIndex named ``time`` and float32 columns x, y, z (g)."""
        import pandas as pd

        index = pd.DatetimeIndex(self.time_ns.view("datetime64[ns]"), name="time").tz_localize("UTC")
        df = pd.DataFrame(self.acc, index=index, columns=["x", "y", "z"])
        df.attrs.update(fs=self.fs, location=self.location, device=self.device)
        return df

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        fs: float | None = None,
        location: str | None = None,
        device: str | None = None,
    ) -> Recording:
        """Build a Recording from a DataFrame with a DatetimeIndex and columns x, y, z in g.

        A naive index is taken as UTC. ``fs``, ``location`` and ``device`` default to
        ``df.attrs`` and then to the median sample step, ``"unknown"`` and ``"unknown"``.
        """
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise wrong_type("Recording.from_frame", "a DataFrame with a DatetimeIndex and columns x, y, z", df)
        missing = [c for c in ("x", "y", "z") if c not in df.columns]
        if missing:
            raise InvalidRecordingError(f"DataFrame lacks column(s) {missing}; expected x, y, z in g")
        if not isinstance(df.index, pd.DatetimeIndex):
            raise InvalidRecordingError("DataFrame index must be a DatetimeIndex of sample times")
        idx = df.index if df.index.tz is None else df.index.tz_convert("UTC").tz_localize(None)
        t = idx.as_unit("ns").asi8
        fs = fs or df.attrs.get("fs") or infer_fs(t)
        return cls(
            t,
            df[["x", "y", "z"]].to_numpy(np.float32),
            fs,
            location or df.attrs.get("location", "unknown"),
            device or df.attrs.get("device", "unknown"),
        )
