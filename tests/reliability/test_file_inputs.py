"""Issue #16, the file inputs: one plain test per cause the second campaign found.

Impossible times, the 13 tracebacks on crafted or corrupt files, checks Parquet input
skipped, units switching half-way, gaps of days, rates too slow for a jerk, the parts
of one file as one sensor, UTF-16 text. Every error is one line on the CLI.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from reliability_figures import tally

from hypnic.cli import main
from sensing import generic
from sensing.errors import FormatError, HypnicError
from sensing.readers import read
from sensing.recording import Recording
from sensing.store import RecordingStore, read_events

START = 1_767_652_200 * 10**9  # 2026-01-05 22:30 UTC


def _rows(n: int = 600, fs: float = 25.0, start: int = START) -> tuple[np.ndarray, np.ndarray]:
    t = start + np.round(np.arange(n) * 1e9 / fs).astype(np.int64)
    acc = np.tile(np.array([0.1, -0.2, 0.97], np.float32), (n, 1))
    acc[:, 2] += np.float32(0.01) * (np.arange(n) % 7)
    return t, acc


def _csv(path: Path, t: np.ndarray, acc: np.ndarray, header: str = "time,x,y,z") -> Path:
    path.write_text(header + "\n" + "\n".join(f"{ti / 1e9:.3f},{x},{y},{z}" for ti, (x, y, z)
                                              in zip(t.tolist(), acc.tolist(), strict=True)) + "\n")
    return path


def _one_line_error(argv: list[str], capsys) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("hypnic: error: ") and err.count("\n") == 1 and len(err) <= 201, err
    assert "Traceback" not in err
    tally("file-inputs", argv[0], inputs=1, one_line_errors=1)
    return err


# ---------------------------------------------------------------- item 1: impossible times
@pytest.mark.parametrize("year, says", [("2062", "in the future"), ("1990", "before 2000")])
def test_a_mistyped_year_is_a_time_error(tmp_path, year, says):
    t, acc = _rows(4500)  # 3 minutes
    text = _csv(tmp_path / "a.csv", t, acc).read_text().splitlines()
    stamp = text[1000].split(",")[0]
    wrong = str(int(np.datetime64(f"{year}-01-05T22:30", "s").astype(np.int64)) + 40)
    text[1000] = text[1000].replace(stamp, wrong + stamp[-4:])
    (tmp_path / "a.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(FormatError, match=f"a.csv: sample 999 is dated {year}-01-05, {says}: a time error"):
        read(tmp_path / "a.csv")


def test_samples_years_apart_are_a_time_error(tmp_path):
    t, acc = _rows(100)
    t[:50] -= 3 * 365 * 86_400 * 10**9  # the first half dated three years earlier
    with pytest.raises(FormatError, match="the samples span 1095 days"):
        read(_csv(tmp_path / "a.csv", t, acc))


@pytest.mark.parametrize("start", ["1e400", "1e12", "nan"])
def test_convert_with_an_impossible_start_is_one_line(tmp_path, capsys, start):
    p = tmp_path / "e.csv"
    p.write_text("elapsed_s,x,y,z\n" + "\n".join(f"{i / 10},0,0,1" for i in range(30)) + "\n")
    err = _one_line_error(["convert", str(p), "--out", str(tmp_path / "o.csv"), "--start", start], capsys)
    assert "start time" in err


# ---------------------------------------------------------------- item 6: 13 causes
def test_generic_csv_comment_with_a_bad_rate(tmp_path):
    t, acc = _rows()
    p = _csv(tmp_path / "a.csv", t, acc)
    p.write_text("# hypnic generic CSV v1; fs_hz=abc\n" + p.read_text())
    with pytest.raises(FormatError, match="fs_hz=abc, not a rate in Hz"):
        read(p)


def test_actilife_header_at_0_hz(tmp_path):
    lines = (Path(__file__).parents[1] / "data" / "readers" / "actigraph_RAW.csv").read_text().splitlines()
    lines[0] = lines[0].replace("at 30 Hz", "at 0 Hz")
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match="'at 0 Hz', not a rate"):
        read(tmp_path / "a.csv")


@pytest.mark.parametrize("first", ["inf", "1e300"])
def test_e4_start_that_is_not_a_time(tmp_path, first):
    p = tmp_path / "ACC.csv"
    p.write_text(f"{first}, {first}, {first}\n32.0, 32.0, 32.0\n" + "-13,-20,59\n" * 40)
    with pytest.raises(FormatError, match="row 1 \\(the start\\).*not a time a sensor recorded"):
        read(p)


def _parquet(path: Path, table: pa.Table, meta: bytes | None = None) -> Path:
    pq.write_table(table.replace_schema_metadata({b"hypnic": meta} if meta is not None else None), path)
    return path


def _table(n: int = 600) -> pa.Table:
    t, acc = _rows(n)
    return pa.table({"time": pa.array(t, pa.timestamp("ns", tz="UTC")),
                     "x": acc[:, 0], "y": acc[:, 1], "z": acc[:, 2]})


def test_parquet_null_time_is_a_missing_row(tmp_path):
    table = _table()
    times = table["time"].to_pylist()
    times[10] = None
    table = table.set_column(0, "time", pa.array(times, pa.timestamp("ns", tz="UTC")))
    rec, = read(_parquet(tmp_path / "a.parquet", table))
    assert len(rec) == 599 and rec.meta["time_issues"][0]["kind"] == "missing"


@pytest.mark.parametrize("meta", [b"{bad", b'{"fs_hz": "fast"}', b"[1, 2]", b'{"location": "elbow"}'])
def test_parquet_metadata_that_cannot_be_used_is_left_out(tmp_path, caplog, meta):
    with caplog.at_level(logging.WARNING):
        rec, = read(_parquet(tmp_path / "a.parquet", _table(), meta))
    assert rec.fs == 25.0 and rec.location == "unknown" and len(rec) == 600
    assert "left out" in caplog.text or "measured instead" in caplog.text


def test_parquet_text_in_an_axis_column(tmp_path):
    table = _table().set_column(1, "x", pa.array(["0.1"] * 599 + ["abc"]))
    with pytest.raises(FormatError, match="a.parquet: column 'x' holds 'abc' at row 599, not a number"):
        read(_parquet(tmp_path / "a.parquet", table))


def test_parquet_seconds_beyond_2262(tmp_path):
    table = _table().set_column(0, "time", pa.array([10**10 + i for i in range(600)], pa.timestamp("s")))
    with pytest.raises(FormatError, match="a.parquet: time column 'time'.*beyond 2262"):
        read(_parquet(tmp_path / "a.parquet", table))


def _live(path: Path) -> Path:
    t, acc = _rows()
    with RecordingStore(path) as store:
        sid = store.add_sensor("AA:BB", "Polar Verity Sense", "polar", "wrist-left", 25.0, 8, int(t[0]))
        store.append(sid, t, acc)
    return path


@pytest.mark.parametrize("rate", [None, "fast"])
def test_sqlite_with_a_bad_stored_rate_is_read_at_the_measured_rate(tmp_path, rate):
    path = _live(tmp_path / "a.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE sensors SET fs_hz = ?", (rate,))
    db.close()
    rec, = read(path)
    assert rec.fs == 25.0 and len(rec) == 600


def test_sqlite_with_text_where_samples_belong(tmp_path):
    path = _live(tmp_path / "a.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE chunks SET time_ns = 'hello'")
    db.close()
    with pytest.raises(FormatError, match="a.sqlite: sensor 1: a chunk of samples is not int64 times"):
        read(path)


def test_zip_with_a_corrupt_deflate_stream(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("night.csv", _csv(tmp_path / "n.csv", *_rows(3000)).read_text())
    raw = bytearray(buf.getvalue())
    raw[60:100] = b"\xff" * 40  # inside the compressed member
    (tmp_path / "a.zip").write_bytes(bytes(raw))
    with pytest.raises(FormatError, match="a.zip: damaged zip archive"):
        read(tmp_path / "a.zip")


def test_export_of_a_recording_of_the_older_schema(tmp_path, capsys):
    """Recordings of an earlier version stored jerks without event_id and kind."""
    path = _live(tmp_path / "old.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE events")
        db.execute("CREATE TABLE events(id INTEGER PRIMARY KEY, sensor INTEGER, start_ns INTEGER, "
                   "end_ns INTEGER, peak_g REAL, score REAL, detail TEXT)")
        db.execute("INSERT INTO events(sensor, start_ns, end_ns, peak_g, score, detail) VALUES "
                   "(1, ?, ?, 0.8, 12.0, '{}')", (START + 10**10, START + 10**10 + 2 * 10**8))
    db.close()
    events = read_events(path)
    assert events[["event_id", "kind", "peak_g"]].values.tolist() == [[1, "jerk", 0.8]]
    assert main(["export", str(path), "--out", str(tmp_path / "old.csv")]) == 0


# ---------------------------------------------------------------- item 8: checks everywhere
def test_parquet_input_passes_the_unit_and_time_checks(tmp_path):
    table = _table()
    for axis in "xyz":
        table = table.set_column(table.column_names.index(axis), axis,
                                 pc_multiply(table[axis], 9.80665))
    rec, = read(_parquet(tmp_path / "ms2.parquet", table))  # m/s^2, told from gravity
    np.testing.assert_allclose(np.linalg.norm(rec.acc, axis=1).mean(), 1.0, atol=0.05)
    old = _table().set_column(0, "time", pa.array(np.arange(600) * 40_000_000, pa.timestamp("ns")))
    with pytest.raises(FormatError, match="before 2000"):
        read(_parquet(tmp_path / "1970.parquet", old))


def pc_multiply(col, factor):
    import pyarrow.compute as pc

    return pc.multiply(col, pa.scalar(factor, pa.float32()))


def test_units_switching_half_way_are_refused(tmp_path):
    t, acc = _rows(20_000, fs=50.0)
    acc[12_000:] *= np.float32(9.80665)  # g, then m/s^2
    with pytest.raises(FormatError, match="the units change near sample 12288"):
        read(_csv(tmp_path / "a.csv", t, acc))


def test_detect_says_so_for_gaps_of_days_refuses_slow_rates_and_warns_of_rates_under_25_hz(
        tmp_path, capsys, caplog):
    t, acc = _rows(2000, fs=25.0)
    t[1000:] += 2 * 86_400 * 10**9  # two days without samples
    p = _csv(tmp_path / "gap.csv", t, acc)
    with caplog.at_level(logging.WARNING):  # the CLI prints logged warnings as one line each
        main(["detect", str(p), "--out", str(tmp_path / "e.csv"), "--location", "wrist-left"])
    assert "gap.csv: gap at 2026-01-05 22:30:39 UTC: 1 gap(s)" in caplog.text and "longest 2.0 days" in caplog.text
    caplog.clear()
    t, acc = _rows(2000, fs=25.0)
    acc[500, 0] = np.nan
    local = pd.to_datetime(t, utc=True).tz_convert("UTC+01:00").strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    p.write_text("time,x,y,z\n" + "\n".join(f"{ti},{x},{y},{z}" for ti, (x, y, z)
                                             in zip(local, acc.tolist(), strict=True)) + "\n")
    with caplog.at_level(logging.WARNING):  # a file that states its zone: the time in it
        main(["detect", str(p), "--out", str(tmp_path / "e.csv"), "--location", "wrist-left"])
    shown = pd.Timestamp(t[500], tz="UTC").tz_convert("UTC+01:00")
    assert f"gap.csv: missing at {shown:%Y-%m-%d %H:%M:%S} (UTC+01:00): 1 rows" in caplog.text
    t, acc = _rows(600, fs=1.0)
    err = _one_line_error(["detect", str(_csv(tmp_path / "slow.csv", t, acc)), "--out",
                           str(tmp_path / "e.csv")], capsys)
    assert "1 Hz is too slow to show a jerk" in err and "Warning" not in err
    t, acc = _rows(2000, fs=12.5)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        main(["detect", str(_csv(tmp_path / "s12.csv", t, acc)), "--out", str(tmp_path / "e.csv"),
              "--location", "wrist-left"])
    assert ("s12.csv: wrist-left samples at 12.5 Hz, under the 25 Hz that detection's accuracy "
            "was measured from (at 12.5 Hz, 42% of the sleep starts of simulated nights were "
            "counted, and on the hardest kind of night none): a jerk of 50-250 ms is 1-3 samples there" in caplog.text
            and "lower bound" in caplog.text)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        main(["detect", str(_csv(tmp_path / "s25.csv", *_rows(2000, fs=25.0))), "--out",
              str(tmp_path / "e.csv"), "--location", "wrist-left"])
    assert "under the 25 Hz" not in caplog.text


def test_sensors_only_on_the_upper_arm_or_thigh_are_read_with_a_warning(tmp_path, caplog):
    """Both independent models show few jerks there (``PLACEMENT_RECALL``): the counts are
    a lower bound. A wrist among them is enough, and an unknown location says nothing."""
    from detection.scoring import weak_placements
    from hypnic.workflows.night import read_files

    files = {loc: _csv(tmp_path / f"{loc}.csv", *_rows(2000, fs=25.0))
             for loc in ("thigh-left", "upper-arm-right", "wrist-left")}
    with caplog.at_level(logging.WARNING):
        read_files([files["thigh-left"], files["upper-arm-right"]],
                        locations=["thigh-left", "upper-arm-right"])
    assert ("sensors only on the thigh and upper arm, where hypnic counted 1% and 18% of the sleep "
            "starts of simulated nights from one sensor, against 77% from a wrist" in caplog.text)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        read_files([files["thigh-left"], files["wrist-left"]], locations=["thigh-left", "wrist-left"])
    assert "sensors only on" not in caplog.text
    assert weak_placements(["unknown"]) == [] and weak_placements(["head"]) == []


def test_files_that_overlap_no_other_in_time_are_read_with_a_warning(tmp_path, caplog):
    """Several files are sensors worn together on one night; one recorded on another day
    (here a month before) overlaps none of them, and the warning names it and its times in
    the sleeper's zone. Files that overlap say nothing, nor does one file alone."""
    from hypnic.workflows.night import read_files

    month = 30 * 86400 * 10**9
    wrist = _csv(tmp_path / "wrist.csv", *_rows(2000))
    ankle = _csv(tmp_path / "ankle.csv", *_rows(2000, start=START + 10**9))
    earlier = _csv(tmp_path / "earlier.csv", *_rows(2000, start=START - month))
    with caplog.at_level(logging.WARNING):
        read_files([wrist, ankle])
        read_files([earlier])
    assert "overlaps no other file" not in caplog.text
    with caplog.at_level(logging.WARNING):
        read_files([wrist, ankle, earlier], tz="Europe/Paris")
    lines = [r.getMessage() for r in caplog.records if "overlaps no other file" in r.getMessage()]
    first = pd.Timestamp(START - month, unit="ns", tz="UTC").tz_convert("Europe/Paris")
    assert lines == [f"earlier.csv ({first:%Y-%m-%d %H:%M} to {first + pd.Timedelta(seconds=80):%Y-%m-%d %H:%M}, "
                     "Europe/Paris) overlaps no other file in time: hypnic reads several files as "
                     "sensors worn together on one night; give one night's files, one per sensor"]


