"""Start-up of the command line: wall time of ``hypnic --help`` and ``hypnic detect --help``
as whole processes, and the modules each one imports.

Each command runs ``--runs`` times, taking turns; prints one JSON object with min /
median / max seconds per command against issue #17's targets (0.3 s and 0.4 s).

Usage: python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

COMMANDS = {"hypnic --help": (["--help"], 0.3), "hypnic detect --help": (["detect", "--help"], 0.4)}
COUNT = "import sys\nfrom hypnic.cli import main\nmain({args!r})\nprint('modules:', len(sys.modules))"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    exe = str(Path(sys.executable).with_name("hypnic"))
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, (argv, _) in COMMANDS.items():
            t0 = time.perf_counter()
            subprocess.run([exe, *argv], check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    out = {}
    for name, (argv, target) in COMMANDS.items():
        res = subprocess.run([sys.executable, "-c", COUNT.format(args=argv)], capture_output=True,
                             text=True, check=True)
        t = times[name]
        out[name] = {"seconds_min_median_max": [round(min(t), 3), round(float(np.median(t)), 3),
                                                round(max(t), 3)],
                     "target_s": target, "meets": float(np.median(t)) <= target,
                     "modules": int(res.stdout.rpartition("modules:")[2])}
    print(json.dumps({"benchmark": "startup", "runs": args.runs, "commands": out}))


if __name__ == "__main__":
    main()
