"""Sensor model: strap dynamics, front end, sampling clock, noise, quantisation, gaps.

The continuous specific force of every movement is generated on a fine grid
(``fine_fs``, 1 kHz by default) and then passed through, in order:

1. the strap / soft tissue: the sensor is a small mass on a damped spring attached to
   the limb (base excitation, transmissibility (2 zeta w s + w^2)/(s^2 + 2 zeta w s + w^2)
   per sensor axis; the skin-normal axis is 1.5x stiffer). Skin-mounted masses resonate
   on the soft tissue (a 34 g sensor "oscillates at its resonant frequency", Saha & Lakes
   1977; wand markers 23-51 Hz, tangential skin stiffness 330-1900 N/m);
2. the front end: 'point' takes the continuous signal at the sampling instant (no
   anti-alias filter, as in duty-cycled low-power modes); 'integrate' averages over the
   sample period (a decimating sigma-delta / full-bandwidth design such as the ADXL362,
   which "does not alias input signals by undersampling"); 'lowpass' is a digital
   Butterworth at ``lowpass_ratio * fs`` (ODR/2 .. ODR/4 bandwidths of LIS2DH12/BMA-type
   parts);
3. sampling at the sensor's own clock: nominal rate times (1 + error), the error drawn in
   hundreds of ppm plus a slow wander (internal RC oscillators are loose: nRF52 HFINT
   +-1.5 %; crystals +-10..30 ppm; Xsens MTi +-30 ppm);
4. gain and offset errors (zero-g offset of consumer MEMS: tens of mg), white noise,
   quantisation to ``adc_bits`` over +-range, clipping at the range;
5. timestamps: the host stamps packets of ``packet_samples`` samples with a jittered
   arrival time (kept within +-0.4 sample periods so times stay strictly increasing and
   no false gap appears), or the device stamps k / fs with its own (drifting) clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from simulation._biomech_body import EY, EZ, loc_kind, mount_rotation
from simulation._biomech_config import BiomechConfig
from simulation._biomech_events import LU, U
from simulation._biomech_motion import G, LocMotion

CHUNK = 30000


@dataclass
class SensorModel:
    location: str
    fs: float
    front_end: str
    lp_cut: float
    lp_order: int
    range_g: float
    bits: int
    noise_g: float
    offset: np.ndarray
    gain: np.ndarray
    odr_ppm: float
    wander_ppm: float
    jitter_s: float
    packet: int
    stamps: str
    strap_hz: np.ndarray
    strap_zeta: float
    R_mount: np.ndarray
    breath_rad: float
    breath_axis: np.ndarray
    cardio_g: float
    cardio_dir: np.ndarray
    ideal: bool = False

    def describe(self) -> dict:
        return dict(location=self.location, fs=self.fs, front_end=self.front_end,
                    lowpass_hz=self.lp_cut if self.front_end == "lowpass" else None,
                    range_g=self.range_g, adc_bits=self.bits, noise_mg=self.noise_g * 1000,
                    offset_mg=(self.offset * 1000).round(1).tolist(),
                    gain=self.gain.round(4).tolist(), odr_error_ppm=self.odr_ppm,
                    jitter_ms=self.jitter_s * 1000, packet_samples=self.packet,
                    timestamp_source=self.stamps, strap_hz=self.strap_hz.round(1).tolist(),
                    strap_zeta=self.strap_zeta)


def _choice(rng: np.random.Generator, v: float | tuple[float, ...]) -> float:
    if isinstance(v, (tuple, list)):
        return float(v[int(rng.integers(len(v)))])
    return float(v)


def draw_sensor(rng: np.random.Generator, cfg: BiomechConfig, location: str) -> SensorModel:
    fs = _choice(rng, cfg.fs)
    fe = cfg.front_end
    if fe == "random":
        w = np.asarray(cfg.front_end_weights, float)
        fe = str(rng.choice(["point", "integrate", "lowpass"], p=w / w.sum()))
    kind = loc_kind(location)
    f_strap = U(rng, cfg.strap_hz)
    breath = {"trunk": (0.3, 1.5), "head": (0.1, 0.5), "wrist": (0.0, 0.4),
              "upper-arm": (0.05, 0.3), "ankle": (0.0, 0.05), "thigh": (0.0, 0.1)}[kind]
    cardio = {"trunk": (1.0, 4.0), "head": (1.0, 3.0), "wrist": (0.3, 1.5),
              "upper-arm": (0.5, 2.0), "ankle": (0.2, 1.0), "thigh": (0.3, 1.5)}[kind]
    ax = EY if kind == "trunk" else rng.normal(size=3)
    cd = rng.normal(size=3)
    off = rng.uniform(-1, 1, 3) * U(rng, cfg.offset_mg) / 1000
    gain = 1 + rng.uniform(-1, 1, 3) * U(rng, cfg.gain_error)
    return SensorModel(
        location=location, fs=fs, front_end=fe, lp_cut=U(rng, cfg.lowpass_ratio) * fs,
        lp_order=cfg.lowpass_order, range_g=_choice(rng, cfg.range_g), bits=cfg.adc_bits,
        noise_g=U(rng, cfg.noise_mg) / 1000, offset=off, gain=gain,
        odr_ppm=U(rng, cfg.odr_error_ppm), wander_ppm=cfg.drift_wander_ppm,
        jitter_s=U(rng, cfg.jitter_ms) / 1000, packet=max(1, int(cfg.packet_samples)),
        stamps=cfg.timestamp_source,
        strap_hz=np.array([f_strap, f_strap * rng.uniform(0.9, 1.1), f_strap * 1.5]),
        strap_zeta=U(rng, cfg.strap_zeta), R_mount=mount_rotation(rng, location),
        breath_rad=np.radians(U(rng, breath)), breath_axis=ax / np.linalg.norm(ax),
        cardio_g=U(rng, cardio) / 1000, cardio_dir=cd / np.linalg.norm(cd))


def ideal_sensor(location: str) -> SensorModel:
    """A perfect sensor aligned with its segment (truth for body parts without a sensor)."""
    return SensorModel(location, 1000.0, "point", 500.0, 2, 1e9, 16, 0.0, np.zeros(3),
                       np.ones(3), 0.0, 0.0, 0.0, 1, "host", np.array([1e3, 1e3, 1e3]), 1.0,
                       np.eye(3), 0.0, EY, 0.0, EZ, ideal=True)


# --- clock ------------------------------------------------------------------------
def sample_times(rng: np.random.Generator, sm: SensorModel, duration: float) -> np.ndarray:
    """True sampling instants (s from recording start) of the sensor's own clock."""
    n = int(duration * sm.fs * (1 + abs(sm.odr_ppm) * 1e-6 + 1e-4)) + 2
    k = np.arange(n, dtype=float)
    T = 1.0 / sm.fs
    # slow wander (temperature): two sinusoids with periods of 1-4 h
    p1, p2 = rng.uniform(3600, 4 * 3600, 2)
    ph = rng.uniform(0, 2 * np.pi, 2)
    tt = k * T
    ppm = sm.odr_ppm + sm.wander_ppm * (0.7 * np.sin(2 * np.pi * tt / p1 + ph[0])
                                        + 0.3 * np.sin(2 * np.pi * tt / p2 + ph[1]))
    steps = T / (1 + ppm * 1e-6)
    t = np.concatenate([[0.0], np.cumsum(steps[:-1])]) + rng.uniform(0, T)
    return t[t < duration]


