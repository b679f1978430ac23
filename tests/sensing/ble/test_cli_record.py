"""``hypnic record --emulate``, ``hypnic export``, ``hypnic scan --emulate`` and user errors."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from hypnic.cli import main
from sensing.readers import read
from sensing.store import read_sqlite


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    out = tmp_path_factory.mktemp("rec") / "night.sqlite"
    return out, main(["record", "--emulate", "polar", "--speed", "30", "--duration", "75s",
                      "--out", str(out), "--json", "--quiet", "--fault", "lose@40:2"])


def test_record_emulated_json_summary_matches_file(recorded, capsys):
    out, code = recorded
    assert code == 0
    (rec,) = read_sqlite(out)
    assert rec.location == "wrist-left" and rec.meta["profile"] == "polar"
    assert len(rec) > 3000  # about 75 s of 100 Hz minus start-up


def test_record_json_output(tmp_path, capsys):
    out = tmp_path / "n.sqlite"
    assert main(["record", "--emulate", "hypnic", "--speed", "30", "--duration", "45s",
                 "--out", str(out), "--json", "--quiet", "--fault", "lose@30:2"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (rec,) = read_sqlite(out)
    (s,) = summary["sensors"]
    assert s["samples"] == len(rec) and s["gaps"] == len(rec.gaps) == 1
    assert s["missing"] == 2 * 38  # two notifications of 38 samples (MTU 247)
    assert summary["out"] == str(out) and "jerks" in summary


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


@pytest.mark.parametrize("args, message", [
    (["record", "--out", "{tmp}/a.sqlite"], "--device"),
    (["record", "--emulate", "fitbit", "--duration", "1m", "--out", "{tmp}/a.sqlite"],
     "polar, hypnic or witmotion"),
    (["record", "--emulate", "polar", "--out", "{tmp}/a.sqlite"], "--duration"),
    (["record", "--emulate", "polar", "--duration", "8 hours", "--out", "{tmp}/a.sqlite"],
     "cannot read duration"),
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


def test_no_bluetooth_is_one_clear_line(tmp_path, capsys):
    """This machine has no Bluetooth: a real --device fails with one line, file readable."""
    out = tmp_path / "real.sqlite"
    code = main(["record", "--device", "AA:BB:CC:DD:EE:FF", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "Bluetooth" in err[0] or "not found" in err[0], err
    assert read_sqlite(out) == []  # the (empty) recording stays readable


CHILD = textwrap.dedent("""
    import asyncio, sys
    from sensing.ble.reader import ReaderConfig, Recorder, SensorSpec
    from sensing.emulator import EmulatedAir
    from simulation import NightConfig, simulate_night
    from sensing.store import RecordingStore

    async def main():
        night = simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left",)), 1)
        air = EmulatedAir(speed=1.0)
        sensor = air.add_sensor("polar", night.recordings["wrist-left"])
        await air.start()
        rec = Recorder([SensorSpec(sensor.address, "wrist-left")], RecordingStore(sys.argv[1]),
                       ReaderConfig(), air.client_backend, air.scanner_backend, air.now_ns)
        async def report():
            while True:
                print(rec.statuses[0].samples, flush=True)
                await asyncio.sleep(0.1)
        asyncio.get_running_loop().create_task(report())
        await rec.run(60)

    asyncio.run(main())
""")


@pytest.mark.slow
def test_sigkill_loses_at_most_two_seconds(tmp_path):
    out = tmp_path / "killed.sqlite"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE,
                            text=True, cwd=os.getcwd())
    received = 0
    t_end = time.monotonic() + 40
    while time.monotonic() < t_end:
        received = int(proc.stdout.readline())
        if received >= 600:  # 6 s of 100 Hz received
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (rec,) = read_sqlite(out)
    # the child reported `received` at most 0.1 s before the kill; at most ~2 s is lost
    assert received - 200 <= len(rec) <= received + 100
    assert len(rec) > 0 and (np.diff(rec.time_ns) > 0).all()


def test_detect_reads_the_live_recording(recorded, tmp_path):
    out, _ = recorded
    events = tmp_path / "events.csv"
    assert main(["detect", str(out), "--out", str(events)]) == 0
    assert events.read_text().startswith("start,end,")


def test_record_on_a_full_disk_is_one_line_and_exits(tmp_path, monkeypatch, capsys):
    from sensing.store import RecordingStore

    original = RecordingStore.__init__

    def small_disk(self, path, config=None):
        original(self, path, config)
        self._db.execute("PRAGMA max_page_count = 60")

    monkeypatch.setattr(RecordingStore, "__init__", small_disk)
    out = tmp_path / "full.sqlite"
    t0 = time.monotonic()
    code = main(["record", "--emulate", "polar", "--speed", "50", "--duration", "10m",
                 "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "disk is full" in err[0], err
    assert time.monotonic() - t0 < 10  # stops at once, well before the 12 s of the night
    assert len(read_sqlite(out)[0]) > 500  # what was committed before stays readable
