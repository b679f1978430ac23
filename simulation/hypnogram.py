"""The hypnogram model: an overnight accelerometer signal driven by a sleep-stage process.

A night is built in three layers (see ``docs/simulator-hypnogram.md``):

1. **Sleep architecture.** A hypnogram of 30 s epochs (W, N1, N2, N3, REM) built from
   NREM-REM cycles of about 90 min, with a sleep-onset latency, brief drifts into N1
   before sustained sleep, awakenings and a final wake.
2. **Movement conditioned on stage.** Restless movement while awake in bed, posture
   shifts tied to stage changes, REM twitches, periodic limb movements in light sleep,
   knocks, breathing on the trunk, and hypnic jerks at the wake -> sleep transitions.
   Limb movements are rotations of a limb segment about a joint; the sensor sees the
   tangential and centripetal acceleration plus gravity turned into its frame.
3. **Sensor front end.** A chip modelled on a datasheet: a low-pass filter set by the
   output data rate, noise density, offset and gain errors, range clipping, 12-bit
   quantisation, a sample clock off by some ppm, frames stamped with the device clock
   and anchored to the host clock at each (re)connection, and lost frames.

Public API: :class:`HypnogramConfig`, :data:`HYPNOGRAM_VARIANTS` and
:func:`simulate_hypnogram_night`. Times inside are seconds from lights-out (true time);
the returned ground truth is in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal

from sensing import HypnicError
from sensing.body import BODY_PARTS, CONTIGUOUS, DISTRIBUTIONS, LOCATIONS, phase_of
from sensing.recording import G, Recording, find_gaps
from simulation.night import SimulatedNight

#: Length of one scoring epoch, s (AASM).
EPOCH_S = 30.0
#: Stage codes of the hypnogram, in the order of their integer codes 0-4.
STAGES = ("W", "N1", "N2", "N3", "REM")
W, N1, N2, N3, REM = range(5)
#: Sleep onset is the first epoch of the first run of at least this many epochs of sleep
#: (N1 or deeper) in a row: 10 min of sustained sleep.
SUSTAINED_EPOCHS = 20
#: Range of the muscle burst of one hypnic jerk in one body part, s (EMG 75-250 ms).
JERK_BURST_S = (0.075, 0.25)
#: Spread of a generalized or segmental jerk over the body (rostro-caudal delay), s.
JERK_SPREAD_S = 0.05
#: Largest lag between body parts of a multifocal jerk (parts out of step), s.
MULTIFOCAL_LAG_S = 0.15
#: Time of a jerk from the wake -> sleep epoch boundary it belongs to, s.
JERK_OFFSET_S = (-25.0, 90.0)
#: Rate of the fine grid on which brief movements are rendered and filtered, Hz.
FINE_HZ = 1000.0
#: Distance (m) from the rotating joint to each sensor site, per joint. A sensor whose
#: segment does not turn about that joint (an upper-arm sensor when the elbow flexes)
#: has distance 0 and does not see the movement.
RADIUS_M: dict[str, dict[str, float]] = {
    "shoulder": {"wrist": 0.55, "upper-arm": 0.15},
    "elbow": {"wrist": 0.27, "upper-arm": 0.0},
    "hip": {"ankle": 0.85, "thigh": 0.25},
    "knee": {"ankle": 0.40, "thigh": 0.0},
    "lumbar": {"trunk": 0.35},
    "neck": {"head": 0.12},
}
#: Site (sensor place on the body) whose physical peak stands for each body part.
DISTAL_SITE = {"arm-left": "wrist", "arm-right": "wrist", "leg-left": "ankle",
               "leg-right": "ankle", "trunk": "trunk", "head": "head"}


def _site(location: str) -> str:
    """The sensor site of a location: ``wrist-left`` -> ``wrist``, ``trunk`` -> ``trunk``."""
    for side in ("-left", "-right"):
        if location.endswith(side):
            return location[: -len(side)]
    return location


@dataclass(frozen=True)
class HypnogramConfig:
    """What one simulated night of the hypnogram model looks like.

    Sensor front end (defaults: ADXL362 in its ultralow-noise mode):

    Attributes
    ----------
    locations : tuple of str
        Worn sensors, keys of :data:`sensing.body.LOCATIONS` (not ``unknown``).
    fs_hz : float
        Output data rate (ODR), Hz, 10-1000.
    chip : str
        Name of the modelled chip; the recordings' ``device`` text.
    bandwidth_ratio : float
        -3 dB bandwidth of the chip's low-pass filter as a fraction of the ODR (ADXL362
        default 1/4; BMA400 filter 1: 0.48), below 0.5.
    noise_ug_rthz : float
        Noise density, ug/sqrt(Hz) (ADXL362: 550 normal, 175 ultralow-noise mode).
    range_g : float
        Full scale, +-g; values beyond it clip.
    resolution_bits : int
        Bits per axis over the full range (12 for ADXL362 and BMA400).
    offset_mg : float
        Largest zero-g offset per axis, mg (each sensor draws one in +-this).
    gain_error : float
        Largest sensitivity error per axis, fraction (0.01 = 1 %).
    drift_ppm : float
        Largest sample-clock error, ppm; each sensor draws one in +-this per night.
    frame_samples : int
        Samples per radio frame (one BLE notification).
    stamp_jitter_ms : float
        Largest delay of a frame's device time stamp after its last sample, ms.
    frame_losses_per_h : float
        Mean number of single losses (1-3 frames) per hour.
    disconnects_per_night : float
        Mean number of disconnections (gaps of seconds to minutes) per night; the host
        clock is anchored again after each.
    disconnect_median_s : float
        Median length of a disconnection, s (log-normal, 5 s-30 min).

    Sleep architecture:

    time_in_bed_h : tuple of float
        Range of lights-out -> final wake, h (uniform).
    latency_median_min : float
        Median sleep-onset latency, min (log-normal, sigma 0.5, clipped to 1-150 min).
    drifts_per_h_awake : float
        Brief drifts into N1 (1-4 epochs) per hour of wake before sleep onset.
    awakenings_per_h : float
        Mean number of awakenings (runs of W of 30 s or more) per hour of sleep.
    awakening_median_min : float
        Median length of an awakening, min (log-normal, sigma 0.9).
    n3_first_cycle : float
        Share of N3 in the NREM of the first cycle (it falls by e^-0.8 a cycle).
    rem_first_min : float
        Length of the first REM period, min (6 min longer each cycle, up to 40 min).

    Movement:

    wake_fidgets_per_min : float
        Restless movements per minute of wake in bed (fidgets; scratches and arm lifts
        are a tenth as frequent each).
    phone_prob : float
        Chance that the sleeper uses a phone in bed before sleep onset.
    plm_series_per_night : float
        Mean number of periodic-limb-movement series per night (0: none).
    rem_twitch_bursts_per_min : float
        Bursts of REM twitches per minute of REM.
    sleep_posture_per_h : float
        Posture shifts per hour of N1/N2 besides those at stage changes.
    knocks_per_night : float
        Mean number of knocks on a sensor per night.

    Jerks:

    jerks_per_transition : float
        Mean number of hypnic jerks at each wake -> sleep transition (sleep onset, the
        drifts before it and each return to sleep after an awakening).
    series_prob : float
        Chance that a jerk episode is a series of 2-4 jerks 2-8 s apart.
    pattern_probs : tuple of float
        Probabilities of focal, segmental, multifocal and generalized jerks.
    stray_jerks_per_night : float
        Mean number of isolated jerks in light sleep away from any transition (phase
        ``sleep``).

    Clock:

    timezone : str
        The sleeper's time zone (lights-out is drawn in local time).
    date : str
        Local date of the evening, ISO.
    lights_out_local_h : tuple of float
        Range of lights-out, local hours after midnight of ``date`` (24.5 = 00:30).
    pre_lights_out_min : float
        Recording before lights-out (sitting up in bed, awake), min.
    """

    locations: tuple[str, ...] = ("wrist-left",)
    fs_hz: float = 100.0
    chip: str = "ADXL362 (ultralow-noise mode)"
    bandwidth_ratio: float = 0.25
    noise_ug_rthz: float = 175.0
    range_g: float = 8.0
    resolution_bits: int = 12
    offset_mg: float = 30.0
    gain_error: float = 0.01
    drift_ppm: float = 20.0
    frame_samples: int = 36
    stamp_jitter_ms: float = 1.0
    frame_losses_per_h: float = 1.0
    disconnects_per_night: float = 0.5
    disconnect_median_s: float = 60.0
    time_in_bed_h: tuple[float, float] = (7.0, 8.5)
    latency_median_min: float = 12.0
    drifts_per_h_awake: float = 3.0
    awakenings_per_h: float = 0.8
    awakening_median_min: float = 1.5
    n3_first_cycle: float = 0.45
    rem_first_min: float = 12.0
    wake_fidgets_per_min: float = 1.0
    phone_prob: float = 0.0
    plm_series_per_night: float = 0.0
    rem_twitch_bursts_per_min: float = 0.5
    sleep_posture_per_h: float = 1.0
    knocks_per_night: float = 2.0
    jerks_per_transition: float = 0.6
    series_prob: float = 0.2
    pattern_probs: tuple[float, float, float, float] = (0.25, 0.2, 0.1, 0.45)
    stray_jerks_per_night: float = 0.2
    timezone: str = "Europe/Berlin"
    date: str = "2026-03-02"
    lights_out_local_h: tuple[float, float] = (22.0, 24.5)
    pre_lights_out_min: float = 10.0

    def __post_init__(self) -> None:
        bad = [loc for loc in self.locations if loc not in LOCATIONS or loc == "unknown"]
        if bad or not self.locations or len(set(self.locations)) != len(self.locations):
            raise HypnicError(f"locations must be distinct names from {', '.join(LOCATIONS)}; "
                              f"got {', '.join(self.locations) or 'none'}")
        if not 10 <= self.fs_hz <= 1000:
            raise HypnicError(f"fs_hz must be 10-1000 Hz, got {self.fs_hz}")
        if not 0 < self.bandwidth_ratio < 0.5:
            raise HypnicError(f"bandwidth_ratio must be in (0, 0.5), got {self.bandwidth_ratio}")
        lo, hi = self.time_in_bed_h
        if not 0.5 <= lo <= hi <= 12:
            raise HypnicError(f"time_in_bed_h must be a range within 0.5-12 h, got {lo}-{hi}")
        if self.frame_samples < 1 or self.resolution_bits < 6:
            raise HypnicError("frame_samples must be 1 or more and resolution_bits 6 or more")
        if abs(sum(self.pattern_probs) - 1) > 1e-6 or min(self.pattern_probs) < 0:
            raise HypnicError(f"pattern_probs must be 4 probabilities summing to 1, "
                              f"got {self.pattern_probs}")
        rates = (self.jerks_per_transition, self.awakenings_per_h, self.plm_series_per_night,
                 self.knocks_per_night, self.wake_fidgets_per_min, self.drift_ppm,
                 self.frame_losses_per_h, self.disconnects_per_night)
        if min(rates) < 0:
            raise HypnicError("rates, counts and drift must be 0 or more")


#: Named nights: what each changes from :class:`HypnogramConfig`'s defaults is in
#: ``docs/simulator-hypnogram.md``.
HYPNOGRAM_VARIANTS: dict[str, HypnogramConfig] = {
    "typical": HypnogramConfig(),
    "fragmented": HypnogramConfig(
        locations=("wrist-left", "ankle-left"), time_in_bed_h=(7.5, 9.0),
        latency_median_min=20.0, awakenings_per_h=2.5, awakening_median_min=2.5,
        n3_first_cycle=0.15, rem_first_min=8.0, plm_series_per_night=4.0,
        sleep_posture_per_h=2.0, jerks_per_transition=0.4),
    "insomnia": HypnogramConfig(
        locations=("wrist-right",), time_in_bed_h=(7.5, 9.5), latency_median_min=45.0,
        drifts_per_h_awake=6.0, awakenings_per_h=1.2, awakening_median_min=5.0,
        wake_fidgets_per_min=2.0, phone_prob=0.8, jerks_per_transition=0.5),
    "low-rate": HypnogramConfig(
        fs_hz=25.0, chip="BMA400 (filter 1, 0.48 x ODR)", bandwidth_ratio=0.48,
        noise_ug_rthz=180.0, range_g=4.0, drift_ppm=40.0, frame_samples=20,
        frame_losses_per_h=2.0, disconnects_per_night=1.0),
    "trio": HypnogramConfig(
        locations=("wrist-left", "ankle-right", "trunk"), noise_ug_rthz=550.0,
        chip="ADXL362 (normal mode)", plm_series_per_night=1.0),
}


# -- geometry -------------------------------------------------------------------------

def _unit(v: np.ndarray) -> np.ndarray:
    """Rows (or one vector) scaled to length 1."""
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _rotate(v: np.ndarray, k: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Vector ``v`` (3,) turned by ``angle`` (rad, (n,)) about unit axis ``k`` (Rodrigues)."""
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return v * c + np.cross(k, v) * s + k * float(k @ v) * (1 - c)


