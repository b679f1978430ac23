"""Sleep onset, wake and awakenings from the accelerometer alone, against the simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detection import DetectionConfig, detect_night
from detection.sleep import sleep_window
from simulation import NightConfig, simulate_night


@pytest.mark.parametrize("seed, locations", [(1, ("wrist-left",)), (3, ("wrist-left",)),
                                             (2, ("ankle-left", "trunk"))])
def test_onset_wake_and_awakenings_within_minutes(seed, locations):
    night = simulate_night(NightConfig(fs=25, hours_in_bed=3, locations=locations), seed=seed)
    result = detect_night(list(night.recordings.values()))
    s, truth = result.sleep, night.sleep
    assert abs((s.onset - truth["onset"]).total_seconds()) <= 5 * 60
    assert abs((s.wake - truth["wake"]).total_seconds()) <= 5 * 60
    assert len(s.awakenings) == len(truth["awakenings"])
    for (a0, a1), (t0, t1) in zip(s.awakenings, truth["awakenings"], strict=True):
        assert abs((a0 - t0).total_seconds()) <= 120 and abs((a1 - t1).total_seconds()) <= 120
    assert s.lights_out is not None and s.lights_out <= s.onset
    assert s.latency_s >= 0
    # the activity table says asleep inside the window only
    act = result.activity
    inside = (act["start"] >= s.onset) & (act["start"] < s.wake)
    assert act.loc[act["asleep"], "start"].between(s.onset, s.wake).all()
    assert act.loc[inside, "asleep"].mean() > 0.9
    # jerks get their time from onset
    jerks = result.jerks
    if len(jerks):
        rel = (jerks["start"] - s.onset).dt.total_seconds()
        np.testing.assert_allclose(jerks["rel_onset_s"], rel, atol=1e-6)


def test_jerks_do_not_wake_the_sleeper_up():
    """Without masking, a burst of strong jerks right after onset would delay it."""
    cfg = NightConfig(fs=25, hours_in_bed=3, locations=("wrist-left",), n_jerks=12, series_prob=1.0)
    night = simulate_night(cfg, seed=7)
    result = detect_night(list(night.recordings.values()))
    assert abs((result.sleep.onset - night.sleep["onset"]).total_seconds()) <= 5 * 60


def test_constant_night_is_all_sleep_and_moving_night_none():
    cfg = DetectionConfig()
    starts = pd.date_range("2026-01-05T22:00Z", periods=4 * 720, freq="5s")
    still = np.full(len(starts), 0.01)
    window, asleep = sleep_window(starts, still, cfg)
    assert window.onset == starts[0] and asleep.all()
    moving = np.full(len(starts), 3.0)
    window, asleep = sleep_window(starts, moving, cfg)
    assert window.onset is None and not asleep.any()
    assert window.to_dict()["onset"] is None
