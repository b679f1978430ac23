"""Tests of the biomechanical simulator: numbers, not "it runs"."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest

from sensing.errors import HypnicError
from sensing.recording import LOCATIONS, Recording
from simulation import SimulatedNight
from simulation.biomech import (
    BIOMECH_VARIANTS,
    BiomechConfig,
    simulate_biomech_night,
    simulate_biomech_night_detailed,
)

# A short night with nothing but the thing under test.
QUIET = replace(
    BiomechConfig(), sleep_hours=(0.4, 0.4), latency_min=(8.0, 8.0), awakenings=(0, 0),
    post_wake_min=(1.0, 1.0), rollovers_per_hour=(0.0, 0.0), repositions_per_hour=(0.0, 0.0),
    plm_prob=0.0, fidgets_per_hour_wake=(0.0, 0.0), fidgets_per_hour_sleep=(0.0, 0.0),
    scratches_per_night=(0, 0), tremor_per_night=(0, 0), knocks_per_night=(0, 0),
    phone_prob=0.0, arm_lifts_per_night=(0, 0), wake_moves_per_awakening=(0, 0),
    gaps_per_night=(0, 0), post_jerk_move_prob=0.0, restless=0.0, jerks_per_night=(0, 0),
    fs=50.0,
)


def _ns(s: pd.Series) -> np.ndarray:
    return np.array([x.value for x in s], dtype=np.int64)


def _hp_mag(rec: Recording, t0: int, t1: int, pad_s: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """|acc - median of the surrounding quiet| over [t0, t1] (ns)."""
    s = rec.slice_time(t0 - int(pad_s * 1e9), t1 + int(pad_s * 1e9))
    base = np.median(s.acc[: max(3, int(pad_s * rec.fs * 0.8))], axis=0)
    m = np.linalg.norm(s.acc - base, axis=1)
    return s.time_ns, m


@pytest.fixture(scope="module")
def jerk_night() -> tuple[SimulatedNight, object]:
    cfg = replace(QUIET, jerks_per_night=(8, 8), cluster_prob=0.0, tilt_prob=0.0,
                  jerk_peak_g=(0.5, 3.0), noise_mg=(4.0, 4.0))
    return simulate_biomech_night_detailed(cfg, seed=4)


def test_same_seed_same_output_and_contract():
    cfg = replace(QUIET, jerks_per_night=(3, 3), knocks_per_night=(1, 1), rollovers_per_hour=(3, 3),
                  gaps_per_night=(1, 1))
    a = simulate_biomech_night(cfg, seed=7)
    b = simulate_biomech_night(cfg, seed=7)
    c = simulate_biomech_night(cfg, seed=8)
    assert [f.name for f in fields(a)] == ["recordings", "jerks", "jerk_sensors", "confounders",
                                           "sleep", "gaps", "config", "seed", "markers"]
    assert a.markers.empty  # the biomechanical model has no felt-it marks
    for loc in cfg.locations:
        ra, rb = a.recordings[loc], b.recordings[loc]
        np.testing.assert_array_equal(ra.time_ns, rb.time_ns)
        np.testing.assert_array_equal(ra.acc, rb.acc)
        assert ra.device == "biomech-sim" and ra.location == loc and ra.acc.dtype == np.float32
        assert ra.time_ns.dtype == np.int64
    pd.testing.assert_frame_equal(a.jerks, b.jerks)
    pd.testing.assert_frame_equal(a.confounders, b.confounders)
    assert not np.array_equal(a.recordings["trunk"].acc[:1000], c.recordings["trunk"].acc[:1000])
    assert list(a.jerks.columns) == ["jerk_id", "start", "end", "duration_s", "peak_g", "pattern",
                                     "parts", "series_id", "phase", "rel_onset_s", "sensors",
                                     "observable"]
    assert list(a.jerk_sensors.columns) == ["jerk_id", "location", "start", "end", "duration_s",
                                            "peak_g", "in_gap"]
    assert list(a.confounders.columns) == ["kind", "location", "start", "end", "duration_s",
                                           "peak_g", "series_id", "in_gap"]
    assert str(a.jerks["start"].dtype) == "datetime64[ns, UTC]"
    assert len(a.jerks) == 3
    assert set(a.jerks["pattern"]) <= {"focal", "segmental", "multifocal", "generalized"}
    # at rest the sensors read 1 g
    mag = np.linalg.norm(a.recordings["trunk"].acc[:200], axis=1)
    assert abs(np.median(mag) - 1.0) < 0.08


def test_truth_windows_hold_the_signal_energy_on_the_right_sensors_only(jerk_night):
    night, _ = jerk_night
    assert len(night.jerks) == 8
    checked = 0
    for j in night.jerks.itertuples():
        shown = set(j.sensors.split(";")) if j.sensors else set()
        involved = set(j.parts.split(";"))
        assert shown == {loc for loc in night.recordings if LOCATIONS[loc] in involved}
        for loc, rec in night.recordings.items():
            t, m = _hp_mag(rec, j.start.value, j.end.value)
            inside = (t >= j.start.value - 40e6) & (t <= j.end.value + 40e6)
            if loc in shown:
                row = night.jerk_sensors[(night.jerk_sensors.jerk_id == j.jerk_id)
                                         & (night.jerk_sensors.location == loc)].iloc[0]
                # the largest deviation of the whole +-2 s neighbourhood is inside the truth window
                assert inside[np.argmax(m)], (j.jerk_id, loc)
                assert m[inside].max() > 0.25 * row.peak_g
                checked += 1
            else:
                # uninvolved sensors stay quiet: noise (4 mg) + breathing/cardio only
                assert m.max() < 0.08, (j.jerk_id, loc, m.max())
    assert checked >= 5


def test_point_sampling_at_25hz_misses_the_peak_of_a_50ms_jerk():
    cfg = replace(QUIET, jerks_per_night=(12, 12), cluster_prob=0.0, tilt_prob=0.0, ring_prob=0.0,
                  emg_ms=(45.0, 55.0), extreme_prob=0.0, activation_ms=(3.0, 6.0),
                  fs=25.0, front_end="point", locations=("wrist-left", "wrist-right"),
                  pattern_weights=(0.0, 0.0, 1.0, 0.0), noise_mg=(4.0, 4.0))
    ratios = []
    for seed in (1, 2):
        night = simulate_biomech_night(cfg, seed=seed)
        for r in night.jerk_sensors.itertuples():
            rec = night.recordings[r.location]
            t, m = _hp_mag(rec, r.start.value, r.end.value, pad_s=1.0)
            inside = (t >= r.start.value - 50e6) & (t <= r.end.value + 50e6)
            ratios.append(m[inside].max() / r.peak_g)
    ratios = np.array(ratios)
    assert len(ratios) >= 12
    assert np.all(ratios < 1.3)
    # a good share of the sampled peaks are well below the true one
    assert np.mean(ratios < 0.6) >= 0.25, np.round(np.sort(ratios), 2)


def test_post_jerk_tilt_within_configured_range():
    cfg = replace(QUIET, jerks_per_night=(8, 8), cluster_prob=0.0, tilt_prob=1.0,
                  tilt_deg=(8.0, 12.0), fs=100.0, noise_mg=(4.0, 4.0), breathing=False,
                  offset_mg=(0.0, 0.0), gain_error=(0.0, 0.0))
    night, det = simulate_biomech_night_detailed(cfg, seed=11)
    e = det.episodes[(det.episodes.kind == "jerk") & det.episodes.is_sensor]
    limb = e[~e.location.isin(["trunk", "head"])]
    assert len(limb) >= 3
    assert limb.tilt_deg.between(8.0, 12.0).all()
    assert e[e.location == "trunk"].tilt_deg.between(2.4, 3.6).all()
    # gravity angle change can only be smaller than the segment rotation
    assert (e.gravity_angle_deg <= e.tilt_deg + 1e-6).all()
    for r in limb.itertuples():
        rec = night.recordings[r.location]
        pre = rec.slice_time(r.start.value - int(1.5e9), r.start.value - int(0.3e9)).acc.mean(0)
        post = rec.slice_time(r.end.value + int(0.7e9), r.end.value + int(1.9e9)).acc.mean(0)
        ang = np.degrees(np.arccos(np.clip(pre @ post / np.linalg.norm(pre) / np.linalg.norm(post),
                                           -1, 1)))
        assert abs(ang - r.gravity_angle_deg) < 1.5, (r.location, ang, r.gravity_angle_deg)


def test_rollovers_turn_by_the_drawn_angle_and_land_with_the_drawn_impact():
    cfg = replace(QUIET, rollovers_per_hour=(6.0, 6.0), landing_prob=1.0, fs=200.0,
                  front_end="point", noise_mg=(4.0, 4.0), strap_hz=(60.0, 60.0),
                  strap_zeta=(0.7, 0.7), breathing=False, cardio=False, sleep_hours=(0.6, 0.6),
                  offset_mg=(0.0, 0.0), gain_error=(0.0, 0.0))
    night, det = simulate_biomech_night_detailed(cfg, seed=3)
    e = det.episodes
    rolls = e[(e.kind == "posture") & e.angle_deg.notna()]
    trunk = rolls[rolls.location == "trunk"]
    assert len(trunk) >= 2
    assert trunk.angle_deg.between(40, 180).all()
    rec = night.recordings["trunk"]
    for r in trunk.itertuples():
        end = r.end.value
        pre = rec.slice_time(int(r.t0_s * 1e9) + rec.time_ns[0] - int(2.0e9),
                             int(r.t0_s * 1e9) + rec.time_ns[0] - int(0.5e9)).acc.mean(0)
        post = rec.slice_time(end + int(1.0e9), end + int(2.5e9)).acc.mean(0)
        ang = np.degrees(np.arccos(np.clip(pre @ post / np.linalg.norm(pre) / np.linalg.norm(post),
                                           -1, 1)))
        assert abs(ang - r.angle_deg) < 3.0, (ang, r.angle_deg)
    limbs = rolls[(rolls.location != "trunk") & rolls.is_sensor & rolls.impact_g.notna()]
    assert len(limbs) >= 2
    errs = []
    for r in limbs.itertuples():
        rec = night.recordings[r.location]
        after = rec.slice_time(r.impact_t.value + int(0.6e9), r.impact_t.value + int(1.5e9)).acc.mean(0)
        s = rec.slice_time(r.impact_t.value - int(0.01e9), r.impact_t.value + int(0.07e9))
        peak = np.linalg.norm(s.acc - after, axis=1).max()
        errs.append(peak / r.impact_g)
    errs = np.array(errs)
    assert np.all((errs > 0.7) & (errs < 1.6)), errs


def test_plm_series_follow_the_aasm_rule():
    cfg = replace(QUIET, plm_prob=1.0, plm_series=(2, 2), sleep_hours=(1.0, 1.0),
                  locations=("ankle-left", "ankle-right"), fs=25.0)
    night = simulate_biomech_night(cfg, seed=5)
    plm = night.confounders[night.confounders.kind == "plm"]
    assert plm.series_id.nunique() >= 1
    assert plm.duration_s.between(0.5, 10.0).all()
    for (_sid, _loc), g in plm.groupby(["series_id", "location"]):
        onsets = np.sort(_ns(g.start)) / 1e9
        if len(onsets) < 2:
            continue  # the other leg of a unilateral series
        iv = np.diff(onsets)
        assert np.all((iv >= 5.0) & (iv <= 90.0)), iv
    assert plm.groupby("series_id").start.nunique().max() >= 4
    # PLMs happen in sleep
    onset, wake = night.sleep["onset"], night.sleep["wake"]
    assert ((plm.start >= onset) & (plm.end <= wake)).all()


def test_phases_consistent_with_sleep_periods():
    cfg = replace(QUIET, jerks_per_night=(6, 6), sleep_hours=(1.5, 1.5), awakenings=(2, 2),
                  awakening_min=(2.0, 4.0), latency_min=(15.0, 15.0), n_nights=2,
                  night_period_h=3.0, jerk_where=(0.4, 0.3, 0.2, 0.1), fs=12.5,
                  locations=("wrist-left",))
    night = simulate_biomech_night(cfg, seed=2)
    periods = night.sleep["periods"]
    assert len(periods) == 2 and all(p["kind"] == "night" for p in periods)
    assert night.sleep["onset"] == periods[0]["onset"]
    assert len(night.jerks) == 12
    m = pd.Timedelta(minutes=1)
    for j in night.jerks.itertuples():
        p = min(periods, key=lambda p: abs(j.start - p["onset"]))
        rel = (j.start - p["onset"]).total_seconds()
        assert abs(rel - j.rel_onset_s) < 1e-3
        in_aw = any(a <= j.start <= b + 15 * m for a, b in p["awakenings"])
        if j.phase == "sleep-onset":
            assert -300 <= rel <= 900
        elif j.phase == "awakening":
            assert in_aw and not (-300 <= rel <= 900)
        elif j.phase == "pre-sleep":
            assert p["lights_out"] <= j.start < p["onset"] - 5 * m
        elif j.phase == "sleep":
            assert p["onset"] + 15 * m < j.start <= p["wake"] and not in_aw
        else:
            assert j.phase == "day"
            assert not any(q["lights_out"] <= j.start <= q["wake"] for q in periods)


def test_day_and_night_has_one_period_per_night_and_walking():
    cfg = replace(QUIET, n_nights=3, night_period_h=2.0, sleep_hours=(0.5, 0.5),
                  day_hours_before=0.5, fs=25.0, locations=("ankle-left", "wrist-left"),
                  nap_prob=0.0, walk_share=0.5, day_fine_fs=250.0)
    night = simulate_biomech_night(cfg, seed=6)
    periods = night.sleep["periods"]
    assert [p["kind"] for p in periods] == ["night"] * 3
    for a, b in zip(periods, periods[1:], strict=False):
        assert a["wake"] < b["lights_out"]
    day = night.confounders[night.confounders.kind == "daytime"]
    assert len(day) > 0
    rec = night.recordings["ankle-left"]
    assert rec.duration_s > 3 * 0.5 * 3600
    # heel strikes of 1-3 g at the shank while up (truth), and visible in the samples
    ankle = day[day.location == "ankle-left"]
    assert ankle.peak_g.max() > 1.0
    t = rec.time_ns
    up = np.ones(len(t), bool)
    for p in periods:
        up &= ~((t >= p["lights_out"].value) & (t <= p["wake"].value))
    assert np.abs(np.linalg.norm(rec.acc[up], axis=1) - 1).max() > 0.5
    naps = simulate_biomech_night(replace(cfg, nap_prob=1.0, n_nights=2, night_period_h=3.0,
                                          nap_min=(10.0, 15.0), walk_share=0.1), seed=6)
    kinds = [p["kind"] for p in naps.sleep["periods"]]
    assert kinds == ["night", "nap", "night"]


def test_gaps_have_no_samples_and_match_the_truth():
    cfg = replace(QUIET, gaps_per_night=(2, 2), gap_s=(5.0, 60.0), jerks_per_night=(3, 3))
    night = simulate_biomech_night(cfg, seed=9)
    for loc, rec in night.recordings.items():
        g = night.gaps[loc]
        assert g.shape == (2, 2)
        np.testing.assert_array_equal(g, rec.gaps)
        for a, b in g:
            assert not np.any((rec.time_ns > a) & (rec.time_ns < b))
            assert (b - a) / 1e9 >= 4.0
        big = np.flatnonzero(np.diff(rec.time_ns) > 2e9 / rec.fs)
        assert len(big) == 2


def test_timestamps_follow_the_drawn_drift_and_jitter():
    cfg = replace(QUIET, fs=100.0, odr_error_ppm=(500.0, 500.0), drift_wander_ppm=0.0,
                  jitter_ms=(2.0, 2.0), packet_samples=10, locations=("wrist-left",))
    rec = simulate_biomech_night(cfg, seed=1).recordings["wrist-left"]
    d = np.diff(rec.time_ns)
    assert np.all(d > 0)
    k = np.arange(len(rec))
    slope, icpt = np.polyfit(k, rec.time_ns - rec.time_ns[0], 1)
    assert abs(slope / 1e7 - 1 / (1 + 500e-6)) < 20e-6  # the real rate is 100.05 Hz
    resid = (rec.time_ns - rec.time_ns[0]) - (slope * k + icpt)
    assert 1.0e6 < resid.std() < 3.0e6  # ~2 ms jitter, clipped at +-4 ms
    # packets share their jitter: within-packet steps are the clock's own
    within = d[(k[1:] % 10) != 0]
    assert np.abs(within - slope).max() < 1e3
    dev = simulate_biomech_night(replace(cfg, timestamp_source="device"), seed=1)
    dd = np.diff(dev.recordings["wrist-left"].time_ns)
    assert np.all(dd == 10_000_000)


def test_front_ends_differ_as_designed():
    """A 2 ms knock on the case: the sensor mass takes the full spike, then rings on the strap.
    A point sampler catches the spike or the ring now and then; integration and the low-pass
    average both away."""
    base = replace(QUIET, knocks_per_night=(10, 10), knock_ms=(2.0, 2.0), knock_g=(6.0, 6.0),
                   locations=("wrist-left",), fs=50.0, noise_mg=(4.0, 4.0), breathing=False,
                   cardio=False)
    out = {}
    for fe in ("point", "integrate", "lowpass"):
        night = simulate_biomech_night(replace(base, front_end=fe), seed=2)
        kn = night.confounders[night.confounders.kind == "knock"]
        assert len(kn) == 10
        assert kn.peak_g.between(4.0, 6.5).all()  # physical peak before the front end
        assert (kn.duration_s < 0.0021).all()
        rec = night.recordings["wrist-left"]
        peaks = []
        for r in kn.itertuples():
            t, m = _hp_mag(rec, r.start.value, r.end.value, pad_s=0.5)
            inside = (t >= r.start.value - 30e6) & (t <= r.end.value + 100e6)
            peaks.append(m[inside].max())
        out[fe] = np.array(peaks)
    assert out["integrate"].max() < 0.6 and out["lowpass"].max() < 0.6, out
    assert np.median(out["point"]) < 0.25 * 6.0
    assert out["point"].max() > 2 * max(out["integrate"].max(), out["lowpass"].max()), out


def test_invalid_config_raises():
    with pytest.raises(HypnicError):
        simulate_biomech_night(replace(QUIET, locations=("elbow",)))
    with pytest.raises(HypnicError):
        simulate_biomech_night(replace(QUIET, front_end="magic"))
    with pytest.raises(HypnicError):
        simulate_biomech_night(replace(QUIET, fs=400.0))


def test_variants_are_configs_that_run():
    assert {"typical", "tilt-and-ring", "rollover-impacts", "jerk-clusters", "restless-wake",
            "phone-in-bed", "point-sampling-25hz", "noisy-15mg", "drift-jitter", "day-and-night",
            "week"} <= set(BIOMECH_VARIANTS)
    assert all(isinstance(v, BiomechConfig) for v in BIOMECH_VARIANTS.values())
    v = BIOMECH_VARIANTS["jerk-clusters"]
    night = simulate_biomech_night(replace(v, sleep_hours=(0.5, 0.5), fs=25.0,
                                           locations=("wrist-left",), awakenings=(0, 0)), seed=1)
    clustered = night.jerks[night.jerks.series_id >= 0]
    assert len(clustered) >= 3
    for _, g in clustered.groupby("series_id"):
        gaps = np.diff(np.sort(_ns(g.start))) / 1e9
        assert np.all((gaps > 1.0) & (gaps < 11.0)), gaps
    phone = simulate_biomech_night(replace(BIOMECH_VARIANTS["phone-in-bed"], sleep_hours=(0.3, 0.3),
                                           fs=25.0, locations=("wrist-left", "wrist-right"),
                                           awakenings=(0, 0)), seed=2)
    ph = phone.confounders[phone.confounders.kind == "phone"]
    assert len(ph) >= 1 and (ph.duration_s > 60).all()
    assert (ph.start >= phone.sleep["lights_out"]).all() and (ph.end < phone.sleep["onset"]).all()


# --- awake and up -------------------------------------------------------------------------
# Calibration targets (see docs/simulator-biomech.md): two real free-living ActiGraph wrist
# days (13.6 h and 9.3 h at 30 Hz), 5 s epochs, |change of the epoch z-angle|: medians 0.23
# and 0.41 deg (0.71-1.41 deg outside idle-sleep-mode stretches), 90th percentiles 13.8 and
# 6.3 deg, 64-65 % of the epochs below 1 deg.
DAY = replace(BIOMECH_VARIANTS["day-and-night"], day_hours_before=3.0, sleep_hours=(1.0, 1.0),
              awakenings=(0, 0), fs=25.0, gaps_per_night=(0, 0))


def _angle_changes(rec: Recording) -> tuple[np.ndarray, np.ndarray]:
    """Epoch starts (ns) and |change| of the z-angle of consecutive 5 s epoch means (deg)."""
    ep = 5_000_000_000
    e0 = rec.time_ns[0] // ep * ep
    idx = (rec.time_ns - e0) // ep
    n = int(idx[-1]) + 1
    cnt = np.bincount(idx, minlength=n)
    m = [np.bincount(idx, rec.acc[:, k].astype(float), n) / np.maximum(cnt, 1) for k in range(3)]
    ang = np.degrees(np.arctan2(m[2], np.hypot(m[0], m[1])))
    ang[cnt == 0] = np.nan
    return e0 + np.arange(n) * ep, np.abs(np.diff(ang, prepend=np.nan))


def _up_sleep_masks(st: np.ndarray, periods: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Up: away from every lie-down..get-up span; sleep: onset + 15 min .. wake."""
    up = np.ones(len(st), bool)
    sl = np.zeros(len(st), bool)
    for p in periods:
        up &= ~((st >= p["lights_out"].value - 200e9) & (st <= p["wake"].value + 400e9))
        sl |= (st >= p["onset"].value + 900e9) & (st < p["wake"].value)
    return up, sl


