"""A night simulator built on rigid-body kinematics (independent of the other simulators).

Every sensor sits on a body segment (forearm+hand for a wrist, shank+foot for an ankle,
the torso for ``trunk``...) at a lever arm ``r`` from the segment's proximal joint, with a
random mounting rotation. Between movements a segment is still, and its sensor reads
gravity only: ``f = R_s^T z`` (g). A movement rotates the segment by ``theta(t)`` about one
axis ``h`` (the joint's flexion axis, or a world axis for a roll-over); in the sensor frame

    f(t) = Rot(h, -theta) u0 + (alpha h x r - omega^2 r) / g + impacts(t)

where ``u0`` is "up" seen by the sensor before the movement, ``omega = theta'`` and
``alpha = theta''``. Hypnic jerks and REM twitches drive the joint with a muscle torque
(an EMG burst filtered by first-order activation dynamics) through a damped second-order
joint ``I theta'' + c theta' + k (theta - theta_rest) = tau`` (inertia from de Leva 1996,
limb resting on the mattress as spring and damper). Movements are rendered only in short
windows on a grid of about 1 kHz aligned with the sensor's true sample instants, passed
through the sensor's digital low-pass (or none: point sampling) and decimated; outside
windows the still pose (plus breathing) is written at the output rate. See
``docs/simulator-kinematic.md`` for the equations, parameters and their sources.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal
from scipy.spatial.transform import Rotation

from sensing.body import CONTIGUOUS, LOCATIONS, phase_of
from sensing.recording import Recording, find_gaps
from simulation.night import SimulatedNight

G = 9.80665
_X, _Y, _Z = np.eye(3)

#: Segment of each location kind: joint, lever arm range (m, joint to sensor), maximal
#: voluntary torque of the joint's movers (N m; textbook-order values, a guess), passive
#: natural frequency range of the limb resting on the mattress (Hz, a guess).
SEGMENTS: dict[str, dict[str, Any]] = {
    "wrist": dict(lever=(0.25, 0.35), mvc=60.0, fn=(2.0, 5.0), distal=True),
    "upper-arm": dict(lever=(0.12, 0.22), mvc=60.0, fn=(2.0, 4.0), distal=False),
    "ankle": dict(lever=(0.35, 0.45), mvc=200.0, fn=(2.0, 5.0), distal=True),
    "thigh": dict(lever=(0.15, 0.30), mvc=150.0, fn=(2.0, 4.0), distal=False),
    "trunk": dict(lever=(0.30, 0.45), mvc=150.0, fn=(3.0, 6.0), distal=False),
    "head": dict(lever=(0.10, 0.15), mvc=20.0, fn=(3.0, 6.0), distal=False),
}
#: Sensor kind that stands for a body part without a worn sensor (for the jerk's truth).
CANONICAL = {"arm-left": "wrist", "arm-right": "wrist", "leg-left": "ankle",
             "leg-right": "ankle", "trunk": "trunk", "head": "head"}
#: Body parts a jerk can involve, in the order a generalized jerk reaches them.
PARTS = ("trunk", "head", "arm-left", "arm-right", "leg-left", "leg-right")


def _kind(loc: str) -> str:
    return loc.rsplit("-", 1)[0] if loc.endswith(("-left", "-right")) else loc


def segment_inertia(kind: str, mass_kg: float, height_m: float) -> float:
    """Moment of inertia (kg m^2) of the moving segments about the proximal joint: de Leva
    (1996) mass fractions, CM positions and sagittal radii of gyration (male), segment
    lengths as fractions of height after Drillis & Contini (Winter 2009, fig. 4.1)."""
    def seg(frac_m: float, frac_l: float, cm: float, rg: float, d0: float = 0.0) -> float:
        m, ln = frac_m * mass_kg, frac_l * height_m
        return m * ((d0 + cm * ln) ** 2 + (rg * ln) ** 2)
    H = height_m
    if kind == "wrist":  # forearm + hand about the elbow
        return seg(0.0162, 0.146, 0.457, 0.265) + seg(0.0061, 0.108, 0.40, 0.30, 0.146 * H)
    if kind == "ankle":  # shank + foot about the knee
        return seg(0.0433, 0.246, 0.440, 0.251) + seg(0.0137, 0.152, 0.20, 0.26, 0.246 * H)
    if kind == "upper-arm":  # whole arm about the shoulder
        return seg(0.0271, 0.186, 0.577, 0.269) + segment_inertia("wrist", mass_kg, H) \
            + 0.0223 * mass_kg * (0.186 * H) ** 2
    if kind == "thigh":  # whole leg about the hip
        return seg(0.1416, 0.245, 0.410, 0.329) + segment_inertia("ankle", mass_kg, H) \
            + 0.057 * mass_kg * (0.245 * H) ** 2
    if kind == "trunk":  # torso (+ head and arms riding along, x1.5) about the hips
        return 1.5 * seg(0.4346, 0.288, 0.486, 0.306)
    return seg(0.0694, 0.13, 0.50, 0.303)  # head about the neck


@dataclass(frozen=True)
class KinematicConfig:
    """What :func:`simulate_kinematic_night` builds. Ranges ``(lo, hi)`` are drawn uniformly
    per night (or per sensor / event where the name says so)."""

    locations: tuple[str, ...] = ("wrist-left", "ankle-right")
    odr_hz: float = 50.0                      #: output data rate, Hz
    lowpass: str = "odr/4"                    #: "none" (point sampling), "odr/2" or "odr/4"
    range_g: float = 8.0                      #: full scale +- g (clipped)
    resolution_bits: int = 12                 #: ADC bits over the full scale
    noise_mg: tuple[float, float] = (2.0, 8.0)  #: white noise RMS per axis, mg (per sensor)
    offset_mg: float = 40.0                   #: per-axis offset within +- this, mg
    gain_error: float = 0.03                  #: per-axis gain error within +- this (fraction)
    drift_ppm: float = 300.0                  #: sample clock error within +- this, ppm
    timestamps: str = "jitter"                #: "jitter" (host stamps) or "packet" (BLE)
    jitter_ms: float = 3.0                    #: timestamp jitter RMS, ms (clipped to 0.25/ODR)
    packet_samples: int = 12                  #: samples per BLE packet ("packet" mode)
    gaps_per_night: float = 1.0               #: mean number of lost-data spans per sensor
    gap_s: tuple[float, float] = (0.1, 180.0)  #: lost span length range, s (log-uniform)
    tz: str = "Europe/Berlin"                 #: local time zone of the sleeper
    date: str = "2024-01-16"                  #: local date of the evening
    lights_out_h: tuple[float, float] = (22.0, 24.5)  #: local clock hour of lights out
    night_h: tuple[float, float] = (6.0, 9.0)  #: lights out to final wake, h
    latency_min: tuple[float, float] = (5.0, 40.0)  #: lights out to sleep onset, min
    phone_min: tuple[float, float] = (10.0, 40.0)   #: in bed with the phone before lights out
    phone_prob: float = 0.5                   #: chance of phone use before lights out
    after_wake_min: tuple[float, float] = (3.0, 15.0)  #: recording after the final wake
    awakenings_per_h: float = 0.6             #: brief awakenings per hour of sleep
    awakening_min: tuple[float, float] = (0.5, 10.0)  #: their length, min (log-uniform)
    motionless_frac: float = 0.3              #: share of awakenings without movement
    jerks_per_onset: float = 1.2              #: mean jerks at a sleep onset (Poisson)
    no_jerk_night_prob: float = 0.25          #: nights without any jerk
    jerk_return_prob: float = 0.15            #: chance an awakening's return has a jerk
    cluster_prob: float = 0.25                #: chance a jerk is a cluster of 2-4
    jerk_activation: tuple[float, float] = (0.02, 0.15)  #: torque as fraction of MVC
    posture_per_h: float = 2.0                #: posture shifts per hour of sleep
    scratch_per_h: float = 0.4                #: scratching bouts per hour (wrists)
    knock_per_h: float = 0.3                  #: strap knocks per hour per limb sensor
    plm_prob: float = 0.35                    #: nights with periodic limb movements
    rem_twitch_per_min: float = 1.0           #: twitches per minute of REM (distal sensors)
    partner: bool = False                     #: a bed partner who turns over
    partner_per_h: float = 2.0                #: partner turns per hour in bed
    fidget_prob: float = 0.5                  #: chance the wake before sleep is restless
    day_h: float = 0.0                        #: hours up and about before bed (0: none)
    nap: bool = False                         #: an afternoon nap in the day
    breathing_mrad: tuple[float, float] = (4.0, 8.0)  #: chest tilt amplitude, mrad (~mg)
    mass_kg: tuple[float, float] = (55.0, 95.0)
    height_m: tuple[float, float] = (1.55, 1.90)

    def __post_init__(self) -> None:
        bad = [loc for loc in self.locations if loc not in LOCATIONS or loc == "unknown"]
        if bad or not self.locations:
            raise ValueError(f"bad locations {self.locations}")
        if self.lowpass not in ("none", "odr/2", "odr/4") or self.timestamps not in (
                "jitter", "packet"):
            raise ValueError("lowpass must be none/odr/2/odr/4, timestamps jitter/packet")


KINEMATIC_VARIANTS: dict[str, KinematicConfig] = {
    "typical": KinematicConfig(),
    "wrist-26hz-lis2dh": KinematicConfig(
        locations=("wrist-left",), odr_hz=26.0, lowpass="none", range_g=4.0,
        resolution_bits=10, noise_mg=(4.0, 10.0), timestamps="packet", packet_samples=13),
    "rem-twitches": KinematicConfig(rem_twitch_per_min=6.0, plm_prob=0.0),
    "partner-in-bed": KinematicConfig(partner=True, partner_per_h=4.0),
    "light-sleeper": KinematicConfig(awakenings_per_h=3.0, awakening_min=(0.5, 4.0),
                                     motionless_frac=0.5, jerk_return_prob=0.35),
    "day-and-night": KinematicConfig(day_h=6.0, nap=True, odr_hz=52.0),
    "chest-strap": KinematicConfig(locations=("trunk",), odr_hz=50.0, lowpass="odr/2",
                                   breathing_mrad=(3.0, 6.0), noise_mg=(1.5, 3.0)),
}


# ---------------------------------------------------------------- geometry helpers
def _rot(axis: np.ndarray, ang: float) -> np.ndarray:
    a = axis / np.linalg.norm(axis)
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(ang) * K + (1 - np.cos(ang)) * K @ K


def _rotate(axis: np.ndarray, ang: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rodrigues: ``v`` rotated about unit ``axis`` by each angle, (n, 3)."""
    c, s = np.cos(ang)[:, None], np.sin(ang)[:, None]
    return v * c + np.cross(axis, v) * s + axis * float(axis @ v) * (1 - c)


