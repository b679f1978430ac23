"""``hypnic detect`` end to end on files written by the simulator."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from detection import score_events
from hypnic.cli import main
from simulation import NightConfig, save_night, simulate_night


@pytest.fixture(scope="module")
def night_dir(tmp_path_factory):
    """1 h, wrist and ankle, 4 jerks; a sleeper lying still (the onset to the minute: what
    the CLI writes is what is checked)."""
    night = simulate_night(NightConfig(fs=25, hours_in_bed=1.0, locations=("wrist-left", "ankle-left"),
                                       n_jerks=4, plm=False, n_scratch=1, n_knocks=1,
                                       gaps_per_night=0, sleep_turns=0), seed=3)
    return night, save_night(night, tmp_path_factory.mktemp("night"))


def test_detect_writes_events_and_sleep(night_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the machine's zone: times are shown in it
    night, d = night_dir
    out, sleep = tmp_path / "events.csv", tmp_path / "sleep.json"
    code = main(["detect", str(d / "wrist-left.csv"), str(d / "ankle-left.csv"), "--out", str(out),
                 "--sleep-out", str(sleep)])
    assert code == 0
    ev = pd.read_csv(out)
    for col in ("start", "end", "duration_s", "peak_g", "peak_jerk_g_s", "axis", "score", "location",
                "kind", "series_id", "distribution", "phase", "rel_onset_s", "group_id", "limbs"):
        assert col in ev.columns
    assert ev["start"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z").all()
    jerks = ev[ev["kind"] == "jerk"].assign(start=lambda e: pd.to_datetime(e["start"], utc=True))
    score = score_events(jerks, night.jerk_sensors)
    assert score.fp == 0 and score.tp >= len(night.jerk_sensors) - 2
    info = json.loads(sleep.read_text())
    assert {"onset", "wake", "awakenings", "lights_out", "config"} <= set(info)
    assert info["onset"].endswith("Z")
    assert abs((pd.Timestamp(info["onset"]) - night.sleep["onset"]).total_seconds()) < 600
    printed = " ".join(capsys.readouterr().out.split())
    n = ev[ev["kind"] == "jerk"]["group_id"].nunique()
    assert f"{n} jerks (a jerk seen by several sensors counts once): " in printed
    assert "{" not in printed and "wrist-left" in printed
    onset = pd.Timestamp(info["onset"]).tz_convert("Asia/Tokyo")
    assert f"fell asleep about {onset:%H:%M}, " in printed and "(Asia/Tokyo)" in printed
    assert "Sleep onset from movement alone was a median 11 min off on 46 real sleep-lab nights." in printed


def test_detect_scores_the_counted_jerks_against_true_ones(night_dir, tmp_path, capsys):
    """``--truth``: the simulator's truth/jerks.csv (its jerks no sensor could see left
    out) or a labeller's times; the sentence gives the counts, precision, recall and F1
    within 0.5 s, and what each missed jerk was filed as (a scratch labelled a jerk:
    ``movement``; a time with nothing: ``no candidate``)."""
    from detection.scoring import score_jerks

    night, d = night_dir
    args = ["detect", str(d / "wrist-left.csv"), str(d / "ankle-left.csv"), "--out", str(tmp_path / "e.csv")]
    assert main([*args, "--truth", str(d / "truth" / "jerks.csv")]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    seen = night.jerks[night.jerks["observable"]]
    ev = pd.read_csv(tmp_path / "e.csv").assign(start=lambda e: pd.to_datetime(e["start"], utc=True))
    score, _ = score_jerks(ev, seen[["start"]])
    assert score.tp == len(seen) >= 3 and score.fp == 0
    assert (f"Against jerks.csv ({len(seen)} true jerks, within 0.5 s): {len(seen)} counted (recall 1.00), "
            "0 counted that are none (precision 1.00), F1 1.00.") in printed
    scratch = ev.loc[ev["kind"] == "movement", "start"].iloc[0]
    labels = tmp_path / "labels.csv"
    labels.write_text("time\n" + "".join(f"{t.isoformat()}\n" for t in [*seen["start"], scratch])
                      + "2026-01-05T12:00:00Z\n")
    assert main([*args, "--truth", str(labels)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    n = len(seen) + 2
    assert (f"Against labels.csv ({n} true jerks, within 0.5 s): {len(seen)} counted (recall "
            f"{len(seen) / n:.2f}), 0 counted that are none (precision 1.00), F1 {2 * len(seen) / (2 * len(seen) + 2):.2f}; "
            "the missed were filed as: 1 movement, 1 no candidate.") in printed
    labels.write_text("time\nnot a time\n")
    assert main([*args, "--truth", str(labels)]) == 1  # before any work


def test_detect_counts_periodic_leg_movements_in_sleep(tmp_path, capsys):
    """An ankle night with a PLM series: how many in sleep and how many an hour asleep, with
    the clinics' 15 an hour named (common without complaints), never as a jerk count."""
    night = simulate_night(NightConfig(fs=25, hours_in_bed=2.0, locations=("ankle-left",), n_jerks=2,
                                       plm=True, gaps_per_night=0), seed=2)
    d = save_night(night, tmp_path / "night")
    assert main(["detect", str(d / "ankle-left.csv"), "--out", str(tmp_path / "e.csv")]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    found = re.search(r"(\d+) periodic leg movements in sleep \((\d+) an hour asleep; sleep clinics look "
                      r"at 15 or more an hour, which many people without complaints have\)\. They are "
                      r"not jerks;", printed)
    assert found, printed
    true_plm = int((night.confounders["kind"] == "plm").sum())
    assert abs(int(found[1]) - true_plm) <= 0.15 * true_plm and int(found[2]) >= 15


def test_detect_shows_times_in_the_zone_asked_and_refuses_an_unknown_one(night_dir, tmp_path, capsys):
    _, d = night_dir
    out = tmp_path / "e.csv"
    assert main(["detect", str(d / "wrist-left.csv"), "--out", str(out), "--tz", "America/New_York"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "(America/New_York)" in printed
    assert pd.read_csv(out)["start"].str.endswith("Z").all()  # files keep UTC
    for args in (["detect", str(d / "wrist-left.csv"), "--out", str(out)], ["nights"], ["report"],
                 ["convert", str(d / "wrist-left.csv"), "--out", str(tmp_path / "c.csv")]):
        assert main([*args, "--tz", "Mars/Olympus", "--db", str(tmp_path / "db.sqlite")]
                    if args[0] in ("nights", "report") else [*args, "--tz", "Mars/Olympus"]) == 1
        err = capsys.readouterr().err
        assert err == ("hypnic: error: unknown time zone 'Mars/Olympus'; give an IANA name such as "
                       "Europe/Paris, or UTC\n"), args


def test_detect_options_and_location_override(night_dir, tmp_path):
    _, d = night_dir
    out = tmp_path / "e.csv"
    stim = tmp_path / "stim.csv"
    stim.write_text("time\n2026-01-05T22:40:00Z\n")
    code = main(["detect", str(d / "wrist-left.csv"), "--out", str(out), "--location", "wrist-right",
                 "--threshold-factor", "1000", "--stimuli", str(stim)])
    assert code == 0
    ev = pd.read_csv(out)
    assert (ev["location"] == "wrist-right").all()
    bursts = ev[~ev["rejected_reason"].str.contains("slow movement", na=False)]
    assert (bursts["peak_g"] > 1000 * bursts["floor_g"]).all()  # the option reached the detector


def test_detect_without_out_writes_the_events_beside_the_user(night_dir, tmp_path, capsys, monkeypatch):
    """No ``--out``: the first file's name with ``.events.csv``, in the current folder
    (the recording's own folder may be read-only); a ``.gz`` is not part of the name."""
    _, d = night_dir
    gz = tmp_path / "rec" / "wrist-left.csv.gz"
    gz.parent.mkdir()
    import gzip
    gz.write_bytes(gzip.compress((d / "wrist-left.csv").read_bytes()))
    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["detect", str(gz), str(d / "ankle-left.csv")]) == 0
    assert [p.name for p in here.iterdir()] == ["wrist-left.events.csv"]
    assert len(pd.read_csv(here / "wrist-left.events.csv")) > 0
    assert "wrote wrist-left.events.csv" in " ".join(capsys.readouterr().out.split())


def test_detect_errors_are_one_line(night_dir, tmp_path, capsys):
    _, d = night_dir
    code = main(["detect", str(d / "wrist-left.csv"), str(d / "ankle-left.csv"), "--out",
                 str(tmp_path / "e.csv"), "--location", "trunk"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "--location" in err
    code = main(["detect", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "e.csv")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("hypnic: error:") and err.count("\n") == 1
    code = main(["detect", str(d / "wrist-left.csv"), "--out", str(tmp_path / "e.csv"), "--location", "elbow"])
    assert code == 1 and "elbow" in capsys.readouterr().err
    assert main(["detect", str(d), "--out", str(tmp_path / "e.csv")]) == 1
    assert f"{d} is a folder; give the recording file(s) inside it" in capsys.readouterr().err
    # an output that is a folder (before: 'Is a directory: /tmp/.x.part' after the work)
    assert main(["detect", str(d / "wrist-left.csv"), "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (f"hypnic: error: --out {tmp_path} is a folder; give a file in it "
                                       f"({tmp_path / 'wrist-left.events.csv'})\n")
    assert main(["detect", str(d / "wrist-left.csv"), "--sleep-out", str(tmp_path)]) == 1
    assert f"--sleep-out {tmp_path} is a folder; give a file in it" in capsys.readouterr().err
    typo = tmp_path / "nosuchdir" / "x.sqlite"
    for argv in (["report", "--db", str(typo), "--out", str(tmp_path / "r")], ["nights", "--db", str(typo)]):
        assert main(argv) == 1
        assert f"no hypnic database at {typo}" in capsys.readouterr().err
    assert not typo.parent.exists() and not (tmp_path / "r").exists()


def test_help_reads_plainly_with_defaults_in_workflow_order(capsys, monkeypatch):
    """No value placeholder on flags, the tuning defaults of DetectionConfig, plain usage
    lines, descriptions that wrap to the terminal, and the commands in the order people
    use them."""
    from typer.main import get_command

    from detection import DetectionConfig
    from hypnic.app import ORDER, app

    monkeypatch.setenv("COLUMNS", "200")
    cfg = DetectionConfig()
    helps = {}
    for cmd in ([], ["detect"], ["nights"], ["simulate"], ["diary", "add"], ["record"], ["report"],
                ["sensor", "start"]):
        assert main([*cmd, "--help"]) == 0
        helps[" ".join(cmd)] = text = capsys.readouterr().out
        assert not re.search(r"<[A-Za-z]", text) and "{" not in text, cmd  # no <bool>, <list[Path]>
    detect = " ".join(helps["detect"].split())
    assert "Usage: hypnic detect [OPTIONS] FILE..." in detect
    for name in ("threshold_factor", "min_peak_g", "jerk_max_s", "series_gap_s", "group_window_s"):
        option = "--" + name.replace("_", "-")
        assert f"[default: {getattr(cfg, name)}]" in detect.split(option, 1)[1].split("--", 1)[0], name
    assert not re.search(r"\w \.", detect)  # no help text cut before its full stop
    assert "Usage: hypnic diary add [OPTIONS] [NIGHT]" in helps["diary add"]
    listed = [line.split()[1] for line in helps[""].splitlines()
              if line.startswith("│ ") and len(line.split()) > 2 and line.split()[1] in ORDER]
    assert listed == list(ORDER)
    groups, described = [get_command(app)], 0
    while groups:  # every description: paragraphs on one line each, for the terminal to wrap
        group = groups.pop()
        for command in [group, *getattr(group, "commands", {}).values()]:
            assert command.help and all("\n" not in p for p in command.help.split("\n\n")), command.name
            described += 1
        groups += [c for c in group.commands.values() if hasattr(c, "commands")]
    assert described > len(ORDER)


def test_long_commands_show_reading_bars_then_what_follows(night_dir, tmp_path, progress_log):
    """detect, nights --add and convert: a bar per file that ends full, then a spinner
    (work of unknown length) for what comes after the reading."""
    _, d = night_dir
    files = [d / "wrist-left.csv", d / "ankle-left.csv"]
    runs = [(["detect", *map(str, files), "--out", str(tmp_path / "e.csv")], files, "finding jerks and sleep"),
            (["nights", "--add", str(files[0]), "--add", str(files[1]), "--db", str(tmp_path / "h.sqlite"),
              "--tz", "UTC"], files, "finding jerks and sleep"),
            (["convert", str(files[0]), "--out", str(tmp_path / "c.parquet")], files[:1], "writing c.parquet")]
    for args, read_files, then in runs:
        progress_log.tasks.clear()
        assert main(args) == 0
        *bars, last = progress_log.tasks
        assert [b["description"] for b in bars] == [f"reading {f.name}" for f in read_files]
        assert all(b["completed"] == b["total"] == f.stat().st_size for b, f in zip(bars, read_files, strict=True))
        assert last == dict(description=then, total=None, completed=0), args


def test_ctrl_c_says_interrupted_in_one_line(night_dir, tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr("hypnic.workflows.night.read_files", interrupted)
    _, d = night_dir
    assert main(["detect", str(d / "wrist-left.csv"), "--out", str(tmp_path / "e.csv")]) == 130
    assert capsys.readouterr().err == "hypnic: interrupted\n"


def test_detect_on_a_day_and_night_file_counts_only_sleep_starts_and_says_it_holds_daytime(
        tmp_path, capsys):
    """An afternoon up and about, then a night (the independent biomechanical model):
    the bursts while up are shown apart, and ``nights`` files the same count."""
    from dataclasses import replace

    from analysis.diary import connect
    from analysis.nights import load_nights
    from simulation.biomech import BIOMECH_VARIANTS, simulate_biomech_night

    night = simulate_biomech_night(replace(BIOMECH_VARIANTS["day-and-night"], day_hours_before=2.0,
                                           locations=("wrist-left",), fs=25.0,
                                           jerks_per_night=(3, 5)), seed=3)
    f = save_night(night, tmp_path / "night") / "wrist-left.csv"
    out = tmp_path / "events.csv"
    assert main(["detect", str(f), "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    ev = pd.read_csv(out)
    n = ev.loc[ev["kind"] == "jerk", "group_id"].nunique()
    bursts = int(((ev["kind"] == "wake-burst") & (ev["phase"] == "day")).sum())
    assert (ev["phase"] == "day").sum() >= 50 and n >= 1  # a busy afternoon, then sleep starts
    assert ev.loc[ev["kind"] == "jerk", "phase"].isin(["pre-sleep", "sleep-onset", "awakening", "sleep"]).all()
    hours = re.search(r"This recording holds (\d+\.\d) h awake outside sleep \(the day, the evening "
                      r"before bed, or awake after the final wake\): only sleep starts count, so "
                      rf"{bursts} jerk-shaped bursts? while awake", printed)
    assert hours and 1.5 <= float(hours.group(1)) <= 2.5, printed
    assert f"{n} jerk" in printed
    db = tmp_path / "h.sqlite"
    assert main(["nights", "--add", str(f), "--db", str(db)]) == 0
    with connect(db) as con:
        stored = load_nights(con)
    assert stored["n_jerks"].tolist() == [n] and stored["n_day_bursts"].tolist() == [bursts]


def test_detect_says_how_long_no_sensor_was_worn_and_leaves_it_out(tmp_path, capsys):
    """A logger started on the nightstand 2.5 h before it was put on: ``detect`` says so,
    and ``nights`` files those hours apart from the hours recorded."""
    from simtruth import put_on_later

    from analysis.diary import connect
    from analysis.nights import load_activity, load_nights
    from sensing.generic import write_csv

    night = simulate_night(NightConfig(fs=25, hours_in_bed=3, locations=("wrist-left",)), seed=1)
    f = write_csv(put_on_later(night.recordings["wrist-left"], 2.5), tmp_path / "wrist-left.csv")
    sleep = tmp_path / "s.json"
    assert main(["detect", str(f), "--out", str(tmp_path / "e.csv"), "--sleep-out", str(sleep),
                 "--tz", "UTC"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert re.search(r"No sensor was worn for 2\.5 h \(20:00-22:30 UTC: lying motionless off the "
                     r"body, on a table or a nightstand\): that time is left out of the sleep "
                     r"analysis\.", printed), printed  # when, in the sleeper's time zone
    assert "periodic leg movement" not in printed  # no leg sensor: not measured
    (start, end), = json.loads(sleep.read_text())["off_body"]
    first = pd.Timestamp(night.recordings["wrist-left"].time_ns[0], tz="UTC")
    off_h = [(pd.Timestamp(t) - first) / pd.Timedelta(1, "h") for t in (start, end)]
    assert end.endswith("Z") and off_h == pytest.approx([-2.5, 0], abs=0.003)  # 10 s
    db = tmp_path / "h.sqlite"
    assert main(["nights", "--add", str(f), "--db", str(db)]) == 0
    with connect(db) as con:
        stored = load_nights(con).iloc[0]
        worn = load_activity(con)["worn"]
    assert (~worn).sum() == pytest.approx(150, abs=1) and worn.sum() > 150  # minutes
    assert stored["hours_off"] == pytest.approx(2.5, abs=0.02)
    assert stored["hours_recorded"] == pytest.approx(3.0, abs=0.05)  # worn
    listed = capsys.readouterr().out
    header = next(line for line in listed.splitlines() if line.split()[:2] == ["night", "at"])
    assert header.split()[-1] == "off" and "off: hours no sensor was worn" in " ".join(listed.split())
    assert "idle" not in header.split()


def test_worn_from_leaves_out_the_time_on_the_nightstand(tmp_path, capsys):
    """A logger started 50 min before it was put on (under the hour the detector itself
    takes as off the body): lights out 50 min early; ``--worn-from`` (a clock time in the
    sleeper's zone) leaves that time out, for ``detect`` and ``nights --add`` alike; a time
    that cannot be read, or leaves no sample, is a clear error before anything is written."""
    from simtruth import put_on_later

    from analysis.diary import connect
    from analysis.nights import load_nights
    from sensing.generic import write_csv

    night = simulate_night(NightConfig(fs=25, hours_in_bed=3, locations=("wrist-left",)), seed=1)
    f = write_csv(put_on_later(night.recordings["wrist-left"], 50 / 60), tmp_path / "early.csv")
    put_on = pd.Timestamp(night.recordings["wrist-left"].time_ns[0], tz="UTC")
    lights_out = night.sleep["lights_out"]

    def detected(*extra: str) -> pd.Timestamp:
        sleep = tmp_path / "s.json"
        assert main(["detect", str(f), "--out", str(tmp_path / "e.csv"), "--sleep-out", str(sleep),
                     "--tz", "Europe/Paris", *extra]) == 0
        return pd.Timestamp(json.loads(sleep.read_text())["lights_out"])

    hint = "Rest begins with the recording: if the sensor lay on a table or a nightstand"
    capsys.readouterr()
    assert detected() < lights_out - pd.Timedelta(40, "min")  # on the nightstand
    assert hint in " ".join(capsys.readouterr().out.split())  # says what to do
    local = put_on.tz_convert("Europe/Paris").ceil("min")
    assert abs(detected("--worn-from", f"{local:%H:%M}") - lights_out) < pd.Timedelta(5, "min")
    assert hint not in " ".join(capsys.readouterr().out.split())
    assert abs(detected("--worn-from", local.isoformat()) - lights_out) < pd.Timedelta(5, "min")
    still = (lights_out + pd.Timedelta(2, "min")).tz_convert("Europe/Paris")  # put on lying still
    capsys.readouterr()
    detected("--worn-from", f"{still:%H:%M}")
    assert hint not in " ".join(capsys.readouterr().out.split())  # they said when: no advice to say it
    db = tmp_path / "h.sqlite"
    assert main(["nights", "--add", str(f), "--db", str(tmp_path / "other.sqlite")]) == 0
    assert hint in " ".join(capsys.readouterr().out.split())  # nights --add says it too
    assert main(["nights", "--add", str(f), "--db", str(db), "--tz", "Europe/Paris",
                 "--worn-from", f"{local:%H:%M}"]) == 0
    assert hint not in " ".join(capsys.readouterr().out.split())
    with connect(db) as con:
        assert load_nights(con)["sleep_onset_latency_min"].iloc[0] < 30
    capsys.readouterr()
    out = tmp_path / "not-written.csv"
    assert main(["detect", str(f), "--out", str(out), "--worn-from", "2pm"]) == 1
    assert "--worn-from '2pm': give a clock time (22:30, in your time zone)" in capsys.readouterr().err
    assert main(["detect", str(f), "--out", str(out), "--tz", "UTC", "--worn-from", "20:30",
                 "--worn-until", "20:45"]) == 1  # the next 20:30 after the start: none left
    assert "the recording runs 21:40-01:29: from 20:30 until 20:45 leaves no sample" in capsys.readouterr().err
    assert not out.exists()


def test_a_recording_shorter_than_a_sleep_period_says_so(tmp_path, capsys):
    """20 min of a sensor lying still: no sleep, and why (a period is 30 min of stillness)."""
    import numpy as np

    n = 20 * 60 * 25
    t = 1767652200_000_000_000 + np.arange(n) * 40_000_000
    xyz = np.random.default_rng(0).normal(0, 0.004, (n, 3)) + [0.0, 0.0, 1.0]
    f = tmp_path / "still.csv"
    f.write_text("time,x,y,z\n" + "\n".join(f"{ti},{x:.4f},{y:.4f},{z:.4f}" for ti, (x, y, z) in zip(t, xyz, strict=True)) + "\n")
    assert main(["detect", str(f), "--out", str(tmp_path / "e.csv")]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert ("No sleep was found in this recording. It lasts 20 min, and a sleep period is at least "
            "30 min of stillness.") in printed
    f.write_text("time,x,y,z\n" + "\n".join(f"{ti},{x:.4f},{y:.4f},{z:.4f}" for ti, (x, y, z) in zip(t[:751], xyz, strict=False)) + "\n")
    assert main(["detect", str(f), "--out", str(tmp_path / "e.csv")]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # before: 'It lasts 0 min'
    assert "It lasts 30 s, and a sleep period is at least 30 min of stillness." in printed
    assert main(["detect", str(f), "--out", str(tmp_path / "e.csv"), "--threshold-factor", "3"]) == 1
    assert capsys.readouterr().err == (  # before: 'threshold_factor must exceed extent_factor'
        "hypnic: error: DetectionConfig.threshold_factor (3) must exceed extent_factor (4, the level "
        "a burst extends above, x the noise floor)\n")


def test_times_since_the_start_take_start_and_no_sleep_writes_strict_json(tmp_path, capsys):
    """A file whose times are seconds since its start (an app's export) is refused with
    how to give the start; ``--start`` without a zone is in the sleeper's zone. A night
    with no sleep found writes a sleep JSON any JSON parser reads (before: its
    ``threshold_deg`` was NaN, which JSON does not have)."""
    import numpy as np

    n = 10 * 60 * 25
    xyz = np.random.default_rng(0).normal(0, 0.004, (n, 3)) + [0.0, 0.0, 1.0]
    xyz[3000:3003, 0] += 0.6  # a burst 2 min after the start
    f = tmp_path / "app.csv"
    f.write_text("time,x,y,z\n" + "\n".join(f"{i / 25:.2f},{x:.4f},{y:.4f},{z:.4f}" for i, (x, y, z) in enumerate(xyz)) + "\n")
    out, sleep = tmp_path / "e.csv", tmp_path / "s.json"
    assert main(["detect", str(f), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        "hypnic: error: app.csv: time column 'time' holds seconds since the start (0.00); give the start "
        "time (start=..., or --start of hypnic detect or hypnic convert)\n")
    assert main(["detect", str(f), "--out", str(out), "--sleep-out", str(sleep),
                 "--start", "2026-01-05T22:30", "--tz", "Europe/Paris"]) == 0
    burst = pd.to_datetime(pd.read_csv(out)["start"], utc=True)
    assert len(burst) == 1 and abs(burst[0] - pd.Timestamp("2026-01-05T21:32Z")) < pd.Timedelta("1s")  # Paris 22:32
    assert " ".join(capsys.readouterr().out.split()).count("No sleep was found") == 1

    def no_nan(name):
        raise ValueError(f"{name} in the sleep JSON")

    info = json.loads(sleep.read_text(), parse_constant=no_nan)
    assert info["onset"] is None and info["threshold_deg"] is None


def test_an_unreadable_stimulus_time_is_an_error_before_the_files_are_read(tmp_path, capsys):
    """Before: the recordings were read (minutes for a week) before the stimuli were."""
    stim = tmp_path / "stim.csv"
    stim.write_text("time\nnot a time\n")
    assert main(["detect", str(tmp_path / "missing.csv"), "--stimuli", str(stim)]) == 1
    assert capsys.readouterr().err == ("hypnic: error: cannot read the stimulus time(s) not a "
                                       "time: use ISO-8601, e.g. 2026-01-05T23:10:05\n")


def test_stimulus_times_without_a_zone_are_the_sleepers_local_time(night_dir, tmp_path):
    """A stimulus logged as wall-clock time (no zone) 0.3 s before a jerk, in Paris: with
    --tz Europe/Paris it triggers that jerk; the same wall-clock text read as UTC would be
    an hour off (the old reading)."""
    night, d = night_dir
    first = night.jerks["start"].iloc[0] - pd.Timedelta(milliseconds=300)
    stim = tmp_path / "stim.csv"
    stim.write_text(f"time\n{first.tz_convert('Europe/Paris').tz_localize(None).isoformat()}\n")
    out = tmp_path / "e.csv"
    assert main(["detect", str(d / "wrist-left.csv"), str(d / "ankle-left.csv"), "--out", str(out),
                 "--stimuli", str(stim), "--tz", "Europe/Paris"]) == 0
    ev = pd.read_csv(out).assign(start=lambda e: pd.to_datetime(e["start"], utc=True))
    near = (ev["start"] - night.jerks["start"].iloc[0]).abs() < pd.Timedelta(seconds=0.5)
    assert ev.loc[near, "stimulus"].any() and not ev.loc[~near, "stimulus"].any()
