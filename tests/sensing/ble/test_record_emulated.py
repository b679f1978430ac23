"""End to end: bleak reader -> bumble emulated sensors speaking the real protocols.

Each test streams a simulated night through bleak (custom ``backend=``), bumble's
GATT/ATT over a LocalLink, the decoders, the clock and the SQLite store, on a virtual
clock (exact and the same on every run, however busy the machine), injects a fault, and
compares the file with what the sensor delivered.
"""

import asyncio
import sqlite3

import numpy as np
import pandas as pd
import pytest
from virtual_time import on_virtual_clock

from sensing.ble.reader import ReaderConfig, Recorder, SensorSpec
from sensing.emulator import EmulatedAir, Fault, emulated_address
from sensing.errors import DeviceError
from sensing.store import RecordingStore, read_events, read_sqlite
from simulation import NightConfig, simulate_night

CFG = ReaderConfig()


@pytest.fixture(scope="module")
def night():
    return simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left", "ankle-left"),
                                      gaps_per_night=0), seed=4)


async def run(tmp_path, sensors, night_s=60.0, specs=None, config=CFG):
    """Record emulated sensors [(profile, recording, faults)] for ``night_s`` s of night;
    returns the sensors, the recordings and the summary."""
    air = EmulatedAir()
    added = [air.add_sensor(p, r, faults=f) for p, r, f in sensors]
    await asyncio.wait_for(air.start(), 10)
    path = tmp_path / "night.sqlite"
    store = RecordingStore(path)
    specs = specs or [SensorSpec(s.address, r.location) for s, (_, r, _) in zip(added, sensors, strict=True)]
    try:
        recorder = Recorder(specs, store, config, air.client_backend, air.scanner_backend,
                            air.now_ns)
        task = asyncio.create_task(recorder.run())
        await asyncio.sleep(night_s)
        # the sensors stop sending first, so that everything they delivered has reached
        # the reader when it stops
        await asyncio.wait_for(air.close(), 10)
        await asyncio.sleep(0.3)
        recorder.stop()
        summary = await asyncio.wait_for(task, 15)
    finally:
        store.close()
        await asyncio.wait_for(air.close(), 10)
    return added, read_sqlite(path), summary, path


def gap_reasons(path):
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT reason FROM gaps ORDER BY start_ns")]


def check_delivered(sensor, rec, quantum_g, reanchored=False, spread_ms=300):
    """Exactly the delivered samples are stored, with true values and consistent times."""
    idx = np.flatnonzero(sensor.delivered)
    assert len(rec) == len(idx) > 0
    np.testing.assert_allclose(rec.acc, sensor.recording.acc[idx], atol=quantum_g)
    err_ms = (rec.time_ns - sensor.recording.time_ns[idx]) / 1e6
    # one host time base: a constant offset (arrival latency) plus jitter, never a
    # drift or a jump within a segment; a reboot re-anchors the device clock on arrival
    # time
    segments = np.split(err_ms, np.flatnonzero(np.diff(idx) > 1) + 1) if reanchored else [err_ms]
    for err in segments:
        assert abs(np.median(err)) < 1500
        assert np.ptp(err) < spread_ms, (err.min(), err.max())
    return idx


def hole(idx):
    """Delivered sample indices just before and after the one hole in ``idx``."""
    k = np.flatnonzero(np.diff(idx) > 1)
    assert len(k) == 1, f"expected one hole, got {len(k)}"
    return idx[k[0]], idx[k[0] + 1]


@pytest.mark.parametrize("profile, quantum", [("polar", 6e-4), ("hypnic", 2.5e-4)])
@on_virtual_clock
async def test_link_drop_reconnects_and_marks_gap(tmp_path, night, profile, quantum):
    rec_in = night.recordings["wrist-left"]
    (sensor,), (rec,), summary, path = await run(
        tmp_path, [(profile, rec_in, (Fault("drop", 25, duration_s=4),))])
    idx = check_delivered(sensor, rec, quantum)
    before, after = hole(idx)
    assert (rec_in.time_ns[after] - rec_in.time_ns[before]) / 1e9 > 4  # out of range 4 s
    assert len(rec.gaps) == 1
    assert rec.gaps[0, 0] == rec.time_ns[np.searchsorted(idx, before)]
    assert rec.gaps[0, 1] == rec.time_ns[np.searchsorted(idx, after)]
    assert gap_reasons(path) == ["reconnect"]
    s = summary["sensors"][0]
    assert s["reconnects"] == 1 and s["samples"] == len(rec) and s["battery"] == 87
    # device-timed: the number of samples missing is known exactly
    assert s["missing"] == after - before - 1