@pytest.mark.parametrize("stated, offset", [("Asia/Tokyo", "Z"), ("UTC+09:00", "+09:00")])
def test_a_file_without_a_zone_is_read_in_the_zone_another_file_of_the_night_states(
        tmp_path, monkeypatch, caplog, stated, offset):
    """A Tokyo sleeper's night analysed on a New York laptop: the wrist's file states its
    zone (a header's tz=, or times at +09:00), the ankle's writes Tokyo wall-clock times
    without one. Both are read in Tokyo time, so they overlap and the ankle's samples are
    where they were recorded; --tz still decides for all."""
    from hypnic.workflows.night import read_files

    monkeypatch.setattr("sensing.timezones.local_zone_key", lambda: "America/New_York")
    t, acc = _rows(2000)
    tokyo = (t + 9 * 3600 * 10**9).astype("datetime64[ns]")

    def csv(name, times, suffix, header=""):
        rows = (f"{np.datetime_as_string(ti, unit='ms')}{suffix},0.1,-0.2,{z}" for ti, z in zip(times, acc[:, 2], strict=True))
        (tmp_path / name).write_text(header + "time,x,y,z\n" + "\n".join(rows) + "\n")
        return tmp_path / name

    if offset == "Z":
        wrist = csv("wrist.csv", t.astype("datetime64[ns]"), "Z", f"# hypnic generic CSV v1; tz={stated}\n")
    else:
        wrist = csv("wrist.csv", tokyo, offset)
    ankle = csv("ankle.csv", tokyo, "")
    with caplog.at_level(logging.WARNING):
        w, a = read_files([wrist, ankle], locations=["wrist-left", "ankle-left"])
    assert w.meta["tz"] == stated and a.time_ns[0] == w.time_ns[0] == t[0]
    assert "overlaps no other file" not in caplog.text
    assert (f"ankle.csv: its times carry no time zone and are read in {stated}, the zone the other "
            "files state") in caplog.text and "wrist.csv: its times" not in caplog.text
    _, paris = read_files([wrist, ankle], tz="Europe/Paris", locations=["wrist-left", "ankle-left"])
    assert paris.time_ns[0] == t[0] + 8 * 3600 * 10**9


