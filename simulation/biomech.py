"""An independent, physically grounded simulator of accelerometer nights ("biomech").

It exists to validate hypnic-jerk detection on signals the detector was never tuned on.
Nothing here comes from the project's other signal model; every movement is built from
limb mechanics and the literature (see ``docs/simulator-biomech.md`` for the sources and
the parameter ranges):

* **Body and sensors.** Each sensor sits on a limb segment with its own mounting
  rotation; the segment's orientation relative to gravity follows the posture (lying,
  rolled, sitting, standing). The accelerometer measures specific force: the gravity
  projection plus the linear acceleration of the sensor point, including the tangential
  and centripetal terms of the segment's rotation about its joint. The sensor rides on
  the strap / soft tissue as a damped mass-spring.
* **Hypnic jerks.** A 40-300 ms EMG burst drives a second-order limb (anthropometric
  inertia; natural frequency and damping drawn so it may ring at 3-9 Hz for 0.1-0.4 s);
  the limb usually comes to rest a few to >10 degrees away. Generalized jerks reach the
  body parts with tens of ms of spread; jerks cluster at sleep onset and on returns to
  sleep.
* **Look-alikes.** Rollovers and limb repositioning with landing impacts, arm lifts,
  AASM periodic leg movements, fidgeting, scratching, phone use, restless wake, tremor,
  breathing and ballistocardiogram, knocks shorter than a sample, several nights and naps.
* **Awake and up.** Seated, standing and walking bouts joined by sit-to-stand episodes;
  in every bout each body part keeps moving (postural adjustments, reaches, hand use,
  drift), calibrated on the wrist angle of real free-living days (``_biomech_day.py``).
* **Front ends.** The physics is generated on a 1 kHz grid and then sampled per sensor
  by a point sampler (no anti-alias filter), an integrating or a low-pass front end, on a
  drifting clock with jittered timestamps, with noise, offset and gain errors,
  quantisation, clipping and gaps.

Public API: :class:`BiomechConfig`, :func:`simulate_biomech_night`,
:func:`simulate_biomech_night_detailed`, :data:`BIOMECH_VARIANTS`, :class:`SimulatedNight`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sensing.body import phase_of
from sensing.errors import HypnicError
from sensing.recording import LOCATIONS, Recording
from simulation._biomech_body import (
    BODY_PARTS,
    CANONICAL_LOCATION,
    EZ,
    Body,
)
from simulation._biomech_config import BiomechConfig
from simulation._biomech_day import DayLayer
from simulation._biomech_events import U, initial_state, resolve
from simulation._biomech_schedule import Planner, build_schedule
from simulation._biomech_sensor import (
    MotionTruth,
    add_breathing_cardio,
    draw_gaps,
    draw_sensor,
    finish,
    ideal_sensor,
    render_motion,
    sample_times,
    stamps_ns,
)
from simulation.night import SimulatedNight

__all__ = [
    "BIOMECH_VARIANTS",
    "BiomechConfig",
    "BiomechDetails",
    "simulate_biomech_night",
    "simulate_biomech_night_detailed",
]

JERK_COLUMNS = ["jerk_id", "start", "end", "duration_s", "peak_g", "pattern", "parts",
                "series_id", "phase", "rel_onset_s", "sensors", "observable"]
JERK_SENSOR_COLUMNS = ["jerk_id", "location", "start", "end", "duration_s", "peak_g", "in_gap"]
CONFOUNDER_COLUMNS = ["kind", "location", "start", "end", "duration_s", "peak_g", "series_id",
                      "in_gap"]
DEVICE = "biomech-sim"


@dataclass(frozen=True)
class BiomechDetails:
    """The drawn physics behind a night (for tests, plots and debugging).

    ``episodes``: one row per episode per location (sensor or, for body parts without a
    sensor, a virtual ideal sensor): kind, times, peak, the post-movement gravity-angle
    change, drawn rotation angle, landing impact, jerk tilt/EMG/ringing parameters.
    ``sensors``: the drawn front end of each sensor. ``body``: mass and height.
    """

    episodes: pd.DataFrame
    sensors: dict[str, dict]
    body: dict


def _validate(cfg: BiomechConfig) -> None:
    if not cfg.locations:
        raise HypnicError("BiomechConfig.locations is empty: give at least one sensor location")
    bad = [loc for loc in cfg.locations if loc not in LOCATIONS or loc == "unknown"]
    if bad:
        raise HypnicError(f"unknown sensor location(s) {bad}; expected some of "
                          f"{[k for k in LOCATIONS if k != 'unknown']}")
    if len(set(cfg.locations)) != len(cfg.locations):
        raise HypnicError(f"duplicate sensor locations in {cfg.locations}")
    if not 1 <= cfg.n_nights <= 14:
        raise HypnicError(f"n_nights must be 1..14, got {cfg.n_nights}")
    fss = cfg.fs if isinstance(cfg.fs, tuple) else (cfg.fs,)
    if not fss or any(not (0 < f <= 1000) for f in fss):
        raise HypnicError(f"fs must be in (0, 1000] Hz, got {cfg.fs}")
    if cfg.front_end not in ("point", "integrate", "lowpass", "random"):
        raise HypnicError(f"front_end must be point, integrate, lowpass or random, "
                          f"got {cfg.front_end!r}")
    if cfg.timestamp_source not in ("host", "device"):
        raise HypnicError(f"timestamp_source must be 'host' or 'device', got {cfg.timestamp_source!r}")
    if cfg.fine_fs < 4 * max(fss):
        raise HypnicError(f"fine_fs ({cfg.fine_fs} Hz) must be >= 4x the highest sensor rate")


def simulate_biomech_night(config: BiomechConfig | None = None, seed: int = 0) -> SimulatedNight:
    """Simulate a recording (one or more nights) with the biomechanical signal model.

    Parameters
    ----------
    config : BiomechConfig, optional
        Physics switches and ranges (defaults: a typical 7-8 h night, wrist + ankle +
        trunk at 100 Hz with randomly drawn front ends).
    seed : int
        Seed; the same seed and config give identical output.

    Returns
    -------
    SimulatedNight
        Recordings (acc in g, int64 UTC ns) and ground-truth tables.

    Raises
    ------
    HypnicError
        On an invalid configuration.
    """
    return simulate_biomech_night_detailed(config, seed)[0]


def simulate_biomech_night_detailed(config: BiomechConfig | None = None, seed: int = 0
                                    ) -> tuple[SimulatedNight, BiomechDetails]:
    """Like :func:`simulate_biomech_night`, also returning the drawn physics."""
    cfg = config or BiomechConfig()
    _validate(cfg)
    ss = np.random.SeedSequence(seed)
    r_plan, r_sens, r_noise, r_bg, r_day = (np.random.default_rng(s) for s in ss.spawn(5))
    body = Body(U(r_plan, cfg.body_mass_kg), U(r_plan, cfg.height_m))
    sched = build_schedule(r_plan, cfg)
    sensor_locs = list(cfg.locations)
    covered = {LOCATIONS[loc] for loc in sensor_locs}
    virtual = [CANONICAL_LOCATION[p] for p in BODY_PARTS if p not in covered]
    all_locs = sensor_locs + virtual
    planner = Planner(r_plan, cfg, body, sched, sensor_locs)
    episodes = planner.plan()
    state = initial_state(r_plan, all_locs, sched.initial_posture, seed)
    R_init = copy.deepcopy(state.R)
    motions = resolve(episodes, body, state, all_locs)
    layer = DayLayer.build(r_day, cfg, planner.bouts, sorted({LOCATIONS[loc] for loc in sensor_locs}))
    layer_rows: list[tuple[str, int, float]] = []
    ep_by_id = {ep.info["episode"]: ep for ep in episodes}

    start_ts = pd.Timestamp(cfg.start)
    start_ts = start_ts.tz_localize("UTC") if start_ts.tzinfo is None else start_ts.tz_convert("UTC")
    start_ns = int(start_ts.value)
    duration = sched.end

    recordings: dict[str, Recording] = {}
    gaps_out: dict[str, np.ndarray] = {}
    gap_spans: dict[str, list[tuple[float, float]]] = {}
    truths: list[tuple[MotionTruth, bool]] = []
    sensors_desc = {}
    for loc in sensor_locs:
        sm = draw_sensor(r_sens, cfg, loc)
        sensors_desc[loc] = sm.describe()
        t_all = sample_times(r_sens, sm, duration)
        k_all = np.arange(len(t_all))
        gspans = draw_gaps(r_sens, cfg, duration, cfg.n_nights)
        keep = np.ones(len(t_all), bool)
        for a, b in gspans:
            keep &= ~((t_all >= a) & (t_all < b))
        t = t_all[keep]
        k = k_all[keep]
        del t_all, k_all, keep
        # background: piecewise-constant gravity between movements
        mlist = motions[loc]
        g_states = [sm.R_mount.T @ R_init[loc].T @ EZ] + [sm.R_mount.T @ m.R1.T @ EZ for m in mlist]
        g_states_arr = np.array(g_states)
        t0s = np.array([m.t0 for m in mlist])
        si = np.searchsorted(t0s, t, side="right")
        f = g_states_arr[si]
        del si
        g_bg = f.copy()
        for m in mlist:
            idx, vals, tr = render_motion(m, sm, t)
            f[idx] = vals
            truths.append((tr, True))
        # awake and up: continual gestures and postural adjustments (rotate, then add)
        for bi, pk in layer.apply(loc, LOCATIONS[loc], sm, body.height_m, t, f, g_bg):
            layer_rows.append((loc, bi, pk))
        add_breathing_cardio(r_bg, sm, t, g_bg, f, cfg.breathing, cfg.cardio)
        del g_bg
        acc = finish(r_noise, sm, f)
        del f
        ns_rel = stamps_ns(r_noise, sm, t, k)
        time_ns = start_ns + ns_rel
        brk = np.flatnonzero(np.diff(k) > 1)
        garr = np.stack([time_ns[brk], time_ns[brk + 1]], axis=1).astype(np.int64) \
            if len(brk) else np.zeros((0, 2), np.int64)
        gap_spans[loc] = [(float(t[i]), float(t[i + 1])) for i in brk]
        recordings[loc] = Recording(time_ns, acc, sm.fs, loc, DEVICE, garr,
                                    {"simulator": "biomech", "seed": seed})
        gaps_out[loc] = garr
    for loc in virtual:
        ideal = ideal_sensor(loc)
        for m in motions[loc]:
            if ep_by_id[m.episode].kind == "jerk":
                _, _, tr = render_motion(m, ideal, None)
                truths.append((tr, False))

    night = _assemble(cfg, seed, sched, episodes, truths, recordings, gaps_out, gap_spans,
                      start_ns, layer.bouts, layer_rows)
    details = _details(episodes, truths, start_ns, sensors_desc, body, layer.bouts, layer_rows)
    return night, details


# --- truth tables ---------------------------------------------------------------------
def _ts(start_ns: int, s: float) -> pd.Timestamp:
    return pd.Timestamp(start_ns + int(round(s * 1e9)), unit="ns", tz="UTC")


def _in_gap(spans: list[tuple[float, float]], a: float, b: float) -> bool:
    return any(a < y and b > x for x, y in spans)


def _assemble(cfg: BiomechConfig, seed: int, sched, episodes, truths, recordings, gaps_out,
              gap_spans, start_ns: int, bouts, layer_rows) -> SimulatedNight:
    by_ep: dict[int, list[tuple[MotionTruth, bool]]] = {}
    for tr, is_sensor in truths:
        by_ep.setdefault(tr.episode, []).append((tr, is_sensor))
    jerks, jsens, conf = [], [], []
    for ep in episodes:
        eid = ep.info["episode"]
        trs = by_ep.get(eid, [])
        if ep.kind == "jerk":
            sens = [(tr, _in_gap(gap_spans[tr.location], tr.start, tr.end))
                    for tr, s in trs if s]
            if not trs:
                continue
            start = min(tr.start for tr, _ in trs)
            end = max(tr.end for tr, _ in trs)
            peaks = [tr.peak_g for tr, _ in sens] or [tr.peak_g for tr, _ in trs]
            phases, rels, _ = phase_of(np.array([start]), [(p.lights_out, p.onset, p.wake,
                                                             p.awakenings) for p in sched.periods])
            parts = [p for p in BODY_PARTS if p in ep.info["parts"]]
            jerks.append(dict(jerk_id=ep.jerk_id, start=_ts(start_ns, start), end=_ts(start_ns, end),
                              duration_s=end - start, peak_g=max(peaks), pattern=ep.info["pattern"],
                              parts=";".join(parts), series_id=ep.series_id, phase=phases[0],
                              rel_onset_s=float(rels[0]),
                              sensors=";".join(sorted(tr.location for tr, _ in sens)),
                              observable=any(not g for _, g in sens)))
            for tr, g in sens:
                jsens.append(dict(jerk_id=ep.jerk_id, location=tr.location,
                                  start=_ts(start_ns, tr.start), end=_ts(start_ns, tr.end),
                                  duration_s=tr.end - tr.start, peak_g=tr.peak_g, in_gap=g))
        else:
            a, b = ep.info.get("span", (ep.t0, ep.t1))
            for tr, s in trs:
                if not s:
                    continue
                conf.append(dict(kind=ep.kind, location=tr.location, start=_ts(start_ns, a),
                                 end=_ts(start_ns, b), duration_s=b - a, peak_g=tr.peak_g,
                                 series_id=ep.series_id if ep.kind == "plm" else -1,
                                 in_gap=_in_gap(gap_spans[tr.location], a, b)))
    for loc, bi, pk in layer_rows:
        bt = bouts[bi]
        conf.append(dict(kind="daytime", location=loc, start=_ts(start_ns, bt.t0),
                         end=_ts(start_ns, bt.t1), duration_s=bt.t1 - bt.t0, peak_g=pk,
                         series_id=-1, in_gap=_in_gap(gap_spans[loc], bt.t0, bt.t1)))
    jerks_df = _frame(jerks, JERK_COLUMNS, {"jerk_id": "int64", "series_id": "int64",
                                            "observable": "bool"})
    if len(jerks_df):
        jerks_df = jerks_df.sort_values("jerk_id").reset_index(drop=True)
    js_df = _frame(jsens, JERK_SENSOR_COLUMNS, {"jerk_id": "int64", "in_gap": "bool"})
    cf_df = _frame(conf, CONFOUNDER_COLUMNS, {"series_id": "int64", "in_gap": "bool"})
    if len(cf_df):
        cf_df = cf_df.sort_values(["start", "location"]).reset_index(drop=True)
    periods = []
    for p in sched.periods:
        periods.append(dict(kind=p.kind, lights_out=_ts(start_ns, p.lights_out),
                            onset=_ts(start_ns, p.onset), wake=_ts(start_ns, p.wake),
                            awakenings=[(_ts(start_ns, a), _ts(start_ns, b)) for a, b in p.awakenings]))
    first = next(p for p in periods if p["kind"] == "night")
    sleep = {k: first[k] for k in ("lights_out", "onset", "wake", "awakenings")}
    sleep["periods"] = periods
    return SimulatedNight(recordings, jerks_df, js_df, cf_df, sleep, gaps_out, cfg, seed)


def _frame(rows: list[dict], cols: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    if rows:
        df = pd.DataFrame(rows, columns=cols)
    else:
        df = pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
        for c in ("start", "end"):
            df[c] = pd.Series(dtype="datetime64[ns, UTC]")
        for c in ("duration_s", "peak_g", "rel_onset_s"):
            if c in df:
                df[c] = pd.Series(dtype="float64")
    for c, d in dtypes.items():
        df[c] = df[c].astype(d)
    return df


def _details(episodes, truths, start_ns: int, sensors_desc: dict, body: Body, bouts,
             layer_rows) -> BiomechDetails:
    by_ep: dict[int, dict[str, tuple]] = {}
    for tr, s in truths:
        by_ep.setdefault(tr.episode, {})[tr.location] = (tr, s)
    rows = []
    for ep in episodes:
        eid = ep.info["episode"]
        for loc, (tr, is_sensor) in by_ep.get(eid, {}).items():
            part = LOCATIONS[loc]
            pp = ep.info.get("per_part", {}).get(part, {})
            imp = ep.info.get("impacts", {}).get(part, {})
            cosang = float(np.clip(tr.g_before @ tr.g_after /
                                   (np.linalg.norm(tr.g_before) * np.linalg.norm(tr.g_after)), -1, 1))
            rows.append(dict(
                episode=eid, kind=ep.kind, location=loc, is_sensor=is_sensor, part=part,
                start=_ts(start_ns, tr.start), end=_ts(start_ns, tr.end), t0_s=ep.t0,
                t_peak=_ts(start_ns, tr.t_peak), peak_g=tr.peak_g, jerk_id=ep.jerk_id,
                series_id=ep.series_id, gravity_angle_deg=float(np.degrees(np.arccos(cosang))),
                angle_deg=ep.info.get("angle_deg", np.nan), impact_g=imp.get("impact_g", np.nan),
                impact_t=_ts(start_ns, imp["impact_t"]) if imp else pd.NaT,
                tilt_deg=pp.get("tilt_deg", np.nan), emg_ms=pp.get("emg_ms", np.nan),
                ring_hz=pp.get("ring_hz", np.nan), ring_zeta=pp.get("ring_zeta", np.nan),
                joint=pp.get("joint", ""), delay_ms=pp.get("delay_ms", np.nan),
                target_g=pp.get("target_g", np.nan), torque_nm=pp.get("torque_nm", np.nan),
                activity=ep.info.get("activity", ""), plm_duration_s=ep.info.get("duration_s", np.nan)
                if ep.kind == "plm" else np.nan))
    n_ep = len(episodes)
    for loc, bi, pk in layer_rows:
        bt = bouts[bi]
        rows.append(dict(episode=n_ep + bi, kind="daytime", location=loc, is_sensor=True,
                         part=LOCATIONS[loc], start=_ts(start_ns, bt.t0), end=_ts(start_ns, bt.t1),
                         t0_s=bt.t0, peak_g=pk, jerk_id=-1, series_id=-1, activity=bt.kind))
    df = pd.DataFrame(rows)
    return BiomechDetails(df, sensors_desc, dict(mass_kg=body.mass_kg, height_m=body.height_m))


# --- variants -------------------------------------------------------------------------
_T = BiomechConfig()

BIOMECH_VARIANTS: dict[str, BiomechConfig] = {
    "typical": _T,
    # jerks that always leave the limb tilted and ring
    "tilt-and-ring": replace(_T, tilt_prob=1.0, tilt_deg=(5.0, 20.0), ring_prob=1.0,
                             ring_s=(0.2, 0.4)),
    # many rollovers and repositionings, every one landing hard
    "rollover-impacts": replace(_T, rollovers_per_hour=(3.0, 6.0), repositions_per_hour=(4.0, 8.0),
                                landing_prob=1.0, landing_g=(0.5, 1.2)),
    # every jerk in a cluster, more jerks
    "jerk-clusters": replace(_T, jerks_per_night=(4, 10), cluster_prob=1.0, cluster_size=(3, 5)),
    # long restless wake before sleep: fidgets, repositioning, scratching, arm lifts
    "restless-wake": replace(_T, latency_min=(25.0, 40.0), restless=3.0,
                             fidgets_per_hour_wake=(20.0, 40.0), scratches_per_night=(2, 5),
                             arm_lifts_per_night=(2, 5)),
    # phone use in bed before sleep
    "phone-in-bed": replace(_T, phone_prob=1.0, phone_min=(10.0, 30.0), latency_min=(30.0, 40.0)),
    # 25 Hz instantaneous sampling without anti-alias filter
    "point-sampling-25hz": replace(_T, fs=25.0, front_end="point"),
    # noisy sensors
    "noisy-15mg": replace(_T, noise_mg=(15.0, 15.0), offset_mg=(20.0, 80.0)),
    # loose oscillator and jittery BLE timestamps
    "drift-jitter": replace(_T, odr_error_ppm=(-900.0, 900.0), drift_wander_ppm=100.0,
                            jitter_ms=(3.0, 5.0), packet_samples=20),
    # PLM series every night
    "plm-series": replace(_T, plm_prob=1.0, plm_series=(2, 3)),
    # knocks and low-pass front ends at 50 Hz
    "knocks-lowpass": replace(_T, knocks_per_night=(5, 10), front_end="lowpass", fs=50.0),
    # afternoon and evening activity, then the night
    "day-and-night": replace(_T, day_hours_before=6.0, fs=50.0),
    # a week: seven nights, days with activity and naps; one wrist at 25 Hz
    "week": replace(_T, n_nights=7, locations=("wrist-left",), fs=25.0, nap_prob=0.3,
                    day_fine_fs=250.0),
}
