"""ActiGraph .gt3x: both generations, written by reader_samples.gt3x_bytes following
ActiGraph's specifications, read back exactly (real files: test_real_files.py)."""

from __future__ import annotations

import io
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_samples import gt3x_bytes, gt3x_record

from sensing.errors import FormatError, HypnicError
from sensing.readers import (
    IdleSleepWarning,
    ReadOptions,
    TruncatedFileWarning,
    detect_format,
    gt3x,
    read,
)
from sensing.recording import STILL_SPANS


def _write(tmp_path, data: bytes, name: str = "night.gt3x"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["activity", "activity2", "nhanes"])
def test_each_generation_reads_exactly(tmp_path, kind):
    serial = "NEO1C12345678" if kind == "nhanes" else "MOS2E12345678"
    data, t, acc = gt3x_bytes(kind, serial=serial)
    path = _write(tmp_path, data)
    assert detect_format(path) == "actigraph-gt3x"
    rec, = read(path)
    np.testing.assert_array_equal(rec.time_ns, t)
    np.testing.assert_allclose(rec.acc, acc, rtol=1e-7)
    assert rec.fs == 30 and rec.location == "wrist-left"
    assert rec.meta["scale_lsb_per_g"] == (341 if kind == "nhanes" else 256)


def test_zone_is_taken_from_info_and_tz_overrides_it(tmp_path):
    data, t, _ = gt3x_bytes(zone="02:00:00")
    path = _write(tmp_path, data)
    assert read(path)[0].time_ns[0] == t[0]
    assert read(path)[0].meta["tz"] == "UTC+02:00"  # times are shown to the wearer in it
    stored = read(path, tz="UTC")[0].time_ns
    np.testing.assert_array_equal(stored - t, 2 * 3600 * 10**9)


def test_idle_sleep_is_a_gap_never_repeated_values(tmp_path):
    data, t, acc = gt3x_bytes(seconds=20, idle=range(5, 15))
    with pytest.warns(IdleSleepWarning, match=r"idle sleep mode \(1 spell, 0\.0 h\): .* "
                      "turn idle sleep mode off"):
        rec, = read(_write(tmp_path, data))
    np.testing.assert_array_equal(rec.time_ns, t)
    assert len(rec) == 10 * 30
    assert rec.gaps.tolist() == [[t[149], t[150]]]
    # the spell from its entering event to its leaving one, in UTC as the samples
    assert rec.meta[STILL_SPANS].tolist() == [[t[150] - 10 * 10**9, t[150]]]
    assert rec.meta["time_issues"] == []  # a gap the device explains is no time issue


def test_scale_from_the_parameters_record(tmp_path):
    data, t, acc = gt3x_bytes(scale_in_info=False)
    rec, = read(_write(tmp_path, data))
    assert rec.meta["scale_lsb_per_g"] == 256.0
    np.testing.assert_allclose(rec.acc, acc, rtol=1e-7)


def test_firmware_with_rotated_axes_is_put_right(tmp_path):
    data, t, acc = gt3x_bytes(firmware="1.6.0")
    rec, = read(_write(tmp_path, data))
    np.testing.assert_allclose(rec.acc, np.stack([acc[:, 1], -acc[:, 0], acc[:, 2]], axis=1), rtol=1e-7)


def _with_log(data: bytes, change) -> bytes:
    """The archive with its log.bin changed by ``change``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("info.txt", src.read("info.txt"))
        z.writestr("log.bin", change(src.read("log.bin")))
    return out.getvalue()


def test_damaged_record_is_skipped_and_reported_zeros_between_records_are_not(tmp_path):
    data, t, acc = gt3x_bytes()
    log = zipfile.ZipFile(io.BytesIO(data)).read("log.bin")
    starts, types, _, _ = gt3x.records(log)
    first = int(starts[types == gt3x.ACTIVITY][0])
    bad = bytearray(log)
    bad[first + 20] ^= 0xFF  # its checksum fails
    rec, = read(_write(tmp_path, _with_log(data, lambda _: bytes(bad))))
    np.testing.assert_array_equal(rec.time_ns, t[30:])
    assert "1 damaged log record(s)" in rec.meta["time_issues"][0]["detail"]
    padded = log[:first] + b"\x00\x00\x00" + log[first:]
    rec, = read(_write(tmp_path, _with_log(data, lambda _: padded), "padded.gt3x"))
    np.testing.assert_array_equal(rec.time_ns, t)
    assert not rec.meta["time_issues"]


def test_cut_log_returns_the_whole_records_before_the_cut(tmp_path):
    data, t, _ = gt3x_bytes()
    with pytest.warns(TruncatedFileWarning, match="150 samples"):
        rec, = read(_write(tmp_path, _with_log(data, lambda log: log[:-60])))
    np.testing.assert_array_equal(rec.time_ns, t[:150])


def test_usb_event_record_is_not_samples():
    info = b"Serial Number: MOS2E12345678\r\nSample Rate: 30\r\nTimeZone: 00:00:00\r\n"
    ts = 1_767_652_200
    log = gt3x_record(0x00, ts, b"\x01") + gt3x_record(0x1A, ts + 1, np.ones((30, 3), "<i2").tobytes()) \
        + gt3x_record(0x1A, ts + 2, np.ones((30, 3), "<i2").tobytes())
    rec, = gt3x.decode(info, log, ReadOptions())
    assert len(rec) == 60 and rec.time_ns[0] == (ts + 1) * 10**9


def test_damaged_archive_is_one_line(tmp_path):
    data, _, _ = gt3x_bytes()
    raw = bytearray(data)
    at = raw.index(b"log.bin") + 20  # inside the compressed log
    raw[at:at + 40] = b"\x00" * 40
    with pytest.raises(FormatError) as err:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read(_write(tmp_path, bytes(raw)))
    assert str(err.value).startswith("night.gt3x: damaged .gt3x archive") and len(str(err.value)) <= 180


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(frac=st.floats(0.0, 1.0), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       kind=st.sampled_from(["activity", "activity2", "nhanes"]))
def test_damaged_log_is_read_or_refused_in_one_line(frac, flips, kind):
    """The decoder on cut and bit-flipped log.bin / activity.bin bytes: valid recordings or
    one HypnicError line, nothing else."""
    data, _, _ = gt3x_bytes(kind, seconds=8, serial="NEO1C12345678" if kind == "nhanes" else "MOS2E12345678")
    archive = zipfile.ZipFile(io.BytesIO(data))
    member = "activity.bin" if kind == "nhanes" else "log.bin"
    log = bytearray(archive.read(member)[: int(len(archive.read(member)) * frac)])
    for at, value in flips:
        if log:
            log[at % len(log)] = value
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            recs = gt3x.decode(archive.read("info.txt"), bytes(log), ReadOptions(), old=kind == "nhanes")
    except HypnicError as exc:
        assert "\n" not in str(exc) and len(str(exc)) <= 200
        return
    for rec in recs:
        assert np.isfinite(rec.acc).all() and (np.diff(rec.time_ns) > 0).all()
