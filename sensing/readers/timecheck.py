"""Time reality: turn the raw sample times of a file into valid Recordings.

Policy (documented in docs/file-formats.md):

* **Missing values** — rows whose time or any axis is empty or not finite are dropped;
  the hole they leave is a gap. So are rows of exactly 0 g on all three axes: a sensor
  at rest or worn always reads gravity and noise, and exporters write such rows as
  filler (gt3x2csv and ActiLife pad an ActiGraph file with them up to its download
  time). Reported as ``missing``.
* **Late rows** — a sample that goes back in time by at most ``max_reorder_s`` (1 s)
  is sorted into place (stable sort). Reported as ``unsorted``.
* **Clock jumps back** — a step back in time by more than ``max_reorder_s`` (a DST
  change, a phone clock sync, a device restart) is ambiguous: the recording is split
  there, each part kept in its own Recording. Reported as ``clock-jump``.
* **Duplicates** — a sample repeated with the same time and the same values is dropped
  (``duplicate``). The same time with different values cannot be resolved and raises
  :class:`~sensing.errors.InvalidRecordingError`.
* **Held samples** — one sample repeated exactly for :data:`HELD_MIN_S` or more on a
  fine sensor is an ActiGraph's idle sleep filled in on export: the repeats are left
  out (gaps) and their spans are ``meta[STILL_SPANS]``, as the native file's
  (:func:`unheld`; warns :class:`~sensing.readers.IdleSleepWarning`).
* **Gaps** — steps longer than 2 nominal periods stay gaps (``Recording.gaps``);
  samples are never invented. Reported as ``gap``, but for those a device's idle sleep
  explains (``meta[STILL_SPANS]``, :func:`still_through`).
* **Units** — a median acceleration above 4 g cannot come from a worn sensor and
  raises :class:`~sensing.errors.FormatError` (wrong units); so does a stretch of
  :data:`UNITS_BLOCK` samples whose median is above 4 g, or 9.8 or 1000 times below the
  file's (units switching half-way). Below 0.25 g (no gravity) a warning is logged.
* **Impossible times** — samples dated before 2000, more than a day in the future, or
  spanning more than :data:`MAX_SPAN_DAYS` days in one file, are a time error
  (:class:`~sensing.errors.FormatError` naming the sample): no sensor records that.
* **Rate changes** — blocks of 256 samples whose mean step (gaps left out) differs from
  the nominal rate by more than 10 % for :data:`RATE_MIN_S` (at least two blocks) in a
  row start a new Recording with its own rate; shorter stretches are timestamp jitter
  (a logger's clock, packets stamped as they came) and stay. Reported as
  ``rate-change``, as is a stated rate (header, ``fs=``) that the sample times
  contradict by more than 10 % (the measured rate is used).

Each issue is a dict ``{"kind", "time" (ISO-8601 UTC), "detail"}`` in the Recording's
``meta["time_issues"]``; each kind is logged as a one-line warning (gaps only when one
lasts :data:`LOG_GAP_S` or more).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import time
import warnings

import numpy as np

from sensing.errors import FormatError, InvalidRecordingError
from sensing.readers._common import IdleSleepWarning
from sensing.readers.identify import clip
from sensing.recording import (
    GAP_FACTOR,
    STILL_SPANS,
    Recording,
    all_finite,
    find_gaps,
    infer_fs,
    median,
    norms,
    resolution_g,
    steps_where,
)
from sensing.recording import G as G_IN_MS2

log = logging.getLogger(__name__)

#: The zone the file being read writes its times in when it states none (a reader's
#: ``ReadOptions.naive_tz``, set around each read): its warnings show times in it.
CLOCK_ZONE: contextvars.ContextVar[str | None] = contextvars.ContextVar("clock_zone", default=None)
#: Samples per block when looking for rate changes.
RATE_BLOCK = 256
#: Shortest stretch at another rate that is a rate change, s: a real logger (ICHI14's, at
#: 100 Hz) runs 10-23 % fast or slow for 5-10 s at a time, dozens of times a night, and a
#: device set to another rate keeps it for minutes or hours.
RATE_MIN_S = 30.0
#: Relative change of the sampling rate that counts as a rate change.
RATE_TOLERANCE = 0.10
#: Largest relative difference between a device's real rate (between two of its block or
#: page timestamps) and its nominal rate that is taken as the real rate: device crystals
#: drift well under 1 % and Axivity's nominal rates are within about 2 % of the real ones;
#: a bigger difference is a gap or a restart, not a rate.
CLOCK_TOLERANCE = 0.03
#: A median acceleration above this (g) cannot come from a worn sensor: wrong units.
MAX_MEDIAN_G = 4.0
#: Below this (g) the signal lacks gravity (logged, not refused).
MIN_MEDIAN_G = 0.25
#: Samples per stretch whose median acceleration is compared with the file's (units
#: that switch half-way).
UNITS_BLOCK = 4096
#: Earliest sample time accepted, ns (2000-01-01 UTC): an earlier date is an unset clock.
EARLIEST_NS = 946_684_800 * 10**9
#: Longest span of one file, days: no wearable records longer in one go.
MAX_SPAN_DAYS = 100
#: A gap at least this long (s) is logged as a warning, not only listed in the issues.
LOG_GAP_S = 60.0
#: One sample repeated exactly for this long (s) on a sensor whose noise dithers its
#: steps is not samples but a device's idle sleep filled in with its last sample (as
#: ActiLife's RAW CSV export and pygt3x do): real 12-bit devices repeat a sample for at
#: most 0.2 s, lying on a table too (the files of tests/data/real).
HELD_MIN_S = 5.0
#: ... on a sensor whose steps are at most this, g (one lying still with coarser steps
#: repeats its value for real: an 8-bit wrist logger for minutes).
HELD_MAX_STEP_G = 0.01


def check_times(t_ns: np.ndarray, name: str) -> None:
    """Refuse times no sensor can have recorded (see the module docstring).

    Parameters
    ----------
    t_ns : ndarray of int64
        Sample times, ns UTC.
    name : str
        What they are, for messages (a file name, or ``start time ...`` for one time).

    Raises
    ------
    FormatError
        Naming the first impossible sample (its index and date) and why.
    """
    if not len(t_ns):
        return
    latest = time.time_ns() + 86_400 * 10**9
    lo, hi = int(np.argmin(t_ns)), int(np.argmax(t_ns))

    def which(i: int) -> str:
        return name if len(t_ns) == 1 else f"{name}: sample {i}"

    if t_ns[lo] < EARLIEST_NS:
        raise FormatError(f"{which(lo)} is dated {_day(t_ns[lo])}, before 2000: a time error "
                          "(an unset device clock?); fix the times or give start=")
    if t_ns[hi] > latest:
        raise FormatError(f"{which(hi)} is dated {_day(t_ns[hi])}, in the future: a time error "
                          "(a mistyped year?); fix the times")
    span = (int(t_ns[hi]) - int(t_ns[lo])) / 86_400e9
    if span > MAX_SPAN_DAYS:
        raise FormatError(f"{name}: the samples span {span:.0f} days ({_day(t_ns[lo])} to "
                          f"{_day(t_ns[hi])}): a time error (a mistyped date?); no sensor records that long")


def epoch_ns(seconds: float, what: str) -> int:
    """Seconds since the epoch (a file's or an option's start time) as int ns.

    Raises
    ------
    FormatError
        For a value that is not a time a sensor can have recorded (see :func:`check_times`).
    """
    if not (np.isfinite(seconds) and EARLIEST_NS / 1e9 <= seconds <= time.time() + 86_400):
        raise FormatError(f"{what}: {seconds:.6g} s since 1970 is not a time a sensor recorded "
                          "(before 2000 or in the future)")
    return int(round(seconds * 1e6)) * 1000


def _day(t_ns: int) -> str:
    return str(np.datetime64(int(t_ns), "ns").astype("datetime64[D]"))


def _iso(t_ns: int) -> str:
    return "unknown" if t_ns == np.iinfo(np.int64).min else str(np.datetime64(int(t_ns), "ns")) + "Z"


def _shown(iso: str, tz: str | None) -> str:
    """An issue's time for a person: in the zone the file states (``tz``), else in the
    one its times were read in (:data:`CLOCK_ZONE`), else UTC, with the zone named."""
    tz = tz or CLOCK_ZONE.get()
    if iso == "unknown":
        return iso
    from sensing.timezones import zone, zone_name

    t = dt.datetime.fromisoformat(iso[:26].rstrip("Z")).replace(tzinfo=dt.timezone.utc)
    name = zone_name(zone(tz)) if tz else "UTC"
    return (f"{t:%Y-%m-%d %H:%M:%S} UTC" if name == "UTC" else
            f"{t.astimezone(zone(name)):%Y-%m-%d %H:%M:%S} ({name})")


def make_issue(kind: str, t_ns: int, detail: str) -> dict[str, str]:
    """One ``meta["time_issues"]`` entry: kind, time (ISO-8601 UTC) and a sentence."""
    return {"kind": kind, "time": _iso(t_ns), "detail": detail}


def still_through(gaps: np.ndarray, still: np.ndarray | None) -> np.ndarray:
    """Which ``gaps`` ((k, 2) ns) a span the device said it lay still in covers, to within
    2 s at either end (an ActiGraph writes whole seconds, and the second before a spell
    may hold a sample or all; ``still``: :data:`sensing.recording.STILL_SPANS`)."""
    if still is None or not len(still) or not len(gaps):
        return np.zeros(len(gaps), bool)
    still = np.asarray(still, np.int64).reshape(-1, 2)
    slack = 2 * 10**9
    j = np.clip(np.searchsorted(still[:, 1], gaps[:, 1] - slack), 0, len(still) - 1)
    return (still[j, 0] <= gaps[:, 0] + slack) & (still[j, 1] >= gaps[:, 1] - slack)


def unheld(t: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``t``, ``a`` without the repeats of each sample held :data:`HELD_MIN_S` or more on a
    sensor of steps up to :data:`HELD_MAX_STEP_G` (the first of each run, a real sample,
    stays), and the spans they filled: int64 (k, 2), from the first repeat to the next
    new sample, ns (:data:`sensing.recording.STILL_SPANS`). An exporter fills idle sleep
    at the sampling rate, so a repeat across a gap (a step over ``GAP_FACTOR`` median
    steps: the samples either side of it equal by chance) holds nothing."""
    none = np.zeros((0, 2), np.int64)
    if not 0 < resolution_g(a) <= HELD_MAX_STEP_G:
        return t, a, none
    same = (a[1:, 0] == a[:-1, 0]) & (a[1:, 1] == a[:-1, 1]) & (a[1:, 2] == a[:-1, 2])
    k = np.flatnonzero(same)
    if len(k):
        same[k[t[k + 1] - t[k] > GAP_FACTOR * np.median(np.diff(t[:100_000]))]] = False
    edges = np.flatnonzero(np.diff(np.r_[False, same, False]))
    s, e = edges[0::2], edges[1::2]  # samples s .. e are one sample held
    long = t[e] - t[s] >= HELD_MIN_S * 1e9
    s, e = s[long], e[long]
    if not len(s):
        return t, a, none
    drop = np.zeros(len(t) + 1, np.int32)
    np.add.at(drop, s + 1, 1)
    np.add.at(drop, e + 1, -1)
    keep = np.cumsum(drop[:-1]) == 0
    spans = np.stack([t[s + 1], t[np.minimum(e + 1, len(t) - 1)]], axis=1)
    return t[keep], a[keep], spans


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
    x0 = np.flatnonzero(a[:, 0] == 0)  # (a column first: 20x faster than a row-wise any)
    zero = x0[(a[x0, 1] == 0) & (a[x0, 2] == 0)]  # 0 g on every axis: an exporter's filler
    if not all_finite(a) or len(zero):
        ok = np.asarray(np.isfinite(a).all(axis=1))
        ok[zero] = False
        bad = np.flatnonzero(~ok)
        issues.append(make_issue("missing", t[bad[0]], f"{bad.size} rows with a missing or "
                             "non-finite value, or 0 g on every axis, dropped (left as gaps)"))
        if len(t) - bad.size < 2:
            why = [f"{len(zero)} read 0 g on every axis (a filler: a sensor reads gravity, 1 g)"
                   ] if len(zero) else []
            why += [f"{bad.size - len(zero)} a missing or non-finite value"] if bad.size > len(zero) else []
            raise InvalidRecordingError(f"{name}: fewer than 2 readable samples: of its {len(t)} "
                                        f"rows, {' and '.join(why)}")
        t, a = t[ok], a[ok]
    if len(t) < 2:
        raise InvalidRecordingError(f"{name}: fewer than 2 readable samples")
    check_samples(t, a, name)
    t, a, held = unheld(t, a)
    if len(held):
        warnings.warn(f"{name}: {len(held)} spell{'s' * (len(held) != 1)} of one sample repeated "
                      f"for {HELD_MIN_S:g} s or more ({np.sum(np.diff(held, axis=1)) / 3.6e12:.1f} h), "
                      "an ActiGraph's idle sleep filled in on export: read as the device lying "
                      "still, its samples left out. It looks for movement once a second, so a jerk "
                      "out of stillness is over before it writes again and few sleep starts can be "
                      "counted; turn idle sleep mode off (ActiLife) to record jerks",
                      IdleSleepWarning, stacklevel=3)
        known = np.asarray((meta or {}).get(STILL_SPANS, np.zeros((0, 2))), np.int64).reshape(-1, 2)
        meta = {**(meta or {}), STILL_SPANS: np.sort(np.r_[known, held], axis=0)}
    if fs:
        measured = infer_fs(np.sort(t[: 100_000]))
        if abs(measured / fs - 1) > RATE_TOLERANCE:
            issues.append(make_issue("rate-change", t[0], f"the file states {fs:g} Hz but the samples "
                                 f"come at {measured:g} Hz; the measured rate is used"))
            fs = None

    back = steps_where(t, lambda d: d <= 0)  # one pass finds every step back or in place
    pieces = _split_backward_jumps(t, back, int(max_reorder_s * 1e9), issues)
    out: list[tuple[np.ndarray, np.ndarray, float | None, np.ndarray | None]] = []
    for i0, i1 in pieces:
        inside = back[(back >= i0) & (back < i1 - 1)] - i0
        ts, acs = _sort_dedupe(t[i0:i1], a[i0:i1], inside, name, issues)
        out.extend(_split_rate_changes(ts, acs, fs, issues))
    recs, logged = [], list(issues)
    for k, (ts, acs, own, gap) in enumerate(out):
        if len(ts) < 2:
            continue
        seg_fs = own or fs or infer_fs(ts)
        gaps = np.stack([ts[gap], ts[gap + 1]], axis=1) if gap is not None else find_gaps(ts, seg_fs)
        seg_issues = list(issues)
        odd = gaps[~still_through(gaps, (meta or {}).get(STILL_SPANS))]  # not the device's idle sleep
        if len(odd):
            length = odd[:, 1] - odd[:, 0]
            longest = int(np.argmax(length))
            seg_issues.append(make_issue(
                "gap", odd[longest, 0],
                f"{len(odd)} gap(s) longer than {GAP_FACTOR:g} periods; longest "
                f"{duration(length[longest] / 1e9)} (kept as gaps)"))
            if length[longest] >= LOG_GAP_S * 1e9:
                logged.append(seg_issues[-1])
        m = dict(meta or {})
        m["time_issues"] = seg_issues
        if len(out) > 1:
            m["part"] = k
        recs.append(Recording(ts, acs, seg_fs, location, device, gaps, m))
    if not recs:
        raise InvalidRecordingError(f"{name}: fewer than 2 readable samples")
    for kind in dict.fromkeys(x["kind"] for x in logged):  # one line per kind
        first = next(x for x in logged if x["kind"] == kind)
        more = sum(x["kind"] == kind for x in logged) - 1
        log.warning("%s", clip(f"{name}: {kind} at {_shown(first['time'], (meta or {}).get('tz'))}: "
                               f"{first['detail']}"
                               + (f" (and {more} more)" if more else ""), 180))
    return recs


