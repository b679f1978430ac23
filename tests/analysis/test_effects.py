"""Factor effects against simulated diaries whose effects are known."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.diary import diary_frame, entries_from_simulation
from analysis.effects import (
    FACTORS,
    Effects,
    EffectsConfig,
    describe,
    fit_effects,
    night_numbers,
    overdispersion_test,
)
from analysis.nights import add_sleep_debt
from simulation import RateModel, simulate_diary, simulated_true_rr


def table_from(diary: pd.DataFrame, counts=None) -> pd.DataFrame:
    t = diary_frame(entries_from_simulation(diary))
    t["n_jerks"] = diary["n_jerks"].to_numpy() if counts is None else counts
    t["hours_recorded"] = diary["hours_in_bed"].to_numpy()
    return add_sleep_debt(t)


def test_long_diary_recovers_every_true_rate_ratio():
    model = RateModel()
    diary = simulate_diary(400, seed=6, model=model, antidepressant_prob=1.0)
    truth = simulated_true_rr(model)
    # 99.9% intervals, so that all 8 cover with probability ~0.99 (95% ones: ~0.66)
    wide = fit_effects(table_from(diary), EffectsConfig(level=0.999)).table.set_index("factor")
    assert set(wide.index) == set(truth)
    for f, rr in truth.items():
        assert wide.at[f, "rr_low"] <= rr <= wide.at[f, "rr_high"], f
        # that night's sleep debt goes with that night's hours (fitted too): its estimate is loose
        assert abs(np.log(wide.at[f, "rr"] / rr)) < (0.2 if f == "sleep_debt_h" else 0.1), f
    eff = fit_effects(table_from(diary))
    assert eff.enough and eff.model == "poisson" and eff.n_nights == 399
    t = eff.table.set_index("factor")
    # real effects are findings; the null controls are not
    assert t.loc[["prev_sleep_debt_h", "antidepressant", "stress"], "finding"].all()
    assert not t.loc[["sleep_debt_h", "tiredness", "alcohol_drinks", "exercise_h"], "finding"].any()
    assert (t["p_holm"] >= t["p"] - 1e-12).all()
    # tiredness follows sleep debt, so alone it looks harmful; adjusted it does not
    assert t.at["tiredness", "rr_uni"] > 1.05 and abs(np.log(t.at["tiredness", "rr"])) < 0.05


def test_jerks_that_come_per_night_do_not_make_that_night_s_sleep_debt_a_cause():
    """Sleep starts come with falling asleep, not with each hour in bed. When a night's
    count does not grow with its hours (the same expected count for a 5 h and a 9 h
    night), the offset alone (assumed proportional) made short nights' jerks look
    frequent, and that night's sleep debt a clear link (RR 1.20, 1.13-1.27 on these 400
    nights). Fitting how the count grows with the hours leaves it no link; the real
    effect of the night before's debt (RR 1.3) stays."""
    model = RateModel()
    diary = simulate_diary(400, seed=6, model=model, antidepressant_prob=1.0)
    per_night = diary["expected_jerks"] / diary["hours_in_bed"] * diary["hours_in_bed"].mean()
    counts = np.random.default_rng(1).poisson(per_night)
    assumed = fit_effects(table_from(diary, counts), EffectsConfig(fit_hours=False)).table.set_index("factor")
    assert assumed.at["sleep_debt_h", "finding"] and assumed.at["sleep_debt_h", "rr_low"] > 1.1
    assert not fit_effects(table_from(diary, counts), EffectsConfig(fit_hours=False)).hours_fitted
    effects = fit_effects(table_from(diary, counts))
    assert effects.hours_fitted and "log_hours" not in effects.coef and len(effects.coef) == 9
    fitted = effects.table.set_index("factor")
    assert not fitted.at["sleep_debt_h", "finding"]
    assert fitted.at["sleep_debt_h", "rr_low"] < 1.0 < fitted.at["sleep_debt_h", "rr_high"]
    assert fitted.at["prev_sleep_debt_h", "rr_low"] < 1.3 < fitted.at["prev_sleep_debt_h", "rr_high"]
    assert fitted.at["prev_sleep_debt_h", "finding"]