def _joint_axis(rng: np.random.Generator) -> np.ndarray:
    """A joint axis in the sensor frame: perpendicular to the segment's long axis x."""
    gamma = rng.uniform(0, 2 * np.pi)
    return np.array([0.0, np.cos(gamma), np.sin(gamma)])


def _pose(site: str, roll: float, rng: np.random.Generator, sitting: bool = False) -> np.ndarray:
    """Gravity-up direction in the sensor frame (unit vector, the reading at rest, g).

    Sensor frames: x along the segment away from the proximal joint (towards hand, foot
    or head), z out of the skin (watch face, shin, sternum, forehead). ``roll`` is the
    body's roll, rad (0 supine, +-pi/2 on a side, pi prone).
    """
    if site in ("trunk", "head"):
        tilt = np.radians(rng.uniform(55, 75) if sitting else rng.uniform(5, 20))
        r = roll + (rng.normal(0, np.radians(15)) if site == "head" else 0.0)
        return _unit(np.array([np.sin(tilt), np.cos(tilt) * np.sin(r), np.cos(tilt) * np.cos(r)]))
    if site in ("ankle", "thigh"):
        beta = rng.normal(0, np.radians(10))
        r = roll + rng.normal(0, np.radians(25))
        return _unit(np.array([np.sin(beta), np.cos(beta) * np.sin(r), np.cos(beta) * np.cos(r)]))
    beta = rng.normal(0, np.radians(30))  # arms lie anywhere
    r = rng.uniform(-np.pi, np.pi)
    return _unit(np.array([np.sin(beta), np.cos(beta) * np.sin(r), np.cos(beta) * np.cos(r)]))


