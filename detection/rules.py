"""Night-level rules: PLM series, jerk series, multi-sensor distribution, stimuli.

Each rule is a small pure function on arrays or the events table, documented once here
and in ``docs/detection.md``. The phase of a jerk is a domain fact shared with the
simulator's ground truth: :func:`sensing.body.phase_of`.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from detection.candidates import SPIKE_REASON
from sensing.body import ARMS, FALLING_ASLEEP_PHASES, LEGS, LOCATIONS, contiguous
from sensing.errors import HypnicError

#: Kinds of a counted sleep start: of a night, of a nap (:func:`where_bursts`).
SLEEP_STARTS = ("jerk", "nap-jerk")


def plm_series(start_s: np.ndarray, duration_s: np.ndarray, eligible: np.ndarray,
               movement: np.ndarray, interval_s: tuple[float, float], max_duration_s: float,
               min_count: int) -> np.ndarray:
    """Which candidates of one sensor belong to a periodic limb movement series.

    Eligible candidates (brief bursts and movements up to ``max_duration_s``) are
    clustered when their onsets are closer than ``interval_s[0]`` (one movement can give
    several candidates). A series is a run of clusters whose onset-to-onset intervals all
    lie within ``interval_s`` (AASM: 5-90 s) and of which at least ``min_count`` (AASM: 4)
    hold a movement: brief bursts alone (a cluster of jerks at sleep onset) never make a
    series, but brief bursts inside a series of movements belong to it.

    Parameters
    ----------
    start_s, duration_s : ndarray
        Onset (any clock, s) and duration (s) of each candidate, sorted by onset.
    eligible : ndarray of bool
    movement : ndarray of bool
        Which candidates are movements (not brief bursts).
    interval_s : (float, float)
    max_duration_s : float
    min_count : int

    Returns
    -------
    ndarray of bool
        True for candidates in a PLM series.
    """
    out = np.zeros(len(start_s), bool)
    idx = np.flatnonzero(eligible & (duration_s <= max_duration_s))
    if len(idx) < min_count:
        return out
    t = start_s[idx]
    new_cluster = np.r_[True, np.diff(t) >= interval_s[0]]
    cluster = np.cumsum(new_cluster) - 1
    onset = t[new_cluster]
    ok = np.diff(onset) <= interval_s[1]  # link between cluster i and i+1
    run = np.cumsum(np.r_[True, ~ok]) - 1  # run id per cluster
    has_move = np.bincount(cluster, weights=movement[idx]) > 0
    moves = np.bincount(run, weights=has_move)
    out[idx[(moves >= min_count)[run][cluster]]] = True
    return out


def _connected(parts: set[str]) -> bool:
    parts = set(parts)
    seen, todo = set(), [next(iter(parts))]
    while todo:
        p = todo.pop()
        seen.add(p)
        todo += [q for q in parts - seen if contiguous(p, q)]
    return seen == parts


UPPER, LOWER = {*ARMS, "head"}, set(LEGS)


def distribution(parts: set[str], worn: set[str], spread_s: float = 0.0,
                 sync_s: float = 0.1) -> str:
    """Distribution of one jerk from the body parts that show it and their timing.

    * ``focal``: one body part;
    * ``generalized``: every worn body part moves together (burst times within
      ``sync_s``), and they span the body: at least three parts, or an upper-body part
      (arm, head) with a leg;
    * ``segmental``: two or more contiguous body parts (one connected set under
      :data:`sensing.body.CONTIGUOUS`), not generalized;
    * ``multifocal``: two or more body parts that are not all contiguous, not
      generalized (out of step, or not every worn part).

    Multifocal myoclonus is asynchronous by definition; a synchronous jerk of an arm and
    a leg is what a generalized jerk looks like to two sensors (they cannot show that
    unworn parts moved too).

    Parameters
    ----------
    parts : set of str
        Body parts (values of ``sensing.body.LOCATIONS``) with the jerk.
    worn : set of str
        Body parts a sensor was worn on this night.
    spread_s : float
        Time from the first to the last burst among the parts (burst centres: an onset
        found by a threshold moves with the amplitude, the centre much less), s.
    sync_s : float
        Largest onset spread of parts moving together, s.
    """
    parts = {p for p in parts if p != "unknown"} or set(parts)
    if len(parts) <= 1:
        return "focal"
    spans = len(parts) >= 3 or (bool(parts & UPPER) and bool(parts & LOWER))
    if parts >= worn and spans and spread_s <= sync_s:
        return "generalized"
    return "segmental" if _connected(parts) else "multifocal"


#: Clock rate differences searched between two sensors, ppm (two crystals of +-100 ppm).
CLOCK_MAX_PPM = 200.0
CLOCK_STEP_PPM = 2.0


def chance_limit(pairs: int, share: float, tries: float, alpha: float = 0.01) -> int:
    """Fewest of ``pairs`` chance pairs (each on a given line with probability ``share``)
    that no one of ``tries`` lines holds, with probability 1 - ``alpha`` (Poisson tail,
    Bonferroni over the lines).

    >>> chance_limit(50, 0.1 / 6, 12060), chance_limit(500, 0.1 / 6, 12060)
    (9, 26)
    """
    lam, k = pairs * share, 0
    pmf, tail = math.exp(-lam), 1.0  # P(X = k), P(X >= k)
    while tail * tries > alpha:
        tail -= pmf
        k += 1
        pmf *= lam / k
    return k


def clock_offsets(start_ns: np.ndarray, location: np.ndarray, brief: np.ndarray,
                  search_s: float, band_s: float, min_shared: int) -> np.ndarray:
    """How far each event's sensor clock runs ahead of the reference sensor's at its
    time, ns (0 where no offset larger than ``band_s`` is found).

    Sensors whose samples their own clocks stamp (loggers, an app that sets them once)
    drift apart by their crystals' difference, a second or more a night. A jerk or an
    impact that several sensors show starts at one moment on all of them, so the
    differences between the brief bursts (``brief``) of a sensor and those of the
    reference (the sensor with the most of them) within ``search_s`` pile up along the
    line of the clocks' offset (an offset plus a rate, up to :data:`CLOCK_MAX_PPM`),
    while the pairs that chance makes spread over the whole window. The line holding
    the most pairs within ``band_s`` is taken when it holds at least ``min_shared``, and
    more than the line of clocks that agree (offset 0) by more than chance puts on any
    of the lines tried (:func:`chance_limit`): a few chance pairs far apart can always
    be strung on some line. Its offset is fitted to its pairs by least squares, and held
    at its ends before the first and after the last.
    One line a night: a clock set again in the night (a reconnection) is not followed.
    """
    offset = np.zeros(len(start_ns), np.int64)
    names, counts = np.unique(location[brief], return_counts=True)
    if len(names) < 2:
        return offset
    ref = names[np.argmax(counts)]
    a = np.sort(start_ns[brief & (location == ref)])
    t0, search = int(a[0]), int(search_s * 1e9)
    rates = np.arange(-CLOCK_MAX_PPM, CLOCK_MAX_PPM + CLOCK_STEP_PPM / 2, CLOCK_STEP_PPM)
    rates = rates[np.argsort(np.abs(rates), kind="stable")] * 1e-6  # a tie goes to the smaller
    for loc in names[names != ref]:
        b = np.sort(start_ns[brief & (location == loc)])
        lo, hi = np.searchsorted(a, b - search), np.searchsorted(a, b + search, side="right")
        n = hi - lo
        if n.sum() < min_shared:
            continue
        bi = np.repeat(np.arange(len(b)), n)
        ai = np.repeat(lo, n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        t, d = (a[ai] - t0) / 1e9, (b[bi] - a[ai]) / 1e9  # s
        best = (0, 0.0, 0.0)  # pairs on the line, its rate, its offset at t0
        for rate in rates.tolist():
            r = np.sort(d - rate * t)
            k = np.searchsorted(r, r + band_s, side="right") - np.arange(len(r))
            i = int(np.argmax(k))
            if k[i] > best[0]:
                best = (int(k[i]), rate, float(r[i]))
        shared, slope, at0 = best
        cells = len(rates) * 2 * search_s / band_s  # lines tried, each a band wide
        agree = int(np.sum(np.abs(d) <= band_s / 2))  # pairs on the line of clocks that agree
        if shared < min_shared or shared - agree < chance_limit(len(d), band_s / (2 * search_s), cells):
            continue
        on = np.abs(d - slope * t - at0 - band_s / 2) <= band_s / 2
        fit = np.polyfit(t[on], d[on], 1) if np.ptp(t[on]) > 0 else (0.0, float(np.mean(d[on])))
        mine = location == loc
        # the line holds between the bursts it rests on, and stays at its ends beyond them
        off = fit[0] * np.clip((start_ns[mine] - t0) / 1e9, t[on].min(), t[on].max()) + fit[1]  # s
        if np.abs(off).max() > band_s:
            offset[mine] = np.round(off * 1e9).astype(np.int64)
    return offset


def group_jerks(start_ns: np.ndarray, location: np.ndarray, window_s: float,
                worn: set[str], sync_s: float = 0.1,
                centre_ns: np.ndarray | None = None) -> tuple[np.ndarray, list[str], list[str]]:
    """Group near-simultaneous jerks across sensors.

    Jerks (sorted by start) join the current group while their start is within
    ``window_s`` of the group's first start.

    Returns
    -------
    group_id : ndarray of int
        One id per group, 0, 1, ... in time order.
    dist, limbs : list of str
        Per group: its distribution (see :func:`distribution`, with the spread of
        ``centre_ns``, the jerks' centre times, or of their starts; ``sync_s`` in s) and
        its ";"-joined body parts.
    """
    n = len(start_ns)
    gid = np.zeros(n, np.int64)
    if n == 0:
        return gid, [], []
    g, first = 0, start_ns[0]
    for i in range(1, n):  # per jerk, not per sample: a few per night
        if start_ns[i] - first > window_s * 1e9:
            g, first = g + 1, start_ns[i]
        gid[i] = g
    dist, limbs = [], []
    for k in range(g + 1):
        members = gid == k
        parts = sorted({LOCATIONS.get(loc, "unknown") for loc in location[members]})
        spread = float(np.ptp((start_ns if centre_ns is None else centre_ns)[members])) / 1e9
        dist.append(distribution(set(parts), worn, spread, sync_s))
        limbs.append(";".join(parts))
    return gid, dist, limbs


def rescue_spikes(start_ns: np.ndarray, location: np.ndarray, kind: np.ndarray,
                  reason: np.ndarray, window_s: float) -> np.ndarray:
    """Single-sample spikes out of rest (reason :data:`~detection.candidates.SPIKE_REASON`
    alone) that are jerks after all: a jerk, or another such spike, on another sensor
    starts within ``window_s`` of them.

    At low rates (25-50 Hz) the shortest jerks (40-80 ms) fill one or two samples and look
    like a knock on the sensor; a knock, unlike a jerk, never shows on a second limb at
    the same moment. A spike amid movement (its reason says which) is not rescued: a
    limb landing at the end of a turn shows on several sensors at once too.

    Returns
    -------
    ndarray of bool
        True for the spikes to relabel as jerks.
    """
    out = np.zeros(len(start_ns), bool)
    spike = (kind == "artefact") & (reason == SPIKE_REASON)
    other = np.flatnonzero((kind == "jerk") | spike)
    for i in np.flatnonzero(spike):
        near = other[np.abs(start_ns[other] - start_ns[i]) <= window_s * 1e9]
        out[i] = bool((location[near] != location[i]).any())
    return out


def series_ids(group_start_ns: np.ndarray, gap_s: float) -> np.ndarray:
    """Series of jerk groups: consecutive groups less than ``gap_s`` apart share an id
    (0, 1, ...); a group alone is isolated (-1)."""
    n = len(group_start_ns)
    if n == 0:
        return np.zeros(0, np.int64)
    new = np.r_[True, np.diff(group_start_ns) > gap_s * 1e9]
    run = np.cumsum(new) - 1
    size = np.bincount(run)
    multi = size[run] > 1
    ids = np.full(n, -1, np.int64)
    ids[multi] = np.unique(run[multi], return_inverse=True)[1]
    return ids


def where_bursts(start_ns: np.ndarray, moving_ns: np.ndarray, phase: np.ndarray,
                 period_kind: np.ndarray, lead_s: float) -> tuple[np.ndarray, np.ndarray]:
    """What each jerk-shaped burst is, from where it happens: its kind and why.

    A hypnic jerk is a sleep start: a sudden jerk out of rest at the transition into
    sleep. So a burst is a ``jerk`` (counted) only in a falling-asleep phase
    (:data:`sensing.body.FALLING_ASLEEP_PHASES`: from lights out to 15 min after sleep
    onset, and a return to sleep after an awakening) and with no movement starting in
    the ``lead_s`` before it (0.5 s excluded: the burst's own onset); a ``nap-jerk`` the
    same at a nap. Elsewhere it is a ``sleep-burst`` (in established sleep) or a
    ``wake-burst`` (awake: up, or moving just before).

    Parameters
    ----------
    start_ns : ndarray of int64
        Start of each burst (a multi-sensor group), ns.
    moving_ns : ndarray of int64
        Starts of the movements (movement, rhythmic and PLM candidates of any sensor), ns.
    phase, period_kind : ndarray of str
        Phase of each burst (:func:`sensing.body.phase_of`) and the kind of the sleep
        period it lies in ("" outside them).
    lead_s : float

    Returns
    -------
    kind, reason : ndarray of object
    """
    moving_ns = np.sort(moving_ns)
    lead = np.searchsorted(moving_ns, start_ns - int(lead_s * 1e9))
    moved = np.searchsorted(moving_ns, start_ns - 500_000_000) > lead
    window = np.isin(phase, FALLING_ASLEEP_PHASES)
    kind = np.where(phase == "sleep", "sleep-burst", "wake-burst").astype(object)
    reason = np.where(phase == "sleep", "in established sleep (not falling asleep or back to sleep)",
                      "awake (outside any rest period)").astype(object)
    reason[window & moved] = f"moving in the {lead_s:g} s before (not out of rest)"
    start = window & ~moved
    nap = start & (period_kind == "nap")
    kind[start], reason[start] = "jerk", ""
    kind[nap], reason[nap] = "nap-jerk", "sleep start at a nap (not in the night's count)"
    return kind, reason


def faint_returns(kind: np.ndarray, phase: np.ndarray, score: np.ndarray, parts: np.ndarray,
                  peak_factor: float) -> np.ndarray:
    """Which sleep starts are too faint to count in a return to sleep: kind ``jerk`` or
    ``nap-jerk``, phase ``awakening``, shown by limb sensors only (arms, legs) and peaking under
    ``peak_factor`` x the detection threshold (``score`` under 1 - 1 / ``peak_factor``):
    as likely a REM twitch (see ``DetectionConfig.return_peak_factor``).

    Parameters
    ----------
    kind, phase : ndarray of str
        Per burst (a multi-sensor group): its kind so far and its phase.
    score : ndarray
        Per burst: the largest ``score`` of its sensors.
    parts : ndarray of str
        Per burst: the ``;``-joined body parts that show it (``limbs`` column).
    peak_factor : float
    """
    limbs_only = np.array([set(str(p).split(";")) <= {*ARMS, *LEGS} for p in parts], bool)
    return (np.isin(kind, SLEEP_STARTS) & (phase == "awakening") & limbs_only
            & (score < 1 - 1 / peak_factor))


def stimulus_triggered(start_ns: np.ndarray, stimuli_ns: np.ndarray, window_s: float) -> np.ndarray:
    """True where a jerk starts within ``window_s`` after a stimulus (at or after it)."""
    if len(stimuli_ns) == 0 or len(start_ns) == 0:
        return np.zeros(len(start_ns), bool)
    s = np.sort(stimuli_ns)
    i = np.searchsorted(s, start_ns, side="right") - 1
    prev = s[np.maximum(i, 0)]
    return (i >= 0) & (start_ns - prev <= window_s * 1e9)


def to_ns(times) -> np.ndarray:
    """UTC ns of stimulus times given as ints (ns), ISO-8601 strings (UTC without a zone)
    or pandas Timestamps; one such time alone is one stimulus.

    Raises
    ------
    HypnicError
        If a time cannot be read or is missing (None, NaT), naming the first such.
    """
    if times is None:
        return np.zeros(0, np.int64)
    if isinstance(times, (str, int, float, np.integer, np.floating, np.datetime64, dt.datetime)):
        times = [times]
    arr = np.asarray(list(times) if not isinstance(times, np.ndarray) else times)
    if arr.size == 0:
        return np.zeros(0, np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    try:
        stamps = pd.to_datetime(pd.Series(arr), utc=True)
        bad = np.flatnonzero(stamps.isna())
    except (ValueError, TypeError, OverflowError):
        bad = np.flatnonzero([_unreadable(x) for x in arr])
    if len(bad):
        raise HypnicError(f"cannot read stimulus time {str(arr[bad[0]])!r} ({len(bad)} of {arr.size}): "
                          "give ISO-8601 (2026-01-05T23:10:05Z), pandas Timestamps or int ns UTC")
    return stamps.to_numpy("datetime64[ns]").view(np.int64)


def _unreadable(time) -> bool:
    """Whether pandas cannot read ``time`` as a moment (or reads it as NaT)."""
    try:
        return pd.isna(pd.to_datetime(time, utc=True))
    except (ValueError, TypeError, OverflowError):
        return True


def burst_pairs(start_s: np.ndarray, brisk: np.ndarray, span_s: tuple[float, float]) -> np.ndarray:
    """Which brisk bursts have another brisk burst of the same sensor starting at least
    ``span_s[0]`` and less than ``span_s[1]`` s before or after them: the two ends of one
    limb movement (out and back) whose slow middle shows nothing, e.g. a PLM (AASM: at
    least 0.5 s) shorter than a series' shortest interval (5 s).

    Parameters
    ----------
    start_s : ndarray
        Onsets (any clock, s), sorted.
    brisk : ndarray of bool
    span_s : (float, float)
    """
    out = np.zeros(len(start_s), bool)
    idx = np.flatnonzero(brisk)
    gap = np.diff(start_s[idx])
    ok = (gap >= span_s[0]) & (gap < span_s[1])
    out[idx[:-1][ok]] = True
    out[idx[1:][ok]] = True
    return out


def within_series(start_s: np.ndarray, member: np.ndarray, max_interval_s: float,
                  lead_s: float = 0.0) -> np.ndarray:
    """Which candidates lie inside a series: between the first and the last member of a
    run of members whose onsets are at most ``max_interval_s`` apart, or up to
    ``lead_s`` before the first.

    Parameters
    ----------
    start_s : ndarray
        Onsets (any clock, s), sorted.
    member : ndarray of bool
        Members of the series (e.g. PLMs).
    max_interval_s : float
    lead_s : float
        How far before the first member a candidate still belongs (e.g. the series'
        largest interval: its first movement, seen only as a brief burst), s.
    """
    out = np.zeros(len(start_s), bool)
    t = start_s[member]
    if len(t) < 2:
        return out
    cut = np.flatnonzero(np.diff(t) > max_interval_s)
    first, last = t[np.r_[0, cut + 1]], t[np.r_[cut, len(t) - 1]]
    first = first - lead_s
    k = np.searchsorted(first, start_s, side="right") - 1
    ok = k >= 0
    out[ok] = start_s[ok] <= last[k[ok]]
    return out
