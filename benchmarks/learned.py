"""Rules or a learned model? Candidate classification across the family of signal models.

Issue #14 asks for rules or a learned model, whichever holds better on the worst case.
This trains scikit-learn's gradient boosting (``HistGradientBoostingClassifier``) on the
features the rules see (the numeric columns of the events table, the sampling rate and
the sensor's body part) and compares it with the rules, candidate by candidate:

* candidates: every burst of a sensor in bed (phase not ``day``: daytime bursts never
  count), less the slow movements (a movement whatever its shape);
* truth: a true observable jerk seen by that sensor starts within 0.5 s;
* the rules' answer: the candidate is jerk-shaped (kind ``jerk``, ``nap-jerk``,
  ``wake-burst`` or ``sleep-burst``; where it happens is decided later, alike for both);
* the model's answer: out of sample twice over, trained on the other variants and the
  other seeds (``--seeds``; the biomechanical variants share their nights' schedules
  within a seed, so a held-out seed is unseen nights), probability >= 0.5;
* ``veto``: the rules' answer unless the model gives a probability under ``--veto``.

Prints one JSON object: per variant true, tp, fp, fn and F1 of each, and the worst case
across variants. ``scikit-learn`` comes with the ``bench`` extra.

Usage: python benchmarks/learned.py [--seeds 0,1,2] [--nights 4] [--jobs 2] [--veto 0.02]
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from accuracy import simulate, variants

from detection import detect_night
from detection.candidates import SLOW_REASON
from detection.night import JERK_SHAPED

FEATURES = ["duration_s", "peak_g", "peak_jerk_g_s", "freq_hz", "score", "clipped", "width_samples",
            "floor_g", "energy_s", "slow_ratio", "pre_dev_g", "post_dev_g", "pre_move_g", "rhythm_corr"]
PARTS = ("wrist", "ankle", "trunk")
TOLERANCE_NS = 500_000_000


def candidates(args: tuple[str, int, int]) -> pd.DataFrame:
    """Features, truth and the rules' answer of one night's candidates in bed."""
    variant, i, seed = args
    night = simulate(variant, i, seed)
    fs = {r.location: r.fs for r in night.recordings.values()}
    ev = detect_night(list(night.recordings.values())).events
    ev = ev[(ev["phase"] != "day") & ~ev["rejected_reason"].str.endswith(SLOW_REASON)]
    truth = night.jerks[night.jerks["observable"]]
    t_ns = truth["start"].astype("int64").to_numpy()
    seen_by = truth["sensors"].str.split(";").tolist()
    start = ev["start"].astype("int64").to_numpy()
    true = [any(loc in seen_by[j] for j in np.flatnonzero(np.abs(t_ns - s) <= TOLERANCE_NS))
            for s, loc in zip(start, ev["location"], strict=True)]
    out = ev[FEATURES].astype(float)
    out["fs"] = ev["location"].map(fs).to_numpy()
    for part in PARTS:
        out[f"is_{part}"] = ev["location"].str.startswith(part).astype(float).to_numpy()
    return out.assign(rules=ev["kind"].isin(JERK_SHAPED).to_numpy(), truth=np.array(true, bool),
                      variant=variant, seed=seed)


def scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    tp, fp, fn = int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())
    return dict(tp=tp, fp=fp, fn=fn, f1=round(2 * tp / max(2 * tp + fp + fn, 1), 3))


def main() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--nights", type=int, default=4, help="nights per variant and seed")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--veto", type=float, default=0.02)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(v, i, s) for s in seeds for v in variants() for i in range(args.nights)]
    with ProcessPoolExecutor(args.jobs) as pool:
        df = pd.concat(list(pool.map(candidates, jobs)), ignore_index=True)
    cols = [c for c in df.columns if c not in ("rules", "truth", "variant", "seed")]
    x, y = df[cols].to_numpy(float), df["truth"].to_numpy()
    prob = np.zeros(len(df))
    for v in variants():
        for s in seeds:
            test = ((df["variant"] == v) & (df["seed"] == s)).to_numpy()
            train = ((df["variant"] != v) & (df["seed"] != s)).to_numpy()
            model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=0)
            prob[test] = model.fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    answers = {"rules": df["rules"].to_numpy(), "model": prob >= 0.5,
               "veto": df["rules"].to_numpy() & (prob >= args.veto)}
    per = {v: dict(true=int(y[idx].sum()), **{k: scores(a[idx], y[idx]) for k, a in answers.items()})
           for v, idx in ((v, (df["variant"] == v).to_numpy()) for v in variants())}
    worst = {k: min((row[k]["f1"], v) for v, row in per.items()) for k in answers}
    print(json.dumps(dict(seeds=seeds, nights_per_variant=args.nights, candidates=len(df),
                          veto=args.veto, worst_f1={k: dict(value=f, variant=v) for k, (f, v) in worst.items()},
                          all={k: scores(a, y) for k, a in answers.items()}, per_variant=per), indent=1))


if __name__ == "__main__":
    main()
