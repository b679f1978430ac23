"""The diary, nights and report commands, end to end through the CLI entry point."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys

import pytest

from hypnic.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_diary_add_edit_list_export_import(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal shows every column
    db = str(tmp_path / "d" / "diary.sqlite")
    code, out, _ = run(capsys, "diary", "add", "2026-01-05", "--slept", "6.5", "--stress", "7",
                       "--med", "Sertraline", "--med", "melatonin", "--notes", "[b]x", "--db", db)
    assert code == 0 and "Sertraline (SSRI) is an antidepressant; antidepressant flag set" in out
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    code, _, err = run(capsys, "diary", "add", "2026-01-05", "--db", db)
    assert code == 1 and err == (f"hypnic: error: night 2026-01-05 is already in the diary (remove it "
                                 f"with 'hypnic diary delete 2026-01-05 --db {db}'); change it with: "
                                 f"hypnic diary edit 2026-01-05 --stress 3 ... --db {db}\n")
    code, _, err = run(capsys, "diary", "add", "2026-01-06", "--tiredness", "14", "--db", db)
    assert code == 1 and err == "hypnic: error: --tiredness must be from 0 to 10, got 14\n"
    # the option typed, not the field behind it (before: 'hours_slept must be ...')
    code, _, err = run(capsys, "diary", "edit", "2026-01-05", "--slept", "30", "--db", db)
    assert code == 1 and err == "hypnic: error: --slept must be from 0 to 24, got 30\n"
    code, _, err = run(capsys, "diary", "add", "2026-01-06", "--felt", "lots", "--db", db)
    assert code == 1 and err.startswith("hypnic: error: --felt must be none, a few, many or a count")
    code, out, _ = run(capsys, "diary", "edit", "2026-01-05", "--bothersome", "4", "--db", db)
    assert code == 0 and "bothersome" in out
    code, out, _ = run(capsys, "diary", "list", "--db", db)
    assert code == 0 and "2026-01-05" in out and "[b]x" in out
    csv_path = tmp_path / "diary.csv"
    assert run(capsys, "diary", "export", str(csv_path), "--db", db)[0] == 0
    lines = csv_path.read_text().splitlines()
    assert lines[1].startswith("2026-01-05,6.5,") and ",Sertraline; melatonin,1,4,0,0,,,[b]x" in lines[1]
    db2 = str(tmp_path / "d2.sqlite")
    code, out, _ = run(capsys, "diary", "import", str(csv_path), "--db", db2)
    assert code == 0 and "imported 1 night(s)" in out
    assert run(capsys, "diary", "export", "-", "--db", db2)[1] == csv_path.read_text()


def test_diary_import_bad_rows_exit_1_with_line_numbers(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("night,stress\n2026-01-05,3\n2026-01-06,99\n")
    db = str(tmp_path / "d.sqlite")
    code, _, err = run(capsys, "diary", "import", str(bad), "--db", db)
    assert code == 1
    assert err.strip() == ("hypnic: error: 1 bad row(s), nothing imported: line 3: stress must "
                           "be from 0 to 10, got 99")
    assert run(capsys, "diary", "export", "-", "--db", db)[1].count("\n") == 1  # header only


def test_diary_add_on_a_night_already_there_suggests_the_options_typed(tmp_path, capsys):
    db = str(tmp_path / "d.sqlite")
    assert run(capsys, "diary", "add", "2026-01-05", "--stress", "2", "--db", db)[0] == 0
    code, _, err = run(capsys, "diary", "add", "2026-01-05", "--caffeine", "5", "--db", db)
    assert code == 1 and err == (f"hypnic: error: night 2026-01-05 is already in the diary (remove it "
                                 f"with 'hypnic diary delete 2026-01-05 --db {db}'); change it with: "
                                 f"hypnic diary edit 2026-01-05 --caffeine 5 --db {db}\n")
    code, _, err = run(capsys, "diary", "add", "2026-01-05", "--slept", "7", "--med", "a b", "--med", "x",
                       "--no-antidepressant", "--not-woken", "--notes", "bad night", "--db", db)
    assert code == 1 and err.endswith(
        "change it with: hypnic diary edit 2026-01-05 --slept 7 --med 'a b' --med x "
        f"--no-antidepressant --not-woken --notes 'bad night' --db {db}\n")
    # the command suggested does it
    assert run(capsys, "diary", "edit", "2026-01-05", "--caffeine", "5", "--db", db)[0] == 0
    assert ",2,,5," in run(capsys, "diary", "export", "-", "--db", db)[1]


def test_every_option_of_diary_add_and_edit_names_a_field_a_csv_may_use():
    """The CSV aliases are the CLI's own option names: one table (analysis.diary.ALIASES)."""
    import typer

    from analysis.diary import ALIASES, FIELDS, field_name
    from hypnic.app import app

    diary = typer.main.get_command(app).commands["diary"]
    for command in ("add", "edit"):
        options = [p for p in diary.commands[command].params if p.opts[0].startswith("--")]
        names = {p.opts[0][2:]: field_name(p.opts[0][2:]) for p in options if p.name != "db"}
        assert None not in names.values() and sorted(set(names.values())) == sorted(set(FIELDS) - {"night"})
        assert {k.replace("-", "_") for k, f in names.items() if k.replace("-", "_") != f} == set(ALIASES)


