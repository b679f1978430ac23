"""Time reality: turn the raw sample times of a file into valid Recordings.

Policy (documented in docs/file-formats.md):

* **Missing values** — rows whose time or any axis is empty or not finite are dropped;
  the hole they leave is a gap. Reported as ``missing``.
* **Late rows** — a sample that goes back in time by at most ``max_reorder_s`` (1 s)
  is sorted into place (stable sort). Reported as ``unsorted``.
* **Clock jumps back** — a step back in time by more than ``max_reorder_s`` (a DST
  change, a phone clock sync, a device restart) is ambiguous: the recording is split
  there, each part kept in its own Recording. Reported as ``clock-jump``.
* **Duplicates** — a sample repeated with the same time and the same values is dropped
  (``duplicate``). The same time with different values cannot be resolved and raises
  :class:`~sensing.errors.InvalidRecordingError`.
* **Gaps** — steps longer than 2 nominal periods stay gaps (``Recording.gaps``);
  samples are never invented. Reported as ``gap``.
* **Units** — a median acceleration above 4 g cannot come from a worn sensor and
  raises :class:`~sensing.errors.FormatError` (wrong units); below 0.25 g (no gravity)
  a warning is logged.
* **Rate changes** — blocks of 256 samples whose median step differs from the nominal
  rate by more than 10 % for at least two blocks in a row start a new Recording with
  its own rate. Reported as ``rate-change``, as is a stated rate (header, ``fs=``) that
  the sample times contradict by more than 10 % (the measured rate is used).

Each issue is a dict ``{"kind", "time" (ISO-8601 UTC), "detail"}`` in the Recording's
``meta["time_issues"]``; a summary is logged as a warning.
"""

from __future__ import annotations

import logging

import numpy as np

from sensing.errors import FormatError, InvalidRecordingError
from sensing.recording import GAP_FACTOR, Recording, find_gaps, infer_fs

log = logging.getLogger(__name__)

#: Samples per block when looking for rate changes.
RATE_BLOCK = 256
#: Relative change of the sampling rate that counts as a rate change.
RATE_TOLERANCE = 0.10
#: A median acceleration above this (g) cannot come from a worn sensor: wrong units.
MAX_MEDIAN_G = 4.0
#: Below this (g) the signal lacks gravity (logged, not refused).
MIN_MEDIAN_G = 0.25


def _iso(t_ns: int) -> str:
    return "unknown" if t_ns == np.iinfo(np.int64).min else str(np.datetime64(int(t_ns), "ns")) + "Z"


def make_issue(kind: str, t_ns: int, detail: str) -> dict[str, str]:
    """One ``meta["time_issues"]`` entry: kind, time (ISO-8601 UTC) and a sentence."""
    return {"kind": kind, "time": _iso(t_ns), "detail": detail}


