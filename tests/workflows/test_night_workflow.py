"""The one-night workflow: the same result from ``hypnic detect``, ``hypnic nights --add``
and a cohort task; one sleep-window serialiser; one record of a night in a cohort run."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pandas as pd
import pytest

from detection import JERK_SHAPED, detect_night
from hypnic.cli import main
from hypnic.workflows.cohort import NightTask, night_record, process_task
from hypnic.workflows.night import (
    process_files,
    process_night,
    process_nights,
    read_files,
    read_times,
    write_events,
    write_sleep,
)
from sensing.errors import HypnicError
from simulation import NightConfig, save_night, simulate_night


@pytest.fixture(scope="module")
def night_files(tmp_path_factory):
    """A 1 h, 25 Hz wrist + ankle night written as files, and its truth."""
    night = simulate_night(NightConfig(fs=25, hours_in_bed=1.0, locations=("wrist-left", "ankle-left"),
                                       n_jerks=4, gaps_per_night=0), seed=3)
    d = save_night(night, tmp_path_factory.mktemp("night"))
    return night, [d / "wrist-left.csv", d / "ankle-left.csv"]


def test_detect_nights_add_and_a_cohort_task_share_one_workflow(night_files, tmp_path, capsys):
    _, files = night_files
    night = process_files(files, "UTC")
    assert night.recordings == ("wrist-left.csv", "ankle-left.csv")
    # hypnic detect writes exactly the workflow's events and sleep window
    out, sleep = tmp_path / "e.csv", tmp_path / "s.json"
    assert main(["detect", *map(str, files), "--out", str(out), "--sleep-out", str(sleep)]) == 0
    assert out.read_bytes() == write_events(night.events, tmp_path / "mine.csv").read_bytes()
    info = json.loads(sleep.read_text())
    assert {k: info[k] for k in night.sleep.to_dict()} == json.loads(json.dumps(night.sleep.to_dict()))
    # hypnic nights --add stores the same summary and sleep window
    db = tmp_path / "db.sqlite"
    assert main(["nights", "--add", str(files[0]), "--add", str(files[1]), "--db", str(db), "--tz", "UTC"]) == 0
    with sqlite3.connect(db) as con:
        summary, stored_sleep = con.execute("SELECT summary, sleep FROM nights").fetchone()
    assert json.loads(summary) == pytest.approx(night.summary, nan_ok=True)
    assert json.loads(stored_sleep) == json.loads(json.dumps(night.sleep.to_dict()))
    # a cohort task is the same call
    task, = process_task(NightTask("p01", "night-01", tuple(map(str, files))), "UTC")
    pd.testing.assert_frame_equal(task.events, night.events)
    assert task.summary == pytest.approx(night.summary, nan_ok=True) and task.night == night.night
    capsys.readouterr()


@pytest.fixture(scope="module")
def two_days():
    """Two days and nights on one wrist (the biomechanical model's week, cut short) and
    the nights the workflow finds in them (simulated once for the tests that use them)."""
    from dataclasses import replace

    from simulation.biomech import BIOMECH_VARIANTS, simulate_biomech_night

    sim = simulate_biomech_night(replace(BIOMECH_VARIANTS["week"], n_nights=2, jerks_per_night=(3, 5)),
                                 seed=1)
    return sim, tuple(process_nights(list(sim.recordings.values()), dt.timezone.utc))


def test_a_recording_of_two_nights_gives_two_nights_each_with_its_own_count(two_days, caplog):
    """Two days and nights on one wrist (the biomechanical model's week, cut short): each
    night is named by its own evening and counts only its own sleep starts."""
    sim, nights = two_days
    recs = list(sim.recordings.values())
    true_onsets = [p["onset"] for p in sim.sleep["periods"] if p["kind"] == "night"]
    assert [n.night for n in nights] == [t.date() for t in true_onsets]  # evenings, not mornings
    for n, onset in zip(nights, true_onsets, strict=True):
        assert abs((n.sleep.onset - onset).total_seconds()) < 3600
        groups = n.events.loc[n.events["kind"] == "jerk", "group_id"].nunique()
        assert n.summary["n_jerks"] == groups  # its own jerks only
        assert 5 < n.summary["hours_day"] < 10 and n.summary["hours_recorded"] < 17
    whole = detect_night(recs).jerks["group_id"].nunique()  # no jerk lost or counted twice
    assert sum(n.summary["n_jerks"] for n in nights) == whole
    # the one-night workflow gives the longest night and says the rest are left out
    with caplog.at_level("WARNING"):
        one = process_night(recs, dt.timezone.utc)
    assert one.night in [n.night for n in nights] and "holds 2 nights" in caplog.text
    assert "is kept here (its summary, events and sleep): 'hypnic nights --add' (or 'hypnic batch') files each" in caplog.text


def test_a_cohorts_file_of_two_nights_gives_two_nights_in_its_tables(two_days, tmp_path, client, capsys):
    """A participant's file of several days and nights (a week's wear, as most studies
    record) is cut into its nights in a cohort run too, each with its own count and its
    own events, as ``hypnic nights --add`` files them (before: only the longest was kept,
    the others dropped with a warning that pointed to nights --add)."""
    from hypnic.workflows.cohort import gather, is_done, run_night
    from sensing.generic import write_parquet

    sim, nights = two_days
    (tmp_path / "in" / "p01").mkdir(parents=True)
    f = write_parquet(sim.recordings["wrist-left"], tmp_path / "in" / "p01" / "week.parquet")
    task = NightTask("p01", "week.parquet", (str(f),))
    assert run_night(task, str(tmp_path / "out"), "UTC")["ok"] and is_done(tmp_path / "out", task)
    events, table, per, problems = gather(tmp_path / "out", [task], tmp_path / "in")
    assert problems == [] and table["night_id"].tolist() == ["week.parquet"] * 2
    assert table["night"].tolist() == [n.night for n in nights]
    assert table["n_jerks"].tolist() == [n.summary["n_jerks"] for n in nights]
    for n in nights:  # each night's events are its own
        mine = events[events["night"] == n.night].drop(columns=["participant", "night_id", "night"])
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), n.events.reset_index(drop=True), check_dtype=False)
    assert per["p01"][0].index.tolist() == [n.night for n in nights]  # the report's nights
    assert main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--no-reports",
                 "--scheduler", client.scheduler.address]) == 0
    said = capsys.readouterr().out
    assert "0 nights processed, 1 already done, 0 failed, in " in said
    assert "s; 2 nights in the tables (a recording of several nights gives each)" in said


def test_time_off_the_body_is_filed_with_its_night_and_not_as_recorded_time(two_days):
    """Two days and nights whose logger lay 2.5 h on the desk before it was put on: the
    first night files those hours as off the body, neither night as recorded."""
    from simtruth import put_on_later

    sim, worn = two_days
    later = process_nights([put_on_later(r, 2.5) for r in sim.recordings.values()], dt.timezone.utc)
    assert [n.night for n in later] == [n.night for n in worn]
    assert [n.summary["hours_off"] for n in later] == [pytest.approx(2.5, abs=0.02), 0.0]
    for a, b in zip(worn, later, strict=True):
        assert b.summary["hours_recorded"] == pytest.approx(a.summary["hours_recorded"], abs=0.02)
        assert b.summary["n_jerks"] == a.summary["n_jerks"]


def test_a_zone_is_a_name_or_a_zone_object_everywhere(night_files):
    """process_files, process_night and hypnic.read take the sleeper's zone as an IANA
    name or as a zone object alike (a name to process_night was a TypeError, a ZoneInfo
    to process_files or read "unknown time zone 'Europe/Paris'")."""
    from zoneinfo import ZoneInfo

    from sensing.readers import read

    _, files = night_files
    by_name, by_zone = process_files(files, "Europe/Paris"), process_files(files, ZoneInfo("Europe/Paris"))
    assert by_name.tz == by_zone.tz == "Europe/Paris" and by_name.summary == pytest.approx(by_zone.summary, nan_ok=True)
    recs = read_files(files)
    assert process_night(recs, "Europe/Paris").tz == process_night(recs, ZoneInfo("Europe/Paris")).tz == "Europe/Paris"
    assert read(files[0], tz=ZoneInfo("Asia/Tokyo"))[0].time_ns[0] == read(files[0], tz="Asia/Tokyo")[0].time_ns[0]


def test_read_files_gives_one_location_per_file(night_files):
    _, files = night_files
    recs = read_files(files, locations=["wrist-right", "ankle-right"])
    assert [r.location for r in recs] == ["wrist-right", "ankle-right"]
    with pytest.raises(HypnicError, match="one --location per file: 2 file"):
        read_files(files, locations=["trunk"])
    one, = read_files(str(files[0]), locations="wrist-right")  # one path, one location: not letters
    assert one.location == "wrist-right"
    assert process_files(files[0]).recordings == ("wrist-left.csv",)
    with pytest.raises(HypnicError, match="no recording holds a sample"):
        process_night([one.slice_time(0, 0)])  # (an IndexError)


def test_process_night_takes_one_recording_and_names_what_it_cannot(night_files):
    """Before: one Recording (as detect_night takes) or None raised TypeError 'not
    iterable', a path AttributeError, and tz=3 the TypeError of datetime."""
    _, files = night_files
    one, = read_files([files[0]])
    assert pd.Series(process_night(one, "UTC").summary).equals(pd.Series(process_night([one], "UTC").summary))
    for bad, message in [
            (None, "process_night takes a Recording or a list of them, got a NoneType (read a "
                   "file with hypnic.read; a DataFrame with Recording.from_frame)"),
            (str(files[0]), "process_night takes a Recording or a list of them, got a str (read "
                            "a file with hypnic.read; a DataFrame with Recording.from_frame)")]:
        with pytest.raises(HypnicError) as caught:
            process_night(bad)
        assert str(caught.value) == message
    with pytest.raises(TypeError) as caught:
        process_night([one], tz=3)
    assert str(caught.value) == ("process_night: tz must be a tzinfo or an IANA zone name "
                                 "(Europe/Paris), got int 3")


def test_the_parts_of_a_recording_stopped_and_started_again_are_one_sensor(night_files, tmp_path, caplog):
    """A wrist recording stopped after 25 min and started again 2 min later: its two files
    are one sensor (the 2 min a gap), in either order, and the night they make is filed
    once. Filed one part after the other, the second replaces the first, and says so."""
    from sensing.generic import write_csv

    night, _ = night_files
    rec = night.recordings["wrist-left"]
    t0 = int(rec.time_ns[0])
    first = write_csv(rec.slice_time(t0, t0 + 25 * 60 * 10**9), tmp_path / "part1.csv")
    second = write_csv(rec.slice_time(t0 + 27 * 60 * 10**9, t0 + 10**15), tmp_path / "part2.csv")
    for order in ([first, second], [second, first]):
        with caplog.at_level("WARNING"):
            [one] = read_files(order, locations=["wrist-left"] * 2)
        assert len(one) == len(read_files([first])[0]) + len(read_files([second])[0])
        assert one.location == "wrist-left" and len(one.gaps) == 1
        assert "overlaps no other file" not in caplog.text
    db = tmp_path / "db.sqlite"
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert main(["nights", "--add", str(first), "--add", str(second), "--db", str(db), "--tz", "UTC"]) == 0
        assert "replaces" not in caplog.text
        assert main(["nights", "--add", str(first), "--db", str(db), "--tz", "UTC"]) == 0
        assert main(["nights", "--add", str(first), "--db", str(db), "--tz", "UTC"]) == 0
    lines = [r.getMessage() for r in caplog.records if "replaces" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith(
        f"night {night.sleep['onset'].date()}: part1.csv replaces what part1.csv, part2.csv gave (")
    assert "give all the files of one night together" in lines[0]


def test_stimuli_from_a_time_column_or_one_per_line(night_files, tmp_path):
    night, files = night_files
    first = night.jerks["start"].iloc[0] - pd.Timedelta(milliseconds=300)
    (tmp_path / "col.csv").write_text(f"kind,time\nnoise,{first.isoformat()}\n")
    (tmp_path / "plain.csv").write_text(f"# a comment\n{first.isoformat()}\n")
    assert read_times(tmp_path / "col.csv") == read_times(tmp_path / "plain.csv") == [first.isoformat()]
    stored = process_night(read_files(files), dt.timezone.utc, stimuli=read_times(tmp_path / "col.csv"))
    shaped = stored.events["kind"].isin(JERK_SHAPED)
    assert stored.events.loc[shaped, "stimulus"].any() and not stored.events.loc[~shaped, "stimulus"].any()


def test_sleep_json_is_the_sleep_window_with_provenance(night_files, tmp_path):
    _, files = night_files
    from detection import DetectionConfig

    night = process_files(files)
    path = write_sleep(night.sleep, tmp_path / "deep" / "s.json", files, ["wrist-left", "ankle-left"],
                       DetectionConfig())
    info = json.loads(path.read_text())
    assert info["onset"].endswith("Z") and info["locations"] == ["wrist-left", "ankle-left"]
    assert {"hypnic_version", "created", "config", "files", "latency_s", "period_s"} <= set(info)


def test_one_record_for_a_night_and_for_an_unreadable_diary():
    task = NightTask("p01", "night-01", ("/data/p01/night-01/wrist.csv", "/data/p01/night-01/ankle.csv"))
    assert night_record(task, ok=True, attempts=1, seconds=2.5) == dict(
        participant="p01", night_id="night-01", files="wrist.csv;ankle.csv", ok=True, attempts=1,
        error="", seconds=2.5)
    diary = night_record(NightTask("p02", "diary.csv", ("diary.csv",)), attempts=1, error=ValueError("line 2"))
    assert (diary["files"], diary["ok"], diary["error"]) == ("diary.csv", False, "ValueError: line 2")


def test_a_local_time_a_clock_change_repeats_or_skips_is_refused_with_what_to_write():
    """Before: a mark at 02:30 the night Berlin's clocks went back (an ISO-8601 time) was
    refused as 'cannot read the mark time(s) 2026-10-25T02:30:00: use ISO-8601', and
    ``--worn-until 02:30`` that night was taken silently as the first 02:30."""
    from zoneinfo import ZoneInfo

    import numpy as np

    from hypnic.workflows.night import times_ns, worn_between
    from sensing.recording import Recording

    berlin = ZoneInfo("Europe/Berlin")
    with pytest.raises(HypnicError, match=r"^mark time 2026-10-25T02:30:00 came twice in Europe/Berlin "
                       r"\(the clocks went back\): write its offset, 2026-10-25T02:30:00\+02:00 "
                       r"\(the first\) or \+01:00 \(the second\)$"):
        times_ns(["2026-10-25T02:30:00"], berlin, "mark")
    with pytest.raises(HypnicError, match=r"^mark time 2026-03-29T02:30:00 did not happen in Europe/Berlin"):
        times_ns(["2026-03-29T02:30:00"], berlin, "mark")
    with pytest.raises(HypnicError, match=r"^cannot read the mark time\(s\) : use ISO-8601"):
        times_ns([""], berlin, "mark")  # no time at all (was a ValueError: NaTType does not support utcoffset)
    assert times_ns(["2026-10-25T02:30:00+01:00", "2026-10-25T03:30:00", "2026-10-25T01:30:00"],
                    berlin, "mark") == [pd.Timestamp(t).value for t in (
                        "2026-10-25T01:30Z", "2026-10-25T02:30Z", "2026-10-24T23:30Z")]
    t0 = pd.Timestamp("2026-10-24T23:30Z").value  # 01:30 CEST, 6 h at 1 Hz
    rec = Recording(t0 + np.arange(6 * 3600, dtype=np.int64) * 10**9,
                    np.zeros((6 * 3600, 3), np.float32), 1.0, "wrist-left")
    with pytest.raises(HypnicError, match="^--worn-until time 2026-10-25T02:30:00 came twice"):
        worn_between([rec], berlin, end="02:30")
    cut, = worn_between([rec], berlin, start="01:45", end="05:00")  # 05:00 CET: 04:00 UTC, left out
    assert (cut.time_ns[0], cut.time_ns[-1]) == (pd.Timestamp("2026-10-24T23:45Z").value,
                                                 pd.Timestamp("2026-10-25T03:59:59Z").value)
