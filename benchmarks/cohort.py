"""Cohort throughput: ``hypnic batch`` nights per minute at 1, 2 and 4 Dask workers,
against a plain sequential loop over the same nights.

Writes a cohort of ``--nights`` simulated nights (``--participants`` sleepers, one wrist
Parquet file per night, 8 h at 100 Hz by default) to a temporary folder, then times:

* ``loop``: ``hypnic.workflows.night.process_files`` on each night in turn, one process
  (what a researcher's own for-loop does; no parts written);
* ``batch_N``: ``hypnic.workflows.cohort.run_batch`` with a local cluster of N worker
  processes (one thread each), reports off, each into a fresh output folder, so every
  night is computed (start-up of the cluster and the cohort tables included).

Prints one JSON object: seconds and nights per minute of each, and each batch's
overhead against the loop (its seconds x workers / the loop's seconds, 1 = no overhead
on a machine with at least N free cores).

Usage: python benchmarks/cohort.py [--nights 20] [--participants 4] [--hours 8] [--fs 100]
       [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def write_cohort(root: Path, nights: int, participants: int, hours: float, fs: float) -> list[Path]:
    """One Parquet file per night in ``root/pNN/``; returns the files."""
    import pandas as pd

    from sensing.generic import write_parquet
    from simulation import NightConfig, simulate_night

    files = []
    for i in range(nights):
        person = root / f"p{i % participants + 1:02d}"
        person.mkdir(exist_ok=True)
        start = pd.Timestamp("2026-01-05T22:30:00Z") + pd.Timedelta(days=i // participants)
        night = simulate_night(NightConfig(fs=fs, hours_in_bed=hours, start=start.isoformat(),
                                           locations=("wrist-left",)), seed=i)
        f = person / f"{start.date()}.parquet"
        write_parquet(night.recordings["wrist-left"], f)
        files.append(f)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=20)
    ap.add_argument("--participants", type=int, default=4)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--workers", default="1,2,4")
    args = ap.parse_args()

    from hypnic.workflows.cohort import BatchConfig, run_batch
    from hypnic.workflows.night import process_files

    out: dict = dict(nights=args.nights, participants=args.participants, hours=args.hours,
                     fs_hz=args.fs, cpu_count=os.cpu_count())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cohort"
        root.mkdir()
        files = write_cohort(root, args.nights, args.participants, args.hours, args.fs)
        t = time.perf_counter()
        for f in files:
            process_files([f], "UTC")
        loop = time.perf_counter() - t
        out["loop"] = dict(seconds=round(loop, 2), nights_per_min=round(60 * args.nights / loop, 1))
        for n in (int(w) for w in args.workers.split(",")):
            t = time.perf_counter()
            result = run_batch(root, Path(tmp) / f"out-{n}", BatchConfig(workers=n, reports=False))
            s = time.perf_counter() - t
            if len(result.computed) != args.nights or not result.failures.empty:
                raise SystemExit(f"batch with {n} workers computed {len(result.computed)} nights")
            out[f"batch_{n}"] = dict(seconds=round(s, 2), nights_per_min=round(60 * args.nights / s, 1),
                                     overhead=round(s * min(n, os.cpu_count() or 1) / loop, 2))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
