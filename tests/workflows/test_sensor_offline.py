"""End to end: a Polar sensor records a night offline, the link is gone all night, and
the morning's download through the real bleak-facing code and Polar's file-transfer
bytes (emulated sensor, virtual clock) gives back every sample, once, in UTC."""

import asyncio

import numpy as np
import pytest
from virtual_time import on_virtual_clock

from hypnic.workflows import sensor as offline
from sensing.emulator import EmulatedAir, Fault
from sensing.errors import DeviceError
from sensing.store import read_log, read_sqlite
from simulation import NightConfig, simulate_night


@pytest.fixture(scope="module")
def night():
    sim = simulate_night(NightConfig(fs=52, hours_in_bed=1.5, locations=("wrist-left",),
                                     gaps_per_night=0), seed=3)
    return sim.recordings["wrist-left"]


async def evening(rec, tmp_path, faults=(), drift_ppm=30.0, **kw):
    """Start an offline recording 10 s into the night; out of range from 120 s until
    8 min before the end (the whole night)."""
    air = EmulatedAir()
    night_s = rec.duration_s
    sensor = air.add_sensor("polar", rec, clock_drift_ppm=drift_ppm,
                            faults=(Fault("drop", 120, duration_s=night_s - 600), *faults), **kw)
    await air.start()
    await asyncio.sleep(10)
    info = await offline.start(sensor.address, "wrist-left", air=air, state_dir=tmp_path)
    await asyncio.sleep(night_s - 300 - air_time(air))
    return air, sensor, info


def air_time(air):
    return (air.now_ns() - air._start_ns) / 1e9


def check_complete(sensor, rec, path):
    """Every sample the sensor kept is stored once, exact in mg, in UTC within 2 ms."""
    (stored,) = read_sqlite(path)
    kept = np.flatnonzero(sensor.memory.recorded)
    assert len(kept) > 0.9 * len(rec)
    assert len(stored) == len(kept)  # every sample, no duplicate
    np.testing.assert_array_equal(np.rint(stored.acc * 1000),
                                  np.clip(np.rint(rec.acc[kept] * 1000), -8000, 8000))
    err_ms = (stored.time_ns - rec.time_ns[kept]) / 1e6
    assert np.abs(err_ms).max() < 2.0
    assert len(stored.gaps) == 0 and stored.location == "wrist-left"
    return stored


@on_virtual_clock
async def test_night_recorded_offline_is_downloaded_whole(tmp_path, night):
    air, sensor, info = await evening(night, tmp_path)
    assert info["fs_hz"] == 52 and info["hours_fit"] > 30
    seen = []
    summary = await offline.download(sensor.address, tmp_path / "night.sqlite", air=air,
                                     state_dir=tmp_path, progress=lambda a, b: seen.append((a, b)))
    await air.close()
    check_complete(sensor, night, tmp_path / "night.sqlite")
    assert summary["attempts"] == 1 and summary["deleted"]
    assert sensor.memory.files == {}  # deleted after the stored copy was verified
    assert seen[-1][0] == seen[-1][1] == summary["bytes"]
    assert summary["drift_ppm"] == pytest.approx(30, abs=1)  # the clock drift, removed
    assert [k for _, _, k, _ in read_log(tmp_path / "night.sqlite")] == ["offline-download"]
    assert not list(tmp_path.glob(".night*"))  # no staging or temporary file left


@on_virtual_clock
async def test_download_cut_half_way_resumes_on_a_new_link(tmp_path, night):
    air, sensor, _ = await evening(night, tmp_path, (Fault("cut", 0, duration_s=3, count=1500),),
                                   memory_bytes=16_000_000)
    assert len(sensor.memory.files) == 0
    summary = await offline.download(sensor.address, tmp_path / "night.sqlite", air=air,
                                     state_dir=tmp_path)
    await air.close()
    assert summary["attempts"] == 2
    check_complete(sensor, night, tmp_path / "night.sqlite")
    assert "download cut" in [what for _, what in sensor.log]


@on_virtual_clock
async def test_cut_download_leaves_no_recording_and_a_rerun_completes_it(tmp_path, night):
    air, sensor, _ = await evening(night, tmp_path, (Fault("cut", 0, duration_s=3, count=1500),))
    out = tmp_path / "night.sqlite"
    with pytest.raises(DeviceError, match="run the download again to resume"):
        await offline.download(sensor.address, out, air=air, state_dir=tmp_path, retries=0)
    assert not out.exists()  # nothing that looks like a complete night
    kept = list((tmp_path / ".night.sqlite.download").glob("*.REC"))
    parts = [p for p in sensor.memory.files]
    assert 0 < len(kept) < len(parts)  # the parts fetched before the cut are kept
    await asyncio.sleep(30)
    summary = await offline.download(sensor.address, out, air=air, state_dir=tmp_path)
    await air.close()
    check_complete(sensor, night, out)
    assert summary["deleted"] and summary["bytes"] > 0


@on_virtual_clock
async def test_busy_sensor_refuses_the_download_and_keeps_the_recording(tmp_path, night):
    air, sensor, _ = await evening(night, tmp_path, (Fault("busy", 0, duration_s=1e6),))
    with pytest.raises(DeviceError, match="SYSTEM_BUSY"):
        await offline.download(sensor.address, tmp_path / "night.sqlite", air=air,
                               state_dir=tmp_path)
    await air.close()
    assert not (tmp_path / "night.sqlite").exists() and len(sensor.memory.files) >= 1


@on_virtual_clock
async def test_full_memory_refuses_the_start(tmp_path, night):
    air = EmulatedAir()
    sensor = air.add_sensor("polar", night, faults=(Fault("full", 1),))
    await air.start()
    await asyncio.sleep(5)
    with pytest.raises(DeviceError, match="memory is full"):
        await offline.start(sensor.address, air=air, state_dir=tmp_path)
    await air.close()


@on_virtual_clock
async def test_status_lists_a_kept_recording_with_its_start_in_utc(tmp_path, night):
    """A recording kept on the sensor after its download is listed with its start: the
    sensor-clock time of its folder less the clock's offset (the start 10 s into the night)."""
    air, sensor, _ = await evening(night, tmp_path)
    await offline.download(sensor.address, tmp_path / "night.sqlite", air=air, state_dir=tmp_path,
                           delete_after=False)
    s = await offline.status(sensor.address, air=air)
    await air.close()
    assert not s["recording"] and len(s["recordings"]) == 1
    (r,) = s["recordings"]
    assert abs(r["start_ns"] - (int(night.time_ns[0]) + 10 * 10**9)) < 1.5e9  # to the second
    assert r["bytes"] > 0 and r["parts"] >= 1
