"""Bad input: unknown layouts, malformed rows, truncated files, and time reality."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest
from reader_samples import DATA, START_NS, cwa_bytes, geneactiv_bytes, make_polar

from sensing.errors import FormatError, HypnicError, InvalidRecordingError
from sensing.readers import TruncatedFileWarning, read


def _csv(path, rows, header="time,x,y,z"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def _rows(n=30, fs=10.0, start_ns=START_NS, skip=()):
    t = start_ns + np.round(np.arange(n) * 1e9 / fs).astype(np.int64)
    return [f"{int(ti)},0.1,0.2,{0.9 + i % 100 / 1000:.3f}" for i, ti in enumerate(t) if i not in skip], t


def test_unknown_layout_says_what_the_file_looks_like(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("dear diary\nslept badly\n")
    with pytest.raises(FormatError) as err:
        read(p)
    msg = str(err.value)
    assert msg == ("notes.txt: header 'dear diary' has no axis x, y, z or time column; name them "
                   "like time,x,y,z (formats: docs/file-formats.md)")


@pytest.mark.parametrize("path, got", [(42, "int 42"), (None, "None"), (b"night.csv", "bytes b'night.csv'")])
def test_a_path_of_the_wrong_type_is_named(path, got):
    """A TypeError (and a HypnicError) naming the argument and what it takes, not
    pathlib's 'expected str, bytes or os.PathLike object'."""
    with pytest.raises(TypeError) as caught:
        read(path)
    assert str(caught.value) == f"read: path must be a file path (str or pathlib.Path), got {got}"
    assert isinstance(caught.value, HypnicError)


@pytest.mark.parametrize("content, says", [
    (b"", "notes.csv: the file is empty"),
    (b"\n\n  \n", "notes.csv: the file holds only blank space"),
    (b"%PDF-1.7\n...", "notes.csv: a PDF document, not a recording"),
    (b"\x00" * 600 + b"MDTCPACK" + b"\x01" * 50, "notes.csv: a Parmay Matrix .BIN"),
    (bytes(range(256)) * 8, "notes.csv: binary data of an unknown kind (starts with 00 01 02 03 04 05 06 07)"),
    (b"\x00" * 2000, "notes.csv: binary data of an unknown kind (starts with 1024 zero bytes)"),
    (b"SQLite format 3\x00" + b"\x00" * 200, "notes.csv: "),
])
def test_refusals_are_one_short_line(tmp_path, content, says):
    p = tmp_path / "notes.csv"
    p.write_bytes(content)
    with pytest.raises(HypnicError) as err:
        read(p)
    msg = str(err.value)
    assert msg.startswith(says) and "\n" not in msg and len(msg) <= 180


def test_forced_format_that_does_not_fit(tmp_path):
    with pytest.raises(FormatError, match="not a polar-sensor-logger file"):
        read(DATA / "generic_iso.csv", format="polar-sensor-logger")
    with pytest.raises(FormatError, match="unknown format 'xls'"):
        read(DATA / "generic_iso.csv", format="xls")


@pytest.mark.parametrize("name, says", [
    ("polar", "unknown format 'polar' (did you mean polar-sensor-logger?); auto (detected), or a format "
              "named in docs/file-formats.md"),
    ("csv", "unknown format 'csv' (did you mean geneactiv-csv or actigraph-csv or generic-csv?); auto "
            "(detected), or a format named in docs/file-formats.md"),
    ("xls", "unknown format 'xls'; auto (detected), or a format named in docs/file-formats.md"),
])
def test_unknown_format_names_the_one_meant_in_one_whole_line(name, says):
    """The list of every format did not fit one line: it was cut mid-name ('..., g...')."""
    with pytest.raises(FormatError) as err:
        read(DATA / "generic_iso.csv", format=name)
    assert str(err.value) == says


