"""Factor effects: how diary factors go with the nightly jerk count, with honest uncertainty.

Method (see docs/analysis.md for the reasoning):

* **Nights used** — nights with a jerk count, hours recorded > 0 and every modelled
  factor known (complete cases). The lagged factor ``prev_sleep_debt_h`` needs the
  previous night's diary, so the first night of a run drops out.
* **Factors** — those in :attr:`EffectsConfig.factors` that vary: at least
  ``min_distinct`` used nights differ from the factor's most common value. Others are
  listed as not estimable.
* **Spearman** — rank correlation of each factor with the jerk rate per hour recorded
  (:func:`scipy.stats.spearmanr`), one factor at a time.
* **Count regression** — one multivariable GLM of the count with every estimable factor
  and ``log(hours recorded)`` as offset (exposure). Poisson first; if the Cameron &
  Trivedi (1990) auxiliary-regression test finds over-dispersion (one-sided
  p < ``overdispersion_p``) the model is refitted as a negative binomial (NB2, alpha by
  maximum likelihood). Rate ratios are ``exp(beta)`` per unit of the factor, with Wald
  95 % confidence intervals and p-values. Univariable Poisson/NB rate ratios are given
  too, for comparison; they are confounded when factors go together (tiredness follows
  sleep debt), so the multivariable estimate is the one reported.
* **Multiple comparisons** — p-values are Holm-adjusted over the factors tested; a factor
  counts as a finding only if the adjusted p < ``1 - level``.
* **Too few nights** — with fewer than ``min_nights`` nights used or fewer than
  ``min_jerks`` jerks in total, nothing is concluded (the numbers are still shown).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Label, unit and "for each ..." phrase of each factor, for tables and sentences.
FACTORS: dict[str, tuple[str, str, str]] = {
    "prev_sleep_debt_h": ("sleep debt the night before", "per hour", "each hour of sleep debt the night before"),
    "sleep_debt_h": ("sleep debt that night", "per hour", "each hour of sleep debt that night"),
    "stress": ("stress", "per point (0-10)", "each point of stress (0-10)"),
    "tiredness": ("tiredness", "per point (0-10)", "each point of tiredness (0-10)"),
    "caffeine_drinks": ("caffeine", "per drink", "each caffeinated drink"),
    "alcohol_drinks": ("alcohol", "per drink", "each alcoholic drink"),
    "exercise_h": ("exercise", "per hour", "each hour of exercise"),
    "antidepressant": ("antidepressant", "on vs off", "being on an antidepressant"),
}

EFFECT_COLUMNS = ("factor", "label", "unit", "n_nights", "rho", "rho_p", "rr", "rr_low", "rr_high",
                  "p", "p_holm", "rr_uni", "rr_uni_low", "rr_uni_high", "finding")


@dataclass(frozen=True)
class EffectsConfig:
    """Parameters of the factor analysis.

    Attributes
    ----------
    factors : tuple of str
        Columns of the nights table to test (keys of :data:`FACTORS` by default).
    min_nights : int
        Fewest nights used for any conclusion (two weeks: below it a 95 % CI for a
        rate ratio is typically wider than 0.5-2 and the asymptotic CI undercovers).
    min_jerks : int
        Fewest jerks in total for any conclusion.
    min_distinct : int
        A factor is estimable only if at least this many nights differ from its most
        common value.
    level : float
        Confidence level of the intervals (0.95 = 95 %).
    overdispersion_p : float
        One-sided p-value of the Cameron-Trivedi test below which the negative
        binomial model replaces Poisson.
    """

    factors: tuple[str, ...] = tuple(FACTORS)
    min_nights: int = 14
    min_jerks: int = 10
    min_distinct: int = 3
    level: float = 0.95
    overdispersion_p: float = 0.05


@dataclass(frozen=True)
class Effects:
    """Result of :func:`fit_effects`.

    Attributes
    ----------
    table : DataFrame
        One row per estimable factor (:data:`EFFECT_COLUMNS`): ``rho``/``rho_p``
        (Spearman with the rate per hour recorded), ``rr``/``rr_low``/``rr_high``/``p``
        (multivariable rate ratio per unit, CI, p), ``p_holm`` (Holm-adjusted),
        ``rr_uni*`` (univariable), ``finding`` (adjusted p below 1 - level and
        enough nights).
    model : str
        ``"poisson"``, ``"negative binomial"`` or ``"none"`` (nothing fitted).
    dispersion_p : float
        p-value of the over-dispersion test (NaN if not run).
    n_nights, n_jerks : int
        Nights used and jerks in them.
    enough : bool
        Whether there are enough nights and jerks for conclusions.
    message : str
        Plain-language statement of what can be concluded.
    excluded : dict of str to str
        Factors left out and why.
    coef : dict of str to float
        Fitted log-rate coefficients (``"const"`` and each factor), for plots.
    means : dict of str to float
        Mean of each factor over the nights used, for plots.
    """

    table: pd.DataFrame
    model: str
    dispersion_p: float
    n_nights: int
    n_jerks: int
    enough: bool
    message: str
    excluded: dict[str, str] = field(default_factory=dict)
    coef: dict[str, float] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)


def overdispersion_test(y: np.ndarray, mu: np.ndarray) -> tuple[float, float]:
    """Cameron & Trivedi (1990) test of Poisson over-dispersion (NB2 alternative).

    Regresses ``((y - mu)^2 - y) / mu`` on ``mu`` without intercept; the slope estimates
    alpha in ``Var = mu + alpha * mu^2``.

    Returns
    -------
    alpha : float
        Estimated dispersion (0 = Poisson).
    p : float
        One-sided p-value for alpha > 0.
    """
    from scipy import stats

    aux = ((y - mu) ** 2 - y) / mu
    alpha = float(np.sum(aux * mu) / np.sum(mu**2))
    resid = aux - alpha * mu
    dof = max(len(y) - 1, 1)
    se = float(np.sqrt(np.sum(resid**2) / dof / np.sum(mu**2)))
    if se == 0:
        return alpha, 0.0 if alpha > 0 else 1.0
    return alpha, float(stats.t.sf(alpha / se, dof))


def _fit_counts(y: np.ndarray, X: np.ndarray, exposure: np.ndarray, cfg: EffectsConfig):
    """Fit Poisson, or NB2 on over-dispersion. Returns (params, conf_int, pvalues, model, disp_p)."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationWarning,
    )

    quiet = (ConvergenceWarning, HessianInversionWarning, PerfectSeparationWarning, RuntimeWarning)
    with warnings.catch_warnings():  # non-convergence is checked below, not warned about
        for w in quiet:
            warnings.simplefilter("ignore", w)
        pois = sm.GLM(y, X, family=sm.families.Poisson(), exposure=exposure).fit()
        alpha, disp_p = overdispersion_test(y, pois.mu)
        res, model = pois, "poisson"
        if disp_p < cfg.overdispersion_p:
            model = "negative binomial"
            nb = sm.NegativeBinomial(y, X, exposure=exposure).fit(disp=0, maxiter=300)
            if nb.mle_retvals.get("converged", False) and np.all(np.isfinite(nb.bse)):
                res = nb
            else:  # fall back to the GLM with the moment estimate of alpha
                res = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=max(alpha, 1e-3)),
                             exposure=exposure).fit()
    k = X.shape[1]
    params = np.asarray(res.params)[:k]
    ci = np.asarray(res.conf_int(alpha=1 - cfg.level))[:k]
    p = np.asarray(res.pvalues)[:k]
    return params, ci, p, model, disp_p