def test_a_table_that_is_no_nights_table_is_refused_by_name():
    from analysis.cohort import fit_cohort
    from sensing.errors import HypnicError

    for fit in (fit_effects, fit_cohort):
        with pytest.raises(HypnicError, match="a nights table needs an n_jerks column .*got no columns"):
            fit(pd.DataFrame())
        with pytest.raises(TypeError) as caught:  # before: AttributeError 'NoneType' has no 'columns'
            fit(None)
        assert str(caught.value) == "a nights table must be a DataFrame (hypnic.nights_table), got None"
        assert isinstance(caught.value, HypnicError)


def test_too_few_nights_says_so():
    diary = simulate_diary(10, seed=2)
    eff = fit_effects(table_from(diary))
    assert not eff.enough and not eff.table["finding"].any()
    assert eff.message == (
        "Too few nights for a conclusion: 9 of the 10 recorded nights with a complete diary, and "
        f"{eff.n_jerks} jerks; hypnic needs at least 14 nights and 10 jerks. Keep recording and "
        "logging. 1 night left out: 1 without sleep debt the night before, which needs the "
        "diary of the night before (a first night never has it).")
    assert describe(fit_effects(table_from(diary).iloc[:3]))[0].startswith("Too few nights")


def test_message_says_why_nights_are_left_out_and_when_there_is_no_diary():
    diary = simulate_diary(28, seed=8, antidepressant_prob=1.0)
    eff = fit_effects(table_from(diary))
    assert eff.message.startswith(f"27 of the 28 recorded nights analysed, with {eff.n_jerks} jerks; "
                                  "8 factors looked at together (each with the others held "
                                  "fixed), and adjusted for testing 8 factors at once: the more "
                                  "factors tested, the likelier one seems linked by chance alone.")
    assert eff.message.endswith("1 night left out: 1 without sleep debt the night before, which "
                                "needs the diary of the night before (a first night never has it).")
    t = table_from(diary)
    t.loc[t.index[[5, 9]], "stress"] = np.nan
    assert fit_effects(t).message.endswith(
        "3 nights left out: 1 without sleep debt the night before, which needs the diary of the "
        "night before (a first night never has it); 2 without stress.")
    empty = t.assign(**{c: np.nan for c in t.columns if c not in ("n_jerks", "hours_recorded")})
    one = fit_effects(empty.iloc[:1])
    assert one.message == ("No diary entries for the 1 recorded night yet: log each night "
                           "(hypnic diary add) to see what goes with more jerks.")
    assert "night(s)" not in one.message and one.table.empty


def test_a_diary_entry_without_factors_is_an_entry():
    """A night whose diary entry holds no factor (only "a loss of consciousness was
    noticed", as after 'hypnic diary add NIGHT --lost-consciousness') has an entry: the
    message says so, and asks for the factors, not for an entry."""
    import datetime as dt

    from analysis.diary import DiaryEntry

    nights = pd.DataFrame({"n_jerks": [4.0, 2.0, 3.0], "hours_recorded": [7.0, 6.5, 8.0]},
                          index=[dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)])
    entries = [DiaryEntry(night=dt.date(2026, 1, 7), lost_consciousness=True)]
    one = add_sleep_debt(nights.iloc[2:].join(diary_frame(entries), how="outer"))
    assert fit_effects(one).message == (
        "The diary entry of the 1 recorded night has no factor to test yet (hours slept, stress, "
        "tiredness, caffeine, alcohol, exercise or medications): add them (hypnic diary edit) "
        "to see what goes with more jerks.")
    three = add_sleep_debt(nights.join(diary_frame(entries), how="outer"))
    assert fit_effects(three).message == (
        "1 of the 3 recorded nights has a diary entry, but no factor to test yet (hours slept, "
        "stress, tiredness, caffeine, alcohol, exercise or medications): add them (hypnic diary "
        "edit) to see what goes with more jerks.")
    entries.append(DiaryEntry(night=dt.date(2026, 1, 6), notes="slept badly"))
    assert fit_effects(add_sleep_debt(nights.join(diary_frame(entries), how="outer"))).message.startswith(
        "2 of the 3 recorded nights have diary entries, but no factor to test yet")
    assert fit_effects(nights).message.startswith("No diary entries for the 3 recorded nights yet")


