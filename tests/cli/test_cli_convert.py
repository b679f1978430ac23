"""``hypnic convert``: reads any supported file and writes the generic layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hypnic.cli import main
from sensing.readers import read

DATA = Path(__file__).resolve().parents[1] / "data" / "readers"


def test_convert_round_trips_a_device_file(tmp_path, capsys):
    [src] = read(DATA / "geneactiv.bin")  # the reader itself is checked against the truth in tests/sensing/readers
    out = tmp_path / "g.csv"
    assert main(["convert", str(DATA / "geneactiv.bin"), "--out", str(out), "--location", "wrist-left"]) == 0
    rec = read(out)[0]
    np.testing.assert_array_equal(rec.time_ns, src.time_ns)
    np.testing.assert_array_equal(rec.acc, src.acc)
    assert rec.location == "wrist-left"
    assert "600 samples" in capsys.readouterr().out


def test_convert_reports_errors_and_truncation_in_one_line(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hypnic: error: no such file") and err.count("\n") == 1
    p = tmp_path / "cut.csv"
    p.write_text("time,x,y,z\n1767652200,0,0,1\n1767652201,0,0,1\n1767652202,0,0,1\n17676")
    assert main(["convert", str(p), "--out", str(tmp_path / "y.parquet"), "--units", "g"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("hypnic: warning:") and "cut short" in err
    assert len(read(tmp_path / "y.parquet")[0]) == 3
    before = (tmp_path / "y.parquet").read_bytes()
    assert main(["convert", str(p), "--out", str(tmp_path / "y.parquet"), "--units", "g"]) == 1
    assert "y.parquet already exists; choose another --out (conversions never overwrite a file)" in capsys.readouterr().err
    assert (tmp_path / "y.parquet").read_bytes() == before


def test_warnings_and_logged_problems_share_one_style(tmp_path):
    """A file without gravity (a logged problem) and with a cut last row (a warning): every
    line on stderr reads 'hypnic: warning: ...', in a real process (the CLI's own logging)."""
    import subprocess
    import sys

    rows = [f"{1767652200 + i * 0.04:.2f},0,0,0.01" for i in range(100)]
    p = tmp_path / "jump.csv"
    p.write_text("time,x,y,z\n" + "\n".join(rows) + "\n17676")
    res = subprocess.run([sys.executable, "-m", "hypnic", "convert", str(p), "--out",
                          str(tmp_path / "o.csv"), "--units", "g"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) >= 2 and all(line.startswith("hypnic: warning: ") for line in lines), lines
    assert any("cut short" in line for line in lines) and any("no gravity" in line for line in lines)


def test_converting_an_idle_sleep_actigraph_to_csv_says_what_is_lost(tmp_path, capsys):
    """The generic CSV has no place for the spells an ActiGraph lay still in idle sleep
    mode; Parquet keeps them, and says nothing."""
    src = DATA.parent / "real" / "ggir" / "actigraph_testfile.gt3x"  # 23 idle spells
    assert main(["convert", str(src), "--out", str(tmp_path / "a.csv")]) == 0
    err = capsys.readouterr().err
    assert ("hypnic: warning: a.csv cannot keep the 23 spells the device lay still in idle sleep "
            "mode: read back, its sleep is found from the samples alone, often not at all; write "
            ".parquet to keep them") in err
    assert main(["convert", str(src), "--out", str(tmp_path / "a.parquet")]) == 0
    assert "cannot keep" not in capsys.readouterr().err
    assert len(read(tmp_path / "a.parquet")[0].still_spans) == 23


def test_times_without_a_zone_are_the_machines_local_time_unless_a_zone_is_named(tmp_path, monkeypatch):
    """An ActiLife CSV states no zone: its clock was set where its wearer lives, which the
    commands take to be this machine's zone (New York, UTC-05:00 in January); a GENEActiv
    file states its own (GMT +01:00) and keeps it; --tz overrides both."""
    monkeypatch.setenv("TZ", "America/New_York")
    [utc] = read(DATA / "actigraph_RAW.csv", tz="UTC")  # the header's clock as if UTC
    [gene] = read(DATA / "geneactiv.bin")
    np.testing.assert_array_equal(read(DATA / "actigraph_RAW.csv")[0].time_ns, utc.time_ns)  # the library: UTC
    for src, named, shift_h in (("actigraph_RAW.csv", None, 5), ("actigraph_RAW.csv", "UTC", 0),
                                ("geneactiv.bin", None, 0)):
        out = tmp_path / f"{src}-{named}.csv"
        assert main(["convert", str(DATA / src), "--out", str(out), *(["--tz", named] if named else [])]) == 0
        ref = utc if src.endswith(".csv") else gene
        np.testing.assert_array_equal(read(out)[0].time_ns, ref.time_ns + shift_h * 3600 * 10**9)
