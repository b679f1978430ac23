"""Cohort summary: how diary factors go with the nightly jerk count across participants.

Method
------
* **Nights used** — nights with a jerk count, hours recorded > 0 and every modelled
  factor known (complete cases), from every participant.
* **Factors** — those of :attr:`CohortConfig.factors` present in the table on which at
  least ``min_distinct`` used nights differ from the factor's most common value.
* **Population model** — a Poisson GEE (generalised estimating equations; Liang & Zeger
  1986) of the count on every estimable factor, ``log(hours recorded)`` as offset and as
  a term of its own (:attr:`CohortConfig.fit_hours`), with
  an exchangeable working correlation among the nights of a participant
  (:class:`statsmodels.genmod.generalized_estimating_equations.GEE`). Nights of the same
  person are not independent (some people simply jerk more); GEE estimates the
  population-average rate ratio ``exp(beta)`` per unit of each factor and takes the
  clustering into its standard errors. Those are the Mancl & DeRouen (2001)
  bias-reduced sandwich (``cov_type="bias_reduced"``), which keeps 95 % intervals close
  to nominal with as few as ~20 participants; with fewer than ``min_participants``
  participants nothing is concluded. Over-dispersion needs no separate model: the
  sandwich is valid whatever the variance. p-values are Holm-adjusted over factors.
* **Per participant** — each participant's own multivariable rate ratios from
  :func:`analysis.effects.fit_effects` (the same analysis as the personal report), and in
  the cohort table the number of participants in which the factor could be estimated and
  the median of their rate ratios (heterogeneity at a glance).

References
----------
Liang KY, Zeger SL (1986) Longitudinal data analysis using generalized linear models.
Biometrika 73:13-22.
Mancl LA, DeRouen TA (2001) A covariance estimator for GEE with improved small-sample
properties. Biometrics 57:126-134.
"""

from __future__ import annotations

import html
import json
import logging
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from analysis.advice import REASON_LABELS, doctor_reasons
from analysis.effects import (
    FACTORS,
    EffectsConfig,
    factor_info,
    fit_effects,
    hours_term,
    left_out,
    plural,
)
from analysis.nights import counted_nights, no_sleep_found
from sensing.private import write_private

log = logging.getLogger(__name__)

COHORT_COLUMNS = ("factor", "label", "unit", "n_participants", "n_nights", "rr", "rr_low", "rr_high",
                  "p", "p_holm", "finding", "n_individual", "rr_individual_median")
INDIVIDUAL_COLUMNS = ("participant", "factor", "n_nights", "rr", "rr_low", "rr_high", "p", "model")
PARTICIPANT_COLUMNS = ("participant", "n_recorded", "n_counted", "n_jerks", "jerks_median", "jerks_min",
                       "jerks_max", "per_h_asleep", "latency_median_min", "hours_asleep_median", "doctor")


@dataclass(frozen=True)
class CohortConfig:
    """Parameters of the cohort analysis.

    Attributes
    ----------
    factors : tuple of str
        Columns of the nights table to test (keys of :data:`analysis.effects.FACTORS`).
    min_participants : int
        Fewest participants for any conclusion (the sandwich standard errors rest on the
        number of participants, not nights).
    min_distinct : int
        A factor is estimable only if at least this many nights differ from its most
        common value.
    level : float
        Confidence level of the intervals (0.95 = 95 %).
    individual : EffectsConfig or None
        Parameters of each participant's own analysis (its ``factors`` are replaced by
        the cohort's estimable ones); None skips it (it takes ~0.2 s
        per participant).
    fit_hours : bool
        Fit how the count grows with the hours recorded, as
        :attr:`analysis.effects.EffectsConfig.fit_hours` does for one sleeper.
    """

    factors: tuple[str, ...] = tuple(FACTORS)
    min_participants: int = 10
    min_distinct: int = 3
    level: float = 0.95
    individual: EffectsConfig | None = field(default_factory=EffectsConfig)
    fit_hours: bool = True


