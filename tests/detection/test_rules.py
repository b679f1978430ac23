"""Night-level rules and the scorer, on constructed inputs with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detection import rules, score_events


@pytest.mark.parametrize("parts, worn, spread_s, expected", [
    ({"arm-left"}, {"arm-left", "leg-left", "trunk"}, 0.0, "focal"),
    ({"arm-left", "trunk"}, {"arm-left", "leg-left", "trunk"}, 0.0, "segmental"),
    ({"leg-left", "leg-right"}, {"leg-left", "leg-right", "arm-left", "arm-right"}, 0.0, "segmental"),
    ({"arm-left", "leg-left"}, {"arm-left", "leg-left", "trunk"}, 0.0, "multifocal"),
    # two sensors, arm and leg: together = generalized, out of step = multifocal
    ({"arm-left", "leg-right"}, {"arm-left", "leg-right"}, 0.03, "generalized"),
    ({"arm-left", "leg-right"}, {"arm-left", "leg-right"}, 0.3, "multifocal"),
    ({"arm-left", "leg-left", "trunk"}, {"arm-left", "leg-left", "trunk"}, 0.04, "generalized"),
    ({"arm-left", "leg-left", "trunk"}, {"arm-left", "leg-left", "trunk"}, 0.25, "segmental"),
    ({"arm-left", "arm-right", "leg-left", "leg-right"},
     {"arm-left", "arm-right", "leg-left", "leg-right"}, 0.0, "generalized"),
    ({"arm-left", "arm-right", "leg-left"},  # the left leg touches neither arm
     {"arm-left", "arm-right", "leg-left", "leg-right"}, 0.0, "multifocal"),
    ({"trunk", "arm-left", "arm-right"}, {"trunk", "arm-left", "arm-right", "leg-left"}, 0.0, "segmental"),
    ({"arm-left", "arm-right"}, {"arm-left", "arm-right"}, 0.0, "segmental"),  # arms alone do not span the body
    ({"arm-left", "trunk"}, {"arm-left", "trunk"}, 0.0, "segmental"),
])
def test_distribution_rules(parts, worn, spread_s, expected):
    assert rules.distribution(parts, worn, spread_s, sync_s=0.1) == expected


def test_group_jerks_and_series():
    s = 10**9
    start = np.array([0, 20_000_000, 40_000_000, 5 * s, 5 * s + 300_000_000, 100 * s])
    loc = np.array(["trunk", "wrist-left", "ankle-left", "wrist-left", "ankle-left", "trunk"])
    worn = {"trunk", "arm-left", "leg-left"}
    gid, dist, limbs = rules.group_jerks(start, loc, 0.5, worn)
    assert gid.tolist() == [0, 0, 0, 1, 1, 2]
    assert dist == ["generalized", "multifocal", "focal"]  # group 1: the trunk stayed still
    assert limbs == ["arm-left;leg-left;trunk", "arm-left;leg-left", "trunk"]
    group_start = np.array([0, 5 * s, 100 * s])
    assert rules.series_ids(group_start, 30).tolist() == [0, 0, -1]
    assert rules.series_ids(group_start, 3).tolist() == [-1, -1, -1]
    assert rules.series_ids(np.array([0, 10 * s, 200 * s, 210 * s]), 30).tolist() == [0, 0, 1, 1]


def test_clock_offsets_follow_a_drifting_sensor_and_leave_synchronised_ones_alone():
    """Over 8 h, 12 bursts the reference shows are shown by a sensor whose clock is
    0.8 s ahead and runs 50 ppm fast, among 40 of its own; the offset at every one of its
    bursts is found to 20 ms (held at its ends beyond the first and last shared one). A sensor 20 ms off (within ``band_s``), one sharing only
    3 bursts, and the reference itself stay at 0."""
    rng = np.random.default_rng(1)
    t0, span = 1_700_000_000 * 10**9, 8 * 3600 * 10**9
    ref = np.sort(rng.integers(t0, t0 + span, 60))
    shared = ref[::5]
    drift = lambda t: 0.8e9 + 50e-6 * (t - t0)  # noqa: E731
    own = rng.integers(t0, t0 + span, 40)
    fast = np.r_[shared + drift(shared).astype(np.int64), own]
    near = np.r_[shared + 20_000_000, own]
    few = np.r_[shared[:3] + 800_000_000, own]
    start = np.r_[ref, fast, near, few]
    loc = np.array(["wrist-left"] * 60 + ["ankle-left"] * 52 + ["trunk"] * 52 + ["head"] * 43)
    off = rules.clock_offsets(start, loc, np.ones(len(start), bool), 3.0, 0.1, 5)
    assert not off[loc == "wrist-left"].any() and not off[loc == "trunk"].any()
    assert not off[loc == "head"].any()
    fast_off = off[loc == "ankle-left"]
    true = drift(np.clip(fast, shared.min(), shared.max()))  # held beyond the shared bursts
    assert np.abs(fast_off - true).max() < 20e6
    assert fast_off.min() > 0.79e9 and fast_off.max() < 0.8e9 + 50e-6 * span + 20e6


def test_plm_series_needs_four_movements_at_5_to_90_s():
    onset = np.array([0.0, 20, 40, 60, 200, 230, 250])
    dur = np.full(len(onset), 1.5)
    every = np.ones(len(onset), bool)
    out = rules.plm_series(onset, dur, every, every, (5, 90), 10, 4)
    assert out.tolist() == [True] * 4 + [False] * 3
    # brief bursts alone never make a series (a cluster of jerks at sleep onset) ...
    none = np.zeros(len(onset), bool)
    assert not rules.plm_series(onset, dur, every, none, (5, 90), 10, 4).any()
    # ... but a burst inside a series of movements belongs to it
    moves = np.array([True, True, False, True, True, False, False])
    onset2 = np.array([0.0, 20, 40, 60, 80, 300, 320])
    assert rules.plm_series(onset2, dur, every, moves, (5, 90), 10, 4)[:5].all()
    # movements closer than 5 s are one movement; longer than 10 s are not PLMs
    close = np.array([0.0, 2, 20, 40, 60])
    assert rules.plm_series(close, np.full(5, 1.0), np.ones(5, bool), np.ones(5, bool), (5, 90), 10, 4).all()
    long = np.full(5, 12.0)
    assert not rules.plm_series(close, long, np.ones(5, bool), np.ones(5, bool), (5, 90), 10, 4).any()


def test_a_plm_seen_only_by_its_two_brisk_ends_is_one_movement():
    """A PLM whose foot goes out and back briskly, its slow middle unseen: two brisk
    bursts 0.5-5 s apart on a leg (AASM: a limb movement lasts at least 0.5 s; bursts 5 s
    or more apart would be two movements of a series). Six of them every 20 s are a PLM
    series; a cluster of three sleep starts 3 s apart on the same leg, or jerk pairs on
    a wrist, are not."""
    from detection import DetectionConfig
    from detection.night import label_plm

    ends = np.ravel([[t, t + 1.5] for t in 600.0 + 20 * np.arange(6)])  # out and back
    cluster = np.array([1800.0, 1803.0, 1806.0])
    start = np.r_[ends, cluster]
    cands = pd.DataFrame({"start_ns": (start * 1e9).astype(np.int64), "duration_s": 0.25,
                          "energy_s": 0.2, "held_s": np.nan, "kind": "jerk", "rejected_reason": ""})
    assert rules.burst_pairs(start, np.ones(len(start), bool), (0.5, 5.0))[:12].all()
    out = label_plm(cands, DetectionConfig(), "ankle-left")
    assert (out["kind"].iloc[:12] == "plm").all()
    assert (out["kind"].iloc[12:] == "jerk").all()
    assert (label_plm(cands, DetectionConfig(), "wrist-left")["kind"] == "jerk").all()


def test_sleep_starts_5_to_10_s_apart_then_a_movement_are_not_a_plm_series():
    """Jerks at sleep onset come in clusters 2-10 s apart. Three of them 8 and 5 s apart
    on an ankle, and a posture shift 27 s after the last, are one movement among brisk
    bursts, not four movements at 5-90 s (seen on the rigid-body model with one ankle
    sensor): bursts 5 s or more apart are not the two ends of one PLM."""
    from detection import DetectionConfig
    from detection.night import label_plm

    start = np.array([1800.0, 1808.0, 1813.1, 1840.0])
    cands = pd.DataFrame({"start_ns": (start * 1e9).astype(np.int64),
                          "duration_s": [0.6, 0.5, 0.7, 0.8], "energy_s": [0.3, 0.25, 0.35, 0.8],
                          "held_s": np.nan, "kind": ["jerk"] * 3 + ["movement"],
                          "rejected_reason": ""})
    assert not rules.burst_pairs(start, np.ones(4, bool), (0.5, 5.0)).any()
    out = label_plm(cands, DetectionConfig(), "ankle-left")
    assert out["kind"].tolist() == ["jerk"] * 3 + ["movement"]


def test_jerk_like_bursts_as_long_as_a_limb_movement_make_a_plm_series():
    """``jerk_max_s`` (0.6 s) lets a jerk's ringing through; a jerk-like burst whose energy
    spans the AASM's shortest limb movement (0.5 s) is still a movement of a series."""
    from detection import DetectionConfig
    from detection.night import label_plm

    start = 600.0 + 20 * np.arange(6)
    cfg = DetectionConfig()
    assert cfg.plm_duration_s[0] < cfg.jerk_max_s
    for energy, kind in ((0.55, "plm"), (0.3, "jerk")):
        cands = pd.DataFrame({"start_ns": (start * 1e9).astype(np.int64), "duration_s": energy + 0.1,
                              "energy_s": energy, "held_s": np.nan, "kind": "jerk", "rejected_reason": ""})
        assert (label_plm(cands, cfg, "ankle-left")["kind"] == kind).all()
        assert (label_plm(cands, cfg, "wrist-left")["kind"] == "jerk").all()


