"""One simulated night: its ground truth must match its signal."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sensing import HypnicError
from sensing.body import LOCATIONS
from simulation import NightConfig, simulate_night


def window(rec, start, end, pad_s=0.05):
    i0, i1 = np.searchsorted(rec.time_ns, [start.value - int(pad_s * 1e9), end.value + int(pad_s * 1e9)])
    return rec.acc[i0:i1]


def baseline(rec, t, before_s=(30, 2)):
    i0, i1 = np.searchsorted(rec.time_ns, [t.value - int(before_s[0] * 1e9), t.value - int(before_s[1] * 1e9)])
    return np.median(rec.acc[i0:i1], axis=0)


def test_same_seed_same_night_other_seed_other_night():
    cfg = NightConfig(hours_in_bed=0.5, locations=("wrist-left",), fs=25)
    a, b, c = (simulate_night(cfg, seed=s) for s in (5, 5, 6))
    ra, rb, rc = (n.recordings["wrist-left"] for n in (a, b, c))
    assert np.array_equal(ra.acc, rb.acc) and np.array_equal(ra.time_ns, rb.time_ns)
    assert a.jerks.equals(b.jerks)
    assert len(ra) != len(rc) or not np.array_equal(ra.acc, rc.acc)


def test_every_true_jerk_is_in_the_signal_at_its_time_and_limb(short_night):
    js = short_night.jerk_sensors
    assert len(js) >= 6
    for row in js.itertuples():
        if row.in_gap:
            continue
        rec = short_night.recordings[row.location]
        burst = np.abs(window(rec, row.start, row.end) - baseline(rec, row.start)).max()
        # the sensor's one-period front end smooths short bursts at 50 Hz, but keeps most of it
        assert burst > 0.3 * row.peak_g, (row.location, row.peak_g, burst)
        assert 0.04 <= row.duration_s <= 0.3 and 0.3 <= row.peak_g <= 6.0


def test_jerks_appear_only_on_sensors_of_involved_body_parts(short_night):
    for j in short_night.jerks.itertuples():
        parts = set(j.parts.split(";"))
        shown = set(j.sensors.split(";")) - {""}
        assert shown == {loc for loc in short_night.recordings if LOCATIONS[loc] in parts}
        rows = short_night.jerk_sensors[short_night.jerk_sensors.jerk_id == j.jerk_id]
        assert set(rows.location) == shown
        if j.pattern == "generalized":
            assert (rows.start - j.start).dt.total_seconds().max() < 0.05  # within tens of ms


def test_jerk_timing_and_truth_columns(short_night):
    j, s = short_night.jerks, short_night.sleep
    assert len(j) == 6
    assert s["lights_out"] < s["onset"] < s["wake"]
    rel = (j.start - s["onset"]).dt.total_seconds()
    assert np.allclose(rel, j.rel_onset_s, atol=1e-6)
    assert set(j.phase) <= {"pre-sleep", "sleep-onset", "sleep", "awakening"}
    assert (j.phase == "sleep-onset").mean() >= 0.5
    assert set(j.pattern) <= {"focal", "segmental", "multifocal", "generalized"}


def test_confounders_follow_their_definitions(short_night):
    cf = short_night.confounders
    plm = cf[cf.kind == "plm"]
    assert len(plm) >= 4 and set(plm.location) <= {"ankle-left"}
    assert plm.duration_s.between(0.5, 10).all()
    for _, series in plm.groupby("series_id"):
        assert len(series) >= 4
        gaps = series.start.diff().dt.total_seconds().dropna()
        assert gaps.between(5, 90).all()
    for row in cf[cf.kind == "plm"].head(5).itertuples():  # the leg really moves
        rec = short_night.recordings[row.location]
        assert np.abs(window(rec, row.start, row.end) - baseline(rec, row.start, (60, 1))).max() > 0.03
    for row in cf[(cf.kind == "knock") & ~cf.in_gap].itertuples():
        rec = short_night.recordings[row.location]
        dev = np.abs(window(rec, row.start, row.end, 0.03) - baseline(rec, row.start, (5, 0.5))).max()
        assert dev > min(row.peak_g, 8.0) * 0.5
    for kind, band in (("scratch", (3, 10)), ("tremor", (4, 8))):
        for row in cf[(cf.kind == kind) & ~cf.in_gap].itertuples():
            rec = short_night.recordings[row.location]
            x = window(rec, row.start, row.end, 0)
            x = x - x.mean(axis=0)
            spec = np.abs(np.fft.rfft(x, axis=0)).sum(axis=1)
            f = np.fft.rfftfreq(len(x), 1 / rec.fs)
            above = f > 3.0  # above ordinary wake movement (mostly below 2 Hz)
            assert band[0] - 0.5 <= f[above][spec[above].argmax()] <= band[1] + 0.5


def test_sensor_reality_noise_quantisation_clipping_drift_gaps():
    cfg = NightConfig(hours_in_bed=1.0, locations=("wrist-left", "ankle-right"), fs=100,
                      noise_g=0.01, range_g=4.0, resolution_bits=12, drift_ppm=30.0,
                      gaps_per_night=3, n_knocks=6, n_jerks=0)
    night = simulate_night(cfg, seed=3)
    lsb = 8.0 / 2**12
    for loc, rec in night.recordings.items():
        assert np.abs(rec.acc).max() <= 4.0
        assert np.allclose(rec.acc / lsb, np.round(rec.acc / lsb), atol=1e-3)
        step = np.median(np.diff(rec.time_ns))
        assert step == pytest.approx(1e9 / (100 * (1 + 30e-6)), abs=1)
        assert np.array_equal(rec.gaps, night.gaps[loc])
        # quiet sleep: the sample-to-sample noise is the configured white noise
        onset = night.sleep["onset"].value
        i0, i1 = np.searchsorted(rec.time_ns, [onset + 60e9, onset + 70e9])
        assert np.diff(rec.acc[i0:i1], axis=0).std() / np.sqrt(2) == pytest.approx(0.01, rel=0.3)
    assert sum(len(g) for g in night.gaps.values()) >= 1
    knocks = night.confounders[night.confounders.kind == "knock"]
    assert (knocks.peak_g > 4).any()  # at least one knock clips at +-4 g


def test_config_is_validated():
    with pytest.raises(HypnicError, match="locations"):
        NightConfig(locations=("elbow",))
    with pytest.raises(HypnicError, match="fs"):
        NightConfig(fs=1)


def test_sleepers_turn_in_sleep_as_often_as_real_ones_slowly_and_every_limb_at_once():
    cfg = NightConfig(fs=25, hours_in_bed=8, locations=("wrist-left", "trunk"), n_jerks=3, plm=False,
                      n_scratch=0, n_tremor=0, n_knocks=0, gaps_per_night=0, noise_g=0.002)
    night, still = simulate_night(cfg, seed=4), simulate_night(replace(cfg, sleep_turns=0), seed=4)
    turns = night.confounders[night.confounders.kind == "turn"]
    assert still.confounders[still.confounders.kind == "turn"].empty
    # the rest of the night is the same with them or without
    assert night.jerks.equals(still.jerks) and night.sleep == still.sleep
    wrist, trunk = (turns[turns.location == loc].reset_index(drop=True) for loc in cfg.locations)
    assert wrist.start.equals(trunk.start)  # one movement turns every limb
    # in sleep only, about 11 an hour (ICHI14: 14.8 of 2 degrees or more with the posture shifts)
    s = night.sleep
    assert wrist.start.between(s["onset"], s["wake"]).all()
    for a, b in s["awakenings"]:
        assert not wrist.start.between(a, b).any()
    hours = ((s["wake"] - s["onset"]) - sum((b - a for a, b in s["awakenings"]), pd.Timedelta(0))) / pd.Timedelta(hours=1)
    assert 8 <= len(wrist) / hours <= 15
    assert wrist.duration_s.between(1, 3).all()

    def turned(rec, row):  # degrees between the second before and the second after
        before, after = (window(rec, t - pd.Timedelta(seconds=1), t, 0).mean(axis=0)
                         for t in (row.start, row.end + pd.Timedelta(seconds=1)))
        return np.degrees(np.arccos(np.clip(before @ after / np.linalg.norm(before) / np.linalg.norm(after), -1, 1)))

    apart = wrist.start.diff().dt.total_seconds().fillna(1e9).to_numpy() > 10  # no turn just before
    wrist_deg = np.array([turned(night.recordings["wrist-left"], r) for r in wrist[apart].itertuples()])
    trunk_deg = np.array([turned(night.recordings["trunk"], r) for r in trunk[apart].itertuples()])
    assert 1.5 <= wrist_deg.min() and wrist_deg.max() <= 48 and np.median(wrist_deg) < 10
    assert trunk_deg.max() <= 48 / 4  # the trunk turns a quarter as far
    # slowly: nothing brisk (45 degrees in 1 s at most: 0.06 g between samples at 25 Hz)
    rec = night.recordings["wrist-left"]
    for r in wrist.itertuples():
        assert np.abs(np.diff(window(rec, r.start, r.end, 0), axis=0)).max() < 0.06


def test_arguments_a_user_gets_wrong_are_said_in_one_line():
    """One location as text is that location (before: refused letter by letter, "w, r,
    i, ..."); a seed or config of another type, a rate that is text and a rate model
    with a negative rate are refused in words (before: numpy's and Python's errors, or a
    negative rate accepted)."""
    from simulation import RateModel

    assert NightConfig(locations="wrist-left").locations == ("wrist-left",)
    for make, says in ((lambda: simulate_night(seed="1"), "simulate_night: seed must be an integer, got str '1'"),
                       (lambda: simulate_night({"fs": 25}), "simulate_night: config must be a NightConfig"),
                       (lambda: NightConfig(fs="25"), "NightConfig.fs must be a number, got str '25'"),
                       (lambda: RateModel(base_per_h=-1), "RateModel: base_per_h must be a positive number, got -1"),
                       (lambda: RateModel(rate_ratio={"stress": 0}), "RateModel: stress must be a positive")):
        with pytest.raises(HypnicError) as err:
            make()
        assert says in str(err.value)