@dataclass(frozen=True)
class CohortEffects:
    """Result of :func:`fit_cohort`.

    Attributes
    ----------
    table : DataFrame
        One row per estimable factor (:data:`COHORT_COLUMNS`): population rate ratio per
        unit (``rr``), its interval and p-value, Holm-adjusted p, ``finding``, and the
        participants with an individual estimate and their median rate ratio.
    individual : DataFrame
        Each participant's own rate ratios (:data:`INDIVIDUAL_COLUMNS`; empty when
        ``CohortConfig.individual`` is None).
    n_participants, n_nights, n_jerks : int
        Participants, nights and jerks used.
    enough : bool
        Whether there are enough participants for conclusions.
    message : str
        Plain-language statement of what can be concluded.
    excluded : dict of str to str
        Factors left out and why.
    hours_fitted : bool
        Whether the night's length was a term of the population model
        (:attr:`CohortConfig.fit_hours`, and nights that differ in length), so that the
        method is described as fitted.
    participants : DataFrame
        Each participant's nights at a glance (:func:`participant_summary`).
    """

    table: pd.DataFrame
    individual: pd.DataFrame
    n_participants: int
    n_nights: int
    n_jerks: int
    enough: bool
    message: str
    excluded: dict[str, str] = field(default_factory=dict)
    hours_fitted: bool = False
    participants: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PARTICIPANT_COLUMNS)))

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        def records(df: pd.DataFrame) -> list[dict]:
            return json.loads(df.to_json(orient="records"))

        return dict(method="Poisson GEE, exchangeable correlation within participant, "
                           "log(hours recorded) offset" + (" and term" if self.hours_fitted else "")
                           + ", bias-reduced sandwich SE",
                    n_participants=self.n_participants, n_nights=self.n_nights,
                    n_jerks=self.n_jerks, enough=self.enough, message=self.message,
                    excluded=self.excluded, effects=records(self.table),
                    individual=records(self.individual), participants=records(self.participants))


def _estimable(data: pd.DataFrame, factors: list[str], min_distinct: int) -> tuple[list[str], dict[str, str]]:
    usable, excluded = [], {}
    for f in factors:
        x = data[f].to_numpy(float)
        if len(x) and (x != pd.Series(x).mode().iloc[0]).sum() >= min_distinct:
            usable.append(f)
        else:
            excluded[f] = f"fewer than {min_distinct} nights differ from its usual value"
    return usable, excluded


def individual_effects(nights: pd.DataFrame, config: EffectsConfig | None = None) -> pd.DataFrame:
    """Each participant's multivariable rate ratios (:func:`analysis.effects.fit_effects`).

    Parameters
    ----------
    nights : DataFrame
        One row per participant-night with ``participant``, ``n_jerks``,
        ``hours_recorded`` (h) and factor columns.
    config : EffectsConfig, optional

    Returns
    -------
    DataFrame
        :data:`INDIVIDUAL_COLUMNS`, one row per participant and estimable factor.
    """
    rows = []
    for person, df in nights.groupby("participant", sort=True):
        # indexed by night, so that the standard errors know which nights are neighbours
        eff = fit_effects(df.set_index("night") if "night" in df else df.reset_index(drop=True), config)
        for r in eff.table.itertuples():
            rows.append(dict(participant=person, factor=r.factor, n_nights=r.n_nights, rr=r.rr,
                             rr_low=r.rr_low, rr_high=r.rr_high, p=r.p, model=eff.model))
    return pd.DataFrame(rows, columns=list(INDIVIDUAL_COLUMNS))


