"""``hypnic record --emulate``, ``hypnic export``, ``hypnic scan --emulate`` and user errors."""

import json

import numpy as np
import pytest
from virtual_time import on_virtual_clock

from hypnic.cli import main
from sensing.readers import read
from sensing.store import read_sqlite


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    out = tmp_path_factory.mktemp("rec") / "night.sqlite"
    return out, main(["record", "--emulate", "polar", "--speed", "1000", "--duration", "75s",
                      "--out", str(out), "--json", "--quiet", "--fault", "lose@40:2"])


def test_record_emulated_json_summary_matches_file(recorded, capsys):
    out, code = recorded
    assert code == 0
    (rec,) = read_sqlite(out)
    assert rec.location == "wrist-left" and rec.meta["profile"] == "polar"
    assert len(rec) > 3000  # about 75 s of 100 Hz minus start-up


def test_record_json_output(tmp_path, capsys):
    out = tmp_path / "n.sqlite"
    assert main(["record", "--emulate", "hypnic", "--speed", "1000", "--duration", "45s",
                 "--out", str(out), "--json", "--quiet", "--fault", "lose@30:2"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (rec,) = read_sqlite(out)
    (s,) = summary["sensors"]
    assert s["samples"] == len(rec) and s["gaps"] == len(rec.gaps) == 1
    assert s["missing"] == 2 * 38  # two notifications of 38 samples (MTU 247)
    assert summary["out"] == str(out) and "jerks" in summary


def test_the_summary_says_how_much_was_lost_on_the_radio_and_what_to_do(tmp_path, capsys):
    """Two lost notifications of 38 samples in 45 s at 100 Hz: 1.7 %, over the 1 % from
    which the summary advises; a link that lost nothing gets no advice."""
    out = tmp_path / "n.sqlite"
    assert main(["record", "--emulate", "hypnic", "--speed", "1000", "--duration", "45s",
                 "--out", str(out), "--quiet", "--fault", "lose@30:2"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    (rec,) = read_sqlite(out)
    share = 76 / (len(rec) + 76)
    assert f"{len(rec)} samples (76 lost on the radio, {100 * share:.1f} %), 1 gap, 0 reconnects," in text
    assert "1 % or more of a sensor's samples were lost on the radio." in text
    assert main(["record", "--emulate", "hypnic", "--speed", "1000", "--duration", "45s",
                 "--out", str(tmp_path / "m.sqlite"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "lost on the radio" not in text and " 0 gaps," in text


def test_the_advice_on_lost_samples_follows_the_share_shown():
    """7131 of 719973 samples lost is 0.990 %, shown as '1.0 %': advised as 1 % is (before:
    '1.0 %' and no advice)."""
    from hypnic.commands.record import LOST_SHARE_HINT, lost_share

    assert f"{100 * lost_share(712842, 7131):.1f}" == "1.0" and lost_share(712842, 7131) >= LOST_SHARE_HINT
    assert f"{100 * lost_share(712842, 7100):.1f}" == "1.0" and lost_share(712842, 7100) >= LOST_SHARE_HINT
    assert f"{100 * lost_share(712842, 6700):.1f}" == "0.9" and lost_share(712842, 6700) < LOST_SHARE_HINT
    assert lost_share(0, 0) == 0


def test_rate_and_range_asked_of_an_emulated_sensor_are_said_unused(tmp_path, caplog):
    import logging

    with caplog.at_level(logging.WARNING):
        assert main(["record", "--emulate", "polar", "--speed", "1000", "--duration", "20s", "--rate", "52",
                     "--out", str(tmp_path / "n.sqlite"), "--quiet"]) == 0
    assert "--rate and --range are for real sensors and are not used" in caplog.text
    (rec,) = read_sqlite(tmp_path / "n.sqlite")
    assert round(rec.fs) == 100


def test_an_emulated_link_without_faults_loses_nothing(tmp_path, capsys):
    """The emulated sensor plays a simulated night without the simulator's own data gaps
    (its wrist had one 509-515 s into this night: the emulator sent it on with the packet
    counter running on, so the recorder spread one packet over 6.6 s with no gap marked);
    with no fault the file holds every sample, 10 ms apart."""
    out = tmp_path / "n.sqlite"
    assert main(["record", "--emulate", "hypnic", "--location", "wrist-left", "--location", "ankle-left",
                 "--speed", "1000", "--duration", "10m", "--out", str(out), "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["sensors"]
    for s, rec in zip(summary, read_sqlite(out), strict=True):
        assert s["gaps"] == len(rec.gaps) == 0 and s["missing"] == 0
        assert np.diff(rec.time_ns).max() < 2 * 10**7 and len(rec) > 59_000


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_round_trip(recorded, tmp_path, suffix):
    out, _ = recorded
    target = tmp_path / f"night{suffix}"
    assert main(["export", str(out), "--out", str(target)]) == 0
    (rec,) = read_sqlite(out)
    (back,) = read(target)
    np.testing.assert_array_equal(back.time_ns, rec.time_ns)
    np.testing.assert_array_equal(back.acc, rec.acc)
    assert back.location == rec.location and back.fs == rec.fs


def test_scan_emulated_lists_profiles(capsys):
    assert main(["scan", "--emulate", "--timeout", "1"]) == 0
    text = capsys.readouterr().out
    assert " polar " in text and " hypnic " in text and " witmotion " in text
    assert "Polar Sense" in text and "WT901BLE" in text


def test_the_address_scan_lists_is_the_emulated_sensor_record_records(tmp_path, capsys):
    """Copied from 'hypnic scan --emulate' into 'hypnic record --emulate hypnic --device',
    the hypnic sensor's address records that sensor; without --device the same one."""
    assert main(["scan", "--emulate", "--timeout", "1"]) == 0
    (address,) = [line.split()[0] for line in capsys.readouterr().out.splitlines()
                  if " hypnic " in line]
    for name, device in (("a", ["--device", address]), ("b", [])):
        out = tmp_path / f"{name}.sqlite"
        assert main(["record", "--emulate", "hypnic", *device, "--speed", "1000", "--duration",
                     "5s", "--out", str(out), "--quiet"]) == 0
        assert capsys.readouterr().out.startswith(f"{address} (wrist-left, hypnic): ")
        (rec,) = read_sqlite(out)
        assert rec.meta["address"] == address


@pytest.mark.parametrize("args, message", [
    (["record", "--out", "{tmp}/a.sqlite"], "--device"),
    (["record", "--emulate", "hypnic", "--device", "F0:00:00:00:00:00", "--duration", "1m",
      "--out", "{tmp}/a.sqlite"],
     "--device F0:00:00:00:00:00: --emulate hypnic with 1 sensor(s) plays F0:00:00:01:00:00 "
     "(as 'hypnic scan --emulate' lists them); give those, or leave out --device"),
    (["record", "--emulate", "fitbit", "--duration", "1m", "--out", "{tmp}/a.sqlite"],
     "polar, hypnic or witmotion"),
    (["record", "--emulate", "polar", "--out", "{tmp}/a.sqlite"], "--duration"),
    (["record", "--emulate", "polar", "--duration", "8 hours", "--out", "{tmp}/a.sqlite"],
     "cannot read duration"),
    (["record", "--emulate", "polar", "--duration", "1m", "--out", "{tmp}/rec.csv"],
     "--out rec.csv: a recording is a SQLite file, name it .sqlite"),
    (["record", "--emulate", "polar", "--duration", "8", "--out", "{tmp}/a.sqlite"],
     "--duration 8 has no unit; give 8h, 8m or 8s"),
    (["record", "--emulate", "polar", "--duration", "0s", "--out", "{tmp}/a.sqlite"],
     "--duration 0s is no time at all; give e.g. 8h, 90m or 45s"),
    (["record", "--emulate", "polar", "--duration", "1m", "--fault", "busy@10", "--out", "{tmp}/a.sqlite"],
     "--fault busy is a fault of Polar file transfer (hypnic sensor download --emulate); a live recording "
     "takes drop, lose, reboot, stall"),
    (["record", "--emulate", "polar", "--duration", "2m", "--fault", "drop@600", "--out", "{tmp}/a.sqlite"],
     "--fault drop@600 comes after the 120 s recorded (--duration): it would never happen"),
    (["record", "--emulate", "polar", "--duration", "2m", "--fault", "jam@6", "--out", "{tmp}/a.sqlite"],
     "unknown fault 'jam'; expected one of drop, lose, reboot, stall, busy, cut, full"),
    (["record", "--device", "AA:BB:CC:DD:EE:FF", "--device", "AA:BB:CC:DD:EE:00",
      "--location", "trunk", "--out", "{tmp}/a.sqlite"], "one --location per sensor"),
    (["record", "--device", "AA", "--location", "elbow", "--out", "{tmp}/a.sqlite"],
     "unknown location"),
    (["record", "--emulate", "polar", "--duration", "1m", "--out", "{tmp}/exists.sqlite"],
     "already exists"),
    (["export", "{tmp}/exists.sqlite", "--out", "{tmp}/x.csv"], "not a hypnic live recording"),
    (["export", "{tmp}/exists.sqlite", "--out", "{tmp}/x.xlsx"], "--out must end in"),
])
def test_user_errors_are_one_line(tmp_path, capsys, args, message):
    (tmp_path / "exists.sqlite").write_text("not a database")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and message in err[0], err


@pytest.mark.parametrize("text, seconds", [("2min", 120.0), ("2m", 120.0), ("1h 30min", 5400.0),
                                           ("8hr", 28800.0), ("45sec", 45.0), ("45s", 45.0)])
def test_durations_as_hypnic_writes_them(text, seconds):
    """'2min' (hypnic's own summaries write '2 min') was 'cannot read duration'."""
    from hypnic.commands.record import parse_duration

    assert parse_duration(text) == seconds


def test_no_bluetooth_is_one_clear_line(tmp_path, capsys):
    """This machine has no Bluetooth: a real --device fails with one line and leaves no
    empty recording behind (so the same command works once the sensor is there)."""
    out = tmp_path / "real.sqlite"
    code = main(["record", "--device", "AA:BB:CC:DD:EE:FF", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "Bluetooth" in err[0] or "not found" in err[0], err
    assert list(tmp_path.iterdir()) == []


def test_detect_reads_the_live_recording(recorded, tmp_path):
    out, _ = recorded
    events = tmp_path / "events.csv"
    assert main(["detect", str(out), "--out", str(events)]) == 0
    assert events.read_text().startswith("start,end,")


def test_record_on_a_full_disk_is_one_line_and_exits(tmp_path, monkeypatch, capsys):
    from sensing.store import RecordingStore

    original = RecordingStore.__init__

    def small_disk(self, path, config=None, **kwargs):
        original(self, path, config, **kwargs)
        self._db.execute("PRAGMA max_page_count = 60")

    monkeypatch.setattr(RecordingStore, "__init__", small_disk)
    out = tmp_path / "full.sqlite"
    code = main(["record", "--emulate", "polar", "--speed", "1000", "--duration", "10m",
                 "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "disk is full" in err[0], err
    stored = len(read_sqlite(out)[0])
    assert 500 < stored < 3 * 60 * 100  # what was committed stays; stopped within 3 of 10 min


@on_virtual_clock
async def test_a_sensor_never_found_leaves_no_file_and_the_rerun_works(tmp_path):
    """A recording that ends before its first sample (the sensor is never found) used to
    leave an empty .sqlite: the rerun then refused to overwrite it."""
    from hypnic.workflows.record import emulated_air, record
    from sensing.ble.reader import SensorSpec
    from sensing.errors import DeviceError

    out = tmp_path / "n.sqlite"
    air = emulated_air(["polar"], ["wrist-left"], 60.0)
    with pytest.raises(DeviceError, match="not found"):
        await record(out, [SensorSpec("F0:00:00:00:99:99", "wrist-left")], 30.0, air=air)
    assert list(tmp_path.iterdir()) == []
    air = emulated_air(["polar"], ["wrist-left"], 60.0)
    summary = await record(out, [SensorSpec(next(iter(air.sensors)), "wrist-left")], 30.0, air=air)
    (rec,) = read_sqlite(out)
    assert len(rec) == summary["sensors"][0]["samples"] > 2000


def test_a_recording_without_samples_is_one_clear_line_for_detect(tmp_path, capsys):
    """No internal wording ("detect_night needs at least one Recording") reaches a user."""
    from sensing.store import RecordingStore

    path = tmp_path / "empty.sqlite"
    with RecordingStore(path) as store:
        store.add_sensor("AA", "Polar", "polar", "wrist-left", 100.0, 8, 0)
    assert main(["detect", str(path), "--out", str(tmp_path / "e.csv")]) == 1
    assert capsys.readouterr().err == f"hypnic: error: {path}: holds no samples\n"


MISSING = ("import sys; sys.modules[{module!r}] = None; from hypnic.cli import main; "
           "sys.exit(main({argv!r}))")


@pytest.mark.parametrize("module, extra, argv", [
    ("bumble", "emulate", ["record", "--emulate", "polar", "--duration", "5s", "--out", "{tmp}/n.sqlite"]),
    ("bumble", "emulate", ["scan", "--emulate"]),
    ("distributed", "batch", ["batch", "{tmp}", "--out", "{tmp}/out"]),
])
def test_a_missing_extra_is_one_line_naming_it(tmp_path, module, extra, argv):
    """Without the extra: one line naming it (was a ModuleNotFoundError traceback)."""
    import subprocess
    import sys

    (tmp_path / "p01").mkdir()
    (tmp_path / "p01" / "n.csv").write_text("time,x,y,z\n")
    code = MISSING.format(module=module, argv=[a.replace("{tmp}", str(tmp_path)) for a in argv])
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    assert p.stderr == (f"hypnic: error: this needs the '{extra}' extra ({module} is not "
                        f"installed): pip install 'hypnic[{extra}]'\n")
    assert not (tmp_path / "n.sqlite").exists()


def test_the_extras_named_exist():
    from importlib.metadata import metadata

    from hypnic.cli import EXTRAS

    assert set(EXTRAS.values()) <= set(metadata("hypnic").get_all("Provides-Extra"))


def test_record_warns_before_the_night_of_a_weak_placement_or_rate(tmp_path, caplog):
    """The warnings ``hypnic detect`` gives on the files, given before a night is spent:
    sensors only on the thigh, a rate under 25 Hz."""
    import logging

    with caplog.at_level(logging.WARNING):
        assert main(["record", "--emulate", "polar", "--speed", "1000", "--duration", "5s", "--quiet",
                     "--location", "Left thigh", "--rate", "12.5", "--out", str(tmp_path / "a.sqlite")]) == 0
    assert "sensors only on the thigh, where hypnic counted 1% of the sleep starts" in caplog.text
    assert "--rate 12.5 Hz, under the 25 Hz that detection's accuracy was measured from" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert main(["record", "--emulate", "polar", "--speed", "1000", "--duration", "5s", "--quiet",
                     "--out", str(tmp_path / "b.sqlite")]) == 0
    assert "sensors only on" not in caplog.text and "under the 25 Hz" not in caplog.text


def test_the_live_status_shows_each_sensor_whole_on_an_80_column_terminal():
    """Two Polar sensors share the address's first half: cut to 'A0:9E:1A…' (and the
    location to 'wrist-r…') the rows could not be told apart; a long link state wraps."""
    from types import SimpleNamespace

    from rich.console import Console

    from hypnic.commands.record import _status_table

    statuses = [SimpleNamespace(address="A0:9E:1A:B5:A1:E2", location="wrist-right", profile="polar",
                                link="reconnecting in 30 s", rate_hz=52.0, battery=87, gaps=12,
                                reconnects=3, jerks=4),
                SimpleNamespace(address="A0:9E:1A:B5:A1:F7", location="ankle-left", profile="polar",
                                link="streaming", rate_hz=52.0, battery=None, gaps=0, reconnects=0, jerks=0)]
    console = Console(width=80, record=True)
    console.print(_status_table(statuses, marks=2))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[:4] == [
        "sensor            location    profile link           Hz batt gaps reconn. bursts",
        "A0:9E:1A:B5:A1:E2 wrist-right polar   reconnecting   52  87%   12       3      4",
        "                                      in 30 s",
        "A0:9E:1A:B5:A1:F7 ankle-left  polar   streaming      52    -    0       0      0"]
