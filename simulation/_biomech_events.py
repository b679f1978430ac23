"""Episodes: hypnic jerks and look-alike movements as body-part motions.

An :class:`Episode` says what each involved body part does, in segment-relative terms
(rotations about segment axes, moves to a new pose, translational accelerations). The
:func:`resolve` pass walks the episodes in time order, keeps every location's current
segment orientation and turns each part motion into world-fixed :class:`LocMotion`
kinematics for every location on that part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import signal

from simulation._biomech_body import (
    EX,
    EY,
    EZ,
    PART_JOINTS,
    Body,
    axis_angle,
    classify_pattern,
    frame,
    loc_kind,
    lying_pose,
    part_family,
    rotmat,
    upright_pose,
)
from simulation._biomech_config import BiomechConfig
from simulation._biomech_motion import (
    Fn,
    G,
    Landing,
    LocMotion,
    Oscillation,
    PulseTrain,
    Steps,
    Sum,
    Tabulated,
    Vibration,
    min_jerk,
)

SEG_Y = EY
SEG_Z = EZ


def U(rng: np.random.Generator, r: tuple[float, float]) -> float:
    return float(rng.uniform(r[0], r[1])) if r[1] > r[0] else float(r[0])


def LU(rng: np.random.Generator, r: tuple[float, float]) -> float:
    if r[1] <= r[0]:
        return float(r[0])
    return float(np.exp(rng.uniform(np.log(r[0]), np.log(r[1]))))


def RI(rng: np.random.Generator, r: tuple[int, int]) -> int:
    return int(rng.integers(r[0], r[1] + 1))


@dataclass
class State:
    """Body state while resolving: posture, trunk roll and every location's orientation."""

    posture: str
    roll: float
    R: dict[str, np.ndarray]
    seed: int


TargetFn = Callable[[State, str, np.ndarray], np.ndarray]


@dataclass
class PartSpec:
    """What one body part does in an episode."""

    part: str
    joint: str
    rots: list[tuple[np.ndarray, str, Any]] = field(default_factory=list)
    """(axis, 'seg'|'world', angle fn of t in rad)."""
    targets: list[tuple[TargetFn, Any]] = field(default_factory=list)
    """(new-pose fn, 0->1 profile fn of t): move along the geodesic to the new pose."""
    extra: list[tuple[Any, np.ndarray, str]] = field(default_factory=list)
    """(scalar fn of t in m/s^2, direction, 'world'|'seg'|'direct'); 'direct' acts on the
    sensor mass itself (segment-frame direction), not on the limb under the strap."""
    lever_axis: str = "x"
    only_location: str | None = None


@dataclass
class Episode:
    kind: str
    t0: float
    t1: float
    specs: list[PartSpec]
    fine_fs: float
    series_id: int = -1
    jerk_id: int = -1
    info: dict = field(default_factory=dict)
    state_update: Callable[[State], None] | None = None
    margin: float = 1.0

    @property
    def parts(self) -> list[str]:
        return [s.part for s in self.specs]