def test_diary_import_sets_the_antidepressant_flag_as_add_does(tmp_path, capsys, caplog):
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text("night,medications\n2026-01-05,sertraline\n")
    db = str(tmp_path / "d.sqlite")
    code, out, _ = run(capsys, "diary", "import", str(csv_path), "--db", db)
    assert code == 0 and out == f"imported 1 night(s) from {csv_path}\n"
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "sertraline (SSRI) is an antidepressant; antidepressant flag set on 2026-01-05 (write no in "
        "an antidepressant column to keep it clear)"]
    assert run(capsys, "diary", "export", "-", "--db", db)[1].splitlines()[1] == (
        "2026-01-05,,,,,,,,,,sertraline,1,,0,0,,,")


def test_a_medication_typo_gets_a_hint_and_is_kept_as_typed(tmp_path, capsys, caplog):
    db = str(tmp_path / "d.sqlite")
    code, out, _ = run(capsys, "diary", "add", "2026-01-05", "--med", "sertralin", "--db", db)
    assert code == 0 and out == ("note: medication 'sertralin' kept as typed: did you mean sertraline?\n"
                                 "added night 2026-01-05\n")
    code, out, _ = run(capsys, "diary", "edit", "2026-01-05", "--med", "sertraline", "--db", db)
    assert code == 0 and out == ("note: sertraline (SSRI) is an antidepressant; antidepressant flag set "
                                 "(use --no-antidepressant to clear it)\nchanged night 2026-01-05: "
                                 "medications\n")
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text("night,med\n2026-01-06,Zolof\n")
    assert run(capsys, "diary", "import", str(csv_path), "--db", db)[0] == 0
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "medication 'Zolof' (2026-01-06) kept as written: did you mean zoloft?"]
    assert [line.split(",")[10:12] for line in run(capsys, "diary", "export", "-", "--db", db)[1].splitlines()[1:]] == [
        ["sertraline", "1"], ["Zolof", ""]]


def test_diary_import_of_the_diary_hypnic_simulate_writes(tmp_path, capsys):
    out = tmp_path / "sim"
    assert run(capsys, "simulate", "--nights", "3", "--seed", "2", "--fs", "10", "--locations",
               "wrist-left", "--format", "parquet", "--out", str(out))[0] == 0
    db = str(tmp_path / "d.sqlite")
    res = subprocess.run([sys.executable, "-m", "hypnic", "diary", "import", str(out / "diary.csv"),
                          "--db", db], capture_output=True, text=True)  # the CLI's own logging
    assert res.returncode == 0 and res.stdout == f"imported 3 night(s) from {out / 'diary.csv'}\n"
    assert res.stderr == ""  # read as the cohort reads it: bedtimes from the recording starts
    import pandas as pd

    sim = pd.read_csv(out / "diary.csv")
    exported = pd.read_csv(io.StringIO(run(capsys, "diary", "export", "-", "--db", db)[1]))
    for column in ("hours_slept", "stress", "caffeine_drinks", "antidepressant"):
        assert exported[column].tolist() == sim[column].tolist()
    assert exported["bedtime"].tolist() == [pd.Timestamp(t).strftime("%H:%M") for t in sim["start"]]


