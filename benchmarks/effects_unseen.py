"""How honest the factor analysis stays on diaries that hypnic's own simulator did not make.

:func:`analysis.effects.fit_effects` was benchmarked (``benchmarks/effects.py``) on the
project's simulator, whose nights are independent and whose counts are plain Poisson. This
script writes diaries from a family of models of its own, written without reading that
simulator, from what is known about sleep diaries and sleep starts:

* every model: a sleeper of their own (base rate from a gamma frailty, own habits), 5-9 h
  recorded a night, tiredness that follows sleep debt and stress, caffeine that follows
  tiredness, an antidepressant started part-way in half of the diaries;
* ``plain``: Poisson counts, nights independent (the check that this generator agrees
  with the project's own figures);
* ``overdispersed``: negative binomial counts (night-level gamma, alpha 0.3-1.0);
* ``autocorrelated``: AR(1) log rate (rho 0.3-0.6, stationary sd 0.4), and stress and
  sleep that persist from day to day (AR(1), rho 0.6);
* ``weekly``: work-day and weekend habits (more caffeine and less sleep on work days,
  alcohol on Friday and Saturday nights, more exercise at weekends, less stress);
* ``detector``: each true jerk counted with probability 0.6-0.9, plus Poisson false counts
  of 0.1-0.5 a night;
* ``missing``: 10-30 % of nights without a diary entry, more on stressful days and at
  weekends (missing not completely at random), and 5 % of nights not recorded;
* ``threshold``: caffeine matters only from the third drink (RR 1.6 at 3+), not per drink;
* ``per-fall``: jerks come with falling asleep, not with each hour in bed: a night's
  expected count does not grow with its hours recorded (the others: in proportion);
* ``null``: no factor matters, under the nuisances of the real world (over-dispersion,
  autocorrelation, persistent factors, weekly habits);
* ``realistic``: all of the above at once, with the effects.

Real effects (the log-linear models): RR 1.3 per hour of sleep debt the night before, 1.1
per stress point, 1.15 per caffeinated drink, 1.8 on an antidepressant; the other four
factors 1.0. **The true RR** a 95 % CI should cover is the rate ratio of the *counted*
rate: the causal one where the model is log-linear in the factors (thinning, frailty,
gamma and AR noise move only the intercept); under the detector, whose false counts make
the counted rate ``p * mu + f`` not log-linear, it is the pseudo-true value (the limit a
Poisson GLM of the counts converges to: the same model fitted to the expected counted
means of 6000 nights of the same sleeper). For ``threshold`` no log-linear RR is true:
coverage is not applicable, and the figures are power (caffeine) and false findings.

Per model, diary length and factor: CI coverage of the true RR, the share of fits with the
raw p < 0.05 (the Wald test's size for a null factor), the false-finding rate (a null
factor called a finding after Holm's adjustment; target <= 5 %) and power (a real
effect called a finding). ``worst`` gives the lowest coverage and highest false-finding
rate across models (not an average), with where they occur.

Usage: ``python benchmarks/effects_unseen.py [--diaries 300] [--seed 0] [--nights 28,56]
[--models plain,null,...]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.effects import FACTORS, fit_effects, hours_term
from analysis.nights import add_sleep_debt

#: The real effects of the log-linear models (RR per unit); the other factors 1.0.
EFFECTS = {"prev_sleep_debt_h": 1.3, "stress": 1.1, "caffeine_drinks": 1.15, "antidepressant": 1.8}
#: A sleeper's typical jerks per hour at zero exposure (their own is a gamma frailty around it).
BASE_PER_H = 0.25
#: Hours of a typical night, h: the ``per-fall`` model's count is its base rate times these.
TYPICAL_HOURS = 7.5


@dataclass(frozen=True)
class Model:
    """One way diaries and counts may be made (ranges are drawn per diary)."""

    name: str
    effects: dict[str, float] = field(default_factory=lambda: dict(EFFECTS))
    base_per_h: float = BASE_PER_H
    caffeine_3plus_rr: float = 1.0   # RR from the third drink on (the threshold model)
    nb_alpha: tuple[float, float] = (0.0, 0.0)
    ar_rho: tuple[float, float] = (0.0, 0.0)
    ar_sd: float = 0.0               # stationary sd of the AR(1) log rate
    factor_rho: float = 0.0          # day-to-day persistence of stress and sleep
    weekly: bool = False
    detect_p: tuple[float, float] = (1.0, 1.0)
    false_per_night: tuple[float, float] = (0.0, 0.0)
    missing: tuple[float, float] = (0.0, 0.0)  # share of nights without a diary entry
    unrecorded: float = 0.0          # share of nights not recorded
    per_hour: bool = True            # the expected count grows in proportion to the hours recorded

    @property
    def log_linear(self) -> bool:
        """Whether the counted rate is log-linear in the factors (a causal RR is the true one)."""
        return self.caffeine_3plus_rr == 1.0 and self.false_per_night == (0.0, 0.0)


_NUISANCE = dict(nb_alpha=(0.3, 1.0), ar_rho=(0.3, 0.6), ar_sd=0.4, factor_rho=0.6, weekly=True)
MODELS = {m.name: m for m in (
    Model("plain"),
    Model("overdispersed", nb_alpha=(0.3, 1.0)),
    Model("autocorrelated", ar_rho=(0.3, 0.6), ar_sd=0.4, factor_rho=0.6),
    Model("weekly", weekly=True),
    Model("detector", detect_p=(0.6, 0.9), false_per_night=(0.1, 0.5)),
    Model("missing", missing=(0.1, 0.3), unrecorded=0.05),
    Model("threshold", effects={k: v for k, v in EFFECTS.items() if k != "caffeine_drinks"},
          caffeine_3plus_rr=1.6),
    Model("per-fall", per_hour=False),
    Model("null", effects={}, base_per_h=0.55, **_NUISANCE),  # type: ignore[arg-type]
    Model("realistic", detect_p=(0.6, 0.9), false_per_night=(0.1, 0.5), missing=(0.1, 0.3),
          unrecorded=0.05, **_NUISANCE),  # type: ignore[arg-type]
)}


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    """A stationary AR(1) series of ``n`` values with lag-one correlation ``rho`` and sd ``sd``."""
    e = np.empty(n)
    e[0] = rng.normal(0, sd)
    innov = rng.normal(0, sd * math.sqrt(1 - rho**2), n)
    for t in range(1, n):
        e[t] = rho * e[t - 1] + innov[t]
    return e


def draw_sleeper(model: Model, rng: np.random.Generator) -> dict:
    """One sleeper's own parameters (everything drawn once per diary)."""
    return dict(
        base=model.base_per_h * rng.gamma(3.0, 1 / 3),
        sleep_mean=rng.uniform(6.6, 7.8), stress_mean=rng.uniform(2.0, 5.0),
        caffeine_mean=rng.uniform(0.5, 2.5), drinker=rng.random() < 0.75,
        exercise_prob=rng.uniform(0.15, 0.45), starts_antidepressant=rng.random() < 0.5,
        alpha=rng.uniform(*model.nb_alpha), rho=rng.uniform(*model.ar_rho),
        p=rng.uniform(*model.detect_p), false=rng.uniform(*model.false_per_night),
        missing=rng.uniform(*model.missing), weekday0=int(rng.integers(7)))