# ---------------------------------------------------------------- item 9: parts of one file
def test_parts_of_one_file_are_one_sensor(tmp_path, caplog):
    """One row an hour back splits the file; detect still takes it as the one wrist sensor."""
    t, acc = _rows(3000, fs=25.0)
    t[1500:] -= 3600 * 10**9  # the clock set back an hour half-way (DST without --tz)
    p = _csv(tmp_path / "night.csv", t, acc)
    assert len(read(p)) == 2
    with caplog.at_level(logging.WARNING):
        assert main(["detect", str(p), "--out", str(tmp_path / "e.csv"), "--location", "wrist-left"]) == 0
    assert ("night.csv: 1500 samples (60 s) go back in time or run at another rate and are left out; "
            "60 s are used (a DST change? give tz)") in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # with the zone given a step back is no clock change
        assert main(["detect", str(p), "--out", str(tmp_path / "e.csv"), "--location", "wrist-left",
                     "--tz", "Europe/Berlin"]) == 0
    assert "are left out; 60 s are used" in caplog.text and "DST" not in caplog.text


def test_rate_change_parts_at_the_same_rate_are_joined(tmp_path):
    from hypnic.workflows.night import read_files

    t, acc = _rows(3000, fs=25.0)
    t[1500:] += 60 * 10**9
    first, = read_files([_csv(tmp_path / "a.csv", t, acc)], locations=["ankle-left"])
    assert len(first) == 3000 and len(first.gaps) == 1 and first.location == "ankle-left"


