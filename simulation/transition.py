"""The transition model: a night whose hardest part is the fall into sleep.

A fifth, independent signal model for validating hypnic-jerk detection (see
``docs/simulator-transition.md``). It writes a complete night in bed (lights out, a
sleep latency, awakenings and returns to sleep, the final wake; restless wake, posture
shifts, the small turns of real sleep) and hypnic jerks at every fall into sleep, and
then, as switches, what happens *at* the wake-sleep transition without being a sleep
start (hypnagogic foot tremor, alternating leg muscle activation, rhythmic body
rolling, restless legs with periodic leg movements while awake and asleep, an arm
that drops as tone fades, a pet or a partner bouncing the mattress) and what a real
consumer wristband does to the signal (a loose or tight strap on soft tissue, a case
that slides and clacks against the wrist, a budget front end that samples 12.5 times a
second at +-2 g and 8 bits without an anti-alias filter, lost data).

Kinematics are written analytically per event and summed on a fixed internal grid of
at least 100 Hz; the sensor's orientation is a chain of rotations of the gravity
direction (net turns, posture shifts, tilts left by a jerk) plus small transient
rotations (tremor, rocking, fidgets); linear acceleration comes from each segment's
rotation about its proximal joint (tangential and centripetal terms), from mattress
oscillations and from impacts. Same config and seed give a bit-identical night.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal

from sensing.body import BODY_PARTS, LOCATIONS, phase_of
from sensing.errors import HypnicError
from sensing.recording import G, Recording
from simulation.night import SimulatedNight

__all__ = [
    "STRAPS",
    "TRANSITION_VARIANTS",
    "TransitionConfig",
    "simulate_transition_night",
]

#: Coupling of the case to the bone through skin, soft tissue and strap: natural
#: frequency (Hz) and damping ratio of a base-excited mass-spring-damper (assumed; a
#: heavy skin-mounted accelerometer rings at its resonance on soft tissue: Saha & Lakes
#: 1977; porcine muscle under a mass resonates at 2-40 Hz: Huang et al. 2015).
STRAPS: dict[str, tuple[float, float]] = {
    "tight": (25.0, 0.5),
    "snug": (15.0, 0.35),
    "loose": (8.0, 0.15),
    "pressed": (30.0, 0.7),  # a wrist under a pillow under the head's weight
}

#: Distance from the proximal joint to the sensor, m (Winter's segment lengths as
#: fractions of a 1.75 m body height: forearm 0.146 H, shank 0.246 H; upper arm,
#: thigh, trunk and head distances assumed).
LEVER_M: dict[str, float] = {
    "wrist": 0.25, "upper-arm": 0.15, "ankle": 0.42, "thigh": 0.22, "trunk": 0.25, "head": 0.10,
}

#: Small turns of real sleep per hour of sleep, by size in degrees (ICHI14 wrists,
#: measured in this project: ``docs/simulator.md``, "The small movements of real
#: sleep"). The 45-180 degree class is written as whole-body posture shifts.
TURN_CLASSES: tuple[tuple[float, float, float], ...] = (
    (2.0, 5.0, 5.6), (5.0, 10.0, 2.2), (10.0, 20.0, 1.7), (20.0, 45.0, 1.7),
)

#: Probability of each distribution of a hypnic jerk (assumed from the descriptions:
#: "mostly generalized", "one or more body segments").
PATTERN_P: dict[str, float] = {
    "generalized": 0.45, "segmental": 0.30, "focal": 0.20, "multifocal": 0.05,
}
#: Contiguous sets a segmental jerk may take (each connected under CONTIGUOUS).
SEGMENTAL_SETS: tuple[tuple[str, ...], ...] = (
    ("trunk", "arm-left", "arm-right", "head"), ("trunk", "leg-left", "leg-right"),
    ("leg-left", "leg-right"), ("arm-left", "arm-right"), ("trunk", "arm-left"),
    ("trunk", "arm-right"), ("trunk", "leg-left"), ("trunk", "leg-right"), ("trunk", "head"),
)
FOCAL_PARTS = ("arm-left", "arm-right", "leg-left", "leg-right", "trunk")
MULTIFOCAL_SETS: tuple[tuple[str, str], ...] = (
    ("arm-left", "leg-right"), ("arm-right", "leg-left"), ("arm-left", "leg-left"),
    ("arm-right", "leg-right"), ("head", "leg-left"), ("head", "leg-right"),
)
#: Rotation of each segment in a full-strength generalized jerk, degrees (assumed).
JERK_DEG: dict[str, tuple[float, float]] = {
    "arm": (10.0, 35.0), "leg": (5.0, 20.0), "trunk": (2.0, 8.0), "head": (5.0, 20.0),
}
PATTERN_SCALE = {"generalized": 1.0, "segmental": 0.8, "focal": 0.6, "multifocal": 0.6}


@dataclass(frozen=True)
class TransitionConfig:
    """What a transition-model night is made of.

    Attributes
    ----------
    start : str
        When the recording starts, UTC (ISO text).
    hours_in_bed : float
        From lights out to the end of the last sleep (the final wake), h.
    pre_bed_min, post_wake_min : float
        Recorded time awake in bed before lights out (reading) and after the final
        wake, min.
    fs : float
        Output sampling rate, Hz (10-1000).
    locations : tuple of str
        Sensor locations (keys of :data:`sensing.body.LOCATIONS`).
    latency_median_min, latency_sigma : float
        Sleep-onset latency: lognormal median, min, and log-sd (dimensionless).
    awakenings_per_night : float
        Mean number of awakenings of a minute or more in a 7 h sleep (Poisson).
    awakening_median_min : float
        Median length of an awakening, min (lognormal, log-sd 0.7, 1-30 min).
    jerks_per_onset : float
        Mean number of hypnic jerks per fall into sleep (onset and every return), Poisson.
    series_prob : float
        Probability that two or more jerks of one fall into sleep come as a series
        (5-60 s apart) rather than spread over the transition.
    wake_moves_per_min : float
        Ordinary restless-wake movements (fidgets) of an arm per minute awake in bed;
        legs 0.6 and the trunk 0.3 times that.
    turns_scale : float
        Multiplies the measured rates of small turns in sleep (:data:`TURN_CLASSES`).
    posture_per_h : float
        Whole-body posture shifts per hour of sleep (45-180 degrees).
    drop_prob : float
        Probability per fall into sleep that a raised forearm drops onto the mattress as
        tone fades (kind ``drop``).
    adjust_prob : float
        Probability that a jerk is followed 1-8 s later by a repositioning (``fidget``).
    foot_tremor_prob : float
        Probability per fall into sleep of hypnagogic foot tremor trains (``foot-tremor``).
    alma_prob : float
        Probability per fall into sleep of an alternating leg muscle activation
        sequence (``alma``).
    rocking_prob : float
        Probability per fall into sleep of a rhythmic body-rolling episode (``rocking``).
    rls : bool
        Restless legs: discomfort movements (``rls``) and periodic leg movements while
        awake (PLMW) before sleep and in awakenings, periodic leg movements in sleep,
        and a doubled sleep latency (``plm``).
    plms_per_h : float
        PLMS index of an ``rls`` night, movements per hour of sleep.
    bed_bounce_per_onset : float
        Mean number of mattress-bouncing episodes (a pet, a partner getting in) per fall
        into sleep, within 5 min of it (Poisson); a fifth of that per hour of the rest
        of the night (``bed-bounce``).
    arm_under_pillow : bool
        Prone sleeper with the left arm under the pillow: that wrist's jerks and turns
        constrained, its strap pressed, its arm shaken awake at awakenings (``shake``).
    strap : str
        Strap coupling of the limb sensors, a key of :data:`STRAPS`; ``loose`` also
        lets the case slide and clack against the wrist (``rattle``).
    range_g : float
        Full-scale range of the sensor, +-g; samples clip there.
    bits : int
        Resolution of the converter over the full range (8-16).
    front_end : str
        ``lowpass`` (a 2nd-order low-pass at ``bandwidth_ratio * fs`` before
        decimation) or ``point`` (instantaneous samples, no anti-alias filter).
    bandwidth_ratio : float
        Low-pass corner as a fraction of the output rate (0.05-0.5).
    noise_mg : float
        White noise per axis at the output, mg rms.
    offset_mg : float
        Sd of each axis' zero-g offset, mg.
    gain_sd : float
        Sd of each axis' sensitivity error (fraction).
    gaps_per_h : float
        Lost-data spans per hour per sensor (median 4 s, Poisson).
    """

    start: str = "2024-03-04 21:50"
    hours_in_bed: float = 7.5
    pre_bed_min: float = 10.0
    post_wake_min: float = 5.0
    fs: float = 50.0
    locations: tuple[str, ...] = ("wrist-left", "ankle-right")
    latency_median_min: float = 14.0
    latency_sigma: float = 0.6
    awakenings_per_night: float = 2.5
    awakening_median_min: float = 3.0
    jerks_per_onset: float = 0.6
    series_prob: float = 0.25
    wake_moves_per_min: float = 0.8
    turns_scale: float = 1.0
    posture_per_h: float = 2.0
    drop_prob: float = 0.3
    adjust_prob: float = 0.3
    foot_tremor_prob: float = 0.0
    alma_prob: float = 0.0
    rocking_prob: float = 0.0
    rls: bool = False
    plms_per_h: float = 30.0
    bed_bounce_per_onset: float = 0.0
    arm_under_pillow: bool = False
    strap: str = "snug"
    range_g: float = 8.0
    bits: int = 12
    front_end: str = "lowpass"
    bandwidth_ratio: float = 0.25
    noise_mg: float = 2.0
    offset_mg: float = 20.0
    gain_sd: float = 0.01
    gaps_per_h: float = 0.1
    variant: str = field(default="custom", compare=False)

    def __post_init__(self) -> None:
        if not 10 <= self.fs <= 1000:
            raise HypnicError(f"fs must be 10-1000 Hz, got {self.fs}")
        if not 1.0 <= self.hours_in_bed <= 16:
            raise HypnicError(f"hours_in_bed must be 1-16 h, got {self.hours_in_bed}")
        bad = [loc for loc in self.locations if loc not in LOCATIONS or loc == "unknown"]
        if bad or not self.locations or len(set(self.locations)) != len(self.locations):
            raise HypnicError(f"locations must be distinct known locations, got {self.locations}")
        if self.strap not in STRAPS:
            raise HypnicError(f"strap must be one of {', '.join(STRAPS)}, got {self.strap!r}")
        if self.front_end not in ("lowpass", "point"):
            raise HypnicError(f"front_end must be lowpass or point, got {self.front_end!r}")
        if not 6 <= self.bits <= 16 or self.range_g <= 0:
            raise HypnicError("bits must be 6-16 and range_g positive")
        if not 0.05 <= self.bandwidth_ratio <= 0.5:
            raise HypnicError(f"bandwidth_ratio must be 0.05-0.5, got {self.bandwidth_ratio}")
        for name in ("series_prob", "drop_prob", "adjust_prob", "foot_tremor_prob",
                     "alma_prob", "rocking_prob"):
            if not 0 <= getattr(self, name) <= 1:
                raise HypnicError(f"{name} must be 0-1, got {getattr(self, name)}")
        for name in ("jerks_per_onset", "awakenings_per_night", "wake_moves_per_min",
                     "turns_scale", "posture_per_h", "plms_per_h", "bed_bounce_per_onset",
                     "noise_mg", "offset_mg", "gain_sd", "gaps_per_h", "pre_bed_min",
                     "post_wake_min", "latency_sigma"):
            if getattr(self, name) < 0:
                raise HypnicError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.latency_median_min <= 0 or self.awakening_median_min <= 0:
            raise HypnicError("latency_median_min and awakening_median_min must be positive")


def _variant(name: str, **kw: Any) -> TransitionConfig:
    return TransitionConfig(variant=name, **kw)


#: One night per physical effect (``docs/simulator-transition.md``, the variants table).
TRANSITION_VARIANTS: dict[str, TransitionConfig] = {
    "typical": _variant("typical"),
    "foot-tremor": _variant("foot-tremor", foot_tremor_prob=1.0, alma_prob=0.5),
    "rocking": _variant("rocking", locations=("wrist-left", "trunk"), rocking_prob=1.0),
    "rls": _variant("rls", locations=("ankle-left", "ankle-right"), rls=True),
    "loose-band": _variant("loose-band", locations=("wrist-left",), fs=100.0, strap="loose"),
    "budget-band": _variant("budget-band", locations=("wrist-right",), fs=12.5, range_g=2.0,
                            bits=8, front_end="point", noise_mg=4.0, gaps_per_h=0.5),
    "bed-bounce": _variant("bed-bounce", locations=("wrist-left", "ankle-right", "trunk"),
                           bed_bounce_per_onset=1.5),
    "arm-under-pillow": _variant("arm-under-pillow", locations=("wrist-left", "trunk"),
                                 arm_under_pillow=True),
}


# --------------------------------------------------------------------------- kinematics

def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _rotate(v: np.ndarray, k: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Rotate vector(s) ``v`` about unit axis/axes ``k`` by angle(s) ``phi`` (Rodrigues)."""
    c, s = np.cos(phi)[..., None], np.sin(phi)[..., None]
    kv = np.sum(k * v, axis=-1, keepdims=True)
    return v * c + np.cross(k, v) * s + k * kv * (1 - c)