class _Scalar:
    """Adapter: a (n,3)-valued unit-direction primitive used as a scalar fn."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray]):
        self.fn = fn

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.fn(t) @ self.fn.direction  # type: ignore[attr-defined]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


class _Scaled:
    def __init__(self, fn: Fn, k: float):
        self.fn, self.k = fn, k

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.k * self.fn(t)


class _Directed:
    def __init__(self, fn: Fn, d: np.ndarray):
        self.fn, self.d = fn, d

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.fn(t)[:, None] * self.d[None, :]


def _locations_of(part: str, locations: list[str]) -> list[str]:
    from sensing.recording import LOCATIONS

    return [loc for loc in locations if LOCATIONS.get(loc) == part]


def resolve(episodes: list[Episode], body: Body, state: State,
            locations: list[str]) -> dict[str, list[LocMotion]]:
    """World-fixed kinematics per location, walking the episodes in time order."""
    out: dict[str, list[LocMotion]] = {loc: [] for loc in locations}
    for k, ep in enumerate(sorted(episodes, key=lambda e: e.t0)):
        ep.info.setdefault("episode", k)
        for spec in ep.specs:
            locs = _locations_of(spec.part, locations)
            if spec.only_location is not None:
                locs = [loc for loc in locs if loc == spec.only_location]
            for loc in locs:
                lm = _resolve_one(ep, spec, loc, body, state)
                out[loc].append(lm)
                state.R[loc] = lm.R1
        if ep.state_update is not None:
            ep.state_update(state)
    return out


def _resolve_one(ep: Episode, spec: PartSpec, loc: str, body: Body, state: State) -> LocMotion:
    R0 = state.R[loc]
    frac, lever = body.lever(loc, spec.joint)
    rots: list[tuple[np.ndarray, Fn]] = []
    Rprev = R0
    tgt_rots = []
    for fn, prof in spec.targets:
        Rt = fn(state, loc, Rprev)
        ax, ang = axis_angle(Rt @ Rprev.T)
        tgt_rots.append((ax, _Scaled(prof, ang)))
        Rprev = Rt
    rots.extend(reversed(tgt_rots))  # outermost (last applied) first
    # inner rotations act before the target moves: segment axes of R0 (the targets then
    # carry them along, so they stay segment axes of the moved pose)
    for axis, fr, th in spec.rots:
        ax_w = R0 @ axis if fr == "seg" else np.asarray(axis, float)
        rots.append((_unit(ax_w), th if frac == 1.0 else _Scaled(th, frac)))
    d = EX if spec.lever_axis == "x" else EZ
    r0 = R0 @ (lever * d + 0.03 * EZ)
    extra: list[Fn] = []
    R_dir = R0
    if spec.targets:
        R_dir = spec.targets[0][0](state, loc, R0)
    direct: list[Fn] = []
    for fn, direction, fr in spec.extra:
        dw = R_dir @ direction if fr in ("seg", "direct") else np.asarray(direction, float)
        (direct if fr == "direct" else extra).append(_Directed(fn, _unit(dw)))
    lm = LocMotion(loc, ep.t0, ep.t1, R0, r0, rots, extra, ep.fine_fs, ep.info["episode"],
                   direct=direct)
    lm.R1 = lm.orientation_at_end()
    return lm


# ======================================================================================
# hypnic jerks
# ======================================================================================
#: Approximate maximal isometric joint torques of healthy adults, N m (elbow flexion
#: 50-80, shoulder flexion 60-90, knee extension 150-250, hip flexion 100-200, trunk
#: flexion 100-200, neck flexion 15-30); a jerk's torque is capped at these.
MAX_TORQUE = {"elbow": 60.0, "shoulder": 70.0, "knee": 150.0, "hip": 150.0, "trunk": 150.0,
              "neck": 25.0}


def _draw_parts(rng: np.random.Generator, pattern: str) -> list[str]:
    side = rng.choice(["left", "right"])
    other = "right" if side == "left" else "left"
    if pattern == "focal":
        fam = rng.choice(["arm", "leg", "trunk", "head"], p=[0.45, 0.3, 0.15, 0.1])
        return [fam if fam in ("trunk", "head") else f"{fam}-{side}"]
    if pattern == "segmental":
        opts = [["trunk", "head"], ["trunk", f"arm-{side}"], ["trunk", "arm-left", "arm-right"],
                ["trunk", "head", "arm-left", "arm-right"], ["trunk", f"leg-{side}"],
                ["trunk", "head", f"arm-{side}"]]
        return opts[int(rng.integers(len(opts)))]
    if pattern == "multifocal":
        opts = [["arm-left", "arm-right"], [f"arm-{side}", f"leg-{other}"],
                [f"arm-{side}", f"leg-{side}"], ["leg-left", "leg-right"],
                ["arm-left", "arm-right", f"leg-{side}"], ["head", f"arm-{side}"]]
        return opts[int(rng.integers(len(opts)))]
    parts = ["trunk", "arm-left", "arm-right", "leg-left", "leg-right"]
    if rng.random() < 0.8:
        parts.append("head")
    if rng.random() < 0.25:  # sometimes one limb stays out
        parts.remove(rng.choice(["leg-left", "leg-right", "arm-left", "arm-right"]))
    return parts


def _second_order(u: np.ndarray, f_hz: float, zeta: float, fs: float) -> np.ndarray:
    """theta'' + 2 zeta w theta' + w^2 theta = u (bilinear transform, prewarped)."""
    w = 2 * np.pi * f_hz
    b, a = signal.bilinear([1.0], [1.0, 2 * zeta * w, w * w], fs=fs)
    return signal.lfilter(b, a, u)


