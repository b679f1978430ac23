"""One scorer for detections against ground truth, used by tests and benchmarks alike,
and what it measured: the accuracy a person is told (:data:`MEASURED`), and how much
each placement of a sensor shows (:data:`PLACEMENT_RECALL`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sensing.errors import HypnicError, wrong_type


@dataclass(frozen=True)
class Measured:
    """How accurate detection was measured to be, and on which data: what the report
    tells a person (``docs/detection.md``, "Accuracy", has the tables and commands).

    Attributes
    ----------
    onset_error_min : float
        Median absolute error of the detected sleep onset against polysomnography, min.
    onset_nights, onset_data : int, str
        How many nights it was measured on, and which.
    recall : float
        Share of the true jerks at falling asleep that were counted.
    false_per_night : float
        Counted jerks that were none (or not at falling asleep) per night.
    worst_recall, worst_false_per_night : float
        The same on the hardest kind of night among them: the lowest recall and the most
        false jerks per night of any one signal model's variant (the worst case, which
        is what the figures are judged by, not the average).
    jerk_nights, jerk_data : int, str
        How many nights those four were measured on, and which.
    lowest_rate_hz : float
        The slowest sampling those nights had, Hz: the figures hold from it up.
    slow_rate_hz, slow_recall : float
        A slower rate and the recall measured there (every sensor of some variants at
        that rate): what a slower sensor misses.
    slow_worst_recall : float or None
        The lowest recall of one of those variants at that rate (None: not measured).
    put_in_onset_recall, put_in_return_recall : float
        Share counted of the simulated jerks put into the ``onset_nights`` real nights
        where polysomnography scored the night's sleep onset, and where it scored a
        return to sleep after waking in the night (``benchmarks/injected.py``).
    worst_recall_data, worst_false_data : str
        What the nights of ``worst_recall`` and of ``worst_false_per_night`` are, for a
        person ("" to leave it unsaid).
    latency_error_min : float or None
        Median absolute error of the detected time to fall asleep (lights out to sleep
        onset) against polysomnography's, min, over ``latency_nights`` of the
        ``onset_nights`` (those whose lights out a movement marked); None: not measured.
    waso_short_min : float or None
        How much less wake after sleep onset the detected awakenings hold than
        polysomnography scores, min (the median over ``onset_nights``; lying awake
        still looks like sleep); None: not measured.
    """

    onset_error_min: float
    onset_nights: int
    onset_data: str
    recall: float
    false_per_night: float
    worst_recall: float
    worst_false_per_night: float
    jerk_nights: int
    jerk_data: str
    lowest_rate_hz: float
    slow_rate_hz: float
    slow_recall: float
    put_in_onset_recall: float
    put_in_return_recall: float
    worst_recall_data: str = ""
    worst_false_data: str = ""
    slow_worst_recall: float | None = None
    latency_error_min: float | None = None
    latency_nights: int = 0
    waso_short_min: float | None = None


#: ``python benchmarks/real_nights.py --ichi14 PATH`` (thirtieth session: the sleep start
#: after stillness, 11.45 min; 12.2 before it, 13.85 before the onset that lasts) and
#: ``python benchmarks/accuracy.py --nights 4 --seed 0-4 --jobs 2 --sleep-moves PATH``
#: (2026-12-07, thirty-eighth session, the rest lead 15 s, the onset that lasts, the
#: sleep start after stillness, the thrown limb that rests again, the bed moving the
#: sensor straight up and down and PLM series over both legs: every simulated sleeper
#: turning in sleep as real ones do, and every wrist making the movements the ICHI14
#: wrists made in established sleep, replayed at their real spacing): ``all_variants``
#: and ``worst_case`` of the first four families' 640 nights with the transition
#: model's but its 12.5 Hz ``budget-band``, under ``lowest_rate_hz`` (``--variants`` all
#: the others; 36 min): 780 nights, 2367 of 3098 sleep starts counted, 623 false or
#: misplaced jerks (2368 and 868 before the bed and both legs, 2335 and 852 before the
#: thrown limb); the lowest recall ``transition:rocking`` (0.14) and the most false
#: jerks per night ``biomech:jerk-clusters`` (2.25: 14 false jerks and 31 jerks of its
#: clusters counted away from a fall into sleep, in 20 nights; ``transition:bed-bounce``
#: 7.4 before); the slow rate's recall: ``accuracy.py --nights 4 --seed 0
#: --fs 12.5 --variants hypnic-sim,biomech:typical,kinematic:typical,hypnogram:typical,
#: transition:typical`` (thirty-seventh and thirty-eighth sessions: 34 of 81 sleep starts and 1 false jerk;
#: the lowest ``transition:typical``, 0 of 11, and ``kinematic:typical`` 2 of 14; the
#: 12.5 Hz ``transition:budget-band`` 7 of 51 on seeds 0-4; twenty-eighth session, on 8
#: variants: 46 of 101); the jerks put into real nights:
#: ``python benchmarks/injected.py --ichi14 PATH --seed S`` for seeds 0-2 (sixteenth session: 118
#: of 135 at the onset, 236 of 384 at returns to sleep; the same on the twenty-third and
#: twenty-seventh sessions' code; 118 and 237 on the twenty-eighth's, the onset that
#: lasts, and on the thirtieth's, the sleep start after stillness; 121 and 237 on the
#: thirty-seventh's, the thrown limb that rests again, and on the thirty-eighth's). The
#: time to fall asleep: ``real_nights.py``'s ``latency_median_abs_error_min`` (forty-fourth
#: session: 18.6 min on 45 nights, the detected a median 10.7 min shorter); the wake after
#: sleep onset: its ``waso_median_error_min`` (-56.2 min on 46 nights: a PSG median of 87
#: min against 34 detected; correlation 0.38 night by night).
MEASURED = Measured(
    onset_error_min=11.45, onset_nights=46,
    onset_data="real sleep-lab nights (ICHI14: a wrist sensor against polysomnography)",
    recall=0.77, false_per_night=0.80, worst_recall=0.17, worst_false_per_night=2.25,
    jerk_nights=780,
    jerk_data=("simulated nights from five independently written models of the body and sensor, "
               "whose sleepers turn in their sleep as real sleepers do and whose wrists make the "
               "movements real wrists made in a sleep lab"),
    lowest_rate_hz=25.0, slow_rate_hz=12.5, slow_recall=0.42, slow_worst_recall=0.0,
    put_in_onset_recall=0.90, put_in_return_recall=0.62,
    worst_recall_data="a sleeper with restless legs", worst_false_data="jerks coming in clusters",
    latency_error_min=18.6, latency_nights=45, waso_short_min=56.2)


def slow_rate_text(rate_hz: float) -> str:
    """Why a sensor sampling at ``rate_hz`` (under ``MEASURED.lowest_rate_hz``) counts
    fewer jerks, in words for a person."""
    m = MEASURED
    worst = m.slow_worst_recall
    hardest = ("" if worst is None else ", and on the hardest kind of night "
               + ("none" if round(100 * worst) == 0 else f"{100 * worst:.0f}%"))
    return (f"{rate_hz:g} Hz, under the {m.lowest_rate_hz:g} Hz that detection's accuracy was "
            f"measured from (at {m.slow_rate_hz:g} Hz, {100 * m.slow_recall:.0f}% of the sleep "
            f"starts of simulated nights were counted{hardest})")


#: Share of the sleep starts counted from one sensor at each placement (a location
#: without its side), on the independently written models' nights: ``python
#: benchmarks/accuracy.py --nights 4 --seed 0 --location LOC --variants biomech:typical,
#: biomech:restless-wake,biomech:rollover-impacts,biomech:knocks-lowpass,kinematic:typical,
#: kinematic:chest-strap,kinematic:partner-in-bed`` (2026-12-06, twenty-eighth session, the
#: 15 s rest lead; 47-79 sleep starts a placement, at most 2 false jerks in 28 nights).
#: Our own simulator is left out: it finds a thigh's jerks as easily as an ankle's.
PLACEMENT_RECALL = {"wrist": 0.77, "ankle": 0.63, "trunk": 0.66, "head": 0.43,
                    "upper-arm": 0.18, "thigh": 0.01}


def placement(location: str) -> str:
    """A location without its side: ``thigh-left`` -> ``thigh``."""
    return location.removesuffix("-left").removesuffix("-right")


def weak_placements(locations: Sequence[str]) -> list[str]:
    """The placements of ``locations`` when every one of them shows under half the
    sleep starts a wrist shows (:data:`PLACEMENT_RECALL`), else none: a set-up of such
    placements alone counts too few to go by; one good sensor among them is enough."""
    places = sorted({placement(loc) for loc in locations})
    weak = [p for p in places if PLACEMENT_RECALL.get(p, 1.0) < PLACEMENT_RECALL["wrist"] / 2]
    return weak if weak and weak == places else []


def weak_placements_text(weak: Sequence[str]) -> str:
    """How little the placements ``weak`` show, in words for a person, e.g. "the thigh,
    where hypnic counted 1% of the sleep starts of simulated nights from one sensor,
    against 77% from a wrist"."""
    shares = " and ".join(f"{100 * PLACEMENT_RECALL[p]:.0f}%" for p in weak)
    names = " and ".join(p.replace("-", " ") for p in weak)
    return (f"the {names}, where hypnic counted {shares} of the sleep starts of "
            f"simulated nights from one sensor, against {100 * PLACEMENT_RECALL['wrist']:.0f}% "
            "from a wrist")


