"""``hypnic batch`` on the command line, against an existing Dask scheduler."""

from __future__ import annotations

import pandas as pd
import pytest

from hypnic.cli import main
from hypnic.workflows.cohort import discover


def test_cli_batch_on_existing_scheduler_then_resume(cohort_copy, client, tmp_path, capsys):
    out = tmp_path / "out"
    diary = pd.read_csv(cohort_copy / "p02" / "diary.csv")  # p02 noted a loss of consciousness
    diary.assign(lost_consciousness=[0, 1, 0]).to_csv(cohort_copy / "p02" / "diary.csv", index=False)
    args = ["batch", str(cohort_copy), "--out", str(out), "--scheduler", client.scheduler.address,
            "--no-reports"]
    assert main(args) == 0
    stdout = capsys.readouterr().out
    n = len(discover(cohort_copy)[0])
    assert f"{n} nights processed, 0 already done, 0 failed" in stdout
    assert (f"Seeing a doctor is suggested in the report of 1 participant (p02); why: "
            f"{out / 'cohort.html'}.") in stdout
    truth = pd.read_csv(out / "truth.csv")  # p01's and p02's night folders hold truth/jerks.csv
    assert (f"Against the truth/jerks.csv of 6 night folders ({truth['n_true'].sum()} true jerks, within "
            f"0.5 s): {truth['tp'].sum()} counted") in stdout and f"Each night's: {out / 'truth.csv'}." in stdout
    assert len(pd.read_parquet(out / "nights.parquet")) == n
    assert not (out / "reports").exists()
    # a corrupt night added later: the others are not redone, the bad one is reported
    (cohort_copy / "p01" / "night-09").mkdir()
    (cohort_copy / "p01" / "night-09" / "wrist-left.csv").write_text("not, a recording\n")
    assert main(args) == 1
    cap = capsys.readouterr()
    assert f"0 nights processed, {n} already done, 1 failed" in cap.out
    assert cap.err.strip().splitlines()[-1] == f"hypnic: error: 1 night failed; see {out / 'failures.csv'}"
    assert "hypnic: warning: p01/night-09 failed: FormatError" in cap.err  # refused: not retried


def test_cli_batch_says_a_truth_file_failed_not_a_night(cohort_copy, client, tmp_path, capsys):
    (cohort_copy / "p01" / "night-01" / "truth" / "jerks.csv").write_text("time\nnot a time\n")
    out = tmp_path / "out"
    assert main(["batch", str(cohort_copy), "--out", str(out), "--scheduler", client.scheduler.address,
                 "--no-reports"]) == 1
    cap = capsys.readouterr()
    assert "hypnic: warning: p01/night-01/truth/jerks.csv failed: FormatError" in cap.err
    assert cap.err.strip().splitlines()[-1] == f"hypnic: error: 1 truth file failed; see {out / 'failures.csv'}"
    assert "Against the truth/jerks.csv of 5 night folders" in cap.out


def test_cli_batch_usage_errors(cohort_dir, tmp_path, capsys):
    assert main(["batch", str(cohort_dir), "--out", str(tmp_path), "--tz", "Mars/Olympus"]) == 1
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
    assert main(["batch", str(cohort_dir), "--out", str(tmp_path), "--scheduler", "tcp://x:1",
                 "--workers", "2"]) == 2
    assert main(["batch", str(tmp_path / "none"), "--out", str(tmp_path)]) == 1
    assert "no such cohort folder" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_batch_in_worker_processes_names_the_night_of_each_warning(cohort_dir, tmp_path):
    """The real command in a real process, its own local cluster of worker processes: a
    file cut short in one night warns with that night's name, and the cluster's own
    progress messages stay off the screen."""
    import shutil
    import subprocess
    import sys

    night = tmp_path / "in" / "p01" / "night-01"
    shutil.copytree(cohort_dir / "p01" / "night-01", night)
    wrist = night / "wrist-left.csv"
    wrist.write_text(wrist.read_text() + "2026-01-05T23:25:1")  # the last row cut short
    res = subprocess.run([sys.executable, "-m", "hypnic", "batch", str(tmp_path / "in"), "--out",
                          str(tmp_path / "out"), "--workers", "1", "--no-reports"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    lines = res.stderr.strip().splitlines()
    assert any(line.startswith("hypnic: warning: p01/night-01: wrist-left.csv: ") and "cut short" in line
               for line in lines), lines
    assert not [line for line in lines if not line.startswith("hypnic: warning: ")], lines


def test_a_failed_night_warns_on_one_line_whatever_the_console_width(tmp_path, monkeypatch, capsys):
    """On a console 40 columns wide, the warning of a night that failed is one line, its
    path whole and its brackets kept (rich wrapped it at the console's width, cutting the
    path, and would read '[...]' as markup), so it can be read and copied."""
    from types import SimpleNamespace

    import hypnic.workflows.cohort as cohort

    path = tmp_path / "cohort [2026]" / "p01" / "night-01" / "wrist-left.csv"
    error = f"FormatError: {path}: header 'x' has no axis x, y, z or time column"

    def failing_run(input_dir, out, config, progress):
        progress({"total": 1})
        progress({"ok": False, "participant": "p01", "night_id": "night-01", "attempts": 2,
                  "error": error})
        return SimpleNamespace(
            failures=pd.DataFrame({"participant": ["p01"], "night_id": ["night-01"], "error": [error]}),
            computed=[], skipped=[], seconds=0.1, cohort=None, outputs={}, nights=pd.DataFrame(),
            truth=pd.DataFrame())

    monkeypatch.setattr(cohort, "run_batch", failing_run)
    monkeypatch.setenv("COLUMNS", "40")
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert f"hypnic: warning: p01/night-01 failed after 2 attempts: {error}\n" in capsys.readouterr().err