def _smoothstep(s: np.ndarray) -> np.ndarray:
    """0 -> 1 with zero slope at both ends, for s in [0, 1] (clipped outside)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * (3 - 2 * s)


def _raised(t: np.ndarray, rise: float, hold: float, fall: float) -> np.ndarray:
    """0 -> 1 -> 0 with raised-cosine ramps of ``rise`` and ``fall`` s around ``hold`` s."""
    up = 0.5 - 0.5 * np.cos(np.pi * np.clip(t / rise, 0, 1))
    down = 0.5 + 0.5 * np.cos(np.pi * np.clip((t - rise - hold) / fall, 0, 1))
    return np.where(t < rise + hold, up, down) * (t >= 0)


# -- 1. sleep architecture ------------------------------------------------------------

@dataclass
class _Sleep:
    """The hypnogram and the periods derived from it (s from lights-out)."""

    stages: np.ndarray  # int code per epoch from lights-out
    onset: float
    wake: float
    awakenings: list[tuple[float, float]]
    transitions: np.ndarray  # times of W -> sleep epoch boundaries before the final wake


def _cycles(cfg: HypnogramConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` epochs of NREM-REM cycles from sleep onset (no awakenings yet)."""
    out: list[int] = []
    c = 0
    while len(out) < n:
        if c == 0:
            nrem = rng.uniform(65, 100)
            rem = cfg.rem_first_min * rng.uniform(0.6, 1.4)
        else:
            rem = min(cfg.rem_first_min + 6 * c, 40) * rng.uniform(0.7, 1.3)
            nrem = max(np.clip(rng.normal(90, 12), 60, 120) - rem, 30)
        n1 = rng.uniform(2, 7) if c == 0 else rng.uniform(0, 2)
        rest = nrem - n1
        n3 = rest * min(cfg.n3_first_cycle * np.exp(-0.8 * c) * rng.uniform(0.7, 1.3), 0.8)
        n2a = (rest - n3) * rng.uniform(0.3, 0.6)
        for stage, minutes in ((N1, n1), (N2, n2a), (N3, n3), (N2, rest - n3 - n2a), (REM, rem)):
            out += [stage] * int(round(minutes * 60 / EPOCH_S))
        c += 1
    st = np.array(out[:n])
    # brief lightenings inside a stage: N2 -> N1, N3 -> N2
    st[(st == N2) & (rng.random(n) < 0.03)] = N1
    st[(st == N3) & (rng.random(n) < 0.05)] = N2
    return st


def _runs(mask: np.ndarray) -> np.ndarray:
    """(start, end) epoch index pairs of the runs of True in ``mask`` (end exclusive)."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.stack([np.flatnonzero(d == 1), np.flatnonzero(d == -1)], axis=1)


def _hypnogram(cfg: HypnogramConfig, rng: np.random.Generator) -> _Sleep:
    """Stages from lights-out to the end of the recording, and the periods they define."""
    tib = rng.uniform(*cfg.time_in_bed_h) * 3600
    latency = np.clip(cfg.latency_median_min * np.exp(rng.normal(0, 0.5)), 1, 150) * 60
    latency = min(latency, 0.5 * tib)
    n_lat = max(int(round(latency / EPOCH_S)), 1)
    n_sleep = max(int(round(tib / EPOCH_S)) - n_lat, SUSTAINED_EPOCHS + 1)
    pre = np.full(n_lat, W)
    if n_lat > 8:  # brief drifts into N1 while falling asleep
        for _ in range(rng.poisson(cfg.drifts_per_h_awake * latency / 3600)):
            a = int(rng.integers(0, n_lat - 6))
            pre[a:a + int(rng.integers(1, 5))] = N1
    sleep = _cycles(cfg, n_sleep, rng)
    # awakenings: more often after REM and later in the night
    rem_end = np.zeros(n_sleep)
    ends = _runs(sleep == REM)[:, 1]
    for e in ends:
        rem_end[e:e + 3] = 1.0
    weight = 1.0 + 3.0 * rem_end + np.arange(n_sleep) / n_sleep
    weight[:SUSTAINED_EPOCHS + 2] = 0.0
    weight[-4:] = 0.0
    n_awk = rng.poisson(cfg.awakenings_per_h * n_sleep * EPOCH_S / 3600)
    if weight.sum() == 0:
        n_awk = 0
    for a in np.sort(rng.choice(n_sleep, size=n_awk, p=weight / max(weight.sum(), 1.0))):
        minutes = cfg.awakening_median_min * np.exp(rng.normal(0, 0.9))
        length = max(int(round(minutes * 60 / EPOCH_S)), 1)
        back = int(rng.integers(1, 3))  # return to sleep through N1
        sleep[a:a + length] = W
        sleep[a + length:a + length + back] = np.where(
            sleep[a + length:a + length + back] == W, W, N1)
    final = np.full(int(rng.integers(2, 25)), W)  # lying awake before getting up
    stages = np.concatenate([pre, sleep, final])
    asleep = stages != W
    runs = _runs(asleep)
    long_runs = runs[runs[:, 1] - runs[:, 0] >= SUSTAINED_EPOCHS]
    e_on = int(long_runs[0, 0])
    e_wake = int(runs[-1, 1])
    awake = _runs(~asleep)
    awk = [(a * EPOCH_S, b * EPOCH_S) for a, b in awake if e_on < a and b < e_wake]
    boundaries = np.flatnonzero(~asleep[:-1] & asleep[1:]) + 1
    trans = boundaries[boundaries < e_wake] * EPOCH_S
    return _Sleep(stages, e_on * EPOCH_S, e_wake * EPOCH_S, awk, trans.astype(float))


# -- 2. movements ---------------------------------------------------------------------

#: One rendered movement on one sensor: it returns the sensor-frame change of the
#: reading (g) on the fine time grid ``tt`` (s from lights-out), given the sensor's
#: gravity-up direction at rest before it.
Render = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class _Move:
    """One movement on one sensor, with its truth row."""

    kind: str  # "jerk" or a confounder kind
    location: str
    start: float  # s from lights-out
    end: float
    window: tuple[float, float]  # span rendered, s (covers the filter's ring)
    render: Render
    series_id: int = -1
    jerk_id: int = -1
    hold: Callable[[np.ndarray], np.ndarray] | None = None  # lasting offset after, g (3,)
    peak_g: float = 0.0


@dataclass
class _Pose:
    """A change of a sensor's resting orientation (posture shift, fidget, phone)."""

    t: float  # start, s from lights-out
    dur: float  # s
    target: np.ndarray | None = None  # absolute new gravity-up direction
    turn: tuple[np.ndarray, float] | None = None  # or a turn (axis, angle rad) of the last