def _min_jerk(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, 1.0)
    return s ** 3 * (10 - 15 * s + 6 * s * s)


def _rise_hold_fall(t: np.ndarray, rise: float, hold: float, fall: float, keep: float = 0.0
                    ) -> np.ndarray:
    """Profile 0 -> 1 in ``rise`` s (minimum jerk), held ``hold`` s, back to ``keep`` in
    ``fall`` s."""
    up = _min_jerk(t / rise)
    down = (1 - keep) * _min_jerk((t - rise - hold) / fall)
    return up - down


def _lever(loc: str) -> float:
    return LEVER_M[loc.rsplit("-", 1)[0] if loc not in LEVER_M else loc]


def _segment(part: str) -> str:
    return part.split("-")[0]


def _axis_across(rng: np.random.Generator) -> np.ndarray:
    """A random unit axis across the segment (perpendicular to the sensor's x axis,
    which lies along the segment: assumed mounting)."""
    a = rng.uniform(0, 2 * np.pi)
    return np.array([0.0, math.cos(a), math.sin(a)])


def _random_unit(rng: np.random.Generator) -> np.ndarray:
    return _unit(rng.normal(size=3))


@dataclass
class _Move:
    """A net rotation of one sensor (a turn, a posture shift, a jerk's out and back)."""

    t0: float
    dur: float
    angle: float
    axis: np.ndarray
    fixed: bool
    kind: str | None  # confounder kind for a truth row, None for part of a jerk
    series: int = -1
    row_end: float | None = None  # end of the truth row if not t0 + dur
    landing_g: float = 0.0