def jerk_theta(rng: np.random.Generator, cfg: BiomechConfig, emg_s: float, fs: float,
               lever_m: float, peak_ms2: float, tilt_rad: float, ring: bool,
               inertia: float | None = None, max_torque: float | None = None
               ) -> tuple[Tabulated, dict]:
    """Joint angle (rad) of a segment driven by a brief muscle torque impulse.

    EMG burst (tapered boxcar, ``emg_s``) -> active torque through a critically damped
    activation filter (``activation_ms``) delayed by the electromechanical delay ->
    second-order limb (natural frequency, damping) -> angle. The limb comes to rest
    ``tilt_rad`` away: the resting point follows the excursion (mattress friction holds the
    limb where the jerk took it), i.e. the equilibrium moves with the running maximum of
    the normalised excursion.
    """
    tc = U(rng, cfg.activation_ms) / 1000
    emd = U(rng, cfg.emd_ms) / 1000
    if ring:
        f_n = U(rng, cfg.ring_hz)
        zeta = float(np.clip(3.0 / (2 * np.pi * f_n * U(rng, cfg.ring_s)), 0.08, 0.6))
    else:
        f_n = U(rng, (2.0, 5.0))
        zeta = U(rng, (0.75, 1.1))
    dur = emd + emg_s + 6 * tc + max(1.0, 6 / (2 * np.pi * f_n * zeta)) + 0.3
    n = int(dur * fs)
    t = np.arange(n) / fs
    emg = np.zeros(n)
    i0, i1 = int(emd * fs), int((emd + emg_s) * fs)
    emg[i0:max(i1, i0 + 2)] = signal.windows.tukey(max(i1 - i0, 2), 0.35)
    kt = np.arange(int(8 * tc * fs) + 1) / fs
    twitch = (kt / tc) * np.exp(1 - kt / tc)
    torque = np.convolve(emg, twitch / twitch.sum())[:n]
    th_u = _second_order(torque, f_n, zeta, fs)
    acc_u = np.gradient(np.gradient(th_u, 1 / fs), 1 / fs)
    scale = peak_ms2 / lever_m / max(np.abs(acc_u).max(), 1e-12)
    # the muscles cannot exceed their maximal torque: scale the jerk down if needed
    capped = False
    if inertia is not None and max_torque is not None:
        tq = scale * torque.max() * inertia
        if tq > max_torque:
            scale *= max_torque / tq
            capped = True
    th_imp = scale * th_u
    # The limb comes to rest tilt_rad away: it settles there along a smooth step that starts
    # with the movement and is slow enough not to out-accelerate the jerk itself (a relaxed
    # limb sinking into its new place on the mattress), 0.1-0.6 s.
    a_imp = scale * np.abs(acc_u).max()
    t_set = float(np.clip(np.sqrt(5.77 * abs(tilt_rad) / max(0.5 * a_imp, 1e-9)),
                          max(emg_s, 0.1), 0.6))
    th_tilt = tilt_rad * min_jerk(t, emd, t_set)
    theta = th_imp + th_tilt
    theta[-1] = tilt_rad  # settled
    info = dict(emd_ms=emd * 1000, activation_ms=tc * 1000, ring_hz=f_n, ring_zeta=zeta,
                torque_scale=scale, torque_peak=float(scale * torque.max()), capped=capped)
    return Tabulated(t, theta), info


def jerk_episode(rng: np.random.Generator, cfg: BiomechConfig, body: Body, t: float,
                 jerk_id: int, series_id: int, pattern: str | None = None) -> Episode:
    if pattern is None:
        w = np.asarray(cfg.pattern_weights, float)
        pattern = str(rng.choice(["focal", "segmental", "multifocal", "generalized"],
                                 p=w / w.sum()))
    parts = _draw_parts(rng, pattern)
    pattern = classify_pattern(parts)
    emg_ms = (U(rng, cfg.emg_ms_extreme) if rng.random() < cfg.extreme_prob
              else U(rng, cfg.emg_ms))
    max_d = U(rng, cfg.propagation_ms) / 1000
    order = {"head": 0.0, "trunk": 0.2, "arm-left": 0.4, "arm-right": 0.4,
             "leg-left": 1.0, "leg-right": 1.0}
    rostro = rng.random() < 0.5
    delays = {p: (order[p] * max_d * rng.uniform(0.7, 1.0) if rostro else rng.uniform(0, max_d))
              for p in parts}
    d0 = min(delays.values())
    base_g = LU(rng, cfg.jerk_peak_g)
    tilt_on = rng.random() < cfg.tilt_prob
    ring = rng.random() < cfg.ring_prob
    specs: list[PartSpec] = []
    infos = {}
    t_end = t
    fine = cfg.fine_fs
    for k, p in enumerate(parts):
        fam = part_family(p)
        joint = str(rng.choice(PART_JOINTS[fam])) if fam in ("arm", "leg") else PART_JOINTS[fam][0]
        mult = 1.0 if k == 0 else rng.uniform(0.5, 1.2)
        if fam in ("trunk", "head"):
            mult *= 0.3
        peak_g = max(0.08, base_g * mult)
        _, lever = body.lever({"arm": "wrist-left", "leg": "ankle-left", "trunk": "trunk",
                               "head": "head"}[fam], joint)
        sign = 1.0 if rng.random() < 0.5 else -1.0
        tilt = np.radians(U(rng, cfg.tilt_deg) if tilt_on else rng.uniform(0, 1.0)) * sign
        if fam in ("trunk", "head"):
            tilt *= 0.3  # the axial segments are heavy: a few degrees at most
        th, info = jerk_theta(rng, cfg, emg_ms * rng.uniform(0.85, 1.15) / 1000, fine, lever,
                              peak_g * G, tilt, ring, body.inertia(joint), MAX_TORQUE[joint])
        t0p = t + delays[p] - d0
        th_sh = Tabulated(th.t + t0p, th.v * sign)
        axis = SEG_Y if (fam != "arm" or rng.random() < 0.6) else SEG_Z
        specs.append(PartSpec(p, joint, rots=[(axis, "seg", th_sh)]))
        infos[p] = dict(info, joint=joint, emg_ms=emg_ms, target_g=peak_g,
                        tilt_deg=float(np.degrees(abs(tilt))), delay_ms=(delays[p] - d0) * 1000,
                        torque_nm=info["torque_peak"] * body.inertia(joint))
        t_end = max(t_end, float(th_sh.t[-1]))
    return Episode("jerk", t, t_end, specs, fine, series_id=series_id, jerk_id=jerk_id,
                   info=dict(pattern=pattern, parts=parts, per_part=infos, emg_ms=emg_ms),
                   margin=0.5)


