"""``hypnic demo``: the whole pipeline on simulated nights, ending in a report."""

from __future__ import annotations

import json
import sqlite3

import pytest

from hypnic.cli import main


def test_demo_writes_report_with_sections(tmp_path, capsys, progress_log):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--nights", "4", "--seed", "2", "--jobs", "2"]) == 0
    # the nights bar ends when the nights are done; the report is a separate step of
    # unknown length, not a bar stuck at 100 %
    nights_bar, report = progress_log.tasks
    assert nights_bar["total"] == nights_bar["completed"] == 4
    assert report["total"] is None and report["description"].startswith("fitting effects")
    assert progress_log.calls.index(("remove", 0)) < progress_log.calls.index(("add", 1, report["description"], None))
    text = (out / "index.html").read_text()
    for section in ("summary", "overview", "timeline", "timing", "effects", "nights", "about"):
        assert f'id="{section}"' in text
    assert "Too few nights for a conclusion" in text
    printed = capsys.readouterr().out
    assert "4 nights:" in printed and f"report: {out / 'index.html'}" in printed
    con = sqlite3.connect(out / "demo.sqlite")
    stored = con.execute("SELECT night, summary FROM nights ORDER BY night").fetchall()
    assert con.execute("SELECT count(*) FROM diary").fetchone()[0] == 4
    con.close()
    assert (out / "diary.csv").read_text().count("\n") == 5
    assert {p.name: p.stat().st_mode & 0o777 for p in out.iterdir() if p.name in ("diary.csv", "index.html")} \
        == {"diary.csv": 0o600, "index.html": 0o600}  # as every diary and report hypnic writes
    # nights processed in parallel are exactly the nights processed one by one
    from hypnic.commands.demo import DEMO_BASE_PER_H, _night
    from simulation import RateModel, simulate_diary

    diary = simulate_diary(4, 2, RateModel(base_per_h=DEMO_BASE_PER_H))
    serial = [_night(diary, i, 2)[0] for i in range(4)]
    assert [(str(n.night), json.dumps(n.summary)) for n in serial] == stored


@pytest.mark.slow
def test_demo_recovers_effects_with_truth_marked(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--nights", "16", "--seed", "3", "--jobs", "1"]) == 0
    text = (out / "index.html").read_text()
    assert "true (simulated)" not in text  # a plot label, inside the PNG, not in the HTML
    assert "Black crosses mark the true simulated effects." in text
    assert "15 of the 16 recorded nights analysed" in text and "factors looked at together" in text
    printed = capsys.readouterr().out
    assert "true RR" in printed and "antidepressant" in printed
