"""Domain facts every layer shares: body parts, which of them touch, how a jerk is
distributed over them, the phases of a night and the sleep need behind sleep debt.

Each fact is defined once, here. :class:`sensing.recording.Recording` checks locations
against :data:`LOCATIONS`; detection reasons about the distribution and phase of a jerk
with :data:`CONTIGUOUS` and :func:`phase_of`; the simulator's ground truth and the
nightly summaries of the analysis use the same definitions.
"""

from __future__ import annotations

import numpy as np

#: Body part of each supported wearing location. Body parts are what the detection
#: of the distribution of a jerk (focal, segmental, ...) reasons about.
LOCATIONS: dict[str, str] = {
    "wrist-left": "arm-left",
    "wrist-right": "arm-right",
    "upper-arm-left": "arm-left",
    "upper-arm-right": "arm-right",
    "ankle-left": "leg-left",
    "ankle-right": "leg-right",
    "thigh-left": "leg-left",
    "thigh-right": "leg-right",
    "trunk": "trunk",
    "head": "head",
    "unknown": "unknown",
}

ARMS = ("arm-left", "arm-right")
LEGS = ("leg-left", "leg-right")
LIMBS = (*ARMS, *LEGS)
#: Every body part a sensor can sit on (the values of :data:`LOCATIONS` but ``unknown``).
BODY_PARTS = ("trunk", *LIMBS, "head")

#: Body parts that touch (a jerk in two of them is segmental): each limb joins the
#: trunk, the legs join at the pelvis (lumbosacral segments), the arms at the
#: shoulders, the head sits on the trunk.
CONTIGUOUS: tuple[tuple[str, str], ...] = (
    ("trunk", "arm-left"), ("trunk", "arm-right"), ("trunk", "leg-left"), ("trunk", "leg-right"),
    ("leg-left", "leg-right"), ("arm-left", "arm-right"), ("trunk", "head"),
)


#: How a jerk spreads over the body: one part, contiguous parts, non-contiguous parts out
#: of step, or every part together.
DISTRIBUTIONS = ("focal", "segmental", "multifocal", "generalized")


def contiguous(a: str, b: str) -> bool:
    """Whether body parts ``a`` and ``b`` touch (a pair of :data:`CONTIGUOUS`, either order)."""
    return (a, b) in CONTIGUOUS or (b, a) in CONTIGUOUS


#: Window around sleep onset whose jerks are in the ``sleep-onset`` phase, s (from -5 to
#: +15 min); see :func:`phase_of`.
ONSET_WINDOW_S = (-300.0, 900.0)
#: Time after a brief awakening ends that is still the ``awakening`` phase (the return to
#: sleep), s.
AWAKENING_RETURN_S = 900.0
#: Half-width of the "30 minutes around sleep onset" counted in nightly summaries and
#: the report (15 min either side), s.
ONSET_HALF_WINDOW_S = 900.0
#: Sleep need against which sleep debt is counted, h (adult recommendation of 7-9 h): the
#: debt of a night is this minus the hours slept, floored at 0.
REFERENCE_SLEEP_H = 8.0


def phase_of(rel_s: np.ndarray, t_s: np.ndarray, onset_s: float, wake_s: float,
             awakenings_s: list[tuple[float, float]]) -> np.ndarray:
    """Phase of moments relative to the sleep window.

    ``sleep-onset``: within [-5, +15] min of sleep onset (:data:`ONSET_WINDOW_S`);
    ``pre-sleep``: earlier; ``awakening``: inside a brief awakening or up to 15 min after
    it ends (:data:`AWAKENING_RETURN_S`, the return to sleep); ``day``: after the final
    wake; ``sleep``: the rest.

    Parameters
    ----------
    rel_s : ndarray
        Times relative to sleep onset, s.
    t_s : ndarray
        The same times on a common clock, s.
    onset_s, wake_s : float
        Sleep onset and final wake on that clock, s.
    awakenings_s : list of (float, float)
        Brief awakenings on that clock, s.

    Returns
    -------
    ndarray of object
        One phase name per moment.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([0.0, 1500.0, 2000.0, 5000.0])
    >>> phase_of(t - 1800.0, t, 1800.0, 4000.0, []).tolist()
    ['pre-sleep', 'sleep-onset', 'sleep-onset', 'day']
    """
    phase = np.full(len(t_s), "sleep", dtype=object)
    for a0, a1 in awakenings_s:
        phase[(t_s >= a0) & (t_s < a1 + AWAKENING_RETURN_S)] = "awakening"
    phase[(rel_s >= ONSET_WINDOW_S[0]) & (rel_s <= ONSET_WINDOW_S[1])] = "sleep-onset"
    phase[rel_s < ONSET_WINDOW_S[0]] = "pre-sleep"
    phase[t_s >= wake_s] = "day"
    return phase