def test_an_interval_excluding_one_but_not_confirmed_is_unconfirmed():
    eff = fit_effects(table_from(simulate_diary(28, seed=9, antidepressant_prob=1.0)))
    t = eff.table.set_index("factor")
    assert t.at["stress", "verdict"] == "unconfirmed" and not t.at["stress", "finding"]
    assert t.at["stress", "rr_low"] > 1 and t.at["stress", "p_holm"] >= 0.05
    line = next(s for s in describe(eff) if s.startswith("Stress:"))
    assert line == (f"Stress: possibly +{(t.at['stress', 'rr'] - 1) * 100:.0f}% jerks for each "
                    "point of stress (0-10), likely between "
                    f"{t.at['stress', 'rr_low']:.2f} and {t.at['stress', 'rr_high']:.2f} times the "
                    f"rate per point (0-10), p = {t.at['stress', 'p']:.3f}; but with 8 factors "
                    f"tested at once this may be chance (p = {t.at['stress', 'p_holm']:.2f} once "
                    "adjusted for that); not confirmed.")
    assert set(t["verdict"]) <= {"finding", "unconfirmed", "no clear link"}


def test_no_bracket_of_a_sentence_holds_another():
    """Every factor's sentence, whatever its verdict: brackets balance and none holds
    another, so a unit's range never reads "(0-10))" ("no clear link (... per point
    (0-10))" before)."""
    rows = [dict(factor=f, label=info.label, unit=info.unit, rr=1.2, rr_low=0.9, rr_high=1.6,
                 p=0.04, p_holm=0.2, finding=verdict == "finding", verdict=verdict)
            for f, info in FACTORS.items() for verdict in ("finding", "unconfirmed", "no clear link")]
    eff = Effects(pd.DataFrame(rows), "poisson", float("nan"), 20, 60, True, "")
    sentences = describe(eff)
    assert len(sentences) == 3 * len(FACTORS)
    for s in sentences:
        depth = 0
        for c in s:
            depth += {"(": 1, ")": -1}.get(c, 0)
            assert 0 <= depth <= 1, s
        assert depth == 0 and "))" not in s, s


def test_constant_factors_are_excluded_not_fitted():
    diary = simulate_diary(40, seed=1, antidepressant_prob=0.0)
    eff = fit_effects(table_from(diary))
    assert "antidepressant" not in set(eff.table["factor"])
    assert "fewer than 3 nights differ" in eff.excluded["antidepressant"]


def test_a_factor_never_logged_leaves_out_no_night():
    """Before: a sleeper who logged stress, caffeine and hours slept every night but never
    tiredness or exercise had every night dropped (complete cases over all factors) and
    read 'No diary factor varies enough yet', however much stress varied."""
    diary = simulate_diary(40, seed=3, antidepressant_prob=1.0)
    table = table_from(diary).assign(tiredness=np.nan, exercise_h=np.nan)
    effects = fit_effects(table)
    assert effects.n_nights == 39  # the first night has no sleep debt the night before
    assert {"stress", "caffeine_drinks", "antidepressant"} <= set(effects.table["factor"])
    assert not {"tiredness", "exercise_h"} & set(effects.table["factor"])


