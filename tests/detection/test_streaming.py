"""The streaming detector gives the batch events, with bounded memory and ~1 s delay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detection import DetectionConfig, StreamingDetector
from detection.candidates import SLOW_REASON
from detection.night import sensor_candidates
from sensing.errors import InvalidRecordingError
from simulation import NightConfig, simulate_night

COLS = ["start_ns", "end_ns", "kind", "rejected_reason", "axis", "clipped"]
NUM = ["duration_s", "peak_g", "peak_jerk_g_s", "freq_hz", "score", "post_dev_g", "pre_dev_g", "late_dev_g",
       "vertical_share", "turn_deg", "rhythm_corr", "held_s"]


def stream(rec, chunks, cfg=None):
    """Push ``rec`` in chunks of the given sizes (cycled); return the detector, the
    rows pushed out, and each new row's delay after its end (s), less the
    ``slow_lag_s`` a slow movement's end waits for (its change over that lag)."""
    lag = (cfg or DetectionConfig()).slow_lag_s
    det = StreamingDetector(rec.fs, rec.location, cfg)
    out, delays, i, k = [], [], 0, 0
    max_buffer = 0
    while i < len(rec):
        n = chunks[k % len(chunks)]
        new = det.push(rec.time_ns[i:i + n], rec.acc[i:i + n])
        i, k = i + n, k + 1
        max_buffer = max(max_buffer, det.buffered_samples)
        if len(new):
            out.append(new)
            fresh = new[~new["revised"]]
            slow = (fresh["rejected_reason"] == SLOW_REASON).to_numpy()
            delays += list((rec.time_ns[min(i, len(rec)) - 1] - fresh["end_ns"].to_numpy()) / 1e9 - lag * slow)
    last = det.flush()
    out.append(last)
    return det, pd.concat(out, ignore_index=True), np.array(delays), max_buffer


def assert_same(a: pd.DataFrame, b: pd.DataFrame):
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert len(a) == len(b)
    pd.testing.assert_frame_equal(a[COLS], b[COLS], check_dtype=False)
    np.testing.assert_allclose(a[NUM].to_numpy(float), b[NUM].to_numpy(float), rtol=1e-6, atol=1e-9)


def test_one_sample_chunks_equal_batch(mixed_night):
    rec = mixed_night.recordings["ankle-left"]
    jerks = sensor_candidates(rec, DetectionConfig()).query("kind == 'jerk'")
    t0 = int(jerks["start_ns"].iloc[-1])
    short = rec.slice_time(t0 - int(60e9), t0 + int(60e9))  # 2 min around a jerk, 6000 samples
    batch = sensor_candidates(short, DetectionConfig())
    assert (batch["kind"] == "jerk").any()
    det, _, delays, max_buffer = stream(short, [1])
    assert_same(det.events, batch)
    lookahead = DetectionConfig().lookahead_s
    assert delays.max() <= lookahead + 0.3  # ~1 s after the end of the event (a slow one's, + 0.5 s)
    assert max_buffer < 12 * short.fs  # a leg's jerk keeps the 10 s its held_s reads


@pytest.mark.parametrize("chunks", [[3600 * 50], [7, 1, 250, 33, 4000], [512]])
def test_chunked_stream_equals_batch_with_gaps_and_plm(mixed_night, chunks):
    rec = mixed_night.recordings["ankle-left"]
    assert len(rec.gaps) >= 2
    batch = sensor_candidates(rec, DetectionConfig())
    assert (batch["kind"] == "plm").sum() >= 8 and (batch["kind"] == "jerk").any()
    det, pushed, delays, max_buffer = stream(rec, chunks)
    assert_same(det.events, batch)
    # every event came out once, PLM members possibly once more as a revision
    assert pushed.loc[~pushed["revised"], "event_id"].is_unique
    assert (pushed.loc[pushed["revised"], "kind"] == "plm").all()
    if max(chunks) < 5000:
        assert max_buffer < 120 * rec.fs  # bounded: never the whole night


def test_live_events_are_detect_nights_but_for_the_kinds_the_night_decides():
    """Through the public API (docs/detection.md, "Streaming"): the same candidates, and
    the same kind but where the night decides it (a jerk-shaped burst's place, a PLM
    series while up: 8 of them here, which the docs did not say)."""
    from detection import JERK_SHAPED, detect_night

    rec = simulate_night(NightConfig(fs=25, hours_in_bed=1, locations=("ankle-left",)),
                         seed=0).recordings["ankle-left"]
    night = detect_night(rec).events
    det, _, _, _ = stream(rec, [500])
    live = det.events
    assert len(live) == len(night) > 0
    for col in ("start", "end", "peak_g", "axis"):
        assert live[col].tolist() == night[col].tolist(), col
    kinds = pd.crosstab(live["kind"], night["kind"])
    assert kinds.loc["plm", "movement"] == 8
    for kind in kinds.index:
        differ = kinds.loc[kind].drop(kind, errors="ignore")
        allowed = set(JERK_SHAPED) if kind == "jerk" else {"movement"} if kind == "plm" else set()
        assert set(differ[differ > 0].index) <= allowed, kind


