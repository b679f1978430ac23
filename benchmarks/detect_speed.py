"""Speed of detection on an 8-hour, 100 Hz, tri-axial night (one sensor, one core).

Prints one JSON object: seconds for the per-sensor candidate scan, for the whole of
``detect_night`` (scan + sleep + night-level rules), for three sensors, and for the
streaming detector fed 1 s chunks; best of ``--repeat`` runs.

Usage: python benchmarks/detect_speed.py [--hours 8] [--fs 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from detection import DetectionConfig, StreamingDetector, detect_night
from detection.night import sensor_candidates
from simulation import NightConfig, simulate_night


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(min(times), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    night = simulate_night(NightConfig(fs=args.fs, hours_in_bed=args.hours), seed=1)
    recs = list(night.recordings.values())
    one = recs[0]
    cfg = DetectionConfig()

    def streaming():
        det = StreamingDetector(one.fs, one.location, cfg)
        step = int(one.fs)
        for i in range(0, len(one), step):
            det.push(one.time_ns[i:i + step], one.acc[i:i + step])
        det.flush()

    out = dict(
        hours=args.hours, fs_hz=args.fs, samples_per_sensor=len(one), cpu_count=os.cpu_count(),
        scan_one_sensor_s=best(lambda: sensor_candidates(one, cfg), args.repeat),
        detect_night_one_sensor_s=best(lambda: detect_night(one, cfg), args.repeat),
        detect_night_three_sensors_s=best(lambda: detect_night(recs, cfg), args.repeat),
        streaming_one_sensor_1s_chunks_s=best(streaming, 1),
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