def draw_factors(model: Model, s: dict, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` nights of a sleeper's diary with every entry, hours recorded and the expected
    true jerks (``mu``: before count noise, AR noise and detection), indexed by night."""
    start = dt.date(2025, 1, 6) + dt.timedelta(days=s["weekday0"])
    nights = [start + dt.timedelta(days=i) for i in range(n)]
    dow = np.array([d.weekday() for d in nights])
    free_next = np.isin(dow, (4, 5))        # Friday and Saturday nights: no work the next day
    work_day = dow < 5
    w = 1.0 if model.weekly else 0.0
    sleep_dev = _ar1(rng, n, model.factor_rho, 0.9)
    slept = np.clip(s["sleep_mean"] + w * np.where(free_next, 0.9, -0.3) + sleep_dev, 3.5, 10.5)
    slept = np.round(slept * 4) / 4
    stress_dev = _ar1(rng, n, model.factor_rho, 1.6)
    stress = np.clip(np.round(s["stress_mean"] + w * np.where(free_next, -1.2, 0.3) + stress_dev), 0, 10)
    debt = np.clip(8.0 - slept, 0, None)
    tired = np.clip(np.round(1.5 + 0.9 * debt + 0.25 * stress + rng.normal(0, 1.2, n)), 0, 10)
    caf_mean = s["caffeine_mean"] * np.where(work_day, 1.2, 0.6) ** w * np.exp(0.12 * (tired - 4))
    caffeine = np.minimum(rng.poisson(caf_mean), 8).astype(float)
    alc_mean = np.where(free_next, 1.8, 0.3) if model.weekly else np.full(n, 0.7)
    alcohol = (rng.poisson(alc_mean) * s["drinker"]).astype(float)
    ex_prob = np.where(work_day, 0.8, 1.6) ** w * s["exercise_prob"]
    exercise = np.where(rng.random(n) < ex_prob,
                        np.maximum(np.round(rng.gamma(2.0, 0.4, n) * 4) / 4, 0.25), 0.0)
    anti = np.zeros(n)
    if s["starts_antidepressant"]:
        anti[int(rng.integers(n // 4, 3 * n // 4 + 1)):] = 1.0
    in_bed = slept + rng.uniform(0.2, 1.0, n)
    hours = np.clip(in_bed + rng.normal(0, 0.3, n), 5.0, 9.0)
    table = pd.DataFrame(dict(hours_slept=slept, stress=stress, tiredness=tired,
                              caffeine_drinks=caffeine, alcohol_drinks=alcohol, exercise_h=exercise,
                              antidepressant=anti, hours_recorded=hours), index=pd.Index(nights, name="night"))
    table = add_sleep_debt(table)
    log_rr = sum(math.log(rr) * table[f].fillna(0).to_numpy() for f, rr in model.effects.items())
    log_rr = log_rr + math.log(model.caffeine_3plus_rr) * (caffeine >= 3)
    # the first night has no night before in the diary: its sleep debt then is the sleeper's usual
    table["mu"] = s["base"] * np.exp(log_rr) * (hours if model.per_hour else TYPICAL_HOURS)
    if "prev_sleep_debt_h" in model.effects:
        first = np.isnan(table["prev_sleep_debt_h"].to_numpy())
        usual = max(8.0 - s["sleep_mean"], 0.0) * math.log(model.effects["prev_sleep_debt_h"])
        table.loc[first, "mu"] *= math.exp(usual)
    return table


def simulate(model: Model, n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """A diary of ``n`` nights as :func:`fit_effects` takes it, and the sleeper's parameters."""
    s = draw_sleeper(model, rng)
    table = draw_factors(model, s, n, rng)
    lam = table["mu"].to_numpy()
    if model.ar_sd:
        lam = lam * np.exp(_ar1(rng, n, s["rho"], model.ar_sd) - model.ar_sd**2 / 2)
    if s["alpha"] > 0:
        lam = lam * rng.gamma(1 / s["alpha"], s["alpha"], n)
    true_jerks = rng.poisson(lam)
    counted = rng.binomial(true_jerks, s["p"]) + rng.poisson(s["false"], n)
    table["n_jerks"] = counted.astype(float)
    if s["missing"] > 0:  # more entries missing on stressful days and at weekends
        z = (table["stress"].to_numpy() - s["stress_mean"]) / 1.6
        weekend = np.isin([d.weekday() for d in table.index], (4, 5))
        logit = math.log(s["missing"] / (1 - s["missing"])) + 0.7 * z + 0.5 * weekend - 0.1
        gone = rng.random(n) < 1 / (1 + np.exp(-logit))
        entries = ["hours_slept", "stress", "tiredness", "caffeine_drinks", "alcohol_drinks",
                   "exercise_h", "antidepressant"]
        table.loc[gone, entries] = np.nan
        table = add_sleep_debt(table.drop(columns=["sleep_debt_h", "prev_sleep_debt_h"]))
    if model.unrecorded:
        table.loc[rng.random(n) < model.unrecorded, "n_jerks"] = np.nan
    return table.drop(columns=["mu"]), s


def true_rr(model: Model, s: dict, factors: list[str], rng: np.random.Generator) -> dict[str, float]:
    """The RR per factor that a 95 % CI of the fit on ``factors`` should cover (see the module
    docstring): causal where the counted rate is log-linear, else the Poisson GLM's
    pseudo-true value on 6000 nights of the same sleeper's expected counted means (the
    model :func:`fit_effects` fits: the factors and the night's length)."""
    causal = {f: model.effects.get(f, 1.0) for f in factors}
    if model.log_linear:
        return causal
    import statsmodels.api as sm

    long = draw_factors(model, s, 6000, rng).dropna(subset=factors)
    expected = s["p"] * long["mu"].to_numpy() + s["false"]
    hours = hours_term(long["hours_recorded"].to_numpy(float), 3)  # as fit_effects fits them
    X = np.column_stack([np.ones(len(long)), long[factors].to_numpy(float), *hours])
    with warnings.catch_warnings():  # a non-integer Poisson response is intended
        warnings.simplefilter("ignore")
        fit = sm.GLM(expected, X, family=sm.families.Poisson(), exposure=long["hours_recorded"]).fit()
    return {f: float(np.exp(b)) for f, b in zip(factors, fit.params[1:len(factors) + 1], strict=True)}


def run(model: Model, nights: int, diaries: int, seed: int) -> dict:
    """Fit ``diaries`` diaries of ``nights`` nights of ``model``; figures per factor."""
    rows, nb, enough, any_false = [], 0, 0, 0
    for i in range(diaries):
        rng = np.random.default_rng([seed, nights, i, sum(map(ord, model.name))])
        table, s = simulate(model, nights, rng)
        eff = fit_effects(table)
        nb += eff.model == "negative binomial"
        enough += eff.enough
        factors = list(eff.table["factor"])
        truth = true_rr(model, s, factors, rng) if factors else {}
        false_here = False
        for r in eff.table.itertuples():
            null = model.effects.get(r.factor, 1.0) == 1.0 and not (
                r.factor == "caffeine_drinks" and model.caffeine_3plus_rr != 1.0)
            false_here |= null and r.finding
            rows.append(dict(factor=r.factor, null=null, true_rr=truth[r.factor],
                             covered=r.rr_low <= truth[r.factor] <= r.rr_high,
                             log_err=math.log(r.rr / truth[r.factor]), raw=r.p < 0.05, finding=r.finding))
        any_false += false_here
    df = pd.DataFrame(rows)
    per = {}
    for f, g in df.groupby("factor", sort=False):
        null = bool(g.null.iloc[0])
        per[f] = dict(
            null=null, true_rr=round(float(g.true_rr.median()), 3), n_fits=len(g),
            coverage=round(float(g.covered.mean()), 3) if model.caffeine_3plus_rr == 1.0 else None,
            bias_log_rr=round(float(g.log_err.mean()), 4),
            p_below_05=round(float(g.raw.mean()), 3),
            **({"false_finding_rate": round(float(g.finding.mean()), 3)} if null
               else {"power": round(float(g.finding.mean()), 3)}))
    cov = {f: v["coverage"] for f, v in per.items() if v["coverage"] is not None}
    ffr = {f: v["false_finding_rate"] for f, v in per.items() if v["null"]}
    size = {f: v["p_below_05"] for f, v in per.items() if v["null"]}
    return dict(
        min_coverage=min(cov.values()) if cov else None,
        min_coverage_factor=min(cov, key=lambda f: cov[f]) if cov else None,
        max_false_finding_rate=max(ffr.values()) if ffr else None,
        max_false_finding_factor=max(ffr, key=lambda f: ffr[f]) if ffr else None,
        max_null_p_below_05=max(size.values()) if size else None,
        diaries_with_a_false_finding=round(any_false / diaries, 3),
        share_enough=round(enough / diaries, 3), share_negative_binomial=round(nb / diaries, 3),
        factors=per)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog=f"models: {', '.join(MODELS)}; factors: {', '.join(FACTORS)}")
    ap.add_argument("--diaries", type=int, default=300, help="diaries per model and length (default 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--nights", default="28,56", help="diary lengths, comma-separated (default 28,56)")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset (default: all)")
    args = ap.parse_args()
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    if unknown := [m for m in names if m not in MODELS]:
        ap.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    lengths = [int(n) for n in args.nights.split(",")]
    t0 = time.perf_counter()
    out: dict = {}
    for name in names:
        for n in lengths:
            out[f"{name}/{n}"] = run(MODELS[name], n, args.diaries, args.seed)
    cov = [(v["min_coverage"], k, v["min_coverage_factor"]) for k, v in out.items() if v["min_coverage"] is not None]
    ffr = [(v["max_false_finding_rate"], k, v["max_false_finding_factor"]) for k, v in out.items()
           if v["max_false_finding_rate"] is not None]
    worst = {}
    if cov:
        c = min(cov)
        worst["min_coverage"] = dict(value=c[0], model=c[1], factor=c[2])
    if ffr:
        f = max(ffr)
        worst["max_false_finding_rate"] = dict(value=f[0], model=f[1], factor=f[2])
    worst["max_diaries_with_a_false_finding"] = max(v["diaries_with_a_false_finding"] for v in out.values())
    print(json.dumps(dict(benchmark="effects_unseen", diaries=args.diaries, seed=args.seed, nights=lengths,
                          target_coverage=0.90, target_false_finding_rate=0.05, worst=worst, models=out,
                          seconds=round(time.perf_counter() - t0, 1))))


if __name__ == "__main__":
    main()
