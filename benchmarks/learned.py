"""Rules or a learned model? Candidate classification across the family of signal models.

Issue #14 asks for rules or a learned model, whichever holds better on the worst case.
This trains scikit-learn's gradient boosting (``HistGradientBoostingClassifier``) on the
features the rules see (the numeric columns of the events table, the sampling rate and
the sensor's body part; ``--shape-only`` leaves the rate and the body part out) and
compares it with the rules, candidate by candidate:

* candidates: every burst of a sensor in bed (phase not ``day``: daytime bursts never
  count), less the slow movements (a movement whatever its shape), of ``--nights``
  nights of every variant of ``accuracy.variants()`` for each of ``--seeds``; truth on
  each recording's own clock (``accuracy.simulate``);
* truth: a true observable jerk seen by that sensor starts within 0.5 s;
* the rules' answer: the candidate is jerk-shaped (kind ``jerk``, ``nap-jerk``,
  ``wake-burst`` or ``sleep-burst``; where it happens is decided later, alike for both);
* the model's answer: out of sample twice over, probability >= 0.5. With ``--hold-out
  family`` (the default) the candidates of one signal model (``hypnic-sim``,
  ``biomech``, ``kinematic``, ``hypnogram``) and one seed are scored by a model trained
  on the other signal models' variants of the other seeds: every real recording is a
  signal model the model has not seen. With ``--hold-out variant``, trained on the other
  variants (its own signal model's too) of the other seeds. A held-out seed is unseen
  nights (the biomechanical variants share their nights' schedules within a seed);
* ``veto``: the rules' answer unless the model gives a probability under ``--veto``.

Prints one JSON object: per variant and per signal model true, tp, fp, fn and F1 of
each (a signal model's summed over its variants, with its worst variant), and the worst
variant of all; again under ``falling_asleep`` for the bursts the detector places in a
falling-asleep phase (``sensing.body.FALLING_ASLEEP_PHASES``), the only ones a
jerk-shaped answer can have counted (in established sleep, REM twitches and the like
are jerk-shaped too, kept apart as ``sleep-burst`` by where they happen). ``--candidates FILE`` (parquet) keeps the candidate table, detection's
slow part: read when it exists (for the same seeds and nights), else written.
``scikit-learn`` comes with the ``bench`` extra.

Usage: python benchmarks/learned.py [--seeds 0,1,2] [--nights 4] [--jobs 2] [--veto 0.02]
    [--hold-out family|variant] [--shape-only] [--cache DIR] [--candidates FILE]
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from accuracy import simulate, variants

from detection import detect_night
from detection.candidates import SLOW_REASON
from detection.night import JERK_SHAPED
from sensing.body import FALLING_ASLEEP_PHASES

FEATURES = ["duration_s", "peak_g", "peak_jerk_g_s", "freq_hz", "score", "clipped", "width_samples",
            "floor_g", "energy_s", "slow_ratio", "pre_dev_g", "post_dev_g", "pre_move_g", "rhythm_corr"]
PARTS = ("wrist", "ankle", "trunk")
CONTEXT = ["fs", *(f"is_{part}" for part in PARTS)]  # left out with --shape-only
TOLERANCE_NS = 500_000_000


def family(variant: str) -> str:
    """The signal model of a variant: ``hypnic-sim``, ``biomech``, ``kinematic``, ``hypnogram``."""
    return variant.split(":", 1)[0]


def candidates(args: tuple[str, int, int, Path | None]) -> pd.DataFrame:
    """Features, truth and the rules' answer of one night's candidates in bed."""
    variant, i, seed, cache = args
    night = simulate(variant, i, seed, cache)
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
                      phase=ev["phase"].to_numpy(), variant=variant, night=i, seed=seed)


def table(seeds: list[int], nights: int, jobs: int, cache: Path | None, path: Path | None) -> pd.DataFrame:
    """The candidates of every variant's nights, read from ``path`` when it exists."""
    if path is not None and path.exists():
        df = pd.read_parquet(path)
        if set(df["seed"]) != set(seeds) or set(df["night"]) != set(range(nights)):
            raise SystemExit(f"{path} holds other seeds or nights than --seeds {seeds} --nights {nights}")
        return df
    todo = [(v, i, s, cache) for s in seeds for v in variants() for i in range(nights)]
    with ProcessPoolExecutor(jobs) as pool:
        df = pd.concat(list(pool.map(candidates, todo)), ignore_index=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_parquet(path)
    return df


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
    ap.add_argument("--hold-out", choices=("family", "variant"), default="family",
                    help="score each signal model (or variant) with a model trained on the others")
    ap.add_argument("--shape-only", action="store_true", help="leave the sampling rate and body part out")
    ap.add_argument("--cache", type=Path, help="folder of simulated nights (accuracy.simulate)")
    ap.add_argument("--candidates", type=Path, help="parquet of the candidate table: read if it exists, else written")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    df = table(seeds, args.nights, args.jobs, args.cache, args.candidates)
    df["family"] = df["variant"].map(family)
    group = df[args.hold_out].to_numpy()
    cols = [*FEATURES, *([] if args.shape_only else CONTEXT)]
    x, y = df[cols].to_numpy(float), df["truth"].to_numpy()
    prob = np.zeros(len(df))
    for g in dict.fromkeys(group):
        for s in seeds:
            test = (group == g) & (df["seed"] == s).to_numpy()
            train = (group != g) & (df["seed"] != s).to_numpy()
            model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=0)
            prob[test] = model.fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    answers = {"rules": df["rules"].to_numpy(), "model": prob >= 0.5,
               "veto": df["rules"].to_numpy() & (prob >= args.veto)}
    falling = df["phase"].isin(FALLING_ASLEEP_PHASES).to_numpy()
    print(json.dumps(dict(seeds=seeds, nights_per_variant=args.nights, hold_out=args.hold_out,
                          features=cols, candidates=len(df), veto=args.veto, **report(df, answers, y),
                          falling_asleep=dict(candidates=int(falling.sum()),
                                              **report(df[falling], {k: a[falling] for k, a in answers.items()},
                                                       y[falling]))), indent=1))


def report(df: pd.DataFrame, answers: dict[str, np.ndarray], y: np.ndarray) -> dict:
    """The worst variant, all, per signal model (with its worst variant) and per variant."""

    def summary(idx: np.ndarray) -> dict:
        return dict(true=int(y[idx].sum()), **{k: scores(a[idx], y[idx]) for k, a in answers.items()})

    per = {v: summary((df["variant"] == v).to_numpy()) for v in dict.fromkeys(df["variant"])}

    def worst(names) -> dict:
        return {k: dict(zip(("value", "variant"), min((per[v][k]["f1"], v) for v in names), strict=True))
                for k in answers}

    fams = {f: dict(summary((df["family"] == f).to_numpy()), worst_variant=worst([v for v in per if family(v) == f]))
            for f in dict.fromkeys(df["family"])}
    return dict(worst_f1=worst(per), all=summary(np.ones(len(df), bool)), per_family=fams, per_variant=per)


if __name__ == "__main__":
    main()