@pytest.mark.parametrize("command", [("delete",), ("edit", "--stress", "3"), ("edit",), ("add",),
                                     ("add", "--stress", "3")])
def test_a_night_that_is_no_date_is_said_to_be_none(tmp_path, capsys, command):
    code, out, err = run(capsys, "diary", command[0], "2026-02-30", *command[1:],
                         "--db", _empty_db(tmp_path / "d.sqlite"))
    assert (code, out) == (1, "")
    assert err == "hypnic: error: night 2026-02-30 is not a valid date (day is out of range for month)\n"


def test_nights_and_report_on_a_database(sim_db, tmp_path, capsys):
    db, diary = sim_db
    code, out, _ = run(capsys, "nights", "--db", str(db), "--tz", "Asia/Tokyo")
    assert code == 0 and f"Nights ({len(diary)} recorded" in out and str(diary.night.iloc[0]) in out
    assert "times in Asia/Tokyo" in out
    from analysis.diary import connect
    from analysis.nights import load_nights

    with connect(db) as con:
        onset = load_nights(con)["onset"].iloc[0]
    first = next(line for line in out.splitlines() if str(diary.night.iloc[0]) in line)
    assert first.split()[1] == f"{onset.tz_convert('Asia/Tokyo'):%H:%M}"  # local time of falling asleep
    code, out, _ = run(capsys, "report", "--db", str(db), "--out", str(tmp_path / "r"), "--tz", "Asia/Tokyo")
    assert code == 0 and (tmp_path / "r" / "index.html").exists()
    assert "recorded nights analysed" in out and "report:" in out
    assert "Times are shown in Asia/Tokyo time." in (tmp_path / "r" / "index.html").read_text()
    code, _, err = run(capsys, "nights", "--db", str(db), "--tz", "Mars/Olympus")
    assert code == 1 and "unknown time zone" in err and err.count("\n") == 1


def test_report_since_until_holds_only_those_nights(sim_db, tmp_path, capsys):
    """A report of the month before a doctor's visit, or of the nights since a new
    medication: only those nights' counts, events and diary; the page says which nights
    and how many were left out; a range holding none is an error naming what there is."""
    import shutil

    from analysis.diary import connect
    from analysis.nights import nights_table

    db, diary = tmp_path / "t.sqlite", sim_db[1]
    shutil.copy(sim_db[0], db)
    nights = [str(n) for n in diary.night]
    with connect(db) as con:
        table = nights_table(con)
    chosen = table.loc[diary.night.iloc[3]:diary.night.iloc[9]]
    # a loss of consciousness noted on a night left out still calls for a doctor
    assert run(capsys, "diary", "edit", nights[1], "--lost-consciousness", "--db", str(db))[0] == 0
    out = tmp_path / "r"
    code, printed, _ = run(capsys, "report", "--db", str(db), "--out", str(out), "--since", nights[3],
                           "--until", nights[9], "--tz", "UTC")
    text = " ".join((out / "index.html").read_text().split())
    assert code == 0 and "Over 7 recorded nights, from " in text
    assert f"hypnic counted {int(chosen['n_jerks'].sum())} jerks" in text
    assert "(9 other nights left out)." in text and "Only the nights from " in text
    from analysis.plots import night_label

    first = diary.night.iloc[1]
    assert f"You noted a loss of consciousness ({night_label(first)} {first.year})" in text
    assert "(Only the nights asked for are in this report: a wider --since or --until may hold enough.)" in printed
    rows = {n for n in diary.night if f'<th scope="row">{night_label(n)} {n.year}</th>' in text}
    assert rows == set(diary.night.iloc[3:10])  # the nights table lists those nights alone
    code, _, err = run(capsys, "report", "--db", str(db), "--out", str(out), "--since", "2030-01-01")
    assert (code, err) == (1, f"hypnic: error: no recorded night or diary entry from 2030-01-01 on: "
                              f"the database holds {nights[0]} to {nights[-1]}\n")
    code, _, err = run(capsys, "report", "--db", str(db), "--out", str(out), "--since", nights[9],
                       "--until", nights[3])
    assert (code, err) == (1, f"hypnic: error: the first night asked for, {nights[9]}, is after the "
                              f"last, {nights[3]}\n")