def test_missing_file_unknown_option_and_empty_file(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        read(tmp_path / "nope.csv")
    with pytest.raises(FormatError, match="is a folder"):
        read(tmp_path)
    with pytest.raises(FormatError, match="unknown read option"):
        read(DATA / "generic_iso.csv", colour="red")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(FormatError, match="empty.csv: the file is empty"):
        read(tmp_path / "empty.csv")


def test_malformed_row_gives_line_number_and_content(tmp_path):
    rows, _ = _rows()
    rows[4] = rows[4].rsplit(",", 1)[0]  # line 6 (header is line 1) loses a column
    with pytest.raises(FormatError, match=r"line 6: expected 4 columns.*" + rows[4]):
        read(_csv(tmp_path / "a.csv", rows))


def test_unreadable_value_gives_line_number_and_content(tmp_path):
    rows, _ = _rows()
    rows[6] = rows[6].replace("0.2", "abc")
    with pytest.raises(FormatError, match=r"^a.csv: line 8, column 'y': 'abc' is not a number$"):
        read(_csv(tmp_path / "a.csv", rows))
    rows, _ = _rows()
    rows[2] = "yesterday" + rows[2][rows[2].index(","):]
    (tmp_path / "b.csv").write_text("time,x,y,z\n2026-01-05T22:30:00Z,0,0,1\n" + "\n".join(
        ["2026-01-05T22:30:01Z,0,0,1", "yesterday,0,0,1"]) + "\n")
    with pytest.raises(FormatError, match=r"^b.csv: line 4, column 'time': 'yesterday' is not an ISO-8601 time$"):
        read(tmp_path / "b.csv")


def test_elapsed_times_without_a_start(tmp_path):
    p = _csv(tmp_path / "a.csv", [f"{i / 10},0,0,1" for i in range(20)], header="elapsed_s,x,y,z")
    with pytest.raises(FormatError, match="give the start time"):
        read(p)
    rec = read(p, start="2026-01-05T22:30:00Z")[0]
    assert rec.time_ns[0] == START_NS and rec.fs == 10


def test_truncated_last_row_returns_what_was_readable(tmp_path):
    rows, t = _rows()
    p = tmp_path / "a.csv"
    p.write_text("time,x,y,z\n" + "\n".join(rows) + "\n" + rows[0][:12])
    with pytest.warns(TruncatedFileWarning, match="last row is cut short"):
        rec = read(p)[0]
    np.testing.assert_array_equal(rec.time_ns, t)


def test_truncated_gzip_returns_what_was_readable(tmp_path):
    rows, t = _rows(n=20000, fs=100.0)
    data = gzip.compress(("time,x,y,z\n" + "\n".join(rows) + "\n").encode())
    p = tmp_path / "a.csv.gz"
    p.write_bytes(data[: len(data) * 2 // 3])
    with pytest.warns(TruncatedFileWarning):
        rec = read(p)[0]
    assert 0 < len(rec) < len(t)
    np.testing.assert_array_equal(rec.time_ns, t[: len(rec)])


def test_truncated_geneactiv_keeps_whole_samples(tmp_path):
    data, t, acc = geneactiv_bytes(n_pages=2)
    cut = data.rindex(b"\r\n", 0, len(data) - 2) + 2 + 12 * 50 + 5  # 50 samples and a bit of page 2
    (tmp_path / "g.bin").write_bytes(data[:cut])
    with pytest.warns(TruncatedFileWarning, match="350 whole samples"):
        rec = read(tmp_path / "g.bin")[0]
    np.testing.assert_array_equal(rec.time_ns, t[:350])
    np.testing.assert_allclose(rec.acc, acc[:350], rtol=2e-7)


def test_truncated_and_corrupt_cwa(tmp_path):
    data, t, acc = cwa_bytes("packed", n_blocks=4)
    (tmp_path / "cut.cwa").write_bytes(data[:-100])
    with pytest.warns(TruncatedFileWarning, match="3 whole blocks"):
        rec = read(tmp_path / "cut.cwa")[0]
    np.testing.assert_array_equal(rec.time_ns, t[:360])
    bad = bytearray(data)
    bad[1024 + 512 + 100] ^= 0xFF  # block 1 fails its checksum
    (tmp_path / "bad.cwa").write_bytes(bytes(bad))
    rec = read(tmp_path / "bad.cwa")[0]
    keep = np.r_[0:120, 240:480]
    np.testing.assert_array_equal(rec.time_ns, t[keep])
    np.testing.assert_allclose(rec.acc, acc[keep], rtol=2e-7)
    assert [i["kind"] for i in rec.meta["time_issues"]] == ["missing", "gap"]


def test_unsorted_and_duplicated_rows_are_fixed_and_reported(tmp_path):
    rows, t = _rows()
    rows[5], rows[6] = rows[6], rows[5]
    rows.insert(10, rows[9])
    rec = read(_csv(tmp_path / "a.csv", rows))[0]
    np.testing.assert_array_equal(rec.time_ns, t)
    kinds = {i["kind"] for i in rec.meta["time_issues"]}
    assert kinds == {"unsorted", "duplicate"}


def test_ambiguous_duplicates_raise(tmp_path):
    rows, _ = _rows()
    rows.insert(10, rows[9].replace("0.1,", "0.7,", 1))
    with pytest.raises(InvalidRecordingError, match="share a timestamp"):
        read(_csv(tmp_path / "a.csv", rows))


def test_times_to_the_second_say_so_in_one_whole_line(tmp_path):
    """Times written to the second at 25 Hz: the message says what to do, not cut short
    (it held each sample's float32 values and was cut before its advice)."""
    stamps = np.datetime_as_string((START_NS + np.arange(100) * 40_000_000).astype("datetime64[ns]"), unit="s")
    rows = [f"{s},0.1234567,-0.2345678,{0.9 + i % 7 / 1000:.7f}" for i, s in enumerate(stamps)]
    with pytest.raises(InvalidRecordingError, match=r"^wrist_export_2026-01-05.csv: 96 sample\(s\) share a timestamp "
                                                    r"with other values \(first at 2026-01-05T22:30:00.000Z\): their "
                                                    r"order is lost; export the times with milliseconds$"):
        read(_csv(tmp_path / "wrist_export_2026-01-05.csv", rows))


def test_clock_jump_back_splits_and_gaps_stay_gaps(tmp_path):
    first, t1 = _rows(n=600)
    second, t2 = _rows(n=600, start_ns=START_NS + 30 * 10**9)  # clock set back 30 s
    gap, t3 = _rows(n=600, start_ns=START_NS + 300 * 10**9)   # then a 3-minute hole
    recs = read(_csv(tmp_path / "a.csv", first + second + gap))
    assert len(recs) == 2
    np.testing.assert_array_equal(recs[0].time_ns, t1)
    np.testing.assert_array_equal(recs[1].time_ns, np.r_[t2, t3])
    assert recs[1].gaps.tolist() == [[t2[-1], t3[0]]]
    assert {i["kind"] for i in recs[1].meta["time_issues"]} == {"clock-jump", "gap"}


def test_a_few_seconds_at_another_rate_are_timestamp_jitter_not_a_rate_change(tmp_path):
    """100 Hz, then 6 s whose times run 15 % fast (a logger's clock, late packets stamped
    as they came), then 100 Hz again: one recording, every sample kept."""
    a, t1 = _rows(n=3000, fs=100.0)
    blip, t2 = _rows(n=6 * 115, fs=115.0, start_ns=int(t1[-1]) + 10_000_000)
    b, t3 = _rows(n=3000, fs=100.0, start_ns=int(t2[-1]) + 10_000_000)
    [rec] = read(_csv(tmp_path / "a.csv", a + blip + b))
    np.testing.assert_array_equal(rec.time_ns, np.r_[t1, t2, t3])
    assert rec.fs == 100.0 and not rec.meta["time_issues"]


def test_parts_join_the_run_of_the_nearest_rate_so_blips_cannot_chain():
    """100 Hz parts between 5 s blips at 111-112 Hz (within 10 % of the blip before them,
    as on a real logger's night): the 100 Hz parts are one run, the blips left out."""
    from sensing.readers.timecheck import join_parts
    from sensing.recording import Recording

    parts, t0 = [], START_NS
    for fs, n in ((100.0, 3000), (111.0, 555), (100.0, 3000), (112.0, 560), (100.0, 3000)):
        t = t0 + np.round(np.arange(n) * 1e9 / fs).astype(np.int64)
        parts.append(Recording(t, np.tile([0.0, 0.0, 1.0], (n, 1)), fs, "wrist-left", "x"))
        t0 = int(t[-1]) + 10_000_000
    rec = join_parts(parts, "a.csv")
    np.testing.assert_array_equal(rec.time_ns, np.concatenate([parts[k].time_ns for k in (0, 2, 4)]))
    assert rec.fs == 100.0


def test_rate_change_mid_file_splits(tmp_path):
    fast, t1 = _rows(n=6000, fs=100.0)
    slow, t2 = _rows(n=5000, fs=50.0, start_ns=int(t1[-1]) + 20_000_000)  # 100 s: a rate, not jitter
    recs = read(_csv(tmp_path / "a.csv", fast + slow))
    assert [r.fs for r in recs] == [100.0, 50.0]
    assert len(recs[0]) + len(recs[1]) == 11000
    assert abs(len(recs[0]) - 6000) <= 256  # split at a 256-sample block edge
    assert any(i["kind"] == "rate-change" for i in recs[1].meta["time_issues"])


def test_polar_phone_clock_jump_is_reported_and_sensor_time_kept(tmp_path):
    p = tmp_path / "p_ACC.txt"
    t, _ = make_polar(p)
    lines = p.read_text().splitlines()
    for i in range(28, len(lines)):  # the phone clock is set back 1 h (DST without tz)
        stamp, rest = lines[i].split(";", 1)
        hour = int(stamp[11:13]) - 1
        lines[i] = f"{stamp[:11]}{hour:02d}{stamp[13:]};{rest}"
    p.write_text("\n".join(lines) + "\n")
    rec = read(p, tz="Europe/Berlin")[0]
    np.testing.assert_array_equal(rec.time_ns, t)
    assert rec.meta["time_issues"][0]["kind"] == "clock-jump"


def test_bad_rows_in_every_sample_give_project_errors_only(tmp_path):
    for name in ("generic_iso.csv", "actigraph_RAW.csv", "empatica/ACC.csv",
                 "Polar_Sense_B5A1E2F3_20260105_223000_ACC.txt"):
        lines = (DATA / name).read_text().splitlines()
        lines.insert(len(lines) // 2, "1;2;garbage,,,,,")
        p = tmp_path / name.replace("/", "_")
        p.write_text("\n".join(lines) + "\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncatedFileWarning)
            with pytest.raises(HypnicError, match="line"):
                read(p, tz="UTC")


def test_a_file_of_zeros_says_why_it_has_no_readable_sample(tmp_path):
    """Before: an all-zero file of 100 rows said 'fewer than 2 readable samples', nothing
    about its rows (they are dropped as an exporter's filler)."""
    p = tmp_path / "zeros.csv"
    p.write_text("time,x,y,z\n" + "".join(f"{1767650000 + i / 25:.2f},0,0,0\n" for i in range(99))
                 + "1767650004,nan,0,1\n")
    with pytest.raises(InvalidRecordingError) as caught:
        read(p, tz="UTC", units="g")  # (unstated units: 'no gravity in the acceleration')
    assert str(caught.value) == (
        "zeros.csv: fewer than 2 readable samples: of its 100 rows, 99 read 0 g on every axis "
        "(a filler: a sensor reads gravity, 1 g) and 1 a missing or non-finite value")


def test_repeated_dst_hour_is_resolved_with_tz_and_split_without(tmp_path):
    # Europe/Berlin leaves summer time on 2026-10-25: 03:00 CEST becomes 02:00 CET
    utc = np.datetime64("2026-10-25T00:30:00", "ns").astype(np.int64) + np.arange(0, 5400 * 10**9, 10**9)
    local = utc + np.where(utc < np.datetime64("2026-10-25T01:00:00", "ns").astype(np.int64), 2, 1) * 3600 * 10**9
    text = [s[:23] for s in np.datetime_as_string(local.astype("datetime64[ns]"), unit="ns")]
    p = _csv(tmp_path / "dst.csv", [f"{s},0.1,0.2,0.95" for s in text])
    rec, = read(p, tz="Europe/Berlin")
    np.testing.assert_array_equal(rec.time_ns, utc)
    assert [i["kind"] for i in rec.meta["time_issues"]] == ["dst"]
    assert len(read(p)) == 2  # without the zone the clock goes back an hour: split


def test_repeated_dst_hour_is_dated_by_its_first_second_pass_time(tmp_path):
    """Before: a night from 22:30 the evening before was warned of as 'dst at 2026-10-24
    22:30:00', its first sample, not the repeated hour 5 h later (every sample's UTC
    differs from its wall clock, not only the second pass's)."""
    utc = np.datetime64("2026-10-24T20:30:00", "ns").astype(np.int64) + np.arange(0, 7 * 3600 * 10**9, 10**9)
    local = utc + np.where(utc < np.datetime64("2026-10-25T01:00:00", "ns").astype(np.int64), 2, 1) * 3600 * 10**9
    text = [s[:23] for s in np.datetime_as_string(local.astype("datetime64[ns]"), unit="ns")]
    p = _csv(tmp_path / "dst.csv", [f"{s},0.1,0.2,0.95" for s in text])
    rec, = read(p, tz="Europe/Berlin")
    np.testing.assert_array_equal(rec.time_ns, utc)
    issue, = rec.meta["time_issues"]
    assert issue == {"kind": "dst", "time": "2026-10-25T01:00:00.000000000Z",
                     "detail": "3600 time(s) in the hour repeated as the clocks went back, read as its second pass"}


def test_a_recording_begun_after_the_clocks_went_back_is_read_in_the_second_pass(tmp_path):
    """Before: a phone's night begun at 02:15 CET on 2026-10-25 (the repeated hour's
    second pass) was read as 02:15 CEST, an hour early, and ended its first 45 min in an
    hour-long gap at 03:00."""
    utc = np.datetime64("2026-10-25T01:15:00", "ns").astype(np.int64) + np.arange(0, 3 * 3600 * 10**9, 10**9)
    local = utc + 3600 * 10**9  # CET throughout
    text = [s[:23] for s in np.datetime_as_string(local.astype("datetime64[ns]"), unit="ns")]
    p = _csv(tmp_path / "late.csv", [f"{s},0.1,0.2,0.95" for s in text])
    rec, = read(p, tz="Europe/Berlin")
    np.testing.assert_array_equal(rec.time_ns, utc)
    assert len(rec.gaps) == 0
    assert rec.meta["time_issues"][0]["time"] == "2026-10-25T01:15:00.000000000Z"


def test_times_in_the_hour_the_clocks_skipped_are_read_at_the_offset_before(tmp_path):
    """Before: a clock that had not moved forward at 02:00 on 2026-03-29 (Berlin) wrote
    02:00-02:45, all read as 01:59:59.999999999: 'share a timestamp with other values
    ...: export the times with milliseconds', the whole file refused."""
    utc = np.datetime64("2026-03-29T00:30:00", "ns").astype(np.int64) + np.arange(0, 2 * 3600 * 10**9, 10**9)
    local = utc + 3600 * 10**9  # a clock still on CET: 01:30-03:29
    text = [s[:23] for s in np.datetime_as_string(local.astype("datetime64[ns]"), unit="ns")]
    rec, = read(_csv(tmp_path / "late.csv", [f"{s},0.1,0.2,0.95" for s in text[:4500]]), tz="Europe/Berlin")
    np.testing.assert_array_equal(rec.time_ns, utc[:4500])  # 01:30-02:44:59 on a clock not yet moved
    assert rec.meta["time_issues"] == [{
        "kind": "dst", "time": "2026-03-29T01:00:00.000000000Z",
        "detail": "2700 time(s) in the hour skipped as the clocks went forward, read at the offset before"}]


def test_iso_offsets_that_change_in_a_file_are_reported(tmp_path):
    """Before: a phone's night across Berlin's spring change, written with offsets (+01:00,
    then +02:00), was shown at +01:00 all night without a word: its 07:18 wake read 06:18."""
    utc = pd.date_range("2026-03-29T00:30:00Z", periods=7200, freq="1s")
    local = utc.tz_convert("Europe/Berlin")
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + local.strftime("%z").str[:3] + ":00"
    p = _csv(tmp_path / "phone.csv", [f"{s},0.1,0.2,0.95" for s in text])
    rec, = read(p)
    assert rec.meta["tz"] == "UTC+01:00" and rec.time_ns[0] == utc[0].value
    assert rec.meta["time_issues"] == [{
        "kind": "offset-change", "time": "2026-03-29T02:29:59.000000000Z",
        "detail": "written at UTC+01:00 first, UTC+02:00 last (a clock change?): shown at UTC+01:00; give tz, your zone"}]
    assert read(p, tz="Europe/Berlin")[0].meta["time_issues"] == []  # the zone is given
    p = _csv(tmp_path / "same.csv", [f"{s},0.1,0.2,0.95" for s in text[:1800]])
    assert read(p)[0].meta["time_issues"] == []  # one offset throughout


def test_stated_rate_contradicted_by_the_times(tmp_path):
    rows, t = _rows(n=500, fs=50.0)
    p = tmp_path / "a.csv"
    p.write_text("# hypnic generic CSV v1; fs_hz=100; location=trunk; device=x\ntime,x,y,z\n" + "\n".join(rows) + "\n")
    rec, = read(p)
    assert rec.fs == 50.0 and len(rec.gaps) == 0
    assert rec.meta["time_issues"][0]["kind"] == "rate-change"


def test_epoch_seconds_with_nanoseconds_are_exact(tmp_path):
    t = START_NS + np.arange(300, dtype=np.int64) * 9_999_999 + 7
    rows = [f"{ti // 10**9}.{ti % 10**9:09d},0.1,0.2,0.95" for ti in t.tolist()]
    rec, = read(_csv(tmp_path / "ns.csv", rows, header="unix_time,x,y,z"))
    np.testing.assert_array_equal(rec.time_ns, t)
    rows = [f"{ti // 10**9}.{ti % 10**9 // 1000:06d},0.1,0.2,0.95" for ti in t.tolist()]
    rec, = read(_csv(tmp_path / "us.csv", rows, header="unix_time,x,y,z"))
    np.testing.assert_array_equal(rec.time_ns, t // 1000 * 1000)


def test_bytes_that_are_not_utf8_are_shown_not_crashed_on(tmp_path, capfd):
    p = tmp_path / "latin.csv"
    p.write_bytes(b"time,x,y,z\n1767652200,0,0,1\n1767652201,0,\xff\xfe\n1767652202,0,0,1\n")
    with pytest.raises(FormatError, match="line 3: expected 4 columns"):
        read(p, units="g")
    assert "Traceback" not in capfd.readouterr().err


def test_headerless_time_x_y_z_by_position(tmp_path):
    rows, t = _rows()
    p = tmp_path / "plain.csv"
    p.write_text("\n".join(rows) + "\n")
    rec, = read(p)
    np.testing.assert_array_equal(rec.time_ns, t)
    assert rec.meta["format"] == "generic-csv"
    p.write_text("\n".join(r + ",7" for r in rows) + "\n")
    with pytest.raises(FormatError, match="no header row and 5 columns"):
        read(p)


def test_cwa_samples_follow_the_device_clock_not_the_nominal_rate(tmp_path):
    """A 50 Hz AX6 whose clock really runs at 50.5 Hz: samples are spaced by the block
    timestamps, so no block overlaps the next (nominal spacing would step back 8 ms)."""
    from reader_samples import cwa_block, cwa_header

    per, n_blocks = 40, 6
    q = [64 * round(b * per / 50.5 * 512) for b in range(n_blocks)]  # block starts, 1/32768 s units
    starts = [START_NS + qi * 10**9 // 32768 for qi in q]
    rng = np.random.default_rng(3)
    blocks = [cwa_header(rate_code=0x49, hw=0x64)]
    counts = []
    for b, t0 in enumerate(starts):
        c = np.round(np.array([0.1, -0.2, 0.97]) * 4096 + rng.normal(0, 50, (per, 3))).astype(np.int64)
        counts.append(c)
        blocks.append(cwa_block(b, t0, 0, np.concatenate([np.zeros((per, 3), np.int64), c], axis=1),
                                fmt=0x62, rate_code=0x49, freq=50.0, scale_bits=4, fractional=True))
    (tmp_path / "drift.cwa").write_bytes(b"".join(blocks))
    rec, = read(tmp_path / "drift.cwa")
    step = np.diff(starts) / per
    truth = np.concatenate([starts[b] + np.round(np.arange(per) * step[min(b, n_blocks - 2)]).astype(np.int64)
                            for b in range(n_blocks)])
    np.testing.assert_array_equal(rec.time_ns, truth)
    np.testing.assert_allclose(rec.acc, np.concatenate(counts) / 4096, rtol=2e-7)
    assert not rec.meta["time_issues"]
    assert abs(rec.fs - 50.0) < 1e-9


def test_geneactiv_samples_follow_the_device_clock(tmp_path):
    data, t, acc = geneactiv_bytes(n_pages=4, clock_hz=101.0)
    (tmp_path / "fast.bin").write_bytes(data)
    rec, = read(tmp_path / "fast.bin")
    np.testing.assert_array_equal(rec.time_ns, t)
    assert not rec.meta["time_issues"]


@pytest.mark.parametrize(("gap_s", "clock_hz"), [(0, None), (60, None), (0, 66.9)])
def test_geneactiv_page_times_written_to_the_whole_second_do_not_overlap(tmp_path, gap_s, clock_hz):
    """GENEAcore's 66.7 Hz sample file: pages of 4.4978 s stamped to the second. Timed
    from their stamps they overlapped by up to half a second (actfast and
    scikit-digital-health do so); smoothed, they follow on, a real gap kept and a
    device's own rate (0.3 % fast: 2.7 s over the 200 pages) followed."""
    data, truth, acc = geneactiv_bytes(n_pages=200, fs=66.7, whole_seconds=True, gap_s=gap_s,
                                       clock_hz=clock_hz)
    (tmp_path / "whole.bin").write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec, = read(tmp_path / "whole.bin")
    assert not [w for w in caught if "unsorted" in str(w.message)]  # no rows put back in place
    step = np.diff(rec.time_ns)
    assert (np.abs(step[step < 1e9] / (1e9 / 66.7) - 1) < 0.01).all()
    assert np.abs(rec.time_ns - truth).max() < 1e9  # within the second the stamps were cut to
    assert (step > 1e9).sum() == (gap_s > 0) and len(rec.meta["time_issues"]) == (gap_s > 0)
    np.testing.assert_array_equal(rec.acc, acc)


def test_decimal_comma_file_with_comma_in_the_times(tmp_path):
    rows, t = _rows(n=50, fs=8.0)
    text = np.datetime_as_string(t.astype("datetime64[ns]"), unit="ms")
    lines = [f"{s.replace('T', ' ').replace('.', ',')};0,1;0,2;0,95" for s in text]
    rec, = read(_csv(tmp_path / "eu.csv", lines, header="time;x;y;z"))
    np.testing.assert_array_equal(rec.time_ns, t)
    np.testing.assert_allclose(rec.acc[0], [0.1, 0.2, 0.95], rtol=1e-6)


def test_an_arduino_s_millis_are_milliseconds_since_the_start(tmp_path):
    """A DIY logger's ``millis,ax,ay,az`` (an Arduino's milliseconds since it started):
    the times are ms from ``start`` (refused before: no time column), and without a start
    the error says milliseconds."""
    lines = [f"{1234 + 40 * i},0.1,0.2,{0.95 + i % 7 / 1000:.3f}" for i in range(50)]
    path = _csv(tmp_path / "LOG00.CSV", lines, header="millis,ax,ay,az")
    rec, = read(path, start="2026-01-05T22:30:00Z")
    start = pd.Timestamp("2026-01-05T22:30:00Z").value
    np.testing.assert_array_equal(rec.time_ns, start + (1234 + 40 * np.arange(50)) * 10**6)
    assert rec.fs == 25.0
    with pytest.raises(FormatError, match=r"time column 'millis' holds milliseconds since the start \(1234\)"):
        read(path)


def test_raw_counts_are_read_in_the_units_given(tmp_path):
    """A logger writing an accelerometer's raw int16 counts (an MPU-6050 at +-2 g: 16384 to
    a g): the error says how to give them, and ``units="1/16384g"`` reads them."""
    acc = np.array([[0.01, 0.02, 0.99], [0.02, 0.01, 1.01]] * 25)
    rows = [f"{1767652200000 + 40 * i},{a[0] * 16384:.0f},{a[1] * 16384:.0f},{a[2] * 16384:.0f}"
            for i, a in enumerate(acc)]
    path = _csv(tmp_path / "LOG.CSV", rows, header="timestamp,ax,ay,az")
    with pytest.raises(FormatError) as err:
        read(path)
    assert str(err.value) == ("LOG.CSV: cannot tell the acceleration units (median norm 1.64e+04): give --units "
                              "(units=) g, mg, m/s^2 or, for raw counts, 1/Ng (1/16384g: 16384 to a g?)")
    rec, = read(path, units="1/16384g")
    np.testing.assert_allclose(rec.acc, acc, atol=1 / 16384)
    with pytest.raises(FormatError, match="unknown acceleration units '1/0g'"):
        read(path, units="1/0g")


def test_a_date_in_one_column_and_the_time_of_day_in_another_is_named(tmp_path):
    """``Date,Time,X,Y,Z``: the error names both columns and asks to join them (before:
    "1399 samples share a timestamp ...: export the times with milliseconds", the dates
    read as the times)."""
    lines = [f"2026-01-05,22:30:{0.04 * i:06.3f},0.1,0.2,0.95" for i in range(50)]
    with pytest.raises(FormatError) as err:
        read(_csv(tmp_path / "export.csv", lines, header="Date,Time,X,Y,Z"))
    assert ("time column 'Date' holds dates only (2026-01-05), 'Time' the time of day: join them in "
            "one column") in str(err.value)
    with pytest.raises(FormatError, match=r"'date' holds dates only \(05/01/2026\): give each sample's date"):
        read(_csv(tmp_path / "dates.csv", ["05/01/2026,0.1,0.2,0.95"] * 5, header="date,x,y,z"))


def test_a_sample_held_for_seconds_is_an_exported_idle_sleep_not_samples():
    """ActiLife's RAW CSV export and pygt3x fill an ActiGraph's idle sleep with its last
    sample. A fine sensor's noise never repeats a sample 5 s (real 12-bit devices: at
    most 0.23 s), so such a run is read as the device lying still: the repeats are left
    out, their span is a still span, and reading warns; a coarse sensor that reads one
    value for minutes while still keeps its samples."""
    from sensing.readers import IdleSleepWarning
    from sensing.readers.timecheck import build_recordings
    from sensing.recording import STILL_SPANS

    fs, n = 30.0, 3000
    t = START_NS + (np.arange(n) * 1e9 / fs).astype(np.int64)
    rng = np.random.default_rng(1)
    moving = rng.normal([0, 0, 1], 0.004, (n, 3)) + 0.3 * np.sin(np.arange(n) / fs)[:, None]
    acc = (np.round(moving * 256) / 256).astype(np.float32)  # 12 bit
    acc[1000:1600] = acc[999]  # held 20 s: idle sleep filled in
    acc[2000:2060] = acc[1999]  # held 2 s: not recognised (a spell under 5 s)
    with pytest.warns(IdleSleepWarning, match=r"x: 1 spell of one sample repeated for 5 s or more "
                      r"\(0\.0 h\).* turn idle sleep mode off"):
        rec, = build_recordings(t, acc, name="x", fs=fs, location="wrist-left", device="d")
    assert len(rec) == n - 600 and rec.time_ns[999] == t[999] and rec.time_ns[1000] == t[1600]
    assert rec.meta[STILL_SPANS].tolist() == [[t[1000], t[1600]]]
    assert rec.gaps.tolist() == [[t[999], t[1600]]]
    assert rec.meta["time_issues"] == []  # the gap is explained
    coarse = np.round(acc / 0.0313) * 0.0313  # 8 bit at +-4 g: reads one value while still
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec, = build_recordings(t, coarse, name="x", fs=fs, location="wrist-left", device="d")
    assert len(rec) == n and STILL_SPANS not in rec.meta


def test_a_gap_whose_two_sides_read_the_same_sample_is_not_idle_sleep():
    """A fine sensor's sample before a gap and the one after it can be equal by chance (a
    still wrist at 4 mg steps: about 1 in 50 gaps). That is two samples, not one held
    for the gap's seconds: no idle-sleep warning, and the samples stay. (A simulated week
    of one wrist at 25 Hz warned of idle sleep for 0.0 h so.)"""
    from sensing.readers.timecheck import build_recordings
    from sensing.recording import STILL_SPANS

    fs, n = 25.0, 2000
    t = START_NS + (np.arange(n) * 1e9 / fs).astype(np.int64)
    t[1000:] += int(7.4e9)  # a 7.4 s gap after sample 999
    rng = np.random.default_rng(2)
    moving = rng.normal([0, 0, 1], 0.005, (n, 3)) + 0.3 * np.sin(np.arange(n) / fs)[:, None]
    acc = (np.round(moving * 256) / 256).astype(np.float32)  # 12 bit
    acc[1000] = acc[999]  # the two sides of the gap read the same
    acc[1001] = acc[999] + 1 / 256
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec, = build_recordings(t, acc, name="x", fs=fs, location="wrist-left", device="d")
    assert len(rec) == n and STILL_SPANS not in rec.meta
    assert rec.gaps.tolist() == [[t[999], t[1000]]]


def test_an_actilife_header_without_its_closing_dashed_line_is_refused_by_name(tmp_path):
    lines = (DATA / "actigraph_RAW.csv").read_text().splitlines()
    del lines[9]  # the dashed line
    p = tmp_path / "a.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match="^a.csv: no dashed line closes the ActiLife header in its first 20 lines$"):
        read(p, tz="UTC")


def test_rows_of_0_g_on_every_axis_are_filler_left_as_a_gap(tmp_path):
    rows, t = _rows(60)
    for i in range(20, 30):
        rows[i] = f"{int(t[i])},0,0,0"
    rec = read(_csv(tmp_path / "z.csv", rows))[0]
    np.testing.assert_array_equal(rec.time_ns, np.r_[t[:20], t[30:]])
    assert [i["kind"] for i in rec.meta["time_issues"]] == ["missing", "gap"]
    assert "10 rows" in rec.meta["time_issues"][0]["detail"]


def test_acceleration_without_gravity_is_refused_saying_so(tmp_path):
    """A phone's linear (user) acceleration has no gravity, so no limb angle: refused by
    name, not as unknown units."""
    rows = [f"{1767652200_000_000_000 + i * 10_000_000},{0.05 * np.sin(i)},{0.03 * np.cos(i)},0.02"
            for i in range(300)]
    with pytest.raises(FormatError, match=r"^a.csv: no gravity in the acceleration \(median norm 0.0\d+ in "
                                          r"any units: a phone's linear acceleration\?\); give the total "
                                          r"acceleration, with gravity$"):
        read(_csv(tmp_path / "a.csv", rows, header="time,z,y,x"))


def test_linear_acceleration_moving_in_its_first_rows_is_refused(tmp_path):
    """Sensor Logger's Accelerometer.csv (a phone's acceleration without gravity, m/s^2):
    a phone carried to bed moves 1.5 m/s^2 in the first rows, which look like gravity in g;
    over the file the median is far below gravity (it was read as g, with a warning)."""
    rng = np.random.default_rng(3)
    moving = np.where(np.arange(3000)[:, None] < 400, rng.normal(0, 0.9, (3000, 3)),
                      rng.normal(0, 0.02, (3000, 3)))
    rows = [f"{1767652200_000_000_000 + i * 10_000_000},{i / 100:.2f},{z:.4f},{y:.4f},{x:.4f}"
            for i, (x, y, z) in enumerate(moving.tolist())]
    with pytest.raises(FormatError, match=r"^Accelerometer.csv: no gravity in the acceleration \(median "
                                          r"0.0\d+ g over the file: a phone's linear acceleration\?\)"):
        read(_csv(tmp_path / "Accelerometer.csv", rows, header="time,seconds_elapsed,z,y,x"))


def test_columns_named_linear_acceleration_are_refused(tmp_path):
    """phyphox's "Acceleration (without g)" export names its columns in m/s^2, so their
    units were never checked against gravity: it read as a night without gravity."""
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "time.csv").write_text(
        '"event","experiment time","system time","system time text"\n'
        '"START",0.000000000E0,1767652200.000,"2026-01-05 22:30:00.000 UTC+00:00"\n')
    rows = [f"{i / 100:.9E},{0.3 * np.sin(i):.9E},{0.2 * np.cos(i):.9E},{0.1:.9E}" for i in range(300)]
    path = _csv(tmp_path / "Raw Data.csv", rows, header='"Time (s)","Linear Acceleration x (m/s^2)",'
                '"Linear Acceleration y (m/s^2)","Linear Acceleration z (m/s^2)"')
    with pytest.raises(FormatError, match="^Raw Data.csv: header names 'Linear Acceleration x .m/s.2.': "
                                          "acceleration without gravity, "
                                          "and no gravity columns; give the total acceleration, with gravity"):
        read(path)


def test_a_warning_shows_times_in_the_zone_the_file_was_read_in(tmp_path, caplog):
    """Naive times read as New York's (the commands' local_tz): the gap it warns about is
    at 22:29:59 there, not at 03:29:59 UTC; read as UTC, it says UTC."""
    import logging

    t = np.datetime64("2026-01-05T22:29:00") + np.r_[np.arange(600), np.arange(6600, 7200)] * np.timedelta64(100, "ms")
    rows = [f"{ti},0.01,0.02,{0.98 + k % 7 / 1000:.3f}" for k, ti in enumerate(t)]
    p = _csv(tmp_path / "n.csv", rows)
    for zone, says in (("America/New_York", "gap at 2026-01-05 22:29:59 (America/New_York)"),
                       (None, "gap at 2026-01-05 22:29:59 UTC")):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            read(p, local_tz=zone)
        assert f"n.csv: {says}" in caplog.text