# ======================================================================================
# look-alikes
# ======================================================================================
def _landing(rng: np.random.Generator, cfg: BiomechConfig, t_impact: float,
             scale: float = 1.0) -> tuple[Landing, dict]:
    A = U(rng, cfg.landing_g) * scale
    T = U(rng, cfg.landing_ms) / 1000
    ld = Landing(t_impact, A * G, T, U(rng, (0.1, 0.25)), U(rng, (5.0, 12.0)))
    return ld, dict(impact_g=A, impact_ms=T * 1000, impact_t=t_impact)


def _lying_target(phi_delta: float, idx: int, keep_if_trunk: bool = True) -> TargetFn:
    def fn(state: State, loc: str, Rb: np.ndarray) -> np.ndarray:
        if loc_kind(loc) == "trunk" and keep_if_trunk:
            return rotmat(EX, phi_delta) @ Rb
        rng = np.random.default_rng([state.seed, idx, sum(map(ord, loc))])
        return lying_pose(rng, loc, state.roll + phi_delta)
    return fn


def _upright_target(sitting: bool, idx: int) -> TargetFn:
    def fn(state: State, loc: str, Rb: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([state.seed, idx, sum(map(ord, loc)), 7])
        return upright_pose(rng, loc, sitting)
    return fn


_LIMB_JOINT = {"arm": "shoulder", "leg": "hip", "head": "neck", "trunk": "trunk"}


def rollover_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, idx: int) -> Episode:
    """Whole-body roll about the bed axis; limbs move to a new lying pose and land."""
    T = U(rng, cfg.roll_s)
    ang = np.radians(U(rng, cfg.roll_deg)) * (1 if rng.random() < 0.5 else -1)
    specs = [PartSpec("trunk", "trunk", rots=[(EX, "world", Steps((t,), (T,), (ang,)))],
                      lever_axis="z")]
    info: dict = dict(angle_deg=float(np.degrees(abs(ang))), roll_s=T, impacts={})
    t_end = t + T
    if rng.random() < cfg.landing_prob:
        ld, li = _landing(rng, cfg, t + T, 0.4)
        specs[0].extra.append((_Scalar(ld), EZ, "world"))
        info["impacts"]["trunk"] = li
        t_end = max(t_end, t + T + 0.3)
    for p in ("head", "arm-left", "arm-right", "leg-left", "leg-right"):
        s0 = t + rng.uniform(-0.2, 0.3) * T
        dT = T * rng.uniform(0.6, 1.1)
        s0 = max(s0, t)
        spec = PartSpec(p, _LIMB_JOINT[part_family(p)],
                        targets=[(_lying_target(ang, idx), _MJ(s0, dT))])
        if p != "head" and rng.random() < cfg.landing_prob:
            ld, li = _landing(rng, cfg, s0 + dT)
            spec.extra.append((_Scalar(ld), EZ, "world"))
            info["impacts"][p] = li
        specs.append(spec)
        t_end = max(t_end, s0 + dT + 0.3)

    def upd(state: State, a: float = ang) -> None:
        state.roll += a
    return Episode("posture", t, t_end, specs, cfg.fine_fs, info=info, state_update=upd)


class _MJ:
    def __init__(self, t0: float, T: float):
        self.t0, self.T = t0, T

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return min_jerk(t, self.t0, self.T)


def reposition_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, idx: int,
                       part: str | None = None) -> Episode:
    """One limb moved to a new lying pose (arm under the pillow, leg drawn up), landing."""
    if part is None:
        part = str(rng.choice(["arm-left", "arm-right", "leg-left", "leg-right", "head"],
                              p=[0.35, 0.35, 0.13, 0.13, 0.04]))
    T = U(rng, cfg.reposition_s)
    spec = PartSpec(part, _LIMB_JOINT[part_family(part)],
                    targets=[(_lying_target(0.0, idx), _MJ(t, T))])
    info: dict = dict(impacts={})
    if part != "head" and rng.random() < cfg.landing_prob:
        ld, li = _landing(rng, cfg, t + T)
        spec.extra.append((_Scalar(ld), EZ, "world"))
        info["impacts"][part] = li
    return Episode("posture", t, t + T + 0.3, [spec], cfg.fine_fs, info=info)


