"""The sleeper's double-tap marker: found exactly on simulated nights, never a jerk, and
not made up by look-alikes."""

import numpy as np
import pandas as pd
import pytest

from detection import detect_night
from detection.markers import MarkerConfig, exclude_markers, find_markers
from sensing.errors import HypnicError
from sensing.recording import Recording
from simulation import NightConfig, simulate_night


@pytest.mark.parametrize("fs, seed", [(25, 0), (50, 1), (100, 2)])
def test_simulated_markers_come_back_exactly_and_are_never_jerks(fs, seed):
    night = simulate_night(NightConfig(fs=fs, hours_in_bed=2, n_markers=4,
                                       locations=("wrist-left", "ankle-left"), gaps_per_night=0),
                           seed=seed)
    truth = night.markers
    assert len(truth) == 4 and (truth["jerk_id"] >= 0).sum() >= 1
    found = pd.concat([find_markers(r) for r in night.recordings.values()], ignore_index=True)
    assert len(found) == len(truth)
    err_s = (found["start"].to_numpy() - truth["start"].to_numpy()) / np.timedelta64(1, "s")
    assert np.abs(err_s).max() <= 1 / fs  # the first tap's sample
    assert (found["location"] == truth["location"]).all() and (found["source"] == "tap").all()
    result = detect_night(list(night.recordings.values()))
    pd.testing.assert_frame_equal(result.markers, found.sort_values("start", ignore_index=True))
    ev = result.events
    for m in truth.itertuples():
        near = ev[(ev["location"] == m.location)
                  & (ev["start"] >= m.start - pd.Timedelta(seconds=0.3))
                  & (ev["start"] <= m.end + pd.Timedelta(seconds=0.3))]
        assert len(near) >= 1 and (near["kind"] == "marker").all()


def test_look_alikes_make_no_marker():
    n_found = 0
    for seed in range(4):
        night = simulate_night(NightConfig(fs=(25, 50, 100, 50)[seed], hours_in_bed=1,
                                           expected_jerks=6, plm=True, n_scratch=3, n_tremor=2,
                                           n_knocks=3), seed=100 + seed)
        n_found += sum(len(find_markers(r)) for r in night.recordings.values())
    assert n_found == 0


def taps(gaps_s, amp=3.0, fs=50.0, n=1000):
    t = np.arange(n) * int(1e9 / fs)
    acc = np.tile([0.0, 0.0, 1.0], (n, 1))
    i = 300
    acc[i, 0] = amp
    for g in gaps_s:
        i += int(round(g * fs))
        acc[i, 0] = amp
    return Recording(t, acc, fs, "wrist-left")


@pytest.mark.parametrize("gaps_s, amp, expected", [
    ([0.3], 3.0, 1),        # a double tap
    ([], 3.0, 0),           # a single knock
    ([0.3, 0.3], 3.0, 0),   # three taps: not a deliberate double tap
    ([0.8], 3.0, 0),        # too slow
    ([0.3], 0.8, 0),        # too soft
])
def test_double_tap_rules(gaps_s, amp, expected):
    assert len(find_markers(taps(gaps_s, amp))) == expected


@pytest.mark.parametrize("fs", [25.0, 100.0])
@pytest.mark.parametrize("gap_s", [0.16, 0.32, 0.44, 0.56])
def test_double_taps_across_the_allowed_gaps_and_rates(fs, gap_s):
    """The cheap pass keeps every bout as long as two taps and their gap (0.15-0.6 s)."""
    assert len(find_markers(taps([gap_s], fs=fs, n=int(20 * fs)))) == 1