@dataclass(frozen=True)
class Score:
    """Event-level agreement.

    Attributes
    ----------
    tp, fp, fn : int
        Matched detections, unmatched detections, unmatched truth events.
    precision, recall, f1 : float
        NaN when undefined (no detections / no truth events).
    matched : DataFrame
        ``detected`` and ``truth`` row positions of each match.
    """

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    matched: pd.DataFrame

    def as_dict(self) -> dict:
        """The counts and rates (without the match table)."""
        d = asdict(self)
        d.pop("matched")
        return d


def score_events(detected: pd.DataFrame, truth: pd.DataFrame, tolerance_s: float = 0.5,
                 by: str | None = "location") -> Score:
    """Match detected events to true ones by start time.

    A detection matches a true event if their starts differ by at most ``tolerance_s``
    (and, if ``by`` is given and both tables have that column, they share its value, e.g.
    the same sensor location). Matching is one-to-one and greedy by time difference, so
    each true event is matched at most once (like yasa's ``compare_detection``).

    Parameters
    ----------
    detected, truth : DataFrame
        Each with a ``start`` column (UTC timestamps).
    tolerance_s : float
        Largest start difference of a match, s (0 or more).
    by : str or None
        Column both events must agree on; None, or a column one table lacks (group starts
        without a location), matches across it.

    Returns
    -------
    Score

    Raises
    ------
    ArgumentTypeError
        An argument of the wrong type (a TypeError and a HypnicError).
    HypnicError
        A table without a ``start`` column, a negative ``tolerance_s``, or a ``by``
        other than the default that neither table has (a misspelt name).

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"start": pd.to_datetime(["2026-01-05T23:00:00Z", "2026-01-05T23:10:00Z"])})
    >>> found = pd.DataFrame({"start": pd.to_datetime(["2026-01-05T23:00:00.200Z", "2026-01-05T23:30:00.000Z"])})
    >>> score_events(found, truth).as_dict()
    {'tp': 1, 'fp': 1, 'fn': 1, 'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    for name, table in (("detected", detected), ("truth", truth)):
        if not isinstance(table, pd.DataFrame):
            raise wrong_type(f"score_events: {name}", "a DataFrame of events", table)
        if "start" not in table.columns:
            raise HypnicError(f"score_events: {name} has no 'start' column (the events' start "
                              "times, UTC)")
    if isinstance(tolerance_s, bool) or not isinstance(tolerance_s, (int, float)):
        raise wrong_type("score_events: tolerance_s", "a number of seconds", tolerance_s)
    if not tolerance_s >= 0:  # NaN too
        raise HypnicError(f"score_events: tolerance_s must be zero or more seconds, got {tolerance_s!r}")
    if not (by is None or isinstance(by, str)):
        raise wrong_type("score_events: by", "a column name (str) or None", by)
    if by not in (None, "location") and by not in detected.columns and by not in truth.columns:
        raise HypnicError(f"score_events: by={by!r} is a column of neither table; give one of "
                          f"{', '.join(map(str, truth.columns[:8]))}, or None")
    d_start = _ns(detected)
    t_start = _ns(truth)
    use_by = by is not None and by in detected.columns and by in truth.columns
    d_key = detected[by].astype(str).to_numpy() if use_by else np.zeros(len(detected), object)
    t_key = truth[by].astype(str).to_numpy() if use_by else np.zeros(len(truth), object)
    tol = tolerance_s * 1e9
    pairs = []
    for key in set(d_key) & set(t_key):
        di, ti = np.flatnonzero(d_key == key), np.flatnonzero(t_key == key)
        diff = np.abs(d_start[di][:, None] - t_start[ti][None, :])
        a, b = np.nonzero(diff <= tol)
        pairs += [(float(diff[x, y]), int(di[x]), int(ti[y])) for x, y in zip(a, b, strict=True)]
    used_d, used_t, match = set(), set(), []
    for _, i, j in sorted(pairs):
        if i not in used_d and j not in used_t:
            used_d.add(i)
            used_t.add(j)
            match.append((i, j))
    tp = len(match)
    fp, fn = len(detected) - tp, len(truth) - tp
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return Score(tp, fp, fn, precision, recall, f1,
                 pd.DataFrame(match, columns=["detected", "truth"], dtype=np.int64))


def score_jerks(events: pd.DataFrame, truth: pd.DataFrame, tolerance_s: float = 0.5) -> tuple[Score, list[str]]:
    """A night's counted jerks against true ones, and what each true jerk missed was filed as.

    Each counted jerk (kind ``jerk``, one per group of a night: its first sensor's start) is matched
    one-to-one to a true start within ``tolerance_s`` across sensors
    (:func:`score_events`). A true jerk left unmatched is named by the candidate of any
    sensor starting nearest it within ``tolerance_s``: its kind (``wake-burst``,
    ``sleep-burst``, ``movement``, ...), or ``"no candidate"``.

    Parameters
    ----------
    events : DataFrame
        Detection's events (:attr:`detection.NightResult.events`).
    truth : DataFrame
        The true jerks' ``start`` (UTC).
    tolerance_s : float
        Largest start difference of a match, s.

    Returns
    -------
    score : Score
        Over the counted jerks.
    missed_as : list of str
        One per true jerk missed, in the truth's order.

    Examples
    --------
    >>> ev = pd.DataFrame({"start": pd.to_datetime(["2026-01-05T23:00:00.1Z", "2026-01-05T23:05:00.0Z"]),
    ...                    "kind": ["jerk", "movement"], "group_id": [0, -1]})
    >>> truth = pd.DataFrame({"start": pd.to_datetime(["2026-01-05T23:00:00.0Z", "2026-01-05T23:05:00.2Z",
    ...                                                "2026-01-05T23:30:00.0Z"])})
    >>> score, missed_as = score_jerks(ev, truth)
    >>> score.tp, score.fp, missed_as
    (1, 0, ['movement', 'no candidate'])
    """
    jerks = events[events["kind"] == "jerk"]
    groups = [c for c in ("night", "group_id") if c in jerks]  # group ids restart each night
    counted = jerks.groupby(groups, as_index=False).agg(start=("start", "min"))
    score = score_events(counted, truth, tolerance_s, by=None)
    missed = truth.drop(index=truth.index[score.matched["truth"].to_numpy()])
    near = score_events(events, missed, tolerance_s, by=None).matched
    missed_as = ["no candidate"] * len(missed)
    for d, t in near.itertuples(index=False):
        missed_as[t] = str(events["kind"].iloc[d])
    return score, missed_as


def truth_text(source: str, n_true: int, tp: int, fp: int, missed_as: Sequence[str],
               tolerance_s: float = 0.5) -> str:
    """How counted jerks agree with true ones, in a sentence for a person: ``n_true`` true
    jerks of ``source``, ``tp`` of them counted, ``fp`` counted jerks that are none, and
    what the missed ones were filed as (:func:`score_jerks`).

    >>> truth_text("labels.csv", 4, 3, 1, ["movement"])
    'Against labels.csv (4 true jerks, within 0.5 s): 3 counted (recall 0.75), 1 counted that is none (precision 0.75), F1 0.75; the missed were filed as: 1 movement.'
    """
    from collections import Counter

    if not n_true:
        return f"{source} holds no true jerk: nothing to score against."
    missed = ", ".join(f"{n} {kind}" for kind, n in Counter(missed_as).most_common())
    jerks = f"{n_true} true jerk" + ("" if n_true == 1 else "s")
    return (f"Against {source} ({jerks}, within {tolerance_s:g} s): {tp} counted "
            f"(recall {tp / n_true:.2f}), {fp} counted that {'is' if fp == 1 else 'are'} none"
            + (f" (precision {tp / (tp + fp):.2f}), F1 {2 * tp / (tp + fp + n_true):.2f}" if tp + fp else "")
            + (f"; the missed were filed as: {missed}" if missed else "") + ".")


def _ns(df: pd.DataFrame) -> np.ndarray:
    if len(df) == 0:
        return np.zeros(0, np.int64)
    return pd.to_datetime(df["start"], utc=True).to_numpy("datetime64[ns]").view(np.int64)