def _traveller(sim_db, tmp_path):
    """A copy of the simulated database whose nights were recorded in Berlin, but the
    second in New York; returns its path and the nights (YYYY-MM-DD)."""
    import shutil
    import sqlite3

    db = tmp_path / "t.sqlite"
    shutil.copy(sim_db[0], db)
    nights = [str(n) for n in sim_db[1].night]
    with sqlite3.connect(db) as con:
        con.execute("UPDATE nights SET tz = 'Europe/Berlin'")
        con.execute("UPDATE nights SET tz = 'America/New_York' WHERE night = ?", (nights[1],))
    return db, nights


def test_nights_of_a_traveller_say_which_zone_each_time_is_in(sim_db, tmp_path, capsys):
    """Nights recorded in two zones: the title named both, but no row said which it was
    in (a traveller read a New York 23:10 as Berlin's). Each time now carries its zone's
    name, at that night's date (CET in January), within 80 columns."""
    db, nights = _traveller(sim_db, tmp_path)
    code, out, _ = run(capsys, "nights", "--db", str(db))
    assert code == 0 and "times in America/New_York, Europe/Berlin" in " ".join(out.split())
    lines = [line for line in out.splitlines() if line.split() and line.split()[0] in nights]
    rows = {line.split()[0]: line.split() for line in lines}
    assert rows[nights[0]][2] == "CET" and rows[nights[1]][2] == "EST" and rows[nights[2]][2] == "CET"
    assert "at: time of falling asleep (in the night's own zone)" in out
    assert len(lines) == len(nights) and max(map(len, lines)) <= 80
    code, out, _ = run(capsys, "nights", "--db", str(db), "--tz", "Europe/Berlin")  # one zone: no names
    assert code == 0 and "CET" not in out and "EST" not in out


def test_nights_csv_writes_every_night_with_times_in_its_zone(sim_db, tmp_path, capsys):
    """``nights --csv FILE``: a sleeper's nights, figures and diary in one CSV (for a
    spreadsheet or a doctor), readable by them alone; each onset in its night's zone with
    its offset; ``-`` prints it."""
    import os

    import pandas as pd

    from analysis.diary import connect
    from analysis.nights import nights_table

    db, nights = _traveller(sim_db, tmp_path)
    code, out, _ = run(capsys, "nights", "--db", str(db), "--csv", str(tmp_path / "n.csv"))
    assert (code, out) == (0, f"exported {len(nights)} nights to {tmp_path / 'n.csv'}\n")
    assert os.stat(tmp_path / "n.csv").st_mode & 0o777 == 0o600
    got = pd.read_csv(tmp_path / "n.csv", dtype={"night": str})
    with connect(db) as con:
        table = nights_table(con)
    assert got["night"].tolist() == nights and list(got.columns) == ["night", *table.columns]
    assert got["n_jerks"].tolist() == table["n_jerks"].tolist()
    assert got["stress"].tolist() == pytest.approx(table["stress"].tolist(), nan_ok=True)
    onsets = [pd.Timestamp(t) for t in got["onset"]]
    assert [t.utcoffset().total_seconds() / 3600 for t in onsets[:3]] == [1, -5, 1]  # CET, EST, CET
    assert [t.tz_convert("UTC") for t in onsets] == table["onset"].tolist()
    code, out, _ = run(capsys, "nights", "--db", str(db), "--csv", "-")
    assert code == 0 and out == (tmp_path / "n.csv").read_text()


