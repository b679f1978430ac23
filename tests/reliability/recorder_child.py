"""A recording process for the crash and concurrency tests (run as a script).

``python recorder_child.py OUT.sqlite --speed 20 --night-s 200 [--profile polar]``
records one emulated sensor playing a seeded simulated night into OUT (appending if it
exists, as :class:`sensing.store.RecordingStore` does). It prints one JSON line when
streaming starts, ``{"mono_ns", "virtual_ns", "speed"}`` (the emulated clock at a host
``time.monotonic_ns``, so a parent can tell the night time of a SIGKILL), and, if not
killed, one JSON line at the end with the delivered-vs-stored figures of
:func:`emulated.compare`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emulated import CFG, close_air, compare

from sensing.ble.reader import Recorder, SensorSpec
from sensing.emulator import EmulatedAir
from sensing.store import RecordingStore
from simulation import NightConfig, simulate_night

SEED = 5


def night_recording(night_s: float):
    """The simulated night every child (and the parent checking it) uses."""
    hours = max(night_s / 3600 + 0.05, 0.5)
    cfg = NightConfig(hours_in_bed=hours, locations=("wrist-left",), gaps_per_night=0)
    return simulate_night(cfg, SEED).recordings["wrist-left"]


async def main(args) -> None:
    rec = night_recording(args.night_s)
    air = EmulatedAir(speed=args.speed)
    sensor = air.add_sensor(args.profile, rec)
    await air.start()
    print(json.dumps({"mono_ns": time.monotonic_ns(), "virtual_ns": air.now_ns(),
                      "speed": args.speed}), flush=True)
    store = RecordingStore(args.out)
    try:
        await Recorder([SensorSpec(sensor.address, "wrist-left")], store, CFG,
                       air.client_backend, air.scanner_backend, air.now_ns
                       ).run(args.night_s / args.speed)
    finally:
        store.close()
        await close_air(air)
    print(json.dumps(compare(sensor, Path(args.out), last_session=True)), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--speed", type=float, default=20.0)
    parser.add_argument("--night-s", type=float, default=200.0)
    parser.add_argument("--profile", default="polar")
    asyncio.run(main(parser.parse_args()))
