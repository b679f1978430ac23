"""How the night pipeline grows with recording length: 1, 8, 24 and 72 h at 100 Hz.

Builds each length from one simulated 8 h wrist night (simulation): the first hour
for 1 h, and the night repeated back to back (times shifted, no gap) for 24 and 72 h,
then pins the process to one core and runs ``detection.detect_night`` and
``analysis.nights.summarise_night`` (the in-memory part of ``hypnic.workflows.night.process_night``;
loading is measured by ``benchmarks/pipeline.py``) on it: best wall time of ``--repeat``
runs and the peak extra traced memory (tracemalloc), also per hour and per sample.
Growth must be linear: ``time_ratio_72_8`` and ``memory_ratio_72_8`` near 9. Prints one
JSON object.

Usage: python benchmarks/scaling.py [--hours 1,8,24,72] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

import numpy as np
from pipeline import machine, make_night, pin_one_core


def lengthen(rec, hours: float):
    """``rec`` cut to, or repeated back to back up to, ``hours``."""
    from sensing.recording import Recording

    n = int(round(hours * 3600 * rec.fs))
    span = int(rec.time_ns[-1] - rec.time_ns[0]) + int(round(1e9 / rec.fs))
    reps = -(-n // len(rec))
    t = (rec.time_ns[None, :] + span * np.arange(reps, dtype=np.int64)[:, None]).ravel()[:n]
    acc = np.tile(rec.acc, (reps, 1))[:n]
    return Recording(t, acc, rec.fs, rec.location, rec.device)


def run(rec):
    from analysis.nights import hours_recorded, sleep_dict, summarise_night
    from detection import detect_night

    result = detect_night([rec])
    return summarise_night(result.events, sleep_dict(result.sleep), hours_recorded([rec]))


def measure(rec, repeat: int) -> tuple[float, int, dict]:
    """(best wall time s, peak extra traced bytes, summary)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        summary = run(rec)
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    run(rec)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return best, peak, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", default="1,8,24,72")
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    core = pin_one_core()
    night = make_night(8.0, args.fs)
    run(lengthen(night, 1.0))  # warm-up: imports and caches
    rows = []
    for h in (float(x) for x in args.hours.split(",")):
        rec = lengthen(night, h)
        sec, peak, summary = measure(rec, args.repeat)
        raw = rec.acc.size * 4
        rows.append(dict(hours=h, samples=len(rec), seconds=round(sec, 3),
                         seconds_per_hour=round(sec / h, 4), peak_mb=round(peak / 1e6, 1),
                         peak_bytes_per_sample=round(peak / len(rec), 1),
                         peak_x_raw=round(peak / raw, 2), n_jerks=summary["n_jerks"]))
        del rec
    by = {r["hours"]: r for r in rows}
    out = {"benchmark": "scaling", "fs_hz": args.fs, "pinned_core": core, "runs": rows}
    if 8.0 in by and 72.0 in by:
        out["time_ratio_72_8"] = round(by[72.0]["seconds"] / by[8.0]["seconds"], 2)
        out["memory_ratio_72_8"] = round(by[72.0]["peak_mb"] / by[8.0]["peak_mb"], 2)
        out["linear"] = bool(out["time_ratio_72_8"] <= 9 * 1.3 and out["memory_ratio_72_8"] <= 9 * 1.3)
    hrs = np.array([r["hours"] for r in rows])
    secs = np.array([r["seconds"] for r in rows])
    slope, intercept = np.polyfit(hrs, secs, 1)
    out["fit_seconds"] = {"per_hour": round(float(slope), 4), "intercept": round(float(intercept), 3)}
    out["machine"] = machine()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
