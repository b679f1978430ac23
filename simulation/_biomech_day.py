"""Awake and up: activity bouts and the continual small movements of every body part.

While up (afternoons, evenings before lights-out, after the final wake) people are seldom
still for long: seated they shift their weight, cross and uncross their legs, lean, turn
the head, and use their hands (keyboard and mouse, a phone held in front of the face,
hand-to-mouth movements at a meal, reaching for things); on their feet they work at a
counter, bend, shift their weight and walk. Wrist actigraphy separates wake from sleep by
exactly this continual change of the wrist angle (van Hees et al. 2015, 2018).

The up-time is split by the planner (``_biomech_schedule.Planner._day``) into *bouts* of
one activity: seated ``sit-rest`` / ``sit-desk`` / ``sit-phone`` / ``sit-meal``, standing
``stand`` and ``walk``, separated by discrete, fully rendered episodes (sit-to-stand and
back, walking with heel strikes, typing bursts with key taps). In every bout each body
part follows its own rotation-vector trajectory about its joint, in its segment frame:

    phi(t) = sum_k v_k * minjerk(t; t_k, T_k)  +  env(t) * sum_j a_j sin(2 pi f_j t + p_j)

* ``v_k`` are minimum-jerk movements (Flash & Hogan 1985), one at a time per part: on
  entering the bout the part moves to the bout's resting pose (forearm raised to hold a
  phone or to work at a counter, legs crossed, trunk leaning to the desk), then
  *excursions* (reach, hand to mouth, gesture: out, hold, back) and *shifts* of the
  resting pose (postural adjustments) follow as a Poisson process, and the part returns
  to the base posture (phi = 0) before the bout ends, so the episodes between bouts start
  from the posture they were resolved with. Movement time grows with amplitude
  (0.35 s + 9 ms/deg, x0.75-1.3: a Fitts-type relation; a 60 deg reach takes ~0.9 s,
  peak angular velocity ~120 deg/s).
* the sinusoids are the slow drift (0.01-0.15 Hz) and the small fast fidget (0.3-2 Hz) of
  a part that is never held perfectly still, ramped in and out at the bout edges.

The orientation of a location on the part is ``R(t) = R_base(t) Exp(frac * phi(t))``
(``R_base``: the posture and any discrete episode); the sensor therefore reads its
gravity projection rotated by ``Exp(-frac phi)`` plus the linear acceleration of the
sensor point, ``Exp(-phi) d2/dt2 [Exp(phi) r]`` (tangential and centripetal terms, by
central differences over +-2 ms), ``r`` at an effective lever from the joint. Postural
tremor (7-11 Hz, 2-12 mg: normative postural tremor 1.5-35 mg) is added to an
unsupported arm (phone, meal, standing work) with the strap and front-end gains at its
frequency.

This layer is computed at the sampling instants, like breathing: its content lies below
~3 Hz (tremor excepted, which gets its exact sinusoidal gains), where the strap
(12-35 Hz) and front ends pass the signal within a few per cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation._biomech_body import EX, EZ, loc_kind, part_family
from simulation._biomech_config import BiomechConfig
from simulation._biomech_events import LU, RI, U
from simulation._biomech_motion import G, min_jerk

Range = tuple[float, float]

SIT_KINDS = ("sit-rest", "sit-desk", "sit-phone", "sit-meal")
BOUT_KINDS = (*SIT_KINDS, "stand", "walk")
PARTS = ("head", "trunk", "arm-left", "arm-right", "leg-left", "leg-right")


@dataclass(frozen=True)
class Bout:
    """One activity while up, [t0, t1] s from the recording start."""

    kind: str
    t0: float
    t1: float


@dataclass(frozen=True)
class Motor:
    """How one body-part family moves during one kind of bout (ranges drawn per bout)."""

    rate: Range
    """Movements (excursions + shifts) per minute."""
    excursion: float
    """Share of movements that go out and come back (the rest shift the resting pose)."""
    amp_deg: Range
    """Size of an excursion, deg (log-uniform)."""
    shift_deg: float
    """Standard deviation of the resting pose about the bout's home, per axis, deg."""
    hold_s: Range
    """Hold at the far point of an excursion, s (log-uniform)."""
    slow_deg: Range
    """Amplitude of the slow drift (0.01-0.15 Hz), deg."""
    fast_deg: Range
    """Amplitude of the small fast fidget (0.3-2 Hz), deg."""
    home_deg: Range
    """Resting pose of the bout away from the base posture, deg."""
    flex: float = 0.0
    """Probability that a home / an excursion is a flexion (arm: elbow flexion raising the
    hand; trunk: leaning forward; head: looking down) rather than a random direction."""
    tremor: bool = False


