"""Domain facts every layer shares: body parts, which of them touch, how a jerk is
distributed over them, the phases of a night and the sleep need behind sleep debt.

Each fact is defined once, here. :class:`sensing.recording.Recording` checks locations
against :data:`LOCATIONS`; detection reasons about the distribution and phase of a jerk
with :data:`CONTIGUOUS` and :func:`phase_of`; the simulator's ground truth and the
nightly summaries of the analysis use the same definitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sensing.errors import InvalidRecordingError

if TYPE_CHECKING:
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


def parse_location(text: str) -> str:
    """The key of :data:`LOCATIONS` a person means by ``text`` (case, spaces and the order
    of side and part do not matter: ``Left wrist`` is ``wrist-left``).

    Raises
    ------
    InvalidRecordingError
        For an unknown location, or a limb without its side (naming the two choices).

    Examples
    --------
    >>> parse_location("Left wrist"), parse_location("ankle_right"), parse_location("TRUNK")
    ('wrist-left', 'ankle-right', 'trunk')
    """
    words = text.strip().lower().replace("_", " ").replace("-", " ").split()
    sides = [w for w in words if w in ("left", "right")]
    part = "-".join(w for w in words if w not in ("left", "right"))
    key = f"{part}-{sides[0]}" if len(sides) == 1 else part
    if key in LOCATIONS:
        return key
    if not sides and f"{part}-left" in LOCATIONS:
        raise InvalidRecordingError(f"location {text!r}: say which side, {part}-left or {part}-right")
    raise InvalidRecordingError(f"unknown location {text!r}; expected one of {', '.join(LOCATIONS)}")


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
#: +15 min); see :func:`phase_of`. Hypnic jerks occur at the wake-N1 transition and in
#: light sleep (N1-N2) just after it; actigraphic onset itself is uncertain by minutes.
ONSET_WINDOW_S = (-300.0, 900.0)
#: Time after an awakening ends that is still the ``awakening`` phase (the return to
#: sleep), s.
AWAKENING_RETURN_S = 900.0
#: Phases that are a transition into sleep: from rest onset (lights out) to 15 min after
#: sleep onset, and an awakening up to 15 min after it ends. Only jerks in them are
#: sleep starts (hypnic jerks); see ``docs/detection.md``.
FALLING_ASLEEP_PHASES = ("pre-sleep", "sleep-onset", "awakening")
#: Half-width of the "30 minutes around sleep onset" counted in nightly summaries and
#: the report (15 min either side), s.
ONSET_HALF_WINDOW_S = 900.0
#: Lowest sampling rate a night can be analysed at, Hz: a hypnic jerk lasts 50-250 ms,
#: so slower sampling cannot show one (recordings below it are refused for detection).
MIN_RATE_HZ = 10.0


def refuse_slow_rate(fs: float, what: str) -> None:
    """Refuse a sampling rate ``fs`` (Hz) under :data:`MIN_RATE_HZ`.

    Raises
    ------
    InvalidRecordingError
        If ``fs`` is under it; ``what`` (a file's name, a sensor) begins the message.
    """
    if fs < MIN_RATE_HZ:
        raise InvalidRecordingError(f"{what}: {fs:g} Hz is too slow to show a jerk (50-250 ms); "
                                    f"hypnic needs {MIN_RATE_HZ:g} Hz or more")
#: Sleep need against which sleep debt is counted, h (adult recommendation of 7-9 h): the
#: debt of a night is this minus the hours slept, floored at 0.
REFERENCE_SLEEP_H = 8.0


#: One sleep period for :func:`phase_of`: ``(lights_out, onset, wake, awakenings)``, s
#: on a common clock, awakenings a list of ``(start, end)``.
Period = tuple[float, float, float, Sequence[tuple[float, float]]]


def phase_of(t_s: np.ndarray, periods: Sequence[Period], margin_s: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phase of moments relative to the sleep periods of a recording.

    Inside a period (from lights out, or 5 min before onset if that is earlier, to the
    final wake): ``sleep-onset`` within [-5, +15] min of its sleep onset
    (:data:`ONSET_WINDOW_S`); ``pre-sleep`` from lights out to then; ``awakening`` inside
    an awakening or up to 15 min after it ends (:data:`AWAKENING_RETURN_S`, the return to
    sleep); ``sleep`` the rest. Outside every period: ``day``.

    Parameters
    ----------
    t_s : ndarray
        Times on a common clock, s.
    periods : sequence of Period
        ``(lights_out, onset, wake, awakenings)`` of each sleep period, same clock.
    margin_s : float
        Extra time the ``sleep-onset`` and ``awakening`` phases last after their 15 min,
        s: for onsets and awakenings that are estimates, their uncertainty (0 for true
        ones).

    Returns
    -------
    phase : ndarray of object
        One phase name per moment.
    rel_onset_s : ndarray
        Seconds from the onset of the period the moment lies in, or of the nearest
        period's onset outside them (negative before it; NaN without periods).
    period : ndarray of int
        Index of the period the moment lies in (-1 outside every period).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([0.0, 1000.0, 1500.0, 2000.0, 4000.0, 5000.0])
    >>> phase, rel, period = phase_of(t, [(600.0, 1800.0, 4500.0, [])])
    >>> phase.tolist()
    ['day', 'pre-sleep', 'sleep-onset', 'sleep-onset', 'sleep', 'day']
    >>> rel.tolist()
    [-1800.0, -800.0, -300.0, 200.0, 2200.0, 3200.0]
    >>> period.tolist()
    [-1, 0, 0, 0, 0, -1]
    """
    import numpy as np

    t = np.asarray(t_s, float)
    phase = np.full(len(t), "day", dtype=object)
    period = np.full(len(t), -1)
    if not periods:
        return phase, np.full(len(t), np.nan), period
    onsets = np.array([p[1] for p in periods])
    rel = t - onsets[np.abs(t[:, None] - onsets[None, :]).argmin(axis=1)]
    for k, (lights, onset, wake, awakenings) in enumerate(periods):
        inside = (t >= min(lights, onset + ONSET_WINDOW_S[0])) & (t < wake)
        r = t - onset
        rel[inside] = r[inside]
        period[inside] = k
        here = np.full(len(t), "sleep", dtype=object)
        for a0, a1 in awakenings:
            here[(t >= a0) & (t < a1 + AWAKENING_RETURN_S + margin_s)] = "awakening"
        here[r < ONSET_WINDOW_S[0]] = "pre-sleep"
        here[(r >= ONSET_WINDOW_S[0]) & (r <= ONSET_WINDOW_S[1] + margin_s)] = "sleep-onset"
        phase[inside] = here[inside]
    return phase, rel, period