# ---------------------------------------------------------------- item 12: UTF-16 text
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read(tmp_path, encoding):
    t, acc = _rows()
    text = _csv(tmp_path / "a.csv", t, acc).read_text()
    (tmp_path / "u.csv").write_bytes(text.encode(encoding))
    rec, = read(tmp_path / "u.csv")
    np.testing.assert_array_equal(rec.time_ns, t)
    assert rec.meta["encoding"] == encoding


# ---------------------------------------------------------------- options before reading
def test_options_are_checked_before_any_file_is_read(tmp_path, capsys, monkeypatch):
    import sensing.readers as readers

    monkeypatch.setattr(readers, "_read", lambda *a, **k: pytest.fail("a file was read"))
    t, acc = _rows()
    p = _csv(tmp_path / "a.csv", t, acc)
    for argv, says in ((["--location", "wrist"], "say which side, wrist-left or wrist-right"),
                       (["--location", "elbow"], "unknown location 'elbow'"),
                       (["--units", "furlongs"], "unknown acceleration units"),
                       (["--tz", "Mars/Olympus"], "unknown time zone")):
        err = _one_line_error(["detect", str(p), "--out", str(tmp_path / "e.csv"), *argv], capsys)
        assert says in err


def test_location_spellings(tmp_path):
    t, acc = _rows()
    rec, = read(_csv(tmp_path / "a.csv", t, acc), location="Left Wrist")
    assert rec.location == "wrist-left"
    with pytest.raises(HypnicError, match="say which side"):
        read(tmp_path / "a.csv", location="ankle")