def arm_lift_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, idx: int,
                     kind: str = "arm-lift") -> Episode:
    """Arm raised (check the time, pull the blanket), held with tremor, lowered, landing."""
    part = str(rng.choice(["arm-left", "arm-right"]))
    up, hold, down = U(rng, (0.5, 1.5)), U(rng, (1.0, 8.0)), U(rng, (0.5, 1.5))
    elev = np.radians(U(rng, (30, 80)))

    def raised(state: State, loc: str, Rb: np.ndarray) -> np.ndarray:
        x = np.array([0.3 * np.cos(elev), -0.9 * np.cos(elev), np.sin(elev)])
        return frame(x, Rb[:, 2] + 0.5 * EZ)

    spec = PartSpec(part, "shoulder", targets=[(raised, _MJ(t, up)),
                                               (_lying_target(0.0, idx), _MJ(t + up + hold, down))])
    f, a = U(rng, cfg.tremor_hz), LU(rng, (3.0, 15.0)) * G / 1000
    osc = Oscillation(t + up, t + up + hold, (f, f * 1.04, f * 0.95), (0.6, 0.25, 0.15),
                      tuple(rng.uniform(0, 2 * np.pi, 3)), a, 0.3)
    spec.extra.append((osc, _unit(rng.normal(size=3)), "seg"))
    info: dict = dict(impacts={})
    if rng.random() < max(cfg.landing_prob, 0.8):
        ld, li = _landing(rng, cfg, t + up + hold + down)
        spec.extra.append((_Scalar(ld), EZ, "world"))
        info["impacts"][part] = li
    return Episode(kind, t, t + up + hold + down + 0.3, [spec], cfg.fine_fs, info=info)


def plm_series(rng: np.random.Generator, cfg: BiomechConfig, t: float, series_id: int,
               t_max: float) -> list[Episode]:
    """A series of periodic leg movements (AASM: >= 4 movements of 0.5-10 s, onsets 5-90 s
    apart): shank rotation from knee/hip flexion with ankle dorsiflexion, held, released."""
    n = RI(rng, cfg.plm_count)
    period = U(rng, cfg.plm_period_s)
    dur_typ = U(rng, cfg.plm_duration_s)
    side = str(rng.choice(["left", "right"]))
    bilateral = rng.random() < cfg.plm_bilateral_prob
    deg = U(rng, cfg.plm_deg)
    sign = 1.0 if rng.random() < 0.5 else -1.0
    joint = "knee" if rng.random() < 0.7 else "hip"
    eps = []
    tk = t
    for _k in range(n):
        dur = float(np.clip(dur_typ * rng.uniform(0.7, 1.3), 0.5, 10.0))
        if tk + dur > t_max:
            break
        rise = min(U(rng, cfg.plm_rise_s), dur * 0.4)
        fall = min(U(rng, (0.3, 1.0)), dur * 0.5)
        specs = []
        legs = [f"leg-{side}"] + ([f"leg-{'right' if side == 'left' else 'left'}"] if bilateral else [])
        for j, leg in enumerate(legs):
            d0 = tk + (rng.uniform(0, 0.4) if j else 0.0)
            dd = np.radians(deg * rng.uniform(0.7, 1.3)) * sign
            res = np.radians(rng.uniform(-1.0, 1.0))
            st = Steps((d0, d0 + dur - fall), (rise, fall), (dd, -dd + res))
            specs.append(PartSpec(leg, joint, rots=[(SEG_Y, "seg", st)]))
        eps.append(Episode("plm", tk, tk + dur + 0.4, specs, cfg.fine_fs, series_id=series_id,
                           info=dict(duration_s=dur, deg=deg, span=(tk, tk + dur)),
                           margin=0.5))
        tk += float(np.clip(period * rng.uniform(0.75, 1.25), max(5.0, dur + 1.0), 90.0))
    return eps


def fidget_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float) -> Episode:
    D = U(rng, cfg.fidget_s)
    parts = list(rng.choice(["arm-left", "arm-right", "leg-left", "leg-right", "trunk", "head"],
                            size=1 + int(rng.random() < 0.4), replace=False,
                            p=[0.3, 0.3, 0.15, 0.15, 0.05, 0.05]))
    specs = []
    for p in parts:
        fam = part_family(p)
        m = RI(rng, (2, 5))
        rots = []
        for ax in (SEG_Y, SEG_Z):
            t0s = tuple(sorted(t + rng.uniform(0, max(D - 1.2, 0.1), m)))
            durs = tuple(rng.uniform(0.3, 1.2, m))
            lim = 6.0 if fam in ("trunk", "head") else 20.0
            dels = tuple(np.radians(rng.uniform(-lim, lim, m)))
            rots.append((ax, "seg", Steps(t0s, durs, dels)))
        specs.append(PartSpec(p, str(rng.choice(PART_JOINTS[fam])), rots=rots))
    return Episode("fidget", t, t + D + 0.3, specs, cfg.fine_fs)


