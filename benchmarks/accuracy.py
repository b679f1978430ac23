"""Accuracy of detection on simulated nights with every look-alike, at several rates.

Prints one JSON object: jerk precision / recall / F1 (a detection matches a true jerk on
the same sensor if their starts are within 0.5 s; also per jerk across sensors), false
positives per night by the look-alike they fell on, sleep-onset and wake median absolute
error (min), distribution-label accuracy, and (with ``--ablation``) the same figures
with each rule switched off.

Usage: python benchmarks/accuracy.py [--nights 20] [--hours 8] [--seed 0] [--ablation]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from detection import DetectionConfig, detect_night, score_events
from detection.rules import distribution
from sensing.body import LOCATIONS
from simulation import NightConfig, simulate_night

RATES = (25.0, 50.0, 100.0, 200.0)
NOISES_G = (0.004, 0.008, 0.015)  # sensor white noise, g RMS per axis (consumer range)
LOCATION_SETS = (("wrist-left", "ankle-left", "trunk"), ("wrist-right", "ankle-right"),
                 ("wrist-left", "wrist-right", "ankle-left", "ankle-right"), ("ankle-left",),
                 ("wrist-left",))

INF = 1e9
ABLATIONS = {
    "all rules": {},
    "no spike rule": dict(spike_max_samples=1e-9, clipped_spike_max_samples=1e-9),
    "no rhythm rule": dict(rhythm_min_corr=INF),
    "no duration rule": dict(jerk_max_s=INF),
    "no rhythm and no duration rule": dict(rhythm_min_corr=INF, jerk_max_s=INF),
    "no sustained-movement rule": dict(sustained_g=INF),
    "no PLM series": dict(plm_min_count=1_000_000),
    "fixed threshold": dict(threshold_factor=1e-6 * 2, extent_factor=1e-6),
}


def night_config(i: int, hours: float) -> NightConfig:
    """Night i: rate, sensors and noise cycle; every look-alike is present."""
    return NightConfig(fs=RATES[i % len(RATES)], locations=LOCATION_SETS[i % len(LOCATION_SETS)],
                       hours_in_bed=hours, expected_jerks=6.0, plm=True, n_scratch=3,
                       n_tremor=2, n_knocks=3, noise_g=NOISES_G[i % len(NOISES_G)])


def fp_kind(row, confounders: pd.DataFrame, sleep: dict) -> str:
    """The look-alike a false positive fell on (within 1 s on the same sensor)."""
    pad = pd.Timedelta(seconds=1)
    c = confounders[(confounders["location"] == row.location) & (confounders["start"] <= row.end + pad)
                    & (confounders["end"] >= row.start - pad)]
    if len(c):
        return str(c["kind"].iloc[0])
    awake = row.start < sleep["onset"] or row.start >= sleep["wake"] or any(
        a <= row.start < b for a, b in sleep["awakenings"])
    return "wake movement" if awake else "unexplained"


def evaluate(night, result, sync_s: float = DetectionConfig().sync_window_s) -> dict:
    """Per-night counts for one detection result.

    The expected distribution label is the rule applied to the sensors that truly show
    the jerk and their true onsets, so it checks grouping and timing, not the rule.
    """
    jerks = result.jerks
    truth = night.jerk_sensors
    s = score_events(jerks, truth, 0.5, by="location")
    hit_truth = set(s.matched["truth"].tolist())
    fn = int(sum(1 for j, r in enumerate(truth.itertuples()) if j not in hit_truth and not r.in_gap))
    matched_det = set(s.matched["detected"].tolist())
    fps = [fp_kind(r, night.confounders, night.sleep)
           for k, r in enumerate(jerks.itertuples()) if k not in matched_det]
    # per jerk: one detected group vs one true (observable) jerk
    groups = jerks.groupby("group_id").agg(start=("start", "min"), distribution=("distribution", "first"))
    obs = night.jerks[night.jerks["observable"]].reset_index(drop=True)
    g = score_events(groups.reset_index(), obs, 0.5, by=None)
    worn = {LOCATIONS[loc] for loc in night.recordings}
    seen = truth[~truth["in_gap"]]
    correct = 0
    for d, t in zip(g.matched["detected"], g.matched["truth"], strict=True):
        rows = seen[seen["jerk_id"] == obs["jerk_id"][t]]
        parts = {LOCATIONS[loc] for loc in rows["location"]}
        centre = rows["start"] + pd.to_timedelta(rows["duration_s"] / 2, unit="s")  # true bursts
        spread = (centre.max() - centre.min()).total_seconds()
        correct += groups["distribution"].iloc[d] == distribution(parts, worn, spread, sync_s)
    # true PLMs seen as any candidate, and labelled plm
    plm = night.confounders[(night.confounders["kind"] == "plm") & ~night.confounders["in_gap"]]
    ev, pad = result.events, pd.Timedelta(seconds=0.5)
    kinds = [ev.loc[(ev["location"] == c.location) & (ev["start"] <= c.end + pad)
                    & (ev["end"] >= c.start - pad), "kind"] for c in plm.itertuples()]
    on = result.sleep.onset
    wk = result.sleep.wake
    return dict(tp=s.tp, fp=len(fps), fn=fn, fps=fps, g_tp=g.tp, g_fp=g.fp, g_fn=g.fn,
                dist_ok=int(correct), dist_n=g.tp, plm_n=len(plm),
                plm_seen=sum(len(k) > 0 for k in kinds), plm_labelled=sum((k == "plm").any() for k in kinds),
                onset_err_min=abs((on - night.sleep["onset"]).total_seconds()) / 60 if on is not None else np.nan,
                wake_err_min=abs((wk - night.sleep["wake"]).total_seconds()) / 60 if wk is not None else np.nan)


def summary(rows: list[dict], n_nights: int) -> dict:
    tp, fp, fn = (sum(r[k] for r in rows) for k in ("tp", "fp", "fn"))
    gtp, gfp, gfn = (sum(r[k] for r in rows) for k in ("g_tp", "g_fp", "g_fn"))
    kinds = pd.Series([k for r in rows for k in r["fps"]], dtype=object).value_counts()
    return dict(
        per_sensor=dict(tp=tp, fp=fp, fn=fn, precision=tp / max(tp + fp, 1), recall=tp / max(tp + fn, 1),
                        f1=2 * tp / max(2 * tp + fp + fn, 1)),
        per_jerk=dict(tp=gtp, fp=gfp, fn=gfn, precision=gtp / max(gtp + gfp, 1),
                      recall=gtp / max(gtp + gfn, 1), f1=2 * gtp / max(2 * gtp + gfp + gfn, 1)),
        fp_per_night=fp / n_nights,
        fp_per_night_by_kind={k: v / n_nights for k, v in kinds.items()},
        onset_median_abs_error_min=float(np.nanmedian([r["onset_err_min"] for r in rows])),
        onset_p90_abs_error_min=float(np.nanpercentile([r["onset_err_min"] for r in rows], 90)),
        wake_median_abs_error_min=float(np.nanmedian([r["wake_err_min"] for r in rows])),
        distribution_accuracy=sum(r["dist_ok"] for r in rows) / max(sum(r["dist_n"] for r in rows), 1),
        true_plm=sum(r["plm_n"] for r in rows),
        plm_seen_fraction=sum(r["plm_seen"] for r in rows) / max(sum(r["plm_n"] for r in rows), 1),
        plm_labelled_fraction=sum(r["plm_labelled"] for r in rows) / max(sum(r["plm_n"] for r in rows), 1),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=20)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ablation", action="store_true")
    args = ap.parse_args()
    variants = ABLATIONS if args.ablation else {"all rules": {}}
    rows: dict[str, list[dict]] = {v: [] for v in variants}
    t_sim = t_det = 0.0
    n_true = 0
    for i in range(args.nights):
        t = time.perf_counter()
        night = simulate_night(night_config(i, args.hours), seed=args.seed * 1000 + i)
        t_sim += time.perf_counter() - t
        n_true += int((~night.jerk_sensors["in_gap"]).sum())
        for name, change in variants.items():
            t = time.perf_counter()
            result = detect_night(list(night.recordings.values()), replace(DetectionConfig(), **change))
            t_det += time.perf_counter() - t
            rows[name].append(evaluate(night, result))
    out = dict(nights=args.nights, hours=args.hours, rates_hz=list(RATES), noise_g=list(NOISES_G),
               location_sets=[list(s) for s in LOCATION_SETS], tolerance_s=0.5,
               true_sensor_jerks=n_true, **summary(rows["all rules"], args.nights),
               simulate_s=round(t_sim, 1), detect_s=round(t_det, 1))
    if args.ablation:
        out["ablation"] = {name: dict(f1=(s := summary(r, args.nights))["per_sensor"]["f1"],
                                      recall=s["per_sensor"]["recall"],
                                      fp_per_night=s["fp_per_night"],
                                      fp_per_night_by_kind=s["fp_per_night_by_kind"])
                           for name, r in rows.items()}
    print(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