@pytest.mark.parametrize("after_s, expected", [(0.5, 0), (1.5, 1)])
def test_two_taps_inside_movement_are_no_marker(after_s, expected):
    """Two taps within a second of a bout of brisk movement are part of it (the bout is
    left out by the cheap pass); a second and a half after it they stand alone."""
    fs = 50.0
    rec = taps([0.3], fs=fs)  # taps at samples 300 and 315
    acc = rec.acc.copy()
    end = 300 - int(after_s * fs)
    i = np.arange(end - 100, end)
    acc[i, 1] = 0.8 * np.sign(np.sin(2 * np.pi * 3 * i / fs))  # 2 s of 3 Hz shaking
    assert len(find_markers(Recording(rec.time_ns, acc, fs, rec.location))) == expected


@pytest.mark.parametrize("tilt_deg, expected", [(0.0, 1), (3.0, 1), (9.0, 0), (20.0, 0)])
def test_two_peaks_that_leave_the_limb_elsewhere_are_a_jerk_not_a_marker(tilt_deg, expected):
    """A tap knocks the sensor, not the limb: the same two peaks are a marker when the
    limb lies as before and not when it comes to rest some degrees away (a strong jerk
    with a rebound, as the biomechanical model's day-and-night night 3 of seed 0 made)."""
    rec = taps([0.3])
    a = np.radians(tilt_deg)
    acc = rec.acc.copy()
    acc[320:] = [np.sin(a), 0.0, np.cos(a)]  # after the second tap (sample 315)
    assert len(find_markers(Recording(rec.time_ns, acc, rec.fs, rec.location))) == expected


def test_exclude_markers_relabels_only_the_taps():
    rec = taps([0.3])
    m = find_markers(rec)
    t0 = int(m["start"].iloc[0].value)
    cands = pd.DataFrame({"start_ns": [t0, t0 + 300_000_000, t0 + 5_000_000_000],
                          "kind": ["artefact", "jerk", "jerk"], "rejected_reason": ["x", "", ""]})
    out = exclude_markers(cands, m)
    assert out["kind"].tolist() == ["marker", "marker", "jerk"]
    assert cands["kind"].tolist() == ["artefact", "jerk", "jerk"]  # not changed in place
    assert find_markers(Recording(np.arange(2), np.zeros((2, 3)), 1.0)).empty
    with pytest.raises(HypnicError, match="tap_gap_s"):
        MarkerConfig(tap_gap_s=(0.6, 0.2))


def test_the_moving_median_is_scipys_median_filter(monkeypatch):
    """The tap detector's own moving median (no scipy.ndimage import) gives what
    ``scipy.ndimage.median_filter(mode="nearest")`` gives, across its chunks too."""
    from scipy.ndimage import median_filter

    import detection.markers as markers

    monkeypatch.setattr(markers, "MEDIAN_CHUNK", 7)
    rng = np.random.default_rng(0)
    for k in (3, 4, 12, 25):
        for n in (1, 6, 50, 301):
            x = np.round(rng.normal(size=n), 1)  # ties too
            np.testing.assert_array_equal(markers._moving_median(x, k, np.r_[0], np.r_[n]),
                                          median_filter(x, size=k, mode="nearest"))
            # stretches of it, each with its own edges, and three axes at once
            lo, hi = np.r_[0, n // 3], np.r_[n // 3, n]
            xyz = np.stack([x, -x, 2 * x], axis=1)
            np.testing.assert_array_equal(
                markers._moving_median(xyz, k, lo, hi),
                np.concatenate([median_filter(xyz[a:b], size=(k, 1), mode="nearest")
                                for a, b in zip(lo, hi, strict=True) if b > a]))


@pytest.mark.parametrize("offset", range(0, 25, 3))
def test_a_double_tap_is_found_wherever_it_falls_in_the_cheap_pass_blocks(offset):
    fs = 100.0
    t = np.arange(2000) * 10_000_000
    acc = np.tile([0.0, 0.0, 1.0], (2000, 1))
    acc[1000 + offset, 0] = acc[1030 + offset, 1] = 2.0  # two taps 0.3 s apart
    found = find_markers(Recording(t, acc, fs, "wrist-left"))
    assert len(found) == 1
    assert found["start"].iloc[0] == pd.Timestamp(t[1000 + offset], tz="UTC")