def scratch_episode(rng: np.random.Generator, cfg: BiomechConfig, body: Body, t: float) -> Episode:
    """Scratching: hand moves to the itch, oscillates at 3-10 Hz for 1-10 s, moves away."""
    fam = "arm" if rng.random() < 0.85 else "leg"
    part = f"{fam}-{rng.choice(['left', 'right'])}"
    joint = "elbow" if fam == "arm" else "knee"
    app, D, ret = U(rng, (0.4, 1.0)), U(rng, cfg.scratch_s), U(rng, (0.4, 1.0))
    f = U(rng, cfg.scratch_hz)
    _, lever = body.lever("wrist-left" if fam == "arm" else "ankle-left", joint)
    amp = LU(rng, cfg.scratch_g) * G / (lever * (2 * np.pi * f) ** 2)
    da = np.radians(U(rng, (15, 60))) * (1 if rng.random() < 0.5 else -1)
    res = np.radians(rng.uniform(-15, 15))
    approach = Steps((t, t + app + D), (app, ret), (da, -da + res))
    osc = Oscillation(t + app, t + app + D, (f, f * 1.05, f * 0.93), (0.6, 0.25, 0.15),
                      tuple(rng.uniform(0, 2 * np.pi, 3)), amp, 0.15)
    spec = PartSpec(part, joint, rots=[(SEG_Y, "seg", approach), (SEG_Z, "seg", osc)])
    return Episode("scratch", t, t + app + D + ret + 0.3, [spec], cfg.fine_fs,
                   info=dict(scratch_hz=f, duration_s=D))


def tremor_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float) -> Episode:
    part = str(rng.choice(["arm-left", "arm-right"]))
    D = U(rng, (2.0, 30.0))
    f, a = U(rng, cfg.tremor_hz), LU(rng, cfg.tremor_mg) * G / 1000
    osc = Oscillation(t, t + D, (f, f * 1.04, f * 0.95), (0.6, 0.25, 0.15),
                      tuple(rng.uniform(0, 2 * np.pi, 3)), a, 0.5)
    spec = PartSpec(part, "elbow", extra=[(osc, _unit(rng.normal(size=3)), "seg")])
    return Episode("tremor", t, t + D, [spec], cfg.fine_fs, info=dict(tremor_hz=f))


def knock_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, location: str) -> Episode:
    """A knock on the sensor (bed frame, other wrist): a half-sine shorter than a sample."""
    from sensing.recording import LOCATIONS

    dur = U(rng, cfg.knock_ms) / 1000
    A = LU(rng, cfg.knock_g) * G
    pt = PulseTrain(np.array([t]), np.array([A]), 0.5 / dur, 0.0, EZ)
    d = _unit(EZ + 0.4 * rng.normal(size=3))
    spec = PartSpec(LOCATIONS[location], "elbow", extra=[(_Scalar(pt), d, "direct")],
                    only_location=location)
    fine = max(20000.0, 20 / dur)
    return Episode("knock", t, t + dur, [spec], fine, info=dict(knock_ms=dur * 1000, span=(t, t + dur)), margin=0.2)


def phone_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, idx: int,
                  max_s: float) -> Episode:
    """Phone held above the chest: arm raised, slow wrist rotations, taps, tremor; lowered."""
    part = str(rng.choice(["arm-left", "arm-right"]))
    D = min(U(rng, cfg.phone_min) * 60, max_s)
    up, down = U(rng, (0.8, 2.0)), U(rng, (0.8, 2.0))
    elev = np.radians(U(rng, (30, 70)))

    def raised(state: State, loc: str, Rb: np.ndarray) -> np.ndarray:
        x = np.array([np.cos(elev) * 0.8, 0.4, np.sin(elev)])
        R = frame(x, np.array([-0.2, 0.0, -1.0]))
        return R @ rotmat(EX, pron)

    pron = np.radians(rng.uniform(-30, 30))
    h0, h1 = t + up, t + up + D
    wander = []
    for ax in (SEG_Y, SEG_Z, EX):
        fr = tuple(rng.uniform(0.03, 0.4, 3))
        wander.append((ax, "seg", Oscillation(h0, h1, fr, (0.5, 0.3, 0.2),
                                               tuple(rng.uniform(0, 2 * np.pi, 3)),
                                               np.radians(U(rng, (3, 10))), 2.0)))
    spec = PartSpec(part, "elbow", rots=wander,
                    targets=[(raised, _MJ(t, up)), (_lying_target(0.0, idx), _MJ(h1, down))])
    rate = U(rng, (0.5, 3.0))
    n_taps = int(rate * D)
    taps = np.sort(rng.uniform(h0 + 1, max(h1 - 1, h0 + 1.1), n_taps))
    amps = np.exp(rng.uniform(np.log(0.01), np.log(0.08), n_taps)) * G
    spec.extra.append((_Scalar(PulseTrain(taps, amps, U(rng, (15.0, 30.0)), 0.0, EZ)), EZ, "seg"))
    f, a = U(rng, (7.0, 11.0)), LU(rng, (3.0, 15.0)) * G / 1000
    spec.extra.append((Oscillation(h0, h1, (f, f * 1.05, f * 0.96), (0.6, 0.25, 0.15),
                                   tuple(rng.uniform(0, 2 * np.pi, 3)), a, 1.0),
                       _unit(rng.normal(size=3)), "seg"))
    info: dict = dict(impacts={}, duration_s=D)
    if rng.random() < cfg.landing_prob:
        ld, li = _landing(rng, cfg, h1 + down)
        spec.extra.append((_Scalar(ld), EZ, "world"))
        info["impacts"][part] = li
    return Episode("phone", t, h1 + down + 0.3, [spec], cfg.fine_fs, info=info)