#: Rotation-axis weights per family, segment frame (x long axis, y, z out of the skin):
#: forearm pronation-supination / flexion / sideways; shank roll / pitch (knee) / yaw;
#: trunk axial twist / flexion / side bend; head turn / nod / tilt.
AXES = {"arm": (0.45, 0.45, 0.25), "leg": (0.15, 0.6, 0.4), "trunk": (0.25, 0.7, 0.35),
        "head": (0.6, 0.6, 0.3)}

#: Rotation vector of "flexion" per family, segment frame (see ``Motor.flex``).
FLEX_AXIS = {"arm": np.array([0.15, -1.0, 0.0]), "leg": np.array([0.0, -1.0, 0.0]),
             "trunk": np.array([0.0, -1.0, 0.0]), "head": np.array([0.0, -1.0, 0.0])}

_Z: Range = (0.0, 0.0)

#: Movement profiles: bout kind -> family -> Motor. Design ranges (no published
#: per-gesture rates for free living exist); calibrated so that the wrist's 5 s epoch
#: angle change while up matches two real free-living ActiGraph days (see the docs).
PROFILES: dict[str, dict[str, Motor]] = {
    "sit-rest": {
        "arm": Motor((0.1, 1.0), 0.5, (5.0, 60.0), 5.0, (0.5, 15.0), (0.02, 0.3), (0.01, 0.1),
                     (0.0, 25.0)),
        "leg": Motor((0.05, 0.4), 0.3, (4.0, 25.0), 8.0, (1.0, 15.0), (0.02, 0.2), _Z,
                     (0.0, 30.0)),
        "trunk": Motor((0.05, 0.3), 0.4, (3.0, 15.0), 3.0, (1.0, 8.0), (0.02, 0.2), _Z,
                       (0.0, 15.0)),
        "head": Motor((0.3, 1.5), 0.8, (4.0, 25.0), 4.0, (0.5, 6.0), (0.1, 1.0), (0.05, 0.3),
                      (0.0, 15.0)),
    },
    "sit-desk": {
        "arm": Motor((0.8, 3.0), 0.6, (8.0, 60.0), 4.0, (0.5, 10.0), (0.1, 0.8), (0.2, 1.0),
                     (0.0, 25.0), flex=0.3),
        "leg": Motor((0.1, 0.6), 0.3, (4.0, 25.0), 8.0, (1.0, 15.0), (0.05, 0.3), (0.0, 0.2),
                     (0.0, 30.0)),
        "trunk": Motor((0.1, 0.6), 0.5, (3.0, 15.0), 3.0, (1.0, 8.0), (0.1, 0.5), (0.02, 0.1),
                       (0.0, 15.0), flex=0.6),
        "head": Motor((0.5, 2.5), 0.8, (4.0, 25.0), 4.0, (0.5, 6.0), (0.2, 1.0), (0.1, 0.5),
                      (5.0, 25.0), flex=0.7),
    },
    "sit-phone": {
        "arm": Motor((0.6, 2.5), 0.5, (8.0, 45.0), 5.0, (0.5, 5.0), (0.2, 2.0), (0.3, 1.5),
                     (30.0, 70.0), flex=0.9, tremor=True),
        "leg": Motor((0.1, 0.5), 0.3, (4.0, 25.0), 8.0, (1.0, 15.0), (0.05, 0.3), _Z,
                     (0.0, 30.0)),
        "trunk": Motor((0.1, 0.4), 0.4, (3.0, 12.0), 3.0, (1.0, 8.0), (0.1, 0.5), _Z,
                       (0.0, 15.0), flex=0.5),
        "head": Motor((0.3, 1.5), 0.7, (3.0, 20.0), 3.0, (0.5, 6.0), (0.2, 1.0), (0.05, 0.3),
                      (15.0, 35.0), flex=0.9),
    },
    "sit-meal": {
        "arm": Motor((1.5, 4.0), 0.85, (20.0, 90.0), 6.0, (0.5, 4.0), (0.5, 2.5), (0.5, 2.0),
                     (0.0, 20.0), flex=0.7, tremor=True),
        "leg": Motor((0.1, 0.5), 0.3, (4.0, 25.0), 8.0, (1.0, 15.0), (0.05, 0.3), _Z,
                     (0.0, 30.0)),
        "trunk": Motor((0.3, 1.2), 0.7, (3.0, 15.0), 3.0, (0.5, 4.0), (0.1, 0.6), (0.05, 0.2),
                       (0.0, 12.0), flex=0.7),
        "head": Motor((0.5, 2.0), 0.8, (4.0, 25.0), 4.0, (0.5, 4.0), (0.2, 1.0), (0.1, 0.5),
                      (5.0, 25.0), flex=0.7),
    },
    "stand": {
        "arm": Motor((1.5, 5.0), 0.7, (10.0, 80.0), 8.0, (0.5, 12.0), (1.0, 4.0), (0.5, 3.0),
                     (0.0, 90.0), flex=0.6, tremor=True),
        "leg": Motor((0.5, 2.0), 0.5, (2.0, 15.0), 3.0, (1.0, 10.0), (0.2, 1.0), (0.05, 0.3),
                     (0.0, 6.0)),
        "trunk": Motor((0.3, 1.5), 0.7, (5.0, 50.0), 3.0, (0.5, 5.0), (0.2, 1.0), (0.05, 0.3),
                       (0.0, 10.0), flex=0.8),
        "head": Motor((0.5, 2.5), 0.8, (4.0, 30.0), 4.0, (0.5, 5.0), (0.3, 1.5), (0.1, 0.5),
                      (0.0, 25.0), flex=0.6),
    },
    "walk": {
        "arm": Motor((0.3, 1.5), 1.0, (10.0, 60.0), 3.0, (2.0, 10.0), (0.5, 2.0), _Z,
                     (0.0, 10.0), flex=0.7),
        "leg": Motor(_Z, 0.0, (1.0, 1.0), 0.0, (1.0, 1.0), _Z, _Z, _Z),
        "trunk": Motor(_Z, 0.0, (1.0, 1.0), 0.0, (1.0, 1.0), (0.1, 0.5), _Z, (0.0, 5.0)),
        "head": Motor((0.5, 2.0), 0.9, (5.0, 40.0), 3.0, (0.5, 3.0), (0.2, 1.0), _Z,
                      (0.0, 15.0)),
    },
}