def test_streaming_latency_is_about_two_seconds():
    """A candidate's kind waits for the context after it: the gap, the window after it,
    the second in which a thrown limb comes to rest, and the high-pass."""
    cfg = DetectionConfig()
    assert cfg.lookahead_s == pytest.approx(cfg.context_gap_s + cfg.context_s + cfg.settle_s
                                            + 1.5 * cfg.highpass_window_s)
    assert 1.9 <= cfg.lookahead_s <= 2.25


def test_bad_chunks_raise():
    det = StreamingDetector(50, "wrist-left")
    t = np.arange(10, dtype=np.int64) * 20_000_000
    det.push(t, np.zeros((10, 3)))
    with pytest.raises(InvalidRecordingError, match="increase"):
        det.push(t, np.zeros((10, 3)))
    with pytest.raises(InvalidRecordingError, match="acceleration samples"):
        det.push(t + 10**9, np.zeros((9, 3)))
    with pytest.raises(InvalidRecordingError, match="location"):
        StreamingDetector(50, "elbow")


def test_chunks_of_the_wrong_shape_or_type_are_refused():
    """Before: acc (6, 2) was silently read as (4, 3), (5, 2) raised numpy's reshape
    error, float times were truncated and fs '25' raised numpy's TypeError."""
    t = np.arange(4, dtype=np.int64) * 20_000_000
    for times, acc, message in [
            (t, np.zeros((4, 2)), "acc must have shape (n, 3), got (4, 2)"),
            (t[:3], np.zeros((3, 2)), "acc must have shape (n, 3), got (3, 2)"),
            (t.astype(float), np.zeros((4, 3)),
             "time_ns must be a 1-D integer array of ns since the epoch, got float64 (4,)")]:
        with pytest.raises(InvalidRecordingError) as caught:
            StreamingDetector(50, "wrist-left").push(times, acc)
        assert str(caught.value) == message
    one = StreamingDetector(50, "wrist-left")
    assert len(one.push(t[:1], np.zeros(3))) == 0  # one sample as (3,)
    with pytest.raises(TypeError, match="^StreamingDetector: fs must be a number of Hz, got str '25'$"):
        StreamingDetector("25", "wrist-left")


def test_nan_samples_become_a_gap(mixed_night):
    rec = mixed_night.recordings["ankle-left"]
    acc = rec.acc.copy()
    acc[1000:1100] = np.nan
    det = StreamingDetector(rec.fs, rec.location)
    det.push(rec.time_ns[:5000], acc[:5000])
    det.flush()
    assert det.events["start_ns"].between(rec.time_ns[999], rec.time_ns[1100]).sum() == 0


@pytest.mark.parametrize("chunk_s", [20.0, 60.0, 600.0])
def test_batch_scan_in_windows_equals_one_pass(short_night, chunk_s):
    """Scanning a segment in windows (bounded memory) finds exactly the one-pass candidates."""
    from detection.candidates import scan
    from detection.night import segments

    cfg = DetectionConfig()
    rec = short_night.recordings["wrist-left"]
    # the first 20 min of the gap-free segment with the most candidates
    segs = [(a, min(b, a + int(20 * 60 * rec.fs))) for a, b in segments(rec.time_ns, rec.fs)]
    a, b = max(segs, key=lambda ab: len(scan(rec.time_ns[ab[0]:ab[1]], rec.acc[ab[0]:ab[1]],
                                              rec.fs, cfg)))
    assert (b - a) / rec.fs > 5 * 60
    whole = scan(rec.time_ns[a:b], rec.acc[a:b], rec.fs, cfg, chunk_s=1e9)
    windowed = scan(rec.time_ns[a:b], rec.acc[a:b], rec.fs, cfg, chunk_s=chunk_s)
    assert len(whole) > 3
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), windowed.reset_index(drop=True))


def test_stream_equals_batch_on_strap_ringing_knocks():
    """The impact rule (100 Hz, the biomechanical model's knocks) decides the same live."""
    from dataclasses import replace

    from simulation.biomech import BIOMECH_VARIANTS, simulate_biomech_night

    cfg = replace(BIOMECH_VARIANTS["typical"], locations=("wrist-left",), fs=100.0,
                  sleep_hours=(1.0, 1.0), knocks_per_night=(10, 10), front_end="point")
    rec = simulate_biomech_night(cfg, seed=3).recordings["wrist-left"]
    batch = sensor_candidates(rec, DetectionConfig())
    assert (batch["rejected_reason"] == "faster than a limb moves (an impact)").sum() >= 6
    det, _, _, _ = stream(rec, [997, 3, 5000])
    assert_same(det.events, batch)