def wake_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, idx: int) -> Episode:
    """Ordinary movement while awake in bed: half sitting up, reaching, settling again."""
    D = U(rng, (3.0, 20.0))
    sit = np.radians(U(rng, (10, 45))) * (1 if rng.random() < 0.5 else -1)
    a, b = U(rng, (0.8, 2.0)), U(rng, (0.8, 2.0))
    trunk = PartSpec("trunk", "trunk", rots=[(SEG_Y, "seg", Steps((t, t + D - b), (a, b),
                                                                   (sit, -sit)))])
    specs = [trunk, PartSpec("head", "neck", rots=[(SEG_Y, "seg", Steps(
        (t, t + D - b), (a, b), (0.5 * sit, -0.5 * sit)))])]
    info: dict = dict(impacts={})
    for p in ("arm-left", "arm-right", "leg-left", "leg-right"):
        if rng.random() < 0.6:
            s0 = t + rng.uniform(0, D * 0.5)
            s1 = min(t + D - 0.8, s0 + rng.uniform(1, D * 0.5))
            tg = [(_lying_target(0.0, idx * 7 + 1), _MJ(s0, 0.8)),
                  (_lying_target(0.0, idx * 7 + 2), _MJ(s1, 0.8))]
            spec = PartSpec(p, _LIMB_JOINT[part_family(p)], targets=tg)
            if p.startswith("arm") and rng.random() < cfg.landing_prob:
                ld, li = _landing(rng, cfg, s1 + 0.8)
                spec.extra.append((_Scalar(ld), EZ, "world"))
                info["impacts"][p] = li
            specs.append(spec)
    return Episode("wake", t, t + D + 0.3, specs, cfg.fine_fs, info=info)


# ======================================================================================
# going to bed, getting up, daytime activity
# ======================================================================================
def lie_down_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, idx: int) -> Episode:
    T = U(rng, (2.0, 4.0))
    phi = float(rng.choice([0.0, np.pi / 2, -np.pi / 2, np.pi], p=[0.5, 0.2, 0.2, 0.1]))
    phi += np.radians(rng.uniform(-20, 20))

    def tgt(state: State, loc: str, Rb: np.ndarray) -> np.ndarray:
        r = np.random.default_rng([state.seed, idx, sum(map(ord, loc)), 3])
        return lying_pose(r, loc, phi)

    specs = []
    for p in ("trunk", "head", "arm-left", "arm-right", "leg-left", "leg-right"):
        s0 = t + rng.uniform(0, 0.3) * T
        spec = PartSpec(p, _LIMB_JOINT[part_family(p)], targets=[(tgt, _MJ(s0, T * 0.7))])
        ld, _ = _landing(rng, cfg, s0 + T * 0.7, 0.6)
        spec.extra.append((_Scalar(ld), EZ, "world"))
        specs.append(spec)

    def upd(state: State) -> None:
        state.posture, state.roll = "lying", phi
    return Episode("daytime", t, t + T + 0.5, specs, cfg.day_fine_fs, state_update=upd,
                   info=dict(activity="lie-down"))


def posture_change_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, idx: int,
                           to: str) -> Episode:
    """Sit up / stand up / sit down: trunk flexes forward and back, body rises or lowers."""
    T = U(rng, (1.5, 3.0))
    specs = []
    for p in ("trunk", "head", "arm-left", "arm-right", "leg-left", "leg-right"):
        spec = PartSpec(p, _LIMB_JOINT[part_family(p)],
                        targets=[(_upright_target(to == "sitting", idx), _MJ(t, T))])
        if p in ("trunk", "head"):
            flex = np.radians(U(rng, (20, 40)))
            spec.rots.append((SEG_Y, "seg", Steps((t, t + T / 2), (T / 2, T / 2), (flex, -flex))))
        h = 0.45 if to == "standing" else -0.45
        spec.extra.append((_MinJerkAcc(t + 0.2 * T, 0.7 * T, h), EZ, "world"))
        specs.append(spec)

    def upd(state: State) -> None:
        state.posture = to
    return Episode("daytime", t, t + T + 0.3, specs, cfg.day_fine_fs, state_update=upd,
                   info=dict(activity=f"to-{to}"))


class _MinJerkAcc:
    """Acceleration of a minimum-jerk displacement of ``h`` m over T s."""

    def __init__(self, t0: float, T: float, h: float):
        self.t0, self.T, self.h = t0, T, h

    def __call__(self, t: np.ndarray) -> np.ndarray:
        s = np.clip((t - self.t0) / self.T, 0, 1)
        inside = (t > self.t0) & (t < self.t0 + self.T)
        return np.where(inside, self.h * (60 * s - 180 * s**2 + 120 * s**3) / self.T**2, 0.0)


