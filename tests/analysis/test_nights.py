"""Nightly summaries from event tables with known content, and their storage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.diary import DiaryEntry, add_entries, connect
from analysis.nights import (
    StoredNight,
    hours_recorded,
    hours_still,
    jerk_groups,
    load_activity,
    load_events,
    load_nights,
    nights_table,
    store_night,
    summarise_night,
)
from detection import SleepWindow
from sensing.recording import STILL_SPANS, Recording
from simulation import NightConfig, simulate_night

ONSET = pd.Timestamp("2026-01-05T23:00:00Z")
SLEEP = {"lights_out": ONSET - pd.Timedelta(minutes=20), "onset": ONSET,
         "wake": ONSET + pd.Timedelta(hours=7),
         "awakenings": [(ONSET + pd.Timedelta(hours=2), ONSET + pd.Timedelta(hours=2, minutes=10)),
                        (ONSET + pd.Timedelta(hours=4), ONSET + pd.Timedelta(hours=4, minutes=20))]}


def events(rows):
    """Events table from (rel_onset_s, location, kind, series_id, group_id, distribution, phase)."""
    df = pd.DataFrame(rows, columns=["rel_onset_s", "location", "kind", "series_id", "group_id",
                                     "distribution", "phase"])
    df["start"] = ONSET + pd.to_timedelta(df["rel_onset_s"], unit="s")
    df["end"] = df["start"] + pd.Timedelta(milliseconds=150)
    df["duration_s"], df["peak_g"] = 0.15, 1.0
    return df


KNOWN = events([
    (-120.0, "wrist-left", "jerk", -1, 0, "generalized", "sleep-onset"),
    (-119.98, "ankle-left", "jerk", -1, 0, "generalized", "sleep-onset"),  # same jerk, 2nd sensor
    (300.0, "wrist-left", "jerk", 0, 1, "focal", "sleep-onset"),
    (310.0, "wrist-left", "jerk", 0, 2, "focal", "sleep-onset"),
    (1200.0, "ankle-left", "jerk", -1, 3, "multifocal", "sleep"),
    (1500.0, "ankle-left", "plm", -1, 4, "focal", "sleep"),  # not a jerk
    (1600.0, "wrist-left", "artefact", -1, 5, "focal", "sleep"),  # not a jerk
    (7.2 * 3600, "wrist-left", "wake-burst", -1, 6, "focal", "day"),  # while up: not a jerk
])


def test_summary_counts_groups_and_windows():
    s = summarise_night(KNOWN, SLEEP, hours_recorded=8.0)
    assert s["n_jerks"] == 4
    assert s["n_onset_30min"] == 3
    assert s["n_isolated"] == 2 and s["n_in_series"] == 2 and s["n_series"] == 1
    assert (s["n_focal"], s["n_segmental"], s["n_multifocal"], s["n_generalized"]) == (2, 0, 1, 1)
    assert s["n_day_bursts"] == 1 and np.isnan(s["hours_day"])
    assert summarise_night(KNOWN, SLEEP, 8.0, hours_day=1.5)["hours_day"] == 1.5
    assert s["sleep_onset_latency_min"] == pytest.approx(20.0)
    assert s["n_awakenings"] == 2 and s["waso_min"] == pytest.approx(30.0)
    assert s["hours_asleep"] == pytest.approx(6.5)
    assert s["rate_per_h_sleep"] == pytest.approx(4 / 6.5)


def test_periodic_leg_movements_in_sleep_count_once_per_movement_and_need_a_leg():
    """PLMs from onset to wake outside awakenings; both legs (or a movement's two ends) less
    than 5 s apart are one movement; before sleep or in an awakening they are not counted;
    without a leg sensor there is no count."""
    plm = [(t, loc, "plm", -1, -1, "", "sleep") for t, loc in [
        (-600.0, "ankle-left"),  # before sleep onset
        (1500.0, "ankle-left"), (1500.3, "ankle-right"), (1502.0, "ankle-left"),  # one movement
        (1530.0, "ankle-left"), (1560.0, "ankle-right"),
        (2 * 3600 + 60.0, "ankle-left"),  # in the first awakening
    ]]
    s = summarise_night(events(plm), SLEEP, hours_recorded=8.0)
    assert s["n_plm"] == 3 and s["plm_per_h_sleep"] == pytest.approx(3 / 6.5)
    wrist = events([(1500.0, "wrist-left", "jerk", -1, 0, "focal", "sleep")])
    assert np.isnan(summarise_night(wrist, SLEEP, 8.0)["n_plm"])  # no leg sensor: not measured
    legs = events([(1500.0, "ankle-left", "movement", -1, -1, "", "sleep")])
    assert summarise_night(legs, SLEEP, 8.0)["n_plm"] == 0  # a leg worn, no PLM
    assert summarise_night(KNOWN, SLEEP, 8.0)["n_plm"] == 1


def test_jerk_groups_merge_sensors_and_empty_nights():
    g = jerk_groups(KNOWN)
    assert len(g) == 4
    assert g.loc[0, "locations"] == "ankle-left;wrist-left"
    assert g.loc[0, "rel_onset_s"] == -120.0
    empty = summarise_night(KNOWN.iloc[:0], {"lights_out": None, "onset": None, "wake": None,
                                              "awakenings": []}, 1.0)
    assert empty["n_jerks"] == 0 and np.isnan(empty["hours_asleep"]) and np.isnan(empty["rate_per_h_sleep"])
    assert np.isnan(empty["n_plm"]) and np.isnan(empty["plm_per_h_sleep"])


def test_summary_of_a_simulated_night_matches_truth():
    from simtruth import truth_events

    night = simulate_night(NightConfig(fs=25.0, locations=("wrist-left", "ankle-left"),
                                       hours_in_bed=1.0, n_jerks=7, gaps_per_night=0), seed=3)
    s = summarise_night(truth_events(night), night.sleep, hours_recorded(night.recordings.values()))
    truth = night.jerks[night.jerks.observable]
    assert s["n_jerks"] == len(truth)
    assert s["n_onset_30min"] == int((truth.rel_onset_s.abs() <= 900).sum())
    assert s["n_in_series"] == int((truth.series_id >= 0).sum())
    assert s["hours_recorded"] == pytest.approx(1.0, abs=0.01)


def test_hours_recorded_removes_gaps_and_overlaps():
    t0 = 1_700_000_000_000_000_000
    step = 10_000_000  # 100 Hz
    t = t0 + np.arange(360_000, dtype=np.int64) * step  # 1 h
    t = np.concatenate([t[:100_000], t[136_000:]])  # a 6 min gap
    a = Recording(t, np.zeros((len(t), 3), np.float32), 100.0, "wrist-left")
    assert hours_recorded([a]) == pytest.approx(54 / 60, abs=1e-4)
    b = Recording(t0 + np.arange(360_000, dtype=np.int64) * step, np.zeros((360_000, 3), np.float32),
                  100.0, "ankle-left")
    assert hours_recorded([a, b]) == pytest.approx(1.0, abs=1e-4)
    assert hours_still([a, b]) == 0


def test_time_a_sensor_lay_still_in_idle_sleep_is_recorded_time():
    """An ActiGraph in idle sleep mode writes nothing while still: that time is recorded
    (the exposure of the diary's rates), and is counted apart, within the samples' time."""
    t0 = 1_700_000_000_000_000_000
    t = t0 + np.arange(360_000, dtype=np.int64) * 10_000_000  # 1 h at 100 Hz
    t = np.concatenate([t[:100_000], t[136_000:]])  # 6 min not written
    spans = np.array([[t[99_999] + 10_000_000, t[100_000]], [t0 - 10**12, t0 - 10**11]])  # one before
    a = Recording(t, np.zeros((len(t), 3), np.float32), 100.0, "wrist-left", meta={STILL_SPANS: spans})
    assert hours_recorded([a]) == pytest.approx(1.0, abs=1e-4)
    assert hours_still([a]) == pytest.approx(6 / 60, abs=1e-4)


def test_store_load_and_join_with_diary_and_lagged_debt(tmp_path):
    db = tmp_path / "h.sqlite"
    d0 = dt.date(2026, 1, 5)
    act = pd.DataFrame({"start": pd.date_range(ONSET, periods=3, freq="60s"), "location": "wrist-left",
                        "activity": [1.0, 2.0, 3.0], "asleep": [False, True, True]})
    with connect(db) as con:
        for i in range(3):
            store_night(con, StoredNight(d0 + dt.timedelta(i), summarise_night(KNOWN, SLEEP, 8.0),
                                         SleepWindow(**SLEEP), KNOWN, act, ("a.csv",)))
        store_night(con, StoredNight(d0, summarise_night(KNOWN.iloc[:1], SLEEP, 7.0),
                                     SleepWindow(**SLEEP), KNOWN.iloc[:1], act))  # re-processing replaces the night
        add_entries(con, [DiaryEntry(night=d0, hours_slept=5.0),
                          DiaryEntry(night=d0 + dt.timedelta(1), bedtime="23:00", wake_time="06:00"),
                          DiaryEntry(night=d0 + dt.timedelta(5), hours_slept=9.0)])
        nights = load_nights(con)
        ev = load_events(con)
        table = nights_table(con)
    assert nights["n_jerks"].tolist() == [1, 4, 4]
    assert len(ev) == 1 + 2 * 5 and set(ev["kind"]) == {"jerk"}
    assert len(table) == 4  # 3 recorded nights + a diary-only night
    assert table["sleep_debt_h"].tolist()[:2] == [3.0, 1.0]
    assert np.isnan(table["prev_sleep_debt_h"].iloc[0])
    assert table["prev_sleep_debt_h"].iloc[1:3].tolist() == [3.0, 1.0]
    assert table.loc[d0 + dt.timedelta(5), "sleep_debt_h"] == 0.0


def test_hours_slept_from_bedtime_and_wake_are_reckoned_in_the_nights_zone(tmp_path):
    """Before: 22:30 to 05:30 the night Berlin's clocks went back read 7 h slept and 1 h of
    sleep debt, where 8 h passed."""
    night = dt.date(2026, 10, 24)
    with connect(tmp_path / "h.sqlite") as con:
        store_night(con, StoredNight(night, summarise_night(KNOWN, SLEEP, 8.0), SleepWindow(**SLEEP),
                                     KNOWN, pd.DataFrame(columns=["start", "location", "activity", "asleep"]),
                                     ("a.csv",), tz="Europe/Berlin"))
        add_entries(con, [DiaryEntry(night=night, bedtime="22:30", wake_time="05:30")])
        table = nights_table(con)
    assert table.loc[night, ["hours_slept", "sleep_debt_h"]].tolist() == [8.0, 0.0]


def test_an_older_database_gains_the_time_zone_of_each_night_and_worn_minutes(tmp_path):
    import sqlite3

    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE nights (night TEXT PRIMARY KEY, summary TEXT NOT NULL, sleep TEXT NOT NULL,"
        " recordings TEXT NOT NULL, processed_at TEXT NOT NULL);"
        "INSERT INTO nights VALUES ('2026-01-05', '{\"n_jerks\": 3}', '{\"onset\": null}', '[]', 'x');"
        "CREATE TABLE activity (night TEXT NOT NULL, start_ns INTEGER NOT NULL, location TEXT,"
        " activity REAL, asleep INTEGER);"
        "INSERT INTO activity VALUES ('2026-01-05', 0, 'wrist', 4.0, 1);")
    con.close()
    d0 = dt.date(2026, 1, 6)
    with connect(db) as con:
        store_night(con, StoredNight(d0, summarise_night(KNOWN, SLEEP, 8.0), SleepWindow(**SLEEP),
                                     KNOWN, pd.DataFrame(columns=["start", "location", "activity", "asleep"]),
                                     tz="Europe/Paris"))
        nights = load_nights(con)
        activity = load_activity(con)
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert nights["tz"].tolist() == ["", "Europe/Paris"] and version == "3"
    assert activity["worn"].tolist() == [True]  # older nights were stored worn throughout
    assert nights["n_jerks"].tolist() == [3, 4]