@on_virtual_clock
async def test_lost_notifications_are_an_exact_gap(tmp_path, night):
    rec_in = night.recordings["wrist-left"]
    (sensor,), (rec,), summary, path = await run(
        tmp_path, [("polar", rec_in, (Fault("lose", 25, count=3),))], night_s=50)
    idx = check_delivered(sensor, rec, 6e-4)
    before, after = hole(idx)
    assert after - before - 1 == 3 * 39  # three frames of 39 samples (MTU 247)
    assert gap_reasons(path) == ["loss"]
    assert summary["sensors"][0]["missing"] == 3 * 39
    assert summary["sensors"][0]["reconnects"] == 0
    gap_s = (rec.gaps[0, 1] - rec.gaps[0, 0]) / 1e9
    assert gap_s == pytest.approx(118 / rec_in.fs, abs=0.02)


@pytest.mark.parametrize("profile", ["polar", "hypnic"])
@on_virtual_clock
async def test_sensor_reboot_restarts_timestamps(tmp_path, night, profile):
    rec_in = night.recordings["wrist-left"]
    (sensor,), (rec,), summary, path = await run(
        tmp_path, [(profile, rec_in, (Fault("reboot", 25, duration_s=2),))])
    check_delivered(sensor, rec, 6e-4, reanchored=True)
    assert len(rec.gaps) == 1 and gap_reasons(path) == ["reboot"]
    assert summary["sensors"][0]["reconnects"] == 1


@on_virtual_clock
async def test_stalled_stream_is_restarted_by_the_watchdog(tmp_path, night):
    rec_in = night.recordings["wrist-left"]
    (sensor,), (rec,), summary, path = await run(
        tmp_path, [("hypnic", rec_in, (Fault("stall", 25),))])
    idx = check_delivered(sensor, rec, 2.5e-4)
    before, after = hole(idx)
    assert gap_reasons(path) == ["reconnect"]
    assert summary["sensors"][0]["reconnects"] == 1
    assert summary["sensors"][0]["missing"] == after - before - 1


@on_virtual_clock
async def test_two_sensors_one_time_base(tmp_path, night):
    sensors = [("polar", night.recordings["wrist-left"], ()),
               ("hypnic", night.recordings["ankle-left"], ())]
    added, recs, summary, _ = await run(tmp_path, sensors, night_s=40)
    by_location = {r.location: r for r in recs}  # sensors are stored in connect order
    assert sorted(by_location) == ["ankle-left", "wrist-left"]
    for sensor in added:
        check_delivered(sensor, by_location[sensor.recording.location], 6e-4)
    assert [s["profile"] for s in summary["sensors"]] == ["polar", "hypnic"]


@on_virtual_clock
async def test_unknown_address_is_a_clear_error(tmp_path, night):
    air = EmulatedAir()
    air.add_sensor("polar", night.recordings["wrist-left"])
    await air.start()
    with RecordingStore(tmp_path / "x.sqlite") as store:
        recorder = Recorder([SensorSpec("F0:00:00:00:99:99", "wrist-left")], store,
                            ReaderConfig(scan_timeout_s=0.5), air.client_backend,
                            air.scanner_backend, air.now_ns)
        with pytest.raises(DeviceError, match="not found"):
            await recorder.run(5)
    await air.close()


@on_virtual_clock
async def test_unsupported_device_is_a_clear_error(tmp_path, night):
    air = EmulatedAir()
    sensor = air.add_sensor("polar", night.recordings["wrist-left"], name="Thermometer")
    await air.start()
    with RecordingStore(tmp_path / "x.sqlite") as store:
        recorder = Recorder([SensorSpec(sensor.address, "wrist-left")], store, CFG,
                            air.client_backend, air.scanner_backend, air.now_ns)
        with pytest.raises(DeviceError, match="not a supported sensor"):
            await recorder.run(5)
    await air.close()


@on_virtual_clock
async def test_live_detection_stores_jerks_as_they_happen(tmp_path):
    from detection import StreamingDetector

    night = simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left",),
                                       gaps_per_night=0, n_jerks=3, plm=False, n_scratch=0,
                                       n_tremor=0, n_knocks=0), seed=2)
    truth = night.jerk_sensors
    jerk = truth[(truth.location == "wrist-left") & ~truth.in_gap].iloc[0]
    start_ns = jerk.start.value - 15 * 10**9
    air = EmulatedAir(start_ns=start_ns)
    sensor = air.add_sensor("hypnic", night.recordings["wrist-left"])
    await air.start()
    path = tmp_path / "live.sqlite"
    with RecordingStore(path) as store:
        summary = await Recorder([SensorSpec(sensor.address, "wrist-left")], store, CFG,
                                 air.client_backend, air.scanner_backend, air.now_ns,
                                 live=lambda loc, fs: StreamingDetector(fs, loc)).run(50)
    await air.close()
    (rec,) = read_sqlite(path)
    events = read_events(path)
    jerks = events[events.kind == "jerk"]
    assert summary["sensors"][0]["jerks"] == len(jerks) >= 1
    # the true jerk is found, within 0.3 s of its true start (plus the clock offset)
    offset_ns = np.median(rec.time_ns - sensor.recording.time_ns[sensor.delivered])
    hit = np.abs(jerks.start_ns - offset_ns - jerk.start.value) < 0.3e9
    assert hit.any(), (jerks.start_ns - offset_ns - jerk.start.value) / 1e9
    # found live: stored while recording, the detector's look-ahead (1.1 s) plus a
    # packet or two after its end
    lag_s = (jerks.detected_ns - jerks.end_ns) / 1e9
    assert (lag_s > 1.1).all() and (lag_s < 3).all(), lag_s.tolist()
    # the same events as the detector run once over the stored samples
    det = StreamingDetector(rec.fs, "wrist-left")
    batch = pd.concat([det.push(rec.time_ns, rec.acc), det.flush()])
    assert sorted(batch.loc[batch.kind == "jerk", "start_ns"]) == sorted(jerks.start_ns)