def _limb_rotation(theta: np.ndarray, dt: float, k: np.ndarray, r_m: float) -> Render:
    """Render of a segment turning by ``theta`` (rad, on the fine grid) about joint axis
    ``k`` with the sensor ``r_m`` m from the joint: tangential r*alpha and centripetal
    r*omega^2 acceleration plus gravity turned into the sensor frame, minus the reading
    at rest before the movement."""
    omega = np.gradient(theta, dt)
    alpha = np.gradient(omega, dt)
    x = np.array([1.0, 0.0, 0.0])
    tangential = np.cross(k, x)

    def render(tt: np.ndarray, u: np.ndarray) -> np.ndarray:
        lin = (alpha[:, None] * tangential - omega[:, None] ** 2 * x) * (r_m / G)
        return _rotate(u, k, -theta) + lin - u

    return render


def _padded(x: np.ndarray) -> Render:
    """Render of a fixed change ``x`` (n, 3) g from the window's start, 0 after it."""
    def render(tt: np.ndarray, u: np.ndarray) -> np.ndarray:
        out = np.zeros((len(tt), 3))
        m = min(len(tt), len(x))
        out[:m] = x[:m]
        return out

    return render


def _burst_noise(rng: np.random.Generator, n: int, band_hz: tuple[float, float],
                 peak_g: float) -> np.ndarray:
    """Band-limited 3-axis noise on the fine grid under a Hann envelope, peak ``peak_g``."""
    sos = signal.butter(2, band_hz, btype="bandpass", fs=FINE_HZ, output="sos")
    x = signal.sosfiltfilt(sos, rng.normal(size=(n + 400, 3)), axis=0)[200:-200]
    x *= np.hanning(n)[:, None]
    return x * (peak_g / max(float(np.abs(x).max()), 1e-12))