@pytest.fixture(scope="module")
def day_nights() -> dict:
    return {seed: simulate_biomech_night_detailed(DAY, seed) for seed in (1, 2, 3)}


def test_up_time_wrist_moves_like_real_free_living_days_and_sleep_stays_still(day_nights):
    pooled = []
    for seed, (night, _) in day_nights.items():
        st, ch = _angle_changes(night.recordings["wrist-left"])
        up, sl = _up_sleep_masks(st, night.sleep["periods"])
        u, s = ch[up & np.isfinite(ch)], ch[sl & np.isfinite(ch)]
        assert len(u) > 1500 and len(s) > 400
        med, p90 = np.median(u), np.percentile(u, 90)
        assert 0.15 <= med <= 1.0, (seed, med)
        assert 4.0 <= p90 <= 15.0, (seed, p90)
        # continual: hardly any 5 min stretch of up-time without movement
        roll = np.convolve((u > 0.5).astype(float), np.ones(60), "valid")
        assert np.mean(roll == 0) < 0.15, seed
        # sleep is as still as before: noise, breathing and the odd movement
        assert np.median(s) < 0.1, (seed, np.median(s))
        pooled.append(u)
    u = np.concatenate(pooled)
    assert 0.2 <= np.median(u) <= 0.8, np.median(u)
    assert 5.0 <= np.percentile(u, 90) <= 13.0, np.percentile(u, 90)
    assert 25.0 <= np.percentile(u, 99) <= 60.0, np.percentile(u, 99)
    assert 0.55 <= np.mean(u < 1.0) <= 0.78
    assert 0.15 <= np.mean(u < 0.1) <= 0.45


