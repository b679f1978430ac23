"""Speed of detection on an 8-hour, 100 Hz, tri-axial night (one sensor, one core).

Prints one JSON object: seconds for the per-sensor candidate scan, for the whole of
``detect_night`` (scan + sleep + night-level rules), for three sensors, for one sensor
whose live radio link lost 5 % of its 28-sample packets (thousands of short gap-free
pieces, their gaps bridged), and for the streaming detector fed 1 s chunks; best of
``--repeat`` runs; the peak extra memory of ``detect_night`` on the one sensor and on
the lossy one (tracemalloc), as a multiple of its raw float32 array (target <= 1x).
``busy``: does the cost follow how busy a night is? One wrist at ``--fs`` from the biomechanical model's quiet
night (``typical``) and its busy ones (restless wake before sleep, PLM series, an
afternoon up and about before the night), each cut to its first ``--hours`` (the same
length, so only the busyness differs: time per hour also grows a little with length):
candidates, seconds (best of ``--busy-repeat`` turns, the nights taking turns so that
the machine's drift weighs on all alike: with 5 turns the ratio varied 1.22-1.65x
between runs, with 15 turns 1.35-1.52x), seconds per 8 h, and the ratio to the quiet
night per 8 h.

Usage: python benchmarks/detect_speed.py [--hours 8] [--fs 100] [--repeat 3] [--busy-repeat 15]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc

import numpy as np
from accuracy import lose_packets

from detection import DetectionConfig, StreamingDetector, detect_night
from detection.night import sensor_candidates
from simulation import NightConfig, simulate_night
from simulation.biomech import BIOMECH_VARIANTS, simulate_biomech_night

BUSY = ("typical", "restless-wake", "plm-series", "day-and-night")


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(min(times), 3)


def peak_x_raw(fn, recs: list) -> float:
    """The largest extra memory ``fn`` allocates (tracemalloc), as a multiple of the raw
    float32 arrays of ``recs`` (n x 3 x 4 bytes each)."""
    fn()  # caches warm, so only the run itself is measured
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return round(peak / sum(len(r) * 12 for r in recs), 2)


def busy_nights(hours: float, fs: float, repeat: int, cfg: DetectionConfig) -> dict[str, dict]:
    """Detection of one wrist on the quiet and busy variants (see the module docstring)."""
    from dataclasses import replace

    recs = {}
    for name in BUSY:
        night = simulate_biomech_night(replace(BIOMECH_VARIANTS[name], fs=fs,
                                               locations=("wrist-left",)), seed=1)
        rec = night.recordings["wrist-left"]
        t0 = int(rec.time_ns[0])
        recs[name] = rec.slice_time(t0, t0 + int(hours * 3600e9))
    # the nights take turns, so that the machine's drift weighs on all of them alike
    times: dict[str, list[float]] = {name: [] for name in BUSY}
    for _ in range(repeat):
        for name, rec in recs.items():
            t = time.perf_counter()
            detect_night(rec, cfg)
            times[name].append(time.perf_counter() - t)
    out = {}
    for name, rec in recs.items():
        seconds = round(min(times[name]), 3)
        length_h = rec.duration_s / 3600
        out[name] = dict(hours=round(length_h, 2), candidates=len(sensor_candidates(rec, cfg)),
                         detect_s=seconds, s_per_8h=round(seconds * 8 / length_h, 3))
    quiet = out[BUSY[0]]["s_per_8h"]
    for row in out.values():
        row["ratio_to_quiet"] = round(row["s_per_8h"] / quiet, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--busy-repeat", type=int, default=15, help="turns of the busy nights")
    args = ap.parse_args()
    night = simulate_night(NightConfig(fs=args.fs, hours_in_bed=args.hours), seed=1)
    recs = list(night.recordings.values())
    one = recs[0]
    lossy = lose_packets(one, 0.05, 28, np.random.default_rng(0))
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
        detect_night_one_sensor_5pct_packets_lost_s=best(lambda: detect_night(lossy, cfg), args.repeat),
        streaming_one_sensor_1s_chunks_s=best(streaming, 1),
        detect_night_one_sensor_peak_x_raw=peak_x_raw(lambda: detect_night(one, cfg), [one]),
        detect_night_one_sensor_5pct_packets_lost_peak_x_raw=peak_x_raw(lambda: detect_night(lossy, cfg), [lossy]),
        busy=busy_nights(args.hours, args.fs, args.busy_repeat, cfg),
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