def _rand_rot(rng: np.random.Generator, max_deg: float = 180.0) -> np.ndarray:
    if max_deg >= 180:
        q = rng.normal(size=4)
        return Rotation.from_quat(q / np.linalg.norm(q)).as_matrix()
    ax = rng.normal(size=3)
    return _rot(ax, np.radians(rng.uniform(0, max_deg)))


def _base(e3: np.ndarray) -> np.ndarray:
    """Segment frame (columns: flexion axis, e3 x e1, long axis e3) in the body frame."""
    e1 = _X - e3 * (e3 @ _X)
    e1 = e1 / np.linalg.norm(e1)
    return np.stack([e1, np.cross(e3, e1), e3], axis=1)


#: Body orientation (body frame: x right, y to the head, z anterior) in world (z up).
POSTURES = {"supine": 0.0, "left": 90.0, "right": -90.0, "prone": 180.0}
_UPRIGHT = _rot(_X, np.pi / 2)


def _pose(kind: str, posture: str, rng: np.random.Generator) -> np.ndarray:
    """A segment orientation in world for a posture, with random limb placement."""
    up = kind in ("trunk", "head")
    if posture in POSTURES:
        B = _rot(_Y, np.radians(POSTURES[posture]))
        dev = 10.0 if up else (60.0 if kind == "wrist" else 25.0)
        e3 = _Y if up else -_Y
    else:  # "stand" or "sit"
        B = _UPRIGHT
        dev = 8.0 if up else 20.0
        e3 = _Y if up else -_Y
        if posture == "sit" and kind in ("wrist", "thigh"):
            e3 = _Z
    return B @ _rand_rot(rng, dev) @ _base(e3)


def _minjerk(t: np.ndarray, dur: float) -> np.ndarray:
    s = np.clip(t / dur, 0.0, 1.0)
    return s ** 3 * (10 - 15 * s + 6 * s * s)