def fit_effects(nights: pd.DataFrame, config: EffectsConfig | None = None) -> Effects:
    """Rate ratios of diary factors on the nightly jerk count.

    Parameters
    ----------
    nights : DataFrame
        One row per night with ``n_jerks``, ``hours_recorded`` (h) and the factor
        columns (see :func:`analysis.nights.nights_table`).
    config : EffectsConfig, optional

    Returns
    -------
    Effects
        See :class:`Effects`; the module docstring describes the method.

    Examples
    --------
    Two months of a simulated diary whose true effects are known:

    >>> import hypnic
    >>> from analysis.diary import entries_from_simulation
    >>> from analysis.nights import add_sleep_debt
    >>> diary = hypnic.simulate_diary(60, seed=1, antidepressant_prob=1.0)
    >>> nights = add_sleep_debt(hypnic.diary_frame(entries_from_simulation(diary)).assign(
    ...     n_jerks=diary["n_jerks"].to_numpy(), hours_recorded=diary["hours_in_bed"].to_numpy()))
    >>> effects = fit_effects(nights)
    >>> effects.enough, effects.model, effects.n_nights
    (True, 'poisson', 59)
    >>> round(float(effects.table.set_index("factor").at["antidepressant", "rr"]), 1)
    2.1
    """
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    cfg = config or EffectsConfig()
    present = [f for f in cfg.factors if f in nights.columns]
    excluded = {f: "not in the diary" for f in cfg.factors if f not in nights.columns}
    base = nights[(nights["n_jerks"].notna()) & (nights["hours_recorded"] > 0)]
    data = base.dropna(subset=present)
    usable = []
    for f in present:
        x = data[f].to_numpy(float)
        if len(x) and (x != pd.Series(x).mode().iloc[0]).sum() >= cfg.min_distinct:
            usable.append(f)
        else:
            excluded[f] = f"fewer than {cfg.min_distinct} nights differ from its usual value"
    if len(usable) < len(present):  # refit the complete cases on the usable factors only
        data = base.dropna(subset=usable)
    n, n_jerks = len(data), int(data["n_jerks"].sum()) if len(data) else 0
    enough = n >= cfg.min_nights and n_jerks >= cfg.min_jerks
    rows, coef, model, disp_p = [], {}, "none", float("nan")
    y = data["n_jerks"].to_numpy(float)
    expo = data["hours_recorded"].to_numpy(float)
    k = len(usable)
    if usable and n - k - 1 >= 3 and n_jerks > 0:
        X = np.column_stack([np.ones(n), data[usable].to_numpy(float)])
        params, ci, p, model, disp_p = _fit_counts(y, X, expo, cfg)
        coef = {"const": float(params[0]), **{f: float(b) for f, b in zip(usable, params[1:], strict=True)}}
        p_holm = multipletests(p[1:], method="holm")[1]
        rate = y / expo
        for i, f in enumerate(usable, start=1):
            x = data[f].to_numpy(float)
            rho, rho_p = stats.spearmanr(x, rate)
            up, uci, _, _, _ = _fit_counts(y, np.column_stack([np.ones(n), x]), expo, cfg)
            label, unit, _ = FACTORS.get(f, (f, "per unit", f"each unit of {f}"))
            rows.append(dict(
                factor=f, label=label, unit=unit, n_nights=n, rho=float(rho), rho_p=float(rho_p),
                rr=float(np.exp(params[i])), rr_low=float(np.exp(ci[i, 0])), rr_high=float(np.exp(ci[i, 1])),
                p=float(p[i]), p_holm=float(p_holm[i - 1]), rr_uni=float(np.exp(up[1])),
                rr_uni_low=float(np.exp(uci[1, 0])), rr_uni_high=float(np.exp(uci[1, 1])),
                finding=bool(enough and p_holm[i - 1] < 1 - cfg.level)))
    elif usable:
        for f in usable:
            excluded[f] = f"too few nights ({n}) to fit {k} factor(s)"
    table = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    if not enough:
        message = (f"Too few nights for a conclusion: {n} night(s) with a complete diary and "
                   f"{n_jerks} jerk(s); hypnic needs at least {cfg.min_nights} nights and "
                   f"{cfg.min_jerks} jerks. Keep recording and logging.")
    else:
        message = (f"{n} nights and {n_jerks} jerks analysed; {len(usable)} factors tested "
                   f"together ({model} model), p-values Holm-adjusted for testing "
                   f"{len(usable)} factors.")
    log.info("effects: %s", message)
    means = {f: float(data[f].mean()) for f in usable}
    return Effects(table, model, disp_p, n, n_jerks, enough, message, excluded, coef, means)