def test_nights_delete_removes_a_recorded_night_and_keeps_its_diary_entry(sim_db, tmp_path, capsys):
    """A night added by mistake (a sensor left on the desk, a test in the afternoon) was in
    every report for good: only the diary had a delete. The recorded night goes with all
    it stored; its diary entry stays, and the message says how to remove that too."""
    import shutil
    import sqlite3

    db = tmp_path / "t.sqlite"
    shutil.copy(sim_db[0], db)
    gone, kept = (str(n) for n in sim_db[1].night.iloc[:2])
    tables = ("nights", "events", "activity", "markers", "diary")

    def rows(night):
        with sqlite3.connect(db) as con:
            return {t: con.execute(f"SELECT count(*) FROM {t} WHERE night = ?", (night,)).fetchone()[0]
                    for t in tables}

    with sqlite3.connect(db) as con:  # a mark (two taps) of that night
        con.execute("INSERT INTO markers VALUES (?, ?, ?)", (gone, 0, "taps"))
    before, other = rows(gone), rows(kept)
    assert before["nights"] == before["diary"] == before["markers"] == 1 and before["activity"] > 0
    from analysis.diary import connect
    from analysis.nights import load_nights

    with connect(db) as con:
        n_jerks = int(load_nights(con).loc[sim_db[1].night.iloc[0], "n_jerks"])
    code, out, _ = run(capsys, "nights", "--delete", gone, "--db", str(db))
    assert code == 0 and out.startswith(
        f"deleted recorded night {gone} ({n_jerks} jerks); its diary entry is kept "
        f"(hypnic diary delete {gone} removes it)\n")
    assert rows(gone) == {"nights": 0, "events": 0, "activity": 0, "markers": 0, "diary": 1}
    assert rows(kept) == other
    assert f"Nights ({len(sim_db[1]) - 1} recorded" in out  # the list follows, without it
    code, out, _ = run(capsys, "diary", "delete", kept, "--db", str(db))  # and the other way round
    assert (code, out) == (0, f"deleted the diary entry of night {kept}; its recorded night is kept "
                              f"(hypnic nights --delete {kept} removes it)\n")
    other["diary"] = 0
    code, _, err = run(capsys, "nights", "--delete", gone, "--db", str(db))
    assert (code, err) == (1, f"hypnic: error: night {gone} is not among the recorded nights "
                              "('hypnic nights' lists them)\n")
    code, out, err = run(capsys, "nights", "--delete", kept, "--delete", gone, "--db", str(db))
    assert (code, out) == (1, "") and "not among the recorded nights" in err
    assert rows(kept) == other  # all or none
    code, _, err = run(capsys, "nights", "--delete", "2026-02-30", "--db", str(db))
    assert (code, err) == (1, "hypnic: error: night 2026-02-30 is not a valid date (day is out of range "
                              "for month)\n")
    code, _, err = run(capsys, "nights", "--delete", kept, "--add", "x.csv", "--db", str(db))
    assert (code, err) == (1, "hypnic: error: --delete and --add go in separate runs (adding a night "
                              "again replaces it)\n")
    assert rows(kept) == other


def test_nights_add_runs_the_detector_and_stores_its_result(tmp_path, capsys):
    from analysis.diary import connect
    from analysis.nights import load_nights, summarise_night
    from detection import detect_night
    from simulation import NightConfig, save_night, simulate_night

    night = simulate_night(NightConfig(fs=25.0, locations=("wrist-left", "ankle-left"),
                                       hours_in_bed=1.0, n_jerks=5, start="2026-03-02T23:30:00Z"), seed=4)
    folder = save_night(night, tmp_path / "n")
    db = str(tmp_path / "h.sqlite")
    code, out, _ = run(capsys, "nights", "--add", str(folder / "wrist-left.csv"),
                       "--add", str(folder / "ankle-left.csv"), "--tz", "UTC", "--db", db,
                       "--location", "wrist-right", "--location", "ankle-right")
    from sensing.readers import read
    recs = [r for p, loc in (("wrist-left.csv", "wrist-right"), ("ankle-left.csv", "ankle-right"))
            for r in read(folder / p, location=loc)]
    result = detect_night(recs)
    expected = summarise_night(result.events, result.sleep, 1.0)["n_jerks"]
    assert code == 0 and f"night 2026-03-02 (UTC): {expected} jerks stored" in out
    with connect(db) as con:
        stored = load_nights(con)
        locations = {r[0] for r in con.execute("SELECT location FROM events")}
    assert stored["recordings"].tolist() == ["wrist-left.csv;ankle-left.csv"]
    assert stored["n_jerks"].tolist() == [expected] and stored["tz"].tolist() == ["UTC"]
    assert locations <= {"wrist-right", "ankle-right"} and locations  # --location reached the night
    summary = summarise_night(result.events, result.sleep, 1.0)
    listed = " ".join(out.split())  # an ankle was worn: its PLMs an hour asleep are listed
    assert stored["plm_per_h_sleep"].tolist() == [pytest.approx(summary["plm_per_h_sleep"])]
    assert "plm/h" in listed and "plm/h: periodic leg movements per hour asleep (with a leg sensor)" in listed
    code, _, err = run(capsys, "nights", "--location", "trunk", "--db", db)
    assert code == 1 and err == "hypnic: error: --location goes with --add (where each added file was worn)\n"