# ---------------------------------------------------------------- movements
@dataclass
class _Move:
    """One movement of one sensor's segment: an angle profile about one axis."""

    loc: str
    t0: float                      # motion start, s from recording start
    t1: float                      # motion end (truth), s
    theta: Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray, np.ndarray]]
    lever: float                   # m
    axis_w: np.ndarray | None = None   # world axis; None: the joint's flexion axis
    target: Callable[[np.ndarray], np.ndarray] | None = None  # new segment pose (orient)
    impacts: list[tuple[float, float, float, float]] = field(default_factory=list)
    post: float = 0.5              # settling time rendered after t1, s
    row: dict | None = None        # truth row to fill (peak_g, in_gap, sensor dev)


def _profile(fn: Callable[[np.ndarray], np.ndarray]):
    """theta(t) -> (theta, omega, alpha) by differentiating on the (uniform) grid."""
    def f(t: np.ndarray, dt: float):
        th = fn(t)
        om = np.gradient(th, dt)
        return th, om, np.gradient(om, dt)
    return f


def _joint(inertia: float, fn_hz: float, zeta: float, torque: float, burst: float,
           tau_on: float, tau_off: float, settle: float):
    """Damped joint driven by an activation-filtered EMG burst; exact alpha from the ODE."""
    I = inertia  # noqa: E741
    w = 2 * np.pi * fn_hz
    k, c = I * w * w, 2 * zeta * I * w

    def f(t: np.ndarray, dt: float):
        tt = np.maximum(t, 0.0)
        a_end = 1 - np.exp(-burst / tau_on)
        act = np.where(tt < burst, 1 - np.exp(-tt / tau_on),
                       a_end * np.exp(-(tt - burst) / tau_off)) * (t >= 0)
        rest = settle * _minjerk(t - burst, 0.25)
        u = torque * act + k * rest
        b1, a1 = signal.cont2discrete(([1.0], [I, c, k]), dt, method="bilinear")[:2]
        b2, a2 = signal.cont2discrete(([1.0, 0.0], [I, c, k]), dt, method="bilinear")[:2]
        th = signal.lfilter(np.ravel(b1), a1, u)
        om = signal.lfilter(np.ravel(b2), a2, u)
        return th, om, (u - c * om - k * th) / I
    return f


def _ring(t: np.ndarray, amp: float, f_hz: float, zeta: float) -> np.ndarray:
    w = 2 * np.pi * f_hz
    tt = np.maximum(t, 0)
    return amp * np.exp(-zeta * w * tt) * np.sin(w * np.sqrt(1 - zeta ** 2) * tt) * (t >= 0)