def _pct(rr: float) -> str:
    return f"{(rr - 1) * 100:+.0f}%"


def describe(effects: Effects) -> list[str]:
    """Plain-language sentences, one per tested factor (findings first)."""
    if effects.table.empty:
        return [effects.message]
    out = []
    t = effects.table.sort_values(["finding", "p"], ascending=[False, True])
    for r in t.itertuples():
        ci = f"95% CI {r.rr_low:.2f} to {r.rr_high:.2f}"
        if r.factor == "antidepressant":
            size = f"{r.rr:.2f} times the jerk rate when on an antidepressant"
        else:
            phrase = FACTORS.get(r.factor, (0, 0, f"each unit of {r.factor}"))[2]
            size = f"{_pct(r.rr)} jerks for {phrase}"
        if r.finding:
            out.append(f"{r.label.capitalize()}: {size} ({ci}). This holds up after allowing "
                       f"for testing several factors.")
        elif r.p < 0.05:
            out.append(f"{r.label.capitalize()}: possibly {size} ({ci}, p = {r.p:.3f}), but "
                       f"with {len(effects.table)} factors tested this may be chance "
                       f"(adjusted p = {r.p_holm:.2f}).")
        else:
            out.append(f"{r.label.capitalize()}: no clear link ({size}, {ci}).")
    return out
