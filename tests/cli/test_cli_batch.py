"""``hypnic batch`` on the command line, against an existing Dask scheduler."""

from __future__ import annotations

import pandas as pd

from hypnic.cli import main
from hypnic.workflows.cohort import discover


def test_cli_batch_on_existing_scheduler_then_resume(cohort_copy, client, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["batch", str(cohort_copy), "--out", str(out), "--scheduler", client.scheduler.address,
            "--no-reports"]
    assert main(args) == 0
    stdout = capsys.readouterr().out
    n = len(discover(cohort_copy)[0])
    assert f"{n} nights processed, 0 already done, 0 failed" in stdout
    assert len(pd.read_parquet(out / "nights.parquet")) == n
    assert not (out / "reports").exists()
    # a corrupt night added later: the others are not redone, the bad one is reported
    (cohort_copy / "p01" / "night-09").mkdir()
    (cohort_copy / "p01" / "night-09" / "wrist-left.csv").write_text("not, a recording\n")
    assert main(args) == 1
    cap = capsys.readouterr()
    assert f"0 nights processed, {n} already done, 1 failed" in cap.out
    assert cap.err.strip().splitlines()[-1] == f"hypnic: error: 1 night failed; see {out / 'failures.csv'}"
    assert "hypnic: warning: p01/night-09 failed after 2 attempts: FormatError" in cap.err


def test_cli_batch_usage_errors(cohort_dir, tmp_path, capsys):
    assert main(["batch", str(cohort_dir), "--out", str(tmp_path), "--tz", "Mars/Olympus"]) == 1
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
    assert main(["batch", str(cohort_dir), "--out", str(tmp_path), "--scheduler", "tcp://x:1",
                 "--workers", "2"]) == 2
    assert main(["batch", str(tmp_path / "none"), "--out", str(tmp_path)]) == 1
    assert "no such cohort folder" in capsys.readouterr().err
