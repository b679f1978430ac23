"""The transition model: its truth matches its signal, and each variant's physics is there."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sensing import HypnicError
from sensing.body import DISTRIBUTIONS, FALLING_ASLEEP_PHASES, LOCATIONS, phase_of
from simulation.transition import (
    TRANSITION_VARIANTS,
    TransitionConfig,
    simulate_transition_night,
)

SHORT = dict(hours_in_bed=1.5, pre_bed_min=5.0, post_wake_min=2.0)


def night(variant="typical", seed=0, **kw):
    return simulate_transition_night(replace(TRANSITION_VARIANTS[variant], **{**SHORT, **kw}), seed)


def window(rec, start, end, pad_s=0.0):
    i0, i1 = np.searchsorted(rec.time_ns, [pd.Timestamp(start).value - int(pad_s * 1e9),
                                           pd.Timestamp(end).value + int(pad_s * 1e9)])
    return rec.acc[i0:i1].astype(float)


def dominant_hz(x, fs, lo=0.2):
    x = x - x.mean(axis=0)
    spec = (np.abs(np.fft.rfft(x, axis=0)) ** 2).sum(axis=1)
    f = np.fft.rfftfreq(len(x), 1 / fs)
    spec[f < lo] = 0
    return float(f[np.argmax(spec)])


def fundamental_hz(x, fs, lo=0.7, share=0.3):
    """Lowest frequency above ``lo`` whose power is ``share`` of the largest peak's."""
    x = x - x.mean(axis=0)
    spec = (np.abs(np.fft.rfft(x * np.hanning(len(x))[:, None], axis=0)) ** 2).sum(axis=1)
    f = np.fft.rfftfreq(len(x), 1 / fs)
    spec[f < lo] = 0
    return float(f[np.flatnonzero(spec >= share * spec.max())[0]])


@pytest.fixture(scope="module")
def many_jerks():
    return night(seed=7, jerks_per_onset=4.0, hours_in_bed=2.5, awakenings_per_night=6.0)


def test_same_seed_same_night_other_seed_other_night():
    a, b, c = night(seed=5), night(seed=5), night(seed=6)
    for loc in a.recordings:
        assert np.array_equal(a.recordings[loc].acc, b.recordings[loc].acc)
        assert np.array_equal(a.recordings[loc].time_ns, b.recordings[loc].time_ns)
        assert np.array_equal(a.gaps[loc], b.gaps[loc])
    assert a.jerks.equals(b.jerks) and a.confounders.equals(b.confounders)
    assert a.jerk_sensors.equals(b.jerk_sensors) and a.sleep == b.sleep
    ra, rc = a.recordings["wrist-left"], c.recordings["wrist-left"]
    assert len(ra) != len(rc) or not np.array_equal(ra.acc, rc.acc)


def test_truth_tables_columns_and_types(many_jerks):
    n = many_jerks
    assert list(n.jerks.columns) == ["jerk_id", "start", "end", "duration_s", "peak_g", "pattern",
                                     "parts", "series_id", "phase", "rel_onset_s", "sensors",
                                     "observable"]
    assert list(n.jerk_sensors.columns) == ["jerk_id", "location", "start", "end", "duration_s",
                                            "peak_g", "in_gap"]
    assert list(n.confounders.columns) == ["kind", "location", "start", "end", "duration_s",
                                           "peak_g", "series_id", "in_gap"]
    for df in (n.jerks, n.jerk_sensors, n.confounders):
        assert str(df["start"].dtype) == "datetime64[ns, UTC]" == str(df["end"].dtype)
        assert (df["duration_s"] >= 0).all() and (df["peak_g"] >= 0).all()
    assert n.jerks["jerk_id"].dtype.kind == "i" and n.jerks["observable"].dtype == bool
    assert n.jerks["series_id"].dtype.kind == "i" and n.confounders["series_id"].dtype.kind == "i"
    assert n.confounders["in_gap"].dtype == bool and n.jerk_sensors["in_gap"].dtype == bool
    assert set(n.jerks["pattern"]) <= set(DISTRIBUTIONS) and len(n.jerks) >= 10
    assert set(n.sleep) == {"lights_out", "onset", "wake", "awakenings", "periods"}
    assert n.sleep["periods"][0]["kind"] == "night" and n.sleep["awakenings"]
    assert n.sleep["lights_out"] < n.sleep["onset"] < n.sleep["wake"]
    for loc, rec in n.recordings.items():
        assert loc in LOCATIONS and rec.location == loc and rec.fs == 50.0
        assert rec.acc.dtype == np.float32 and rec.time_ns.dtype == np.int64
        assert n.gaps[loc].dtype == np.int64 and n.gaps[loc].shape[1] == 2
        assert "sync_points_ns" not in rec.meta
    # sensors and parts agree with the body map; observable means a sensor outside a gap
    for _, j in n.jerks.iterrows():
        rows = n.jerk_sensors[n.jerk_sensors["jerk_id"] == j["jerk_id"]]
        assert set(rows["location"]) == {loc for loc in n.recordings
                                         if LOCATIONS[loc] in j["parts"].split(";")}
        assert j["sensors"] == ";".join(rows["location"])
        assert j["observable"] == bool((~rows["in_gap"]).any())
        assert j["start"] <= rows["start"].min() and j["end"] >= rows["end"].max()
        assert j["peak_g"] >= rows["peak_g"].max() - 1e-9


