"""``hypnic demo``: the whole pipeline on simulated nights, ending in a report."""

from __future__ import annotations

import sqlite3

import pytest

from hypnic.cli import main


def test_demo_writes_report_with_sections(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--nights", "4", "--seed", "2"]) == 0
    text = (out / "index.html").read_text()
    for section in ("summary", "overview", "timeline", "timing", "effects", "nights", "about"):
        assert f'id="{section}"' in text
    assert "Too few nights for a conclusion" in text
    printed = capsys.readouterr().out
    assert "4 nights:" in printed and f"report: {out / 'index.html'}" in printed
    con = sqlite3.connect(out / "demo.sqlite")
    assert con.execute("SELECT count(*) FROM nights").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM diary").fetchone()[0] == 4
    con.close()
    assert (out / "diary.csv").read_text().count("\n") == 5


@pytest.mark.slow
def test_demo_recovers_effects_with_truth_marked(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--nights", "16", "--seed", "3"]) == 0
    text = (out / "index.html").read_text()
    assert "true (simulated)" not in text  # a plot label, inside the PNG, not in the HTML
    assert "Black crosses mark the true simulated effects." in text
    assert "15 nights and" in text and "factors tested together" in text
    printed = capsys.readouterr().out
    assert "true RR" in printed and "antidepressant" in printed
