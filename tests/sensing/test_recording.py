import numpy as np
import pandas as pd
import pytest

from sensing import InvalidRecordingError, Recording
from sensing.errors import HypnicError
from sensing.recording import find_gaps, infer_fs

T0 = 1_767_652_952_000_000_000


def make(n=500, fs=100.0, **kw):
    t = T0 + (np.arange(n) * 1e9 / fs).astype(np.int64)
    acc = np.zeros((n, 3), np.float32)
    acc[:, 2] = 1.0
    return Recording(t, acc, fs, **kw)


def test_types_are_normalised():
    r = Recording(np.arange(3, dtype=np.int32) * 10_000_000, np.ones((3, 3)), 100)
    assert r.time_ns.dtype == np.int64 and r.acc.dtype == np.float32 and r.fs == 100.0
    assert len(r) == 3 and r.gaps.shape == (0, 2)
    assert r.duration_s == pytest.approx(0.02)


@pytest.mark.parametrize(
    "times, acc, fs, match",
    [
        (np.array([0, 1, 1]), np.zeros((3, 3)), 100, "strictly increase: sample 2"),
        (np.array([0, 2, 1]), np.zeros((3, 3)), 100, "strictly increase"),
        (np.arange(3), np.zeros((3, 2)), 100, r"shape \(n, 3\)"),
        (np.arange(3), np.zeros((4, 3)), 100, "3 timestamps but 4"),
        (np.arange(3), np.array([[0, 0, 0], [np.nan, 0, 0], [0, 0, 0]]), 100, "finite: sample 1"),
        (np.arange(3), np.array([[0, 0, 0], [0, np.inf, 0], [0, 0, 0]]), 100, "finite"),
        (np.arange(3), np.zeros((3, 3)), 0, "fs must be a positive"),
        (np.arange(3), np.zeros((3, 3)), float("nan"), "fs must be a positive"),
        (np.arange(3.0), np.zeros((3, 3)), 100, "integer array"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(times, acc, fs, match):
    with pytest.raises(InvalidRecordingError, match=match):
        Recording(times, acc, fs)


def test_unknown_location_is_refused():
    with pytest.raises(InvalidRecordingError, match="unknown location 'elbow'"):
        make(location="elbow")


def test_gaps_are_found_from_timestamps():
    t = T0 + np.r_[np.arange(100), np.arange(300, 400)].astype(np.int64) * 10_000_000
    r = Recording(t, np.zeros((200, 3)), 100)
    assert r.gaps.tolist() == [[t[99], t[100]]]
    assert find_gaps(t, 100, factor=300).shape == (0, 2)


def test_infer_fs():
    assert infer_fs(T0 + np.arange(10) * 20_000_000) == 50.0
    with pytest.raises(InvalidRecordingError):
        infer_fs(np.array([T0]))


def test_frame_round_trip_is_exact():
    r = make(location="ankle-right", device="dev")
    r.acc[:, 0] = np.linspace(-3, 3, len(r), dtype=np.float32)
    df = r.to_frame()
    assert str(df.index.tz) == "UTC" and list(df.columns) == ["x", "y", "z"]
    back = Recording.from_frame(df)
    assert np.array_equal(back.time_ns, r.time_ns) and np.array_equal(back.acc, r.acc)
    assert (back.fs, back.location, back.device) == (100.0, "ankle-right", "dev")


def test_from_frame_naive_index_is_utc_and_rate_inferred():
    idx = pd.date_range("2026-01-01 23:00", periods=50, freq="40ms")
    df = pd.DataFrame({"x": 0.0, "y": 0.0, "z": 1.0}, index=idx)
    r = Recording.from_frame(df)
    assert r.fs == 25.0 and r.time_ns[0] == pd.Timestamp("2026-01-01 23:00", tz="UTC").value


def test_from_frame_needs_xyz_and_datetime_index():
    with pytest.raises(InvalidRecordingError, match="lacks column"):
        Recording.from_frame(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(InvalidRecordingError, match="DatetimeIndex"):
        Recording.from_frame(pd.DataFrame({"x": [1.0], "y": [1.0], "z": [1.0]}))


def test_slice_time_keeps_overlapping_gaps():
    t = T0 + np.r_[np.arange(100), np.arange(300, 400)].astype(np.int64) * 10_000_000
    r = Recording(t, np.zeros((200, 3)), 100)
    s = r.slice_time(t[50], t[150])
    assert len(s) == 100 and len(s.gaps) == 1
    assert len(r.slice_time(t[0], t[10]).gaps) == 0


def test_a_slice_ending_where_a_gap_begins_has_no_gap_and_a_positive_span():
    """Two nights in one file: the first night's slice ends at the sample before the 17 h
    gap, the second begins at the one after it. Neither holds the gap, so the hours
    recorded are the nights' own (they were -10 h and -11 h when the gap was kept)."""
    from analysis.nights import hours_recorded

    hour = 3600 * 10**9
    t = T0 + np.r_[np.arange(0, 7 * hour, 10**9), np.arange(24 * hour, 30 * hour, 10**9)].astype(np.int64)
    r = Recording(t, np.zeros((len(t), 3)), 1.0)
    assert len(r.gaps) == 1
    first, second = r.slice_time(T0, T0 + 8 * hour), r.slice_time(T0 + 23 * hour, T0 + 31 * hour)
    assert len(first.gaps) == len(second.gaps) == 0
    assert hours_recorded([first]) == pytest.approx(7, abs=1e-3) and hours_recorded([second]) == pytest.approx(6, abs=1e-3)


def test_still_spans_are_those_within_the_samples_time():
    """A slice keeps its device's still spans within its own time only (a slice of an
    afternoon must not take the night's stillness for its own)."""
    from sensing.recording import STILL_SPANS

    t = 1_700_000_000_000_000_000 + np.arange(100, dtype=np.int64) * 10**9
    spans = np.array([[t[0] - 5 * 10**9, t[3]], [t[10], t[20]], [t[99] - 10**9, t[99] + 10**12],
                      [t[99] + 10**9, t[99] + 10**12]])
    rec = Recording(t, np.zeros((100, 3)), 1.0, meta={STILL_SPANS: spans})
    assert rec.still_spans.tolist() == [[t[0], t[3]], [t[10], t[20]], [t[99] - 10**9, t[99]]]
    assert rec.slice_time(int(t[30]), int(t[90])).still_spans.tolist() == []
    assert Recording(t, np.zeros((100, 3)), 1.0).still_spans.shape == (0, 2)


def test_slice_time_takes_iso_times_and_timestamps_and_refuses_what_is_no_moment():
    """ISO-8601 text and Timestamps are moments (UTC without a zone) as ints are (before:
    text returned an empty recording without a word, a Timestamp raised numpy's TypeError)."""
    t0 = 1767650400_000_000_000  # 2026-01-05T22:00:00Z
    r = Recording(t0 + np.arange(100) * 10_000_000, np.zeros((100, 3)), 100.0)
    assert len(r.slice_time("2026-01-05T22:00:00.5Z", "2026-01-05T22:00:00.7")) == 20
    assert len(r.slice_time(pd.Timestamp("2026-01-05T23:00:00.5+01:00"), t0 + 700_000_000)) == 20
    with pytest.raises(HypnicError, match="slice_time: 'tonight' is not a time"):
        r.slice_time("tonight", t0)
    with pytest.raises(HypnicError, match="slice_time must be a moment: .*got float 1.5"):
        r.slice_time(1.5, t0)


@pytest.mark.parametrize("make, says", [
    (lambda t, a: Recording(t, a, "25"), "Recording: fs must be a number of Hz, got str '25'"),
    (lambda t, a: Recording(t, a.astype(str), 25.0), "acc must hold numbers (g), got <U32 values"),
    (lambda t, a: Recording(t, a, 25.0, gaps=np.arange(3)), "gaps must have shape (k, 2)"),
    (lambda t, a: Recording.from_frame(a), "Recording.from_frame must be a DataFrame")])
def test_arguments_that_are_no_recording_are_refused_in_one_line(make, says):
    """Before: numpy's TypeError and ValueError, pandas' AttributeError, or gaps of any
    shape reshaped without a word."""
    t = np.arange(10) * 40_000_000
    with pytest.raises(HypnicError) as err:
        make(t, np.zeros((10, 3)))
    assert says in str(err.value)
