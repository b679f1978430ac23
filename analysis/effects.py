"""Factor effects: how diary factors go with the nightly jerk count, with honest uncertainty.

Method (see docs/analysis.md for the reasoning):

* **Factors** — those in :attr:`EffectsConfig.factors` that vary: at least
  ``min_distinct`` of the nights it is known on differ from its most common value, and
  again on the complete cases of those that vary (one never logged leaves out no night).
  Others are listed as not estimable.
* **Nights used** — nights with a jerk count, hours recorded > 0 and every tested factor
  known (complete cases). The lagged factor ``prev_sleep_debt_h`` needs the previous
  night's diary, so the first night of a run drops out.
* **Spearman** — rank correlation of each factor with the jerk rate per hour recorded
  (:func:`scipy.stats.spearmanr`), one factor at a time.
* **Count regression** — one multivariable GLM of the count with every estimable factor
  and ``log(hours recorded)`` as offset (exposure), and the same log hours as a term of
  its own (:attr:`EffectsConfig.fit_hours`): how the count grows with the night's length
  is fitted, not assumed proportional (sleep starts come with falling asleep, not with
  each hour in bed). Poisson first; if the Cameron &
  Trivedi (1990) auxiliary-regression test finds over-dispersion (one-sided
  p < ``overdispersion_p``) the model is refitted as a negative binomial (NB2, alpha by
  maximum likelihood). Rate ratios are ``exp(beta)`` per unit of the factor.
* **Standard errors** — each coefficient's is the larger of two (:func:`_standard_errors`):
  the model's own, scaled up by the Pearson dispersion of the fit when that exceeds 1
  (quasi-likelihood: the over-dispersion a test on a few weeks misses, or a negative
  binomial's alpha fitted too small), and a HAC (Newey-West) sandwich over nights up to
  ``hac_nights`` calendar nights apart (runs of similar nights: a stressful week, a bad
  spell), with the ``n / (n - k)`` small-sample factor. The larger is taken because a
  sandwich on a few weeks is itself too small on average (Angrist & Pischke 2009, 8.1).
  95 % confidence intervals and p-values use Student's t with ``n - k`` degrees of
  freedom (k coefficients), not the normal. Univariable Poisson/NB rate ratios are given
  too, for comparison; they are confounded when factors go together (tiredness follows
  sleep debt), so the multivariable estimate is the one reported.
* **Multiple comparisons** — p-values are Holm-adjusted over the factors tested; a factor
  counts as a finding only if the adjusted p < ``1 - level``.
* **Too few nights** — with fewer than ``min_nights`` nights used or fewer than
  ``min_jerks`` jerks in total, nothing is concluded (the numbers are still shown).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.diary import FIELDS
from analysis.nights import counted_nights, no_sleep_found

log = logging.getLogger(__name__)

class Factor(NamedTuple):
    """How a diary factor is named in tables, sentences and plots.

    Attributes
    ----------
    label : str
        Short name (``"stress"``).
    unit : str
        What one unit of the rate ratio is (``"per point (0-10)"``).
    phrase : str
        "for each ..." phrase of a sentence (``"each point of stress (0-10)"``).
    axis : str
        Axis label of a plot of the factor (``"stress, points (0-10)"``).
    binary : bool
        A yes/no factor (1 = yes), plotted as off/on.
    """

    label: str
    unit: str
    phrase: str
    axis: str
    binary: bool = False


#: How each factor of the nights table is named (:class:`Factor`).
FACTORS: dict[str, Factor] = {
    "prev_sleep_debt_h": Factor("sleep debt the night before", "per hour",
                                "each hour of sleep debt the night before",
                                "sleep debt the night before, h"),
    "sleep_debt_h": Factor("sleep debt that night", "per hour", "each hour of sleep debt that night",
                           "sleep debt that night, h"),
    "stress": Factor("stress", "per point (0-10)", "each point of stress (0-10)", "stress, points (0-10)"),
    "tiredness": Factor("tiredness", "per point (0-10)", "each point of tiredness (0-10)",
                        "tiredness, points (0-10)"),
    "caffeine_drinks": Factor("caffeine", "per drink", "each caffeinated drink", "caffeinated drinks"),
    "alcohol_drinks": Factor("alcohol", "per drink", "each alcoholic drink", "alcoholic drinks"),
    "exercise_h": Factor("exercise", "per hour", "each hour of exercise", "exercise, h"),
    "antidepressant": Factor("antidepressant", "on vs off", "being on an antidepressant",
                             "antidepressant", binary=True),
}


def factor_info(name: str) -> Factor:
    """How factor ``name`` is named (:data:`FACTORS`; a plain default for other columns)."""
    return FACTORS.get(name) or Factor(name, "per unit", f"each unit of {name}", name)


def excluded_text(excluded: dict[str, str]) -> str:
    """Factors left untested and why, one clause per reason (eight factors with too few
    nights apart from their usual value read as one clause, not eight).

    Examples
    --------
    >>> excluded_text({"stress": "not in the diary", "caffeine_drinks": "not in the diary"})
    'stress, caffeine (each): not in the diary'
    """
    by_why: dict[str, list[str]] = {}
    for name, why in excluded.items():
        by_why.setdefault(why, []).append(factor_info(name).label)
    return "; ".join(f"{', '.join(labels)}{' (each)' if len(labels) > 1 else ''}: {why}"
                     for why, labels in by_why.items())


#: Verdict of a tested factor: the effect holds up after allowing for testing several
#: factors (and there are enough nights); its interval excludes no effect but that is
#: not confirmed; or no clear link.
VERDICTS = ("finding", "unconfirmed", "no clear link")
#: What each verdict is called for a reader of the report ("finding" is jargon).
VERDICT_WORDS = {"finding": "clear link", "unconfirmed": "not confirmed", "no clear link": "no clear link"}

EFFECT_COLUMNS = ("factor", "label", "unit", "n_nights", "rho", "rho_p", "rr", "rr_low", "rr_high",
                  "p", "p_holm", "rr_uni", "rr_uni_low", "rr_uni_high", "finding", "verdict")


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
    hac_nights : int
        Nights up to this many calendar nights apart count as going together in the
        HAC standard error (Bartlett weights); 0 leaves out the HAC term (the standard
        error is then the model's, scaled by the Pearson dispersion when above 1).
    fit_hours : bool
        Fit how the count grows with the hours recorded (a ``log(hours recorded)`` term
        beside the offset), rather than assume it grows in proportion (the offset alone).
        Sleep starts come with falling asleep, not with each hour in bed: assumed
        proportional, a short night's few hours make its jerks look frequent, and the
        sleep debt that goes with short nights looks like a cause.
    """

    factors: tuple[str, ...] = tuple(FACTORS)
    min_nights: int = 14
    min_jerks: int = 10
    min_distinct: int = 3
    level: float = 0.95
    overdispersion_p: float = 0.05
    hac_nights: int = 2
    fit_hours: bool = True


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
        enough nights) and ``verdict`` (one of :data:`VERDICTS`).
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
    hours_fitted : bool
        Whether the night's length was a term of the model (:attr:`EffectsConfig.fit_hours`,
        and at least ``min_distinct`` nights differ in length), so that a description of
        the method says so only when it was.
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
    hours_fitted: bool = False


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