def participant_summary(nights: pd.DataFrame) -> pd.DataFrame:
    """Each participant's nights at a glance: nights recorded and with sleep found
    (:func:`analysis.nights.counted_nights`), jerks over those, the median, fewest and most
    a night, jerks per hour asleep, the median time to fall asleep (min) and hours asleep
    (h), and the reasons their report gives to see a doctor
    (:func:`analysis.advice.doctor_reasons`, in :data:`analysis.advice.REASON_LABELS`'
    words, "; "-joined; "" for none).

    Parameters
    ----------
    nights : DataFrame
        One row per participant-night (``OUT_DIR/nights.parquet`` of ``hypnic batch``);
        the columns a table lacks give missing figures.

    Returns
    -------
    DataFrame
        :data:`PARTICIPANT_COLUMNS`, one row per participant, sorted by participant.
    """
    def col(df: pd.DataFrame, name: str) -> pd.Series:
        return df[name] if name in df else pd.Series(np.nan, index=df.index)

    counted = counted_nights(nights)
    rows = []
    for person, df in nights.groupby("participant", sort=True):
        c = df[counted.loc[df.index]]
        n = c["n_jerks"].astype(float)
        asleep = float(col(c, "hours_asleep").sum())
        reasons = doctor_reasons(df.set_index("night").sort_index() if "night" in df else df)
        rows.append(dict(
            participant=person, n_recorded=int(df["n_jerks"].notna().sum()), n_counted=len(c),
            n_jerks=int(n.sum()), jerks_median=n.median(), jerks_min=n.min(), jerks_max=n.max(),
            per_h_asleep=n.sum() / asleep if asleep > 0 else np.nan,
            latency_median_min=col(c, "sleep_onset_latency_min").median(),
            hours_asleep_median=col(c, "hours_asleep").median(),
            doctor="; ".join(REASON_LABELS[r.key] for r in reasons)))
    return pd.DataFrame(rows, columns=list(PARTICIPANT_COLUMNS))


