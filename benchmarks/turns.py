"""Detection's speed against another commit's, the two taking turns on the same nights.

A host's speed drifts by a third within an hour (``benchmarks/README.md``), so two
commits timed one after the other can differ by the drift alone. Here each turn runs
one process per commit, one after the other, and the figures are the range over the
turns. Each process imports its own commit's code: the commit to compare with is
checked out in a temporary git worktree and put first on ``PYTHONPATH`` (an editable
install would otherwise run the working tree's code in both).

Nights (one sensor, cut to ``--hours`` at 100 Hz; each commit simulates them with its own
simulators and the same seeds): a ``hypnic-sim`` sensor, the same with 5 % of its
28-sample radio packets lost, and one wrist of the biomechanical model's quiet
``typical`` night and of its ``day-and-night`` (an afternoon up and about). Figures:
``detect_night`` in s per 8 h, the best of ``--repeat`` runs in each process, as
min / max over the turns.

Usage: python benchmarks/turns.py --against REV [--turns 3] [--repeat 5] [--hours 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NIGHTS = ("hypnic-sim", "hypnic-sim, 5 % of packets lost", "biomech typical", "biomech day-and-night")


def child(hours: float, repeat: int) -> dict[str, float]:
    """s per 8 h of ``detect_night`` on each of :data:`NIGHTS`, with the code of the
    current directory's tree (run there with it first on ``PYTHONPATH``)."""
    from dataclasses import replace

    import numpy as np

    sys.path.insert(0, str(Path.cwd() / "benchmarks"))
    from accuracy import lose_packets

    from detection import DetectionConfig, detect_night
    from simulation import NightConfig, simulate_night
    from simulation.biomech import BIOMECH_VARIANTS, simulate_biomech_night

    one = list(simulate_night(NightConfig(fs=100.0, hours_in_bed=hours), seed=1).recordings.values())[0]
    recs = [one, lose_packets(one, 0.05, 28, np.random.default_rng(0))]
    for name in ("typical", "day-and-night"):
        night = simulate_biomech_night(replace(BIOMECH_VARIANTS[name], fs=100.0, locations=("wrist-left",)),
                                       seed=1)
        rec = night.recordings["wrist-left"]
        t0 = int(rec.time_ns[0])
        recs.append(rec.slice_time(t0, t0 + int(hours * 3600e9)))
    cfg = DetectionConfig()
    out = {}
    for name, rec in zip(NIGHTS, recs, strict=True):
        detect_night(rec, cfg)  # caches warm
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            detect_night(rec, cfg)
            best = min(best, time.perf_counter() - t)
        out[name] = best * 8 / (len(rec) / rec.fs / 3600)
    return out


def run_in(tree: Path, hours: float, repeat: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "--hours", str(hours),
                           "--repeat", str(repeat)], cwd=tree, env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", help="the commit (or branch, tag) to compare with")
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each night in a process (best kept)")
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.hours, args.repeat)))
        return
    if not args.against:
        ap.error("--against REV is needed: the commit to compare the working tree with")
    rev = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / rev
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(other), rev], cwd=ROOT, check=True)
        try:
            times: dict[str, list[dict[str, float]]] = {rev: [], "working tree": []}
            for _ in range(args.turns):
                times[rev].append(run_in(other, args.hours, args.repeat))
                times["working tree"].append(run_in(ROOT, args.hours, args.repeat))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=True)
    print(json.dumps(dict(
        against=rev, turns=args.turns, repeat=args.repeat, hours=args.hours, cpu_count=os.cpu_count(),
        s_per_8h={name: {tree: [round(min(t[name] for t in runs), 3), round(max(t[name] for t in runs), 3)]
                         for tree, runs in times.items()} for name in NIGHTS})))


if __name__ == "__main__":
    main()
