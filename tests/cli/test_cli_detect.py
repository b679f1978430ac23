"""``hypnic detect`` end to end on files written by the simulator."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from detection import score_events
from hypnic.cli import main
from simulation import NightConfig, save_night, simulate_night


@pytest.fixture(scope="module")
def night_dir(tmp_path_factory):
    night = simulate_night(NightConfig(fs=25, hours_in_bed=1.0, locations=("wrist-left", "ankle-left"),
                                       n_jerks=4, plm=False, n_scratch=1, n_knocks=1,
                                       gaps_per_night=0), seed=3)
    return night, save_night(night, tmp_path_factory.mktemp("night"))


def test_detect_writes_events_and_sleep(night_dir, tmp_path, capsys):
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
    printed = capsys.readouterr().out
    assert "jerk(s)" in printed and "wrist-left" in printed


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


def test_cli_help_defaults_match_the_config():
    from detection import DetectionConfig
    from hypnic.commands import detect

    src = open(detect.__file__).read()
    cfg = DetectionConfig()
    for name, text in [("threshold_factor", "[default: 10]"), ("min_peak_g", "[default: 0.15]"),
                       ("jerk_max_s", "[default: 0.5]"), ("series_gap_s", "[default: 30]"),
                       ("group_window_s", "[default: 0.5]")]:
        assert text in src
        assert f"{getattr(cfg, name):g}" == text.split(": ")[1].rstrip("]")