#: Location kind -> (fraction of the part's rotation the segment follows, lever from the
#: effective joint as a fraction of height). Hand use mixes elbow and shoulder: the wrist
#: lever lies between the elbow's 0.14 H and the shoulder's 0.32 H; the upper arm and
#: thigh follow half of their limb's movement.
LAYER_COUPLING = {"wrist": (1.0, 0.20), "upper-arm": (0.5, 0.12), "ankle": (1.0, 0.30),
                  "thigh": (0.5, 0.15), "trunk": (1.0, 0.20), "head": (1.0, 0.08)}

#: Per-bout factor on the movement rate (log-uniform): the same activity is calm one time
#: and busy the next.
VIGOUR: Range = (0.33, 3.0)
TREMOR_HZ: Range = (7.0, 11.0)
TREMOR_MG: Range = (2.0, 12.0)
SLOW_HZ: Range = (0.01, 0.15)
FAST_HZ: Range = (0.3, 2.0)
FD_S = 0.01
CHUNK = 200_000


# --- planning helpers ----------------------------------------------------------------
def walk_bout_s(rng: np.random.Generator, cfg: BiomechConfig) -> float:
    lo, hi = cfg.walk_bout_s
    mid = min(max(60.0, lo), hi)
    return LU(rng, (lo, mid)) if rng.random() < 0.8 else LU(rng, (mid, hi))