class _Sensor:
    """One sensor's timeline on the internal grid while the night is written."""

    def __init__(self, loc: str, n: int, f_int: float, cfg: TransitionConfig):
        self.loc, self.part, self.n, self.f = loc, LOCATIONS[loc], n, f_int
        self.seg = _segment(self.part)
        self.r = _lever(loc)
        self.moves: list[_Move] = []
        self.rot = np.zeros((n, 3), np.float32)  # transient rotation vectors, rad
        self.lin = np.zeros((n, 3), np.float32)  # linear acceleration, g
        self.rows: list[dict[str, Any]] = []  # confounder rows (kind, t0, t1, series)
        self.pressed = cfg.arm_under_pillow and loc in ("wrist-left", "upper-arm-left")
        self.bounce: list[tuple[float, np.ndarray]] = []  # mattress motion, g along vertical

    def idx(self, t: float) -> int:
        return min(max(int(round(t * self.f)), 0), self.n)

    def add_rotation(self, t0: float, theta: np.ndarray, axis: np.ndarray, r: float | None = None
                     ) -> None:
        """A transient rotation ``theta`` (rad, one value per internal sample from ``t0``)
        about ``axis`` (sensor frame), with the linear acceleration it brings at the
        sensor's lever arm."""
        i0 = self.idx(t0)
        theta = theta[: max(self.n - i0, 0)]
        if len(theta) < 3:
            return
        w = len(theta)
        r = self.r if r is None else r
        dt = 1.0 / self.f
        d1 = np.gradient(theta, dt)
        d2 = np.gradient(d1, dt)
        self.rot[i0:i0 + w] += (theta[:, None] * axis).astype(np.float32)
        self.lin[i0:i0 + w] += _lever_acc(axis, r, d1, d2).astype(np.float32)

    def add_linear(self, t0: float, acc: np.ndarray) -> None:
        i0 = self.idx(t0)
        acc = acc[: max(self.n - i0, 0)]
        self.lin[i0:i0 + len(acc)] += acc.astype(np.float32)

    def row(self, kind: str, t0: float, t1: float, series: int = -1) -> None:
        self.rows.append(dict(kind=kind, t0=t0, t1=t1, series=series))


_E_R = np.array([1.0, 0.0, 0.0])  # sensor x axis along the segment, away from the joint


