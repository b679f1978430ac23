"""Time zones: names, the machine's zone, the zone a file states, and the sleeper's."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from sensing.errors import HypnicError
from sensing.generic import write_csv, write_parquet
from sensing.readers import read
from sensing.recording import Recording
from sensing.timezones import clock, file_zone, local_zone, sleeper_zone, zone, zone_name

DATA = Path(__file__).resolve().parents[1] / "data" / "readers"
T = dt.datetime(2026, 7, 5, 21, 41, tzinfo=dt.timezone.utc)


def test_names_round_trip_and_an_unknown_zone_is_one_clear_error():
    for name in ("Europe/Paris", "UTC", "UTC+05:30", "UTC-03:00", "America/New_York"):
        assert zone_name(zone(name)) == name
    assert clock(T, zone("Europe/Paris")) == "23:41"  # summer time
    assert clock(T, zone("UTC+05:30")) == "03:11" and clock(None, zone("UTC")) == ""
    with pytest.raises(HypnicError) as err:
        zone("Mars/Olympus")
    assert str(err.value) == ("unknown time zone 'Mars/Olympus'; give an IANA name such as "
                              "Europe/Paris, or UTC")
    with pytest.raises(HypnicError):
        zone("UTC+99:00")


def test_the_machine_zone_comes_from_tz_with_its_daylight_saving(monkeypatch):
    monkeypatch.setenv("TZ", "Australia/Sydney")
    assert zone_name(local_zone()) == "Australia/Sydney"
    assert zone(None).utcoffset(T.replace(tzinfo=None)) == dt.timedelta(hours=10)
    monkeypatch.setenv("TZ", "Not/AZone")
    assert local_zone().utcoffset(None) is not None  # falls back to a zone that works


def test_files_state_their_zone_and_keep_it(tmp_path):
    [gene] = read(DATA / "geneactiv.bin")
    assert gene.meta["tz"] == "UTC+01:00"  # header 'Time Zone:GMT +01:00'
    p = tmp_path / "local.csv"
    p.write_text("time,x,y,z\n2026-01-05T23:30:00+01:00,0,0,1\n2026-01-05T23:30:00.04+01:00,0,0,1\n"
                 "2026-01-05T23:30:00.08+01:00,0,0,1\n")
    [rec] = read(p)
    assert rec.meta["tz"] == "UTC+01:00" and rec.time_ns[0] == 1767652200 * 10**9  # times stay UTC
    [utc] = read(DATA / "generic_iso.csv")
    assert "tz" not in utc.meta  # 'Z' times say how UTC is written, not where the sleeper is
    named = Recording(rec.time_ns, rec.acc, rec.fs, "wrist-left", meta={"tz": "Europe/Paris"})
    for path in (write_csv(named, tmp_path / "n.csv"), write_parquet(named, tmp_path / "n.parquet")):
        assert read(path)[0].meta["tz"] == "Europe/Paris"
    assert file_zone([utc, named]) == "Europe/Paris"


def test_the_sleeper_zone_is_the_one_named_then_the_files_then_the_machine(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    t = np.arange(3, dtype=np.int64) * 40_000_000
    stated = Recording(t, np.zeros((3, 3)), 25.0, "wrist-left", meta={"tz": "UTC+01:00"})
    plain = Recording(t, np.zeros((3, 3)), 25.0, "ankle-left")
    assert zone_name(sleeper_zone("Europe/Paris", [stated])) == "Europe/Paris"
    assert zone_name(sleeper_zone(None, [plain, stated])) == "UTC+01:00"
    assert zone_name(sleeper_zone(None, [plain])) == "Asia/Tokyo"


@pytest.mark.parametrize("name, meant", [("Berlin", "Europe/Berlin"), ("new york", "America/New_York"),
                                         ("+01:00", "UTC+01:00"), ("GMT-5", "UTC-05:00")])
def test_an_unknown_zone_names_the_one_meant(name, meant):
    with pytest.raises(HypnicError, match=re.escape(f"did you mean {meant}?")):
        zone(name)