def test_stream_equals_batch_at_400_hz():
    """On a sensor faster than ``freq_rate_hz`` a burst's frequency is read from samples
    averaged with the ones before them; live, in chunks of any size, it is the same."""
    from sensing.recording import Recording

    fs, rng = 400.0, np.random.default_rng(8)
    n = int(120 * fs)
    acc = np.tile([0.0, 0.0, 1.0], (n, 1)) + rng.normal(0, 0.01, (n, 3))
    t = np.arange(int(0.4 * fs)) / fs
    for i in (int(30 * fs), int(31.003 * fs)):  # a knock ringing its strap, twice
        acc[i:i + len(t), 0] += 0.8 * np.exp(-2 * np.pi * 25 * 0.2 * t) * np.sin(2 * np.pi * 25 * t)
    x = np.arange(int(0.15 * fs)) / (0.15 * fs)
    for i in (int(60 * fs), int(90.5 * fs)):  # a limb thrown by a muscle
        acc[i:i + len(x), 1] += 0.3 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    rec = Recording((np.arange(n) * (1e9 / fs)).astype(np.int64), acc.astype(np.float32), fs, "wrist-left")
    batch = sensor_candidates(rec, DetectionConfig())
    assert {"jerk", "artefact"} <= set(batch["kind"])
    # three-sample chunks (not a whole number of averaged samples) end inside the first
    # knock and the first throw; a run of them all through takes 20 s for nothing more
    for chunks in ([7, 1, 250, 33, 4000], [3, 2000]):
        det, _, _, _ = stream(rec, chunks)
        assert_same(det.events, batch)


def test_stream_equals_batch_with_lost_radio_packets(mixed_night):
    """A live BLE link loses whole packets (1 in 10 of 20 samples here): bridged live as
    in batch (``bridge_gap_s``), they give the same events, however the samples come."""
    from sensing.recording import Recording

    rec = mixed_night.recordings["ankle-left"]
    jerks = sensor_candidates(rec, DetectionConfig()).query("kind == 'jerk'")
    t0 = int(jerks["start_ns"].iloc[0])
    part = rec.slice_time(t0 - int(300e9), t0 + int(300e9))
    keep = np.repeat(np.random.default_rng(1).random(len(part) // 20 + 1) >= 0.1, 20)[:len(part)]
    lossy = Recording(part.time_ns[keep], part.acc[keep], part.fs, part.location)
    assert len(lossy.gaps) > 100
    batch = sensor_candidates(lossy, DetectionConfig())
    assert len(batch) and (batch["kind"] == "jerk").any()
    for chunks in ([36], [7, 1, 250]):  # a gap often falls between two chunks
        det, _, _, _ = stream(lossy, chunks)
        assert_same(det.events, batch)


def test_stream_and_windows_equal_batch_amid_rhythmic_rolling():
    """A burst amid rolling is judged against the last roll before it
    (``sway_s`` of look-back): live, in chunks of any size, and scanned in windows, it
    is judged the same."""
    from detection.candidates import scan
    from sensing.recording import Recording

    fs, rng = 50.0, np.random.default_rng(9)
    n = int(120 * fs)
    th = np.radians(12.0 * np.sin(2 * np.pi * 0.8 * np.arange(n) / fs)) * (np.arange(n) >= 30 * fs)
    acc = np.c_[np.zeros(n), np.sin(th), np.cos(th)] + rng.normal(0, 0.005, (n, 3))
    x = np.arange(8) / 8
    for s in (47.3, 71.1, 100.6):  # brisk bursts amid the rolling
        acc[int(s * fs):int(s * fs) + 8, 0] += 0.6 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    rec = Recording((np.arange(n) * (1e9 / fs)).astype(np.int64), acc.astype(np.float32), fs, "wrist-left")
    batch = sensor_candidates(rec, DetectionConfig())
    assert (batch["kind"] == "jerk").sum() == 3
    for chunks in ([31, 3], [7, 250, 33, 4000]):
        det, _, _, _ = stream(rec, chunks)
        assert_same(det.events, batch)
        np.testing.assert_allclose(det.events[["pre_move_g", "slow_ratio"]].to_numpy(float),
                                   batch[["pre_move_g", "slow_ratio"]].to_numpy(float), rtol=1e-6, atol=1e-9)
    whole = scan(rec.time_ns, rec.acc, fs, DetectionConfig(), chunk_s=1e9)
    for chunk_s in (20.0, 45.0):  # windows that start a moment before a burst
        windowed = scan(rec.time_ns, rec.acc, fs, DetectionConfig(), chunk_s=chunk_s)
        pd.testing.assert_frame_equal(whole.reset_index(drop=True), windowed.reset_index(drop=True))
