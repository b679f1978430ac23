"""The sleeper's own marks against what hypnic detected: agreement, not accuracy.

No public data set labels hypnic jerks in accelerometer recordings, so the best ground
truth a sleeper has is their own: "I felt one" marks (two taps on the sensor, a key
in ``hypnic record``, ``hypnic mark``). A mark comes a few seconds after the jerk,
and a jerk felt half-asleep is often not marked at all, so this is a comparison of two
imperfect records, worded as agreement:

* per night (:func:`compare_marks`, the one scorer :func:`detection.score_events`
  with a tolerance of :data:`MARK_WINDOW_S`): marks with a detected jerk within the
  window, marks with none, detected jerks with no mark;
* over nights (:func:`agreement`): the share of marks with a detected jerk near them,
  with its 95 % Wilson interval, once there are :data:`MIN_MARKS` marks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

#: A mark and a detected jerk within this of each other agree, s (a mark follows the
#: jerk it records by a few seconds).
MARK_WINDOW_S = 15.0
#: Marks needed before a personal agreement figure is given.
MIN_MARKS = 10
#: Per-night columns of the comparison (added to the nightly summary).
MARK_COLUMNS = {
    "n_marks": "your felt-it marks",
    "n_marks_detected": "marks with a detected jerk within 15 s",
    "n_marks_missed": "marks with no detected jerk near them",
    "n_jerks_unmarked": "detected jerks with no mark near them",
}


def compare_marks(jerks: pd.DataFrame, marks: pd.DataFrame,
                  window_s: float = MARK_WINDOW_S) -> dict[str, float]:
    """One night's marks against its detected jerks.

    Parameters
    ----------
    jerks : DataFrame
        One row per jerk with a ``start`` column (:func:`analysis.nights.jerk_groups`).
    marks : DataFrame
        One row per mark with a ``start`` column (UTC).
    window_s : float
        Largest time between a mark and its jerk, s.

    Returns
    -------
    dict
        :data:`MARK_COLUMNS`; the last three are NaN on a night without marks.

    Examples
    --------
    >>> t = pd.to_datetime(["2026-01-05T23:00:00Z", "2026-01-05T23:30:00Z"])
    >>> compare_marks(pd.DataFrame({"start": t}), pd.DataFrame({"start": t[:1] + pd.Timedelta(seconds=4)}))
    {'n_marks': 1, 'n_marks_detected': 1, 'n_marks_missed': 0, 'n_jerks_unmarked': 1}
    """
    from detection import score_events

    if not len(marks):
        return {"n_marks": 0, **{k: math.nan for k in list(MARK_COLUMNS)[1:]}}
    s = score_events(jerks[["start"]], marks[["start"]], window_s, by=None)
    return {"n_marks": len(marks), "n_marks_detected": s.tp, "n_marks_missed": s.fn,
            "n_jerks_unmarked": s.fp}


@dataclass(frozen=True)
class Agreement:
    """Your marks against the detections, over the nights with marks.

    Attributes
    ----------
    nights, marks, marks_detected : int
        Nights with marks, marks, marks with a detected jerk near them.
    share, low, high : float
        ``marks_detected / marks`` and its 95 % Wilson interval (NaN without marks).
    jerks, jerks_marked : int
        Detected jerks on those nights, and those with a mark near them.
    enough : bool
        At least :data:`MIN_MARKS` marks.
    message : str
        One plain sentence for the report.
    """

    nights: int
    marks: int
    marks_detected: int
    share: float
    low: float
    high: float
    jerks: int
    jerks_marked: int
    enough: bool
    message: str


def agreement(table: pd.DataFrame) -> Agreement:
    """The personal agreement figure over the nights of ``table`` (one row per night
    with the :data:`MARK_COLUMNS` and ``n_jerks``)."""
    from statsmodels.stats.proportion import proportion_confint

    cols = [*MARK_COLUMNS, "n_jerks"]
    rows = (table[table["n_marks"].fillna(0) > 0] if "n_marks" in table
            else pd.DataFrame(columns=cols))
    marks = int(rows["n_marks"].sum()) if len(rows) else 0
    hit = int(rows["n_marks_detected"].sum()) if len(rows) else 0
    jerks = int(rows["n_jerks"].sum()) if len(rows) else 0
    unmarked = int(rows["n_jerks_unmarked"].sum()) if len(rows) else 0
    if marks:
        low, high = (float(v) for v in proportion_confint(hit, marks, 0.05, "wilson"))
        share = hit / marks
    else:
        share = low = high = math.nan
    enough = marks >= MIN_MARKS
    if not marks:
        message = ("No felt-it marks yet. Tap the sensor twice when you feel a jerk (or press "
                   "Enter in 'hypnic record'), and the report will compare your marks with "
                   "what hypnic detected.")
    elif not enough:
        message = (f"{marks} mark(s) so far; with {MIN_MARKS} or more the report gives a "
                   "personal agreement figure.")
    else:
        message = (f"Over {len(rows)} night(s) with marks, hypnic detected a jerk within "
                   f"{MARK_WINDOW_S:g} s of {hit} of your {marks} marks: {100 * share:.0f}% "
                   f"agreement (95% interval {100 * low:.0f}-{100 * high:.0f}%). This is "
                   "agreement between two imperfect records, not accuracy: a jerk felt "
                   "half-asleep is often not marked, and a mark may follow a jerk the "
                   "sensors could not see.")
    return Agreement(len(rows), marks, hit, share, low, high, jerks, jerks - unmarked, enough,
                     message)
