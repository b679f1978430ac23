"""Marks against detections: per night, over nights (Wilson interval), and in the report."""

import datetime as dt
import math

import pandas as pd
import pytest

from analysis.agreement import MIN_MARKS, agreement, compare_marks
from analysis.diary import DiaryEntry, add_entries, connect
from analysis.nights import nights_table, store_night
from analysis.report import build_report
from hypnic.workflows.night import process_night
from simulation import NightConfig, simulate_night


def ts(*s):
    return pd.to_datetime([f"2026-01-05T23:{x}Z" for x in s])


def test_compare_marks_counts_each_side():
    jerks = pd.DataFrame({"start": ts("00:00", "10:00", "20:00")})
    marks = pd.DataFrame({"start": ts("00:06", "10:20", "40:00")})  # 6 s, 20 s late, alone
    assert compare_marks(jerks, marks) == {"n_marks": 3, "n_marks_detected": 1,
                                           "n_marks_missed": 2, "n_jerks_unmarked": 2}
    none = compare_marks(jerks, marks.iloc[:0])
    assert none["n_marks"] == 0 and math.isnan(none["n_marks_detected"])


def test_agreement_has_a_wilson_interval_once_there_are_enough_marks():
    table = pd.DataFrame({"n_marks": [12, 8, 0], "n_marks_detected": [9, 6, math.nan],
                          "n_marks_missed": [3, 2, math.nan], "n_jerks_unmarked": [4, 1, math.nan],
                          "n_jerks": [13, 7, 5]})
    a = agreement(table)
    assert (a.nights, a.marks, a.marks_detected, a.jerks, a.jerks_marked) == (2, 20, 15, 20, 15)
    # Wilson 95 % interval of 15/20
    assert (a.share, a.low, a.high) == pytest.approx((0.75, 0.5313, 0.8881), abs=1e-4)
    assert a.enough and "75% agreement (95% interval 53-89%)" in a.message
    assert "not accuracy" in a.message
    few = agreement(table.iloc[1:])
    assert not few.enough and f"with {MIN_MARKS} or more" in few.message


def test_report_shows_marks_and_the_morning_self_report(tmp_path):
    total = 0
    with connect(tmp_path / "db.sqlite") as con:
        for seed in range(3):
            sim = simulate_night(NightConfig(fs=25, hours_in_bed=1, locations=("wrist-left",),
                                             start=f"2026-01-{5 + seed:02d}T22:30:00Z",
                                             n_jerks=5, n_markers=5, gaps_per_night=0), seed=seed)
            night = process_night(list(sim.recordings.values()), dt.timezone.utc)
            assert night.summary["n_marks"] == len(sim.markers) >= 3
            total += len(sim.markers)
            assert (night.markers["source"] == "tap").all()
            store_night(con, night)
        add_entries(con, [DiaryEntry(night=night.night, felt_jerks="a few", woke_by_jerk=True)])
        table = nights_table(con)
        path, _, _ = build_report(con, tmp_path / "report")
    a = agreement(table)
    assert a.marks == total >= MIN_MARKS and a.enough
    html = path.read_text()
    assert "Your own marks" in html and a.message.split(":")[0] in html
    assert "a few" in html and "woke by one" in html
    marks = html[html.index('id="marks"'):].split("</section>")[0]
    assert ">Mon 5 Jan 2026<" in marks and "2026-01-05" not in marks  # nights as the report writes them