def night_numbers(index: pd.Index) -> np.ndarray:
    """Calendar night of each row as a day number: dates (a nights table's index) as
    ordinals, integers as they are, anything else as the row's position."""
    if isinstance(index, pd.DatetimeIndex):
        return np.asarray(index.map(lambda d: d.toordinal()), dtype=np.int64)
    if len(index) and all(isinstance(d, dt.date) for d in index):
        return np.array([d.toordinal() for d in index], dtype=np.int64)
    if pd.api.types.is_integer_dtype(index):
        return np.asarray(index, dtype=np.int64)
    return np.arange(len(index), dtype=np.int64)


def _standard_errors(res, y: np.ndarray, X: np.ndarray, alpha: float, days: np.ndarray,
                     hac_nights: int) -> np.ndarray:
    """Standard errors of a log-link count GLM ``res`` (Poisson, or NB2 with ``alpha``): per
    coefficient the larger of the model's, scaled by the Pearson dispersion when above 1,
    and a Bartlett-kernel HAC sandwich over rows up to ``hac_nights`` calendar nights
    apart (``days``), times ``n / (n - k)``. See the module docstring."""
    n, k = X.shape
    bread = np.asarray(res.cov_params())  # (X' W X)^-1, W = mu / (1 + alpha mu): scale 1
    mu = np.asarray(res.mu)
    pearson = float(np.sum((y - mu) ** 2 / (mu + alpha * mu**2))) / max(n - k, 1)
    var = np.diag(bread) * max(pearson, 1.0)
    if hac_nights > 0:
        scores = X * ((y - mu) / (1 + alpha * mu))[:, None]
        lag = np.abs(days[:, None] - days[None, :])
        weights = np.clip(1 - lag / (hac_nights + 1), 0, None)
        meat = scores.T @ weights @ scores
        hac = bread @ meat @ bread * n / max(n - k, 1)
        var = np.maximum(var, np.diag(hac))
    return np.sqrt(var)