def test_a_plm_seen_only_by_its_brisk_onset_is_a_movement_when_the_leg_came_back():
    """A PLM whose foot goes out briskly and comes back slowly shows only its onset to the
    high-pass: a jerk-like burst. ``held_s`` (the foot held away 0.5-10 s and back) makes
    it a limb movement (AASM: 0.5-10 s). Six every 25 s are a PLM series; the same bursts
    leaving the foot where it landed (``held_s`` NaN), held too long (12 s), or a cluster
    of sleep starts 3 s apart that came back are not, and a wrist's never are."""
    from detection import DetectionConfig
    from detection.night import label_plm

    cfg = DetectionConfig()
    series = 600.0 + 25 * np.arange(6)
    cluster = 1800.0 + 3 * np.arange(4)

    def kinds(start, held, location="ankle-left"):
        cands = pd.DataFrame({"start_ns": (np.asarray(start) * 1e9).astype(np.int64), "duration_s": 0.25,
                              "energy_s": 0.2, "held_s": held, "kind": "jerk", "rejected_reason": ""})
        return set(label_plm(cands, cfg, location)["kind"])

    assert kinds(series, 2.0) == {"plm"}
    assert kinds(series, cfg.plm_duration_s[0]) == {"plm"}
    for held in (np.nan, 12.0, 0.4):
        assert kinds(series, held) == {"jerk"}
    assert kinds(cluster, 2.0) == {"jerk"}
    assert kinds(series, 2.0, "wrist-left") == {"jerk"}


