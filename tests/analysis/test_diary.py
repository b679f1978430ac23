"""Diary: validation, SQLite storage, CSV import/export."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from dataclasses import replace

import pytest

from analysis.diary import (
    DiaryEntry,
    DiaryError,
    add_entries,
    classify_medication,
    connect,
    diary_frame,
    edit_entry,
    import_csv,
    list_entries,
    night_of,
    read_csv,
    write_csv,
)

D = dt.date(2026, 1, 5)


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("stress", 11, "stress must be from 0 to 10, got 11"),
    ("tiredness", -1, "tiredness must be from 0 to 10, got -1"),
    ("hours_slept", 25.0, "hours_slept must be from 0 to 24, got 25"),
    ("caffeine_drinks", 2.5, "caffeine_drinks must be a whole number from 0 to 30"),
    ("bothersome", 12, "bothersome must be from 0 to 10"),
    ("bedtime", "24:10", "bedtime must be a local time HH:MM"),
])
def test_out_of_range_values_are_refused_with_the_range(field, value, expected):
    with pytest.raises(DiaryError, match=expected.replace("(", r"\(")):
        DiaryEntry(night=D, **{field: value})


def test_sleep_hours_derived_across_midnight_and_given_value_wins():
    assert DiaryEntry(night=D, bedtime="23:30", wake_time="07:00").sleep_hours() == 7.5
    assert DiaryEntry(night=D, bedtime="00:15", wake_time="06:45").sleep_hours() == 6.5
    assert DiaryEntry(night=D, hours_slept=5.0, bedtime="23:00", wake_time="07:00").sleep_hours() == 5.0
    assert DiaryEntry(night=D).sleep_hours() is None


def test_sleep_hours_across_a_clock_change_are_the_hours_that_passed():
    """Before: 22:30 to 07:30 read 9 h the night Berlin's clocks went forward (8 h passed)
    and 22:30 to 05:30 read 7 h the night they went back (8 h), a sleep debt off by 1 h."""
    from zoneinfo import ZoneInfo

    berlin, new_york = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
    spring, fall = dt.date(2026, 3, 28), dt.date(2026, 10, 24)
    assert DiaryEntry(night=spring, bedtime="22:30", wake_time="07:30").sleep_hours(berlin) == 8.0
    assert DiaryEntry(night=fall, bedtime="22:30", wake_time="05:30").sleep_hours(berlin) == 8.0
    assert DiaryEntry(night=fall, bedtime="01:30", wake_time="07:00").sleep_hours(berlin) == 6.5  # the 25th
    assert DiaryEntry(night=dt.date(2026, 3, 7), bedtime="23:00", wake_time="07:00").sleep_hours(new_york) == 7.0
    assert DiaryEntry(night=D, bedtime="23:30", wake_time="07:00").sleep_hours(berlin) == 7.5
    assert DiaryEntry(night=spring, bedtime="22:30", wake_time="07:30").sleep_hours() == 9.0  # wall clock


def test_antidepressant_classes_and_suggestion():
    assert classify_medication(" Sertraline ") == "SSRI"
    assert classify_medication("duloxetine") == "SNRI"
    assert classify_medication("amitriptyline") == "tricyclic"
    assert classify_medication("ibuprofen") is None
    assert DiaryEntry(night=D, medications=("melatonin", "Zoloft")).suggested_antidepressant()
    frame = diary_frame([DiaryEntry(night=D, medications=("escitalopram",)),
                         DiaryEntry(night=D + dt.timedelta(1), medications=("escitalopram",),
                                    antidepressant=False),
                         DiaryEntry(night=D + dt.timedelta(2))])
    assert frame["antidepressant"].tolist()[:2] == [1.0, 0.0]
    assert frame["antidepressant"].isna().tolist()[2]


def test_night_is_the_date_the_evening_started():
    utc = dt.timezone.utc
    assert night_of(dt.datetime(2026, 1, 5, 23, 40, tzinfo=utc), utc) == D
    assert night_of(dt.datetime(2026, 1, 6, 0, 30, tzinfo=utc), utc) == D
    assert night_of(dt.datetime(2026, 1, 6, 11, 59, tzinfo=utc), utc) == D
    # 23:30 UTC is 08:30 the next day in Tokyo: that morning belongs to the evening of the 5th
    from zoneinfo import ZoneInfo
    assert night_of(dt.datetime(2026, 1, 5, 23, 30, tzinfo=utc), ZoneInfo("Asia/Tokyo")) == D


def test_database_is_private_roundtrips_and_refuses_duplicates(tmp_path):
    db = tmp_path / "sub" / "hypnic.sqlite"
    e = DiaryEntry(night=D, hours_slept=6.5, stress=7, medications=("sertraline", "melatonin"),
                   antidepressant=True, notes="woke at 3 <b>", lost_consciousness=True)
    with connect(db) as con:
        add_entries(con, [e])
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    with connect(db) as con:
        assert list_entries(con) == [e]
        with pytest.raises(DiaryError, match="already in the diary"):
            add_entries(con, [e])
        new = edit_entry(con, D, stress=3)
        assert new.stress == 3 and new.notes == e.notes
        with pytest.raises(DiaryError, match="not in the diary"):
            edit_entry(con, D + dt.timedelta(1), stress=3)
        with pytest.raises(DiaryError, match="from 0 to 10"):
            edit_entry(con, D, stress=30)
        assert list_entries(con)[0].stress == 3


def test_newer_schema_and_foreign_files_are_refused(tmp_path):
    db = tmp_path / "x.sqlite"
    with connect(db):
        pass
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(DiaryError, match="schema version 99"):
        with connect(db):
            pass
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DiaryError, match="not a hypnic database"):
        with connect(junk):
            pass


def test_csv_export_import_roundtrip(tmp_path):
    entries = [DiaryEntry(night=D, hours_slept=7.25, bedtime="23:10", stress=4, caffeine_drinks=2,
                          caffeine_last="15:30", medications=("venlafaxine",), antidepressant=True,
                          notes='said "ouch", twice\nthen slept'),
               DiaryEntry(night=D + dt.timedelta(1), exercise_h=0.5, daytime_jerks=True)]
    assert read_csv(write_csv(entries)) == entries


def test_bad_csv_rows_are_listed_by_line_and_nothing_is_imported(tmp_path):
    db = tmp_path / "d.sqlite"
    text = ("night,stress,hours_slept,antidepressant\n"
            "2026-01-05,3,7,no\n"
            "2026-01-06,12,7,no\n"
            "\n"
            "2026-01-07,x,7,no\n"
            "2026-01-08,3,7,maybe\n"
            "2026-13-01,3,7,no\n"
            "2026-01-05,3,7\n"
            "2026-01-09,3,7,yes\n")
    with connect(db) as con:
        with pytest.raises(DiaryError) as info:
            import_csv(con, text)
        assert list_entries(con) == []
    msg = str(info.value)
    assert msg.startswith("5 bad row(s), nothing imported")
    for part in ("line 3: stress must be from 0 to 10, got 12", "line 5: stress must be a number",
                 "line 6: antidepressant must be yes/no",
                 "line 7: night 2026-13-01 is not a valid date (month must be in 1..12)",
                 "line 8: expected 4 values, got 3"):
        assert part in msg
    with pytest.raises(DiaryError, match=r"line 1: the header .*; no night \(not diary fields: day, mood\)$"):
        read_csv("day,mood\n2026-01-05,3\n")


def test_a_spreadsheet_diary_s_headers_are_read_as_the_fields_they_name(caplog):
    """A diary kept in a spreadsheet: ``Date``, words with spaces, a scale in brackets;
    a column that names no field is left out with a warning that names it."""
    import logging

    with caplog.at_level(logging.WARNING):
        got = read_csv("Date,Hours slept,Stress (0-10),Caffeine drinks,Coffees,Notes\n"
                       "2026-01-05,6.5,7,3,3,late dinner\n")
    assert got == [DiaryEntry(night=D, hours_slept=6.5, stress=7, caffeine_drinks=3, notes="late dinner")]
    assert "not diary fields: Coffees" in caplog.text
    with pytest.raises(DiaryError, match=r"line 2: night must be a date YYYY-MM-DD, got '05/01/2026' "
                                         r"\(day/month or month/day\? write the year first\)"):
        read_csv("Date,Stress\n05/01/2026,3\n")


def test_import_of_the_simulators_diary_keeps_its_bedtimes(tmp_path, caplog):
    """The diary.csv 'hypnic simulate' writes is imported as the cohort reads it
    (entries_from_simulation): bedtimes from its recording starts, wake and caffeine
    times too; before, its start, hours_in_bed and caffeine_last_h were left out."""
    import logging

    import pandas as pd

    from analysis.diary import entries_from_simulation
    from simulation import simulate_diary

    diary = simulate_diary(4, seed=3)
    with caplog.at_level(logging.WARNING), connect(tmp_path / "d.sqlite") as con:
        assert import_csv(con, diary.to_csv(index=False)) == 4  # as 'hypnic simulate' writes it
        stored = list_entries(con)
    assert stored == entries_from_simulation(diary)
    assert [e.bedtime for e in stored] == [pd.Timestamp(t).strftime("%H:%M") for t in diary["start"]]
    assert all(e.wake_time and e.caffeine_last for e in stored)
    assert "left out" not in caplog.text


def test_the_simulators_diary_with_a_noted_field_added_keeps_it(tmp_path):
    """A researcher adds to a simulated diary the columns of what a sleeper notes (a loss
    of consciousness, a bothersome rating, notes): they are read as those fields (before,
    dropped without a word, so no report or cohort page said to see a doctor); an empty
    cell is not noted."""
    import io

    import pandas as pd

    from analysis.diary import read_any_csv
    from simulation import simulate_diary

    diary = simulate_diary(3, seed=3).assign(lost_consciousness=[None, 1, None], bothersome=[None, 7, 2],
                                             notes=["", "woke twice", ""])
    text = diary.to_csv(index=False)
    assert pd.read_csv(io.StringIO(text))["bothersome"].dtype == float  # "7.0" in the file
    got = read_any_csv(text)
    assert [e.lost_consciousness for e in got] == [False, True, False]
    assert [e.bothersome for e in got] == [None, 7, 2] and [e.notes for e in got] == ["", "woke twice", ""]
    assert [e.stress for e in got] == list(diary["stress"])


def test_import_refuses_nights_already_present_unless_replace(tmp_path):
    db = tmp_path / "d.sqlite"
    with connect(db) as con:
        add_entries(con, [DiaryEntry(night=D, stress=1)])
        text = "night,stress\n2026-01-05,5\n2026-01-06,6\n"
        with pytest.raises(DiaryError, match="1 night\\(s\\) already in the diary"):
            import_csv(con, text)
        assert len(list_entries(con)) == 1
        assert import_csv(con, text, replace_existing=True) == 2
        assert [e.stress for e in list_entries(con)] == [5, 6]


def test_morning_self_report_and_an_older_database(tmp_path):
    import sqlite3

    from analysis.diary import DiaryEntry, DiaryError, add_entries, connect, get_entry, parse_field

    night = dt.date(2026, 1, 5)
    for felt in ("none", "a few", "many", "3"):
        assert DiaryEntry(night=night, felt_jerks=felt).felt_jerks == felt
    for bad in ("lots", "-1", "501"):
        with pytest.raises(DiaryError, match="felt_jerks"):
            DiaryEntry(night=night, felt_jerks=bad)
    assert parse_field("felt_jerks", " A few ") == "a few" and parse_field("woke_by_jerk", "yes")
    old = tmp_path / "old.sqlite"  # a schema-1 file: no self-report columns
    with sqlite3.connect(old) as con:
        con.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                          "INSERT INTO meta VALUES ('schema_version', '1');"
                          "CREATE TABLE diary (night TEXT PRIMARY KEY, hours_slept REAL, bedtime TEXT,"
                          " wake_time TEXT, stress INTEGER, tiredness INTEGER, caffeine_drinks INTEGER,"
                          " caffeine_last TEXT, alcohol_drinks INTEGER, exercise_h REAL,"
                          " medications TEXT NOT NULL DEFAULT '', antidepressant INTEGER,"
                          " bothersome INTEGER, lost_consciousness INTEGER NOT NULL DEFAULT 0,"
                          " daytime_jerks INTEGER NOT NULL DEFAULT 0, notes TEXT NOT NULL DEFAULT '');"
                          "INSERT INTO diary (night, stress) VALUES ('2026-01-04', 3);")
    with connect(old) as con:
        assert get_entry(con, dt.date(2026, 1, 4)).stress == 3
        add_entries(con, [DiaryEntry(night=night, felt_jerks="2", woke_by_jerk=True)])
    with connect(old) as con:
        e = get_entry(con, night)
    assert (e.felt_jerks, e.woke_by_jerk) == ("2", True)


def test_import_sets_the_antidepressant_flag_as_add_does_and_hints_at_typos(tmp_path, caplog):
    """One rule for add, edit and import: a known antidepressant sets the flag unless the
    row says; a name close to a known one is kept as written, with a hint."""
    from analysis.diary import antidepressant_rule, close_medication

    assert close_medication("sertralin") == "sertraline" and close_medication(" Zolof ") == "zoloft"
    for name in ("Sertraline", "melatonin", "reboxetine", "ibuprofen"):
        assert close_medication(name) is None
    e = DiaryEntry(night=D, medications=("melatonin", "Sertraline"))
    assert antidepressant_rule(e) == (replace(e, antidepressant=True), ["Sertraline (SSRI)"])
    assert antidepressant_rule(replace(e, antidepressant=False)) == (replace(e, antidepressant=False), [])
    text = ("night,medications,antidepressant\n2026-01-05,sertraline,\n2026-01-06,sertraline,no\n"
            "2026-01-07,sertralin,\n2026-01-08,sertraline; melatonin,\n")
    with connect(tmp_path / "d.sqlite") as con:
        assert import_csv(con, text) == 4
        got = {e.night.day: (e.medications, e.antidepressant) for e in list_entries(con)}
    assert got == {5: (("sertraline",), True), 6: (("sertraline",), False),
                   7: (("sertralin",), None), 8: (("sertraline", "melatonin"), True)}
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "sertraline (SSRI) is an antidepressant; antidepressant flag set on 2026-01-05, 2026-01-08 "
        "(write no in an antidepressant column to keep it clear)",
        "medication 'sertralin' (2026-01-07) kept as written: did you mean sertraline?"]


def test_csv_columns_may_be_named_as_the_cli_options():
    text = ("night,Slept,wake,caffeine,caffeine-last,alcohol,exercise,med,felt,woke,Lost-Consciousness\n"
            "2026-01-05,6.5,07:10,3,15:30,1,0.5,melatonin;zopiclone,a few,yes,no\n")
    assert read_csv(text) == [DiaryEntry(
        night=D, hours_slept=6.5, wake_time="07:10", caffeine_drinks=3, caffeine_last="15:30",
        alcohol_drinks=1, exercise_h=0.5, medications=("melatonin", "zopiclone"), felt_jerks="a few",
        woke_by_jerk=True, lost_consciousness=False)]
    with pytest.raises(DiaryError) as info:
        read_csv("night,caffeine,caffeine_drinks\n2026-01-05,1,2\n")
    assert str(info.value).endswith("; or the options slept, wake, caffeine, alcohol, exercise, med, "
                                    "felt, woke); named more than once: caffeine_drinks")


def test_columns_that_are_no_diary_field_are_left_out_with_one_warning(caplog):
    """A spreadsheet's own columns (and the simulator's diary.csv) import: never silently."""
    text = "night,stress,mood,start,\n2026-01-05,3,good,22:00,\n"
    assert read_csv(text) == [DiaryEntry(night=D, stress=3)]
    assert [r.getMessage() for r in caplog.records] == [
        'diary column(s) left out, not diary fields: mood, start, "" (fields: night, hours_slept, '
        "bedtime, wake_time, stress, tiredness, caffeine_drinks, caffeine_last, alcohol_drinks, "
        "exercise_h, medications, antidepressant, bothersome, lost_consciousness, daytime_jerks, "
        "felt_jerks, woke_by_jerk, notes)"]


def test_deleting_a_night_that_is_no_date_says_so(tmp_path):
    from analysis.diary import delete_entry

    with connect(tmp_path / "d.sqlite") as con:
        with pytest.raises(DiaryError) as info:
            delete_entry(con, "2026-02-30")
        assert str(info.value) == "night 2026-02-30 is not a valid date (day is out of range for month)"
        with pytest.raises(DiaryError) as info:
            delete_entry(con, "2026-02-03")
        assert str(info.value) == "night 2026-02-03 is not in the diary"
        # what an older hypnic stored is still removed as it was stored
        con.execute("INSERT INTO diary (night) VALUES ('2026-02-30')")
        delete_entry(con, "2026-02-30")
        assert con.execute("SELECT count(*) FROM diary").fetchone() == (0,)