def test_up_time_posture_is_upright_and_trunk_and_ankle_move_more_than_asleep(day_nights):
    for seed, (night, _) in day_nights.items():
        trunk = night.recordings["trunk"]
        t = trunk.time_ns
        up_s = np.ones(len(t), bool)
        lying = np.zeros(len(t), bool)
        for p in night.sleep["periods"]:
            up_s &= ~((t >= p["lights_out"].value - 200e9) & (t <= p["wake"].value + 400e9))
            lying |= (t >= p["lights_out"].value) & (t <= p["wake"].value)
        # the trunk's long axis (sensor x, within the 12 deg mounting error) is near vertical
        # while up (seated recline 0-25 deg, leans <= 15 deg, bends are brief) and near
        # horizontal in bed
        assert np.median(trunk.acc[up_s, 0]) > 0.85, seed
        assert np.mean(trunk.acc[up_s, 0] > 0.7) > 0.95, seed
        assert np.median(np.abs(trunk.acc[lying, 0])) < 0.5, seed
        ankle = night.recordings["ankle-right"]
        up_a = np.ones(len(ankle.time_ns), bool)
        for p in night.sleep["periods"]:
            up_a &= ~((ankle.time_ns >= p["lights_out"].value - 200e9)
                      & (ankle.time_ns <= p["wake"].value + 400e9))
        assert np.median(ankle.acc[up_a, 0]) < -0.8, seed   # shank hangs / stands vertical
        for loc in ("trunk", "ankle-right"):
            st, ch = _angle_changes(night.recordings[loc])
            up, sl = _up_sleep_masks(st, night.sleep["periods"])
            u, s = ch[up & np.isfinite(ch)], ch[sl & np.isfinite(ch)]
            assert np.median(s) < 0.1, (seed, loc)
            assert np.median(u) > 1.5 * np.median(s), (seed, loc, np.median(u), np.median(s))
            assert np.percentile(u, 90) > 0.4, (seed, loc)