def build_recordings(time_ns: np.ndarray, acc: np.ndarray, *, name: str, fs: float | None,
                     location: str, device: str, meta: dict | None = None,
                     max_reorder_s: float = 1.0, issues: list[dict] | None = None) -> list[Recording]:
    """Valid Recordings from the raw times and accelerations read from a file.

    Parameters
    ----------
    time_ns : ndarray of int64
        Sample times, ns since the epoch (UTC), in file order.
    acc : ndarray, shape (n, 3)
        Accelerations in g, NaN where a value was missing.
    name : str
        File name, for messages.
    fs : float or None
        Nominal rate in Hz (None: inferred from the median step).
    location, device : str
    meta : dict, optional
        Copied into every Recording's ``meta``.
    max_reorder_s : float
        Largest backward step, s, that is sorted into place rather than split.
    issues : list of dict, optional
        Issues the reader already found (added to every part).

    Returns
    -------
    list of Recording
        One per part of the file between clock jumps and rate changes.
    """
    t = np.asarray(time_ns, np.int64)
    a = np.asarray(acc, np.float32)
    issues = list(issues or [])
    ok = np.isfinite(a).all(axis=1)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        issues.append(make_issue("missing", t[bad[0]], f"{bad.size} rows with a missing or "
                             "non-finite value dropped (left as gaps)"))
        t, a = t[ok], a[ok]
    if len(t) < 2:
        raise InvalidRecordingError(f"{name}: fewer than 2 readable samples")
    _check_units(a, name)
    if fs:
        measured = infer_fs(np.sort(t[: 100_000]))
        if abs(measured / fs - 1) > RATE_TOLERANCE:
            issues.append(make_issue("rate-change", t[0], f"the file states {fs:g} Hz but the samples "
                                 f"come at {measured:g} Hz; the measured rate is used"))
            fs = None

    pieces = _split_backward_jumps(t, int(max_reorder_s * 1e9), issues)
    out: list[tuple[np.ndarray, np.ndarray, float | None]] = []
    for i0, i1 in pieces:
        ts, acs = _sort_dedupe(t[i0:i1], a[i0:i1], name, issues)
        out.extend(_split_rate_changes(ts, acs, fs, issues))
    recs = []
    for k, (ts, acs, own) in enumerate(out):
        if len(ts) < 2:
            continue
        seg_fs = own or fs or infer_fs(ts)
        gaps = find_gaps(ts, seg_fs)
        seg_issues = list(issues)
        if len(gaps):
            longest = int(np.argmax(gaps[:, 1] - gaps[:, 0]))
            seg_issues.append(make_issue(
                "gap", gaps[longest, 0],
                f"{len(gaps)} gap(s) longer than {GAP_FACTOR:g} periods; longest "
                f"{(gaps[longest, 1] - gaps[longest, 0]) / 1e9:.3f} s (kept as gaps)"))
        m = dict(meta or {})
        m["time_issues"] = seg_issues
        if len(out) > 1:
            m["part"] = k
        recs.append(Recording(ts, acs, seg_fs, location, device, gaps, m))
    if not recs:
        raise InvalidRecordingError(f"{name}: fewer than 2 readable samples")
    if issues:
        log.warning("%s: %s", name, "; ".join(f"{x['kind']} at {x['time']}: {x['detail']}" for x in issues))
    return recs


