"""Motion primitives and the continuous kinematics of one sensor point.

A movement of one body part is a chain of rotations of its segment about a joint
(pivot) plus optional translational accelerations of the whole segment (impacts,
heel strikes, walking bounce). For a sensor point at lever ``r0`` from the pivot,

    R(t) = Rot(a_1, th_1(t)) ... Rot(a_k, th_k(t)) R0,      p(t) = (same chain) r0,

and the accelerometer measures the specific force in its own frame

    f = R_m^T R(t)^T (p''(t) + a_extra(t) + g e_z) / g,

i.e. the gravity projection plus the linear acceleration of the sensor point, whose
second derivative contains the tangential (alpha x r) and centripetal
(omega x (omega x r)) terms of the rotation. p'' is taken by central differences on the
fine internal grid (1 kHz by default; error O(h^2), negligible below 50 Hz).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from simulation._biomech_body import EZ, rotate

G = 9.80665
Fn = Callable[[np.ndarray], np.ndarray]


# --- time profiles (vectorised, constant outside their span) -----------------------
def min_jerk(t: np.ndarray, t0: float, T: float) -> np.ndarray:
    """Minimum-jerk 0 -> 1 transition starting at t0 and lasting T s (Flash & Hogan 1985)."""
    s = np.clip((t - t0) / max(T, 1e-6), 0.0, 1.0)
    return s * s * s * (10 - 15 * s + 6 * s * s)


@dataclass(frozen=True)
class Steps:
    """Sum of minimum-jerk steps: angle(t) = sum_i d_i * minjerk(t; t_i, T_i)."""

    t0s: tuple[float, ...]
    durs: tuple[float, ...]
    deltas: tuple[float, ...]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros_like(t, dtype=float)
        for a, d, v in zip(self.t0s, self.durs, self.deltas, strict=False):
            out += v * min_jerk(t, a, d)
        return out

    @property
    def final(self) -> float:
        return float(sum(self.deltas))


@dataclass(frozen=True)
class Oscillation:
    """amp * envelope(t) * sum_k w_k sin(2 pi f_k (t - t0) + ph_k); envelope ramps in/out.

    Zero before t0 and after t1, so it leaves the segment where it found it.
    """

    t0: float
    t1: float
    freqs: tuple[float, ...]
    weights: tuple[float, ...]
    phases: tuple[float, ...]
    amp: float
    ramp: float = 0.2

    def __call__(self, t: np.ndarray) -> np.ndarray:
        ramp = min(self.ramp, (self.t1 - self.t0) / 2)
        env = min_jerk(t, self.t0, ramp) - min_jerk(t, self.t1 - ramp, ramp)
        tt = t - self.t0
        s = np.zeros_like(t, dtype=float)
        for f, w, p in zip(self.freqs, self.weights, self.phases, strict=False):
            s += w * np.sin(2 * np.pi * f * tt + p)
        return self.amp * env * s


@dataclass(frozen=True)
class Tabulated:
    """Values on a grid, linearly interpolated, held constant outside (first/last value)."""

    t: np.ndarray
    v: np.ndarray

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.t, self.v)

    @property
    def final(self) -> float:
        return float(self.v[-1])


@dataclass(frozen=True)
class Sum:
    parts: tuple[Fn, ...]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        out = self.parts[0](t)
        for p in self.parts[1:]:
            out = out + p(t)
        return out


# --- translational accelerations (world or segment frame), m/s^2 -------------------
@dataclass(frozen=True)
class Landing:
    """A limb (or the body) dropping onto the mattress and stopping.

    The segment accelerates downwards (smooth drop, ``t_drop`` s) to the impact velocity
    v0 = 2 A T / pi, then the mattress stops it with a half-sine deceleration of peak
    ``A`` (m/s^2) and duration ``T``, followed by a small damped rebound of the
    mattress-limb spring (``f_reb`` Hz, 25 % of A).
    """

    t_impact: float
    A: float
    T: float
    t_drop: float
    f_reb: float
    direction: np.ndarray = field(default_factory=lambda: EZ.copy())

    def __call__(self, t: np.ndarray) -> np.ndarray:
        v0 = 2 * self.A * self.T / np.pi
        td0 = self.t_impact - self.t_drop
        # drop: velocity 0 -> -v0 along a min-jerk ramp => acc = -v0 * d/dt minjerk
        s = np.clip((t - td0) / self.t_drop, 0, 1)
        drop = -v0 * (30 * s**2 - 60 * s**3 + 30 * s**4) / self.t_drop
        tau = t - self.t_impact
        imp = np.where((tau >= 0) & (tau <= self.T), self.A * np.sin(np.pi * tau / self.T), 0.0)
        tr = tau - self.T
        w = 2 * np.pi * self.f_reb
        trc = np.clip(tr, 0.0, None)
        reb = np.where(tr > 0, -0.25 * self.A * np.exp(-0.35 * w * trc) * np.sin(w * trc), 0.0)
        return (drop + imp + reb)[:, None] * self.direction[None, :]


@dataclass(frozen=True)
class PulseTrain:
    """Damped-sine transients at given times (heel strikes, finger taps, knocks).

    Each pulse: amp * exp(-tau/decay) * sin(2 pi f tau) for tau >= 0, or a half-sine of
    duration ``1/(2f)`` when decay <= 0. Only the two most recent pulses are summed at any
    time (pulses last far shorter than their spacing).
    """

    times: np.ndarray
    amps: np.ndarray
    freq: float
    decay: float
    direction: np.ndarray

    def __call__(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros(len(t))
        if len(self.times) == 0:
            return out[:, None] * self.direction[None, :]
        idx = np.searchsorted(self.times, t, side="right") - 1
        for back in (0, 1):
            j = idx - back
            ok = j >= 0
            jj = np.where(ok, j, 0)
            tau = t - self.times[jj]
            if self.decay > 0:
                tc = np.clip(tau, 0.0, 50 * self.decay)
                v = self.amps[jj] * np.exp(-tc / self.decay) * np.sin(2 * np.pi * self.freq * tc)
                v = np.where(ok & (tau >= 0) & (tau < 8 * self.decay), v, 0.0)
            else:
                half = 0.5 / self.freq
                v = np.where(ok & (tau >= 0) & (tau <= half),
                             self.amps[jj] * np.sin(np.pi * tau / half), 0.0)
            out += v
        return out[:, None] * self.direction[None, :]


@dataclass(frozen=True)
class Vibration:
    """Narrow-band oscillation (tremor, walking bounce) along ``direction``, m/s^2."""

    osc: Oscillation
    direction: np.ndarray

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.osc(t)[:, None] * self.direction[None, :]


# --- resolved motion of one location -----------------------------------------------
@dataclass
class LocMotion:
    """World-fixed kinematics of one sensor location during one episode."""

    location: str
    t0: float
    t1: float
    R0: np.ndarray
    r0: np.ndarray
    rots: list[tuple[np.ndarray, Fn]]
    extra: list[Fn]
    fine_fs: float
    episode: int
    R1: np.ndarray = field(default=None)  # type: ignore[arg-type]
    direct: list[Fn] = field(default_factory=list)
    """Accelerations of forces acting on the sensor itself (a knock on the case), world."""

    def orientation_at_end(self) -> np.ndarray:
        from simulation._biomech_body import rotmat

        R = self.R0
        for axis, th in reversed(self.rots):
            R = rotmat(axis, float(th(np.array([self.t1 + 10.0]))[0])) @ R
        return R

    def kinematics(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Gravity direction (unit, segment frame), linear acceleration of the sensor point
        and direct acceleration of the sensor mass (segment frame, m/s^2; None if none) at
        times ``t`` (an evenly spaced grid)."""
        n = len(t)
        h = t[1] - t[0] if n > 1 else 1e-3
        te = np.concatenate([[t[0] - h], t, [t[-1] + h]])
        thetas_e = [th(te) for _, th in self.rots]
        p = np.broadcast_to(self.r0, (n + 2, 3)).copy()
        for (axis, _), th in zip(reversed(self.rots), reversed(thetas_e), strict=False):
            p = rotate(p, axis, th)
        a = (p[2:] - 2 * p[1:-1] + p[:-2]) / (h * h)
        for e in self.extra:
            a = a + e(t)
        g = np.broadcast_to(EZ, (n, 3)).copy()
        d = None
        if self.direct:
            d = self.direct[0](t)
            for e in self.direct[1:]:
                d = d + e(t)
        for (axis, _), th in zip(self.rots, thetas_e, strict=False):
            g = rotate(g, axis, -th[1:-1])
            a = rotate(a, axis, -th[1:-1])
            if d is not None:
                d = rotate(d, axis, -th[1:-1])
        return g @ self.R0, a @ self.R0, (None if d is None else d @ self.R0)