def join_parts(parts: list[Recording], name: str, zone_known: bool = False) -> Recording:
    """One sensor's Recording from the parts a file was split into (:func:`build_recordings`).

    Each part joins the run of parts it follows in time whose first part's rate is
    nearest its own (within :data:`RATE_TOLERANCE`; the latest of equals), the time
    between them a gap: a stretch at another rate between parts at one rate is left out
    as a gap, not a cut through the night. Parts that overlap in time (a clock set back)
    or run at another rate cannot share one time line: the run with the most samples is
    kept and the rest reported in a logged warning.

    Parameters
    ----------
    parts : list of Recording
        The parts of one sensor, in file order.
    name : str
        File name, for messages.
    zone_known : bool
        The times' zone was given (``tz``): a step back in time is then no clock change,
        and the warning does not suggest one. A zone the file states counts too.
    """
    if len(parts) == 1:
        return parts[0]
    runs: list[list[Recording]] = []
    for part in parts:
        fits = [k for k, r in enumerate(runs)
                if part.time_ns[0] > r[-1].time_ns[-1] and abs(part.fs / r[0].fs - 1) <= RATE_TOLERANCE]
        if fits:
            runs[min(fits, key=lambda k: (abs(np.log(part.fs / runs[k][0].fs)), -k))].append(part)
        else:
            runs.append([part])
    best = max(runs, key=lambda run: sum(len(r) for r in run))
    first = best[0]
    t = np.concatenate([r.time_ns for r in best])
    fs = max(best, key=len).fs
    issues = [x for r in best for x in r.meta.get("time_issues", [])]
    meta = {**first.meta, "time_issues": list({(x["kind"], x["time"]): x for x in issues}.values())}
    meta.pop("part", None)
    if len(runs) > 1:
        left = [r for run in runs if run is not best for r in run]
        back = any(b.time_ns[0] <= a.time_ns[-1] for a, b in zip(parts[:-1], parts[1:], strict=True))
        dst = back and not (zone_known or first.meta.get("tz"))
        log.warning("%s", clip(
            f"{name}: {sum(len(r) for r in left)} samples ({duration(sum(r.duration_s for r in left))}) "
            f"{'go back in time or ' if back else ''}run at another rate and are left out; "
            f"{duration((t[-1] - t[0]) / 1e9)} are used{' (a DST change? give tz)' if dst else ''}", 180))
    return Recording(t, np.concatenate([r.acc for r in best]), fs, first.location, first.device,
                     find_gaps(t, fs), meta)


