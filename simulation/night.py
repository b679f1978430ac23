"""Believable overnight accelerometer recordings with ground truth.

The simulator builds one night for one or several sensors worn together (wrist, ankle,
trunk, ...) on one true time base, then passes each sensor's signal through a sensor
model. Everything is drawn from one seeded generator, so a seed gives the same night.

What a night contains (times are drawn per night, see :class:`NightConfig`):

* **Sleep structure** — awake in bed with ordinary movement, lights out, a quiet wake
  period before sleep onset, sleep with rare posture shifts (roll-overs that change
  every sensor's orientation), the small slow movements that real sleepers make about
  15 times an hour, each turning every limb a little (``sleep_turns``), a few brief
  awakenings, a final awakening.
* **Hypnic jerks** — brief (100-300 ms) biphasic bursts of 0.3-6 g, clustered around
  sleep onset and around the return to sleep after an awakening; isolated or in short
  series; focal (one body part), segmental (two contiguous parts), multifocal (two or
  more non-contiguous parts, asynchronous) or generalized (every part within tens of ms,
  spreading from the trunk). A sensor shows a jerk only if its body part is involved.
* **Look-alikes a detector must not call a jerk** — periodic limb movements of the legs
  (0.5-10 s movements every 5-90 s in series of 4 or more, in the first half of sleep),
  scratching (3-10 Hz, up to 1.5 g) and tremor-like rhythmic bursts (4-8 Hz, small), knocks
  on the sensor (one- or two-sample spikes of 2-16 g), posture shifts, the turns of
  sleep and ordinary movement while awake.
* **The sleeper's own markers** (optional, ``n_markers``) — two firm taps on an arm
  sensor a few seconds after a jerk the sleeper felt (:mod:`detection.markers`
  finds them), never a jerk.
* **Sensor reality** — white noise, calibration offset and gain error, a one-sample-period
  integrating front end (so short bursts lose peak at low rates, as on real sensors),
  clipping at the range, quantisation to the resolution, a real rate that differs from
  the nominal one (clock drift, in ppm), and data gaps (lost samples, never filled in).

Timestamps are the true UTC times of the samples (what a recorder that corrects the
sensor clock against the host clock stores), so truth times and sample times share
one time base.

Several nights with a diary: :mod:`simulation.diary`; writing a night to files:
:mod:`simulation.export`. Body parts, contiguity and phases come from
:mod:`sensing.body`, the definitions detection uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sensing.body import (
    ARMS,
    BODY_PARTS,
    CONTIGUOUS,
    DISTRIBUTIONS,
    LEGS,
    LIMBS,
    LOCATIONS,
    contiguous,
    phase_of,
)
from sensing.errors import HypnicError, wrong_type
from sensing.recording import Recording

#: Contiguous pairs a segmental jerk is drawn from: the trunk and the limbs (a
#: generalized jerk also moves the head).
SEGMENTS = tuple(pair for pair in CONTIGUOUS if "head" not in pair)
#: Propagation delay of a generalized jerk from the trunk to each part, s (range).
SPREAD_DELAY_S = {"trunk": (0.0, 0.005), "arm-left": (0.005, 0.02), "arm-right": (0.005, 0.02),
                  "leg-left": (0.015, 0.04), "leg-right": (0.015, 0.04), "head": (0.0, 0.01)}
#: Shortest lobe of a jerk's biphasic acceleration, s: the limb's acceleration follows
#: the muscle's torque, an EMG burst of at least 40 ms (75-250 ms as a rule) with the
#: twitch's rise, so a 1-cycle burst lasts at least 0.1 s and a 1.5-cycle one 0.15 s.
MIN_JERK_LOBE_S = 0.05
#: Small movements of sleep, between posture shifts: (smallest, largest turn of a limb
#: in degrees, movements per hour asleep). Measured on the 46 real ICHI14 wrist nights
#: (211 h of PSG sleep; the gravity direction's turn between 5 s epochs, >= 2 degrees,
#: joined into bouts): 5.6, 2.2, 1.7 and 1.7 an hour by 2-5, 5-10, 10-20 and 20-45
#: degrees (and 3.0 larger ones, the posture shifts). Real sleepers never lie motionless
#: for long: the longest stretch without a turn there is 25 min. The 14.8 an hour are
#: about the 11 movements an hour of the whole body that video-PSG counts in healthy
#: sleep (Montini et al., Sleep 2024, 50 nights), so each movement turns every limb worn.
SLEEP_TURNS_PER_H = ((2.0, 5.0, 5.6), (5.0, 10.0, 2.2), (10.0, 20.0, 1.7), (20.0, 45.0, 1.7))
#: Share of a limb's turn that each body part turns in a movement of sleep (assumed: the
#: trunk and head, which turn with the posture shifts, a quarter).
SLEEP_TURN_SHARE = {"arm-left": 1.0, "arm-right": 1.0, "leg-left": 1.0, "leg-right": 1.0,
                    "trunk": 0.25, "head": 0.25, "unknown": 1.0}
#: Relative amplitude of ordinary wake movement by body part.
WAKE_MOVEMENT = {"arm-left": 1.0, "arm-right": 1.0, "leg-left": 0.45, "leg-right": 0.45,
                 "trunk": 0.25, "head": 0.35, "unknown": 1.0}


@dataclass(frozen=True)
class NightConfig:
    """Parameters of one simulated night. Defaults give a typical night.

    Attributes
    ----------
    fs : float
        Nominal sampling rate, Hz.
    locations : tuple of str
        Where sensors are worn (keys of :data:`sensing.body.LOCATIONS`).
    hours_in_bed : float
        Length of the recording, h.
    start : str
        Start of the recording, ISO-8601 UTC.
    expected_jerks : float
        Mean number of hypnic jerks in the night (Poisson); ignored if ``n_jerks`` is set.
    n_jerks : int or None
        Exact number of hypnic jerk episodes (a series counts as its jerks).
    series_prob : float
        Probability that a jerk episode is a series of 2-3 jerks 1-20 s apart.
    pattern_probs : dict
        Probabilities of focal, segmental, multifocal and generalized jerks.
    plm : bool or None
        Whether periodic limb movements occur; None draws it (probability 0.35).
    n_scratch, n_tremor, n_knocks : int or None
        Number of scratching bouts, tremor bursts and knocks; None draws them.
    noise_g : float
        White noise per axis, g RMS.
    range_g : float
        Full-scale range, +-g; larger values clip.
    resolution_bits : int
        ADC resolution over the full range (16 bit at +-8 g: 0.24 mg steps).
    drift_ppm : float or None
        Real rate = fs * (1 + drift_ppm * 1e-6); None draws it uniformly in +-40 ppm.
    gaps_per_night : float
        Mean number of data gaps per sensor (Poisson), each 0.5 s to 10 min long.
    sleep_turns : float
        Small movements of sleep between posture shifts, as a multiple of the real
        sleepers' rate (:data:`SLEEP_TURNS_PER_H`): in each, every sensor turns slowly
        by 2-45 degrees (its own size and axis; :data:`SLEEP_TURN_SHARE`) over the same
        1-3 s, and the limbs stay turned. 0 gives a sleeper who lies motionless between
        posture shifts.
    n_markers : int
        Felt-it markers (two taps 0.2-0.45 s apart, 1.5-4 g) on the first arm sensor
        (else the first sensor): 2-10 s after each of up to ``n_markers`` jerks that
        sensor shows, the rest in the quiet wake before sleep onset; none by default.

    Examples
    --------
    >>> NightConfig(fs=50, locations=("wrist-left", "ankle-left")).hours_in_bed
    8.0
    >>> NightConfig(locations=("elbow",))
    Traceback (most recent call last):
    ...
    sensing.errors.HypnicError: locations must be distinct names from wrist-left, wrist-right, upper-arm-left, upper-arm-right, ankle-left, ankle-right, thigh-left, thigh-right, trunk, head; got elbow
    """

    fs: float = 100.0
    locations: tuple[str, ...] = ("wrist-left", "ankle-left", "trunk")
    hours_in_bed: float = 8.0
    start: str = "2026-01-05T22:30:00Z"
    expected_jerks: float = 4.0
    n_jerks: int | None = None
    series_prob: float = 0.25
    pattern_probs: dict[str, float] = field(default_factory=lambda: dict(
        zip(DISTRIBUTIONS, (0.3, 0.15, 0.05, 0.5), strict=True)))
    plm: bool | None = None
    n_scratch: int | None = None
    n_tremor: int | None = None
    n_knocks: int | None = None
    noise_g: float = 0.004
    range_g: float = 8.0
    resolution_bits: int = 16
    drift_ppm: float | None = None
    gaps_per_night: float = 1.0
    n_markers: int = 0
    sleep_turns: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.locations, str):  # one location, not its letters
            object.__setattr__(self, "locations", (self.locations,))
        for name in ("fs", "hours_in_bed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise wrong_type(f"NightConfig.{name}", "a number", value)
        if self.sleep_turns < 0:
            raise HypnicError(f"sleep_turns must be 0 or more, got {self.sleep_turns}")
        if self.n_markers < 0:
            raise HypnicError(f"n_markers must be 0 or more, got {self.n_markers}")
        if not 10 <= self.fs <= 1000:
            raise HypnicError(f"fs must be 10-1000 Hz, got {self.fs}")
        if not 0.5 <= self.hours_in_bed <= 16:
            raise HypnicError(f"hours_in_bed must be 0.5-16 h, got {self.hours_in_bed}")
        bad = [loc for loc in self.locations if loc not in LOCATIONS or loc == "unknown"]
        if bad or not self.locations or len(set(self.locations)) != len(self.locations):
            raise HypnicError(
                f"locations must be distinct names from {', '.join(list(LOCATIONS)[:-1])}; "
                f"got {', '.join(self.locations) or 'none'}"
            )


@dataclass(frozen=True)
class SimulatedNight:
    """A simulated night and its ground truth.

    Attributes
    ----------
    recordings : dict of str to Recording
        One recording per sensor location.
    jerks : DataFrame
        One row per hypnic jerk: ``jerk_id``, ``start``/``end`` (UTC, earliest/latest
        over the involved body parts), ``duration_s``, ``peak_g`` (largest physical peak
        before the sensor front end), ``pattern`` (focal/segmental/multifocal/
        generalized), ``parts`` (";"-joined body parts), ``series_id`` (-1 isolated),
        ``phase``, ``rel_onset_s``, ``sensors`` (";"-joined locations that show it),
        ``observable`` (some sensor shows it outside a gap).
    jerk_sensors : DataFrame
        One row per jerk per sensor that shows it: ``jerk_id``, ``location``, ``start``,
        ``end``, ``duration_s``, ``peak_g``, ``in_gap``.
    confounders : DataFrame
        One row per look-alike: ``kind`` (plm, scratch, tremor, knock, posture, turn),
        ``location``, ``start``, ``end``, ``duration_s``, ``peak_g``, ``series_id``
        (PLM series, else -1), ``in_gap``.
    sleep : dict
        ``lights_out``, ``onset``, ``wake`` (UTC Timestamps) and ``awakenings``
        (list of (start, end) Timestamps).
    gaps : dict of str to ndarray
        True data gaps per location, int64 ns (k, 2).
    config : NightConfig or BiomechConfig
        What made it (:func:`simulate_night` or
        :func:`simulation.biomech.simulate_biomech_night`, whose ``sleep`` also lists
        ``periods``: one such dict per night or nap, with ``kind``).
    seed : int
    markers : DataFrame
        One row per felt-it marker: ``start`` (first tap, UTC), ``end`` (second tap),
        ``location``, ``jerk_id`` (the jerk felt, -1 for none), ``in_gap``.
    """

    recordings: dict[str, Recording]
    jerks: pd.DataFrame
    jerk_sensors: pd.DataFrame
    confounders: pd.DataFrame
    sleep: dict
    gaps: dict[str, np.ndarray]
    config: Any
    seed: int
    markers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["start", "end", "location", "jerk_id", "in_gap"]))


class _Night:
    """Builds one night; holds the shared timeline while each sensor is rendered."""

    GRID_HZ = 10.0  # rate of the slow components (orientation, wake movement)

    def __init__(self, cfg: NightConfig, seed: int):
        self.cfg, self.seed = cfg, seed
        self.rng = np.random.default_rng(seed)
        self.t0_ns = int(pd.Timestamp(cfg.start).tz_convert("UTC").value) if pd.Timestamp(
            cfg.start).tzinfo else int(pd.Timestamp(cfg.start).tz_localize("UTC").value)
        self.T = cfg.hours_in_bed * 3600.0
        self._timeline()
        self.parts = {loc: LOCATIONS[loc] for loc in cfg.locations}
        self.events: list[dict] = []  # per-sensor bursts to render
        self.confounders: list[dict] = []
        self._jerks()
        self._confounders()
        self.turns = self._sleep_turns()
        self.markers: list[dict] = []
        if cfg.n_markers:
            self._markers()

    # -- timeline -----------------------------------------------------------------
    def _timeline(self) -> None:
        r, T = self.rng, self.T
        scale = min(1.0, T / (8 * 3600))
        self.lights_out = r.uniform(2, 15) * 60 * scale
        self.onset = self.lights_out + r.uniform(8, 30) * 60 * scale
        self.wake = T - r.uniform(5, 15) * 60 * scale
        awakenings: list[tuple[float, float]] = []
        lo, hi = self.onset + 30 * 60 * scale, self.wake - 10 * 60 * scale
        if hi > lo:
            for s in np.sort(r.uniform(lo, hi, r.poisson(2.5 * scale))):
                d = r.uniform(1, 6) * 60
                if (not awakenings or s > awakenings[-1][1] + 20 * 60) and s + d < hi:
                    awakenings.append((float(s), float(s + d)))
        self.awakenings = awakenings
        # activity level on the slow grid: 1 awake and active, ~0.1 quiet wake, 0 asleep
        n = int(T * self.GRID_HZ) + 2
        tg = np.arange(n) / self.GRID_HZ
        act = np.where(tg < self.lights_out, 1.0, 0.0)
        quiet = (tg >= self.lights_out) & (tg < self.onset)
        act[quiet] = 0.12 * (1 - (tg[quiet] - self.lights_out) / (self.onset - self.lights_out)) + 0.03
        for a0, a1 in awakenings:
            act[(tg >= a0) & (tg < a1)] = 0.5
        act[tg >= self.wake] = 1.0
        self.tg, self.activity = tg, act
        # posture shifts: all sensors change orientation together
        sleep_s = self.wake - self.onset
        shifts = np.sort(r.uniform(self.onset + 60, self.wake, r.poisson(1.5 * sleep_s / 3600)))
        self.shifts = [(float(s), float(r.uniform(2, 8))) for s in shifts]
        for _, a1 in awakenings:  # settling back after an awakening is a posture change too
            self.shifts.append((a1 - 10.0, 6.0))

    def _state_times(self, kind: str, n: int, margin: float = 20.0) -> np.ndarray:
        """n random times (s) in awake periods ('wake') or in sleep ('sleep')."""
        if kind == "wake":
            spans = [(0.0, self.lights_out), (self.wake, self.T), *self.awakenings]
        else:
            spans = [(self.onset + 60, self.wake)]
        spans = [(a + margin, b - margin) for a, b in spans if b - a > 2 * margin]
        if not spans or n == 0:
            return np.zeros(0)
        w = np.array([b - a for a, b in spans])
        k = self.rng.choice(len(spans), size=n, p=w / w.sum())
        return np.array([self.rng.uniform(*spans[i]) for i in k])

    # -- jerks ----------------------------------------------------------------------
    def _jerk_times(self, n: int) -> np.ndarray:
        """Episode times (s): mostly around sleep onset, some at returns to sleep; never
        while up and active (sleep starts come once the sleeper lies still: after lights
        out, or after an awakening's movements)."""
        r = self.rng
        times = []
        for _ in range(n):
            if self.awakenings and r.random() < 0.3:
                a0, a1 = self.awakenings[r.integers(len(self.awakenings))]
                times.append(a1 + r.uniform(60, 300))
            else:
                t = self.onset + float(np.clip(r.normal(-60, 200), -600, 840))
                lo = self.lights_out + 120.0  # drowsiness takes a few minutes
                times.append(t if t >= lo else lo + r.uniform(0, 300))
        return np.clip(np.array(times), 5.0, self.T - 5.0)

    def _jerks(self) -> None:
        r, cfg = self.rng, self.cfg
        n_ep = cfg.n_jerks if cfg.n_jerks is not None else int(r.poisson(cfg.expected_jerks))
        rows, n_series = [], 0
        patterns = list(cfg.pattern_probs)
        probs = np.array([cfg.pattern_probs[p] for p in patterns], float)
        jid = 0
        episode_t = np.sort(self._jerk_times(n_ep))
        remaining = n_ep
        for t in episode_t:
            if remaining <= 0:
                break
            k = int(r.integers(2, 4)) if r.random() < cfg.series_prob else 1
            k = min(k, remaining)
            remaining -= k
            series = n_series if k > 1 else -1
            n_series += k > 1
            pattern = str(r.choice(patterns, p=probs / probs.sum()))
            for j in range(k):
                tj = t + j * r.uniform(1.0, 20.0) * (j > 0) + (j > 1) * r.uniform(1.0, 10.0)
                rows.append(self._one_jerk(jid, float(tj), pattern, series))
                jid += 1
        self.jerk_rows = rows

    def _one_jerk(self, jid: int, t: float, pattern: str, series: int) -> dict:
        r = self.rng
        if pattern == "focal":
            parts = [str(r.choice([*LIMBS, "trunk"], p=[0.3, 0.3, 0.15, 0.15, 0.1]))]
        elif pattern == "segmental":
            parts = list(SEGMENTS[r.integers(len(SEGMENTS))])
        elif pattern == "multifocal":
            pairs = [(a, b) for a in LIMBS for b in LIMBS if a < b and not contiguous(a, b)]
            parts = list(pairs[r.integers(len(pairs))])
        else:
            parts = list(BODY_PARTS)
        dur = float(r.uniform(2 * MIN_JERK_LOBE_S, 0.3))
        base_amp = float(np.exp(r.uniform(np.log(0.5), np.log(6.0))))
        starts, peaks = {}, {}
        for i, p in enumerate(parts):
            if pattern == "generalized":
                starts[p] = t + r.uniform(*SPREAD_DELAY_S[p])
            elif pattern == "multifocal":
                starts[p] = t + i * r.uniform(0.1, 0.4)  # asynchronous
            else:
                starts[p] = t + r.uniform(0, 0.015)
            scale = 0.45 if p in ("trunk", "head") else 1.0
            peaks[p] = float(np.clip(base_amp * scale * r.uniform(0.7, 1.3), 0.3, 6.0))
        sensors = []
        for loc, part in self.parts.items():
            if part not in parts:
                continue
            u = _unit(r.normal(size=3))
            pd_ = float(np.clip(dur * r.uniform(0.85, 1.15), 2 * MIN_JERK_LOBE_S, 0.3))
            cycles = float(r.choice([1.0, 1.5]))
            if pd_ < 2 * cycles * MIN_JERK_LOBE_S:
                cycles = 1.0  # too brief for three lobes
            self.events.append(dict(kind="jerk", loc=loc, t=starts[part], dur=pd_,
                                    amp=peaks[part], u=u, cycles=cycles, jerk_id=jid))
            sensors.append(loc)
        t_start = min(starts.values())
        return dict(jerk_id=jid, t=t_start, t_end=max(starts[p] for p in parts) + dur,
                    peak_g=max(peaks.values()), pattern=pattern, parts=";".join(parts),
                    series_id=series, sensors=";".join(sensors))

    # -- look-alikes ----------------------------------------------------------------
    def _confounders(self) -> None:
        r, cfg = self.rng, self.cfg
        locs = list(self.parts)
        legs = [loc for loc in locs if self.parts[loc] in LEGS]
        arms = [loc for loc in locs if self.parts[loc] in ARMS] or locs
        # periodic limb movements: series in the first half of sleep, on the legs
        plm = cfg.plm if cfg.plm is not None else bool(r.random() < 0.35)
        if plm and legs:
            sid = 0
            half = self.onset + (self.wake - self.onset) / 2
            for t in np.sort(r.uniform(self.onset + 20 * 60, max(half, self.onset + 21 * 60),
                                       r.integers(1, 4))):
                n, interval = int(r.integers(4, 40)), r.uniform(15, 40)
                both = r.random() < 0.4
                for _ in range(n):
                    dur = float(np.clip(r.lognormal(np.log(1.8), 0.5), 0.5, 10.0))
                    amp = float(r.uniform(0.05, 0.5))
                    brisk = float(r.uniform(0.2, 1.0)) if r.random() < 0.5 else 0.0
                    for loc in (legs if both else legs[:1]):
                        self.events.append(dict(kind="plm", loc=loc, t=t, dur=dur, amp=amp,
                                                u=_unit(r.normal(size=3)), brisk=brisk,
                                                angle=float(np.radians(r.uniform(5, 25))),
                                                freq=float(r.uniform(0.5, 1.5))))
                        self._confounder("plm", loc, t, dur, max(amp, brisk), sid)
                    t += float(np.clip(r.normal(interval, interval * 0.2), 5.0, 90.0))
                    if t > self.wake:
                        break
                sid += 1
        # scratching and tremor while awake, on the arms (or whatever is worn)
        n_scr = cfg.n_scratch if cfg.n_scratch is not None else int(r.integers(0, 4))
        for t in self._state_times("wake", n_scr):
            loc, dur = str(r.choice(arms)), float(r.uniform(2, 10))
            amp, f = float(r.uniform(0.2, 1.5)), float(r.uniform(3, 10))
            self.events.append(dict(kind="scratch", loc=loc, t=t, dur=dur, amp=amp, freq=f,
                                    u=_unit(r.normal(size=3))))
            self._confounder("scratch", loc, t, dur, amp)
        n_trem = cfg.n_tremor if cfg.n_tremor is not None else int(r.integers(0, 3))
        for t in self._state_times("wake", n_trem):
            loc, dur = str(r.choice(arms)), float(r.uniform(3, 30))
            amp, f = float(r.uniform(0.02, 0.15)), float(r.uniform(4, 8))
            self.events.append(dict(kind="tremor", loc=loc, t=t, dur=dur, amp=amp, freq=f,
                                    u=_unit(r.normal(size=3))))
            self._confounder("tremor", loc, t, dur, amp)
        n_knk = cfg.n_knocks if cfg.n_knocks is not None else int(r.integers(0, 4))
        for t in r.uniform(30, self.T - 30, n_knk):
            loc, amp = str(r.choice(locs)), float(r.uniform(2, 16))
            self.events.append(dict(kind="knock", loc=loc, t=float(t), dur=0.0, amp=amp,
                                    u=_unit(r.normal(size=3))))
            self._confounder("knock", loc, float(t), 1.0 / cfg.fs, amp)
        for t, dur in self.shifts:
            for loc in locs:
                self._confounder("posture", loc, t, dur, float("nan"))

    def _markers(self) -> None:
        """Double taps after felt jerks (then in quiet wake), each at least 1.5 s from any
        other event on the sensor."""
        r, cfg = self.rng, self.cfg
        loc = next((lo for lo, part in self.parts.items() if part in ARMS), cfg.locations[0])
        busy = [(e["t"], e["t"] + e["dur"]) for e in self.events if e["loc"] == loc]
        felt = [e for e in self.events if e["kind"] == "jerk" and e["loc"] == loc]
        picks = r.permutation(len(felt))[:cfg.n_markers]
        wanted = [(felt[k]["t"] + felt[k]["dur"], felt[k]["jerk_id"]) for k in picks]
        wanted += [(float(r.uniform(self.lights_out + 30, max(self.onset - 30, self.lights_out + 31))), -1)
                   for _ in range(cfg.n_markers - len(wanted))]
        for after, jid in wanted:
            for _ in range(50):
                t0 = after + float(r.uniform(2, 10))
                gap = float(r.uniform(0.2, 0.45))
                if 5 < t0 < self.T - 5 and all(t0 + gap + 1.5 < a or t0 - 1.5 > b for a, b in busy):
                    break
            else:
                continue
            for t in (t0, t0 + gap):
                self.events.append(dict(kind="tap", loc=loc, t=t, dur=0.0,
                                        amp=float(r.uniform(1.5, 4.0)), u=_unit(r.normal(size=3))))
            busy.append((t0, t0 + gap))
            self.markers.append(dict(t=t0, t_end=t0 + gap, location=loc, jerk_id=int(jid)))

    def _confounder(self, kind: str, loc: str, t: float, dur: float, amp: float,
                    series: int = -1) -> None:
        self.confounders.append(dict(kind=kind, location=loc, t=t, dur=dur, peak_g=amp,
                                     series_id=series))

    def _sleep_turns(self) -> dict[str, np.ndarray]:
        """The small movements of sleep (``sleep_turns``), per sensor: rows of start (s),
        duration (s), degrees. At random times in sleep (onset to final wake less the
        awakenings), none beginning before the one before it ends; each turns every
        sensor, by a size log-uniform in the movement's range (x the body part's
        :data:`SLEEP_TURN_SHARE`). Drawn from generators of their own (the rest of the
        night is the same with them or without) and listed among the look-alikes as kind
        ``turn``."""
        rng = np.random.default_rng([self.seed, 1])
        edges = [self.onset, *[x for ab in self.awakenings for x in ab], self.wake]
        rows = sorted((t, rng.uniform(1.0, 3.0), k)
                      for a, b in zip(edges[::2], edges[1::2], strict=True)
                      for k, (_, _, rate) in enumerate(SLEEP_TURNS_PER_H)
                      for t in rng.uniform(a, b, rng.poisson(rate * self.cfg.sleep_turns * max(b - a, 0) / 3600)))
        kept, end = [], -np.inf
        for t, dur, k in rows:
            if t >= end:
                kept.append((t, dur, k))
                end = t + dur
        turns = {}
        for loc in self.cfg.locations:
            sizes = np.random.default_rng([self.seed, list(LOCATIONS).index(loc), 1]).uniform(size=len(kept))
            share = SLEEP_TURN_SHARE[self.parts[loc]]
            degrees = [share * lo * (hi / lo) ** u
                       for (_, _, k), u in zip(kept, sizes, strict=True) for lo, hi, _ in [SLEEP_TURNS_PER_H[k]]]
            turns[loc] = np.column_stack([[t for t, _, _ in kept], [d for _, d, _ in kept], degrees]
                                         ).astype(float).reshape(-1, 3)
            for t, dur, _ in kept:
                self._confounder("turn", loc, t, dur, float("nan"))
        return turns

    # -- rendering --------------------------------------------------------------------
    def render(self, loc: str) -> tuple[Recording, np.ndarray]:
        """One sensor's recording and its true gaps (ns)."""
        r, cfg = self.rng, self.cfg
        drift = cfg.drift_ppm if cfg.drift_ppm is not None else float(r.uniform(-40, 40))
        fs_true = cfg.fs * (1 + drift * 1e-6)
        n = int(self.T * fs_true)
        t = (np.arange(n) + r.uniform(0, 1)) / fs_true  # true time of each sample, s
        part = self.parts[loc]
        acc = self._gravity(t, loc) + self._wake_movement(t, part)
        if part == "trunk":  # breathing: ~0.25 Hz rocking of a few mg
            acc += (0.004 * np.sin(2 * np.pi * 0.25 * t))[:, None] * _unit(r.normal(size=3))
        for ev in self.events:
            if ev["loc"] == loc:
                _render_event(acc, t, cfg.fs, ev)
        # sensor front end: gain/offset error, noise, clipping, quantisation
        gain = 1 + r.uniform(-0.02, 0.02, 3)
        offset = r.uniform(-0.02, 0.02, 3)
        acc = acc * gain + offset
        acc += r.normal(0, cfg.noise_g, acc.shape)
        np.clip(acc, -cfg.range_g, cfg.range_g, out=acc)
        lsb = 2 * cfg.range_g / 2**cfg.resolution_bits
        acc = (np.round(acc / lsb) * lsb).astype(np.float32)
        # data gaps: spans of lost samples
        keep = np.ones(n, bool)
        true_gaps = []
        for g0 in np.sort(r.uniform(60, self.T - 60, r.poisson(cfg.gaps_per_night))):
            glen = float(np.clip(r.lognormal(np.log(20), 1.5), 0.5, 600))
            i0, i1 = np.searchsorted(t, [g0, g0 + glen])
            if i0 > 0 and i1 < n and keep[i0 - 1] and keep[i1]:
                keep[i0:i1] = False
        time_ns = self.t0_ns + np.round(t * 1e9).astype(np.int64)
        lost = np.flatnonzero(np.diff(keep.astype(np.int8)))
        for a, b in zip(lost[::2], lost[1::2], strict=False):
            true_gaps.append((time_ns[a], time_ns[b + 1]))
        rec = Recording(time_ns[keep], acc[keep], cfg.fs, loc, "simulator",
                        meta=dict(seed=self.seed, drift_ppm=drift))
        return rec, np.array(true_gaps, np.int64).reshape(-1, 2)

    def _gravity(self, t: np.ndarray, loc: str) -> np.ndarray:
        """Gravity (g) on a slowly changing orientation: wandering while awake,
        constant while asleep except at posture shifts and the limb's small turns."""
        r, tg, act = self.rng, self.tg, self.activity
        mobility = WAKE_MOVEMENT[self.parts[loc]]
        steps = r.normal(0, np.radians(6.0) / np.sqrt(self.GRID_HZ), (2, len(tg))) * act * mobility
        for s, d in self.shifts:
            i0, i1 = np.searchsorted(tg, [s, s + d])
            if i1 > i0:
                jump = r.normal(0, [np.radians(70), np.radians(35)])
                steps[:, i0:i1] += jump[:, None] / (i1 - i0)
        az = r.uniform(0, 2 * np.pi) + np.cumsum(steps[0])
        el = np.clip(r.uniform(-0.6, 0.6) + np.cumsum(steps[1]), -1.45, 1.45)
        g = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=1)
        g = turn_limb(tg, g, self.turns[loc], np.random.default_rng([self.seed, list(LOCATIONS).index(loc), 2]))
        out = np.empty((len(t), 3))
        for k in range(3):
            out[:, k] = np.interp(t, tg, g[:, k])
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def _wake_movement(self, t: np.ndarray, part: str) -> np.ndarray:
        """Ordinary movement while awake: smooth 0-2 Hz motion scaled by activity, plus
        occasional gestures; nothing while asleep."""
        from scipy.signal import butter, sosfilt

        r, tg = self.rng, self.tg
        sos = butter(2, 2.0, fs=self.GRID_HZ, output="sos")
        x = sosfilt(sos, r.normal(size=(len(tg), 3)), axis=0)
        x *= (0.12 * WAKE_MOVEMENT[part] / x.std()) * self.activity[:, None]
        out = np.empty((len(t), 3))
        for k in range(3):
            out[:, k] = np.interp(t, tg, x[:, k])
        # gestures: 0.5-3 s smooth movements, about one a minute while active
        active_s = float(self.activity.sum() / self.GRID_HZ)
        for tc in self._state_times("wake", r.poisson(active_s / 60)):
            ev = dict(kind="gesture", t=tc, dur=float(r.uniform(0.5, 3)),
                      amp=float(r.uniform(0.1, 0.6) * WAKE_MOVEMENT[part]),
                      freq=float(r.uniform(0.7, 2.0)), u=_unit(r.normal(size=3)))
            _render_event(out, t, self.cfg.fs, ev)
        return out

    # -- truth tables -----------------------------------------------------------------
    def truth(self, gaps: dict[str, np.ndarray]
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        def ts(sec):
            return pd.to_datetime(self.t0_ns + np.round(np.asarray(sec, float) * 1e9).astype(np.int64),
                                  utc=True)

        def in_gap(loc, t0, t1):
            g = (gaps[loc] - self.t0_ns) / 1e9
            return bool(((g[:, 0] < t1) & (g[:, 1] > t0)).any()) if len(g) else False

        js = pd.DataFrame([dict(jerk_id=e["jerk_id"], location=e["loc"], t=e["t"], dur=e["dur"],
                                peak_g=e["amp"]) for e in self.events if e["kind"] == "jerk"],
                          columns=["jerk_id", "location", "t", "dur", "peak_g"])
        js["in_gap"] = [in_gap(lo, a, a + d) for lo, a, d in zip(js.location, js.t, js.dur, strict=True)]
        jerk_sensors = pd.DataFrame(dict(
            jerk_id=js.jerk_id.astype(int), location=js.location, start=ts(js.t),
            end=ts(js.t + js.dur), duration_s=js.dur, peak_g=js.peak_g, in_gap=js.in_gap))

        jr = pd.DataFrame(self.jerk_rows, columns=["jerk_id", "t", "t_end", "peak_g", "pattern",
                                                   "parts", "series_id", "sensors"])
        phase, rel, _ = phase_of(jr.t.to_numpy(float),
                                 [(self.lights_out, self.onset, self.wake, self.awakenings)])
        visible = js.loc[~js.in_gap, "jerk_id"]
        jerks = pd.DataFrame(dict(
            jerk_id=jr.jerk_id.astype(int), start=ts(jr.t), end=ts(jr.t_end),
            duration_s=jr.t_end - jr.t, peak_g=jr.peak_g, pattern=jr.pattern, parts=jr.parts,
            series_id=jr.series_id.astype(int),
            phase=phase, rel_onset_s=rel, sensors=jr.sensors, observable=jr.jerk_id.isin(visible)))

        cf = pd.DataFrame(self.confounders,
                          columns=["kind", "location", "t", "dur", "peak_g", "series_id"])
        confounders = pd.DataFrame(dict(
            kind=cf.kind, location=cf.location, start=ts(cf.t), end=ts(cf.t + cf.dur),
            duration_s=cf.dur, peak_g=cf.peak_g, series_id=cf.series_id.astype(int),
            in_gap=[in_gap(lo, a, a + d) for lo, a, d in zip(cf.location, cf.t, cf.dur, strict=True)]))
        confounders = confounders.sort_values(["start", "location"], ignore_index=True)
        mk = pd.DataFrame(self.markers, columns=["t", "t_end", "location", "jerk_id"])
        markers = pd.DataFrame(dict(
            start=ts(mk.t), end=ts(mk.t_end), location=mk.location,
            jerk_id=mk.jerk_id.astype(int),
            in_gap=[in_gap(lo, a, b) for lo, a, b in zip(mk.location, mk.t, mk.t_end, strict=True)]))
        return jerks, jerk_sensors, confounders, markers.sort_values("start", ignore_index=True)

    def sleep_truth(self) -> dict:
        def ts(s):
            return pd.Timestamp(self.t0_ns + round(s * 1e9), tz="UTC")
        return dict(lights_out=ts(self.lights_out), onset=ts(self.onset), wake=ts(self.wake),
                    awakenings=[(ts(a), ts(b)) for a, b in self.awakenings])


def _rotation(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices (k, 3, 3) about unit ``axis`` by each ``angle``, rad (Rodrigues)."""
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    a = np.asarray(angle, float)[:, None, None]
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * (k @ k)


def turn_limb(t: np.ndarray, x: np.ndarray, turns: np.ndarray, rng: np.random.Generator,
              axis: np.ndarray | None = None) -> np.ndarray:
    """``x`` (n, 3: gravity, or a whole acceleration with its noise) at increasing times
    ``t`` (s) as felt by a limb that turns: each of ``turns`` (rows of start s, duration
    s, degrees; sorted) turns it about ``axis`` (sensor frame, e.g. the limb's long axis:
    it rolls, the sign of the degrees saying which way) or, if None, about a random axis
    across its direction over the second before, with a minimum-jerk profile (slow:
    nothing above a few Hz), and the limb stays turned. A turn in the first second, or
    that would span fewer than two samples, is left out; one that begins before the turn
    before it ends waits for it."""
    out = np.empty_like(x, dtype=np.float64)  # every row written below
    done = np.eye(3)  # the turns so far
    last = 0
    for start, dur, deg in turns:
        i0 = max(int(np.searchsorted(t, start)), last)
        if i0 >= len(t) or t[i0] - t[0] < 1.0:
            continue
        i1 = int(np.searchsorted(t, t[i0] + dur))
        before = min(int(np.searchsorted(t, t[i0] - 1.0)), i0 - 1)
        if i1 - i0 < 2:
            continue
        out[last:i0] = x[last:i0] @ done.T
        if axis is None:
            g = done @ x[before:i0].mean(axis=0)
            about = _unit(np.cross(g, rng.normal(size=3)))
        else:
            about = _unit(np.asarray(axis, float))
        tau = (t[i0:i1] - t[i0]) / (t[i1 - 1] - t[i0])
        turn = _rotation(about, np.radians(deg) * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)) @ done
        out[i0:i1] = np.einsum("kij,kj->ki", turn, x[i0:i1])
        done = _rotation(about, np.radians([deg]))[0] @ done
        last = i1
    out[last:] = x[last:] @ done.T
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


_SUB = np.linspace(-0.5, 0.5, 8, endpoint=False) + 1 / 16  # sub-sample offsets, periods


def _render_event(acc: np.ndarray, t: np.ndarray, fs: float, ev: dict) -> None:
    """Add one movement to ``acc`` (g, in place) at sample times ``t`` (s).

    The continuous waveform is averaged over one sample period, like a sensor whose
    front end integrates over the sampling interval (an anti-alias filter).
    """
    kind, t0, dur, amp, u = ev["kind"], ev["t"], ev["dur"], ev["amp"], ev["u"]
    if kind in ("knock", "tap"):  # impact much shorter than a sample: one or two samples
        i = int(np.searchsorted(t, t0))
        if i < len(t) - 1:
            acc[i] += amp * u
            acc[i + 1] -= 0.3 * amp * u  # rebound
        return
    pad = 1.0 / fs
    i0, i1 = np.searchsorted(t, [t0 - pad, t0 + dur + pad])
    if i1 <= i0:
        return
    tt = (t[i0:i1, None] + _SUB[None, :] / fs - t0)  # s from event start
    x = np.clip(tt / dur, 0.0, 1.0)
    win = np.sin(np.pi * x) ** 2
    if kind == "jerk":
        # biphasic burst: 1 or 1.5 cycles under a Hann window, scaled to peak `amp`
        c = ev["cycles"]
        w = win * np.sin(2 * np.pi * c * x) / _jerk_norm(c)
        acc[i0:i1] += amp * w.mean(axis=1)[:, None] * u
    elif kind == "plm":
        # smooth leg movement with an optional brisk onset, and the foot's tilt
        w = amp * win * np.sin(2 * np.pi * ev["freq"] * tt)
        if ev["brisk"]:
            xb = np.clip(tt / 0.15, 0, 1)
            w = w + ev["brisk"] * np.sin(np.pi * xb) ** 2 * np.sin(2 * np.pi * xb) / _jerk_norm(1.0)
        acc[i0:i1] += w.mean(axis=1)[:, None] * u
        g = acc[i0:i1].mean(axis=0)
        perp = _unit(np.cross(g, u) + 1e-9)
        acc[i0:i1] += np.sin(ev["angle"]) * win.mean(axis=1)[:, None] * perp
    else:  # scratch, tremor, gesture: windowed oscillation (scratch has harmonics)
        ph = 2 * np.pi * ev["freq"] * tt
        w = np.sin(ph)
        if kind == "scratch":
            w = 0.8 * np.sin(ph) + 0.35 * np.sin(2 * ph + 0.5)
        env = np.sin(np.pi * x) ** 0.5 if kind != "gesture" else win
        acc[i0:i1] += amp * (env * w).mean(axis=1)[:, None] * u


_NORM: dict[float, float] = {}


def _jerk_norm(cycles: float) -> float:
    if cycles not in _NORM:
        x = np.linspace(0, 1, 4001)
        _NORM[cycles] = float(np.abs(np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * cycles * x)).max())
    return _NORM[cycles]


def simulate_night(config: NightConfig | None = None, seed: int = 0) -> SimulatedNight:
    """Simulate one night for every sensor in ``config.locations``.

    Parameters
    ----------
    config : NightConfig, optional
        Night parameters; defaults to ``NightConfig()``.
    seed : int
        Seed of the random generator; the same seed gives the same night.

    Returns
    -------
    SimulatedNight
        Recordings and ground truth (see :class:`SimulatedNight`).

    Examples
    --------
    >>> night = simulate_night(NightConfig(locations=("wrist-left",), hours_in_bed=1), seed=1)
    >>> night.recordings["wrist-left"].acc.dtype
    dtype('float32')
    """
    if not (config is None or isinstance(config, NightConfig)):
        raise wrong_type("simulate_night: config", "a NightConfig (NightConfig(fs=25, ...))", config)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise wrong_type("simulate_night: seed", "an integer", seed)
    cfg = config or NightConfig()
    night = _Night(cfg, seed)
    recordings, gaps = {}, {}
    for loc in cfg.locations:
        recordings[loc], gaps[loc] = night.render(loc)
    jerks, jerk_sensors, confounders, markers = night.truth(gaps)
    return SimulatedNight(recordings, jerks, jerk_sensors, confounders, night.sleep_truth(),
                          gaps, cfg, seed, markers)