def test_a_series_alternating_between_the_legs_is_one_series():
    """The AASM scores the two legs together. Six leg movements every 20 s, alternating
    left and right, are a PLM series though each leg makes only three, 40 s apart, and a
    brisk jerk-like burst amid them is one of its onsets; sleep starts on both legs at
    once, 8 s apart, are not a series, and nothing changes with one leg."""
    from detection import DetectionConfig
    from detection.night import bilateral_plm, label_plm

    cfg = DetectionConfig()
    t = 600.0 + 20 * np.arange(6)
    series = pd.DataFrame({"clock_ns": (t * 1e9).astype(np.int64), "location": ["ankle-left", "ankle-right"] * 3,
                           "duration_s": 1.5, "energy_s": 1.2, "held_s": np.nan, "kind": "movement",
                           "rejected_reason": "the limb keeps moving after it"})
    onset = series.iloc[:1].assign(clock_ns=int(670e9), location="ankle-right", duration_s=0.25,
                                   energy_s=0.2, kind="jerk", rejected_reason="")
    starts = pd.DataFrame({"clock_ns": (np.repeat(1800.0 + 8 * np.arange(3), 2) * 1e9).astype(np.int64)
                           + np.tile([0, 50_000_000], 3), "location": ["ankle-left", "ankle-right"] * 3,
                           "duration_s": 0.3, "energy_s": 0.2, "held_s": np.nan, "kind": "jerk",
                           "rejected_reason": ""})
    ev = pd.concat([series, onset, starts], ignore_index=True).sort_values("clock_ns", ignore_index=True)
    for loc in ("ankle-left", "ankle-right"):  # each leg alone: no series
        one = ev[ev["location"] == loc].rename(columns={"clock_ns": "start_ns"})
        assert "plm" not in set(label_plm(one, cfg, loc)["kind"])
    both = bilateral_plm(ev, cfg)
    assert both[ev["clock_ns"] < 1000e9].all()
    assert not both[ev["clock_ns"] > 1000e9].any()
    assert not bilateral_plm(ev.assign(location=ev["location"].replace("ankle-right", "wrist-left")), cfg).any()