def test_overdispersed_counts_switch_to_negative_binomial_with_honest_cis():
    rng = np.random.default_rng(0)
    diary = simulate_diary(300, seed=9, antidepressant_prob=1.0)
    mu = diary["expected_jerks"].to_numpy()
    counts = rng.negative_binomial(1 / 0.8, 1 / (1 + 0.8 * mu))  # NB2, alpha 0.8
    eff = fit_effects(table_from(diary, counts))
    assert eff.model == "negative binomial" and eff.dispersion_p < 0.01
    t = eff.table.set_index("factor")
    assert t.at["antidepressant", "rr_low"] <= 1.8 <= t.at["antidepressant", "rr_high"]
    pois = fit_effects(table_from(diary))
    assert pois.model == "poisson"


def test_overdispersion_test_on_known_data():
    rng = np.random.default_rng(1)
    mu = np.full(2000, 4.0)
    assert overdispersion_test(rng.poisson(mu).astype(float), mu)[1] > 0.01
    alpha, p = overdispersion_test(rng.negative_binomial(2, 2 / 6, 2000).astype(float), mu)
    assert p < 1e-6 and alpha == pytest.approx(0.5, abs=0.15)


def test_sentences_name_findings_and_chance():
    diary = simulate_diary(400, seed=5, antidepressant_prob=1.0)
    lines = describe(fit_effects(table_from(diary), EffectsConfig()))
    assert lines[0].endswith("This link holds up after adjusting for testing several factors at once.")
    assert not any(w in s for s in lines for w in ("CI", "Holm", "finding", "model"))
    assert any(s.startswith("Antidepressant:") and "times the jerk rate" in s for s in lines)
    assert any("no clear link" in s for s in lines)