def _gee(y: np.ndarray, X: np.ndarray, groups: np.ndarray, hours: np.ndarray, level: float):
    """Poisson GEE fit; returns (params, conf_int, pvalues)."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, DomainWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, DomainWarning, RuntimeWarning))
        model = sm.GEE(y, X, groups=groups, family=sm.families.Poisson(),
                       cov_struct=sm.cov_struct.Exchangeable(), offset=np.log(hours))
        res = model.fit(cov_type="bias_reduced", maxiter=100)
    return np.asarray(res.params), np.asarray(res.conf_int(alpha=1 - level)), np.asarray(res.pvalues)


def fit_cohort(nights: pd.DataFrame, config: CohortConfig | None = None) -> CohortEffects:
    """Population rate ratios of diary factors across participants (see module docstring).

    Parameters
    ----------
    nights : DataFrame
        One row per participant-night: ``participant``, ``n_jerks``, ``hours_recorded``
        (h) and factor columns (``OUT_DIR/nights.parquet`` of ``hypnic batch``).
    config : CohortConfig, optional

    Returns
    -------
    CohortEffects
    """
    from statsmodels.stats.multitest import multipletests

    cfg = config or CohortConfig()
    counted = counted_nights(nights)  # (a nights table: checked first)
    present = [f for f in cfg.factors if f in nights.columns]
    excluded = {f: "not in any diary" for f in cfg.factors if f not in nights.columns}
    base = nights[counted]
    usable, why = _estimable(base.dropna(subset=present), present, cfg.min_distinct)
    excluded |= why
    data = base.dropna(subset=usable).sort_values(["participant", "night"], kind="stable")
    n_p, n = int(data["participant"].nunique()), len(data)
    n_jerks = int(data["n_jerks"].sum()) if n else 0
    enough = n_p >= cfg.min_participants
    individual = (individual_effects(nights, replace(cfg.individual, factors=tuple(usable)))
                  if cfg.individual is not None and usable else pd.DataFrame(columns=list(INDIVIDUAL_COLUMNS)))
    rows = []
    hours = data["hours_recorded"].to_numpy(float)
    length = hours_term(hours, cfg.min_distinct) if cfg.fit_hours else []
    if usable and n - len(usable) - len(length) - 1 >= 3 and n_jerks > 0 and n_p >= 2:
        X = np.column_stack([np.ones(n), data[usable].to_numpy(float), *length])
        params, ci, p = _gee(data["n_jerks"].to_numpy(float), X, data["participant"].to_numpy(),
                             hours, cfg.level)
        p_holm = multipletests(np.nan_to_num(p[1:len(usable) + 1], nan=1.0), method="holm")[1]
        with np.errstate(over="ignore"):  # a factor few participants vary: an unbounded interval
            rr, rr_ci = np.exp(params), np.exp(ci)
        for i, f in enumerate(usable, start=1):
            ind = individual[individual["factor"] == f]
            info = factor_info(f)
            rows.append(dict(
                factor=f, label=info.label, unit=info.unit, n_participants=n_p, n_nights=n,
                rr=float(rr[i]), rr_low=float(rr_ci[i, 0]),
                rr_high=float(rr_ci[i, 1]), p=float(p[i]), p_holm=float(p_holm[i - 1]),
                finding=bool(enough and p_holm[i - 1] < 1 - cfg.level), n_individual=len(ind),
                rr_individual_median=float(ind["rr"].median()) if len(ind) else float("nan")))
    elif usable:
        excluded |= {f: f"too few participants ({n_p}) or nights ({n}) to fit" for f in usable}
    table = pd.DataFrame(rows, columns=list(COHORT_COLUMNS))
    if enough:
        message = (f"{n_p} participants, {n} nights and {n_jerks} jerks; {len(rows)} factors tested "
                   "together (Poisson GEE), p-values Holm-adjusted.")
    else:
        message = (f"Too few participants for a population conclusion: {n_p} (at least "
                   f"{cfg.min_participants} needed); {n} nights and {n_jerks} jerks. "
                   + ("Estimates are shown but not interpreted." if rows else
                      "No factor could be estimated."))
    message += left_out(base, usable)
    sleepless = int(no_sleep_found(nights).sum())
    if sleepless:
        message += f" {plural(sleepless, 'recording')} with no sleep found left out (no night's count)."
    log.info("cohort: %s", message)
    return CohortEffects(table, individual, n_p, n, n_jerks, enough, message, excluded,
                         hours_fitted=bool(rows and length), participants=participant_summary(nights))


#: Readable headers of the cohort page's tables, by column, with units (a rate ratio is
#: how many times the jerk rate is per unit of its factor: the "unit" column).
COHORT_HEADERS = {
    "label": "factor", "unit": "unit of the factor", "n_participants": "participants",
    "n_nights": "nights", "rr": "rate ratio (times the jerk rate, per unit)",
    "rr_low": "95% interval from", "rr_high": "95% interval to", "p": "p",
    "p_holm": "p adjusted for several factors (Holm)", "finding": "finding",
    "n_individual": "participants with their own estimate",
    "rr_individual_median": "median of their own rate ratios",
    "participant": "participant", "model": "model",
    "n_recorded": "nights recorded", "n_counted": "nights with sleep found", "n_jerks": "jerks",
    "jerks_median": "jerks a night, median", "jerks_min": "fewest a night",
    "jerks_max": "most a night", "per_h_asleep": "jerks an hour asleep",
    "latency_median_min": "time to fall asleep, median (min)",
    "hours_asleep_median": "hours asleep, median (h)",
    "doctor": "their report suggests seeing a doctor"}

#: Number formats of the cohort page's figures, by column.
COHORT_FORMATS = {"rr": ".2f", "rr_low": ".2f", "rr_high": ".2f", "rr_individual_median": ".2f",
                  "p": ".3f", "p_holm": ".3f", "jerks_median": ".1f", "jerks_min": ".0f",
                  "jerks_max": ".0f", "per_h_asleep": ".2f", "latency_median_min": ".0f",
                  "hours_asleep_median": ".1f"}


def _table(df: pd.DataFrame, empty: str, unbounded: str = "", links: dict[str, str] | None = None) -> str:
    """``df`` as an HTML table with :data:`COHORT_HEADERS`, scrolling sideways on a narrow
    screen (figures as :data:`COHORT_FORMATS`, p-values under 0.0005 "<0.001", yes/no for
    a finding and for a doctor's reasons, blank for a missing value, the words
    ``unbounded`` for an infinite rate ratio or interval end, a participant linked to
    ``links[participant]``); the sentence ``empty`` instead of a table without rows."""
    esc = html.escape
    if df.empty:
        return f"<p>{esc(empty)}</p>"

    def text(column: str, v) -> str:
        if pd.api.types.is_scalar(v) and pd.isna(v):
            return ""
        if column in COHORT_FORMATS and np.isinf(v):
            return esc(unbounded)
        if column == "finding":
            return "yes" if v else "no"
        if column == "doctor":
            return esc(f"yes: {v}" if v else "no")
        if column == "participant" and links and v in links:
            return f'<a href="{esc(links[v])}">{esc(v)}</a>'
        if column in ("p", "p_holm") and v < 0.0005:
            return "&lt;0.001"
        return format(v, COHORT_FORMATS[column]) if column in COHORT_FORMATS else esc(str(v))

    shown = pd.DataFrame({esc(COHORT_HEADERS[c]): [text(c, v) for v in df[c]] for c in df.columns})
    return f'<div class=wide>{shown.to_html(index=False, escape=False)}</div>'


def write_cohort(cohort: CohortEffects, out_dir: str | Path, made: str = "") -> tuple[Path, Path]:
    """Write ``cohort.json`` and a plain ``cohort.html`` into ``out_dir``, owner-only: the
    participants' nights at a glance (each linked to ``reports/<participant>/index.html``
    where that report was written), the population and each participant's own rate ratios
    (readable headers with units, a sentence instead of a table without rows), the
    factors not tested, and how sure the counts are (:func:`analysis.report.how_sure`).
    ``made``: a sentence of provenance (what made the page, from which data, when) shown
    under the title."""
    from analysis.report import how_sure

    out = Path(out_dir)
    js = write_private(out / "cohort.json", json.dumps(cohort.to_dict(), indent=1))
    esc = html.escape
    individual = cohort.individual.assign(
        factor=cohort.individual["factor"].map(lambda f: factor_info(f).label)).rename(
        columns={"factor": "label"})
    links = {p: f"reports/{quote(p)}/index.html" for p in cohort.participants["participant"]
             if (out / "reports" / p / "index.html").is_file()}
    excluded = "".join(f"<li>{esc(factor_info(f).label)}: {esc(w)}</li>" for f, w in cohort.excluded.items())
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<title>hypnic cohort summary</title>"
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto;padding:0 8px}"
        "table{border-collapse:collapse}.wide{overflow-x:auto}"
        "td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}.note{color:#555;overflow-wrap:anywhere}</style></head><body>"
        f"<h1>Cohort summary</h1>{f'<p class=note>{esc(made)}</p>' if made else ''}<p>{esc(cohort.message)}</p>"
        "<h2>Participants</h2>"
        + _table(cohort.participants, "No participant has a recorded night.", links=links)
        + "<h2>Population rate ratios</h2>"
        + ("<p>Poisson GEE with an exchangeable correlation of a participant's nights and "
           + ("log(hours recorded) as offset and as a term (how jerks grow with the night's length "
              "is fitted)" if cohort.hours_fitted else
              "log(hours recorded) as offset (jerks taken to grow in proportion to the night's length)")
           + "; 95% intervals from the bias-reduced sandwich; per "
           "unit of each factor.</p>" if len(cohort.table) else "")
        + _table(cohort.table.drop(columns=["factor"]),
                 "No factor could be estimated for the cohort (see Not tested below).",
                 "not bounded (too few participants vary this factor)")
        + "<h2>Each participant's own rate ratios</h2>"
        + _table(individual, "No participant's own rate ratios could be estimated (too few "
                             "nights, or no factor that varies).",
                 "not bounded (too few of the participant's nights vary this factor)")
        + f"{'<h2>Not tested</h2><ul>' + excluded + '</ul>' if excluded else ''}"
        "<h2>How sure the counts are</h2>"
        f"<p>The counts are hypnic's detections, not jerks scored by a person. {esc(how_sure())}</p>"
        "<p>The rate ratios compare detected counts: jerks missed in the same share on every "
        "night leave them as they are, but false ones draw them towards 1, and misses that "
        "depend on the night (a restless night hides more) can bias them either way. hypnic is "
        "not a medical device and does not diagnose.</p></body></html>")
    return js, write_private(out / "cohort.html", page)
