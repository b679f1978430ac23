"""The diary, nights and report commands, end to end through the CLI entry point."""

from __future__ import annotations

import os
import stat

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
    assert code == 1 and err.strip() == ("hypnic: error: night 2026-01-05 is already in the diary: change "
                                         "it with 'hypnic diary edit 2026-01-05 --stress 3 ...', or "
                                         "remove it with 'hypnic diary delete 2026-01-05'")
    code, _, err = run(capsys, "diary", "add", "2026-01-06", "--tiredness", "14", "--db", db)
    assert code == 1 and "tiredness must be from 0 to 10, got 14" in err
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
    code, _, err = run(capsys, "nights", "--location", "trunk", "--db", db)
    assert code == 1 and err == "hypnic: error: --location goes with --add (where each added file was worn)\n"


def test_report_on_an_empty_database(tmp_path, capsys):
    code, out, _ = run(capsys, "report", "--db", str(tmp_path / "e.sqlite"), "--out", str(tmp_path / "r"))
    text = (tmp_path / "r" / "index.html").read_text()
    assert code == 0 and "No recorded nights yet" in out
    assert "No recorded nights yet" in text and 'id="doctor"' not in text


def test_nights_on_an_empty_database_says_how_to_add_one(tmp_path, capsys):
    code, out, _ = run(capsys, "nights", "--db", str(tmp_path / "e.sqlite"))
    assert code == 0 and out == ("No nights yet: add a night's recording with hypnic nights --add "
                                 "FILE (or try hypnic demo).\n")


def test_nights_add_of_a_recording_awake_throughout_says_it_is_no_nights_count(tmp_path, capsys):
    """A real recording of someone up and about (impactr's hip file): stored, but said to
    hold no sleep, so its 0 is no night's count."""
    from pathlib import Path

    awake = Path(__file__).resolve().parents[1] / "data" / "real" / "impactr" / "hip-raw.csv"
    code, out, _ = run(capsys, "nights", "--add", str(awake), "--db", str(tmp_path / "n.sqlite"), "--tz", "UTC")
    assert code == 0
    assert ("night 2021-04-06 (UTC): no sleep found (awake throughout, or too short): stored, but no "
            "night's count") in " ".join(out.split())