def test_a_burst_one_interval_before_a_series_belongs_to_it():
    onset = np.array([0.0, 25, 50, 75, 100, 140, 400])  # a series from 25 s to 100 s
    member = np.array([False, True, True, True, True, False, False])
    assert rules.within_series(onset, member, 90).tolist() == [False] + [True] * 4 + [False] * 2
    # its first PLM seen only as a burst 25 s before it; never a burst after the series
    widened = rules.within_series(onset, member, 90, lead_s=90)
    assert widened.tolist() == [True] * 5 + [False] * 2


def test_stimulus_window():
    s = 10**9
    jerks = np.array([10 * s, 20 * s, 30 * s + 500_000_000, 50 * s])
    stim = np.array([30 * s, 9 * s + 999_000_000, 51 * s])
    assert rules.stimulus_triggered(jerks, stim, 1.0).tolist() == [True, False, True, False]
    assert rules.to_ns(["2026-01-05T22:00:00Z"]).tolist() == [pd.Timestamp("2026-01-05T22:00:00Z").value]
    assert rules.to_ns(None).size == 0


def test_rescued_spikes_need_a_jerk_on_another_sensor():
    s = 10**9
    start = np.array([0, 10_000_000, 5 * s, 5 * s + 10_000_000])
    loc = np.array(["trunk", "wrist-left", "trunk", "trunk"])
    kind = np.array(["jerk", "artefact", "jerk", "artefact"], dtype=object)
    reason = np.array(["", "single-sample spike", "", "single-sample spike"], dtype=object)
    assert rules.rescue_spikes(start, loc, kind, reason, 0.5).tolist() == [False, True, False, False]
    # two spikes on two limbs at once confirm each other, but not amid movement
    kind = np.array(["artefact"] * 4, dtype=object)
    amid = "single-sample spike, the limb was moving before it (not out of rest)"
    reason = np.array(["single-sample spike", "single-sample spike", amid, "single-sample spike"], dtype=object)
    loc = np.array(["trunk", "wrist-left", "trunk", "wrist-left"])
    assert rules.rescue_spikes(start, loc, kind, reason, 0.5).tolist() == [True, True, False, False]


def frame(times_s, loc="wrist-left"):
    return pd.DataFrame({"start": pd.to_datetime(np.asarray(times_s) * 1e9, utc=True), "location": loc})


def test_scorer_counts_matches_within_tolerance_one_to_one():
    truth = frame([10.0, 20.0, 30.0])
    det = frame([10.4, 10.45, 20.6, 29.9, 50.0])
    s = score_events(det, truth, tolerance_s=0.5)
    assert (s.tp, s.fp, s.fn) == (2, 3, 1)
    assert s.precision == pytest.approx(2 / 5) and s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 * 2 / (2 * 2 + 3 + 1))
    assert sorted(s.matched["truth"].tolist()) == [0, 2]
    # the closer of two candidates is matched
    assert s.matched.set_index("truth").loc[0, "detected"] == 0
    # a detection on another sensor does not match
    other = score_events(frame([10.0], "ankle-left"), truth)
    assert (other.tp, other.fp, other.fn) == (0, 1, 3)
    assert score_events(frame([10.0], "ankle-left"), truth, by=None).tp == 1
    empty = score_events(frame([]), frame([]))
    assert (empty.tp, empty.fp, empty.fn) == (0, 0, 0) and np.isnan(empty.f1)
