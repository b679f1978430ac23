"""Live detection cost: CPU per sensor at 100 Hz and worst-case latency from sample to event.

Simulates a wrist night (``--hours``, 100 Hz, with jerks, periodic limb movements and
look-alikes), pins the process to one core and feeds it to
``detection.streaming.StreamingDetector`` in chunks of ``--chunks`` seconds (a BLE
notification carries ~0.1 s at 100 Hz; an app may batch 1 s). For each chunk size:

* ``cpu_percent_per_sensor`` — process CPU time over data time, % of one core (the
  loop's own bookkeeping included);
* latency of each event's first emission: data time from the event's last sample
  (``from_end``) and first sample (``from_start``) to the last sample of the chunk that
  emitted it, plus the wall time of that ``push`` call; worst case and median, s;
* ``push_ms_max`` — slowest single ``push``;
* ``max_buffered_samples`` — largest buffer held (memory stays bounded);
* ``same_as_batch`` — the streamed events equal ``detection.night.sensor_candidates``.

Prints one JSON object.

Usage: python benchmarks/streaming.py [--hours 1] [--chunks 0.1,1]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from pipeline import machine, pin_one_core


def stream(rec, chunk_s: float) -> dict:
    from detection.streaming import StreamingDetector

    det = StreamingDetector(rec.fs, rec.location)
    step = max(1, int(round(chunk_s * rec.fs)))
    lat_end, lat_start, pushes, seen, buffered = [], [], [], set(), 0
    cpu0 = time.process_time()
    for i in range(0, len(rec), step):
        t = rec.time_ns[i:i + step]
        w0 = time.perf_counter()
        new = det.push(t, rec.acc[i:i + step])
        wall = time.perf_counter() - w0
        pushes.append(wall)
        buffered = max(buffered, det.buffered_samples)
        if new.empty:
            continue
        first = new[~new["event_id"].isin(seen)]
        seen.update(first["event_id"].tolist())
        lat_end += ((t[-1] - first["end_ns"].to_numpy()) / 1e9 + wall).tolist()
        lat_start += ((t[-1] - first["start_ns"].to_numpy()) / 1e9 + wall).tolist()
    det.flush()
    cpu = time.process_time() - cpu0
    data_s = (rec.time_ns[-1] - rec.time_ns[0]) / 1e9
    return dict(chunk_s=chunk_s, cpu_s=round(cpu, 3), cpu_percent_per_sensor=round(100 * cpu / data_s, 3),
                n_events=len(det.events), n_emitted_live=len(lat_end),
                latency_from_end_s={"max": round(max(lat_end), 3), "median": round(float(np.median(lat_end)), 3)}
                if lat_end else None,
                latency_from_start_s={"max": round(max(lat_start), 3)} if lat_start else None,
                push_ms_max=round(1000 * max(pushes), 2), push_ms_median=round(1000 * float(np.median(pushes)), 3),
                max_buffered_samples=buffered, events=det.events)


def main() -> None:
    from detection import DetectionConfig
    from detection.night import sensor_candidates
    from simulation import NightConfig, simulate_night

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--chunks", default="0.1,1")
    args = ap.parse_args()
    core = pin_one_core()
    cfg = NightConfig(fs=args.fs, hours_in_bed=args.hours, locations=("wrist-left",), n_jerks=8,
                      plm=True, n_scratch=2, n_tremor=2, n_knocks=2, gaps_per_night=0)
    rec = simulate_night(cfg, seed=2).recordings["wrist-left"]
    batch = sensor_candidates(rec, DetectionConfig())
    cols = ["start_ns", "end_ns", "kind"]
    runs = []
    for c in (float(x) for x in args.chunks.split(",")):
        r = stream(rec, c)
        ev = r.pop("events")
        r["same_as_batch"] = bool(ev[cols].reset_index(drop=True).equals(batch[cols].reset_index(drop=True)))
        runs.append(r)
    print(json.dumps({"benchmark": "streaming", "hours": args.hours, "fs_hz": args.fs,
                      "samples": len(rec), "pinned_core": core, "n_batch_events": len(batch),
                      "runs": runs, "machine": machine()}))


if __name__ == "__main__":
    main()
