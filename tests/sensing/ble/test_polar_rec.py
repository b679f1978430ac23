"""Polar offline-recording files: the SDK's own test file, round trips, time placement
and clock correction, and malformed files."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sensing.ble import pmd, polar_rec
from sensing.errors import FormatError

SDK_FILE = Path(__file__).parents[2] / "data" / "polar" / "sdk_acc_offline.rec"
START = dt.datetime(2026, 1, 5, 22, 30, tzinfo=dt.timezone.utc)


def test_polar_sdk_file_decodes_as_the_sdk_asserts():
    rec = polar_rec.decode_rec(SDK_FILE.read_bytes())
    assert rec.start == dt.datetime(2017, 1, 19, 8, 32, 52, tzinfo=dt.timezone.utc)
    assert rec.settings == {"sample_rate": [52], "resolution": [16], "range": [8], "channels": [3]}
    t, acc = polar_rec.place(rec.frames, rec.fs)
    np.testing.assert_array_equal(np.rint(acc[:2] * 1000), [[-11, 28, 997], [-10, 27, 997]])
    assert t[-1] == 0x0777D25DB22F2730 and len(t) == len(acc) == 460
    assert (np.diff(t) > 0).all()


def frames(n_frames=4, per=36, t0=800_000_000_000_000_000, fs=52.0, jump_after=None):
    rng = np.random.default_rng(1)
    mg = np.cumsum(rng.integers(-20, 21, (n_frames * per, 3)), axis=0) + [0, 0, 1000]
    t = t0 + np.round(np.arange(n_frames * per) * 1e9 / fs).astype(np.int64)
    if jump_after is not None:
        t[jump_after * per:] += 60_000_000_000
    return mg, t, [pmd.encode_acc_frame(int(t[k * per + per - 1]), mg[k * per:(k + 1) * per])
                   for k in range(n_frames)]


def test_round_trip_and_parts_join():
    mg, t, fr = frames()
    data = polar_rec.encode_rec(START, fr, 52)
    rec = polar_rec.decode_rec(data)
    assert rec.start == START and rec.fs == 52
    times, acc = polar_rec.place(rec.frames, rec.fs)
    np.testing.assert_array_equal(np.rint(acc * 1000), mg)
    assert np.abs(times - t).max() <= 1
    joined = polar_rec.decode_parts([polar_rec.encode_rec(START, fr[:2], 52),
                                     polar_rec.encode_rec(START, fr[2:], 52)])
    assert len(joined.frames) == 4
    with pytest.raises(FormatError, match="different settings"):
        polar_rec.decode_parts([data, polar_rec.encode_rec(START, fr, 26)])
    with pytest.raises(FormatError, match="without files"):
        polar_rec.decode_parts([])


def test_a_gap_between_frames_is_kept_as_a_gap():
    mg, t, fr = frames(jump_after=2)
    times, _ = polar_rec.place(polar_rec.decode_rec(polar_rec.encode_rec(START, fr, 52)).frames, 52)
    assert np.abs(times - t).max() <= 1  # samples after the jump are not stretched over it


def test_clock_offsets_at_start_and_download_remove_the_drift():
    d = np.array([0, 3600, 7200]) * 10**9 + 800_000_000_000_000_000
    true_utc = d + pmd.POLAR_EPOCH_NS - (1_500_000_000 + (d - d[0]) * 30e-6).astype(np.int64)
    anchors = [(int(d[0]), 1_500_000_000), (int(d[2]), 1_500_000_000 + 216_000_000)]
    np.testing.assert_array_equal(polar_rec.to_utc(d, anchors), true_utc)
    assert (polar_rec.to_utc(d, anchors[:1]) == d + pmd.POLAR_EPOCH_NS - 1_500_000_000).all()
    with pytest.raises(FormatError, match="no clock offset"):
        polar_rec.to_utc(d, [])


def test_memory_estimate_and_paths():
    # 14 MB free at 52 Hz: (14e6 - 0.3e6) / (464e3 * 52 / 50) = 28.4 h
    assert polar_rec.hours_that_fit(14_000_000, 52) == pytest.approx(28.39, abs=0.01)
    assert polar_rec.hours_that_fit(100_000, 52) == 0
    assert polar_rec.PATH.match(polar_rec.rec_path(START)).group(3, 4) == ("ACC", "")


@pytest.mark.parametrize("mutate, match", [
    (lambda b: b[:20], "too short"),
    (lambda b: b"\x01" + b[1:], "encrypted"),
    (lambda b: b[:1] + b"\x00" * 4 + b[5:], "signature"),
    (lambda b: b[:17] + b"xxxx" + b[21:], "start time"),
    (lambda b: b[:37] + b"\x00" + b[38:], "sample rate"),
    (lambda b: b[:-5], "runs past the end"),
    (lambda b: b + b"\x01", "truncated packet size"),
    (lambda b: b + b"\x00\x00", "packet of 0 bytes"),
])
def test_malformed_files(mutate, match):
    _, _, fr = frames()
    with pytest.raises(FormatError, match=match):
        polar_rec.decode_rec(mutate(polar_rec.encode_rec(START, fr, 52)))


def test_frame_times_going_back_are_refused():
    _, _, fr = frames()
    rec = polar_rec.decode_rec(polar_rec.encode_rec(START, [fr[1], fr[0]], 52))
    with pytest.raises(FormatError, match="go back"):
        polar_rec.place(rec.frames, 52)