def _fit_counts(y: np.ndarray, X: np.ndarray, exposure: np.ndarray, cfg: EffectsConfig,
                days: np.ndarray | None = None):
    """Fit Poisson, or NB2 on over-dispersion, with the standard errors of
    :func:`_standard_errors` and Student-t intervals. ``days``: each row's calendar night
    (:func:`night_numbers`; rows in order by default). Returns (params, conf_int,
    pvalues, model, disp_p)."""
    import statsmodels.api as sm
    from scipy import stats
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
        res, model, nb_alpha = pois, "poisson", 0.0
        if disp_p < cfg.overdispersion_p:
            model = "negative binomial"
            nb = sm.NegativeBinomial(y, X, exposure=exposure).fit(disp=0, maxiter=300)
            if nb.mle_retvals.get("converged", False) and np.all(np.isfinite(nb.bse)):
                nb_alpha = float(np.asarray(nb.params)[-1])
            else:  # the moment estimate of alpha
                nb_alpha = max(alpha, 1e-3)
            # the GLM at alpha has the maximum-likelihood betas (same score given alpha)
            res = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=nb_alpha),
                         exposure=exposure).fit()
        n, k = X.shape
        params = np.asarray(res.params)
        se = _standard_errors(res, y, X, nb_alpha, np.arange(n) if days is None else days,
                              cfg.hac_nights)
        df = max(n - k, 1)
        q = stats.t.ppf(1 - (1 - cfg.level) / 2, df)
        ci = np.column_stack([params - q * se, params + q * se])
        p = 2 * stats.t.sf(np.abs(params / se), df)
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
    2.0
    """
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    cfg = config or EffectsConfig()
    counted = counted_nights(nights)  # (a nights table: checked first)
    present = [f for f in cfg.factors if f in nights.columns]
    excluded = {f: "not in the diary" for f in cfg.factors if f not in nights.columns}
    base = nights[counted]
    # a factor is judged on the nights it is known (one never logged blocks no other),
    # then again on the complete cases of those that vary
    usable = [f for f in present if _varies(base[f].dropna().to_numpy(float), cfg.min_distinct)]
    usable = [f for f in usable if _varies(base.dropna(subset=usable)[f].to_numpy(float), cfg.min_distinct)]
    excluded |= {f: f"fewer than {cfg.min_distinct} nights differ from its usual value"
                 for f in present if f not in usable}
    data = base.dropna(subset=usable)
    n, n_jerks = len(data), int(data["n_jerks"].sum()) if len(data) else 0
    enough = n >= cfg.min_nights and n_jerks >= cfg.min_jerks
    rows, coef, model, disp_p = [], {}, "none", float("nan")
    y = data["n_jerks"].to_numpy(float)
    expo = data["hours_recorded"].to_numpy(float)
    hours = hours_term(expo, cfg.min_distinct) if cfg.fit_hours else []
    k = len(usable) + len(hours)
    if usable and n - k - 1 >= 3 and n_jerks > 0:
        X = np.column_stack([np.ones(n), data[usable].to_numpy(float), *hours])
        days = night_numbers(data.index)
        params, ci, p, model, disp_p = _fit_counts(y, X, expo, cfg, days)
        coef = {"const": float(params[0]), **{f: float(b) for f, b in zip(usable, params[1:], strict=False)}}
        p_holm = multipletests(p[1:len(usable) + 1], method="holm")[1]
        rate = y / expo
        for i, f in enumerate(usable, start=1):
            x = data[f].to_numpy(float)
            rho, rho_p = stats.spearmanr(x, rate)
            up, uci, _, _, _ = _fit_counts(y, np.column_stack([np.ones(n), x, *hours]), expo, cfg, days)
            info = factor_info(f)
            finding = bool(enough and p_holm[i - 1] < 1 - cfg.level)
            verdict = VERDICTS[0] if finding else VERDICTS[1] if p[i] < 1 - cfg.level else VERDICTS[2]
            # a factor whose every night off its usual value had no jerk (separation) has no
            # maximum-likelihood estimate: its interval runs to 0 or to inf, and is so shown
            with np.errstate(over="ignore"):
                rr, lo, hi, ru, ru_lo, ru_hi = (float(v) for v in np.exp(
                    [params[i], ci[i, 0], ci[i, 1], up[1], uci[1, 0], uci[1, 1]]))
            rows.append(dict(
                factor=f, label=info.label, unit=info.unit, n_nights=n, rho=float(rho), rho_p=float(rho_p),
                rr=rr, rr_low=lo, rr_high=hi, p=float(p[i]), p_holm=float(p_holm[i - 1]), rr_uni=ru,
                rr_uni_low=ru_lo, rr_uni_high=ru_hi, finding=finding, verdict=verdict))
    elif usable:
        for f in usable:
            excluded[f] = f"too few nights ({n}) to fit {len(usable)} factor(s)"
    table = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    sleepless = int(no_sleep_found(nights).sum())
    message = _message(base, data, present, usable, enough, cfg, sleepless)
    log.info("effects: %s", message)
    means = {f: float(data[f].mean()) for f in usable}
    return Effects(table, model, disp_p, n, n_jerks, enough, message, excluded, coef, means,
                   hours_fitted=bool(rows and hours))


def _varies(x: np.ndarray, min_distinct: int) -> bool:
    """Whether at least ``min_distinct`` values of ``x`` differ from its most common one."""
    return bool(len(x)) and int((x != pd.Series(x).mode().iloc[0]).sum()) >= min_distinct


def hours_term(hours: np.ndarray, min_distinct: int) -> list[np.ndarray]:
    """The design column of the night's length beside the ``log(hours recorded)`` offset
    (:attr:`EffectsConfig.fit_hours`): the log of each night's ``hours`` (h), centred on
    the typical night (the constant is then the rate per hour of a night of typical
    length); none when fewer than ``min_distinct`` nights differ in length."""
    log_h = np.log(np.asarray(hours, float))
    log_h = log_h - log_h.mean() if len(log_h) else log_h
    return [log_h] if _varies(log_h, min_distinct) else []


def _message(base: pd.DataFrame, data: pd.DataFrame, present: list[str], usable: list[str],
             enough: bool, cfg: EffectsConfig, sleepless: int = 0) -> str:
    """What can be concluded, in plain words: which nights were used, and why any
    recorded night was left out (``sleepless``: recordings with no sleep found, which the
    caller says apart)."""
    n, n_jerks = len(data), int(data["n_jerks"].sum()) if len(data) else 0
    if base.empty:
        return ("No recorded nights yet: add a night's recording (hypnic nights --add) to see "
                "what goes with more jerks." if not sleepless else "No night with sleep found yet: "
                "add a night's recording (hypnic nights --add) to see what goes with more jerks.")
    if not present or base[present].isna().all().all():
        nights = len(base)
        # every entry holds its flags (0/1) and notes (text): a night with any field has one
        logged = [c for c in FIELDS if c != "night" and c in base]
        entries = int(base[logged].notna().any(axis=1).sum()) if logged else 0
        if not entries:
            return (f"No diary entries for the {plural(nights, 'recorded night')} yet: log each "
                    "night (hypnic diary add) to see what goes with more jerks.")
        which = (f"The diary {'entry' if nights == 1 else 'entries'} of the {plural(nights, 'recorded night')} "
                 f"{'has' if nights == 1 else 'have'} no factor to test yet" if entries == nights else
                 f"{entries} of the {plural(nights, 'recorded night')} "
                 f"{'has a diary entry' if entries == 1 else 'have diary entries'}, but no factor "
                 "to test yet")
        return (f"{which} (hours slept, stress, tiredness, caffeine, alcohol, exercise or "
                "medications): add them (hypnic diary edit) to see what goes with more jerks.")
    need = (f"hypnic needs at least {cfg.min_nights} nights and {cfg.min_jerks} jerks. Keep "
            "recording and logging.")
    if not usable:
        if len(base) < cfg.min_nights:
            return (f"Too few nights for a conclusion: {plural(len(base), 'recorded night')} and "
                    f"{plural(n_jerks, 'jerk')}; {need}")
        return (f"No diary factor varies enough yet (each needs {cfg.min_distinct} nights that "
                "differ from its usual value): keep logging.")
    left = len(base) - n
    if not enough:
        used = f"{n} of the {len(base)}" if left else str(n)
        text = (f"Too few nights for a conclusion: {used} recorded {'night' if n == 1 and not left else 'nights'} "
                f"with a complete diary, and {plural(n_jerks, 'jerk')}; {need}")
    else:
        used = f"{n} of the {len(base)} recorded nights" if left else f"All {n} recorded nights"
        k = plural(len(usable), "factor")
        text = (f"{used} analysed, with {n_jerks} jerks; {k} looked at together (each with the "
                f"others held fixed), and adjusted for testing {k} at once: the more factors "
                "tested, the likelier one seems linked by chance alone.")
    return text + left_out(base, usable)


def left_out(base: pd.DataFrame, usable: list[str]) -> str:
    """Why nights of ``base`` are left out of a fit on the factors ``usable`` (those
    without a value of one of them), as a sentence with a leading space; '' if none."""
    left = int(base[usable].isna().any(axis=1).sum()) if usable else 0
    if not left:
        return ""
    why = "; ".join(
        f"{int(base[f].isna().sum())} without {factor_info(f).label}"
        + (", which needs the diary of the night before (a first night never has it)"
           if f == "prev_sleep_debt_h" else "")
        for f in usable if base[f].isna().any())
    return f" {plural(left, 'night')} left out: {why}."


def plural(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless ``n`` is 1 (``plural(2, "night")`` is "2 nights")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _pct(rr: float) -> str:
    return f"{(rr - 1) * 100:+.0f}%"


#: A likely range (confidence interval) of a rate ratio whose ends are more than this many
#: times apart sizes nothing (0.1 to 10 is a hundredfold): its factor is described as one
#: the nights cannot size yet, not as "+40% jerks" (few nights, or a factor that goes
#: with another, as that night's sleep debt with the night's length).
WIDE_RANGE = 100.0


def likely_range(low: float, high: float) -> str:
    """A rate ratio's likely range (its confidence interval) as a person reads it:
    ``0.86 to 1.06``, or ``not bounded`` when the nights cannot bound it (a factor whose
    every night off its usual value had no jerk: no finite estimate)."""
    return f"{low:.2f} to {high:.2f}" if low > 0 and np.isfinite(high) else "not bounded"


def describe(effects: Effects) -> list[str]:
    """Plain-language sentences, one per tested factor (clear links first), with the
    rate ratio's likely range (its confidence interval) and p-values as numbers; no
    bracket holds another (a unit's range, "(0-10)", has its own)."""
    if effects.table.empty:
        return [effects.message]
    out = []
    t = effects.table.sort_values(["finding", "p"], ascending=[False, True])
    for r in t.itertuples():
        info = factor_info(r.factor)
        if likely_range(r.rr_low, r.rr_high) == "not bounded":
            out.append(f"{r.label.capitalize()}: no clear link; these nights cannot size its effect "
                       "(its likely range has no bound: on the nights it differed from its usual "
                       "value there were too few jerks to compare).")
            continue
        likely = f"likely between {r.rr_low:.2f} and {r.rr_high:.2f} times the rate {info.unit}"
        if r.verdict == "no clear link" and r.rr_high / r.rr_low > WIDE_RANGE:
            out.append(f"{r.label.capitalize()}: no clear link; these nights cannot size its effect "
                       f"yet ({likely}).")
            continue
        if info.binary:
            size = f"{r.rr:.2f} times the jerk rate when on vs off"
        else:
            size = f"{_pct(r.rr)} jerks for {info.phrase}"
        if r.verdict == "finding":
            out.append(f"{r.label.capitalize()}: {size}, {likely}. This link holds up after "
                       "adjusting for testing several factors at once.")
        elif r.verdict == "unconfirmed":
            why = (f"with {len(effects.table)} factors tested at once this may be chance (p = "
                   f"{r.p_holm:.2f} once adjusted for that)" if effects.enough else
                   "there are too few nights to confirm it")
            out.append(f"{r.label.capitalize()}: possibly {size}, {likely}, p = {r.p:.3f}; but "
                       f"{why}; not confirmed.")
        else:
            out.append(f"{r.label.capitalize()}: no clear link; {size}, {likely}.")
    return out
