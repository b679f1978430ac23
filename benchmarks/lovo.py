"""Leave one variant out: do the thresholds set by looking at the family generalise?

A few thresholds of the candidate rules were set with the signal-model family in view
(``max_slow_ratio``, ``sustained_g``, ``rest_lead_s``, ``impact_min_hz``, and
``trunk_peak_factor``, whose value comes from published hip/wrist ratios and the
simulators' physics but which was tried on the family first, and ``upright_min_resultant``,
moved for the rigid-body model's walking; the restless rule's, ``jerk_max_s``, and
``awake_motion_factor`` and ``awake_motion_mg``, set with the rigid-body model's phone in
view; ``return_peak_factor``, set with its REM twitches in view; ``onset_reach_s``, set from
the real ICHI14 nights' onset errors, 1800 being the reach before it). For each variant of the family
(see ``benchmarks/accuracy.py``), this picks, among the defaults and each of those
thresholds moved one step down or up, the setting with the best worst-case F1 on all
the *other* variants (mean F1 breaks ties), and scores it on the variant left out. A
left-out F1 close to the defaults' F1 on that variant means the defaults are not tuned
to it. Prints one JSON object.

Usage: python benchmarks/lovo.py [--nights 3] [--variants a,b] [--seed 0|0-4|0,2] [--jobs 2] [--cache DIR]

Several seeds pool their nights (``--nights`` of each), as in ``accuracy.py``.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from accuracy import evaluate, seeds, simulate, summarise, variants

from detection import DetectionConfig, detect_night

#: Thresholds set with the family in view, and the steps tried around each default.
GRID = {"max_slow_ratio": (0.5, 1.0), "sustained_g": (0.03, 0.06), "rest_lead_s": (7.5, 30.0),
        "impact_min_hz": (11.0, 15.0), "trunk_peak_factor": (0.25, 0.67),
        "upright_min_resultant": (0.7, 0.9), "restless_min_moves": (2, 4),
        "restless_peak_factor": (2.0, 4.0), "jerk_max_s": (0.5, 0.7),
        "awake_motion_factor": (2.0, 4.0), "awake_motion_mg": (10.0, 40.0),
        "return_peak_factor": (1.5, 2.5), "onset_reach_s": (1800.0, 3600.0),
        "held_min_g": (0.02, 0.05), "evening_busy_s": (300.0, 1200.0)}


def settings() -> dict[str, dict]:
    """Name -> overrides: the defaults and each threshold moved one step."""
    out: dict[str, dict] = {"defaults": {}}
    for name, values in GRID.items():
        for v in values:
            out[f"{name}={v:g}"] = {name: v}
    return out


def run_night(args: tuple[str, int, int, Path | None]) -> tuple[str, dict[str, dict]]:
    variant, i, seed, cache = args
    night = simulate(variant, i, seed, cache)
    recs = list(night.recordings.values())
    return variant, {name: evaluate(night, detect_night(recs, replace(DetectionConfig(), **over)), 0.5)
                     for name, over in settings().items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=3)
    ap.add_argument("--variants", default="")
    ap.add_argument("--seed", type=seeds, default=[0], help="a seed, a range (0-4) or a list (0,2,5)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", type=Path, help="folder to keep the simulated nights in (accuracy.py)")
    args = ap.parse_args()
    names = [v for v in args.variants.split(",") if v] or [v for v in variants() if v != "biomech:week"]
    rows: dict[str, dict[str, list]] = {v: {s: [] for s in settings()} for v in names}
    with ProcessPoolExecutor(args.jobs) as pool:
        for variant, by_setting in pool.map(run_night, [(v, i, seed, args.cache) for v in names
                                                        for seed in args.seed for i in range(args.nights)]):
            for s, row in by_setting.items():
                rows[variant][s].append(row)
    f1 = {v: {s: summarise(r)["f1"] for s, r in by.items()} for v, by in rows.items()}
    out = {}
    for left in names:
        others = [v for v in names if v != left]
        best = max(settings(), key=lambda s: (min(f1[v][s] for v in others),
                                              sum(f1[v][s] for v in others)))
        out[left] = dict(chosen=best, f1_left_out=f1[left][best], f1_defaults=f1[left]["defaults"])
    print(json.dumps(dict(nights_per_variant=args.nights, seeds=args.seed, grid=GRID, per_variant=out,
                          worst_left_out_f1=min(o["f1_left_out"] for o in out.values()),
                          worst_defaults_f1=min(o["f1_defaults"] for o in out.values())),
                     indent=1))


if __name__ == "__main__":
    main()
