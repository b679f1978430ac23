"""Tests of the kinematic night simulator (short nights, low rates: fast)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sensing.body import phase_of
from simulation.kinematic import KINEMATIC_VARIANTS, KinematicConfig, simulate_kinematic_night

SHORT = dict(night_h=(1.2, 1.2), latency_min=(8.0, 8.0), phone_min=(3.0, 5.0),
             after_wake_min=(2.0, 3.0))


def short(cfg: KinematicConfig, **kw) -> KinematicConfig:
    extra = dict(day_h=1.0) if cfg.day_h else {}
    return dataclasses.replace(cfg, **{**SHORT, **extra, **kw})


def secs(night, ts) -> np.ndarray:
    """Timestamps as s on the recording clock of ``night`` (first period's reference)."""
    t0 = night.sleep["periods"][0]["lights_out"]
    return (pd.to_datetime(pd.Series(ts)) - t0).dt.total_seconds().to_numpy()


def highpassed(rec, t0_ns: int, t1_ns: int, ref_s: float = 3.0) -> np.ndarray:
    """|acc - median of the ref_s before t0| over [t0, t1]: the motion the event added."""
    i0, i1 = np.searchsorted(rec.time_ns, [t0_ns, t1_ns])
    j0 = np.searchsorted(rec.time_ns, t0_ns - int(ref_s * 1e9))
    base = np.median(rec.acc[j0:i0], axis=0)
    return np.abs(rec.acc[i0:i1] - base).max(axis=1)


JERKY = short(KINEMATIC_VARIANTS["typical"], odr_hz=25.0, no_jerk_night_prob=0.0,
              jerks_per_onset=4.0, jerk_return_prob=1.0, awakenings_per_h=2.0,
              noise_mg=(2.0, 4.0), gaps_per_night=0.0, plm_prob=1.0)


@pytest.fixture(scope="module")
def jerky():
    return simulate_kinematic_night(JERKY, 5)


def test_same_seed_same_arrays():
    cfg = short(KINEMATIC_VARIANTS["typical"], odr_hz=25.0)
    a, b = simulate_kinematic_night(cfg, 11), simulate_kinematic_night(cfg, 11)
    for loc in a.recordings:
        np.testing.assert_array_equal(a.recordings[loc].time_ns, b.recordings[loc].time_ns)
        np.testing.assert_array_equal(a.recordings[loc].acc, b.recordings[loc].acc)
    pd.testing.assert_frame_equal(a.confounders, b.confounders)
    pd.testing.assert_frame_equal(a.jerks, b.jerks)
    c = simulate_kinematic_night(cfg, 12)
    assert not np.array_equal(c.recordings["wrist-left"].acc[:1000],
                              a.recordings["wrist-left"].acc[:1000])


@pytest.mark.parametrize("name", sorted(KINEMATIC_VARIANTS))
def test_every_variant_builds(name):
    cfg = short(KINEMATIC_VARIANTS[name], odr_hz=max(25.0, min(KINEMATIC_VARIANTS[name].odr_hz, 26.0)))
    night = simulate_kinematic_night(cfg, 2)
    assert set(night.recordings) == set(cfg.locations)
    for rec in night.recordings.values():
        assert rec.fs == cfg.odr_hz and len(rec) > 0.9 * rec.duration_s * rec.fs
        assert np.all(np.abs(rec.acc) <= cfg.range_g)
    s = night.sleep
    assert s["lights_out"] < s["onset"] < s["wake"]
    assert 8 * 60 - 1 < (s["onset"] - s["lights_out"]).total_seconds() < 8 * 60 + 1
    assert [p["kind"] for p in s["periods"]][-1] == "night"
    assert ("nap" in [p["kind"] for p in s["periods"]]) == KINEMATIC_VARIANTS[name].nap
    local = s["lights_out"].tz_convert("Europe/Berlin")
    assert local.hour in (22, 23, 0)
    assert set(night.confounders["kind"]) <= {
        "posture", "reposition", "scratch", "plm", "rem-twitch", "partner", "phone", "knock",
        "fidget", "walk", "gesture"}
    if name == "partner-in-bed":
        assert (night.confounders["kind"] == "partner").any()


def test_jerk_phase_is_phase_of_true_periods(jerky):
    assert len(jerky.jerks) >= 3
    t0 = jerky.sleep["periods"][0]["lights_out"]

    def s(ts):
        return (ts - t0).total_seconds()
    periods = [(s(p["lights_out"]), s(p["onset"]), s(p["wake"]),
                [(s(a), s(b)) for a, b in p["awakenings"]]) for p in jerky.sleep["periods"]]
    ph, rel, _ = phase_of(secs(jerky, jerky.jerks["start"]), periods)
    assert list(jerky.jerks["phase"]) == list(ph)
    np.testing.assert_allclose(jerky.jerks["rel_onset_s"], rel, atol=1e-6)
    assert {"sleep-onset", "awakening"} & set(ph)
    assert set(jerky.jerks["pattern"]) <= {"focal", "segmental", "multifocal", "generalized"}


def test_jerk_peak_shows_on_its_sensors(jerky):
    rows = jerky.jerk_sensors[~jerky.jerk_sensors["in_gap"]]
    assert len(rows) >= 3
    for r in rows.itertuples():
        rec = jerky.recordings[r.location]
        hp = highpassed(rec, r.start.value - 50_000_000, r.end.value + 200_000_000)
        assert hp.max() > 5 * rec.meta["noise_g"], (r, hp.max())
        assert r.peak_g > 0.02
    obs = jerky.jerks[jerky.jerks["observable"]]
    assert all(set(s.split(";")) <= set(jerky.recordings) for s in obs["sensors"])
    assert (jerky.jerks["duration_s"].between(0.05, 2.0)).all()


def test_still_sleeping_sensor_reads_one_g(jerky):
    busy = pd.concat([jerky.confounders[["start", "end"]], jerky.jerks[["start", "end"]]])
    for rec in jerky.recordings.values():
        t = rec.time_ns
        bs, be = busy["start"].map(lambda x: x.value).to_numpy(), busy["end"].map(
            lambda x: x.value).to_numpy()
        on, wake = jerky.sleep["onset"].value, jerky.sleep["wake"].value
        checked = 0
        for w0 in range(on, wake - 60 * 10**9, 60 * 10**9):
            w1 = w0 + 60 * 10**9
            if ((bs < w1 + 5e9) & (be > w0 - 5e9)).any():
                continue
            i0, i1 = np.searchsorted(t, [w0, w1])
            g = np.median(np.linalg.norm(rec.acc[i0:i1], axis=1))
            assert abs(g - 1.0) < 0.03 + 0.04 * np.sqrt(3) + 0.01, g  # gain 3 %, offset 40 mg
            checked += 1
        assert checked >= 10


def test_26hz_lis2dh_packets_and_quantisation():
    cfg = short(KINEMATIC_VARIANTS["wrist-26hz-lis2dh"])
    rec = simulate_kinematic_night(cfg, 4).recordings["wrist-left"]
    step = 2 * 4.0 / 2**10
    q = rec.acc / step
    np.testing.assert_allclose(q, np.round(q), atol=1e-4)
    d = np.diff(rec.time_ns)
    nominal = 1e9 / 26
    in_packet = np.abs(d - nominal) <= 1
    # 12 of every 13 steps are inside a packet (exact nominal spacing), the 13th is not
    assert 0.85 < in_packet.mean() < 0.95
    assert (d > 0).all()
    assert rec.meta["lowpass"] == "none"


def test_rollover_ends_with_impact(jerky):
    rows = jerky.confounders[(jerky.confounders["kind"] == "posture")
                             & jerky.confounders["location"].str.startswith(("wrist", "ankle"))
                             & ~jerky.confounders["in_gap"]]
    assert len(rows) >= 2
    for r in rows.itertuples():
        rec = jerky.recordings[r.location]
        i0, i1 = np.searchsorted(rec.time_ns, [r.end.value - 400_000_000, r.end.value + 300_000_000])
        x = rec.acc[i0:i1].astype(float)
        ring = np.abs(np.diff(x, 2, axis=0)).max()  # curvature: the impact's ringing
        j0, j1 = np.searchsorted(rec.time_ns, [r.end.value + 2e9, r.end.value + 5e9])
        quiet = np.abs(np.diff(rec.acc[j0:j1].astype(float), 2, axis=0)).std()
        assert ring > 8 * quiet, (r, ring, quiet)
        assert r.peak_g > 0.05


def test_plm_follow_aasm_timing(jerky):
    plm = jerky.confounders[jerky.confounders["kind"] == "plm"]
    assert len(plm) >= 4
    for (_sid, _loc), g in plm.groupby(["series_id", "location"]):
        g = g.sort_values("start")
        assert len(g) >= 4
        assert g["duration_s"].between(0.5, 10).all()
        gaps = np.diff(secs(jerky, g["start"]))
        assert ((gaps >= 5) & (gaps <= 90)).all()
    ph, _, _ = phase_of(secs(jerky, plm["start"]), [
        ((jerky.sleep["lights_out"] - jerky.sleep["periods"][0]["lights_out"]).total_seconds(),
         (jerky.sleep["onset"] - jerky.sleep["periods"][0]["lights_out"]).total_seconds(),
         (jerky.sleep["wake"] - jerky.sleep["periods"][0]["lights_out"]).total_seconds(), [])])
    assert set(ph) <= {"sleep", "sleep-onset"}