def test_up_time_bouts_are_in_the_truth_and_walking_takes_its_share(day_nights):
    for seed, (night, det) in day_nights.items():
        e = det.episodes
        bouts = e[(e.kind == "daytime") & (e.location == "wrist-left")
                  & e.activity.isin(["sit-rest", "sit-desk", "sit-phone", "sit-meal", "stand",
                                     "walk"])].sort_values("start")
        assert set(bouts.activity) >= {"stand", "walk"}
        assert bouts.activity.str.startswith("sit").any()
        assert np.all(bouts.start.to_numpy()[1:] >= bouts.end.to_numpy()[:-1])  # no overlap
        span = (night.sleep["lights_out"].value - night.recordings["trunk"].time_ns[0]) / 1e9
        dur = (bouts.end - bouts.start).dt.total_seconds()
        assert dur.sum() > 0.85 * span, seed      # the up-time is filled with activity
        walk = dur[bouts.activity == "walk"].sum() / dur.sum()
        assert 0.03 <= walk <= 0.2, (seed, walk)  # walk_share 0.1
        # the truth lists each bout once per sensor, as a daytime look-alike with its peak
        conf = night.confounders
        rows = conf[(conf.kind == "daytime") & (conf.location == "wrist-left")]
        assert set(zip(bouts.start, bouts.end, strict=True)) <= set(zip(rows.start, rows.end, strict=True))
        assert (bouts.peak_g > 0).all() and (bouts.peak_g < 3.0).all()
        # sit-to-stand transitions: ~3-6 per waking hour (Dall & Kerr 2010: 60 +- 22 a day)
        sts = (e.activity == "to-standing") & (e.location == "trunk")
        assert 1.5 <= sts.sum() / (span / 3600) <= 8.0, (seed, sts.sum())


