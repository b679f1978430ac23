"""``benchmarks/accuracy.py``'s cache of simulated nights and its threshold overrides
(the tools that make a detection experiment take a minute instead of five), and
``benchmarks/real_nights.py``'s check of awakenings against the PSG; the recall of
sleep starts after motionless awakenings, which no movement shows; the truth moved onto
a drifting device's clock."""

from __future__ import annotations

import argparse
import importlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sensing.recording import Recording
from simulation.night import SimulatedNight

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def accuracy(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("accuracy")


def test_a_cached_night_is_simulated_once_per_simulator_source(accuracy, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(accuracy, "_simulate",
                        lambda v, i, s, fs=None, location=None: calls.append((v, i, s)) or {"night": (v, i, s)})
    monkeypatch.setattr(accuracy, "on_recorded_clock", lambda night: night)
    first = accuracy.simulate("biomech:typical", 1, 2, tmp_path)
    again = accuracy.simulate("biomech:typical", 1, 2, tmp_path)
    assert first == again == {"night": ("biomech:typical", 1, 2)}
    assert len(calls) == 1
    assert len(list(tmp_path.glob("*.pkl"))) == 1 and not list(tmp_path.glob("*.part"))
    accuracy.simulate("biomech:typical", 2, 2, tmp_path)  # another night
    assert len(calls) == 2
    monkeypatch.setattr(accuracy, "simulator_version", lambda: "other-source")
    accuracy.simulate("biomech:typical", 1, 2, tmp_path)  # other simulator code: not reused
    assert len(calls) == 3
    accuracy.simulate("biomech:typical", 1, 2)  # no cache: always simulated
    assert len(calls) == 4
    accuracy.simulate("biomech:typical", 1, 2, tmp_path, fs=400.0)  # another rate: another night
    assert len(calls) == 5
    accuracy.simulate("biomech:typical", 1, 2, tmp_path, location="thigh-left")  # another placement
    assert len(calls) == 6


def test_a_full_cache_folder_leaves_the_night_simulated_and_no_part_file(accuracy, monkeypatch, tmp_path):
    """A disk that fills during a long run (each night 50-200 MB) costs the caching of
    the nights after it, with a warning naming the folder, not the run."""
    import errno

    monkeypatch.setattr(accuracy, "_simulate", lambda v, i, s, fs=None, location=None: {"night": (v, i, s)})
    monkeypatch.setattr(accuracy, "on_recorded_clock", lambda night: night)

    def full(obj, f, protocol=None):
        f.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(accuracy.pickle, "dump", full)
    with pytest.warns(UserWarning, match=f"--cache {tmp_path}: no space left"):
        night = accuracy.simulate("biomech:typical", 1, 2, tmp_path)
    assert night == {"night": ("biomech:typical", 1, 2)}
    assert not list(tmp_path.iterdir())

    def denied(obj, f, protocol=None):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(accuracy.pickle, "dump", denied)  # any other error is the user's to see
    with pytest.raises(PermissionError):
        accuracy.simulate("biomech:typical", 1, 2, tmp_path)
    assert not list(tmp_path.iterdir())


def test_every_model_can_sample_at_a_rate_and_a_placement_outside_the_family(accuracy, monkeypatch):
    """``--fs`` and ``--location``: each model's sensors at the rate asked for (the
    biomechanical model's physics integrated fast enough for it) and one sensor where
    asked; the simulators are stubbed to their configs."""
    seen = {}
    monkeypatch.setattr(accuracy, "simulate_night",
                        lambda cfg, seed: seen.setdefault("hypnic-sim", (cfg.fs, cfg.locations)))
    monkeypatch.setattr(accuracy, "simulate_kinematic_night",
                        lambda cfg, seed: seen.setdefault("kinematic", (cfg.odr_hz, cfg.locations)))
    monkeypatch.setattr(accuracy, "simulate_biomech_night", lambda cfg, seed: seen.setdefault(
        "biomech", (cfg.fs, cfg.locations, cfg.fine_fs >= 4 * cfg.fs)))
    monkeypatch.setattr(accuracy, "simulate_hypnogram_night",
                        lambda cfg, seed: seen.setdefault("hypnogram", (cfg.fs_hz, cfg.locations)))
    monkeypatch.setattr(accuracy, "simulate_transition_night", lambda cfg, seed: seen.setdefault(
        "transition", (cfg.fs, cfg.locations, cfg.jerks_per_onset)))
    monkeypatch.setattr(accuracy, "on_recorded_clock", lambda night: night)
    for v in ("hypnic-sim", "kinematic:chest-strap", "biomech:week", "hypnogram:trio", "transition:rls"):
        accuracy._simulate(v, 0, 0, 400.0, "thigh-left")
    assert seen == {"hypnic-sim": (400.0, ("thigh-left",)), "kinematic": (400.0, ("thigh-left",)),
                    "biomech": (400.0, ("thigh-left",), True), "hypnogram": (400.0, ("thigh-left",)),
                    "transition": (400.0, ("thigh-left",), accuracy.TRANSITION_JERKS_PER_FALL)}
    assert {v.split(":")[0] for v in accuracy.variants()} == {
        "hypnic-sim", "biomech", "kinematic", "hypnogram", "transition"}


def test_the_truth_is_scored_on_the_clock_a_drifting_device_stamps(accuracy):
    """Two devices set from the host at t0: the wrist's clock runs 100 ppm fast, the
    ankle's 50 ppm slow, so an event 10 000 s later is stamped 1 s late on the wrist and
    0.5 s early on the ankle. Each sensor's truth moves with its clock, a jerk both show
    starts where the earlier clock says (a detected group's start); a sensor without
    clock points, and the sleep times, stay on true time."""
    t0 = 1_700_000_000 * 10**9
    true_end = t0 + 20_000 * 10**9

    def rec(loc, stamped_end_ns=None):
        meta = {} if stamped_end_ns is None else {"sync_points_ns": np.array([[t0, t0], [stamped_end_ns, true_end]])}
        return Recording(t0 + np.arange(3) * 10**7, np.zeros((3, 3)), 100.0, loc, meta=meta)

    at = pd.to_datetime([t0 + 10_000 * 10**9], utc=True)
    s = pd.Timedelta(seconds=1)
    night = SimulatedNight(
        {"wrist-left": rec("wrist-left", true_end + 2 * 10**9), "ankle-left": rec("ankle-left", true_end - 10**9),
         "trunk": rec("trunk")},
        pd.DataFrame(dict(jerk_id=[0], start=at, end=at, sensors=["wrist-left;ankle-left"])),
        pd.DataFrame(dict(jerk_id=[0, 0], location=["ankle-left", "wrist-left"], start=at.repeat(2),
                          end=at.repeat(2))),
        pd.DataFrame(dict(kind=["knock", "knock"], location=["wrist-left", "trunk"], start=at.repeat(2),
                          end=at.repeat(2))),
        dict(onset=at[0]), {}, None, 0)
    moved = accuracy.on_recorded_clock(night)
    assert moved.jerk_sensors["start"].tolist() == [at[0] - s / 2, at[0] + s]
    assert moved.jerks["start"].tolist() == [at[0] - s / 2]
    assert moved.confounders["start"].tolist() == [at[0] + s, at[0]] and moved.sleep["onset"] == at[0]
    plain = replace(night, recordings={"trunk": night.recordings["trunk"]})
    assert accuracy.on_recorded_clock(plain) is plain
    # a jerk no sensor shows (in a gap of every one): it moves with its listed sensor's clock
    unseen = accuracy.on_recorded_clock(replace(night, jerk_sensors=night.jerk_sensors.iloc[:0]))
    assert unseen.jerks["start"].tolist() == [at[0] + s]


def test_the_simulator_fingerprint_follows_its_source(accuracy, tmp_path):
    """The simulators and the sensing modules they import (inside a function, through
    another sensing module) make the fingerprint; detection and the file readers do not."""
    files = {"simulation/night.py": "def f():\n    from sensing.recording import R\n",
             "sensing/__init__.py": "", "sensing/recording.py": "import sensing.body\n",
             "sensing/body.py": "x = 1\n", "sensing/readers/csv.py": "x = 1\n",
             "detection/night.py": "x = 1\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert [p.relative_to(tmp_path).as_posix() for p in accuracy.simulator_sources(tmp_path)] == [
        "sensing/__init__.py", "sensing/body.py", "sensing/recording.py", "simulation/night.py"]
    before = accuracy.simulator_version(tmp_path)
    accuracy.simulator_version.cache_clear()
    assert accuracy.simulator_version(tmp_path) == before and len(before) == 16
    for name in ("detection/night.py", "sensing/readers/csv.py"):  # not the simulators'
        (tmp_path / name).write_text("x = 2\n")
        accuracy.simulator_version.cache_clear()
        assert accuracy.simulator_version(tmp_path) == before
    (tmp_path / "sensing/body.py").write_text("x = 2\n")
    accuracy.simulator_version.cache_clear()
    assert accuracy.simulator_version(tmp_path) != before


def test_threshold_overrides_are_checked_numbers(accuracy):
    ap = argparse.ArgumentParser()
    assert accuracy.config_overrides(["min_peak_g=0.1", "plm_min_count=5"], ap) == {
        "min_peak_g": 0.1, "plm_min_count": 5}
    for bad in ("bogus=1", "min_peak_g=abc", "min_peak_g=-1", "sleep_threshold_deg=1"):
        with pytest.raises(SystemExit):
            accuracy.config_overrides([bad], ap)


def test_an_awakening_is_confirmed_by_a_psg_wake_or_movement_epoch_within_30_s(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    real_nights = importlib.import_module("real_nights")
    s = 10**9
    t = np.arange(0, 3600, 1) * s  # one label a second
    label = np.full(len(t), 2)  # N2
    label[1000:1010] = 6  # wake
    label[2000] = 7  # a movement epoch's sample
    spans = [(1035 * s, 1100 * s),  # 25 s after the wake: confirmed
             (900 * s, 969 * s),  # wake 31 s after its end: not
             (1960 * s, 1970 * s),  # movement 30 s after its end: confirmed
             (3000 * s, 3100 * s)]  # N2 throughout: not
    assert real_nights.confirmed(t, label, spans) == 2
    assert real_nights.confirmed(t, label, []) == 0


def test_established_sleep_has_lasted_15_min_and_lasts_as_long_as_asked(monkeypatch):
    """Where ``real_nights`` looks for the movements of sleep and counts the jerks no
    sleep start explains: PSG sleep for the 15 min before (``ESTABLISHED_S``), and for
    ``after_s`` after."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    real_nights = importlib.import_module("real_nights")
    fs = int(real_nights.FS)
    label = np.full(60 * 60 * fs, 2, np.int8)  # an hour of N2
    label[: 5 * 60 * fs] = 6  # awake for 5 min
    label[30 * 60 * fs: 31 * 60 * fs] = 6  # and for 1 min at 30 min
    minute = real_nights.established(label)[:: 60 * fs]
    assert np.flatnonzero(minute).tolist() == [*range(20, 30), *range(46, 60)]
    ahead = real_nights.established(label, after_s=120)[:: 60 * fs]
    assert np.flatnonzero(ahead).tolist() == [*range(20, 29), *range(46, 60)]  # (the end is no wake)


def test_each_psg_fall_into_sleep_says_how_long_the_wrist_had_been_still(monkeypatch):
    """What the rest lead assumes, measured on real nights: falls from a minute of wake
    into a minute of sleep, each with the seconds since the last movement ended."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    real_nights = importlib.import_module("real_nights")
    fs = int(real_nights.FS)
    t = np.arange(60 * 60 * fs, dtype=np.int64) * (10**9 // fs)  # an hour
    label = np.full(len(t), 6, np.int8)  # wake
    label[10 * 60 * fs: 30 * 60 * fs] = 2  # N2 from 10 min
    label[31 * 60 * fs: 50 * 60 * fs] = 1  # N3 after a minute's wake at 30 min
    label[50 * 60 * fs + 30 * fs: 51 * 60 * fs] = 2  # a fall after only 30 s of wake
    label[51 * 60 * fs:] = 6
    moved = np.array([9 * 60 + 50, 30 * 60 + 40, 40 * 60], np.int64) * 10**9
    falls = real_nights.falls_asleep(t, label, moved)
    assert falls.since_moved_s.tolist() == [10.0, 20.0]  # at 10 and 31 min; not the 30 s one
    assert falls.first.tolist() == [True, False]
    assert real_nights.falls_asleep(t, label, moved[:0]).since_moved_s.tolist() == [600.0, 1860.0]
    assert real_nights.since_moved(np.array([5, 50]) * 10**9, np.array([40]) * 10**9, 0).tolist() == [5.0, 10.0]
    summary = real_nights.still_before([dict(falls_asleep_since_moved_s=[10.0, 20.0, 100.0],
                                             falls_asleep_first=[True, False, False])])
    assert summary["all"]["n"] == 3 and summary["all"]["median_since_moved_s"] == 20.0
    assert summary["all"]["moved_within_15s"] == pytest.approx(1 / 3)
    assert summary["first"]["moved_within_30s"] == 1.0


def test_a_variants_falls_into_sleep_are_its_onsets_and_the_ends_of_awakenings_of_a_minute(accuracy):
    """The falls each variant reports its stillness before (``falls_moved_within_lead``),
    as the real nights' PSG gives them: the onset, and returns after a minute of wake."""
    from types import SimpleNamespace

    t0 = pd.Timestamp("2026-01-01 23:00", tz="UTC")
    at = [t0 + pd.Timedelta(seconds=s) for s in (600, 1000, 1030, 2000, 2060)]
    night = SimpleNamespace(sleep=dict(onset=at[0], awakenings=[(at[1], at[2]), (at[3], at[4])]))
    assert accuracy.true_falls(night).tolist() == [at[0].value, at[4].value]  # not the 30 s one


def test_sleep_starts_after_a_motionless_awakening_bound_the_recall(accuracy):
    t0 = pd.Timestamp("2026-01-01 23:00", tz="UTC")

    def at(s: float) -> pd.Timestamp:
        return t0 + pd.Timedelta(seconds=s)

    periods = [dict(awakenings=[(at(1000), at(1100)), (at(3000), at(3100))])]
    moves = pd.DataFrame(dict(start=[at(3098)], end=[at(3101)], kind=["rollover"]))
    still = accuracy.after_motionless_awakening
    assert still(at(1050), periods, moves)  # inside the still awakening
    assert still(at(1100 + 899), periods, moves)  # in its return to sleep
    assert not still(at(1100 + 901), periods, moves)  # after it: established sleep
    assert not still(at(3200), periods, moves)  # after one with a rollover in it
    assert not still(at(500), periods, moves)  # before every awakening
    near = moves.assign(start=[at(1103)], end=[at(1104)])  # within 5 s of its end
    assert not still(at(1050), periods, near)
    row = dict(tp=6, fn=4, false=0, misplaced=0, unseen=3, unseen_found=1, nights=1, false_on=[],
               wrong_where=[], missed_as=[], onset_err_min=[1.0], falls_since_moved_s=[10.0, 45.0])
    s = accuracy.summarise([row, row])
    assert (s["unseen"], s["unseen_found"], s["recall"]) == (6, 2, 0.6)
    assert (s["falls_asleep"], s["falls_moved_within_lead"]) == (4, 0.5)  # within 30 s
    assert s["recall_seen"] == pytest.approx(10 / 14)


def test_a_wrong_count_says_whether_a_true_awakening_was_near_the_one_found(accuracy):
    from types import SimpleNamespace

    from detection.sleep import SleepWindow

    t0 = pd.Timestamp("2026-01-01 23:00", tz="UTC")

    def at(s: float) -> pd.Timestamp:
        return t0 + pd.Timedelta(seconds=s)

    found = SleepWindow(lights_out=at(0), onset=at(600), wake=at(20000), threshold_deg=0.2,
                        awakenings=[(at(3000), at(3100)), (at(8000), at(8050))])
    truth = [dict(awakenings=[(at(3150), at(3400))])]  # 50 s after the first found ends
    start = pd.Series([at(700), at(3500), at(8600), at(3050)])
    phase = pd.Series(["sleep-onset", "awakening", "awakening", "awakening"])
    where = accuracy.counted_where(start, phase, SimpleNamespace(periods=[found]), truth)
    assert where == ["falling asleep", "return after an awakening", "return after a movement of sleep",
                     "return after an awakening"]
    later = [dict(awakenings=[(at(3200), at(3400))])]  # 100 s after it: not the same waking
    assert accuracy.counted_where(start[1:2], phase[1:2], SimpleNamespace(periods=[found]), later) == [
        "return after a movement of sleep"]


def test_the_worst_case_comes_with_how_much_it_rests_on_the_nights_drawn(accuracy):
    night = dict(tp=4, fn=1, false=0, misplaced=0, nights=1)
    same = accuracy.intervals([night] * 6)
    assert same["f1_ci95"] == [pytest.approx(8 / 9)] * 2  # every resample alike: no spread
    assert same["false_jerks_per_night_ci95"] == [0.0, 0.0]
    bad = dict(tp=0, fn=3, false=2, misplaced=1, nights=1)
    ci = accuracy.intervals([night] * 5 + [bad])
    f1 = 2 * 20 / (2 * 20 + 8 + 3)
    assert ci["f1_ci95"][0] < f1 < ci["f1_ci95"][1] <= 8 / 9
    assert ci["false_jerks_per_night_ci95"][0] == 0.0 and 0.5 <= ci["false_jerks_per_night_ci95"][1] <= 1.5
    assert accuracy.intervals([night] * 5 + [bad]) == ci  # a fixed random seed: a run repeats
    week = dict(tp=8, fn=2, false=1, misplaced=0, nights=7)  # a recording of seven nights
    assert accuracy.intervals([week])["false_jerks_per_night_ci95"] == [1 / 7, 1 / 7]


def test_several_seeds_are_a_range_or_a_list(accuracy):
    assert accuracy.seeds("3") == [3]
    assert accuracy.seeds("0-4") == [0, 1, 2, 3, 4]
    assert accuracy.seeds("0, 2,5") == [0, 2, 5]
    for bad in ("a", "4-2", "1-x", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            accuracy.seeds(bad)


@pytest.fixture
def injected(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("injected")


def test_an_injected_jerk_is_turned_to_the_real_gravity_and_put_on_the_grid(injected, accuracy):
    """A simulated jerk (gravity +z, a 1 g burst along x, then the limb tilted 10 degrees
    about x) put into a real night whose wrist lies another way: the night is unchanged
    before it, on its 8-bit grid after it, the burst keeps its size, and the rest of the
    night is turned by the jerk's 10 degrees."""
    step = np.full(3, 1 / 64)
    g_real = np.round(np.array([0.0, 0.6, 0.8]) / step) * step
    acc = np.tile(g_real, (3000, 1))
    tilt = np.deg2rad(10.0)
    g_after = np.array([0.0, -np.sin(tilt), np.cos(tilt)])
    jerk = np.tile([0.0, 0.0, 1.0], (200, 1))  # 2 s at 100 Hz: 0.5 s before, the burst, after
    jerk[50:60, 0] += 1.0
    jerk[60:] = g_after
    out = injected.inject(acc, 1000, jerk, step)
    assert (out[:1000] == acc[:1000]).all()
    assert np.allclose(out / step, np.round(out / step))
    burst = np.linalg.norm(out[1050:1060] - g_real, axis=1)
    assert np.allclose(burst, 1.0, atol=np.linalg.norm(step))
    rest = out[1200:].mean(axis=0)
    turned = np.degrees(np.arccos(rest @ g_real / np.linalg.norm(rest) / np.linalg.norm(g_real)))
    assert turned == pytest.approx(10.0, abs=1.0)
    assert np.linalg.norm(rest) == pytest.approx(1.0, abs=0.02)
    for u, v in (([1.0, 0, 0], [0, 2.0, 0]), ([0, 0, 1.0], [0, 0, -1.0]), ([0.6, 0.8, 0], [0.6, 0.8, 0])):
        r = accuracy.rotation_between(np.array(u), np.array(v))
        assert np.allclose(r @ u, np.array(v) / np.linalg.norm(v))
        assert np.allclose(r @ r.T, np.eye(3)) and np.linalg.det(r) == pytest.approx(1.0)


def test_sleep_starts_go_at_the_psg_onset_and_after_two_minutes_of_wake(injected):
    """Transitions into sleep from the PSG labels: the first sleep epoch, and the first
    after a wake bout of 2 min or more (a 90 s bout is not one); whether the wrist moved
    in that bout."""
    s = 10**9
    t = np.arange(0, 3600 * 100) * (s // 100)  # 100 Hz, 1 h
    label = np.full(len(t), 6, np.int8)  # wake
    label[600 * 100:] = 2  # N2 from 600 s
    label[1000 * 100:1090 * 100] = 6  # 90 s of wake
    label[2000 * 100:2200 * 100] = 6  # 200 s of wake
    assert injected.transitions(label, t) == [("onset", 600 * s, 0), ("return", 2200 * s, 2000 * s)]
    step = np.full(3, 1 / 64)
    acc = np.tile([0.0, 0.0, 1.0], (len(t), 1))
    acc[2100 * 100:2100 * 100 + 50, 0] += 5 * step[0]  # a half-second movement
    assert injected.moved(acc, 2000 * 100, 2200 * 100, 100.0, step)
    assert not injected.moved(acc, 1000 * 100, 1090 * 100, 100.0, step)
    assert injected.quiet_at(acc, 1500 * 100, 3000, step)
    assert not injected.quiet_at(acc, 2110 * 100, 3000, step)


def test_a_put_in_cluster_is_two_or_three_jerks_2_to_10_s_apart(injected):
    """``--cluster-share 1`` makes every put-in a cluster; 0 leaves the single jerks and
    draws nothing from the generator (so the figures of single jerks repeat)."""
    placed = [("onset", 10_000, False), ("return", 500_000, True)]
    rng = np.random.default_rng(3)
    out = injected.clusters(placed, 1.0, 100.0, rng)
    for kind, first, moved in placed:
        members = [o for o in out if o[0] == kind]
        assert 2 <= len(members) <= 3 and members[0][1] == first
        assert all(o[2] == moved and o[3] for o in members)
        gaps = np.diff([o[1] for o in members]) / 100.0
        assert ((gaps >= 2.0) & (gaps <= 10.0)).all()
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    assert injected.clusters(placed, 0.0, 100.0, rng) == [(k, a, m, False) for k, a, m in placed]
    assert rng.bit_generator.state == before


def test_the_stillness_before_onset_runs_from_the_sleepers_last_movement(monkeypatch):
    """From the end of the sleeper's last movement in lights out .. onset to the onset; a
    partner's movement or a knock is not the sleeper's; no movement: the whole latency."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    stillness = importlib.import_module("onset_stillness")
    t = pd.Timestamp("2024-01-01 22:00", tz="UTC")
    m = pd.Timedelta(minutes=1)

    def night(moves):
        conf = pd.DataFrame(moves, columns=["kind", "start", "end"])
        sleep = dict(lights_out=t, onset=t + 30 * m, wake=t + 8 * 60 * m, awakenings=[])
        return argparse.Namespace(confounders=conf, sleep=sleep)

    moves = [("fidget", t + 5 * m, t + 5.5 * m), ("reposition", t + 12 * m, t + 12.1 * m),
             ("partner", t + 25 * m, t + 26 * m), ("knock", t + 28 * m, t + 28.01 * m),
             ("posture", t + 90 * m, t + 90.1 * m)]
    [(still, latency)] = stillness.still_before_onset(night(moves))
    assert still == pytest.approx(30 - 12.1) and latency == pytest.approx(30.0)
    assert stillness.still_before_onset(night([]))[0] == pytest.approx((30.0, 30.0))


def test_lost_packets_are_whole_packets_and_leave_gaps(accuracy):
    """``--packet-loss``: whole packets of N samples go, about the share asked, the rest
    is untouched and the lost time is a gap."""
    from sensing.recording import Recording

    t = 1_767_650_000_000_000_000 + np.arange(28_000) * 20_000_000  # 50 Hz
    acc = np.tile(np.float32([0, 0, 1]), (len(t), 1))
    rec = Recording(t, acc, 50.0, "wrist-left")
    out = accuracy.lose_packets(rec, 0.1, 28, np.random.default_rng(0))
    lost = ~np.isin(t, out.time_ns)
    assert 0.08 < lost.mean() < 0.12
    assert (lost.reshape(-1, 28).all(axis=1) | ~lost.reshape(-1, 28).any(axis=1)).all()
    starts = np.flatnonzero(np.diff(lost.astype(int)) == 1)  # a kept sample, then a lost one
    inside = starts[starts < np.flatnonzero(~lost).max()]  # with kept samples after it
    assert len(out.gaps) == len(inside)
    assert out.location == "wrist-left" and out.fs == 50.0


def test_idle_sleep_writes_whole_seconds_while_moving_and_names_its_still_spans(accuracy):
    """``--idle-sleep``: nothing after 10 s without a sample that moves, in whole seconds,
    back from the second after a movement, and each span written nothing in is in
    ``meta[STILL_SPANS]``."""
    from sensing.recording import STILL_SPANS, Recording

    fs = 25.0
    t = 1_767_650_000_000_000_000 + np.arange(int(60 * fs)) * 40_000_000
    acc = np.tile(np.float32([0, 0, 1]), (len(t), 1))
    acc[int(30.5 * fs), 0] = 0.5  # one movement, half way through second 30
    out = accuracy.idle_sleep(Recording(t, acc, fs, "wrist-left"), 0.05)
    second = (out.time_ns - t[0]) // 10**9
    # awake at the start until 10 s still, then from the second after the movement for 10 s
    assert sorted(set(second.tolist())) == list(range(11)) + list(range(31, 41))
    assert out.meta[STILL_SPANS].tolist() == [[t[0] + 11 * 10**9, t[0] + 31 * 10**9]]


def test_on_nightstand_lays_the_sensor_flat_before_bed_and_after_getting_up(accuracy):
    """``--nightstand MIN``: flat and motionless for MIN minutes up to 3 min before lights
    out and from 10 min after the final wake, at the sensor's rate; worn elsewhere."""
    from sensing.recording import Recording

    fs, t0, minute = 25.0, 1_767_650_000_000_000_000, 60 * 10**9
    t = t0 + np.arange(int(3600 * fs), dtype=np.int64) * 40_000_000  # 1 h, moving
    acc = np.random.default_rng(0).normal(0, 0.005, (len(t), 3)).astype(np.float32)  # 5 mg noise
    acc[: len(t) // 2] += np.sin(np.arange(len(t) // 2) / 7.0)[:, None].astype(np.float32)  # moving
    night = [dict(lights_out=pd.Timestamp(t0 + 30 * minute, tz="UTC"),
                  wake=pd.Timestamp(t0 + 50 * minute, tz="UTC"))]
    out = accuracy.on_nightstand(Recording(t, acc, fs, "wrist-left"), night, 20, np.random.default_rng(1))
    off = ((out.time_ns >= t0 + 7 * minute) & (out.time_ns < t0 + 27 * minute)
           | (out.time_ns >= t0 + 60 * minute))
    assert out.time_ns[-1] == t0 + 80 * minute - 40_000_000  # it lay there 20 min past the end
    assert np.all(np.diff(out.time_ns) == 40_000_000) and out.fs == fs
    assert np.abs(np.abs(out.acc[off, 2]) - 0.999).max() < 0.03
    assert out.acc[off].std(axis=0) == pytest.approx([0.005] * 3, rel=0.05)  # its own noise
    assert np.array_equal(out.acc[~off], acc[~off[:len(t)]])


def test_sleep_turns_turn_a_still_sensor_in_sleep_only_slowly_and_as_often_as_asked(accuracy):
    """``--sleep-turns SCALE``: in sleep (onset to wake less the awakenings) the gravity
    the sensor feels turns by the sizes and at the rates of ``SLEEP_TURNS`` x SCALE, slowly
    (no fast component), keeping its norm; before sleep, in an awakening and within
    ``CLEAR_OF_JERKS_S`` of a true jerk nothing changes."""
    from sensing.recording import Recording

    fs, t0, hour = 25.0, 1_767_650_000_000_000_000, 3600 * 10**9
    t = t0 + np.arange(int(9 * 3600 * fs), dtype=np.int64) * 40_000_000  # 9 h, still
    acc = np.tile(np.array([0.0, 0.6, 0.8], np.float32), (len(t), 1))
    night = [dict(onset=pd.Timestamp(t0 + hour, tz="UTC"), wake=pd.Timestamp(t0 + 9 * hour, tz="UTC"),
                  awakenings=[(pd.Timestamp(t0 + 4 * hour, tz="UTC"), pd.Timestamp(t0 + 5 * hour, tz="UTC"))])]
    jerks = t0 + np.arange(2 * hour, 3 * hour, 10 * 10**9)  # one every 10 s for an hour
    out = accuracy.sleep_turns(Recording(t, acc, fs, "wrist-left"), night, 2.0, np.random.default_rng(0), jerks)
    g = out.acc.astype(np.float64)
    assert np.linalg.norm(g, axis=1) == pytest.approx(1.0, abs=1e-6)

    def angle(a, b):
        return np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b), axis=1), np.sum(a * b, axis=1)))

    step = angle(g[1:], g[:-1])
    assert step.max() < 45 * 1.9 / fs  # a 45-degree turn over 1 s peaks at 1.875 x its mean pace
    moving = np.r_[False, step > 1e-3]
    assert not moving[t < t0 + hour].any() and not moving[(t >= t0 + 4 * hour) & (t < t0 + 5 * hour)].any()
    assert not moving[(t >= t0 + 2 * hour - 5 * 10**9) & (t < t0 + 3 * hour)].any()  # the jerks' hour
    starts = np.flatnonzero(moving[1:] & ~moving[:-1])
    expected = 2.0 * 6 * sum(rate for *_, rate in accuracy.SLEEP_TURNS)  # 7 h asleep, 1 h of jerks
    assert abs(len(starts) - expected) < 3 * np.sqrt(expected)  # Poisson
    size = angle(g[starts[1:] - 1], g[starts[:-1]])
    assert 2 - 1e-6 <= np.median(size) and size.max() <= 45 * 2  # two may overlap


def test_a_trunk_or_shank_rolls_about_its_long_axis_and_never_comes_to_stand(accuracy):
    """The trunk's and an ankle's turns in sleep are about their long axis, the direction
    they feel gravity in while up (``long_axis``): lying with the shank level, it stays
    level through a night of turns, where random axes let its tilts add up."""
    from sensing.recording import Recording

    fs, t0, hour = 10.0, 1_767_650_000_000_000_000, 3600 * 10**9
    t = t0 + np.arange(int(10 * 3600 * fs), dtype=np.int64) * 100_000_000  # 10 h
    up = t < t0 + hour  # 1 h up: gravity along the shank (x), then lying: along z
    acc = np.where(up[:, None], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]).astype(np.float32)
    bed = [dict(lights_out=pd.Timestamp(t0 + hour, tz="UTC"), onset=pd.Timestamp(t0 + hour, tz="UTC"),
                wake=pd.Timestamp(t0 + 10 * hour, tz="UTC"), awakenings=[])]
    ankle = Recording(t, acc, fs, "ankle-left")
    axis = accuracy.long_axis(ankle, bed)
    assert axis == pytest.approx([1.0, 0.0, 0.0], abs=1e-6)
    assert accuracy.long_axis(Recording(t, acc, fs, "wrist-left"), bed) is None
    early = [dict(bed[0], lights_out=pd.Timestamp(t0 + 5 * 60 * 10**9, tz="UTC"))]  # 5 min up
    assert accuracy.long_axis(ankle, early) is None

    def tilt(g):  # the shank's angle above the mattress, degrees
        return np.degrees(np.arcsin(np.clip(np.abs(g[~up, 0]) / np.linalg.norm(g[~up], axis=1), 0, 1)))

    rolled = accuracy.sleep_turns(ankle, bed, 3.0, np.random.default_rng(0), np.array([], np.int64), axis)
    assert tilt(rolled.acc.astype(np.float64)).max() < 1e-3
    assert np.abs(np.diff(rolled.acc[~up, 1])).sum() > 10  # it did turn
    tipped = accuracy.sleep_turns(ankle, bed, 3.0, np.random.default_rng(0), np.array([], np.int64))
    assert tilt(tipped.acc.astype(np.float64)).max() > 30


def test_sleep_turns_leave_hypnic_sims_sleepers_as_they_are(accuracy):
    """``hypnic-sim``'s and the transition model's sleepers make the turns of real sleep
    already: ``--sleep-turns`` adds them to the other independent models only."""
    from dataclasses import replace

    from simulation import NightConfig, simulate_night
    from simulation.transition import TRANSITION_VARIANTS, simulate_transition_night

    night = simulate_night(NightConfig(fs=25, hours_in_bed=1, locations=("wrist-left",)), seed=1)
    [rec] = accuracy.Recorded(sleep_turns=1.0).apply(night, 0, 0)
    assert rec is night.recordings["wrist-left"]
    assert (night.confounders.kind == "turn").sum() >= 3
    night = simulate_transition_night(replace(TRANSITION_VARIANTS["budget-band"], hours_in_bed=1.5), seed=1)
    [rec] = accuracy.Recorded(sleep_turns=1.0).apply(night, 0, 0)
    assert rec is night.recordings["wrist-right"]
    assert (night.confounders.kind == "turn").sum() >= 3


def test_real_sleep_moves_replay_a_real_night_in_sleep_turned_to_the_wrist(accuracy, tmp_path):
    """``--sleep-moves``: a real night's established sleep (here 20 min holding one
    episode: still, a 1 g knock along x and a 30-degree turn about x, still) is replayed
    round and round in sleep only, so its episode comes every 20 min as it did, never
    within ``CLEAR_OF_JERKS_S`` of a true jerk; each keeps its knock's size, starts from the
    wrist's own gravity, and leaves the wrist turned by its 30 degrees."""
    from sensing.recording import Recording

    n = 500  # samples at 100 Hz: 2 s still, 1 s moving, 2 s still
    tau = np.clip((np.arange(n) - 200) / 100, 0, 1)
    ang = np.radians(30) * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)
    ep = np.column_stack([np.zeros(n), np.sin(ang), np.cos(ang)])
    ep[160:180, 0] += 1.0  # the knock, 0.2 s
    path = tmp_path / "moves.npz"
    np.savez(path, acc=ep, ends=[n], night=[0], clock_s=[100.0], night_s=[1200.0])
    fs, t0, hour = 25.0, 1_767_650_000_000_000_000, 3600 * 10**9
    t = t0 + np.arange(int(9 * 3600 * fs), dtype=np.int64) * 40_000_000  # 9 h, still
    acc = np.tile(np.array([0.6, 0.0, 0.8], np.float32), (len(t), 1))
    night = [dict(onset=pd.Timestamp(t0 + hour, tz="UTC"), wake=pd.Timestamp(t0 + 9 * hour, tz="UTC"),
                  awakenings=[(pd.Timestamp(t0 + 4 * hour, tz="UTC"), pd.Timestamp(t0 + 5 * hour, tz="UTC"))])]
    jerks = t0 + np.arange(1, 9) * hour + hour // 2  # one each half hour past
    moved = accuracy.sleep_moves(Recording(t, acc, fs, "wrist-left"), night, str(path), jerks,
                                 np.random.default_rng(0))
    out = moved.acc.astype(np.float64)
    step = np.linalg.norm(np.diff(out, axis=0), axis=1)
    moving = np.r_[False, step > 1e-6]
    assert not moving[t < t0 + hour].any() and not moving[(t >= t0 + 4 * hour) & (t < t0 + 5 * hour)].any()
    knocks = np.flatnonzero(np.r_[False, step > 0.5])
    knocks = knocks[np.r_[True, np.diff(knocks) > 10]]
    assert 19 <= len(knocks) <= 21  # 3 h and 4 h asleep, one every 20 min (a jerk may be near one)
    apart = np.diff(t[knocks]) / 1e9
    spans = moved.meta[accuracy.SLEEP_MOVES]  # what was put in, for the scoring
    assert len(spans) == len(knocks) and ((spans[:, 0] < t[knocks]) & (t[knocks] < spans[:, 1])).all()
    assert (np.abs(apart[apart < 2000] - 1200) < 0.1).all()  # as far apart as they were
    assert np.abs((t[knocks][:, None] - jerks[None, :]) / 1e9).min() > accuracy.CLEAR_OF_JERKS_S
    for k in knocks:  # the knock is the size it was, at the wrist's gravity before it
        before = out[k - 30]
        assert np.linalg.norm(out[k - 10:k + 10] - before, axis=1).max() == pytest.approx(1.0, abs=0.15)
    off_knock = np.ones(len(t), bool)
    for k in knocks:
        off_knock[k - 10:k + 10] = False
    assert np.linalg.norm(out[off_knock], axis=1) == pytest.approx(1.0, abs=1e-3)  # turned to the wrist
    turned = np.degrees(np.arccos(np.clip(out[-1] @ out[0] / np.linalg.norm(out[-1]), -1, 1)))
    assert turned > 30  # twenty turns of 30 degrees about axes across gravity go somewhere
    assert np.linalg.norm(out[-1]) == pytest.approx(1.0, abs=1e-6)


def test_real_sleep_moves_are_shared_by_a_seeds_variants_unless_drawn_per_variant(accuracy, tmp_path):
    """By default a seed's variants replay the same draws of the real movements (common
    random numbers); ``--moves-per-variant`` salts the draws with the variant's name,
    and a variant's own draws stay the same run after run."""
    from simulation import NightConfig, simulate_night

    n = 500  # one episode: 2 s still, a 0.2 s knock, still
    ep = np.tile([0.0, 0.0, 1.0], (n, 1))
    ep[200:220, 0] += 1.0
    path = tmp_path / "moves.npz"
    np.savez(path, acc=ep, ends=[n], night=[0], clock_s=[100.0], night_s=[600.0])
    night = simulate_night(NightConfig(fs=25, hours_in_bed=2, locations=("wrist-left",)), seed=1)

    def spans(per_variant, variant):
        rec = accuracy.Recorded(sleep_moves=str(path), moves_per_variant=per_variant)
        [r] = rec.apply(night, 0, 0, variant)
        return r.meta[accuracy.SLEEP_MOVES]

    shared = spans(False, "biomech:typical")
    assert len(shared) >= 3
    np.testing.assert_array_equal(shared, spans(False, "kinematic:typical"))
    own = spans(True, "biomech:typical")
    np.testing.assert_array_equal(own, spans(True, "biomech:typical"))
    assert not np.array_equal(own, spans(True, "kinematic:typical"))
    assert not np.array_equal(own, shared)


def test_sleep_is_found_on_a_device_that_writes_nothing_while_still(accuracy):
    """A wrist in idle sleep mode writes 6-7 % of a night. Its still spans read as still
    epochs, sleep onset and wake are found within the whole night's bounds; without them
    no sleep is found at all."""
    from detection import detect_night
    from sensing.recording import STILL_SPANS, Recording
    from simulation import NightConfig, simulate_night

    for seed in (1, 3):
        night = simulate_night(NightConfig(fs=25, hours_in_bed=3, locations=("wrist-left",)), seed=seed)
        idle = accuracy.idle_sleep(night.recordings["wrist-left"], 0.05)
        assert len(idle) < 0.1 * len(night.recordings["wrist-left"])
        s = detect_night(idle).sleep
        # as on the whole night, the onset a little early at most, and late by no more
        # than a turn in the first minutes of sleep makes it (which the device may not write)
        assert -10 * 60 <= (s.onset - night.sleep["onset"]).total_seconds() <= 45 * 60
        assert abs((s.wake - night.sleep["wake"]).total_seconds()) <= 5 * 60
        bare = Recording(idle.time_ns, idle.acc, idle.fs, idle.location)
        assert STILL_SPANS not in bare.meta and detect_night(bare).sleep.onset is None


def test_an_exported_idle_night_is_read_back_as_the_device_file(accuracy):
    """``--idle-sleep G --exported``: each spell filled with the last sample, as ActiLife
    exports it, and read back through the time checks, gives the spells back."""
    from sensing.recording import Recording

    fs = 25.0
    n = int(60 * fs)
    t = 1_767_650_000_000_000_000 + np.arange(n) * 40_000_000
    rng = np.random.default_rng(0)
    slow = 0.5 * np.arange(n) / n  # a slow drift, not movement, that shows the 12-bit steps
    acc = np.round((rng.normal([0, 0, 1], 0.004, (n, 3)) + slow[:, None]) * 256) / 256
    acc[int(30.5 * fs), 0] += 0.5  # one movement, half way through second 30
    rec = Recording(t, acc.astype(np.float32), fs, "wrist-left")
    [back] = accuracy.idle_export(rec, 0.05)
    assert back.still_spans.tolist() == [[t[0] + 11 * 10**9, t[0] + 31 * 10**9]]
    assert np.array_equal(back.time_ns, accuracy.idle_sleep(rec, 0.05).time_ns)