def duration(seconds: float) -> str:
    """A duration for people: ``0.520 s``, ``78 s``, ``12.5 min``, ``3.2 h``, ``2.1 days``
    (milliseconds only under 10 s, where a sample period shows in them)."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= 2 * size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.0f} s"


def check_samples(t_ns: np.ndarray, acc: np.ndarray, name: str) -> None:
    """The checks every file's samples pass: possible times (:func:`check_times`) and
    accelerations in g throughout (units).

    Raises
    ------
    FormatError
    """
    check_times(t_ns, name)
    _check_units(acc, name)


def _check_units(a: np.ndarray, name: str) -> None:
    """Refuse accelerations whose typical size cannot be in g (wrong units), in the whole
    file or in a stretch of it (units that switch half-way)."""
    sample = a[:: max(1, len(a) // 100_000)]
    med = float(median(norms(sample)))
    if med > MAX_MEDIAN_G:
        raise FormatError(f"{name}: the median acceleration is {med:.4g} g, impossible for a worn "
                          "sensor; the units are wrong (give units=g|mg|m/s^2)")
    if med < MIN_MEDIAN_G:
        log.warning("%s: the median acceleration is %.3g g: no gravity in the signal "
                    "(linear acceleration?); detection expects it", name, med)
    n_blocks = len(a) // UNITS_BLOCK
    if n_blocks < 2:
        return
    every = a[: n_blocks * UNITS_BLOCK: 8]  # 1 in 8 samples
    block = median(norms(every).reshape(n_blocks, UNITS_BLOCK // 8), axis=1)
    ratio = np.maximum(med, 1e-12) / np.maximum(block, 1e-12)
    ratio = np.maximum(ratio, 1 / ratio)  # how many times bigger or smaller than the file's
    switched = (block > MAX_MEDIAN_G) | (np.abs(ratio / G_IN_MS2 - 1) < 0.2) | (np.abs(ratio / 1000 - 1) < 0.2)
    if switched.any():
        i = int(np.flatnonzero(switched)[0])
        raise FormatError(f"{name}: the units change near sample {i * UNITS_BLOCK}: the median there is "
                          f"{block[i]:.3g} against {med:.3g} overall, impossible for a worn sensor in "
                          "one unit; the file mixes g, mg or m/s^2")


def _split_backward_jumps(t: np.ndarray, back: np.ndarray, max_back_ns: int,
                          issues: list[dict]) -> list[tuple[int, int]]:
    """Parts between steps back (``back``: the indices of steps <= 0) of more than ``max_back_ns``."""
    jumps = back[t[back] - t[back + 1] > max_back_ns]
    for j in jumps[:20]:
        issues.append(make_issue("clock-jump", t[j + 1], f"time goes back {(t[j] - t[j + 1]) / 1e9:.3f} s "
                             f"after sample {j}; recording split there"))
    if len(jumps) > 20:
        issues.append(make_issue("clock-jump", t[jumps[20] + 1], f"{len(jumps) - 20} more backward jumps"))
    edges = np.r_[0, jumps + 1, len(t)]
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def _sort_dedupe(t: np.ndarray, a: np.ndarray, nonpos: np.ndarray, name: str, issues: list[dict]):
    """Late rows sorted into place, exact duplicates dropped: (t, acc). ``nonpos``: the
    indices of the steps <= 0 of ``t``."""
    back = nonpos[t[nonpos + 1] < t[nonpos]]
    dup = nonpos[t[nonpos + 1] == t[nonpos]]
    if back.size:
        issues.append(make_issue("unsorted", t[back[0] + 1], f"{back.size} sample(s) earlier than the "
                             "one before (late rows); sorted into place"))
        order = np.argsort(t, kind="stable")
        t, a = t[order], a[order]
        dup = steps_where(t, lambda d: d == 0)
    if dup.size:
        same = (a[dup] == a[dup + 1]).all(axis=1)
        if not same.all():
            i = int(dup[~same][0])
            raise InvalidRecordingError(
                f"{name}: {int((~same).sum())} sample(s) share a timestamp with other values (first at "
                f"{np.datetime64(int(t[i]), 'ns').astype('datetime64[ms]')}Z): their order is lost; "
                "export the times with milliseconds")
        issues.append(make_issue("duplicate", t[dup[0]], f"{dup.size} exact duplicate sample(s) dropped"))
        keep = np.ones(len(t), bool)
        keep[dup + 1] = False
        t, a = t[keep], a[keep]
    return t, a


def _split_rate_changes(t: np.ndarray, a: np.ndarray, fs: float | None, issues: list[dict]):
    """Parts of a sorted recording with a steady rate, as (t, acc, fs or None, gaps)
    tuples; ``gaps`` (the indices of the steps that are gaps) for a part that keeps the
    nominal rate, None for the others."""
    n_blocks = (len(t) - 1) // RATE_BLOCK  # blocks of RATE_BLOCK steps
    if n_blocks < 3:
        return [(t, a, None, None)]
    nominal = fs or infer_fs(t)
    gap = steps_where(t, lambda d: d > GAP_FACTOR * 1e9 / nominal)  # the gaps at the nominal rate
    # mean step per block, from the block's first and last times; gaps (steps longer than
    # 4 gap lengths) are not rate changes: they count as nominal steps
    span = (t[RATE_BLOCK: n_blocks * RATE_BLOCK + 1: RATE_BLOCK] - t[: n_blocks * RATE_BLOCK: RATE_BLOCK])
    big = gap[(t[gap + 1] - t[gap] > GAP_FACTOR * 4e9 / nominal) & (gap < n_blocks * RATE_BLOCK)]
    excess = np.bincount(big // RATE_BLOCK, weights=t[big + 1] - t[big] - 1e9 / nominal, minlength=n_blocks)
    mean = (span - excess) / RATE_BLOCK
    ratio = np.log(1e9 / mean / nominal)
    bucket = np.where(np.abs(ratio) < np.log1p(RATE_TOLERANCE), 0,
                      np.round(ratio / np.log1p(RATE_TOLERANCE)).astype(int))
    change = np.flatnonzero(np.diff(bucket) != 0) + 1
    if not change.size:
        return [(t, a, None, gap)]
    # a run must last RATE_MIN_S (two blocks at least) to count; shorter runs belong to the run before
    starts = np.r_[0, change]
    lengths = np.diff(np.r_[starts, n_blocks])
    need = max(2, int(np.ceil(RATE_MIN_S * nominal / RATE_BLOCK)))
    keep = [int(s) for s, n in zip(starts, lengths, strict=True) if n >= need or s == 0]
    cuts = []
    prev = bucket[0]
    for s in keep[1:]:
        if bucket[s] != prev:
            cuts.append(s * RATE_BLOCK)
            prev = bucket[s]
    if not cuts:
        return [(t, a, None, gap)]
    edges = [0, *cuts, len(t)]
    parts = []
    for i0, i1 in zip(edges[:-1], edges[1:], strict=True):
        seg_fs = infer_fs(t[i0:i1])
        parts.append((t[i0:i1], a[i0:i1], seg_fs, None))
        if i0:
            issues.append(make_issue("rate-change", t[i0], f"rate changes to {seg_fs:g} Hz at sample "
                                 f"{i0}; a new recording starts there"))
    return parts


class AnchoredClock:
    """Sample times from timestamps that devices write once per block or page.

    Each block's timestamp belongs to one sample (``anchor_idx``, counted over the
    whole file). Samples are timed by straight lines between consecutive anchors, so
    the device's real rate spaces them; where two anchors disagree with the nominal
    rate by more than :data:`CLOCK_TOLERANCE` (a gap, a restart, a clock change) a sample
    is timed at the nominal rate from its own block's anchor, so the difference shows as
    a gap (or a step back) instead of stretching the samples.

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
        self.ok = (d_idx > 0) & (np.abs(self.slope / self.period - 1) < CLOCK_TOLERANCE)

    def times(self, blk: np.ndarray, first: np.ndarray, per_block: int) -> np.ndarray:
        """Times (int64 ns, shape (blocks, per_block)) of samples ``first[j] + i`` (file-wide
        indices) of blocks ``blk[j]``, computed per block and broadcast (no per-sample
        index arrays)."""
        i = np.arange(per_block)
        ns, offset, step = self._line(blk, blk, first)
        out = ns[:, None] + np.round((offset[:, None] + i) * step[:, None]).astype(np.int64)
        before = self.idx[blk] - first  # samples of a block before its anchor: the interval before
        if (before > 0).any():
            ns, offset, step = self._line(blk - 1, blk, first)
            early = ns[:, None] + np.round((offset[:, None] + i) * step[:, None]).astype(np.int64)
            out = np.where(i[None, :] < before[:, None], early, out)
        return out

    def _line(self, k: np.ndarray, blk: np.ndarray, first: np.ndarray):
        """Per block: the anchor time, the index of its first sample from that anchor and
        the step (ns per sample) of interval ``k`` (its own anchor at the nominal rate where
        the interval disagrees with it)."""
        if len(self.idx) < 2:
            ok = np.zeros(len(k), bool)
            k = blk
        else:
            k = np.clip(k, 0, len(self.idx) - 2)
            ok = self.ok[k]
        base = np.where(ok, k, blk)
        step = np.where(ok, self.slope[k] if len(self.idx) > 1 else 0.0, self.period)
        return self.ns[base], first - self.idx[base], step