def _check_units(a: np.ndarray, name: str) -> None:
    """Refuse accelerations whose typical size cannot be in g (wrong units)."""
    sample = a[:: max(1, len(a) // 100_000)]
    med = float(np.median(np.linalg.norm(sample, axis=1)))
    if med > MAX_MEDIAN_G:
        raise FormatError(f"{name}: the median acceleration is {med:.4g} g, impossible for a worn "
                          "sensor; the units are wrong (give units=g|mg|m/s^2)")
    if med < MIN_MEDIAN_G:
        log.warning("%s: the median acceleration is %.3g g: no gravity in the signal "
                    "(linear acceleration?); detection expects it", name, med)


def _split_backward_jumps(t: np.ndarray, max_back_ns: int, issues: list[dict]) -> list[tuple[int, int]]:
    step = np.diff(t)
    jumps = np.flatnonzero(step < -max_back_ns)
    for j in jumps[:20]:
        issues.append(make_issue("clock-jump", t[j + 1], f"time goes back {-step[j] / 1e9:.3f} s "
                             f"after sample {j}; recording split there"))
    if len(jumps) > 20:
        issues.append(make_issue("clock-jump", t[jumps[20] + 1], f"{len(jumps) - 20} more backward jumps"))
    edges = np.r_[0, jumps + 1, len(t)]
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def _sort_dedupe(t: np.ndarray, a: np.ndarray, name: str, issues: list[dict]):
    step = np.diff(t)
    back = np.flatnonzero(step < 0)
    if back.size:
        issues.append(make_issue("unsorted", t[back[0] + 1], f"{back.size} sample(s) earlier than the "
                             "one before (late rows); sorted into place"))
        order = np.argsort(t, kind="stable")
        t, a = t[order], a[order]
        step = np.diff(t)
    dup = np.flatnonzero(step == 0)
    if dup.size:
        same = (a[dup] == a[dup + 1]).all(axis=1)
        if not same.all():
            i = int(dup[~same][0])
            raise InvalidRecordingError(
                f"{name}: {int((~same).sum())} sample(s) share a timestamp with a different "
                f"sample (first at {_iso(t[i])}: {a[i].tolist()} and {a[i + 1].tolist()}); "
                "the times are not per sample, so the order cannot be recovered")
        issues.append(make_issue("duplicate", t[dup[0]], f"{dup.size} exact duplicate sample(s) dropped"))
        keep = np.ones(len(t), bool)
        keep[dup + 1] = False
        t, a = t[keep], a[keep]
    return t, a


def _split_rate_changes(t: np.ndarray, a: np.ndarray, fs: float | None, issues: list[dict]):
    """Parts of a sorted recording with a steady rate, as (t, acc, fs or None) tuples."""
    n_blocks = (len(t) - 1) // RATE_BLOCK  # blocks of RATE_BLOCK steps
    if n_blocks < 3:
        return [(t, a, None)]
    nominal = fs or infer_fs(t)
    step = np.diff(t[: n_blocks * RATE_BLOCK + 1]).astype(np.float64).reshape(n_blocks, RATE_BLOCK)
    # gaps (steps longer than 4 gap lengths) are not rate changes: count them as nominal steps
    step[step > GAP_FACTOR * 4e9 / nominal] = 1e9 / nominal
    med = np.median(step, axis=1)
    ratio = np.log(1e9 / med / nominal)
    bucket = np.where(np.abs(ratio) < np.log1p(RATE_TOLERANCE), 0,
                      np.round(ratio / np.log1p(RATE_TOLERANCE)).astype(int))
    change = np.flatnonzero(np.diff(bucket) != 0) + 1
    if not change.size:
        return [(t, a, None)]
    # a run must last two blocks to count; shorter runs belong to the run before
    starts = np.r_[0, change]
    lengths = np.diff(np.r_[starts, n_blocks])
    keep = [int(s) for s, n in zip(starts, lengths, strict=True) if n >= 2 or s == 0]
    cuts = []
    prev = bucket[0]
    for s in keep[1:]:
        if bucket[s] != prev:
            cuts.append(s * RATE_BLOCK)
            prev = bucket[s]
    if not cuts:
        return [(t, a, None)]
    edges = [0, *cuts, len(t)]
    parts = []
    for i0, i1 in zip(edges[:-1], edges[1:], strict=True):
        seg_fs = infer_fs(t[i0:i1])
        parts.append((t[i0:i1], a[i0:i1], seg_fs))
        if i0:
            issues.append(make_issue("rate-change", t[i0], f"rate changes to {seg_fs:g} Hz at sample "
                                 f"{i0}; a new recording starts there"))
    return parts


class AnchoredClock:
    """Sample times from timestamps that devices write once per block or page.

    Each block's timestamp belongs to one sample (``anchor_idx``, counted over the
    whole file). Samples are timed by straight lines between consecutive anchors, so
    the device's real rate spaces them; where two anchors disagree with the nominal
    rate by more than :data:`RATE_TOLERANCE` (a restart, a clock change) a sample is
    timed at the nominal rate from its own block's anchor.

    Parameters
    ----------
    anchor_idx : ndarray of int64
        Sample index of each block's timestamp, increasing.
    anchor_ns : ndarray of int64
        The timestamps, ns.
    fs : float
        Nominal rate, Hz.
    """

    def __init__(self, anchor_idx: np.ndarray, anchor_ns: np.ndarray, fs: float):
        self.idx, self.ns, self.period = anchor_idx, anchor_ns, 1e9 / fs
        d_idx = np.diff(anchor_idx).astype(np.float64)
        d_t = np.diff(anchor_ns).astype(np.float64)
        self.slope = np.divide(d_t, d_idx, out=np.zeros_like(d_t), where=d_idx > 0)
        self.ok = (d_idx > 0) & (np.abs(self.slope / self.period - 1) < RATE_TOLERANCE)

    def times(self, g: np.ndarray, blk: np.ndarray) -> np.ndarray:
        """Times (int64 ns) of samples with file-wide indices ``g`` in blocks ``blk``."""
        if len(self.idx) < 2:
            return self.ns[blk] + np.round((g - self.idx[blk]) * self.period).astype(np.int64)
        k = np.clip(np.where(g < self.idx[blk], blk - 1, blk), 0, len(self.idx) - 2)
        ok = self.ok[k]
        base = np.where(ok, k, blk)
        step = np.where(ok, self.slope[k], self.period)
        return self.ns[base] + np.round((g - self.idx[base]) * step).astype(np.int64)