def _empty_db(path):
    from analysis.diary import connect

    with connect(path):
        pass
    return str(path)


def test_report_on_an_empty_database(tmp_path, capsys):
    code, out, _ = run(capsys, "report", "--db", _empty_db(tmp_path / "e.sqlite"), "--out", str(tmp_path / "r"))
    text = (tmp_path / "r" / "index.html").read_text()
    assert code == 0 and "No recorded nights yet" in out
    assert "No recorded nights yet" in text and 'id="doctor"' not in text


def test_nights_on_an_empty_database_says_how_to_add_one(tmp_path, capsys):
    code, out, _ = run(capsys, "nights", "--db", _empty_db(tmp_path / "e.sqlite"))
    assert code == 0 and out == ("No nights yet: add a night's recording with hypnic nights --add "
                                 "FILE (or try hypnic demo).\n")


def test_nights_add_of_a_recording_awake_throughout_says_it_is_no_nights_count(tmp_path, capsys, caplog,
                                                                               monkeypatch):
    """A real recording of someone up and about (impactr's hip file): stored, but said to
    hold no sleep, so its 0 is no night's count; the list shows no count of 0 jerks near
    an onset or 0 awakenings for it, and a warning of its replacement says 'no sleep
    found', not 'now 0'."""
    import shutil
    from pathlib import Path

    monkeypatch.setenv("COLUMNS", "100")
    awake = Path(__file__).resolve().parents[1] / "data" / "real" / "impactr" / "hip-raw.csv"
    db = str(tmp_path / "n.sqlite")
    code, out, _ = run(capsys, "nights", "--add", str(awake), "--db", db, "--tz", "UTC")
    assert code == 0
    assert ("night 2021-04-06 (UTC): no sleep found (awake throughout, or too short): stored, but no "
            "night's count ('hypnic nights --delete 2021-04-06' removes it)") in " ".join(out.split())
    row = next(line for line in out.splitlines() if line.startswith(" 2021-04-06"))
    assert row.split() == ["2021-04-06", "no", "sleep"]  # before: 0 jerks, 0 near onset, 0 wakes
    assert out.rstrip().endswith("; no sleep: a recording in which no sleep was found (no night's count)")
    shutil.copy(awake, tmp_path / "hip-again.csv")
    assert run(capsys, "nights", "--add", str(tmp_path / "hip-again.csv"), "--db", db, "--tz", "UTC")[0] == 0
    assert [r.getMessage() for r in caplog.records if "replaces" in r.getMessage()] == [
        "night 2021-04-06: hip-again.csv replaces what hip-raw.csv gave (no sleep found, now no sleep "
        "found); give all the files of one night together (--add A --add B) to file them as one"]


def test_diary_edit_keeps_an_antidepressant_flag_said_no(tmp_path, capsys):
    """The rule sets the flag only when it is not given: a later edit of another field
    does not undo --no-antidepressant."""
    db = str(tmp_path / "d.sqlite")
    code, out, _ = run(capsys, "diary", "add", "2026-01-05", "--med", "sertraline", "--no-antidepressant",
                       "--db", db)
    assert (code, out) == (0, "added night 2026-01-05\n")
    code, out, _ = run(capsys, "diary", "edit", "2026-01-05", "--stress", "3", "--db", db)
    assert (code, out) == (0, "changed night 2026-01-05: stress\n")
    assert run(capsys, "diary", "export", "-", "--db", db)[1].splitlines()[1].split(",")[10:12] == [
        "sertraline", "0"]