class _Night:
    """One night before the sensors: its hypnogram, the poses of each sensor and every
    movement each sensor will see (rendered by :func:`_sensor`)."""

    def __init__(self, cfg: HypnogramConfig, seed: int):
        self.cfg, self.seed = cfg, seed
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        local = pd.Timestamp(cfg.date).tz_localize(cfg.timezone) + pd.Timedelta(
            hours=rng.uniform(*cfg.lights_out_local_h))
        self.t0_ns = int(local.tz_convert("UTC").floor("s").value)
        self.sleep = _hypnogram(cfg, rng)
        self.rec_start = -cfg.pre_lights_out_min * 60
        self.rec_end = len(self.sleep.stages) * EPOCH_S
        self.sites = {loc: _site(loc) for loc in cfg.locations}
        self.moves: list[_Move] = []
        self.poses: dict[str, list[_Pose]] = {loc: [] for loc in cfg.locations}
        self.jerk_rows: list[dict[str, Any]] = []
        self._postures()
        self._wake_movements()
        self._sleep_movements()
        self._jerks()

    # helpers ----------------------------------------------------------------------
    def _stage_at(self, t: np.ndarray | float) -> np.ndarray:
        """Stage code at times ``t`` s (W before lights-out)."""
        e = np.clip((np.asarray(t) // EPOCH_S).astype(int), 0, len(self.sleep.stages) - 1)
        return np.where(np.asarray(t) < 0, W, self.sleep.stages[e])

    def _times_in(self, stages: tuple[int, ...], rate_per_min: float) -> np.ndarray:
        """Poisson times (s) inside the epochs of ``stages`` in bed, ``rate_per_min``."""
        mask = np.isin(self.sleep.stages, stages)
        n = self.rng.poisson(rate_per_min * mask.sum() * EPOCH_S / 60)
        epochs = self.rng.choice(np.flatnonzero(mask), size=n) if mask.any() else np.zeros(0, int)
        return np.sort(epochs * EPOCH_S + self.rng.uniform(0, EPOCH_S, n))

    def _on_part(self, part: str) -> list[str]:
        """Worn locations on body part ``part``."""
        return [loc for loc in self.cfg.locations if LOCATIONS[loc] == part]

    def _add_rotation(self, kind: str, loc: str, joint: str, theta: np.ndarray, t_first: float,
                      start: float, end: float, series_id: int = -1,
                      jerk_id: int = -1) -> _Move | None:
        """A rotation of the segment ``loc`` sits on about ``joint``; ``theta`` (rad) is on
        the fine grid from ``t_first`` s and may end away from 0 (the limb stays there)."""
        r = RADIUS_M[joint].get(self.sites[loc], 0.0)
        if r == 0.0:
            return None
        k = _joint_axis(self.rng)
        mv = _Move(kind, loc, start, end, (t_first, t_first + len(theta) / FINE_HZ),
                   _limb_rotation(theta, 1 / FINE_HZ, k, r), series_id, jerk_id)
        end_angle = float(theta[-1])
        if end_angle != 0.0:
            mv.hold = lambda u: _rotate(u, k, np.array([-end_angle]))[0] - u
        self.moves.append(mv)
        return mv

    def _add_burst(self, kind: str, loc: str, start: float, dur: float, band: tuple[float, float],
                   peak: float) -> None:
        """Irregular movement in ``band`` Hz of ``dur`` s, peak ``peak`` g."""
        n = max(int(dur * FINE_HZ), 8)
        x = _burst_noise(self.rng, n, band, peak)
        self.moves.append(_Move(kind, loc, start, start + dur, (start, start + n / FINE_HZ + 0.2),
                                _padded(x)))

    # posture ----------------------------------------------------------------------
    def _posture_shift(self, t: float) -> None:
        """The body turns at ``t`` s: new poses for every sensor, with movement."""
        rng = self.rng
        roll = rng.choice([0.0, np.pi / 2, -np.pi / 2, np.pi], p=[0.4, 0.25, 0.25, 0.1])
        roll += rng.normal(0, np.radians(15))
        dur = rng.uniform(2, 6)
        for loc, site in self.sites.items():
            self.poses[loc].append(_Pose(t, dur, target=_pose(site, roll, rng)))
            peak = rng.uniform(0.04, 0.15) if site in ("trunk", "head") else rng.uniform(0.1, 0.5)
            self._add_burst("posture", loc, t, dur, (0.5, 3.0), peak)

    def _postures(self) -> None:
        """Sitting up before lights-out, lying down, then the night's posture shifts."""
        rng, st = self.rng, self.sleep.stages
        for loc, site in self.sites.items():  # sitting up in bed before lights-out
            self.poses[loc].append(_Pose(self.rec_start, 0.0, target=_pose(site, 0.0, rng, True)))
        self._posture_shift(rng.uniform(-20, -5))  # lying down at lights-out
        times = [*self._times_in((W,), 0.1),
                 *self._times_in((N1, N2), self.cfg.sleep_posture_per_h / 60)]
        # stage changes that come with a brief arousal: leaving N3 or REM, waking up
        change = np.flatnonzero(((st[:-1] == N3) & (st[1:] != N3))
                                | ((st[:-1] == REM) & (st[1:] != REM))
                                | ((st[:-1] != W) & (st[1:] == W))) + 1
        pick = change[rng.random(len(change)) < 0.4]
        times += list(pick * EPOCH_S + rng.uniform(0, 20, len(pick)))
        for t in sorted(times):
            self._posture_shift(float(t))

    # wake --------------------------------------------------------------------------
    def _wake_movements(self) -> None:
        """Restlessness awake in bed (and a little in N1), phone use and knocks."""
        rng, cfg = self.rng, self.cfg
        parts = [p for p in BODY_PARTS if self._on_part(p)]
        wake_rate = cfg.wake_fidgets_per_min
        pre = self.rec_start + rng.uniform(0, -self.rec_start, rng.poisson(-self.rec_start / 60 * wake_rate))
        fidgets = np.concatenate([pre, self._times_in((W,), wake_rate), self._times_in((N1,), 0.1)])
        for t in fidgets:
            part = rng.choice(["arm-left", "arm-right", "leg-left", "leg-right", "trunk"],
                              p=[0.3, 0.3, 0.15, 0.15, 0.1])
            dur = rng.uniform(1.5, 10)
            for loc in self._on_part(str(part)):
                axis, angle = _unit(rng.normal(size=3)), np.radians(rng.uniform(3, 30))
                self.poses[loc].append(_Pose(float(t), dur, turn=(axis, angle)))
                self._add_burst("fidget", loc, float(t), dur, (0.5, 4.0), rng.uniform(0.03, 0.3))
        arms = [p for p in parts if p.startswith("arm")]
        for t in self._times_in((W,), wake_rate / 10) if arms else []:
            dur, f = rng.uniform(1, 6), rng.uniform(2.5, 6)
            for loc in self._on_part(str(rng.choice(arms))):
                n = int(dur * FINE_HZ)
                tt = np.arange(n) / FINE_HZ
                d = _unit(rng.normal(size=3))
                wave = 0.8 * np.sin(2 * np.pi * f * tt) + 0.2 * np.sin(4 * np.pi * f * tt + rng.uniform(0, 6))
                x = np.outer(wave * signal.windows.tukey(n, 0.3), d) * rng.uniform(0.2, 1.0)
                self.moves.append(_Move("scratch", loc, float(t), float(t) + dur,
                                        (float(t), float(t) + dur + 0.2), _padded(x)))
        for t in self._times_in((W,), wake_rate / 10) if arms else []:
            rise, hold, fall = rng.uniform(0.5, 1.5), rng.uniform(0, 2), rng.uniform(0.5, 1.5)
            angle = np.radians(rng.uniform(30, 80))
            tt = np.arange(int((rise + hold + fall + 0.5) * FINE_HZ)) / FINE_HZ
            for loc in self._on_part(str(rng.choice(arms))):
                self._add_rotation("arm-lift", loc, "shoulder", angle * _raised(tt, rise, hold, fall),
                                   float(t), float(t), float(t) + rise + hold + fall)
        if rng.random() < cfg.phone_prob and self.sleep.onset > 600:
            self._phone()
        self._knocks()

    def _phone(self) -> None:
        """Holding a phone up before sleep: forearm raised, physiological tremor, taps."""
        rng = self.rng
        t0 = rng.uniform(30, 0.3 * self.sleep.onset)
        dur = rng.uniform(180, min(1200, 0.6 * self.sleep.onset))
        wrists = [loc for loc in self.cfg.locations if self.sites[loc] == "wrist"]
        if not wrists:
            return
        loc = wrists[0] if len(wrists) == 1 or rng.random() < 0.7 else wrists[1]
        lift = np.radians(rng.uniform(45, 70))
        self.poses[loc].append(_Pose(t0, 1.5, target=_unit(np.array([np.sin(lift), rng.normal(0, 0.2), np.cos(lift)]))))
        self.poses[loc].append(_Pose(t0 + dur, 2.0, target=_pose("wrist", 0.0, rng)))
        n = int(dur * FINE_HZ)
        tt = np.arange(n) / FINE_HZ
        f = rng.uniform(8, 12)  # physiological tremor, 8-12 Hz, a few mg
        amp = rng.uniform(0.003, 0.015) * (1 + 0.3 * np.sin(2 * np.pi * tt / rng.uniform(5, 20)))
        x = np.outer(amp * np.sin(2 * np.pi * f * tt + 0.3 * np.sin(2 * np.pi * 0.2 * tt)), _unit(rng.normal(size=3)))
        taps = np.cumsum(rng.uniform(3, 30, 200))
        taps = taps[taps < dur - 1]
        for ta in taps:  # a thumb tap jolts the wrist, 20-50 mg for ~50 ms
            i = int(ta * FINE_HZ)
            x[i:i + 50] += np.outer(np.hanning(50), _unit(rng.normal(size=3))) * rng.uniform(0.02, 0.05)
        self.moves.append(_Move("phone", loc, t0, t0 + dur, (t0, t0 + dur + 0.2), _padded(x)))

    def _knocks(self) -> None:
        """Impacts on a sensor: a ringing of the housing, 40-150 Hz, decaying in ms."""
        rng = self.rng
        n = rng.poisson(self.cfg.knocks_per_night)
        wake_t = self._times_in((W,), 1.0)
        for _ in range(n):
            if len(wake_t) and rng.random() < 0.7:
                t = float(rng.choice(wake_t))
            else:
                t = rng.uniform(0, self.rec_end)
            loc = str(rng.choice(list(self.cfg.locations)))
            f, tau = rng.uniform(40, 150), rng.uniform(0.004, 0.015)
            tt = np.arange(int(8 * tau * FINE_HZ)) / FINE_HZ
            x = np.outer(np.exp(-tt / tau) * np.sin(2 * np.pi * f * tt), _unit(rng.normal(size=3)))
            x *= rng.uniform(1, 6) / np.abs(x).max()
            self.moves.append(_Move("knock", loc, t, t + 5 * tau, (t, t + len(tt) / FINE_HZ + 0.2),
                                    _padded(x)))

    # sleep -------------------------------------------------------------------------
    def _sleep_movements(self) -> None:
        """Bursts of REM twitches of the distal limbs, and PLM series."""
        rng = self.rng
        distal = {"arm": ("elbow", (0.05, 0.4)), "leg": ("knee", (0.05, 0.3))}
        for t in self._times_in((REM,), self.cfg.rem_twitch_bursts_per_min):
            part = str(rng.choice(["arm-left", "arm-right", "leg-left", "leg-right"]))
            joint, deg = distal[part.split("-")[0]]
            locs = self._on_part(part)
            for tw in float(t) + np.sort(rng.uniform(0, rng.uniform(1, 5), int(rng.integers(2, 7)))):
                d = rng.uniform(0.05, 0.15)
                theta = _pulse_response(d, np.radians(rng.uniform(*deg)), rng.uniform(3, 6),
                                        rng.uniform(0.5, 0.8))
                for loc in locs:
                    self._add_rotation("rem-twitch", loc, joint, theta, tw - 0.05, tw, tw + d)
        self._plm()

    def _plm(self) -> None:
        """Periodic limb movement series (AASM: 0.5-10 s, 5-90 s apart, >= 4 in a row)."""
        rng, st = self.rng, self.sleep.stages
        light = np.flatnonzero(np.isin(st, (N1, N2)))
        light = light[light < len(st) * 0.7]  # mostly in the first part of the night
        sid = 0
        for _ in range(rng.poisson(self.cfg.plm_series_per_night) if len(light) else 0):
            n = 4 + rng.geometric(1 / 10)
            period = rng.uniform(20, 40)
            durs = np.clip(2.0 * np.exp(rng.normal(0, 0.5, n)), 0.5, 10)
            gaps = np.clip(rng.normal(period, 0.15 * period, n - 1), np.maximum(durs[:-1] + 1, 5), 90)
            onsets = float(rng.choice(light) * EPOCH_S) + np.r_[0.0, np.cumsum(gaps)]
            awake = np.flatnonzero(np.isin(self._stage_at(onsets + durs), (W, REM)))
            n = int(awake[0]) if len(awake) else n  # a series ends at waking or REM
            if n < 4:
                continue
            sides = [("leg-left",), ("leg-right",), ("leg-left", "leg-right")][
                int(rng.choice(3, p=[0.3, 0.3, 0.4]))]
            for t, dur in zip(onsets[:n].tolist(), durs[:n].tolist(), strict=True):
                rise = min(rng.uniform(0.2, 0.5), dur / 2)
                fall = min(rng.uniform(0.3, 0.8), dur - rise)
                tt = np.arange(int((dur + 0.5) * FINE_HZ)) / FINE_HZ
                theta = np.radians(rng.uniform(2, 8)) * _raised(tt, rise, dur - rise - fall, fall)
                for side in sides:
                    for loc in self._on_part(side):
                        self._add_rotation("plm", loc, "hip", theta, t, t, t + dur, series_id=sid)
            sid += 1

    # jerks -------------------------------------------------------------------------
    def _jerk_times(self) -> list[tuple[float, int]]:
        """(time s, series id) of every jerk: episodes at transitions plus strays."""
        rng, cfg = self.rng, self.cfg
        lam = cfg.jerks_per_transition / (1 + 2 * cfg.series_prob)  # a series has 3 on average
        out: list[tuple[float, int]] = []
        episodes = [(float(tr + rng.uniform(*JERK_OFFSET_S)), True)
                    for tr in self.sleep.transitions for _ in range(rng.poisson(lam))]
        light = np.flatnonzero(np.isin(self.sleep.stages, (N1, N2)))
        episodes += [(float(e * EPOCH_S + rng.uniform(0, EPOCH_S)), False)
                     for e in rng.choice(light, size=rng.poisson(cfg.stray_jerks_per_night))]
        sid = 0
        for t, at_transition in sorted(episodes):
            if at_transition and rng.random() < cfg.series_prob:
                gaps = rng.uniform(2, 8, int(rng.integers(1, 4)))
                out += [(t + float(dt), sid) for dt in np.cumsum(np.r_[0.0, gaps])]
                sid += 1
            else:
                out.append((t, -1))
        return out

    def _jerks(self) -> None:
        """Each jerk: its pattern, its parts and, per part, a torque-driven rotation."""
        rng, cfg = self.rng, self.cfg
        limbs = ("arm-left", "arm-right", "leg-left", "leg-right")
        for jid, (t, sid) in enumerate(self._jerk_times()):
            pattern = str(rng.choice(DISTRIBUTIONS, p=cfg.pattern_probs))
            if pattern == "focal":
                parts = [str(rng.choice(BODY_PARTS, p=[0.1, 0.25, 0.25, 0.15, 0.15, 0.1]))]
            elif pattern == "segmental":
                parts = list(CONTIGUOUS[int(rng.integers(len(CONTIGUOUS)))])
            elif pattern == "multifocal":
                a = str(rng.choice(limbs[:2]))
                parts = [a, str(rng.choice(limbs[2:]))]
            else:
                parts = list(BODY_PARTS)
            burst = rng.uniform(*JERK_BURST_S)
            rows: list[dict[str, Any]] = []
            for part in parts:
                lag = (rng.uniform(0, MULTIFOCAL_LAG_S) if pattern == "multifocal" else
                       {"head": 0.0, "trunk": 0.3}.get(part, 0.6 if part in limbs[:2] else 1.0)
                       * JERK_SPREAD_S * rng.uniform(0.7, 1.0))
                on = t + lag
                d = float(np.clip(burst * rng.uniform(0.85, 1.15), *JERK_BURST_S))
                joint, deg = {"arm": (str(rng.choice(["shoulder", "elbow"], p=[0.6, 0.4])), 6.0),
                              "leg": (str(rng.choice(["hip", "knee"])), 4.0),
                              "trunk": ("lumbar", 2.0), "head": ("neck", 4.0)}[part.split("-")[0]]
                amp = np.radians(deg * np.exp(rng.normal(0, 0.4)))
                theta_osc = _pulse_response(d, amp, rng.uniform(2.5, 5), rng.uniform(0.4, 0.7))
                tt = np.arange(len(theta_osc)) / FINE_HZ
                theta_end = amp * rng.uniform(0, 0.3) * _smoothstep((tt - 0.05) / (d + 0.3))
                theta = theta_osc + theta_end
                first = on - 0.05  # the fine grid starts 50 ms before movement onset
                site = DISTAL_SITE[part]
                shown = [mv for loc in self._on_part(part) if (mv := self._add_rotation(
                    "jerk", loc, joint, theta, first, on, on + d, sid, jid)) is not None]
                # physical peak at the part's distal site, for the jerk's own row
                u_site = np.array([0.0, 0.0, 1.0])
                r = RADIUS_M[joint].get(site, 0.0)
                peak = float(np.abs(_limb_rotation(theta, 1 / FINE_HZ, _joint_axis(rng), r)(tt, u_site)).max())
                rows.append(dict(part=part, start=on, end=on + d, peak=peak, moves=shown))
            self.jerk_rows.append(dict(jerk_id=jid, series_id=sid, pattern=pattern, parts=rows))


def _pulse_response(d: float, amp: float, fn_hz: float, zeta: float) -> np.ndarray:
    """Angle (rad) on the fine grid of a limb (second-order: inertia, passive stiffness
    and damping, natural frequency ``fn_hz``, damping ratio ``zeta``) driven by a
    half-sine joint torque of ``d`` s starting 50 ms into the grid; scaled so its
    largest excursion is ``amp`` rad. The grid runs 1.2 s past the torque."""
    n = int((0.05 + d + 1.2) * FINE_HZ)
    tt = np.arange(n) / FINE_HZ - 0.05
    torque = np.where((tt >= 0) & (tt <= d), np.sin(np.pi * np.clip(tt / d, 0, 1)), 0.0)
    w = 2 * np.pi * fn_hz
    b, a = signal.bilinear([1.0], [1.0, 2 * zeta * w, w * w], fs=FINE_HZ)
    theta = signal.lfilter(b, a, torque)
    return amp * theta / max(float(np.abs(theta).max()), 1e-12)


# -- 3. sensor front end --------------------------------------------------------------

@dataclass
class _Clock:
    """Which device samples arrived and when (s from lights-out unless ``_ns``)."""

    t_true: np.ndarray  # true time of each received sample
    time_ns: np.ndarray  # its time stamp as the host records it, ns since the epoch
    loss: np.ndarray  # (k, 2) true-time spans with samples lost
    sync_ns: np.ndarray  # (m, 2) recorded and true ns at both ends of each connection
    error_ppm: float  # the sample clock's error (positive: it runs fast)


def _clock(night: _Night, rng: np.random.Generator) -> _Clock:
    """Sample times of one sensor.

    The device samples on its own oscillator (off by ``error_ppm``), packs ``N``
    samples a frame and stamps each frame with its device time (plus a small firmware
    delay). The host anchors the device clock to its own (UTC) clock at the first frame
    of each connection, when it arrives 7.5-50 ms (one BLE connection interval) late,
    and spaces each frame's samples evenly back from its stamp: over the time since the
    previous frame, or at the nominal period after a lost frame.
    """
    cfg = night.cfg
    fs, n_fr = cfg.fs_hz, cfg.frame_samples
    err = rng.uniform(-1, 1) * cfg.drift_ppm * 1e-6
    fs_true = fs * (1 + err)
    span = night.rec_end - night.rec_start
    n_frames = int(span * fs_true) // n_fr
    last = np.arange(n_frames) * n_fr + n_fr - 1
    frame_true = night.rec_start + last / fs_true
    lost = np.zeros(n_frames, bool)
    new_conn = np.zeros(n_frames, bool)
    for _ in range(rng.poisson(cfg.frame_losses_per_h * span / 3600)):
        k = int(rng.integers(1, n_frames - 1))
        lost[k:k + int(rng.integers(1, 4))] = True
    for _ in range(rng.poisson(cfg.disconnects_per_night)):
        t0 = rng.uniform(night.rec_start + 60, night.rec_end - 60)
        dur = float(np.clip(cfg.disconnect_median_s * np.exp(rng.normal(0, 1)), 5, 1800))
        lost |= (frame_true >= t0) & (frame_true < t0 + dur)
        after = int(np.searchsorted(frame_true, t0 + dur))
        if after < n_frames:
            new_conn[after] = True
    lost[[0, -1]] = False
    rk = np.flatnonzero(~lost)
    seg = np.cumsum(new_conn)[rk]
    stamp_dev = last[rk] / fs + rng.uniform(0, cfg.stamp_jitter_ms * 1e-3, len(rk))
    first = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])  # positions in rk
    anchor = first[np.searchsorted(first, np.arange(len(rk)), side="right") - 1]
    latency = rng.uniform(0.0075, 0.05, len(rk))
    stamp = frame_true[rk[anchor]] + latency[anchor] + (stamp_dev - stamp_dev[anchor])
    follows = np.r_[False, (np.diff(rk) == 1) & (seg[1:] == seg[:-1])]
    spacing = np.where(follows, np.diff(stamp, prepend=stamp[0]) / n_fr, 1 / fs)
    back = np.arange(n_fr - 1, -1, -1)
    rec = (stamp[:, None] - back[None, :] * spacing[:, None]).ravel()
    dev_idx = (rk[:, None] * n_fr + np.arange(n_fr)[None, :]).ravel()
    t_true = night.rec_start + dev_idx / fs_true
    time_ns = night.t0_ns + np.round(rec * 1e9).astype(np.int64)
    jump = np.flatnonzero(np.diff(dev_idx) > 1)
    loss = np.stack([t_true[jump], t_true[jump + 1]], axis=1)
    ends = np.flatnonzero(np.r_[True, np.diff(np.repeat(seg, n_fr)) != 0])
    ends = np.unique(np.r_[ends, ends[1:] - 1, len(rec) - 1])
    true_ns = night.t0_ns + np.round(t_true[ends] * 1e9).astype(np.int64)
    return _Clock(t_true, time_ns, loss, np.stack([time_ns[ends], true_ns], axis=1), err * 1e6)