def draw_gaps(rng: np.random.Generator, cfg: BiomechConfig, duration: float,
              n_nights: int) -> list[tuple[float, float]]:
    k = sum(int(rng.integers(cfg.gaps_per_night[0], cfg.gaps_per_night[1] + 1))
            for _ in range(max(1, n_nights)))
    gaps: list[tuple[float, float]] = []
    for _ in range(k * 5):
        if len(gaps) >= k or duration < 300:
            break
        d = min(LU(rng, cfg.gap_s), duration / 10)
        a = rng.uniform(60, duration - 60 - d)
        if all(a + d + 10 < x or a > y + 10 for x, y in gaps):
            gaps.append((a, a + d))
    return sorted(gaps)


def stamps_ns(rng: np.random.Generator, sm: SensorModel, t_true: np.ndarray,
              k_index: np.ndarray) -> np.ndarray:
    """Reported timestamps, ns from the recording start (int64)."""
    if sm.stamps == "device":
        return np.round(k_index * (1e9 / sm.fs)).astype(np.int64)
    T = 1.0 / sm.fs
    n_pk = int(k_index[-1] // sm.packet) + 1 if len(k_index) else 0
    jit = np.clip(rng.normal(0, sm.jitter_s, n_pk), -0.4 * T, 0.4 * T) if sm.jitter_s > 0 \
        else np.zeros(n_pk)
    j = jit[(k_index // sm.packet).astype(np.int64)] if n_pk else np.zeros(0)
    ns = np.round((t_true + j) * 1e9).astype(np.int64)
    # per-packet offsets can make a boundary step shorter; keep >= 0.2 T
    return ns


# --- filters ------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _strap_ba(f_hz: float, zeta: float, fs: float) -> tuple[np.ndarray, np.ndarray]:
    w = 2 * np.pi * f_hz
    if f_hz >= fs / 2.2:
        return np.array([1.0]), np.array([1.0])
    b, a = signal.bilinear([2 * zeta * w, w * w], [1.0, 2 * zeta * w, w * w], fs=fs)
    return b, a


@lru_cache(maxsize=256)
def _direct_ba(f_hz: float, zeta: float, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Force on the sensor mass -> its acceleration: s^2 / (s^2 + 2 zeta w s + w^2)."""
    w = 2 * np.pi * f_hz
    if f_hz >= fs / 2.2:
        return np.array([1.0]), np.array([1.0])
    return signal.bilinear([1.0, 0.0, 0.0], [1.0, 2 * zeta * w, w * w], fs=fs)


@lru_cache(maxsize=64)
def _frontend_filter(kind: str, fs: float, cut: float, order: int, fine: float):
    if kind == "lowpass":
        return signal.butter(order, min(cut, fine / 2.5), fs=fine, output="sos")
    if kind == "integrate":
        L = max(1, int(round(fine / fs)))
        return np.ones(L) / L
    return None


@lru_cache(maxsize=64)
def _frontend_zi(kind: str, fs: float, cut: float, order: int, fine: float) -> np.ndarray | None:
    """Steady-state filter state for a unit input (scaled by the first sample per motion)."""
    fe = _frontend_filter(kind, fs, cut, order, fine)
    if fe is None:
        return None
    return signal.lfilter_zi(fe, [1.0]) if fe.ndim == 1 else signal.sosfilt_zi(fe)


@dataclass
class MotionTruth:
    episode: int
    location: str
    start: float
    end: float
    peak_g: float
    t_peak: float
    g_before: np.ndarray
    g_after: np.ndarray


def render_motion(lm: LocMotion, sm: SensorModel, t_samp: np.ndarray | None,
                  energy_frac: float = 0.1) -> tuple[np.ndarray, np.ndarray, MotionTruth]:
    """Continuous physics of one motion at one sensor -> (sample indices, samples in g,
    truth). ``t_samp`` are the sensor's true sampling instants (None: truth only)."""
    fine = lm.fine_fs
    h = 1.0 / fine
    fe = None if sm.ideal else _frontend_filter(sm.front_end, sm.fs, sm.lp_cut, sm.lp_order, fine)
    zi1 = None if fe is None else _frontend_zi(sm.front_end, sm.fs, sm.lp_cut, sm.lp_order, fine)
    post = 0.6
    if sm.front_end == "lowpass" and not sm.ideal:
        post += 4.0 / sm.lp_cut
    w0, w1 = lm.t0 - 0.05, lm.t1 + post
    n = int(np.ceil((w1 - w0) * fine)) + 1
    if t_samp is not None:
        i0, i1 = np.searchsorted(t_samp, [w0, w0 + (n - 1) * h])
    else:
        i0 = i1 = 0
    idx = np.arange(i0, i1)
    out = np.empty((len(idx), 3))
    mags = np.empty(n, dtype=np.float32)
    strap = None if sm.ideal else [_strap_ba(float(f), sm.strap_zeta, fine) for f in sm.strap_hz]
    zs = [np.zeros(len(b) - 1) for b, _ in strap] if strap else []
    direct = None if sm.ideal else [_direct_ba(float(f), sm.strap_zeta, fine) for f in sm.strap_hz]
    zd = [np.zeros(max(len(a), len(b)) - 1) for b, a in direct] if direct else []
    zfe: list = [None, None, None]
    prev_t: float | None = None
    prev_f = np.zeros((1, 3))
    g_first = np.zeros(3)
    g_s = np.zeros((1, 3))
    for c0 in range(0, n, CHUNK):
        c1 = min(n, c0 + CHUNK)
        tc = w0 + np.arange(c0, c1) * h
        g_seg, a_seg, d_seg = lm.kinematics(tc)
        g_s = g_seg @ sm.R_mount
        a_s = a_seg @ sm.R_mount
        if strap:
            for ax, (b, a) in enumerate(strap):
                if len(a) > 1:
                    a_s[:, ax], zs[ax] = signal.lfilter(b, a, a_s[:, ax], zi=zs[ax])
        if d_seg is not None:
            d_s = d_seg @ sm.R_mount
            if direct:
                for ax, (b, a) in enumerate(direct):
                    if len(a) > 1:
                        d_s[:, ax], zd[ax] = signal.lfilter(b, a, d_s[:, ax], zi=zd[ax])
            a_s = a_s + d_s
        mags[c0:c1] = np.linalg.norm(a_s, axis=1) / G
        f = a_s / G + g_s
        if c0 == 0:
            g_first = g_s[0].copy()
        if fe is not None:
            for ax in range(3):
                if fe.ndim == 1:
                    if zfe[ax] is None:
                        zfe[ax] = zi1 * f[0, ax]
                    f[:, ax], zfe[ax] = signal.lfilter(fe, [1.0], f[:, ax], zi=zfe[ax])
                else:
                    if zfe[ax] is None:
                        zfe[ax] = zi1 * f[0, ax]
                    f[:, ax], zfe[ax] = signal.sosfilt(fe, f[:, ax], zi=zfe[ax])
        if len(idx) and t_samp is not None:
            if prev_t is not None:
                tt = np.concatenate([[prev_t], tc])
                ff = np.vstack([prev_f, f])
            else:
                tt, ff = tc, f
            sel = (t_samp[idx] >= tt[0]) & (t_samp[idx] <= tt[-1])
            if sel.any():
                ts = t_samp[idx[sel]]
                out[sel] = np.column_stack([np.interp(ts, tt, ff[:, k]) for k in range(3)])
        prev_t, prev_f = tc[-1], f[-1:].copy()
    g_last = g_s[-1].copy()
    # truth: where the linear acceleration (after the strap, before the front end) is
    pk = int(np.argmax(mags))
    peak = float(mags[pk])
    above = np.flatnonzero(mags >= energy_frac * peak) if peak > 0 else np.array([pk])
    truth = MotionTruth(lm.episode, lm.location, w0 + above[0] * h, w0 + above[-1] * h, peak,
                        w0 + pk * h, g_first, g_last)
    return idx, out, truth


# --- background -----------------------------------------------------------------------
BLOCK = 1_000_000


def add_breathing_cardio(rng: np.random.Generator, sm: SensorModel, t: np.ndarray,
                         g_s: np.ndarray, f: np.ndarray, breathing: bool, cardio: bool) -> None:
    """Add (in place, block by block) the chest-wall tilt of breathing and the
    ballistocardiogram to the specific force ``f`` sampled at ``t``."""
    if len(t) == 0:
        return
    f0 = U(rng, (12.0, 16.0)) / 60
    per = U(rng, (300.0, 1200.0))
    u = sm.R_mount.T @ sm.breath_axis
    hr = U(rng, (50.0, 70.0)) / 60
    nb = int(t[-1] * hr * 1.3) + 10
    rr = (1 / hr) * (1 + 0.05 * np.sin(2 * np.pi * 0.25 * np.arange(nb) / hr)
                     + rng.normal(0, 0.02, nb))
    beats = np.cumsum(rr) - rng.uniform(0, 1 / hr)
    for b0 in range(0, len(t), BLOCK):
        tb = t[b0:b0 + BLOCK]
        if breathing and sm.breath_rad > 0:
            phase = 2 * np.pi * (f0 * tb + 0.1 * f0 * per / (2 * np.pi)
                                 * np.sin(2 * np.pi * tb / per))
            th = sm.breath_rad * (np.sin(phase) + 0.2 * np.sin(2 * phase + 0.7))
            f[b0:b0 + BLOCK] += th[:, None] * np.cross(u, g_s[b0:b0 + BLOCK])
        if cardio and sm.cardio_g > 0:
            j = np.clip(np.searchsorted(beats, tb) - 1, 0, nb - 1)
            tau = tb - beats[j]
            sig = 0.025
            p = -(tau / sig) * np.exp(0.5 - tau**2 / (2 * sig**2))
            f[b0:b0 + BLOCK] += sm.cardio_g * p[:, None] * sm.cardio_dir[None, :]


def finish(rng: np.random.Generator, sm: SensorModel, f: np.ndarray) -> np.ndarray:
    """Gain/offset errors, noise, quantisation and clipping -> float32 g (block by block)."""
    out = np.empty(f.shape, np.float32)
    lsb = sm.range_g / 2 ** (sm.bits - 1)
    for b0 in range(0, len(f), BLOCK):
        y = f[b0:b0 + BLOCK] * sm.gain[None, :] + sm.offset[None, :]
        y += rng.normal(0, sm.noise_g, y.shape)
        y = np.round(y / lsb) * lsb
        np.clip(y, -sm.range_g, sm.range_g - lsb, out=y)
        out[b0:b0 + BLOCK] = y
    return out