def test_jerks_only_in_falling_asleep_windows(many_jerks):
    n = many_jerks
    s = n.sleep
    periods = [(s["lights_out"].value / 1e9, s["onset"].value / 1e9, s["wake"].value / 1e9,
                [(a.value / 1e9, b.value / 1e9) for a, b in s["awakenings"]])]
    phase, rel, _ = phase_of(n.jerks["start"].astype("int64").to_numpy() / 1e9, periods)
    assert phase.tolist() == n.jerks["phase"].tolist()
    assert np.allclose(rel, n.jerks["rel_onset_s"])
    assert set(phase) <= set(FALLING_ASLEEP_PHASES) and "awakening" in set(phase)
    onset = n.jerks[n.jerks["phase"] == "sleep-onset"]["rel_onset_s"]
    assert onset.between(-300, 900).all()
    # EMG bursts of 75-250 ms move the limb for a fraction of a second
    assert n.jerks["duration_s"].between(0.1, 1.0).all()
    assert n.jerk_sensors["duration_s"].between(0.1, 0.5).all()
    series = n.jerks[n.jerks["series_id"] >= 0].groupby("series_id")["start"]
    assert (series.size() >= 2).all()


def test_each_seen_jerk_moves_its_sensor(many_jerks):
    n = many_jerks
    big = n.jerk_sensors[(n.jerk_sensors["peak_g"] > 0.3) & ~n.jerk_sensors["in_gap"]]
    assert len(big) >= 3
    for _, row in big.iterrows():
        rec = n.recordings[row["location"]]
        before = window(rec, row["start"] - pd.Timedelta(seconds=3),
                        row["start"] - pd.Timedelta(seconds=1))
        during = window(rec, row["start"], row["end"], pad_s=0.05)
        dev = np.linalg.norm(during - np.median(before, axis=0), axis=1).max()
        assert dev > 0.4 * row["peak_g"]


def test_gravity_is_one_g_at_rest_on_every_variant():
    for name in TRANSITION_VARIANTS:
        n = night(name, seed=1, hours_in_bed=1.0)
        for rec in n.recordings.values():
            mag = np.linalg.norm(rec.acc.astype(float), axis=1)
            assert abs(np.median(mag) - 1.0) < 0.06, name


def test_foot_tremor_is_one_to_two_hz_at_the_ankle():
    n = night("foot-tremor", seed=2)
    trains = n.confounders[n.confounders["kind"] == "foot-tremor"]
    assert len(trains) >= 1 and trains["location"].eq("ankle-right").all()
    assert trains["duration_s"].between(4, 21).all()
    rec = n.recordings["ankle-right"]
    freqs = [fundamental_hz(window(rec, r["start"], r["end"]), rec.fs)
             for _, r in trains.iterrows() if not r["in_gap"]]
    assert freqs and all(0.8 <= f <= 2.2 for f in freqs)
    # at the transition into sleep, and none of it is a jerk
    onset = n.sleep["onset"]
    near = (trains["start"] - onset).dt.total_seconds().abs() < 900
    assert near.any()


def test_alma_alternates_between_legs():
    n = night("foot-tremor", seed=3, locations=("ankle-left", "ankle-right"), alma_prob=1.0)
    alma = n.confounders[n.confounders["kind"] == "alma"]
    assert set(alma["location"]) == {"ankle-left", "ankle-right"}
    for _, grp in alma.groupby("series_id"):
        left = grp[grp["location"] == "ankle-left"]["start"].iloc[0]
        right = grp[grp["location"] == "ankle-right"]["start"].iloc[0]
        assert left < right  # the left leg leads, the right answers


def test_rocking_is_slow_rhythm_for_minutes_on_every_sensor():
    n = night("rocking", seed=4)
    rock = n.confounders[n.confounders["kind"] == "rocking"]
    assert set(rock["location"]) == {"wrist-left", "trunk"}
    assert rock["duration_s"].between(60, 900).all()
    rec = n.recordings["trunk"]
    r = rock[rock["location"] == "trunk"].iloc[0]
    assert 0.45 <= dominant_hz(window(rec, r["start"], r["end"]), rec.fs) <= 1.25
    assert (r["start"] < n.sleep["onset"]) and (r["end"] > n.sleep["onset"] - pd.Timedelta("5min"))