@dataclass
class _Timeline:
    """A sensor's resting orientation over the night: smooth changes between poses."""

    start: np.ndarray  # s
    dur: np.ndarray  # s
    before: np.ndarray  # (m, 3) gravity-up direction before each change
    after: np.ndarray  # (m, 3) and after it

    @classmethod
    def build(cls, poses: list[_Pose]) -> _Timeline:
        """Changes in time order; one that starts before the last has ended waits for it."""
        starts, durs, before, after = [], [], [], []
        cur: np.ndarray | None = None
        free = -np.inf
        for p in sorted(poses, key=lambda p: p.t):
            if p.target is not None:
                new = p.target
            elif p.turn is not None and cur is not None:
                new = _rotate(cur, p.turn[0], np.array([p.turn[1]]))[0]
            else:  # a turn before any pose: nothing to turn
                continue
            t = max(p.t, free)
            starts.append(t)
            durs.append(p.dur)
            before.append(new if cur is None else cur)
            after.append(new)
            cur, free = new, t + p.dur
        return cls(np.array(starts), np.array(durs), np.array(before), np.array(after))

    def at(self, t: np.ndarray) -> np.ndarray:
        """Gravity-up direction (n, 3) at times ``t`` s."""
        i = np.maximum(np.searchsorted(self.start, t, side="right") - 1, 0)
        dur = self.dur[i]
        s = _smoothstep(np.divide(t - self.start[i], dur, out=np.ones_like(t), where=dur > 0))
        return _unit(self.before[i] + (self.after[i] - self.before[i]) * s[:, None])

    def next_change(self, t: float) -> tuple[float, float]:
        """Start and length (s) of the first change starting after ``t`` (inf if none)."""
        i = int(np.searchsorted(self.start, t, side="right"))
        return (float(self.start[i]), float(self.dur[i])) if i < len(self.start) else (np.inf, 0.0)