def sit_bouts(rng: np.random.Generator, cfg: BiomechConfig, t0: float, t1: float) -> list[Bout]:
    """A seated spell split into 1-3 activities (each >= 1 min)."""
    n = max(1, min(RI(rng, (1, 3)), int((t1 - t0) // 60)))
    w = np.asarray(cfg.sit_weights, float)
    cuts = np.sort(rng.uniform(t0, t1, n - 1)) if n > 1 else np.zeros(0)
    edges = [t0, *[c for c in cuts], t1]
    out: list[Bout] = []
    prev = ""
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if out and b - a < 60:
            out[-1] = Bout(out[-1].kind, out[-1].t0, b)
            continue
        kind = prev
        while kind == prev:
            kind = SIT_KINDS[int(rng.choice(len(SIT_KINDS), p=w / w.sum()))]
            if len(SIT_KINDS) == 1 or w.astype(bool).sum() == 1:
                break
        out.append(Bout(kind, a, b))
        prev = kind
    return out


# --- trajectories ------------------------------------------------------------------------
def _move_time(rng: np.random.Generator, amp_deg: np.ndarray) -> np.ndarray:
    T = (0.35 + 0.009 * amp_deg) * rng.uniform(0.75, 1.3, np.shape(amp_deg))
    return np.clip(T, 0.25, 2.5)


def _directions(rng: np.random.Generator, fam: str, n: int, flex: float) -> np.ndarray:
    w = np.asarray(AXES[fam])
    d = rng.normal(size=(n, 3)) * w
    fl = rng.random(n) < flex
    if fl.any():
        d[fl] = FLEX_AXIS[fam] + 0.25 * rng.normal(size=(int(fl.sum()), 3)) * w
    return d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)


@dataclass
class _Wander:
    t0: float
    t1: float
    ramp: float
    freqs: np.ndarray   # (m, 3) Hz
    amps: np.ndarray    # (m, 3) rad
    phases: np.ndarray  # (m, 3)


@dataclass
class PartPlan:
    """Minimum-jerk movements (one at a time) and per-bout drift of one body part."""

    starts: np.ndarray
    durs: np.ndarray
    vecs: np.ndarray
    cum: np.ndarray
    wander: dict[int, _Wander] = field(default_factory=dict)
    tremor: dict[int, tuple[float, float, np.ndarray]] = field(default_factory=dict)
    """bout index -> (frequency Hz, amplitude g, unit direction in the sensor frame)."""

    def phi(self, bout: int, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rotation vector (segment frame, rad) at times ``t`` inside bout ``bout``, and its
        first and second time derivatives."""
        n = len(t)
        if len(self.starts):
            k = np.searchsorted(self.starts, t, side="right") - 1
            kk = np.maximum(k, 0)
            T = self.durs[kk]
            s = np.clip((t - self.starts[kk]) / T, 0.0, 1.0)
            s2 = s * s
            q = s2 * (1 - s) ** 2
            v = self.vecs[kk]
            v[k < 0] = 0.0
            out = self.cum[kk] + v * (s2 * s * (10 - 15 * s + 6 * s2))[:, None]
            out[k < 0] = 0.0
            d1 = v * (30 * q / T)[:, None]
            d2 = v * (60 * s * (1 - s) * (1 - 2 * s) / (T * T))[:, None]
        else:
            out, d1, d2 = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, 3))
        w = self.wander.get(bout)
        if w is not None:
            e0, e1, e2 = _mj3(t, w.t0, w.ramp)
            f0, f1, f2 = _mj3(t, w.t1 - w.ramp, w.ramp)
            e0, e1, e2 = e0 - f0, e1 - f1, e2 - f2
            o0, o1, o2 = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, 3))
            tr = (t - w.t0)[:, None]
            for j in range(len(w.freqs)):
                om = 2 * np.pi * w.freqs[j]
                arg = om * tr + w.phases[j]
                a32 = arg.astype(np.float32)   # |arg| < 1e5 rad: phase error < 4e-3 rad
                sn, cs = np.sin(a32), np.cos(a32)
                o0 += w.amps[j] * sn
                o1 += (w.amps[j] * om) * cs
                o2 -= (w.amps[j] * om * om) * sn
            out += e0[:, None] * o0
            d1 += e1[:, None] * o0 + e0[:, None] * o1
            d2 += e2[:, None] * o0 + 2 * e1[:, None] * o1 + e0[:, None] * o2
        return out, d1, d2


def _mj3(t: np.ndarray, t0: float, T: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-jerk 0 -> 1 step and its first two derivatives."""
    s = np.clip((t - t0) / T, 0.0, 1.0)
    s2 = s * s
    return (s2 * s * (10 - 15 * s + 6 * s2), 30 * s2 * (1 - s) ** 2 / T,
            60 * s * (1 - s) * (1 - 2 * s) / (T * T))


def _bout_steps(rng: np.random.Generator, m: Motor, fam: str, b: Bout, scale: float
                ) -> tuple[list[float], list[float], list[np.ndarray]]:
    """Entry to the bout's home, excursions and shifts, return to the base posture."""
    D = b.t1 - b.t0
    if D < 8.0:
        return [], [], []
    rad = np.pi / 180
    home_mag = U(rng, m.home_deg)
    home = _directions(rng, fam, 1, m.flex)[0] * home_mag * rad
    T_in = float(_move_time(rng, np.array(home_mag)))
    s0 = b.t0 + U(rng, (0.3, min(3.0, 0.1 * D)))
    starts, durs, vecs = [s0], [T_in], [home]
    cur = s0 + T_in
    lam = U(rng, m.rate) * scale * LU(rng, VIGOUR) / 60.0
    last_home = home
    if lam > 0 and m.amp_deg[1] > 0:
        nmax = int(lam * D * 1.5) + 8
        exc = rng.random(nmax) < m.excursion
        gaps = rng.exponential(1 / lam, nmax)
        amps = np.exp(rng.uniform(np.log(m.amp_deg[0]), np.log(m.amp_deg[1]), nmax))
        u = _directions(rng, fam, nmax, m.flex) * (amps * rad)[:, None]
        sd = np.where(exc, 0.3, 1.0) * m.shift_deg * rad
        homes = home + rng.normal(size=(nmax, 3)) * sd[:, None] * np.asarray(AXES[fam]) / 0.6
        prev = np.vstack([home, homes[:-1]])
        dh = homes - prev
        dh_deg = np.linalg.norm(dh, axis=1) / rad
        T1 = np.where(exc, _move_time(rng, amps), _move_time(rng, dh_deg))
        back = dh - u
        T2 = np.where(exc, _move_time(rng, np.linalg.norm(back, axis=1) / rad), 0.0)
        hold = np.where(exc, np.exp(rng.uniform(np.log(m.hold_s[0]), np.log(m.hold_s[1]), nmax)),
                        0.0)
        L = T1 + hold + T2
        st = cur + np.cumsum(gaps) + np.concatenate([[0.0], np.cumsum(L)[:-1]])
        end_ok = st + L
        # room for the return to the base posture before the bout ends
        T_out_max = float(_move_time(rng, np.array(m.home_deg[1] + 3 * m.shift_deg))) * 1.3 + 0.5
        keep = end_ok < b.t1 - T_out_max
        nk = int(np.argmin(keep)) if not keep.all() else nmax
        for i in range(nk):
            if exc[i]:
                starts += [float(st[i]), float(st[i] + T1[i] + hold[i])]
                durs += [float(T1[i]), float(T2[i])]
                vecs += [u[i], back[i]]
            else:
                starts.append(float(st[i]))
                durs.append(float(T1[i]))
                vecs.append(dh[i])
        if nk:
            last_home = homes[nk - 1]
            cur = float(end_ok[nk - 1])
    mag = float(np.linalg.norm(last_home) / rad)
    T_out = float(_move_time(rng, np.array(mag)))
    s_out = max(cur + 0.2, b.t1 - T_out - U(rng, (0.2, 1.5)))
    if s_out + T_out > b.t1 - 0.05:
        T_out = max(0.25, b.t1 - 0.05 - s_out)
    starts.append(s_out)
    durs.append(T_out)
    vecs.append(-last_home)
    return starts, durs, vecs


def _wander(rng: np.random.Generator, m: Motor, fam: str, b: Bout) -> _Wander | None:
    if m.slow_deg[1] <= 0 and m.fast_deg[1] <= 0:
        return None
    w = np.asarray(AXES[fam]) / max(AXES[fam])
    rad = np.pi / 180
    fr, am = [], []
    for rng_hz, amp in ((SLOW_HZ, m.slow_deg), (FAST_HZ, m.fast_deg)):
        if amp[1] <= 0:
            continue
        a = U(rng, amp) * rad
        for _ in range(2):
            fr.append(np.exp(rng.uniform(np.log(rng_hz[0]), np.log(rng_hz[1]), 3)))
            am.append(a * w * rng.uniform(0.4, 1.0, 3) / np.sqrt(2))
    if not fr:
        return None
    ramp = min(3.0, (b.t1 - b.t0) / 4)
    return _Wander(b.t0, b.t1, ramp, np.array(fr), np.array(am),
                   rng.uniform(0, 2 * np.pi, (len(fr), 3)))


class DayLayer:
    """The continual movement of every body part over all up-time bouts."""

    def __init__(self, bouts: list[Bout], plans: dict[str, PartPlan]):
        self.bouts = bouts
        self.plans = plans

    @classmethod
    def build(cls, rng: np.random.Generator, cfg: BiomechConfig, bouts: list[Bout],
              parts: list[str]) -> DayLayer:
        bouts = sorted(bouts, key=lambda b: b.t0)
        seeds = rng.integers(0, 2**63 - 1, len(PARTS))
        plans: dict[str, PartPlan] = {}
        for part, sd in zip(PARTS, seeds, strict=True):
            if part not in parts:
                continue
            r = np.random.default_rng(int(sd))
            fam = part_family(part)
            S: list[float] = []
            Dd: list[float] = []
            V: list[np.ndarray] = []
            wander: dict[int, _Wander] = {}
            tremor: dict[int, tuple[float, float, np.ndarray]] = {}
            for i, b in enumerate(bouts):
                m = PROFILES[b.kind][fam]
                if cfg.day_activity > 0:
                    s, d, v = _bout_steps(r, m, fam, b, cfg.day_activity)
                    S += s
                    Dd += d
                    V += v
                    w = _wander(r, m, fam, b)
                    if w is not None:
                        wander[i] = w
                if m.tremor and b.t1 - b.t0 > 4:
                    tv = r.normal(size=3)
                    tremor[i] = (U(r, TREMOR_HZ), LU(r, TREMOR_MG) / 1000,
                                 tv / np.linalg.norm(tv))
            if S:
                order = np.argsort(S, kind="stable")
                starts = np.asarray(S)[order]
                durs = np.asarray(Dd)[order]
                vecs = np.asarray(V)[order]
                cum = np.vstack([np.zeros(3), np.cumsum(vecs, axis=0)[:-1]])
            else:
                starts = durs = np.zeros(0)
                vecs = cum = np.zeros((0, 3))
            plans[part] = PartPlan(starts, durs, vecs, cum, wander, tremor)
        return cls(bouts, plans)

    def apply(self, location: str, part: str, sm, height_m: float, t: np.ndarray,
              f: np.ndarray, g_bg: np.ndarray) -> list[tuple[int, float]]:
        """Rotate the specific force ``f`` (and the background gravity ``g_bg``) of one
        sensor by its part's movement and add the linear acceleration, in place, bout by
        bout and in chunks. Returns (bout index, peak linear acceleration in g)."""
        plan = self.plans.get(part)
        if plan is None:
            return []
        frac, lev = LAYER_COUPLING[loc_kind(location)]
        r = EX * lev * height_m + 0.03 * EZ
        M = sm.R_mount
        gains = _tremor_gains(sm)
        out = []
        for bi, b in enumerate(self.bouts):
            i0, i1 = np.searchsorted(t, [b.t0, b.t1])
            if i1 <= i0:
                continue
            peak = 0.0
            for c0 in range(i0, i1, CHUNK):
                c1 = min(i1, c0 + CHUNK)
                tc = t[c0:c1]
                n = len(tc)
                phi, d1, d2 = plan.phi(bi, tc)
                phi *= frac
                # the point's acceleration d2/dt2 [Exp(phi(t)) r] by central differences over
                # +-FD_S on the second-order expansion of phi (exact to O(FD_S^2))
                half = (0.5 * FD_S * FD_S * frac) * d2
                step = (FD_S * frac) * d1
                ph3 = np.concatenate([phi - step + half, phi, phi + step + half])
                ca, cb = _coef(ph3)
                p3 = _rot(ph3, ca, cb, np.broadcast_to(r, (3 * n, 3)))
                a_base = (p3[2 * n:] - 2 * p3[n:2 * n] + p3[:n]) / (FD_S * FD_S)
                ca, cb = ca[n:2 * n], cb[n:2 * n]       # |psi| = |phi|: same coefficients
                a_seg = _rot(-phi, ca, cb, a_base)
                psi = phi @ M                            # rotation vector, sensor frame
                lin = (a_seg @ M) / G
                tr = plan.tremor.get(bi)
                if tr is not None and tr[1] > 0:
                    fz, amp, d = tr
                    env = min_jerk(tc, b.t0, 1.0) - min_jerk(tc, b.t1 - 1.0, 1.0)
                    ph = 2 * np.pi * fz * tc
                    osc = (0.6 * np.sin(ph) + 0.25 * np.sin(1.04 * ph + 1.3)
                           + 0.15 * np.sin(0.95 * ph + 2.1))
                    lin += (amp * env * osc)[:, None] * (d * gains(fz))[None, :]
                f[c0:c1] = _rot(-psi, ca, cb, f[c0:c1]) + lin
                g_bg[c0:c1] = _rot(-psi, ca, cb, g_bg[c0:c1])
                peak = max(peak, float(np.sqrt((lin * lin).sum(axis=1).max())))
            out.append((bi, peak))
        return out


def _tremor_gains(sm):
    """Strap transmissibility per sensor axis x front-end gain at frequency f (Hz)."""
    def gains(f: float) -> np.ndarray:
        if sm.ideal:
            return np.ones(3)
        w = 2 * np.pi * f
        g = []
        for fn in sm.strap_hz:
            wn = 2 * np.pi * float(fn)
            z = sm.strap_zeta
            num = np.hypot(wn * wn, 2 * z * wn * w)
            den = np.hypot(wn * wn - w * w, 2 * z * wn * w)
            g.append(num / den)
        fe = 1.0
        if sm.front_end == "integrate":
            fe = abs(np.sinc(f / sm.fs))
        elif sm.front_end == "lowpass":
            fe = 1 / np.sqrt(1 + (f / sm.lp_cut) ** (2 * sm.lp_order))
        return np.asarray(g) * fe
    return gains


def _coef(phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rodrigues coefficients sin(th)/th and (1 - cos th)/th^2 of rotation vectors (n, 3)
    (float32 trig: relative error ~1e-7, no cancellation at small angles)."""
    th = np.sqrt((phi * phi).sum(axis=1)).astype(np.float32) / np.float32(np.pi)
    a = np.sinc(th).astype(np.float64)
    h = np.sinc(0.5 * th).astype(np.float64)
    return a, 0.5 * h * h


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def _rot(phi: np.ndarray, a: np.ndarray, b: np.ndarray, v: np.ndarray) -> np.ndarray:
    c1 = _cross(phi, v)
    return v + a[:, None] * c1 + b[:, None] * _cross(phi, c1)


def rotvec(phi: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (n, 3) by rotation vectors ``phi`` (n, 3) (Rodrigues)."""
    a, b = _coef(phi)
    return _rot(phi, a, b, np.broadcast_to(v, phi.shape))