def _lever_acc(axis: np.ndarray, r: float, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Linear acceleration (g, sensor frame) of a point ``r`` m out along x from a joint
    rotating about ``axis`` with angular velocity ``d1`` and acceleration ``d2``:
    tangential ``alpha x r`` plus centripetal ``omega x (omega x r)``."""
    tang = np.cross(axis, _E_R) * r
    cent = (axis * axis[0] - _E_R) * r
    return (d2[:, None] * tang + (d1 * d1)[:, None] * cent) / G


def _damped(t: np.ndarray, f: float, zeta: float) -> np.ndarray:
    w = 2 * np.pi * f
    return np.exp(-zeta * w * t) * np.sin(w * math.sqrt(max(1 - zeta * zeta, 1e-3)) * t)


# ------------------------------------------------------------------------------ timeline

@dataclass
class _Timeline:
    lights: float
    onset: float
    wake: float
    end: float
    awakenings: list[tuple[float, float]]

    @property
    def transitions(self) -> list[tuple[float, float]]:
        """(time of falling asleep, start of the wake before it) of each fall into sleep."""
        return [(self.onset, self.lights)] + [(a1, a0) for a0, a1 in self.awakenings]

    @property
    def wake_spans(self) -> list[tuple[float, float]]:
        return [(0.0, self.onset), *self.awakenings, (self.wake, self.end)]

    @property
    def sleep_spans(self) -> list[tuple[float, float]]:
        edges = [self.onset] + [x for a in self.awakenings for x in a] + [self.wake]
        return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def _timeline(cfg: TransitionConfig, rng: np.random.Generator) -> _Timeline:
    lights = cfg.pre_bed_min * 60.0
    in_bed = cfg.hours_in_bed * 3600.0
    median = cfg.latency_median_min * 60.0 * (2.0 if cfg.rls else 1.0)
    latency = float(np.clip(rng.lognormal(math.log(median), cfg.latency_sigma), 60.0,
                            min(5400.0, 0.4 * in_bed)))
    onset = lights + latency
    wake = lights + in_bed
    end = wake + cfg.post_wake_min * 60.0
    sleep_h = (wake - onset) / 3600.0
    k = rng.poisson(cfg.awakenings_per_night * sleep_h / 7.0)
    starts: np.ndarray = (np.sort(rng.uniform(onset + 1800.0, wake - 1500.0, k))
                          if wake - onset > 3300 else np.zeros(0))
    awakenings: list[tuple[float, float]] = []
    last_end = onset
    for a0 in starts:
        dur = float(np.clip(rng.lognormal(math.log(cfg.awakening_median_min * 60.0), 0.7),
                            60.0, 1800.0))
        if a0 < last_end + 1200.0 or a0 + dur > wake - 1200.0:
            continue
        awakenings.append((float(a0), float(a0 + dur)))
        last_end = a0 + dur
    return _Timeline(lights, onset, wake, end, awakenings)


def _poisson_times(rng: np.random.Generator, spans: list[tuple[float, float]], rate_per_s: float
                   ) -> np.ndarray:
    out = [rng.uniform(a, b, rng.poisson(max(b - a, 0.0) * rate_per_s)) for a, b in spans]
    return np.sort(np.concatenate(out)) if out else np.zeros(0)


# ------------------------------------------------------------------------------- writer

class _Night:
    def __init__(self, cfg: TransitionConfig, seed: int):
        self.cfg, self.seed = cfg, seed
        self.rng = np.random.default_rng(seed)
        ts = pd.Timestamp(cfg.start)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        self.t0_ns = int(ts.value)
        self.k = max(1, math.ceil(100.0 / cfg.fs - 1e-9))
        self.f = cfg.fs * self.k
        self.tl = _timeline(cfg, self.rng)
        self.n = int(self.tl.end * self.f) + 1
        self.sensors = [_Sensor(loc, self.n, self.f, cfg) for loc in cfg.locations]
        self.jerks: list[dict[str, Any]] = []
        self.jerk_parts: list[list[tuple[str, float, float, float]]] = []  # part, t0, t1, peak
        self.series_next = 0

    def next_series(self) -> int:
        self.series_next += 1
        return self.series_next - 1

    def by_part(self, parts: tuple[str, ...] | list[str]) -> list[_Sensor]:
        return [s for s in self.sensors if s.part in parts]

    def legs(self) -> list[_Sensor]:
        return [s for s in self.sensors if s.seg == "leg"]

    # ---- ordinary movement -------------------------------------------------------------
    def wake_movement(self) -> None:
        cfg, rng, tl = self.cfg, self.rng, self.tl
        spans = tl.wake_spans
        factor = {"arm": 1.0, "leg": 0.6, "trunk": 0.3, "head": 0.5}
        for s in self.sensors:
            rate = cfg.wake_moves_per_min / 60.0 * factor[s.seg]
            times = _poisson_times(rng, spans, rate)
            # drowsiness: movement thins out over the 10 min before each fall asleep
            keep = np.ones(len(times), bool)
            for t_sleep, _ in tl.transitions:
                near = (times > t_sleep - 600) & (times < t_sleep)
                keep[near] &= rng.uniform(size=near.sum()) < 0.2 + 0.8 * (t_sleep - times[near]) / 600
            for t in times[keep]:
                self.fidget(s, float(t))
            if s.seg == "arm":  # scratching an itch, 3-6 Hz strokes for 1-5 s
                for t in _poisson_times(rng, spans, 0.05 / 60.0):
                    self.oscillation(s, float(t), rng.uniform(1, 5), rng.uniform(3, 6),
                                     np.radians(rng.uniform(2, 6)), "scratch", r=0.1)
        # lying down at lights out, a posture shift or two before sleep and in awakenings
        self.posture(tl.lights - rng.uniform(2, 6), big=True)
        for t in _poisson_times(rng, spans[:-1], 0.1 / 60.0):
            self.posture(float(t))

    def fidget(self, s: _Sensor, t: float) -> None:
        rng = self.rng
        dur = rng.uniform(1.0, 4.0)
        rise = max(rng.uniform(0.25, 0.45) * dur, 0.4)
        fall = max(rng.uniform(0.25, 0.45) * dur, 0.4)
        tt = np.arange(int(dur * s.f) + 1) / s.f
        deg = rng.uniform(5, 40) if s.seg == "arm" else rng.uniform(3, 20)
        theta = np.radians(deg) * _rise_hold_fall(tt, rise, max(dur - rise - fall, 0.0), fall)
        s.add_rotation(t, theta, _random_unit(rng))
        s.row("fidget", t, t + dur)

    def oscillation(self, s: _Sensor, t: float, dur: float, freq: float, amp: float, kind: str,
                    r: float | None = None, axis: np.ndarray | None = None, series: int = -1,
                    ramp: float = 0.3) -> None:
        rng = self.rng
        tt = np.arange(int(dur * s.f) + 1) / s.f
        env = np.minimum(1.0, np.minimum(tt, dur - tt) / max(ramp, 1e-3)).clip(0, 1)
        ph = rng.uniform(0, 2 * np.pi)
        drift = 1 + 0.05 * np.sin(2 * np.pi * tt / max(dur, 1.0) + ph)  # not a clock
        theta = amp * env * np.sin(2 * np.pi * freq * np.cumsum(drift) / s.f + ph)
        s.add_rotation(t, theta, _axis_across(rng) if axis is None else axis, r)
        s.row(kind, t, t + dur, series)

    def posture(self, t: float, big: bool = False) -> None:
        """A whole-body posture shift: every sensor turns 45-180 degrees (the trunk
        30-120) over 2-5 s, and the body settles on the mattress (a 3-5 Hz bounce)."""
        rng = self.rng
        dur = rng.uniform(2.0, 5.0)
        for s in self.sensors:
            lo, hi = (30.0, 120.0) if s.seg == "trunk" else (45.0, 180.0)
            if big:
                lo, hi = 60.0, 100.0
            ang = np.radians(rng.uniform(lo, hi)) * rng.choice([-1, 1])
            s.moves.append(_Move(t + rng.uniform(0, 0.4), dur, ang, _random_unit(rng), False,
                                 "posture", landing_g=rng.uniform(0.03, 0.15)))

    def sleep_turns(self) -> None:
        cfg, rng = self.cfg, self.rng
        spans = self.tl.sleep_spans
        for s in self.sensors:
            scale = cfg.turns_scale * (0.3 if s.pressed else 1.0) * (0.5 if s.seg == "trunk" else 1)
            for lo, hi, per_h in TURN_CLASSES:
                for t in _poisson_times(rng, spans, per_h * scale / 3600.0):
                    dur = rng.uniform(1.0, 3.0)
                    ang = np.radians(rng.uniform(lo, hi)) * rng.choice([-1, 1])
                    s.moves.append(_Move(float(t), dur, ang, _random_unit(rng), False, "turn"))
        for t in _poisson_times(rng, spans, cfg.posture_per_h / 3600.0):
            self.posture(float(t))

    # ---- hypnic jerks ------------------------------------------------------------------
    def hypnic_jerks(self) -> None:
        cfg, rng = self.cfg, self.rng
        for t_sleep, t_awake in self.tl.transitions:
            m = rng.poisson(cfg.jerks_per_onset)
            if m == 0:
                continue
            lo = max(-280.0, t_awake - t_sleep + 5.0)
            hi = 880.0

            def offset(lo: float = lo, hi: float = hi) -> float:
                x = rng.uniform(-180, 60) if rng.uniform() < 0.6 else rng.uniform(60, 600)
                return float(np.clip(x, lo, hi - 70))

            series = m >= 2 and rng.uniform() < cfg.series_prob
            if series:
                first = offset()
                offs = first + np.concatenate([[0.0], np.cumsum(rng.uniform(5, 60, m - 1))])
                offs = offs[offs < hi]
                sid = self.next_series() if len(offs) >= 2 else -1
            else:
                offs = np.sort([offset() for _ in range(m)])
                keep = np.concatenate([[True], np.diff(offs) > 3.0])  # distinct jerks
                offs, sid = offs[keep], -1
            for o in offs:
                self.jerk(t_sleep + float(o), sid)

    def jerk(self, t: float, series: int) -> None:
        rng = self.rng
        pattern = str(rng.choice(list(PATTERN_P), p=list(PATTERN_P.values())))
        parts: tuple[str, ...]
        if pattern == "generalized":
            parts = BODY_PARTS
        elif pattern == "segmental":
            parts = SEGMENTAL_SETS[rng.integers(len(SEGMENTAL_SETS))]
        elif pattern == "focal":
            parts = (FOCAL_PARTS[rng.integers(len(FOCAL_PARTS))],)
        else:
            parts = MULTIFOCAL_SETS[rng.integers(len(MULTIFOCAL_SETS))]
        strength = float(np.clip(rng.lognormal(math.log(0.65), 0.4), 0.25, 1.5)) * PATTERN_SCALE[
            pattern]
        emg = rng.uniform(0.075, 0.25)  # EMG burst, s
        jid = len(self.jerks)
        info: list[tuple[str, float, float, float]] = []
        for i, part in enumerate(parts):
            delay = rng.uniform(0.1, 0.5) if pattern == "multifocal" and i else rng.uniform(0, 0.08)
            t0 = t + delay
            seg = _segment(part)
            dur = rng.uniform(0.8, 1.2) * emg + rng.uniform(0.05, 0.15)
            lo, hi = JERK_DEG[seg]
            amp = np.radians(rng.uniform(lo, hi)) * strength
            hold, back = rng.uniform(0.0, 0.2), rng.uniform(0.3, 1.0)
            keep = rng.uniform(0.0, 0.5)
            landing = rng.uniform(0.1, 0.3) if seg in ("arm", "leg") else 0.0
            axis = _axis_across(rng)
            sensors = self.by_part((part,))
            r_part = LEVER_M["wrist" if seg == "arm" else "ankle" if seg == "leg" else seg]
            peak = _peak_min_jerk(amp, dur, r_part)
            for s in sensors:
                a = amp * (0.25 if s.pressed else 1.0)
                s.moves.append(_Move(t0, dur, a, axis, True, None))
                s.moves.append(_Move(t0 + dur + hold, back, -(1 - keep) * a, axis, True, None,
                                     landing_g=0.0 if s.pressed else landing * peak))
            info.append((part, t0, t0 + dur, peak))
        self.jerks.append(dict(jerk_id=jid, t=t, pattern=pattern, parts=parts, series=series))
        self.jerk_parts.append(info)
        if self.rng.uniform() < self.cfg.adjust_prob:  # a brief arousal, then repositioning
            t_adj = max(i[2] for i in info) + rng.uniform(1.0, 8.0)
            for s in self.by_part(parts):
                s.moves.append(_Move(t_adj, rng.uniform(1, 3), np.radians(rng.uniform(5, 30)),
                                     _random_unit(rng), False, "fidget"))

    # ---- at the transition, not sleep starts --------------------------------------------
    def arm_drops(self) -> None:
        rng = self.rng
        for t_sleep, t_awake in self.tl.transitions:
            if rng.uniform() >= self.cfg.drop_prob:
                continue
            t = max(t_sleep + rng.uniform(-180, 30), t_awake + 5)
            side = str(rng.choice(["arm-left", "arm-right"]))
            for s in self.by_part((side,)):
                ang = np.radians(rng.uniform(20, 60))
                s.moves.append(_Move(t, rng.uniform(0.3, 0.5), ang, _axis_across(rng), False,
                                     "drop", landing_g=rng.uniform(0.2, 0.6)))

    def foot_tremor(self) -> None:
        cfg, rng = self.cfg, self.rng
        legs = self.legs()
        if not legs:
            return
        for t_sleep, t_awake in self.tl.transitions:
            if rng.uniform() < cfg.foot_tremor_prob:
                for _ in range(rng.integers(1, 4)):
                    t = max(t_sleep + rng.uniform(-600, 300), t_awake + 5)
                    self.hft_train(t, 0.6 if t > t_sleep else 1.0)
            if rng.uniform() < cfg.alma_prob:
                self.alma(max(t_sleep + rng.uniform(-300, 600), t_awake + 5))
        if cfg.foot_tremor_prob > 0:  # persisting in light sleep later on
            for t in _poisson_times(rng, self.tl.sleep_spans, 0.3 * cfg.foot_tremor_prob / 3600):
                self.hft_train(float(t), 0.6)

    def hft_train(self, t: float, intensity: float) -> None:
        """Hypnagogic foot tremor: 1-2 Hz bursts of 0.3-0.7 s, a train of 6-20 s, one foot
        or both; the shank sensor tilts 2-6 degrees as the tendons move under the strap."""
        rng = self.rng
        legs = self.legs()
        if rng.uniform() < 0.7:
            legs = [legs[rng.integers(len(legs))]]
        dur, rate = rng.uniform(6, 20), rng.uniform(1.0, 2.0)
        sid = self.next_series()
        for s in legs:
            onsets = np.arange(0, dur, 1 / rate) + rng.normal(0, 0.03, int(np.ceil(dur * rate)))
            burst = min(rng.uniform(0.3, 0.7) + 0.1, 0.95 / rate)  # EMG + limb inertia
            self.bursts(s, t, onsets, burst, np.radians(rng.uniform(2, 6)) * intensity, 0.1)
            s.row("foot-tremor", t + max(onsets[0], 0), t + onsets[-1] + burst, sid)

    def alma(self, t: float) -> None:
        """Alternating leg muscle activation: 100-500 ms bursts alternating between the
        legs at 0.5-3 Hz, 4-30 bursts."""
        rng = self.rng
        rate = rng.uniform(0.5, 3.0)
        n = int(rng.integers(4, 31))
        burst = min(rng.uniform(0.1, 0.5) + 0.2, 0.95 / rate)  # EMG + limb inertia
        sid = self.next_series()
        onsets = np.arange(n) / rate
        for s in self.legs():
            mine = onsets[(np.arange(n) % 2) == (0 if s.part == "leg-left" else 1)]
            self.bursts(s, t, mine, burst, np.radians(rng.uniform(1, 4)), 0.1)
            s.row("alma", t + mine[0], t + mine[-1] + burst, sid)

    def bursts(self, s: _Sensor, t: float, onsets: np.ndarray, burst: float, amp: float,
               r: float) -> None:
        rng = self.rng
        dur = float(onsets.max()) + burst + 0.05
        tt = np.arange(int(dur * s.f) + 1) / s.f
        theta = np.zeros(len(tt))
        for o in onsets:
            x = (tt - o) / burst
            inside = (x >= 0) & (x <= 1)
            theta[inside] += amp * rng.uniform(0.7, 1.0) * 0.5 * (1 - np.cos(2 * np.pi * x[inside]))
        s.add_rotation(t, theta, _axis_across(rng), r)

    def rocking(self) -> None:
        """Rhythmic movement disorder, body rolling: the body rolls about its long axis at
        0.5-1.5 Hz for 1-15 min from drowsy wake into light sleep."""
        cfg, rng = self.cfg, self.rng
        for t_sleep, t_awake in self.tl.transitions:
            if rng.uniform() >= cfg.rocking_prob:
                continue
            dur = float(np.clip(rng.lognormal(math.log(240), 0.6), 60, 900))
            t = max(t_sleep - rng.uniform(0.2, 0.8) * dur, t_awake + 5)
            freq, amp = rng.uniform(0.5, 1.2), np.radians(rng.uniform(8, 20))
            sid = self.next_series()
            phase = rng.uniform(0, 2 * np.pi)
            for s in self.sensors:
                gain, r = {"trunk": (1.0, 0.12), "arm": (rng.uniform(0.5, 1.0), 0.2),
                           "leg": (rng.uniform(0.3, 0.7), 0.1), "head": (1.2, 0.1)}[s.seg]
                tt = np.arange(int(dur * s.f) + 1) / s.f
                env = np.clip(np.minimum(tt, dur - tt) / 5.0, 0, 1)
                theta = amp * gain * env * np.sin(2 * np.pi * freq * tt + phase)
                # rolls about the long axis; the lever arm points across it
                s.add_rotation(t, theta, _E_R, 0.0)
                lat = np.array([0.0, 1.0, 0.0])
                d2 = np.gradient(np.gradient(theta, 1 / s.f), 1 / s.f)
                s.add_linear(t, d2[:, None] * r * lat / G)
                s.row("rocking", t, t + dur, sid)

    def restless_legs(self) -> None:
        """Restless legs: discomfort movements and PLMW awake in bed, PLMS asleep."""
        cfg, rng, tl = self.cfg, self.rng, self.tl
        legs = self.legs()
        if not cfg.rls or not legs:
            return
        wake = [(tl.lights, tl.onset), *tl.awakenings]
        for s in legs:  # stretching, flexing, rubbing the legs together
            for t in _poisson_times(rng, wake, 1.0 / 60.0):
                if rng.uniform() < 0.3:
                    self.oscillation(s, float(t), rng.uniform(3, 8), rng.uniform(1, 2),
                                     np.radians(rng.uniform(3, 8)), "rls")
                else:
                    self.leg_movement(s, float(t), rng.uniform(2, 10), rng.uniform(10, 30), "rls",
                                      rise=rng.uniform(0.5, 1.5))
        for a, b in wake:  # PLMW: intervals near 12 s (modal 11-12 s in the SIT)
            for _ in range(rng.poisson(max(b - a, 0) / 900.0) + (1 if b - a > 300 else 0)):
                t = rng.uniform(a, max(a, b - 60))
                self.plm_series(t, b, lambda: rng.normal(12, 3), lambda: float(
                    np.clip(rng.lognormal(math.log(2.0), 0.6), 0.5, 10)))
        sleep = tl.sleep_spans
        first_half = tl.onset + (tl.wake - tl.onset) / 2
        n_total = cfg.plms_per_h * (tl.wake - tl.onset) / 3600.0
        placed, tries = 0, 0
        while placed < n_total * 0.9 and tries < 10_000:  # 70 % in the first half of sleep
            tries += 1
            t = rng.uniform(tl.onset, first_half if rng.uniform() < 0.7 else tl.wake)
            span = next((sp for sp in sleep if sp[0] <= t < sp[1]), None)
            if span is None:  # in an awakening
                continue
            placed += self.plm_series(t, span[1], lambda: rng.uniform(20, 40), lambda: float(
                rng.uniform(0.5, 4.0)))

    def plm_series(self, t: float, limit: float, interval: Any, duration: Any) -> int:
        rng = self.rng
        sid = self.next_series()
        n = int(rng.integers(4, 41))
        k = 0
        for _ in range(n):
            d = duration()
            if t + d > limit:
                break
            legs = self.legs()
            if rng.uniform() < 0.5 and len(legs) > 1:
                legs = [legs[rng.integers(len(legs))]]
            for s in legs:
                self.leg_movement(s, t, d, rng.uniform(2, 10), "plm", sid)
            k += 1
            t += d + max(interval(), 4.0)
        return max(k, 1)

    def leg_movement(self, s: _Sensor, t: float, dur: float, deg: float, kind: str,
                     series: int = -1, rise: float | None = None) -> None:
        """Dorsiflexion with knee and hip flexion: a quick rise, a hold, a slower release
        (``deg``: rotation of the shank, degrees)."""
        rng = self.rng
        rise = min(rng.uniform(0.2, 0.6) if rise is None else rise, 0.4 * dur)
        fall = min(rng.uniform(0.3, 1.0), 0.5 * dur)
        tt = np.arange(int(dur * s.f) + 1) / s.f
        theta = np.radians(deg) * _rise_hold_fall(tt, rise, max(dur - rise - fall, 0), fall)
        s.add_rotation(t, theta, _axis_across(rng))
        s.row(kind, t, t + dur, series)

    def bed_bounces(self) -> None:
        """A pet jumping on or off, or a partner getting in: the mattress oscillates
        vertically at 2-6 Hz, felt by every sensor at once."""
        cfg, rng, tl = self.cfg, self.rng, self.tl
        if cfg.bed_bounce_per_onset <= 0:
            return
        times = [t_sleep + rng.uniform(-300, 300) for t_sleep, _ in tl.transitions
                 for _ in range(rng.poisson(cfg.bed_bounce_per_onset))]
        times += list(_poisson_times(rng, tl.sleep_spans, cfg.bed_bounce_per_onset / 5 / 3600))
        for t in times:
            pet = rng.uniform() < 0.5
            n_imp = int(rng.integers(1, 5) if pet else rng.integers(3, 7))
            gaps = rng.uniform(0.2, 0.8, n_imp) if pet else rng.uniform(0.8, 4.0, n_imp)
            offs = np.concatenate([[0.0], np.cumsum(gaps[:-1])])
            f = rng.uniform(3.0, 6.0) if pet else rng.uniform(2.0, 4.0)
            zeta = rng.uniform(0.1, 0.25)
            amps = rng.uniform(0.02, 0.15, n_imp) if pet else rng.uniform(0.05, 0.3, n_imp)
            dur = float(offs[-1]) + 3.0 / (zeta * 2 * np.pi * f) * 0.5 + 0.5
            sid = self.next_series() if n_imp > 1 else -1
            for s in self.sensors:
                tt = np.arange(int(dur * s.f) + 1) / s.f
                vert = np.zeros(len(tt))
                for o, a in zip(offs, amps, strict=True):
                    x = tt - o
                    vert[x >= 0] += a * _damped(x[x >= 0], f, zeta)
                gain = rng.uniform(0.6, 1.2)
                s.bounce.append((float(t), gain * vert))
                s.row("bed-bounce", float(t), float(t) + dur, sid)

    def shakes(self) -> None:
        rng = self.rng
        for s in self.sensors:
            if not s.pressed:
                continue
            for a0, _ in self.tl.awakenings:
                if rng.uniform() < 0.5:
                    self.oscillation(s, a0 + rng.uniform(2, 20), rng.uniform(2, 6),
                                     rng.uniform(3, 5), np.radians(rng.uniform(4, 10)), "shake")

    # ---- putting each sensor together -------------------------------------------------
    def place_moves(self, s: _Sensor) -> list[_Move]:
        """Moves in time order: jerks where they are; the others shifted past whatever
        they would overlap, and dropped if they would overlap a jerk."""
        moves = sorted(s.moves, key=lambda m: m.t0)
        fixed = [m for m in moves if m.fixed]
        fs0 = np.array([m.t0 - 0.5 for m in fixed])
        fs1 = np.array([m.t0 + m.dur + 0.5 for m in fixed])
        out: list[_Move] = []
        busy = -1.0
        end = self.tl.end - 1.0
        for m in moves:
            if m.fixed:
                out.append(m)
                busy = max(busy, m.t0 + m.dur)
                continue
            m.t0 = max(m.t0, busy + 0.3)
            j = int(np.searchsorted(fs0, m.t0 + m.dur + 0.4))
            if m.t0 + m.dur + 0.4 > end or (j > 0 and fs1[j - 1] > m.t0):
                continue
            out.append(m)
            busy = m.t0 + m.dur + 0.4  # include the landing
        return out

    def orientation(self, s: _Sensor, moves: list[_Move]) -> np.ndarray:
        rng = self.rng
        if s.seg == "trunk":
            cur = _unit(np.array([1.0, 0.2, 0.4]) + rng.normal(0, 0.1, 3))  # sitting up
        else:
            cur = _random_unit(rng)
        u = np.empty((s.n, 3))
        t = np.arange(s.n) / s.f
        prev = 0
        for m in moves:
            i0, i1 = s.idx(m.t0), s.idx(m.t0 + m.dur) + 1
            i1 = min(i1, s.n)
            u[prev:i0] = cur
            phi = m.angle * _min_jerk((t[i0:i1] - m.t0) / m.dur)
            u[i0:i1] = _rotate(cur, m.axis, phi)
            if i1 - i0 >= 3:
                d1 = np.gradient(phi, 1 / s.f)
                s.lin[i0:i1] += _lever_acc(m.axis, s.r, d1, np.gradient(d1, 1 / s.f)).astype(
                    np.float32)
            if m.landing_g > 0:  # the segment lands on the mattress and rings
                tt = np.arange(int(0.4 * s.f)) / s.f
                d = np.cross(m.axis, _E_R)
                d = d / max(np.linalg.norm(d), 1e-9)
                imp = -m.landing_g * _damped(tt, rng.uniform(8, 14), 0.3)
                s.add_linear(m.t0 + m.dur, imp[:, None] * d)
            cur = _rotate(cur, m.axis, np.array(m.angle))
            prev = i1
            if m.kind is not None:
                s.row(m.kind, m.t0, m.t0 + m.dur + (0.3 if m.landing_g > 0 else 0.0), m.series)
        u[prev:] = cur
        return u

    def render(self, s: _Sensor) -> tuple[np.ndarray, np.ndarray]:
        """Physical specific force at the sensor (g, internal grid) and its dynamic part."""
        cfg = self.cfg
        u = self.orientation(s, self.place_moves(s))
        for t, vert in s.bounce:  # along the current vertical
            i0 = s.idx(t)
            w = min(len(vert), s.n - i0)
            s.lin[i0:i0 + w] += (vert[:w, None] * u[i0:i0 + w]).astype(np.float32)
        rows = np.flatnonzero(np.any(s.rot != 0, axis=1))
        if len(rows):
            rv = s.rot[rows].astype(np.float64)
            ang = np.linalg.norm(rv, axis=1)
            ok = ang > 0
            rows, rv, ang = rows[ok], rv[ok], ang[ok]
            u[rows] = _rotate(u[rows], rv / ang[:, None], ang)
        s.rot = np.zeros((0, 3), np.float32)
        f_n, zeta = STRAPS["pressed" if s.pressed else cfg.strap if s.seg != "trunk" else "snug"]
        dyn = _strap_filter(s.lin.astype(np.float64), f_n, zeta, s.f)
        s.lin = np.zeros((0, 3), np.float32)
        if cfg.strap == "loose" and s.seg == "arm" and not s.pressed:
            self.rattle(s, dyn, u)
        return u + dyn, dyn

    def rattle(self, s: _Sensor, dyn: np.ndarray, u: np.ndarray) -> None:
        """A loose case lifts off the wrist when the arm moves briskly (over 0.25 g and
        6 g/s) and clacks back against it (a 20-35 Hz ring of 20-60 ms, up to 3 g),
        sliding round the wrist by a few degrees each time."""
        rng = self.rng
        mag = np.linalg.norm(dyn, axis=1)
        jerk = np.zeros(len(mag))
        jerk[1:] = np.linalg.norm(np.diff(dyn, axis=0), axis=1) * s.f
        hit = np.flatnonzero((mag > 0.25) & (jerk > 6.0))
        if not len(hit):
            return
        starts = hit[np.concatenate([[True], np.diff(hit) > int(0.15 * s.f)])]
        roll = np.zeros(s.n)
        for i in starts[:5000]:
            peak = float(mag[i:i + int(0.2 * s.f)].max())
            tt = np.arange(int(0.08 * s.f)) / s.f
            for lag in (0.0, rng.uniform(0.05, 0.2)):
                j = i + int(lag * s.f)
                d = _unit(np.array([rng.normal(0, 0.2), rng.normal(0, 0.3), 1.0]))
                ring = min(rng.uniform(0.5, 1.5) * peak, 3.0) * _damped(
                    tt, rng.uniform(20, 35), 0.15) * rng.choice([-1, 1])
                w = min(len(tt), s.n - j)
                dyn[j:j + w] += ring[:w, None] * d
            roll[i] += np.radians(rng.normal(0, 4))
            s.row("rattle", i / s.f, i / s.f + 0.3)
        psi = np.cumsum(roll)
        c, sn = np.cos(psi), np.sin(psi)
        y, z = u[:, 1].copy(), u[:, 2].copy()
        u[:, 1], u[:, 2] = c * y - sn * z, sn * y + c * z

    def front_end(self, acc: np.ndarray) -> np.ndarray:
        cfg, rng = self.cfg, self.rng
        gain = 1 + rng.normal(0, cfg.gain_sd, 3)
        offset = rng.normal(0, cfg.offset_mg / 1000.0, 3)
        if cfg.front_end == "lowpass":
            b, a = signal.butter(2, cfg.bandwidth_ratio * cfg.fs, fs=self.f)
            acc = signal.lfilter(b, a, acc - acc[0], axis=0) + acc[0]
        out = acc[:: self.k] * gain + offset
        out += rng.normal(0, cfg.noise_mg / 1000.0, out.shape)
        lsb = 2 * cfg.range_g / 2 ** cfg.bits
        return np.clip(np.round(out / lsb) * lsb, -cfg.range_g, cfg.range_g - lsb)

    def gaps(self) -> np.ndarray:
        cfg, rng = self.cfg, self.rng
        n = rng.poisson(cfg.gaps_per_h * self.tl.end / 3600.0)
        t0 = np.sort(rng.uniform(60, self.tl.end - 200, n))
        d = np.clip(rng.lognormal(math.log(4.0), 1.0, n), 0.5, 120)
        out, last = [], -1.0
        for a, b in zip(t0, t0 + d, strict=True):
            if a > last + 1:
                out.append((a, b))
                last = b
        return np.array(out).reshape(-1, 2)


def _peak_min_jerk(amp: float, dur: float, r: float) -> float:
    """Largest linear acceleration (g) of a point ``r`` m from a joint turning ``amp`` rad
    with a minimum-jerk profile over ``dur`` s."""
    s = np.linspace(0, 1, 201)
    w = amp / dur * 30 * s ** 2 * (1 - s) ** 2
    al = amp / dur ** 2 * 60 * s * (1 - s) * (1 - 2 * s)
    return float(np.max(np.hypot(r * al, r * w * w)) / G)


def _strap_filter(x: np.ndarray, f_n: float, zeta: float, fs: float) -> np.ndarray:
    """Acceleration of a case coupled to the bone by a spring-damper (base excitation:
    H(s) = (2 zeta w s + w^2) / (s^2 + 2 zeta w s + w^2)), by the bilinear transform."""
    f_n = min(f_n, 0.45 * fs)
    w = 2 * np.pi * f_n
    b, a = signal.bilinear([2 * zeta * w, w * w], [1.0, 2 * zeta * w, w * w], fs=fs)
    return signal.lfilter(b, a, x, axis=0)


# --------------------------------------------------------------------------------- truth

def _overlaps(gaps: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    if not len(gaps) or not len(t0):
        return np.zeros(len(t0), bool)
    return np.any((gaps[None, :, 0] < t1[:, None]) & (gaps[None, :, 1] > t0[:, None]), axis=1)


def _peaks(dyn: np.ndarray, f: float, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    out = np.zeros(len(t0))
    mag = np.linalg.norm(dyn, axis=1)
    for i, (a, b) in enumerate(zip(t0, t1, strict=True)):
        seg = mag[int(a * f): int(b * f + 0.05 * f) + 1]
        out[i] = float(seg.max()) if len(seg) else 0.0
    return out


def simulate_transition_night(config: TransitionConfig | None = None, seed: int = 0
                              ) -> SimulatedNight:
    """Simulate one night of the transition model.

    Parameters
    ----------
    config : TransitionConfig, optional
        What to simulate (default: ``TRANSITION_VARIANTS["typical"]``).
    seed : int
        Random seed; the same config and seed give a bit-identical night.

    Returns
    -------
    SimulatedNight
        Recordings in g with gravity on the true UTC clock, and the truth tables.
    """
    cfg = TRANSITION_VARIANTS["typical"] if config is None else config
    if not isinstance(cfg, TransitionConfig):
        raise HypnicError(f"config must be a TransitionConfig, got {type(cfg).__name__}")
    night = _Night(cfg, int(seed))
    night.wake_movement()
    night.sleep_turns()
    night.hypnic_jerks()
    night.arm_drops()
    night.foot_tremor()
    night.rocking()
    night.restless_legs()
    night.bed_bounces()
    night.shakes()

    t0_ns, tl = night.t0_ns, night.tl
    recordings: dict[str, Recording] = {}
    gaps_ns: dict[str, np.ndarray] = {}
    conf_rows: list[dict[str, Any]] = []
    js_rows: list[dict[str, Any]] = []
    out_times = np.arange(0, night.n, night.k) / night.f
    jerk_windows = np.array([(p[1], p[2]) for info in night.jerk_parts for p in info]).reshape(-1, 2)
    for s in night.sensors:
        acc, dyn = night.render(s)
        out = night.front_end(acc)
        gaps_s = night.gaps()
        inside = np.zeros(len(out_times) + 1, np.int64)
        np.add.at(inside, np.searchsorted(out_times, gaps_s[:, 0], side="right"), 1)
        np.add.at(inside, np.searchsorted(out_times, gaps_s[:, 1], side="left"), -1)
        keep = (np.cumsum(inside)[:-1] == 0) & (out_times <= tl.end)
        t_ns = t0_ns + np.round(out_times[keep] * 1e9).astype(np.int64)
        recordings[s.loc] = Recording(t_ns, out[keep].astype(np.float32), fs=cfg.fs,
                                      location=s.loc, device=f"transition-sim {cfg.variant}",
                                      meta=dict(simulator="transition", variant=cfg.variant,
                                                strap=cfg.strap, front_end=cfg.front_end))
        # true gaps: last sample before, first sample after
        g_rows = []
        for a, b in gaps_s:
            i = np.searchsorted(out_times[keep], [a, b])
            if 0 < i[0] and i[1] < keep.sum():
                g_rows.append((t_ns[i[0] - 1], t_ns[i[1]]))
        gaps_ns[s.loc] = np.array(g_rows, np.int64).reshape(-1, 2)
        gsec = (gaps_ns[s.loc] - t0_ns) / 1e9
        # confounders on this sensor
        rows = [r for r in s.rows if r["t1"] > 0 and r["t0"] < tl.end]
        if rows:
            a0 = np.array([max(r["t0"], 0.0) for r in rows])
            a1 = np.array([min(r["t1"], tl.end) for r in rows])
            if len(jerk_windows):  # a rattle inside a jerk is part of the jerk
                drop = np.array([r["kind"] == "rattle" for r in rows]) & _overlaps(
                    jerk_windows + [-0.5, 1.5], a0, a1)
            else:
                drop = np.zeros(len(rows), bool)
            pk, ing = _peaks(dyn, night.f, a0, a1), _overlaps(gsec, a0, a1)
            for r, x0, x1, p, g, d in zip(rows, a0, a1, pk, ing, drop, strict=True):
                if not d:
                    conf_rows.append(dict(kind=r["kind"], location=s.loc, t0=x0, t1=x1,
                                          peak_g=p, series_id=r["series"], in_gap=bool(g)))
        for jid, info in enumerate(night.jerk_parts):
            for part, p0, p1, _ in info:
                if part == s.part:
                    pk = _peaks(dyn, night.f, np.array([p0]), np.array([p1]))[0]
                    g = bool(_overlaps(gsec, np.array([p0]), np.array([p1]))[0])
                    js_rows.append(dict(jerk_id=jid, location=s.loc, t0=p0, t1=p1, peak_g=pk,
                                        in_gap=g))
        del acc, dyn

    def ts(sec: Any) -> Any:
        return pd.to_datetime(t0_ns + np.round(np.asarray(sec, float) * 1e9).astype(np.int64),
                              utc=True)

    def stamp(x: float) -> pd.Timestamp:
        return pd.Timestamp(t0_ns + int(round(x * 1e9)), tz="UTC")

    js = pd.DataFrame(js_rows, columns=["jerk_id", "location", "t0", "t1", "peak_g", "in_gap"])
    jerk_sensors = pd.DataFrame({
        "jerk_id": js["jerk_id"].astype(int), "location": js["location"].astype(str),
        "start": ts(js["t0"]), "end": ts(js["t1"]),
        "duration_s": (js["t1"] - js["t0"]).astype(float), "peak_g": js["peak_g"].astype(float),
        "in_gap": js["in_gap"].astype(bool)})
    periods_s = [((t0_ns / 1e9) + tl.lights, (t0_ns / 1e9) + tl.onset, (t0_ns / 1e9) + tl.wake,
                  [((t0_ns / 1e9) + a, (t0_ns / 1e9) + b) for a, b in tl.awakenings])]
    jrows = []
    for j, info in zip(night.jerks, night.jerk_parts, strict=True):
        mine = jerk_sensors[jerk_sensors["jerk_id"] == j["jerk_id"]]
        start, end = min(p[1] for p in info), max(p[2] for p in info)
        peak = max([p[3] for p in info] + mine["peak_g"].tolist())
        jrows.append(dict(jerk_id=j["jerk_id"], t0=start, t1=end, peak_g=peak,
                          pattern=j["pattern"], parts=";".join(j["parts"]),
                          series_id=j["series"], sensors=";".join(mine["location"]),
                          observable=bool((~mine["in_gap"]).any())))
    jd = pd.DataFrame(jrows, columns=["jerk_id", "t0", "t1", "peak_g", "pattern", "parts",
                                      "series_id", "sensors", "observable"])
    phase, rel, _ = phase_of(t0_ns / 1e9 + jd["t0"].to_numpy(float), periods_s)
    jerks = pd.DataFrame({
        "jerk_id": jd["jerk_id"].astype(int), "start": ts(jd["t0"]), "end": ts(jd["t1"]),
        "duration_s": (jd["t1"] - jd["t0"]).astype(float), "peak_g": jd["peak_g"].astype(float),
        "pattern": jd["pattern"].astype(str), "parts": jd["parts"].astype(str),
        "series_id": jd["series_id"].astype(int), "phase": pd.Series(phase, dtype=object),
        "rel_onset_s": pd.Series(rel, dtype=float), "sensors": jd["sensors"].astype(str),
        "observable": jd["observable"].astype(bool)})
    cd = pd.DataFrame(conf_rows, columns=["kind", "location", "t0", "t1", "peak_g", "series_id",
                                          "in_gap"]).sort_values(["t0", "location"], kind="stable")
    confounders = pd.DataFrame({
        "kind": cd["kind"].astype(str), "location": cd["location"].astype(str),
        "start": ts(cd["t0"]), "end": ts(cd["t1"]),
        "duration_s": (cd["t1"] - cd["t0"]).astype(float), "peak_g": cd["peak_g"].astype(float),
        "series_id": cd["series_id"].astype(int), "in_gap": cd["in_gap"].astype(bool),
    }).reset_index(drop=True)
    awakenings = [(stamp(a), stamp(b)) for a, b in tl.awakenings]
    sleep = dict(lights_out=stamp(tl.lights), onset=stamp(tl.onset), wake=stamp(tl.wake),
                 awakenings=awakenings)
    sleep["periods"] = [dict(sleep, kind="night")]
    return SimulatedNight(recordings=recordings, jerks=jerks, jerk_sensors=jerk_sensors,
                          confounders=confounders, sleep=sleep, gaps=gaps_ns, config=cfg,
                          seed=int(seed))