# ---------------------------------------------------------------- the night
class _Night:
    def __init__(self, cfg: KinematicConfig, seed: int):
        self.cfg, self.seed = cfg, seed
        self.rng = rng = np.random.default_rng(seed)
        self.mass = rng.uniform(*cfg.mass_kg)
        self.height = rng.uniform(*cfg.height_m)
        self.locs = list(cfg.locations)
        self.occ: dict[str, list[tuple[float, float]]] = {loc: [] for loc in self.locs}
        self.moves: list[_Move] = []
        self.conf: list[dict] = []
        self.jerks: list[dict] = []
        self.jerk_rows: list[dict] = []
        self.partner: list[tuple[float, float, float, float]] = []
        self.series = 0
        self.sensors: dict[str, _Sensor] = {}
        self._timeline()

    # -- time line ------------------------------------------------------------
    def _timeline(self) -> None:
        cfg, rng = self.cfg, self.rng
        midnight = pd.Timestamp(cfg.date, tz=cfg.tz)
        lo_local = rng.uniform(*cfg.lights_out_h) * 3600
        phone = rng.uniform(*cfg.phone_min) * 60 if rng.random() < cfg.phone_prob else 0.0
        lead = cfg.day_h * 3600 + phone + 60.0
        self.start = midnight + pd.Timedelta(seconds=lo_local - lead)
        self.t0_ns = int(self.start.tz_convert("UTC").value)
        self.periods: list[dict] = []
        if cfg.day_h > 0 and cfg.nap:
            L = rng.uniform(0.3, 0.6) * cfg.day_h * 3600
            On = L + rng.uniform(3, 15) * 60
            self.periods.append(dict(kind="nap", lights_out=L, onset=On,
                                     wake=On + rng.uniform(20, 60) * 60, awakenings=[]))
        L = lead
        On = L + rng.uniform(*cfg.latency_min) * 60
        W = L + rng.uniform(*cfg.night_h) * 3600
        aw, t = [], On + 600.0
        while True:
            t += rng.exponential(3600 / max(cfg.awakenings_per_h, 1e-9))
            d = np.exp(rng.uniform(*np.log(cfg.awakening_min))) * 60
            if t + d > W - 600:
                break
            aw.append((t, t + d))
            t += d + 300.0
        self.periods.append(dict(kind="night", lights_out=L, onset=On, wake=W, awakenings=aw))
        self.phone = (L - phone, L) if phone else None
        self.T = W + rng.uniform(*cfg.after_wake_min) * 60
        # sleep and quiet-wake intervals
        self.sleep_iv: list[tuple[float, float]] = []
        self.wake_iv: list[tuple[float, float]] = []
        for p in self.periods:
            a = p["onset"]
            self.wake_iv.append((p["lights_out"], p["onset"]))
            for s, e in p["awakenings"]:
                self.sleep_iv.append((a, s))
                self.wake_iv.append((s, e))
                a = e
            self.sleep_iv.append((a, p["wake"]))
        self.rem_iv = []
        p = self.periods[-1]
        for k in range(8):
            s = p["onset"] + (80 + 90 * k + rng.uniform(-10, 10)) * 60
            e = s + min(5 + 8 * k, 35) * 60
            if e > p["wake"]:
                break
            self.rem_iv.extend(_intersect([(s, e)], self.sleep_iv))

    # -- scheduling ------------------------------------------------------------
    def _free(self, locs, a: float, b: float) -> bool:
        for loc in locs:
            iv = self.occ[loc]
            i = bisect_left(iv, (a, b))
            if i > 0 and iv[i - 1][1] > a or i < len(iv) and iv[i][0] < b:
                return False
        return True

    def _take(self, locs, a: float, b: float) -> None:
        for loc in locs:
            iv = self.occ[loc]
            iv.insert(bisect_left(iv, (a, b)), (a, b))

    def _when(self, ivs, dur: float) -> float | None:
        ivs = [(a, b - dur) for a, b in ivs if b - dur > a]
        if not ivs:
            return None
        lens = np.array([b - a for a, b in ivs])
        i = self.rng.choice(len(ivs), p=lens / lens.sum())
        return float(self.rng.uniform(*ivs[i]))

    def _add(self, move: _Move, kind: str, series: int = -1) -> None:
        move.row = dict(kind=kind, location=move.loc, t0=move.t0, t1=move.t1,
                        series_id=series, peak=0.0)
        self.conf.append(move.row)
        self.moves.append(move)

    def _kind_of(self, loc: str) -> str:
        return _kind(loc) if loc in LOCATIONS and loc != "unknown" else "wrist"

    def _reorient(self, loc: str, t0: float, dur: float, target, lever: float,
                  impact: float) -> _Move:
        rng = self.rng
        imp = [(dur, impact, rng.uniform(8, 15), rng.uniform(0.2, 0.4))] if impact else []
        def th(t: np.ndarray, d: float = dur) -> np.ndarray:
            return _minjerk(t, d)
        return _Move(loc, t0, t0 + dur + (0.15 if impact else 0), _profile(th), lever,
                     target=target, impacts=imp)

    # -- events -------------------------------------------------------------------
    def build(self) -> None:
        self._day()
        self._awakening_moves()
        self._jerks()
        self._plm()
        self._sleep_confounders()
        self._wake_confounders()

    def _count(self, ivs, per_h: float) -> int:
        return int(self.rng.poisson(per_h * sum(b - a for a, b in ivs) / 3600))

    def _rollover(self, t0: float, kind: str = "posture") -> bool:
        rng = self.rng
        dur = rng.uniform(1.0, 5.0)
        if not self._free(self.locs, t0 - 1, t0 + dur + 3):
            return False
        self._take(self.locs, t0 - 1, t0 + dur + 3)
        posture = str(rng.choice(list(POSTURES), p=[0.4, 0.25, 0.25, 0.1]))
        for loc in self.locs:
            kd = self._kind_of(loc)
            seed = int(rng.integers(1 << 30))

            def target(R, kd=kd, p=posture, s=seed):
                return (_pose(kd, p, np.random.default_rng(s)))
            lever = rng.uniform(0.12, 0.2) if kd in ("trunk", "head") else rng.uniform(0.25, 0.5)
            imp = rng.uniform(0.03, 0.15) if kd in ("trunk", "head") else rng.uniform(0.1, 0.6)
            dt = rng.uniform(0, 0.3)
            self._add(self._reorient(loc, t0 + dt, dur - dt, target, lever, imp), kind)
        return True

    def _reposition(self, loc: str, t0: float, kind: str, small: bool = False) -> bool:
        rng = self.rng
        dur = rng.uniform(0.4, 1.5) if small else rng.uniform(0.8, 3.0)
        if not self._free([loc], t0 - 1, t0 + dur + 2):
            return False
        self._take([loc], t0 - 1, t0 + dur + 2)
        ang = rng.uniform(3, 12) if small else rng.uniform(10, 60)
        s = int(rng.integers(1 << 30))
        def target(R, a=ang, s=s):
            return (R @ _rand_rot(np.random.default_rng(s), a))
        kd = self._kind_of(loc)
        lever = SEGMENTS[kd]["lever"][1]
        imp = 0.0 if small or kd in ("trunk", "head") else rng.uniform(0.05, 0.4)
        self._add(self._reorient(loc, t0, dur, target, lever, imp), kind)
        return True

    def _day(self) -> None:
        cfg, rng = self.cfg, self.rng
        if cfg.day_h <= 0:
            return
        nap = [p for p in self.periods if p["kind"] == "nap"]
        end = self.periods[-1]["lights_out"] - (
            self.phone[1] - self.phone[0] if self.phone else 0) - 60
        spans, t = [], 30.0
        for p in nap:  # lie down for the nap, get up after it
            spans.append((t, p["lights_out"] - 40))
            self._posture_all(p["lights_out"] - 30, "supine")
            self._posture_all(p["wake"] + 30, "stand")
            t = p["wake"] + 40
        spans.append((t, end - 10))
        for t, stop in spans:
            while stop - t > 40:
                walk = rng.random() < 0.5
                dur = min(rng.uniform(60, 600) if walk else rng.uniform(300, 1800), stop - t)
                self._posture_all(t, "stand" if walk else "sit")
                if walk:
                    self._walk(t + 5, dur - 5)
                else:
                    for loc in self.locs:
                        if self._kind_of(loc) == "wrist":
                            for _ in range(int(rng.poisson(dur / 40))):
                                self._reposition(loc, t + 6 + rng.uniform(0, dur - 10),
                                                 "gesture")
                t += dur + 10
        self._posture_all(end, "supine")

    def _posture_all(self, t0: float, posture: str) -> None:
        rng = self.rng
        self._take(self.locs, t0 - 0.5, t0 + 4.5)
        for loc in self.locs:
            kd = self._kind_of(loc)
            s = int(rng.integers(1 << 30))
            self._add(self._reorient(
                loc, t0, rng.uniform(1.5, 3.0),
                lambda R, kd=kd, s=s: _pose(kd, posture, np.random.default_rng(s)),
                0.4, 0.0), "posture")

    def _walk(self, t0: float, dur: float) -> None:
        rng = self.rng
        cad = rng.uniform(1.5, 2.2)  # steps per second; arms and legs swing once a stride
        self._take(self.locs, t0, t0 + dur)
        steps = t0 + 1.0 + np.arange(int((dur - 2) * cad)) / cad
        for loc in self.locs:
            kd = self._kind_of(loc)
            amp = np.radians({"wrist": 20, "upper-arm": 15, "ankle": 30,
                              "thigh": 20}.get(kd, 3.0)) * rng.uniform(0.7, 1.3)
            ph = rng.uniform(0, 2 * np.pi)
            lever = {"wrist": 0.6, "upper-arm": 0.2, "ankle": 0.8, "thigh": 0.25}.get(kd, 0.3)
            heel = {"ankle": (1.5, 4.0), "thigh": (0.8, 2.0)}.get(kd, (0.15, 0.4))
            imps = [(s - t0, rng.uniform(*heel), rng.uniform(12, 25), 0.3) for s in steps]

            def th(t, a=amp, p=ph, d=dur, f=cad / 2):
                env = _minjerk(t, 1.0) * _minjerk(d - t, 1.0)
                return a * env * np.sin(2 * np.pi * f * t + p)
            m = _Move(loc, t0, t0 + dur, _profile(th), lever, axis_w=_X, impacts=imps, post=0.3)
            self._add(m, "walk")

    def _awakening_moves(self) -> None:
        rng = self.rng
        for p in self.periods:
            for s, e in p["awakenings"]:
                if rng.random() < self.cfg.motionless_frac:
                    continue
                if not self._rollover(s + rng.uniform(0, 5)):
                    continue
                for loc in self.locs:
                    for _ in range(int(rng.poisson(1 + (e - s) / 120))):
                        self._reposition(loc, rng.uniform(s + 8, max(e - 5, s + 9)), "reposition")
                if e - s > 60 and rng.random() < 0.5:
                    self._rollover(e - rng.uniform(6, 15))

    def _jerks(self) -> None:
        cfg, rng = self.cfg, self.rng
        if rng.random() < cfg.no_jerk_night_prob:
            return
        times: list[float] = []
        for p in self.periods:
            n = rng.poisson(cfg.jerks_per_onset)
            times += list(p["onset"] + np.clip(rng.normal(60, 200, n), -600, 880))
            for _s, e in p["awakenings"]:
                if rng.random() < cfg.jerk_return_prob:
                    times.append(e + rng.uniform(10, 300))
        for t in times:
            k = int(rng.integers(2, 5)) if rng.random() < cfg.cluster_prob else 1
            ts = t + np.concatenate([[0], np.cumsum(rng.uniform(3, 10, k - 1))])
            sid = self.series if k > 1 else -1
            placed = [tj for tj in ts if self._free(self.locs, tj - 1.5, tj + 3.0)]
            if k > 1 and len(placed) > 1:
                self.series += 1
            for tj in placed:
                self._take(self.locs, tj - 1.5, tj + 3.0)
                self._jerk(float(tj), sid if len(placed) > 1 else -1)

    def _jerk(self, t: float, series: int) -> None:
        rng = self.rng
        u = rng.random()
        if u < 0.5:
            pattern, parts = "generalized", list(PARTS)
        elif u < 0.75:
            pattern, parts = "focal", [str(rng.choice(PARTS, p=[.1, .05, .25, .25, .175, .175]))]
        elif u < 0.9:
            pair = CONTIGUOUS[int(rng.integers(len(CONTIGUOUS)))]
            pattern, parts = "segmental", list(pair)
        else:
            non = [(a, b) for i, a in enumerate(PARTS[2:]) for b in PARTS[3 + i:]
                   if (a, b) not in CONTIGUOUS and (b, a) not in CONTIGUOUS]
            pattern, parts = "multifocal", list(non[int(rng.integers(len(non)))])
        level = np.exp(rng.uniform(*np.log(self.cfg.jerk_activation)))
        burst = rng.uniform(0.05, 0.25)
        sign = rng.choice([-1.0, 1.0])
        jid = len(self.jerks)
        starts, ends, peaks = [], [], []
        for part in parts:
            if pattern == "multifocal":
                delay = rng.uniform(0, 0.2)
            else:
                delay = {"trunk": 0.0, "head": rng.uniform(0.005, 0.02)}.get(
                    part, rng.uniform(0.01, 0.04) if part.startswith("arm")
                    else rng.uniform(0.02, 0.06))
            t0 = t + delay
            locs: list[str | None] = [loc for loc in self.locs if LOCATIONS[loc] == part]
            locs = locs or [None]
            for loc in locs:
                kd = CANONICAL[part] if loc is None else self._kind_of(loc)
                sg = SEGMENTS[kd]
                inertia = segment_inertia(kd, self.mass, self.height)
                settle = np.radians(rng.uniform(0, 3 if kd in ("trunk", "head") else 15))
                prof = _joint(inertia, rng.uniform(*sg["fn"]), rng.uniform(0.3, 0.8),
                              sign * level * rng.uniform(0.7, 1.3) * sg["mvc"],
                              burst * rng.uniform(0.8, 1.2), rng.uniform(0.01, 0.02),
                              rng.uniform(0.03, 0.06), sign * settle)
                lever = rng.uniform(*sg["lever"])
                # truth from a 1 kHz simulation of this part
                tt = np.arange(-0.05, 2.5, 1e-3)
                _, om, al = prof(tt, 1e-3)
                lin = lever * np.hypot(al, om ** 2) / G
                pk = float(lin.max())
                end = t0 + float(tt[np.flatnonzero(lin >= 0.1 * pk)[-1]])
                end = max(end, t0 + burst)
                starts.append(t0)
                ends.append(end)
                peaks.append(pk)
                if loc is not None:
                    m = _Move(loc, t0, end, prof, lever, post=2.0)
                    m.row = dict(jerk_id=jid, location=loc, t0=t0, t1=end, peak=0.0)
                    self.jerk_rows.append(m.row)
                    self.moves.append(m)
        self.jerks.append(dict(jerk_id=jid, t0=min(starts), t1=max(ends), peak=max(peaks),
                               pattern=pattern, parts=";".join(p for p in PARTS if p in parts),
                               series_id=series))

    def _plm(self) -> None:
        rng = self.rng
        legs = [loc for loc in self.locs if self._kind_of(loc) in ("ankle", "thigh")]
        if not legs or rng.random() >= self.cfg.plm_prob:
            return
        p = self.periods[-1]
        first_half = _intersect(self.sleep_iv, [(p["onset"], (p["onset"] + p["wake"]) / 2)])
        for _ in range(int(rng.integers(1, 5))):
            n = int(rng.integers(4, 31))
            imi = np.clip(rng.normal(25, 8, n - 1), 6, 85)
            durs = np.clip(np.exp(rng.normal(np.log(1.8), 0.5, n)), 0.5, 5.0)
            rel = np.concatenate([[0], np.cumsum(imi)])
            which = legs if rng.random() < 0.5 else [legs[int(rng.integers(len(legs)))]]
            for _try in range(20):
                t = self._when(first_half, float(rel[-1] + durs[-1] + 5))
                if t is None:
                    return
                if all(self._free(which, t + r - 1, t + r + d + 1.5) for r, d in zip(rel, durs, strict=False)):
                    break
            else:
                continue
            for r, d in zip(rel, durs, strict=False):
                self._take(which, t + r - 1, t + r + d + 1.5)
                ang = np.radians(rng.uniform(2, 8))
                rise = min(rng.uniform(0.2, 0.5), d / 3)
                for loc in which:
                    kd = self._kind_of(loc)
                    def th(x, a=ang, r1=rise, d1=d):
                        return (a * (_minjerk(x, r1) - _minjerk(x - (d1 - r1), r1)))
                    self._add(_Move(loc, t + r, t + r + d, _profile(th),
                                    SEGMENTS[kd]["lever"][0]), "plm", self.series)
            self.series += 1

    def _sleep_confounders(self) -> None:
        cfg, rng = self.cfg, self.rng
        for _ in range(self._count(self.sleep_iv, cfg.posture_per_h)):
            t = self._when(self.sleep_iv, 8.0)
            if t is not None:
                self._rollover(t)
        distal = [loc for loc in self.locs if SEGMENTS[self._kind_of(loc)]["distal"]]
        for _ in range(self._count(self.rem_iv, cfg.rem_twitch_per_min * 60) if distal else 0):
            t = self._when(self.rem_iv, 1.0)
            loc = distal[int(rng.integers(len(distal)))]
            if t is None or not self._free([loc], t - 0.5, t + 1.5):
                continue
            self._take([loc], t - 0.5, t + 1.5)
            kd = self._kind_of(loc)
            sg = SEGMENTS[kd]
            burst = rng.uniform(0.02, 0.08)
            prof = _joint(segment_inertia(kd, self.mass, self.height), rng.uniform(*sg["fn"]),
                          rng.uniform(0.3, 0.8), rng.choice([-1, 1]) * sg["mvc"]
                          * np.exp(rng.uniform(np.log(0.002), np.log(0.015))),
                          burst, 0.01, 0.03, 0.0)
            self._add(_Move(loc, t, t + burst + 0.1, prof, rng.uniform(*sg["lever"]),
                            post=1.2), "rem-twitch")
        if cfg.partner:
            bed = [(p["lights_out"], p["wake"]) for p in self.periods if p["kind"] == "night"]
            for _ in range(self._count(bed, cfg.partner_per_h)):
                t = self._when(bed, 8.0)
                if t is not None:
                    self.partner.append((t, rng.uniform(2, 6), rng.uniform(0.005, 0.04),
                                         rng.uniform(1.5, 4.0)))

    def _wake_confounders(self) -> None:
        cfg, rng = self.cfg, self.rng
        all_iv = [(0.0, self.T)]
        wrists = [loc for loc in self.locs if self._kind_of(loc) == "wrist"]
        limbs = [loc for loc in self.locs if self._kind_of(loc) not in ("trunk", "head")]
        for loc in wrists:
            for _ in range(self._count(all_iv, cfg.scratch_per_h)):
                dur = rng.uniform(3, 10)
                t = self._when(all_iv, dur + 3)
                if t is None or not self._free([loc], t - 1, t + dur + 1.5):
                    continue
                self._take([loc], t - 1, t + dur + 1.5)
                f, a = rng.uniform(3, 10), np.radians(rng.uniform(1.5, 6))
                def th(x, f=f, a=a, d=dur):
                    return (a * _minjerk(x, 0.3) * _minjerk(d - x, 0.3) * np.sin(2 * np.pi * f * x))
                self._add(_Move(loc, t, t + dur, _profile(th), 0.3, post=0.3), "scratch")
        for loc in limbs:
            for _ in range(self._count(all_iv, cfg.knock_per_h)):
                t = self._when(all_iv, 1.0)
                if t is None or not self._free([loc], t - 0.5, t + 1):
                    continue
                self._take([loc], t - 0.5, t + 1)
                f, z = rng.uniform(15, 40), rng.uniform(0.05, 0.2)
                amp = rng.uniform(0.3, 3.0)
                dur = min(3.0 / (z * 2 * np.pi * f), 0.3)
                m = _Move(loc, t, t + dur, _profile(lambda x: 0 * x), 0.0,
                          impacts=[(0.0, amp, f, z)], post=0.3)
                self._add(m, "knock")
        p = self.periods[-1]
        pre = [(p["lights_out"], p["onset"] - 120)]
        if rng.random() < cfg.fidget_prob:
            for _ in range(int(rng.integers(2, 8))):
                t = self._when(pre, 5.0)
                if t is not None and limbs:
                    self._reposition(limbs[int(rng.integers(len(limbs)))], t, "fidget", True)
        for _ in range(self._count(self.wake_iv, 4.0)):
            t = self._when(self.wake_iv, 5.0)
            if t is not None and self.locs:
                self._reposition(self.locs[int(rng.integers(len(self.locs)))], t, "reposition")
        if self.phone:
            a, b = self.phone
            for loc in wrists:
                if not self._free([loc], a, b):
                    continue
                self._take([loc], a, b)
                fs = rng.uniform(0.3, 2.0, 4)
                am = np.radians(rng.uniform(0.5, 3.0, 4))
                ph = rng.uniform(0, 2 * np.pi, 4)
                d = b - a - 2

                def wiggle(x, fs=fs, am=am, ph=ph, d=d):
                    env = _minjerk(x, 2.0) * _minjerk(d - x, 2.0)
                    return env * sum(am[i] * np.sin(2 * np.pi * fs[i] * x + ph[i])
                                     for i in range(4))
                self._add(_Move(loc, a + 1, b - 1, _profile(wiggle), 0.15, post=0.3), "phone")
            for loc in self.locs:
                if loc not in wrists:
                    self._take([loc], a, b)