def test_a_recording_made_in_hypnic_round_trips_through_the_checks(tmp_path):
    t, acc = _rows()
    rec = Recording(t, acc, 25.0, "trunk", "x")
    back, = read(generic.write_parquet(rec, tmp_path / "r.parquet"))
    np.testing.assert_array_equal(back.time_ns, t)
    assert json.loads(pq.read_schema(tmp_path / "r.parquet").metadata[b"hypnic"])["fs_hz"] == 25.0


def test_detect_units_option(tmp_path, capsys, caplog):
    """``detect --units`` (the advice to give units names an option detect has)."""
    t, acc = _rows(3000)
    p = _csv(tmp_path / "a.csv", t, acc * np.float32(1000), header="time,x [g],y [g],z [g]")  # mg, named g
    err = _one_line_error(["detect", str(p), "--out", str(tmp_path / "e.csv"), "--units", "g"], capsys)
    assert "the units are wrong (give units=g|mg|m/s^2)" in err
    with caplog.at_level(logging.WARNING):
        assert main(["detect", str(p), "--out", str(tmp_path / "e.csv")]) == 0
    assert "the column names say g but gravity says mg; read as mg" in caplog.text
    assert main(["detect", str(p), "--out", str(tmp_path / "e.csv"), "--units", "mg"]) == 0


@pytest.mark.parametrize("tables, says", [
    ("CREATE TABLE data(dataTimestamp INTEGER, axis1 INTEGER); CREATE TABLE settings(settingName TEXT, "
     "settingValue TEXT)", "an ActiGraph .agd/.agdc database (counts per epoch, not raw samples)"),
    ("CREATE TABLE diary(night TEXT); CREATE TABLE nights(night TEXT)", "a hypnic diary, not a recording"),
    ("CREATE TABLE songs(title TEXT)", "a SQLite database that is not a hypnic recording (tables: songs)"),
])
def test_foreign_sqlite_says_what_it_is(tmp_path, tables, says):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(tables)
    db.close()
    with pytest.raises(FormatError, match="^" + re.escape(f"other.sqlite: {says}")):
        read(path)