def walking_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, D: float) -> Episode:
    """Walking: body bounce at the step rate, heel strikes (1-3 g at the shank), leg and
    arm swing at the stride rate (arms in anti-phase with the ipsilateral leg)."""
    fstep = U(rng, cfg.step_hz)
    fstr = fstep / 2
    t1 = t + D
    steps = np.arange(t + 0.8, t1 - 0.8, 1 / fstep)
    steps = steps + rng.normal(0, 0.01, len(steps))
    left, right = steps[0::2], steps[1::2]
    bounce = Oscillation(t, t1, (fstep,), (1.0,), (0.0,), U(rng, (0.15, 0.35)) * G, 1.0)
    ph = rng.uniform(0, 2 * np.pi)
    specs = []
    hs_body = PulseTrain(steps, rng.uniform(0.3, 0.8, len(steps)) * G, U(rng, (15.0, 25.0)),
                         U(rng, (0.015, 0.03)), EZ)
    for p in ("trunk", "head", "arm-left", "arm-right", "leg-left", "leg-right"):
        spec = PartSpec(p, _LIMB_JOINT[part_family(p)],
                        extra=[(bounce, EZ, "world"), (_Scalar(hs_body), EZ, "world")])
        side_ph = 0.0 if p.endswith("left") else np.pi
        if p.startswith("leg"):
            amp = np.radians(U(rng, (15, 30)))
            spec.rots.append((SEG_Y, "seg", Oscillation(t, t1, (fstr,), (1.0,), (ph + side_ph,),
                                                        amp, 1.0)))
            hs = left if p.endswith("left") else right
            spec.extra.append((_Scalar(PulseTrain(
                hs, np.array([LU(rng, cfg.walk_heel_g) for _ in hs]) * G, U(rng, (18.0, 30.0)),
                U(rng, (0.01, 0.025)), EZ)), EX, "seg"))
        elif p.startswith("arm"):
            amp = np.radians(U(rng, (8, 25)))
            spec.rots.append((SEG_Y, "seg", Oscillation(t, t1, (fstr,), (1.0,),
                                                        (ph + side_ph + np.pi,), amp, 1.0)))
        else:
            spec.rots.append((EX, "seg", Oscillation(t, t1, (fstr,), (1.0,), (ph,),
                                                     np.radians(2.0), 1.0)))
        specs.append(spec)
    return Episode("daytime", t, t1, specs, cfg.day_fine_fs,
                   info=dict(activity="walking", step_hz=fstep))


def gesture_episode(rng: np.random.Generator, cfg: BiomechConfig, t: float, typing: bool) -> Episode:
    D = U(rng, (20.0, 240.0)) if typing else U(rng, (5.0, 60.0))
    specs = []
    for p in ("arm-left", "arm-right"):
        if not typing and rng.random() < 0.4:
            continue
        rots = []
        for ax in (SEG_Y, SEG_Z):
            amp = np.radians(U(rng, (1, 3)) if typing else U(rng, (8, 35)))
            fr = tuple(rng.uniform(0.2, 1.0, 3) if typing else rng.uniform(0.3, 2.0, 3))
            rots.append((ax, "seg", Oscillation(t, t + D, fr, (0.5, 0.3, 0.2),
                                                tuple(rng.uniform(0, 2 * np.pi, 3)), amp, 0.5)))
        spec = PartSpec(p, "elbow", rots=rots)
        if typing:
            n = int(U(rng, (2.0, 5.0)) * D)
            taps = np.sort(rng.uniform(t + 0.5, t + D - 0.5, n))
            amps = np.exp(rng.uniform(np.log(0.01), np.log(0.05), n)) * G
            spec.extra.append((_Scalar(PulseTrain(taps, amps, 25.0, 0.0, EZ)), EZ, "seg"))
        specs.append(spec)
    if not specs:
        specs.append(PartSpec("arm-right", "elbow", rots=[(SEG_Y, "seg", Oscillation(
            t, t + D, (0.8,), (1.0,), (0.0,), np.radians(15), 0.5))]))
    return Episode("daytime", t, t + D, specs, cfg.day_fine_fs,
                   info=dict(activity="typing" if typing else "gestures"))


def initial_state(rng: np.random.Generator, locations: list[str], posture: str, seed: int) -> State:
    phi = float(rng.choice([0.0, np.pi / 2, -np.pi / 2], p=[0.6, 0.2, 0.2]))
    R = {}
    for loc in locations:
        if posture == "lying":
            R[loc] = lying_pose(rng, loc, phi)
        else:
            R[loc] = upright_pose(rng, loc, posture == "sitting")
    return State(posture, phi if posture == "lying" else 0.0, R, seed)


_ = (Vibration, Sum)