@on_virtual_clock
async def test_host_clocked_witmotion_reconnects(tmp_path):
    """No device time: samples are timed on arrival, a drop re-anchors and is one gap."""
    night50 = simulate_night(NightConfig(hours_in_bed=0.5, locations=("ankle-left",), fs=50,
                                         gaps_per_night=0), seed=5)
    rec_in = night50.recordings["ankle-left"]
    (sensor,), (rec,), summary, path = await run(
        tmp_path, [("witmotion", rec_in, (Fault("drop", 8, duration_s=2),))],
        specs=[SensorSpec(emulated_address("witmotion"), "ankle-left", fs_hz=50)], night_s=20)
    # timed by arrival only: the spread is the arrival jitter
    idx = check_delivered(sensor, rec, 16 / 32768, reanchored=True, spread_ms=50)
    hole(idx)
    assert gap_reasons(path) == ["reconnect"] and summary["sensors"][0]["profile"] == "witmotion"
    assert rec.fs == 50


@on_virtual_clock
async def test_disk_full_stops_with_a_clear_error_and_keeps_the_data(tmp_path, night):
    from sensing.store import StorageError

    air = EmulatedAir()
    sensor = air.add_sensor("hypnic", night.recordings["wrist-left"])
    await air.start()
    path = tmp_path / "full.sqlite"
    store = RecordingStore(path, clock=asyncio.get_running_loop().time)  # commits in night time
    recorder = Recorder([SensorSpec(sensor.address, "wrist-left")], store, CFG,
                        air.client_backend, air.scanner_backend, air.now_ns)
    task = asyncio.create_task(recorder.run())
    while recorder.statuses[0].samples < 1000:
        await asyncio.sleep(0.05)
    store.commit()
    kept = len(read_sqlite(path)[0])
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full now
    with pytest.raises(StorageError, match="full"):
        await asyncio.wait_for(task, 15)
    store._db.close()
    await air.close()
    # what was committed stays (a commit that still fitted the pages in use adds to it)
    assert len(read_sqlite(path)[0]) >= kept > 0


@pytest.mark.parametrize("failures, ok", [(1, True), (5, False)])
@on_virtual_clock
async def test_first_connect_is_retried_then_reported(tmp_path, night, failures, ok):
    from bleak.exc import BleakError

    air = EmulatedAir()
    sensor = air.add_sensor("hypnic", night.recordings["wrist-left"])
    calls = []

    async def flaky_connect(self, pair, **kwargs):
        calls.append(1)
        if len(calls) <= failures:
            raise BleakError("le-connection-abort-by-local")
        await air.client_backend.connect(self, pair, **kwargs)

    flaky = type("Flaky", (air.client_backend,), {"connect": flaky_connect})
    await air.start()
    with RecordingStore(tmp_path / "x.sqlite") as store:
        recorder = Recorder([SensorSpec(sensor.address, "wrist-left")], store, CFG, flaky,
                            air.scanner_backend, air.now_ns)
        if ok:
            summary = await recorder.run(30)
            assert summary["sensors"][0]["samples"] > 0 and len(calls) == 2
        else:
            with pytest.raises(DeviceError, match="cannot connect.*abort"):
                await recorder.run(200)
            assert len(calls) == CFG.first_connect_attempts
    await air.close()


@on_virtual_clock
async def test_hypnic_rate_in_force_is_taken_from_the_packets(tmp_path):
    """A hypnic-profile board runs at the nearest rate it has (104 Hz when 100 Hz is
    asked); the emulated one answers at its recording's rate, whatever is asked."""
    rec_in = simulate_night(NightConfig(fs=104.0, hours_in_bed=0.5, locations=("wrist-left",),
                                        gaps_per_night=0), seed=5).recordings["wrist-left"]
    air_sensor = ("hypnic", rec_in, (Fault("drop", 25, duration_s=3),))
    (sensor,), (rec,), summary, path = await run(tmp_path, [air_sensor])
    assert rec.fs == 104.0  # not the 100 Hz asked for
    check_delivered(sensor, rec, 2.5e-4)
    idx = np.flatnonzero(sensor.delivered)
    cont = np.diff(idx) == 1
    step_ms = np.diff(rec.time_ns)[cont] / 1e6
    assert abs(np.median(step_ms) - 1000 / 104) < 0.05
    assert summary["sensors"][0]["reconnects"] == 1 and len(rec.gaps) == 1