def _intersect(a, b):
    out = []
    for s, e in a:
        for s2, e2 in b:
            lo, hi = max(s, s2), min(e, e2)
            if hi > lo:
                out.append((lo, hi))
    return out


# ---------------------------------------------------------------- one sensor
class _Sensor:
    def __init__(self, night: _Night, loc: str, rng: np.random.Generator):
        cfg = night.cfg
        self.loc, self.cfg, self.rng = loc, cfg, rng
        self.fs = cfg.odr_hz
        self.drift = rng.uniform(-1, 1) * cfg.drift_ppm * 1e-6
        self.fs_true = self.fs * (1 + self.drift)
        self.phase = rng.uniform(0, 1 / self.fs)
        self.n = int((night.T - self.phase) * self.fs_true)
        self.K = int(np.ceil(1000.0 / self.fs))
        self.noise = rng.uniform(*cfg.noise_mg) / 1000
        self.step = 2 * cfg.range_g / 2 ** cfg.resolution_bits
        self.sos = None if cfg.lowpass == "none" else signal.butter(
            2, self.fs / (2 if cfg.lowpass == "odr/2" else 4) * 0.999, fs=self.fs * self.K,
            output="sos")
        kind = night._kind_of(loc)
        self.mount = _rand_rot(rng)
        self.Rseg = _pose(kind, "stand" if cfg.day_h > 0 else "supine", rng)
        self.h_joint = self.mount.T @ _X   # flexion axis, sensor frame (fixed)
        self.r_joint = self.mount.T @ _Z   # long axis, sensor frame (fixed)

    def t_of(self, i: np.ndarray | int) -> np.ndarray:
        return self.phase + np.asarray(i) / self.fs_true

    def idx(self, t: float) -> int:
        return int(np.clip(np.ceil((t - self.phase) * self.fs_true), 0, self.n))

    def render(self, moves: list[_Move], partner) -> np.ndarray:
        acc = np.empty((self.n, 3))
        last = 0
        Rs = self.Rseg @ self.mount
        for m in sorted(moves, key=lambda m: m.t0):
            i0, i1 = self.idx(m.t0 - 0.1), self.idx(m.t1 + m.post)
            if i0 < last:  # overlap (should not happen): start after the previous
                i0 = last
            acc[last:i0] = Rs.T @ _Z
            if i1 <= i0:
                continue
            if m.target is not None:
                Rnew = m.target(Rs @ self.mount.T) @ self.mount
                rv = Rotation.from_matrix(Rs.T @ Rnew).as_rotvec()
                ang = float(np.linalg.norm(rv))
                h = rv / ang if ang > 1e-9 else _X
                scale = ang
            else:
                h = self.h_joint if m.axis_w is None else Rs.T @ m.axis_w
                scale = 1.0
            r = np.cross(h, self.r_joint if m.axis_w is None and m.target is None
                         else self.rng.normal(size=3))
            r = np.cross(r, h)
            r = m.lever * r / (np.linalg.norm(r) + 1e-12)
            dt = 1 / (self.fs_true * self.K)
            th_t = self.t_of(i0) - m.t0 + np.arange((i1 - i0) * self.K) * dt
            th, om, al = m.theta(th_t, dt)
            th, om, al = th * scale, om * scale, al * scale
            u0 = Rs.T @ _Z
            lin = (al[:, None] * np.cross(h, r) - (om ** 2)[:, None] * r) / G
            up = _rotate(h, -th, u0)
            for (ti, amp, f, z) in m.impacts:
                a, b = np.searchsorted(th_t, [ti, ti + 6 / (z * 2 * np.pi * f)])
                lin[a:b] += _ring(th_t[a:b] - ti, amp, f, z)[:, None] * up[a:b]
            f_hr = up + lin
            if m.row is not None:
                m.row["peak"] = float(np.sqrt(np.einsum("ij,ij->i", lin, lin)).max())
            if self.sos is not None:
                zi = signal.sosfilt_zi(self.sos)[:, :, None] * f_hr[0][None, None, :]
                f_hr = signal.sosfilt(self.sos, f_hr, axis=0, zi=zi)[0]
            out = f_hr[::self.K]
            acc[i0:i1] = out
            if m.row is not None:
                dev = np.abs(out - out[0]).max()
                m.row.update(dev=float(dev), i0=i0, i1=i1)
            Rs = Rs @ _rot(h, float(th[-1]))
            last = i1
        acc[last:] = Rs.T @ _Z
        self._breathe(acc)
        for t0, d, amp, f in partner:
            i0, i1 = self.idx(t0), self.idx(t0 + d + 2)
            t = self.t_of(np.arange(i0, i1)) - t0
            env = np.sin(np.pi * np.clip(t / d, 0, 1)) + np.exp(-np.maximum(t - d, 0) * 3) * (
                t > d)
            v = acc[i0] / np.linalg.norm(acc[i0]) if i1 > i0 else _Z
            acc[i0:i1] += (amp * env * np.sin(2 * np.pi * f * t))[:, None] * v
        return acc

    def _breathe(self, acc: np.ndarray) -> None:
        kd = _kind(self.loc)
        amp = self.rng.uniform(*self.cfg.breathing_mrad) / 1000 * (
            1.0 if kd == "trunk" else 0.05)
        f = self.rng.uniform(0.2, 0.3)
        n = len(acc)
        t = self.t_of(np.arange(n))
        tc = np.arange(t[0], t[-1] + 0.2, 0.1)  # breathing is slow: a 10 Hz grid, interpolated
        br = amp * np.sin(2 * np.pi * f * tc + 0.8 * np.sin(2 * np.pi * 0.003 * tc))
        b = np.cross(self.rng.normal(size=3), acc[n // 2])
        b /= np.linalg.norm(b) + 1e-12
        acc += np.interp(t, tc, br)[:, None] * b

    def front_end(self, acc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cfg, rng = self.cfg, self.rng
        gain = 1 + rng.uniform(-1, 1, 3) * cfg.gain_error
        off = rng.uniform(-1, 1, 3) * cfg.offset_mg / 1000
        acc = (acc * gain + off).astype(np.float32)
        noise = rng.standard_normal(acc.shape, dtype=np.float32)
        noise *= np.float32(self.noise)
        acc += noise
        np.clip(acc, -cfg.range_g, cfg.range_g - self.step, out=acc)
        acc *= np.float32(1 / self.step)
        np.round(acc, out=acc)
        acc *= np.float32(self.step)
        t = self.t_of(np.arange(self.n))
        keep = np.ones(self.n, bool)
        ng = rng.poisson(cfg.gaps_per_night * t[-1] / 28800)
        lo, hi = max(cfg.gap_s[0], 3.0 / self.fs), max(cfg.gap_s[1], 3.0 / self.fs)
        for _ in range(ng):
            d = np.exp(rng.uniform(np.log(lo), np.log(hi)))
            s = rng.uniform(60, t[-1] - d - 60)
            keep[self.idx(s):self.idx(s + d)] = False
        if cfg.timestamps == "packet":
            P = cfg.packet_samples
            pk = np.arange(self.n) // P
            keep &= np.repeat(np.logical_and.reduceat(keep, np.arange(0, self.n, P)),
                              P)[:self.n]
            last = np.minimum(pk * P + P - 1, self.n - 1)
            lat = 0.008 + rng.uniform(0, 0.4 / self.fs, pk[-1] + 1)
            ts = t[last] + lat[pk] - (last - np.arange(self.n)) / self.fs
        else:
            j = np.clip(rng.normal(0, cfg.jitter_ms / 1000, self.n), -0.25 / self.fs,
                        0.25 / self.fs)
            ts = t + j
        self.keep = keep
        return ts[keep], acc[keep], keep


# ---------------------------------------------------------------- entry point
def simulate_kinematic_night(config: KinematicConfig, seed: int) -> SimulatedNight:
    """One simulated night (or day and night) with its ground truth; see the module doc."""
    night = _Night(config, seed)
    night.build()
    recs: dict[str, Recording] = {}
    gaps: dict[str, np.ndarray] = {}
    srng = np.random.default_rng([seed, 1])
    kept: dict[str, np.ndarray] = {}
    noise: dict[str, float] = {}
    for loc in night.locs:
        sensor = _Sensor(night, loc, np.random.default_rng(srng.integers(1 << 62)))
        acc = sensor.render([m for m in night.moves if m.loc == loc], night.partner)
        ts, a, keep = sensor.front_end(acc)
        ns = night.t0_ns + np.round(ts * 1e9).astype(np.int64)
        g = find_gaps(ns, sensor.fs)
        chip = f"kinematic {sensor.fs:g} Hz {config.resolution_bits}-bit +-{config.range_g:g} g"
        recs[loc] = Recording(ns, a.astype(np.float32), sensor.fs, loc, chip, g,
                              dict(drift_ppm=sensor.drift * 1e6, noise_g=sensor.noise,
                                   lowpass=config.lowpass, quant_step_g=sensor.step))
        gaps[loc] = g
        kept[loc] = keep
        night.sensors[loc] = sensor
        noise[loc] = max(sensor.noise, sensor.step)
    return _truth(night, recs, gaps, kept, noise, config, seed)


def _truth(night: _Night, recs, gaps, kept, noise, config, seed) -> SimulatedNight:
    ts = night.start.tz_convert("UTC")

    def T(s: float) -> pd.Timestamp:
        return ts + pd.Timedelta(seconds=float(s))

    def in_gap(loc: str, row: dict) -> bool:
        return "i0" in row and not kept[loc][row["i0"]:row["i1"]].all()

    periods = [(p["lights_out"], p["onset"], p["wake"], p["awakenings"]) for p in night.periods]
    js, jrows = [], []
    for j in night.jerks:
        shows = [r for r in night.jerk_rows if r["jerk_id"] == j["jerk_id"]
                 and r.get("dev", 0) > 6 * noise[r["location"]]]
        sens = [r["location"] for r in shows if not in_gap(r["location"], r)]
        for r in shows:
            jrows.append(dict(jerk_id=j["jerk_id"], location=r["location"], start=T(r["t0"]),
                              end=T(r["t1"]), duration_s=r["t1"] - r["t0"], peak_g=r["peak"],
                              in_gap=in_gap(r["location"], r)))
        js.append(dict(jerk_id=j["jerk_id"], start=T(j["t0"]), end=T(j["t1"]),
                       duration_s=j["t1"] - j["t0"], peak_g=j["peak"], pattern=j["pattern"],
                       parts=j["parts"], series_id=j["series_id"], sensors=";".join(sens),
                       observable=bool(sens), _t=j["t0"]))
    jerks = pd.DataFrame(js, columns=["jerk_id", "start", "end", "duration_s", "peak_g",
                                      "pattern", "parts", "series_id", "sensors",
                                      "observable", "_t"])
    # typed even when empty (a night without jerks): a boolean mask, times in UTC
    jerks = jerks.astype({"observable": bool, "series_id": np.int64, "_t": float,
                          "start": "datetime64[ns, UTC]", "end": "datetime64[ns, UTC]"})
    ph, rel, _ = phase_of(jerks["_t"].to_numpy(float), periods)
    jerks.insert(8, "phase", ph)
    jerks.insert(9, "rel_onset_s", rel)
    jerks = jerks.drop(columns="_t").sort_values("start").reset_index(drop=True)
    new_id = {int(old): i for i, old in enumerate(jerks["jerk_id"])}  # ids in time order
    jerks["jerk_id"] = np.arange(len(jerks))
    jrows = sorted(({**r, "jerk_id": new_id[r["jerk_id"]]} for r in jrows),
                   key=lambda r: (r["jerk_id"], r["location"]))
    conf = pd.DataFrame([dict(kind=r["kind"], location=r["location"], start=T(r["t0"]),
                              end=T(r["t1"]), duration_s=r["t1"] - r["t0"], peak_g=r["peak"],
                              series_id=r["series_id"], in_gap=in_gap(r["location"], r))
                         for r in night.conf],
                        columns=["kind", "location", "start", "end", "duration_s", "peak_g",
                                 "series_id", "in_gap"])
    for t0, d, amp, _f in night.partner:
        for loc in night.locs:
            sn = night.sensors[loc]
            gap = not kept[loc][sn.idx(t0):sn.idx(t0 + d)].all()
            conf.loc[len(conf)] = ["partner", loc, T(t0), T(t0 + d), d, amp, -1, gap]
    conf = conf.sort_values(["start", "location"]).reset_index(drop=True)

    def pdict(p: dict) -> dict:
        return dict(kind=p["kind"], lights_out=T(p["lights_out"]), onset=T(p["onset"]),
                    wake=T(p["wake"]), awakenings=[(T(a), T(b)) for a, b in p["awakenings"]])
    main = pdict(night.periods[-1])
    sleep = dict(main, periods=[pdict(p) for p in night.periods])
    return SimulatedNight(recs, jerks, pd.DataFrame(jrows, columns=[
        "jerk_id", "location", "start", "end", "duration_s", "peak_g", "in_gap"]),
        conf, sleep, gaps, config, seed)