def test_diary_list_on_an_80_column_terminal_shows_medications_and_notes(tmp_path, capsys, monkeypatch):
    """The usual terminal width: the medications and notes columns keep room (they had
    a width of nothing and were left out of the table)."""
    monkeypatch.setenv("COLUMNS", "80")
    db = str(tmp_path / "d.sqlite")
    assert run(capsys, "diary", "add", "2026-01-05", "--slept", "6.5", "--stress", "7", "--med", "melatonin",
               "--notes", "Café à 17h", "--db", db)[0] == 0
    code, out, _ = run(capsys, "diary", "list", "--db", db)
    lines = out.splitlines()
    assert code == 0 and lines[0].strip() == "Diary (1 night)"
    assert lines[2].split() == ["night", "slept", "str", "tir", "caf", "alc", "ex", "h", "AD", "both",
                                "LOC", "day", "medications", "notes"]
    assert lines[4].split() == ["2026-01-05", "6.5", "7", "0", "0", "melatonin", "Café", "à", "17h"]
    assert max(map(len, lines[:-1])) <= 80


def test_diary_list_of_an_empty_diary_says_how_to_add_a_night(tmp_path, capsys):
    code, out, _ = run(capsys, "diary", "list", "--db", _empty_db(tmp_path / "e.sqlite"))
    assert (code, out) == (0, "No diary entries yet: log a night with hypnic diary add (or hypnic "
                              "diary import FILE.csv).\n")


@pytest.mark.parametrize("command", [("list",), ("export", "-"), ("edit", "2026-01-05", "--stress", "3"),
                                     ("delete", "2026-01-05")])
def test_a_diary_command_on_a_missing_db_makes_none(tmp_path, capsys, command):
    """A typo in --db: one error line, and no empty database where it pointed (before, the
    command made one and listed an empty diary, or said the night was not in it)."""
    typo = tmp_path / "nosuchdir" / "diary.sqlite"
    code, out, err = run(capsys, "diary", *command, "--db", str(typo))
    assert (code, out) == (1, "")
    assert err == (f"hypnic: error: no hypnic database at {typo}: give the file 'hypnic diary add' or "
                   "'hypnic nights --add' filled, or leave --db out for your own\n")
    assert not typo.parent.exists()


def test_diary_add_of_a_night_that_has_not_come_says_so(tmp_path, capsys, monkeypatch):
    """A wrong year or month typed: the entry is kept (a night may be logged ahead) with
    a note naming the command that removes it; a night up to tonight gets no note."""
    import datetime as dt

    monkeypatch.setattr("hypnic.commands.diary._tonight", lambda: dt.date(2026, 12, 6))
    db = str(tmp_path / "d.sqlite")
    code, out, _ = run(capsys, "diary", "add", "2027-06-01", "--stress", "3", "--db", db)
    assert (code, out) == (0, "added night 2027-06-01\nnote: night 2027-06-01 has not come yet (the "
                              f"latest is 2026-12-06); if the date is wrong: hypnic diary delete "
                              f"2027-06-01 --db {db}\n")
    assert run(capsys, "diary", "delete", "2027-06-01", "--db", db)[:2] == (0, "deleted the diary entry of night 2027-06-01\n")
    assert run(capsys, "diary", "add", "2026-12-06", "--db", db)[:2] == (0, "added night 2026-12-06\n")
    assert run(capsys, "diary", "add", "--stress", "1", "--db", str(tmp_path / "d2.sqlite"))[:2] == (
        0, "added night 2026-12-06\n")  # the default night is the latest
    # edit takes the same default night as add (it asked for a date)
    code, out, _ = run(capsys, "diary", "edit", "--stress", "4", "--db", str(tmp_path / "d2.sqlite"))
    assert code == 0 and "2026-12-06" in out
