"""How well the factor analysis recovers known effects on simulated diaries.

Simulates many 4-week diaries (:func:`simulation.simulate_diary`, true jerk counts
from the documented :class:`simulation.RateModel`), runs
:func:`analysis.effects.fit_effects` on each, and reports per factor: how often the 95 %
CI of the multivariable rate ratio covers the true one (target >= 0.90), the bias of
the estimate (mean of log RR estimate minus log true RR, and the median RR), the same
coverage for the univariable model (for comparison), and how often each factor is called
a finding (power for real effects, false-positive rate for null ones).

Usage: ``python benchmarks/effects.py [--diaries 1000] [--nights 28] [--seed 0] [--base-per-h 0.15]``.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import pandas as pd

from analysis.diary import diary_frame, entries_from_simulation
from analysis.effects import fit_effects
from analysis.nights import add_sleep_debt
from simulation import RateModel, simulate_diary, simulated_true_rr


def nights_from_diary(diary: pd.DataFrame) -> pd.DataFrame:
    """The analysis's nights table for a simulated diary, with the true counts."""
    table = diary_frame(entries_from_simulation(diary))
    table["n_jerks"] = diary["n_jerks"].to_numpy()
    table["hours_recorded"] = diary["hours_in_bed"].to_numpy()
    return add_sleep_debt(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--diaries", type=int, default=1000)
    ap.add_argument("--nights", type=int, default=28)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base-per-h", type=float, default=RateModel().base_per_h,
                    help="jerks per hour in bed at zero exposure (the simulator's default)")
    args = ap.parse_args()

    model = RateModel(base_per_h=args.base_per_h)
    true_rr = simulated_true_rr(model)
    rows, models, enough = [], [], 0
    t0 = time.perf_counter()
    for i in range(args.diaries):
        diary = simulate_diary(args.nights, seed=args.seed * 100_003 + i, model=model)
        eff = fit_effects(nights_from_diary(diary))
        models.append(eff.model)
        enough += eff.enough
        for r in eff.table.itertuples():
            t = true_rr[r.factor]
            rows.append(dict(factor=r.factor, covered=r.rr_low <= t <= r.rr_high,
                             covered_uni=r.rr_uni_low <= t <= r.rr_uni_high,
                             log_err=math.log(r.rr) - math.log(t), rr=r.rr, finding=r.finding))
    seconds = time.perf_counter() - t0
    df = pd.DataFrame(rows)
    per = {}
    for f, g in df.groupby("factor", sort=False):
        per[f] = dict(
            true_rr=true_rr[f], n_fits=len(g),
            coverage=round(float(g.covered.mean()), 3),
            coverage_univariable=round(float(g.covered_uni.mean()), 3),
            bias_log_rr=round(float(g.log_err.mean()), 4),
            median_rr=round(float(g.rr.median()), 3),
            finding_rate=round(float(g.finding.mean()), 3))
    print(json.dumps(dict(
        benchmark="effects", diaries=args.diaries, nights=args.nights, seed=args.seed,
        base_per_h=args.base_per_h,
        target_coverage=0.90,
        min_coverage=round(min(v["coverage"] for v in per.values()), 3),
        share_enough=round(enough / args.diaries, 3),
        share_negative_binomial=round(float(np.mean([m == "negative binomial" for m in models])), 3),
        factors=per, seconds=round(seconds, 1))))


if __name__ == "__main__":
    main()
