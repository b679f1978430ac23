"""The night pipeline on an 8 h, 100 Hz, tri-axial CSV: wall time and peak memory per stage.

Simulates one wrist night (simulation), writes it as a generic CSV with ISO-8601
times (sensing.generic.write_csv) into a temporary folder, pins the process to one core
and runs the stages of ``hypnic.workflows.night.process_night`` one after the other:

* ``load`` — ``sensing.readers.read`` (auto-detection, time checks),
* ``detect`` — per-sensor jerk candidates (``detection.night.sensor_candidates``),
* ``sleep`` — sleep onset / period with jerks masked (``detection.night.night_sleep``),
* ``summarise`` — the events table (``detection.night.assemble``) and the nightly summary
  (``analysis.nights.summarise_night``).

Wall time is the best of ``--repeat`` runs after a warm-up. Peak memory is measured
twice: per stage with tracemalloc (the largest extra Python/NumPy allocation while the
stage runs, above what existed when it started), and for the whole pipeline as the rise
of the peak resident set size (VmHWM) of a fresh process after its imports. Both are
also given as a multiple of the raw float32 array (n x 3 x 4 bytes). ``whole_s`` times
``read`` + ``process_night`` end to end. Targets (one core): whole <= 2 s, detection <=
0.5 s, peak memory <= 4x raw. Prints one JSON object.

Usage: python benchmarks/pipeline.py [--hours 8] [--fs 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

TARGETS = {"whole_s": 2.0, "detect_s": 0.5, "peak_x_raw": 4.0}


def pin_one_core() -> int:
    """Run this process (and its children) on one core; returns the core's number."""
    core = sorted(os.sched_getaffinity(0))[0] if hasattr(os, "sched_setaffinity") else -1
    if core >= 0:
        os.sched_setaffinity(0, {core})
    return core


def machine() -> dict:
    """The machine a figure came from."""
    import numpy as np

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(), numpy=np.__version__,
                system=f"{platform.system()} {platform.release()}")


def make_night(hours: float, fs: float, seed: int = 1):
    """One simulated wrist recording of ``hours`` at ``fs`` Hz (a Recording)."""
    from simulation import NightConfig, simulate_night

    cfg = NightConfig(fs=fs, hours_in_bed=hours, locations=("wrist-left",))
    return simulate_night(cfg, seed=seed).recordings["wrist-left"]


def stages(path: str):
    """The pipeline as (name, function of the previous state) pairs."""
    from analysis.nights import hours_recorded, sleep_dict, summarise_night
    from detection import DetectionConfig
    from detection.night import assemble, night_sleep, sensor_candidates, sensor_config
    from sensing.readers import read

    cfg = DetectionConfig()

    def load(_):
        return {"recs": read(path)}

    def detect(s):
        return s | {"per_sensor": {r.location: sensor_candidates(r, cfg) for r in s["recs"]}}

    def sleep(s):
        window, activity, _ = night_sleep(s["recs"], s["per_sensor"], cfg)
        return s | {"sleep": window, "activity": activity}

    def summarise(s):
        signals = {r.location: (r, sensor_config(r, cfg)) for r in s["recs"]}
        events = assemble(s["per_sensor"], s["sleep"], {r.body_part for r in s["recs"]}, cfg, None, signals)
        summary = summarise_night(events, sleep_dict(s["sleep"]), hours_recorded(s["recs"]))
        return s | {"events": events, "summary": summary}

    return [("load", load), ("detect", detect), ("sleep", sleep), ("summarise", summarise)]


def time_stages(path: str, repeat: int) -> tuple[dict, dict]:
    """Best wall time per stage, s, and the final state."""
    best: dict[str, float] = {}
    for _ in range(repeat + 1):  # the first run warms caches and imports
        state = None
        for name, fn in stages(path):
            t0 = time.perf_counter()
            state = fn(state)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
    return best, state


def memory_stages(path: str) -> dict:
    """Largest extra traced allocation per stage, bytes."""
    out = {}
    state = None
    tracemalloc.start()
    for name, fn in stages(path):
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        state = fn(state)
        out[name] = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return out


def whole(path: str, repeat: int) -> float:
    """Best wall time of read + process_night, s."""
    from zoneinfo import ZoneInfo

    from hypnic.workflows.night import process_night
    from sensing.readers import read

    best = float("inf")
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        process_night(read(path), ZoneInfo("UTC"))
        best = min(best, time.perf_counter() - t0)
    return best


RSS = """
import re, sys
sys.path.insert(0, {here!r})
def hwm():
    return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) * 1024
from pipeline import stages
import scipy.signal, pandas, pyarrow.csv  # imports are not the pipeline's memory
before = hwm()
s = None
for name, fn in stages({path!r}):
    s = fn(s)
print(before, hwm())
"""


def rss_rise(path: str) -> int:
    """Rise of the peak resident set size over the whole pipeline in a fresh process, bytes."""
    code = RSS.format(here=str(Path(__file__).parent), path=path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    before, after = map(int, out.split()[-2:])
    return after - before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    core = pin_one_core()
    from sensing.generic import write_csv

    rec = make_night(args.hours, args.fs)
    raw = rec.acc.size * 4
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "night.csv")
        write_csv(rec, path)
        size = os.path.getsize(path)
        best, state = time_stages(path, args.repeat)
        mem = memory_stages(path)
        rss = rss_rise(path)
        whole_s = whole(path, args.repeat)
    mb = 1e6
    result = {
        "benchmark": "night_pipeline", "hours": args.hours, "fs_hz": args.fs, "samples": len(rec),
        "csv_mb": round(size / mb, 1), "raw_float32_mb": round(raw / mb, 1), "pinned_core": core,
        "stages_s": {k: round(v, 3) for k, v in best.items()},
        "stages_sum_s": round(sum(best.values()), 3), "whole_s": round(whole_s, 3),
        "stages_peak_mb": {k: round(v / mb, 1) for k, v in mem.items()},
        "stages_peak_x_raw": {k: round(v / raw, 2) for k, v in mem.items()},
        "rss_rise_mb": round(rss / mb, 1), "rss_rise_x_raw": round(rss / raw, 2),
        "n_events": len(state["events"]), "n_jerks": state["summary"]["n_jerks"],
        "targets": TARGETS,
        "meets": {"whole_s": whole_s <= TARGETS["whole_s"],
                  "detect_s": best["detect"] <= TARGETS["detect_s"],
                  "peak_x_raw": max(mem.values()) / raw <= TARGETS["peak_x_raw"]},
        "machine": machine(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