@pytest.fixture
def unseen(monkeypatch):
    """``benchmarks/effects_unseen.py``: diaries from models other than hypnic's simulator."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    return importlib.import_module("effects_unseen")


def _tally(unseen, name: str, nights: int, diaries: int) -> dict[str, int]:
    """Null tests, their p < 0.05 and findings, fits and intervals covering the true RR, over
    ``diaries`` fixed-seed diaries of one model of ``benchmarks/effects_unseen.py``."""
    model = unseen.MODELS[name]
    out = dict(null=0, raw=0, findings=0, fits=0, covered=0)
    for i in range(diaries):
        rng = np.random.default_rng([0, i])
        table, sleeper = unseen.simulate(model, nights, rng)
        eff = fit_effects(table)
        truth = unseen.true_rr(model, sleeper, list(eff.table["factor"]), rng)
        for r in eff.table.itertuples():
            if model.effects.get(r.factor, 1.0) == 1.0:
                out["null"] += 1
                out["raw"] += r.p < 0.05
                out["findings"] += r.finding
            out["fits"] += 1
            out["covered"] += r.rr_low <= truth[r.factor] <= r.rr_high
    return out


def test_null_diaries_with_persistent_overdispersed_noise_give_few_false_findings(unseen):
    """No factor matters, but counts are negative binomial, the log rate AR(1), stress and
    sleep persist from day to day and habits follow the week (the ``null`` model): with
    Poisson/NB model-based Wald intervals 23 of 142 null tests had p < 0.05, 9 were
    findings and 119 of 142 intervals covered 1; with the robust standard errors and t
    intervals 5, 0 and 137."""
    t = _tally(unseen, "null", 28, 20)
    assert t["null"] == 142
    assert t["raw"] <= 12 and t["findings"] <= 2
    assert t["covered"] >= 128


def test_intervals_cover_on_overdispersed_four_week_diaries(unseen):
    """Negative-binomial counts (alpha 0.3-1.0) that four weeks often cannot tell from
    Poisson: 116 of 143 intervals covered the true RR before, 132 now."""
    t = _tally(unseen, "overdispersed", 28, 20)
    assert t["fits"] == 143 and t["covered"] >= 125


def test_standard_errors_follow_calendar_nights_not_row_order():
    diary = simulate_diary(45, seed=3, antidepressant_prob=1.0)
    table = table_from(diary)
    cols = ["rr", "rr_low", "rr_high", "p"]
    a = fit_effects(table).table.set_index("factor")[cols]
    b = fit_effects(table.sample(frac=1.0, random_state=0)).table.set_index("factor").loc[a.index, cols]
    pd.testing.assert_frame_equal(a, b, rtol=1e-6)
    # a night with no diary entry leaves a gap: the nights either side are 2 apart, not 1
    nights = [dt.date(2025, 3, 1) + dt.timedelta(days=d) for d in (0, 1, 3)]
    assert np.diff(night_numbers(pd.Index(nights))).tolist() == [1, 2]
    assert night_numbers(pd.RangeIndex(3)).tolist() == [0, 1, 2]


def test_the_hac_term_only_widens_intervals():
    diary = simulate_diary(60, seed=4, antidepressant_prob=1.0)
    plain = fit_effects(table_from(diary), EffectsConfig(hac_nights=0)).table.set_index("factor")
    robust = fit_effects(table_from(diary)).table.set_index("factor")
    width = np.log(robust["rr_high"] / robust["rr_low"])
    assert (width >= np.log(plain["rr_high"] / plain["rr_low"]) - 1e-9).all()
    assert np.allclose(robust["rr"], plain["rr"])


def test_a_factor_the_nights_cannot_bound_is_said_so_not_as_minus_100_percent():
    """Caffeine on 4 nights, each without a jerk: no finite estimate (before: "-100% jerks
    for each caffeinated drink, likely between 0.00 and inf times the rate")."""
    from analysis.effects import describe, likely_range

    r = np.random.default_rng(0)
    n = 28
    caffeine = np.zeros(n)
    caffeine[[3, 9, 15, 21]] = 2
    y = r.poisson(3, n).astype(float)
    y[caffeine > 0] = 0
    table = pd.DataFrame(dict(n_jerks=y, hours_recorded=np.full(n, 8.0), caffeine_drinks=caffeine,
                              stress=r.integers(0, 10, n).astype(float)),
                         index=[dt.date(2026, 1, 1) + dt.timedelta(i) for i in range(n)])
    effects = fit_effects(table)
    row = effects.table.set_index("factor").loc["caffeine_drinks"]
    assert likely_range(row["rr_low"], row["rr_high"]) == "not bounded" and row["verdict"] == "no clear link"
    text = " ".join(describe(effects))
    assert "Caffeine: no clear link; these nights cannot size its effect" in text
    assert "-100%" not in text and "inf" not in text
    assert likely_range(0.8626, 1.0602) == "0.86 to 1.06"


def test_a_range_that_sizes_nothing_is_said_so_and_does_not_scale_the_plot():
    """Fifteen nights leave that night's sleep debt a likely range of 0.03 to 743 (it goes
    with the night's length, fitted too): the sentence said '+400% jerks for each hour',
    and the fitted line ran to hundreds of jerks an hour, squashing the nights' dots."""
    from analysis.effects import WIDE_RANGE, describe
    from analysis.plots import factor_panels

    table = table_from(simulate_diary(15, seed=0))
    eff = fit_effects(table)
    row = eff.table.set_index("factor").loc["sleep_debt_h"]
    assert row["rr_high"] / row["rr_low"] > WIDE_RANGE and row["verdict"] == "no clear link"
    said = next(s for s in describe(eff) if s.startswith("Sleep debt that night"))
    assert said == ("Sleep debt that night: no clear link; these nights cannot size its effect yet "
                    f"(likely between {row['rr_low']:.2f} and {row['rr_high']:.2f} times the rate per hour).")
    narrow = next(s for s in describe(eff) if s.startswith("Stress"))
    assert "+25% jerks for each point of stress" in narrow
    fig = factor_panels(table, eff, 8)
    top = 1.3 * (table["n_jerks"] / table["hours_recorded"]).max()
    assert all(ax.get_ylim()[1] == pytest.approx(top) for ax in fig.axes if ax.get_visible())
