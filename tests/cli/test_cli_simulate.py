import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hypnic.cli import main
from sensing.readers import read


def test_simulate_writes_readable_files_whose_truth_matches_the_signal(tmp_path):
    out = tmp_path / "d"
    code = main(["simulate", "--nights", "2", "--seed", "1", "--out", str(out),
                 "--locations", "wrist-left,ankle-left", "--fs", "25"])
    assert code == 0
    diary = pd.read_csv(out / "diary.csv")
    assert len(diary) == 2 and {"stress", "sleep_debt_h", "n_jerks"} <= set(diary.columns)
    assert json.loads((out / "model.json").read_text())["rate_ratio"]["antidepressant"] == 1.8
    for i, n_jerks in enumerate(diary.n_jerks, start=1):
        night = out / f"night-{i:02d}"
        recs = {loc: read(night / f"{loc}.csv")[0] for loc in ("wrist-left", "ankle-left")}
        assert all(r.fs == 25 and r.location == loc for loc, r in recs.items())
        jerks = pd.read_csv(night / "truth" / "jerks.csv", parse_dates=["start", "end"])
        assert len(jerks) == n_jerks
        sleep = json.loads((night / "truth" / "night.json").read_text())
        assert pd.Timestamp(sleep["lights_out"]) < pd.Timestamp(sleep["onset"]) < pd.Timestamp(sleep["wake"])
        js = pd.read_csv(night / "truth" / "jerk_sensors.csv", parse_dates=["start", "end"])
        for row in js[~js.in_gap].itertuples():
            rec = recs[row.location]
            i0, i1 = np.searchsorted(rec.time_ns, [row.start.value - 50_000_000, row.end.value + 50_000_000])
            b0, b1 = np.searchsorted(rec.time_ns, [row.start.value - 20 * 10**9, row.start.value - 10**9])
            burst = np.abs(rec.acc[i0:i1] - np.median(rec.acc[b0:b1], axis=0)).max()
            assert burst > 0.2 * row.peak_g
        assert (night / "truth" / "confounders.csv").exists() and (night / "truth" / "gaps.csv").exists()


@pytest.mark.slow
def test_simulate_says_how_much_it_writes_offers_smaller_formats_and_shows_progress(
        tmp_path, capsys, progress_log):
    out = tmp_path / "d"
    # the lowest rate the command takes: the sizes and steps are those of any rate, and the
    # csv.gz run compresses 2.5 times less than at 25 Hz (gzip at level 9 is most of its time)
    fs = 10
    args = ["simulate", "--nights", "2", "--seed", "1", "--locations", "wrist-left,ankle-left",
            "--fs", str(fs), "--out"]
    assert main([*args, str(out)]) == 0
    said = capsys.readouterr().err
    diary = pd.read_csv(out / "diary.csv")
    samples = diary["hours_in_bed"].sum() * 3600 * fs * 2
    written = sum(f.stat().st_size for f in out.glob("night-*/*.csv"))
    assert said.startswith(f"writing about {round(samples * 64 / 1e6)} MB of csv to {out}")
    assert "--format parquet or csv.gz" in said
    assert 0.8 < written / (samples * 64) < 1.2  # the estimate is right
    # the progress reaches its end, step by step: each night simulated, then each file written
    [task] = progress_log.tasks
    assert task["total"] == 2 * 3 and task["completed"] == 6
    steps = [(c[2], c[3]) for c in progress_log.calls if c[0] == "update"]
    assert steps[:4] == [("simulating night 1", 0), ("writing night 1: wrist-left.csv", 1),
                         ("writing night 1: ankle-left.csv", 2), ("writing night 1: ankle-left.csv", 3)]
    gz = tmp_path / "gz"
    assert main([*args, str(gz), "--format", "csv.gz"]) == 0
    assert "of csv.gz" in capsys.readouterr().err
    recs = read(gz / "night-01" / "wrist-left.csv.gz")
    assert recs[0].fs == fs and sum(f.stat().st_size for f in gz.glob("night-*/*.gz")) < written / 3


def test_a_simulation_never_writes_into_a_folder_with_files(tmp_path, capsys):
    """A second simulation into a participant's folder replaced its diary and night-01
    but kept its night-02 and another sensor's files: a mixed participant that batch
    processed without a word. Now an existing, non-empty --out is refused (an empty one
    is used)."""
    out = tmp_path / "p01"
    (out / "night-01").mkdir(parents=True)
    (out / "night-01" / "ankle-left.parquet").write_bytes(b"old")
    assert main(["simulate", "--nights", "1", "--out", str(out), "--fs", "10", "--locations", "wrist-left"]) == 1
    err = capsys.readouterr().err
    assert f"{out} already exists and is not empty; choose another --out" in err and err.count("\n") == 1
    assert sorted(p.name for p in out.rglob("*")) == ["ankle-left.parquet", "night-01"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["simulate", "--nights", "1", "--out", str(empty), "--fs", "10", "--locations",
                 "wrist-left", "--format", "parquet"]) == 0


def test_bad_arguments_give_one_line_and_nonzero_exit(capsys):
    assert main(["simulate", "--nights", "0", "--out", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--nights" in err[0]
    assert main(["simulate", "--out", "x", "--locations", "elbow"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hypnic: error: locations")
    assert main(["nonsense"]) == 2


def test_every_command_has_help():
    res = subprocess.run([sys.executable, "-m", "hypnic", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "simulate" in res.stdout and "demo" in res.stdout
    for cmd in ("simulate", "demo"):
        res = subprocess.run([sys.executable, "-m", "hypnic", cmd, "--help"], capture_output=True, text=True)
        assert res.returncode == 0 and "--out" in res.stdout
