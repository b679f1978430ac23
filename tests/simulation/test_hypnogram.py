"""The hypnogram model: its ground truth matches its hypnogram, its signal and its config."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sensing import HypnicError
from sensing.body import CONTIGUOUS, FALLING_ASLEEP_PHASES, phase_of
from sensing.recording import find_gaps
from simulation.hypnogram import (
    EPOCH_S,
    HYPNOGRAM_VARIANTS,
    JERK_BURST_S,
    JERK_OFFSET_S,
    JERK_SPREAD_S,
    MULTIFOCAL_LAG_S,
    SUSTAINED_EPOCHS,
    HypnogramConfig,
    simulate_hypnogram_night,
)

#: A short, jerk-rich night on three sensors: 2 h in bed, many awakenings.
BUSY = HypnogramConfig(
    locations=("wrist-left", "ankle-right", "trunk"), fs_hz=50.0, time_in_bed_h=(2.0, 2.0),
    latency_median_min=15.0, awakenings_per_h=3.0, jerks_per_transition=2.0,
    stray_jerks_per_night=0.0, plm_series_per_night=3.0, disconnects_per_night=2.0,
    frame_losses_per_h=6.0, drift_ppm=50.0)


def short(cfg: HypnogramConfig) -> HypnogramConfig:
    return replace(cfg, time_in_bed_h=(0.75, 0.75), latency_median_min=5.0)


@pytest.fixture(scope="module")
def busy():
    return simulate_hypnogram_night(BUSY, seed=3)


def seconds(night, t) -> np.ndarray:
    """Times (Timestamps) as seconds from lights-out."""
    return (pd.DatetimeIndex(np.atleast_1d(t)) - night.sleep["lights_out"]).total_seconds().to_numpy()


@pytest.mark.parametrize("name", list(HYPNOGRAM_VARIANTS))
def test_every_variant_builds_with_its_rate_locations_and_chip(name):
    cfg = HYPNOGRAM_VARIANTS[name]
    night = simulate_hypnogram_night(short(cfg), seed=1)
    assert list(night.recordings) == list(cfg.locations)
    for loc, rec in night.recordings.items():
        assert rec.location == loc and rec.fs == cfg.fs_hz and rec.device == cfg.chip
        assert rec.acc.dtype == np.float32 and rec.acc.shape[1] == 3
        step = np.median(np.diff(rec.time_ns))
        assert step == pytest.approx(1e9 / cfg.fs_hz, rel=0.01)
        # 12-bit values inside the range
        assert np.abs(rec.acc).max() <= cfg.range_g
        lsb = 2 * cfg.range_g / 2 ** cfg.resolution_bits
        assert np.allclose(np.round(rec.acc / lsb) * lsb, rec.acc, atol=1e-6)
    assert night.config is not cfg and night.seed == 1
    assert list(night.markers.columns) == ["start", "end", "location", "jerk_id", "in_gap"]


def test_variants_differ_as_documented():
    v = HYPNOGRAM_VARIANTS
    assert v["low-rate"].fs_hz == 25.0 and v["low-rate"].range_g == 4.0
    assert len(v["trio"].locations) == 3
    assert v["insomnia"].latency_median_min > 3 * v["typical"].latency_median_min
    assert v["fragmented"].awakenings_per_h > 3 * v["typical"].awakenings_per_h
    assert v["fragmented"].plm_series_per_night > 0 == v["typical"].plm_series_per_night


def test_same_seed_same_night_other_seed_other_night():
    cfg = short(HYPNOGRAM_VARIANTS["trio"])
    a, b, c = (simulate_hypnogram_night(cfg, seed=s) for s in (7, 7, 8))
    for loc in cfg.locations:
        assert np.array_equal(a.recordings[loc].acc, b.recordings[loc].acc)
        assert np.array_equal(a.recordings[loc].time_ns, b.recordings[loc].time_ns)
    assert a.jerks.equals(b.jerks) and a.confounders.equals(b.confounders)
    assert a.sleep["hypnogram"].equals(b.sleep["hypnogram"])
    ra, rc = a.recordings["trunk"], c.recordings["trunk"]
    assert len(ra) != len(rc) or not np.array_equal(ra.acc, rc.acc)


def test_a_full_night_has_realistic_length_and_architecture():
    night = simulate_hypnogram_night(replace(HYPNOGRAM_VARIANTS["typical"], fs_hz=10.0), seed=2)
    s = night.sleep
    in_bed_h = (s["wake"] - s["lights_out"]).total_seconds() / 3600
    assert 7.0 <= in_bed_h <= 8.5 + 0.25
    local = s["lights_out"].tz_convert("Europe/Berlin")
    assert local.hour in (22, 23, 0)
    stages = s["hypnogram"]["stage"]
    asleep = stages.iloc[int(seconds(night, s["onset"])[0] // EPOCH_S):]
    share = asleep.value_counts(normalize=True)
    assert 0.05 < share["N3"] < 0.3 and 0.12 < share["REM"] < 0.32 and share["N2"] > 0.35
    # first REM 60-130 min after onset; N3 mostly in the first half
    first_rem = seconds(night, s["hypnogram"]["start"][stages == "REM"].iloc[0])[0]
    assert 60 * 60 <= first_rem - seconds(night, s["onset"])[0] <= 130 * 60
    n3 = np.flatnonzero(stages.to_numpy() == "N3")
    assert np.mean(n3 < len(stages) / 2) > 0.7


def test_sleep_periods_follow_from_the_hypnogram(busy):
    s = busy.sleep
    hyp = s["hypnogram"]
    asleep = (hyp["stage"] != "W").to_numpy()
    assert hyp["start"].iloc[0] == s["lights_out"] and not asleep[0]
    assert (np.diff(hyp["start"].to_numpy()) == np.timedelta64(30, "s")).all()
    e_on = int(seconds(busy, s["onset"])[0] // EPOCH_S)
    e_wake = int(seconds(busy, s["wake"])[0] // EPOCH_S)
    # onset: first epoch of the first run of >= 20 sleep epochs
    assert asleep[e_on:e_on + SUSTAINED_EPOCHS].all() and not asleep[e_on - 1]
    runs_before = np.flatnonzero(np.convolve(asleep[:e_on], np.ones(SUSTAINED_EPOCHS), "valid")
                                 >= SUSTAINED_EPOCHS)
    assert len(runs_before) == 0
    # final wake: no sleep after it; awakenings: exactly the W runs in between
    assert not asleep[e_wake:].any() and asleep[e_wake - 1]
    awake = ~asleep[e_on:e_wake]
    assert awake.sum() * EPOCH_S == sum((b - a).total_seconds() for a, b in s["awakenings"])
    assert len(s["awakenings"]) >= 1
    for a, b in s["awakenings"]:
        ea, eb = (int(x // EPOCH_S) for x in seconds(busy, [a, b]))
        assert not asleep[ea:eb].any() and asleep[ea - 1] and asleep[eb]
    period = s["periods"][0]
    assert period["kind"] == "night" and period["onset"] == s["onset"]
    assert period["awakenings"] == s["awakenings"]


def test_jerks_sit_at_wake_to_sleep_transitions_with_the_phase_phase_of_gives(busy):
    jerks, s = busy.jerks, busy.sleep
    assert len(jerks) >= 5
    asleep = (s["hypnogram"]["stage"] != "W").to_numpy()
    boundaries = (np.flatnonzero(~asleep[:-1] & asleep[1:]) + 1) * EPOCH_S
    t = seconds(busy, jerks["start"])
    lo, hi = JERK_OFFSET_S[0], JERK_OFFSET_S[1] + 3 * 8 + MULTIFOCAL_LAG_S  # a series runs on
    near = ((t[:, None] - boundaries[None, :] >= lo) & (t[:, None] - boundaries[None, :] <= hi))
    assert near.any(axis=1).all()
    periods = [(0.0, *seconds(busy, [s["onset"], s["wake"]]),
                [tuple(seconds(busy, list(a))) for a in s["awakenings"]])]
    phase, rel, _ = phase_of(t, periods)
    assert jerks["phase"].tolist() == phase.tolist()
    assert np.allclose(jerks["rel_onset_s"], rel)
    assert set(jerks["phase"]) <= set(FALLING_ASLEEP_PHASES)


def test_jerk_truth_is_inside_the_documented_ranges(busy):
    js, jerks = busy.jerk_sensors, busy.jerks
    assert js["duration_s"].between(JERK_BURST_S[0] - 1e-9, JERK_BURST_S[1] + 1e-9).all()
    assert (jerks["duration_s"] <= JERK_BURST_S[1] + max(JERK_SPREAD_S, MULTIFOCAL_LAG_S) + 1e-9).all()
    assert (jerks["peak_g"] > 0.05).all() and (jerks["peak_g"] < 20).all()
    for j in jerks.itertuples():
        mine = js[js["jerk_id"] == j.jerk_id]
        assert (mine["peak_g"] <= j.peak_g + 1e-9).all()
        assert (mine["start"] >= j.start).all() and (mine["end"] <= j.end).all()
        assert j.sensors == ";".join(mine["location"])
        assert j.observable == bool((~mine["in_gap"]).any())
        parts = j.parts.split(";")
        if j.pattern == "focal":
            assert len(parts) == 1
        elif j.pattern == "generalized":
            assert len(parts) == 6
        elif j.pattern == "segmental":
            assert tuple(parts) in CONTIGUOUS
        else:
            assert len(parts) == 2 and tuple(parts) not in CONTIGUOUS
    series = jerks[jerks["series_id"] >= 0].groupby("series_id")["start"]
    assert all(2 <= len(g) <= 4 for _, g in series)


def test_every_visible_jerk_is_in_the_signal(busy):
    for row in busy.jerk_sensors[~busy.jerk_sensors["in_gap"]].itertuples():
        rec = busy.recordings[row.location]
        i0, i1 = np.searchsorted(rec.time_ns, [row.start.value - 500_000_000,
                                               row.end.value + 500_000_000])
        j0 = np.searchsorted(rec.time_ns, row.start.value - 20_000_000_000)
        base = np.median(rec.acc[j0:j0 + 100], axis=0)
        assert np.abs(rec.acc[i0:i1] - base).max() > 0.25 * min(row.peak_g, 4.0)


def test_confounders_follow_their_rules(busy):
    conf = busy.confounders
    assert {"posture", "fidget", "plm", "rem-twitch"} <= set(conf["kind"])
    assert (conf["end"] >= conf["start"]).all() and (conf["peak_g"] >= 0).all()
    plm = conf[conf["kind"] == "plm"]
    assert plm["location"].eq("ankle-right").all() and plm["duration_s"].between(0.5, 10).all()
    for _, g in plm.groupby("series_id"):
        gaps = np.diff(seconds(busy, g["start"]))
        assert len(g) >= 4 and ((gaps >= 5) & (gaps <= 90)).all()
    assert (conf.loc[conf["kind"] != "plm", "series_id"] == -1).all()
    twitch = conf[conf["kind"] == "rem-twitch"]
    stage = busy.sleep["hypnogram"]["stage"].to_numpy()
    epochs = (seconds(busy, twitch["start"]) // EPOCH_S).astype(int)
    assert np.mean(stage[np.clip(epochs, 0, len(stage) - 1)] == "REM") > 0.9


def test_gaps_are_the_recordings_gaps_and_flag_what_they_hide(busy):
    for loc, rec in busy.recordings.items():
        assert np.array_equal(busy.gaps[loc], find_gaps(rec.time_ns, rec.fs))
        assert np.array_equal(rec.gaps, busy.gaps[loc])
    assert sum(len(g) for g in busy.gaps.values()) >= 3
    quiet = simulate_hypnogram_night(replace(short(BUSY), disconnects_per_night=0.0,
                                             frame_losses_per_h=0.0), seed=3)
    assert all(len(g) == 0 for g in quiet.gaps.values())
    assert not quiet.jerk_sensors["in_gap"].any() and not quiet.confounders["in_gap"].any()


def test_device_clock_drifts_by_its_ppm_between_anchors(busy):
    for rec in busy.recordings.values():
        ppm = rec.meta["clock_error_ppm"]
        assert abs(ppm) <= BUSY.drift_ppm
        sync = rec.meta["sync_points_ns"].astype(float)
        offset = sync[:, 0] - sync[:, 1]  # recorded minus true, ns
        # the anchor is late by one connection interval (7.5-50 ms) plus the stamp delay
        assert ((offset[0] >= 7e6) & (offset[0] <= 52e6)).all()
        for k in range(0, len(sync) - 1, 2):  # each connection: first and last sample
            elapsed = sync[k + 1, 1] - sync[k, 1]
            drift = offset[k + 1] - offset[k]
            assert drift == pytest.approx(ppm * 1e-6 * elapsed, abs=1.5e6)


def test_gravity_is_one_g_at_rest(busy):
    hyp = busy.sleep["hypnogram"]
    n3 = np.flatnonzero(np.convolve(hyp["stage"].to_numpy() == "N2", np.ones(4), "valid") == 4)
    assert len(n3)
    t0 = hyp["start"].iloc[n3[0] + 1].value
    for rec in busy.recordings.values():
        i0, i1 = np.searchsorted(rec.time_ns, [t0, t0 + 30_000_000_000])
        norm = np.linalg.norm(rec.acc[i0:i1].astype(float), axis=1)
        assert np.median(norm) == pytest.approx(1.0, abs=0.06)
        assert np.std(norm) < 0.02


def test_bad_configs_are_refused():
    with pytest.raises(HypnicError, match="locations"):
        HypnogramConfig(locations=("wrist-left", "wrist-left"))
    with pytest.raises(HypnicError, match="fs_hz"):
        HypnogramConfig(fs_hz=5.0)
    with pytest.raises(HypnicError, match="pattern_probs"):
        HypnogramConfig(pattern_probs=(0.5, 0.5, 0.5, 0.0))