def _breathing(night: _Night, t: np.ndarray, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Chest-wall tilt of a trunk sensor (g): a rotation of the sternum about the body's
    left-right axis (sensor y) by 0.3-0.6 deg at 12-16 breaths/min, slower and steadier
    in deep NREM, faster and irregular awake and in REM."""
    stages = night.sleep.stages
    rate = np.array([0.25, 0.24, 0.23, 0.21, 0.25])[stages]  # Hz, W N1 N2 N3 REM
    wobble = np.array([0.12, 0.06, 0.04, 0.03, 0.12])[stages]
    f_epoch = rate * (1 + wobble * rng.normal(size=len(stages)))
    centres = (np.arange(len(stages)) + 0.5) * EPOCH_S
    f = np.interp(t, centres, f_epoch)
    phase = 2 * np.pi * np.cumsum(f * np.diff(t, prepend=t[0]))
    amp = np.radians(np.interp(t, centres, rng.uniform(0.3, 0.6, len(stages))))
    return (amp * np.sin(phase))[:, None] * np.cross(np.array([0.0, 1.0, 0.0]), u)


def _sensor(night: _Night, loc: str) -> tuple[Recording, _Clock]:
    """One sensor's recording; fills in the physical peak of each of its movements."""
    cfg = night.cfg
    rng = np.random.default_rng([night.seed, cfg.locations.index(loc)])
    clock = _clock(night, rng)
    t = clock.t_true
    timeline = _Timeline.build(night.poses[loc])
    acc = timeline.at(t)
    if night.sites[loc] == "trunk":
        acc += _breathing(night, t, acc, rng)
    bw = cfg.bandwidth_ratio * cfg.fs_hz
    sos_fine = signal.butter(2, bw, fs=FINE_HZ, output="sos")
    for mv in (m for m in night.moves if m.location == loc):
        a, b = mv.window
        u = timeline.at(np.array([a]))[0]
        tt = a + np.arange(int(round((b - a) * FINE_HZ))) / FINE_HZ
        delta = mv.render(tt, u)
        mv.peak_g = float(np.linalg.norm(delta, axis=1).max())
        seen = signal.sosfilt(sos_fine, delta, axis=0)
        i0, i1 = np.searchsorted(t, [a, tt[-1]])
        for ax in range(3):
            acc[i0:i1, ax] += np.interp(t[i0:i1], tt, seen[:, ax])
        if mv.hold is not None:  # the limb stays where the movement left it
            off = mv.hold(u)
            c0, c_dur = timeline.next_change(tt[-1])
            j0, j1, j2 = np.searchsorted(t, [tt[-1], c0, c0 + c_dur])
            acc[j0:j1] += off
            fade = 1 - _smoothstep((t[j1:j2] - c0) / max(c_dur, 1e-9))
            acc[j1:j2] += fade[:, None] * off
    # front end: noise in the filter's band, offset and gain, range, quantisation
    sigma = cfg.noise_ug_rthz * 1e-6 * np.sqrt(cfg.fs_hz / 2)
    sos = signal.butter(2, bw, fs=cfg.fs_hz, output="sos")
    acc += signal.sosfilt(sos, rng.normal(0, sigma, acc.shape), axis=0)
    acc = acc * (1 + rng.uniform(-1, 1, 3) * cfg.gain_error) + rng.uniform(-1, 1, 3) * cfg.offset_mg * 1e-3
    lsb = 2 * cfg.range_g / 2 ** cfg.resolution_bits
    top = 2 ** (cfg.resolution_bits - 1)
    acc = np.clip(np.round(acc / lsb), -top, top - 1) * lsb
    meta = dict(format="simulated", tz=cfg.timezone, model="hypnogram", lsb_g=lsb,
                clock_error_ppm=clock.error_ppm, sync_points_ns=clock.sync_ns)
    rec = Recording(clock.time_ns, acc.astype(np.float32), cfg.fs_hz, loc, cfg.chip,
                    find_gaps(clock.time_ns, cfg.fs_hz), meta)
    return rec, clock


# -- ground truth and entry point -----------------------------------------------------

def _in_gap(loss: np.ndarray, start: float, end: float) -> bool:
    """Whether [start, end] s overlaps a span with lost samples."""
    return bool(np.any((loss[:, 0] < end) & (loss[:, 1] > start)))


def simulate_hypnogram_night(config: HypnogramConfig, seed: int) -> SimulatedNight:
    """Simulate one night of the hypnogram model, with its ground truth.

    Parameters
    ----------
    config : HypnogramConfig
        The night's sleeper, movements and sensor front end (see
        :data:`HYPNOGRAM_VARIANTS`).
    seed : int
        Seed of the random generator; the same seed gives the same night.

    Returns
    -------
    SimulatedNight
        Recordings (acceleration in g, times in ns UTC on each device's clock) and the
        truth in true UTC time: ``jerks``, ``jerk_sensors``, ``confounders``, ``sleep``
        (lights-out, onset, wake, awakenings, ``periods`` and the ``hypnogram`` of 30 s
        epochs), ``gaps`` and an empty ``markers`` table.
    """
    night = _Night(config, seed)

    def ts(s: float | np.ndarray) -> Any:
        return pd.to_datetime(night.t0_ns + np.round(np.asarray(s) * 1e9).astype(np.int64), utc=True)

    recordings, losses = {}, {}
    for loc in config.locations:
        recordings[loc], clock = _sensor(night, loc)
        losses[loc] = clock.loss
    sl = night.sleep
    periods = [(0.0, sl.onset, sl.wake, sl.awakenings)]

    js: list[dict[str, Any]] = [dict(jerk_id=m.jerk_id, location=m.location, start=m.start, end=m.end,
               duration_s=m.end - m.start, peak_g=m.peak_g,
               in_gap=_in_gap(losses[m.location], m.start, m.end))
          for m in night.moves if m.kind == "jerk"]
    rows = []
    for j in night.jerk_rows:
        parts = j["parts"]
        start, end = min(p["start"] for p in parts), max(p["end"] for p in parts)
        mine = [r for r in js if r["jerk_id"] == j["jerk_id"]]
        rows.append(dict(
            jerk_id=j["jerk_id"], start=start, end=end, duration_s=end - start,
            peak_g=max([p["peak"] for p in parts] + [r["peak_g"] for r in mine]),
            pattern=j["pattern"], parts=";".join(p["part"] for p in parts),
            series_id=j["series_id"],
            sensors=";".join(dict.fromkeys(r["location"] for r in mine)),
            observable=any(not r["in_gap"] for r in mine)))
    jerks = pd.DataFrame(rows, columns=["jerk_id", "start", "end", "duration_s", "peak_g",
                                        "pattern", "parts", "series_id", "sensors",
                                        "observable"])
    phase, rel, _ = phase_of(jerks["start"].to_numpy(float), periods)
    jerks["phase"], jerks["rel_onset_s"] = phase, rel
    jerks = jerks[["jerk_id", "start", "end", "duration_s", "peak_g", "pattern", "parts",
                   "series_id", "phase", "rel_onset_s", "sensors", "observable"]]
    jerk_sensors = pd.DataFrame(js, columns=["jerk_id", "location", "start", "end",
                                             "duration_s", "peak_g", "in_gap"])
    conf = pd.DataFrame(
        [dict(kind=m.kind, location=m.location, start=m.start, end=m.end,
              duration_s=m.end - m.start, peak_g=m.peak_g, series_id=m.series_id,
              in_gap=_in_gap(losses[m.location], m.start, m.end))
         for m in night.moves if m.kind != "jerk"],
        columns=["kind", "location", "start", "end", "duration_s", "peak_g", "series_id",
                 "in_gap"])
    types = dict(duration_s=float, peak_g=float, jerk_id=int, series_id=int, in_gap=bool,
                 observable=bool, rel_onset_s=float)
    for df in (jerks, jerk_sensors, conf):
        for col, kind in types.items():
            if col in df:
                df[col] = df[col].astype(kind)
        for col in ("start", "end"):
            df[col] = ts(df[col].to_numpy(float))
    conf = conf.sort_values(["start", "location"], ignore_index=True)
    awakenings = [(ts(a), ts(b)) for a, b in sl.awakenings]
    hypnogram = pd.DataFrame({"start": ts(np.arange(len(sl.stages)) * EPOCH_S),
                              "stage": np.array(STAGES, dtype=object)[sl.stages]})
    sleep = dict(lights_out=ts(0.0), onset=ts(sl.onset), wake=ts(sl.wake), awakenings=awakenings,
                 periods=[dict(lights_out=ts(0.0), onset=ts(sl.onset), wake=ts(sl.wake),
                               awakenings=awakenings, kind="night")],
                 hypnogram=hypnogram)
    gaps = {loc: rec.gaps for loc, rec in recordings.items()}
    return SimulatedNight(recordings, jerks, jerk_sensors, conf, sleep, gaps, config, seed)