def test_restless_legs_give_plmw_before_sleep_and_plms_series():
    n = night("rls", seed=5, hours_in_bed=2.0)
    plm = n.confounders[(n.confounders["kind"] == "plm") & (n.confounders["location"] == "ankle-left")]
    onset = n.sleep["onset"]
    assert (plm["start"] < onset).any() and (plm["start"] > onset).any()
    assert (n.confounders["kind"] == "rls").any()
    assert plm["duration_s"].between(0.5, 10.01).all()
    both = n.confounders[n.confounders["kind"] == "plm"]
    for _, grp in both.groupby("series_id"):  # a series counts the movements of either leg
        starts = np.unique(grp["start"].astype("int64").to_numpy())
        gaps = np.diff(starts) / 1e9
        assert len(starts) >= 4 and (gaps >= 4.0).all() and (gaps <= 90).all()  # AASM: 5-90 s


def test_loose_band_clacks_tight_band_does_not():
    loose = night("loose-band", seed=6, jerks_per_onset=5.0)
    snug = night("loose-band", seed=6, jerks_per_onset=5.0, strap="snug")
    assert (loose.confounders["kind"] == "rattle").any()
    assert not (snug.confounders["kind"] == "rattle").any()
    a, b = loose.recordings["wrist-left"].acc, snug.recordings["wrist-left"].acc

    def hf(x):
        d = np.diff(x.astype(float), axis=0)
        return float(np.abs(d).max())

    assert hf(a) > hf(b)
    assert loose.jerk_sensors["peak_g"].max() > snug.jerk_sensors["peak_g"].max()


def test_budget_band_rate_resolution_and_clipping():
    n = night("budget-band", seed=1, hours_in_bed=2.0, jerks_per_onset=5.0)
    rec = n.recordings["wrist-right"]
    assert rec.fs == 12.5
    steps = np.diff(rec.time_ns)
    assert steps.min() == 80_000_000
    lsb = 4.0 / 256
    assert np.allclose(rec.acc / lsb, np.round(rec.acc / lsb), atol=1e-3)
    assert rec.acc.max() <= 2.0 - lsb + 1e-6 and rec.acc.min() >= -2.0
    rail = np.flatnonzero((np.abs(rec.acc) >= 2.0 - 2 * lsb).any(axis=1))
    assert len(rail)
    t = rec.time_ns[rail]
    starts = n.jerk_sensors["start"].astype("int64").to_numpy()
    assert (np.abs(t[:, None] - starts[None, :]).min(axis=1) < 2e9).all()  # the strong jerks clip


def test_bed_bounce_reaches_every_sensor_at_once():
    n = night("bed-bounce", seed=8)
    b = n.confounders[n.confounders["kind"] == "bed-bounce"]
    assert len(b) >= 3
    per_start = b.groupby("start")["location"].apply(set)
    assert all(s == {"wrist-left", "ankle-right", "trunk"} for s in per_start)
    r = b[b["location"] == "trunk"].iloc[0]
    rec = n.recordings["trunk"]
    assert 1.8 <= dominant_hz(window(rec, r["start"], r["end"]), rec.fs, lo=1.0) <= 6.5


def test_arm_under_pillow_damps_that_wrists_jerks():
    free = night("arm-under-pillow", seed=9, jerks_per_onset=6.0, arm_under_pillow=False)
    pressed = night("arm-under-pillow", seed=9, jerks_per_onset=6.0)
    w = "wrist-left"
    pf = free.jerk_sensors[free.jerk_sensors["location"] == w]["peak_g"].median()
    pp = pressed.jerk_sensors[pressed.jerk_sensors["location"] == w]["peak_g"].median()
    assert pp < 0.6 * pf
    turns = [(x.confounders["kind"].eq("turn") & x.confounders["location"].eq(w)).sum()
             for x in (free, pressed)]
    assert turns[1] < turns[0]


def test_gaps_have_no_samples_and_flag_truth():
    n = night("budget-band", seed=3, gaps_per_h=20.0)
    rec = n.recordings["wrist-right"]
    g = n.gaps["wrist-right"]
    assert len(g) >= 5
    for a, b in g:
        assert not ((rec.time_ns > a) & (rec.time_ns < b)).any()
        assert b - a > 2 * 1e9 / rec.fs
    c = n.confounders
    s, e = c["start"].astype("int64").to_numpy(), c["end"].astype("int64").to_numpy()
    hit = ((g[None, :, 0] < e[:, None]) & (g[None, :, 1] > s[:, None])).any(axis=1)
    assert (hit == c["in_gap"].to_numpy()).all()


def test_variants_and_bad_configs():
    assert len(TRANSITION_VARIANTS) >= 6 and "typical" in TRANSITION_VARIANTS
    assert all(v.variant == k for k, v in TRANSITION_VARIANTS.items())
    for bad in (dict(fs=5.0), dict(locations=("wrist-left", "wrist-left")), dict(strap="velcro"),
                dict(front_end="fancy"), dict(jerks_per_onset=-1.0), dict(locations=("elbow",))):
        with pytest.raises(HypnicError):
            TransitionConfig(**bad)
    with pytest.raises(HypnicError):
        simulate_transition_night("typical", 0)  # type: ignore[arg-type]