def test_day_activity_zero_leaves_up_time_still():
    cfg = replace(DAY, day_hours_before=1.0, day_activity=0.0, locations=("wrist-left",),
                  fs=12.5, walk_share=0.0)
    night = simulate_biomech_night(cfg, seed=4)
    st, ch = _angle_changes(night.recordings["wrist-left"])
    up, _ = _up_sleep_masks(st, night.sleep["periods"])
    assert np.median(ch[up & np.isfinite(ch)]) < 0.1


def test_day_layer_kinematics_match_a_rotation_about_the_joint():
    """One minimum-jerk elbow flexion of the layer: the reading rotates by the angle and the
    linear acceleration is |r| sqrt(th''^2 + th'^4) (tangential + centripetal)."""
    from simulation._biomech_day import Bout, DayLayer, PartPlan
    from simulation._biomech_sensor import ideal_sensor

    A, T, t0, H = np.radians(60.0), 0.8, 10.0, 1.75
    plan = PartPlan(np.array([t0]), np.array([T]), np.array([[0.0, -A, 0.0]]), np.zeros((1, 3)))
    layer = DayLayer([Bout("sit-desk", 0.0, 20.0)], {"arm-left": plan})
    t = np.arange(5.0, 15.0, 0.001)
    f = np.tile([0.0, 0.0, 1.0], (len(t), 1))
    g = f.copy()
    [(bi, peak)] = layer.apply("wrist-left", "arm-left", ideal_sensor("wrist-left"), H, t, f, g)
    assert bi == 0
    assert np.degrees(np.arccos(g[-1] @ [0.0, 0.0, 1.0])) == pytest.approx(60.0, abs=0.01)
    s = np.clip((t - t0) / T, 0, 1)
    d1 = A * 30 * s**2 * (1 - s) ** 2 / T
    d2 = A * 60 * s * (1 - s) * (1 - 2 * s) / T**2
    r = np.hypot(0.20 * H, 0.03)
    expect = r * np.sqrt(d2**2 + d1**4) / 9.80665
    lin = np.linalg.norm(f - g, axis=1)
    assert peak == pytest.approx(expect.max(), rel=0.01)
    assert np.abs(lin - expect).max() < 0.002
