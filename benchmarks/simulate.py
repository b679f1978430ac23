"""Time to simulate one 8-hour night (JSON on stdout).

Usage: python benchmarks/simulate.py [--fs 100] [--sensors 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import scipy.signal  # noqa: F401  (import cost is not simulation cost)

from simulation import NightConfig, simulate_night

LOCS = ("wrist-left", "ankle-left", "trunk", "wrist-right")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--sensors", type=int, default=3, choices=range(1, 5))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cfg = NightConfig(fs=args.fs, locations=LOCS[: args.sensors])
    times = []
    for seed in range(args.repeat):
        t0 = time.perf_counter()
        night = simulate_night(cfg, seed=seed)
        times.append(time.perf_counter() - t0)
    n = sum(len(r) for r in night.recordings.values())
    print(json.dumps({
        "benchmark": "simulate_night", "hours": cfg.hours_in_bed, "fs_hz": cfg.fs,
        "sensors": args.sensors, "samples": n, "seconds_best": round(min(times), 3),
        "seconds_median": round(sorted(times)[len(times) // 2], 3),
        "seconds_per_sensor": round(min(times) / args.sensors, 3),
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
    }))


if __name__ == "__main__":
    main()
