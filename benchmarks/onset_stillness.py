"""How still the simulated sleepers lie before they fall asleep: the floor under any
sleep onset found from movement.

For each true night of the biomechanical and rigid-body models (which list every
movement of the sleeper among their look-alikes), the time from the end of the
sleeper's last movement between lights out and sleep onset (or from lights out, if
there is none) to the onset, in minutes. Nothing in the signal marks the onset inside
that stillness, so an onset found as "the end of the last movement of wake" is off by
this much even when every movement is seen; a fixed delay added to it would only trade
these nights' error for that of sleepers who fall asleep right after their last move.
Movements of a bed partner and knocks are not the sleeper's and do not count.
(``hypnic-sim`` moves its sleeper continuously, ever less, until onset: not listed.)

    python onset_stillness.py [--nights 4] [--seed 0-4] [--jobs 2] [--cache DIR]

Prints JSON: per variant the nights, the median and 90th percentile of that stillness
and of the latency (lights out to onset), min; and the variant with the largest median.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from accuracy import seeds, simulate, true_nights, variants

#: Look-alikes that are not the sleeper's own movement.
NOT_THE_SLEEPERS = ("partner", "knock")


def still_before_onset(night) -> list[tuple[float, float]]:
    """``(stillness, latency)`` in minutes for each true night of ``night`` (see the
    module docstring)."""
    c = night.confounders
    own = c[~c["kind"].isin(NOT_THE_SLEEPERS)]
    out = []
    for p in true_nights(night):
        lo, on = p["lights_out"], p["onset"]
        ends = own["end"][(own["end"] > lo) & (own["start"] < on)]
        last = max([lo, *(min(e, on) for e in ends)])
        out.append(((on - last) / pd.Timedelta(minutes=1), (on - lo) / pd.Timedelta(minutes=1)))
    return out


def _one(args: tuple[str, int, int, Path | None]) -> tuple[str, list[tuple[float, float]]]:
    variant, i, seed, cache = args
    return variant, still_before_onset(simulate(variant, i, seed, cache))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nights", type=int, default=4, help="nights per variant and seed")
    ap.add_argument("--seed", type=seeds, default=[0], help="a seed, a range 0-4 or a list 0,2")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", type=Path, help="folder of simulated nights (as accuracy.py's)")
    a = ap.parse_args()
    names = [v for v in variants() if ":" in v]
    tasks = [(v, i, s, a.cache) for s in a.seed for v in names for i in range(a.nights)]
    got: dict[str, list[tuple[float, float]]] = {v: [] for v in names}
    with ProcessPoolExecutor(a.jobs) as ex:
        for v, rows in ex.map(_one, tasks):
            got[v] += rows
    per = {}
    for v, rows in got.items():
        still, lat = np.array(rows).T
        per[v] = dict(nights=len(rows), still_median_min=round(float(np.median(still)), 1),
                      still_p90_min=round(float(np.percentile(still, 90)), 1),
                      latency_median_min=round(float(np.median(lat)), 1))
    worst = max(per, key=lambda v: per[v]["still_median_min"])
    print(json.dumps(dict(nights_per_variant=a.nights, seeds=a.seed, per_variant=per,
                          largest=dict(variant=worst, **per[worst])), indent=1))


if __name__ == "__main__":
    main()
