"""A recording process for the crash and concurrency tests (run as a script).

``python recorder_child.py OUT.sqlite --speed 20 --night-s 200 [--profile polar]``
records one emulated sensor playing a seeded simulated night into OUT (appending if it
exists, as :class:`sensing.store.RecordingStore` does), on a virtual clock paced at
``speed`` times real time, committing every second of night. It prints one JSON line
when streaming starts (``{"started": true}``), one after every commit
(``{"committed": samples in the file so far, "last_ns": time of the last one}``), so a
parent knows what is on disk when it kills the process, and, if not killed, one at the
end with the delivered-vs-stored figures of :func:`emulated.compare`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emulated import close_air, compare

from sensing.ble.reader import Recorder, SensorSpec
from sensing.emulator import EmulatedAir, run
from sensing.store import RecordingStore
from simulation import NightConfig, simulate_night

SEED = 5


def night_recording(night_s: float):
    """The simulated night every child (and the parent checking it) uses."""
    hours = max(night_s / 3600 + 0.05, 0.5)
    cfg = NightConfig(hours_in_bed=hours, locations=("wrist-left",), gaps_per_night=0)
    return simulate_night(cfg, SEED).recordings["wrist-left"]


class ReportingStore(RecordingStore):
    """A store that prints what it has committed after every commit."""

    committed = 0
    last_ns = 0

    def commit(self):
        chunks = [r for r in self._pending if r[0] == "c"]  # ("c", sensor, t0, t1, n, ...)
        super().commit()
        if chunks:
            self.committed += sum(r[4] for r in chunks)
            self.last_ns = max(r[3] for r in chunks)
            print(json.dumps({"committed": self.committed, "last_ns": self.last_ns}), flush=True)


async def main(args) -> None:
    rec = night_recording(args.night_s)
    air = EmulatedAir()
    sensor = air.add_sensor(args.profile, rec)
    await air.start()
    print(json.dumps({"started": True}), flush=True)
    store = ReportingStore(args.out, clock=asyncio.get_running_loop().time)
    try:
        await Recorder([SensorSpec(sensor.address, "wrist-left")], store, None,
                       air.client_backend, air.scanner_backend, air.now_ns).run(args.night_s)
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
    args = parser.parse_args()
    run(main(args), speed=args.speed)
