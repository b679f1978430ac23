"""Long run: a whole 8-hour night, two sensors, faults, on a virtual clock.

The night runs as fast as the processor allows, and every wait of the recorder
(backoff, watchdog, timeouts) is night time, so each outage lasts what it would on a
real night: the fault itself plus a reconnect of a second or two. Memory (RSS) and open
file descriptors are sampled every minute of night; they must stay flat after warm-up,
every delivered sample must be stored once and in order, every real gap marked, and the
final file sound and spanning the night.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3

import numpy as np
import pytest
from emulated import compare, record
from reliability_figures import record as keep
from virtual_time import on_virtual_clock

from sensing.emulator import Fault
from sensing.store import read_sqlite
from simulation import NightConfig, simulate_night

HOURS, FS = 8.0, 25.0
FAULTS = (*(Fault("drop", 1800 * k + 600, duration_s=20) for k in range(16)),
          *(Fault("lose", 2820 * k + 900, count=2) for k in range(10)),
          Fault("reboot", 3 * 3600, duration_s=5), Fault("reboot", 6 * 3600, duration_s=5),
          Fault("stall", 4.5 * 3600))


async def _sample(samples: list[tuple[float, int]]) -> None:
    """Append (RSS MB, open fds) every minute of night until cancelled."""
    while True:
        samples.append((rss_mb(), open_fds()))
        await asyncio.sleep(60.0)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
@on_virtual_clock
async def test_eight_hour_night_two_sensors_with_faults(tmp_path):
    cfg = NightConfig(fs=FS, hours_in_bed=HOURS, locations=("wrist-left", "ankle-left"),
                      gaps_per_night=0)
    night = simulate_night(cfg, seed=8)
    sensors_in = [("polar", night.recordings["wrist-left"], FAULTS),
                  ("hypnic", night.recordings["ankle-left"], FAULTS)]
    night_s = HOURS * 3600 + 10
    path = tmp_path / "night.sqlite"
    samples: list[tuple[float, int]] = []
    task = asyncio.create_task(_sample(samples))
    try:
        # a commit a minute: durability is not what this test is about (test_crash.py)
        sensors, summary = await record(path, sensors_in, night_s, commit_interval_s=60)
    finally:
        task.cancel()
    rss = np.array([s[0] for s in samples])
    fds = np.array([s[1] for s in samples])
    q = len(samples) // 4
    growth_mb = float(np.median(rss[-q:]) - np.median(rss[q:2 * q]))
    with sqlite3.connect(path) as db:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    recs = read_sqlite(path)
    figures = {"night_h": HOURS, "fs_hz": FS, "sensors": 2, "faults_per_sensor": len(FAULTS),
               "rss_mb_start": round(float(rss[q]), 1), "rss_mb_end": round(float(rss[-1]), 1),
               "rss_growth_mb_2nd_to_4th_quarter": round(growth_mb, 1),
               "fds_min_after_warmup": int(fds[q:].min()), "fds_max_after_warmup": int(fds[q:].max()),
               "fds_growth_2nd_to_4th_quarter": float(np.median(fds[-q:]) - np.median(fds[q:2 * q])),
               "integrity": ok, "span_h": [round((r.time_ns[-1] - r.time_ns[0]) / 3.6e12, 2)
                                           for r in recs]}
    for sensor, s in zip(sensors, summary["sensors"], strict=True):
        f = compare(sensor, path)
        produced = len(sensor.recording)
        down_s = (produced - f["delivered"]) / FS  # night seconds without samples
        figures[sensor.profile] = {**f, "reconnects": s["reconnects"], "produced": produced,
                                   "offline_s_per_outage": round(
                                       down_s / max(f["gaps_real"], 1), 2)}
    keep("long-run", "8h-2-sensors", **figures)
    assert ok == "ok"
    for name in ("polar", "hypnic"):
        f = figures[name]
        assert f["lost"] == 0
        assert f["extra"] == 0 and f["in_order"]
        # 29 faults, 28 holes: the loss at 15,000 s falls in the drop at 15,000 s
        assert f["gaps_marked"] == f["gaps_real"] == f["gaps_exact"] == 28
        assert f["reconnects"] == 19  # 16 drops, 2 reboots, 1 stall
        assert f["offline_s_per_outage"] < 15  # 20 s drops, 5 s reboots, 10 s stall, 3 s losses
    assert min(figures["span_h"]) > HOURS - 0.1
    assert growth_mb < 25, figures
    assert np.median(fds[-q:]) - np.median(fds[q:2 * q]) <= 2, figures  # no upward trend
