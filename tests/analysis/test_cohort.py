"""Cohort summary (Poisson GEE) against nights drawn from a known rate model."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from browser import Browser, chromium

from analysis.cohort import CohortConfig, fit_cohort, write_cohort

TRUE_RR = {"stress": 1.10, "caffeine_drinks": 1.25, "antidepressant": 1.0}


def cohort_nights(n_people: int, n_nights: int, seed: int) -> pd.DataFrame:
    """Nights of a cohort: per-person frailty (gamma, mean 1, variance 0.5) times the
    factors' true rate ratios times 0.4 jerks per hour recorded."""
    r = np.random.default_rng(seed)
    person = np.repeat([f"p{i:03d}" for i in range(n_people)], n_nights)
    n = len(person)
    frailty = np.repeat(r.gamma(2.0, 0.5, n_people), n_nights)
    df = pd.DataFrame(dict(
        participant=person, night=np.tile(pd.date_range("2026-01-05", periods=n_nights).date, n_people),
        hours_recorded=r.uniform(6, 9, n), stress=r.integers(0, 11, n).astype(float),
        caffeine_drinks=r.poisson(1.5, n).astype(float),
        antidepressant=np.repeat(r.random(n_people) < 0.5, n_nights).astype(float)))
    log_rr = sum(np.log(rr) * df[f].to_numpy() for f, rr in TRUE_RR.items())
    df["n_jerks"] = r.poisson(df["hours_recorded"] * 0.4 * frailty * np.exp(log_rr))
    return df


def test_gee_recovers_true_rate_ratios():
    # (over 60 seeds of this design the 95 % intervals covered the truth in 95 % of fits)
    cohort = fit_cohort(cohort_nights(60, 21, seed=1), CohortConfig(individual=None))
    t = cohort.table.set_index("factor")
    assert cohort.enough and cohort.n_participants == 60 and cohort.n_nights == 60 * 21
    for f, rr in TRUE_RR.items():
        assert t.at[f, "rr_low"] < rr < t.at[f, "rr_high"], f
    assert t.at["stress", "rr"] == pytest.approx(1.10, abs=0.03)
    assert t.at["caffeine_drinks", "rr"] == pytest.approx(1.25, abs=0.05)
    assert t.loc[["stress", "caffeine_drinks"], "finding"].all()
    assert not t.at["antidepressant", "finding"]
    # the factors not in the table are listed, not silently dropped
    assert cohort.excluded["alcohol_drinks"] == "not in any diary"
    assert cohort.individual.empty and (t["n_individual"] == 0).all()


def test_individual_effects_centre_on_the_truth():
    cohort = fit_cohort(cohort_nights(12, 28, seed=2), CohortConfig(factors=("caffeine_drinks",)))
    ind = cohort.individual
    assert sorted(ind["participant"]) == [f"p{i:03d}" for i in range(12)]
    assert ind["rr"].median() == pytest.approx(1.25, abs=0.1)
    assert cohort.table.at[0, "n_individual"] == 12
    assert cohort.table.at[0, "rr_individual_median"] == ind["rr"].median()


def test_a_participants_effects_do_not_depend_on_the_order_of_rows():
    """Each participant's nights are fitted by night: their standard errors take nights
    that follow each other as neighbours (before: rows in the table's order were, and a
    shuffled table gave other intervals)."""
    from analysis.cohort import individual_effects

    nights = cohort_nights(3, 28, seed=4)
    shuffled = nights.sample(frac=1.0, random_state=0)
    a, b = individual_effects(nights), individual_effects(shuffled)
    pd.testing.assert_frame_equal(a.sort_values(["participant", "factor"], ignore_index=True),
                                  b.sort_values(["participant", "factor"], ignore_index=True))


def test_gee_intervals_account_for_clustering():
    """A between-person factor with strong frailty: the GEE interval is wider than the
    naive Poisson GLM's, which treats every night as independent."""
    import statsmodels.api as sm

    df = cohort_nights(30, 14, seed=5)
    cohort = fit_cohort(df, CohortConfig(factors=("antidepressant",)))
    X = sm.add_constant(df[["antidepressant"]].to_numpy(float))
    glm = sm.GLM(df["n_jerks"], X, family=sm.families.Poisson(), exposure=df["hours_recorded"]).fit()
    lo, hi = np.exp(glm.conf_int()[1])
    row = cohort.table.iloc[0]
    assert (row["rr_high"] / row["rr_low"]) > 2 * (hi / lo)


def test_too_few_participants_is_not_a_conclusion(tmp_path):
    cohort = fit_cohort(cohort_nights(3, 10, seed=1))
    assert not cohort.enough and not cohort.table["finding"].any()
    assert "Too few participants" in cohort.message
    js, page = write_cohort(cohort, tmp_path)
    data = json.loads(js.read_text())
    assert data["n_participants"] == 3 and len(data["effects"]) == len(cohort.table)
    assert "Population rate ratios" in page.read_text()


def test_the_cohort_message_says_why_nights_were_left_out():
    """A participant without a diary and nights without a stress rating: the message says
    how many nights were left out and for want of what (it said only how many were used)."""
    nights = cohort_nights(8, 10, seed=2)
    nights.loc[nights["participant"] == "p007", ["stress", "caffeine_drinks", "antidepressant"]] = np.nan
    nights.loc[[0, 1], "stress"] = np.nan
    cohort = fit_cohort(nights)
    assert cohort.n_nights == 68
    assert cohort.message.endswith(" 12 nights left out: 12 without stress; 10 without caffeine; "
                                   "10 without antidepressant."), cohort.message


def test_a_factor_three_participants_vary_gives_an_unbounded_interval_not_a_warning(tmp_path):
    """Three participants, one on an antidepressant: its rate ratio's interval reaches
    beyond a float (an overflow warning, an error under pytest, before)."""
    nights = cohort_nights(4, 10, seed=2)
    nights = nights[nights["participant"] != "p003"]
    cohort = fit_cohort(nights)
    assert np.isinf(cohort.table.set_index("factor").at["antidepressant", "rr_high"])
    _, page = write_cohort(cohort, tmp_path)
    text = page.read_text()  # the interval's end in words, never "inf"
    assert "<td>not bounded (too few participants vary this factor)</td>" in text
    assert not re.search(r"\b(inf|nan)\b", text, re.IGNORECASE)


def test_cohort_page_has_readable_headers_and_no_empty_table(tmp_path):
    """cohort.html names its columns in words with units (no rr_low, p_holm, ...), shows
    rate ratios and p-values as numbers, and says in a sentence, instead of showing an
    empty table, when nothing could be estimated."""
    cohort = fit_cohort(cohort_nights(3, 10, seed=1))
    _, page = write_cohort(cohort, tmp_path)
    text = page.read_text()
    heads = [re.findall(r"<th>(.*?)</th>", t) for t in text.split("<table")[1:]]
    assert heads == [
        ["participant", "nights recorded", "nights with sleep found", "jerks", "jerks a night, median",
         "fewest a night", "most a night", "jerks an hour asleep", "time to fall asleep, median (min)",
         "hours asleep, median (h)", "their report suggests seeing a doctor"],
        ["factor", "unit of the factor", "participants", "nights",
         "rate ratio (times the jerk rate, per unit)", "95% interval from", "95% interval to", "p",
         "p adjusted for several factors (Holm)", "finding", "participants with their own estimate",
         "median of their own rate ratios"],
        ["participant", "factor", "nights", "rate ratio (times the jerk rate, per unit)",
         "95% interval from", "95% interval to", "p", "model"]]
    assert not re.search(r"\b(rr\w*|p_holm|n_\w+|label|True|False|nan|NaN|None)\b", text)
    stress = cohort.table.set_index("factor").loc["stress"]
    assert (f"<td>stress</td>\n      <td>per point (0-10)</td>\n      <td>3</td>\n      <td>30</td>\n"
            f"      <td>{stress['rr']:.2f}</td>") in text
    assert "Estimates are shown but not interpreted." in text

    flat = cohort_nights(2, 4, seed=1).assign(stress=3.0, caffeine_drinks=1.0, antidepressant=0.0)
    nothing = fit_cohort(flat)
    assert nothing.table.empty and nothing.individual.empty
    assert nothing.message == ("Too few participants for a population conclusion: 2 (at least 10 "
                               "needed); 8 nights and "
                               f"{nothing.n_jerks} jerks. No factor could be estimated.")
    _, page = write_cohort(nothing, tmp_path / "nothing")
    text = page.read_text()
    assert text.count("<table") == 1 and "Estimates are shown" not in text  # the participants
    assert "<p>No factor could be estimated for the cohort (see Not tested below).</p>" in text
    assert ("<p>No participant&#x27;s own rate ratios could be estimated (too few nights, or no "
            "factor that varies).</p>") in text


def test_jerks_that_come_per_night_do_not_make_short_nights_a_cause():
    """As for one sleeper (test_effects): when a night's count does not grow with its
    hours, the offset alone made the sleep debt that shortens nights look like a cause."""
    df = cohort_nights(30, 21, seed=3)
    r = np.random.default_rng(4)
    df["sleep_debt_h"] = np.clip(r.normal(1.0, 1.0, len(df)), 0, None).round(1)
    df["hours_recorded"] = 8.5 - df["sleep_debt_h"] + r.normal(0, 0.3, len(df))
    frailty = np.repeat(r.gamma(2.0, 0.5, 30), 21)
    df["n_jerks"] = r.poisson(2.0 * frailty * 1.10 ** df["stress"].to_numpy())  # per night, not per hour
    factors = ("sleep_debt_h", "stress")
    assumed = fit_cohort(df, CohortConfig(factors=factors, individual=None, fit_hours=False)).table.set_index("factor")
    assert assumed.at["sleep_debt_h", "finding"] and assumed.at["sleep_debt_h", "rr_low"] > 1.03
    fitted = fit_cohort(df, CohortConfig(factors=factors, individual=None)).table.set_index("factor")
    assert fitted.at["sleep_debt_h", "rr_low"] < 1.0 < fitted.at["sleep_debt_h", "rr_high"]
    assert not fitted.at["sleep_debt_h", "finding"] and fitted.at["stress", "finding"]
    assert fitted.at["stress", "rr_low"] < 1.10 < fitted.at["stress", "rr_high"]


def test_the_method_described_says_whether_the_night_s_length_was_fitted(tmp_path):
    """cohort.json's method and the page's note name the night's length as a term only when
    it was one: before, the JSON said "offset" alone with the term fitted (the default), and
    the page said "as a term" with ``fit_hours=False``."""
    df = cohort_nights(12, 21, seed=5)
    for fit_hours, said, page_says in (
            (True, "log(hours recorded) offset and term, ", "as offset and as a term (how jerks grow"),
            (False, "log(hours recorded) offset, ", "as offset (jerks taken to grow in proportion")):
        cohort = fit_cohort(df, CohortConfig(individual=None, fit_hours=fit_hours))
        js, page = write_cohort(cohort, tmp_path / str(fit_hours))
        assert said in json.loads(js.read_text())["method"]
        assert page_says in page.read_text()
        assert cohort.hours_fitted is fit_hours and len(cohort.table)


def test_the_cohort_page_shows_each_participant_s_nights_and_links_their_report(tmp_path):
    """Before any rate ratio, a researcher sees each participant's nights: how many were
    recorded and had sleep found, their jerks, time to fall asleep and hours asleep, and
    whether their report suggests a doctor and why (a loss of consciousness noted), each
    linked to their report where one was written; cohort.json holds the same."""
    nights = cohort_nights(3, 10, seed=1)
    nights["hours_asleep"] = nights["hours_recorded"] - 1.0
    nights["sleep_onset_latency_min"] = 20.0
    nights.loc[nights["participant"] == "p001", "sleep_onset_latency_min"] = 40.0
    nights.loc[12, "lost_consciousness"] = 1.0  # p001's third night
    nights.loc[25, "hours_asleep"] = 0.0  # p002: a recording with no sleep found
    (tmp_path / "reports" / "p000").mkdir(parents=True)
    (tmp_path / "reports" / "p000" / "index.html").write_text("<p>p000</p>")
    cohort = fit_cohort(nights, CohortConfig(individual=None))
    got = cohort.participants.set_index("participant")
    assert list(got["n_recorded"]) == [10, 10, 10] and list(got["n_counted"]) == [10, 10, 9]
    for person, row in got.iterrows():
        n = nights[(nights["participant"] == person) & (nights["hours_asleep"] > 0)]
        assert row["n_jerks"] == n["n_jerks"].sum() and row["jerks_median"] == n["n_jerks"].median()
        assert (row["jerks_min"], row["jerks_max"]) == (n["n_jerks"].min(), n["n_jerks"].max())
        assert row["per_h_asleep"] == pytest.approx(n["n_jerks"].sum() / n["hours_asleep"].sum())
    assert list(got["latency_median_min"]) == [20.0, 40.0, 20.0]
    assert list(got["doctor"]) == ["", "loss of consciousness noted; long time to fall asleep",
                                   "very frequent jerks"]  # (p002: 10 or more on most nights)
    js, page = write_cohort(cohort, tmp_path)
    text = page.read_text()
    assert '<td><a href="reports/p000/index.html">p000</a></td>' in text
    assert "<td>p001</td>" in text and "reports/p001" not in text  # no report written: no link
    assert "<td>yes: loss of consciousness noted; long time to fall asleep</td>" in text
    assert '<td><a href="reports/p000/index.html">p000</a></td>\n      <td>10</td>' in text
    assert text.index("<h2>Participants</h2>") < text.index("<h2>Population rate ratios</h2>")
    assert "hypnic's detections, not jerks scored by a person" in text
    data = json.loads(js.read_text())["participants"]
    assert [d["participant"] for d in data] == ["p000", "p001", "p002"] and data[2]["n_counted"] == 9


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_cohort_page_fits_a_phone(tmp_path):
    """On a phone (390 px) the page is the screen's width, its text 12 px or more, and its
    wide tables scroll sideways in their own box (before, with no viewport, the phone
    drew a 980 px page); a long input folder in the provenance line wraps."""
    cohort = fit_cohort(cohort_nights(12, 10, seed=1), CohortConfig(individual=None))
    folder = "/scratch/" + "a_study_folder_whose_name_has_no_break_" * 3  # wraps anywhere
    _, page = write_cohort(cohort, tmp_path, made=f"Made by hypnic 1.0 from {folder} on Tue 8 Dec 2026.")
    with Browser(tmp_path / "profile") as browser:
        for width, height, mobile in ((390, 844, True), (1280, 800, False)):
            got, _ = browser.look(page, width, height, mobile)
            assert got["vw"] == width and got["page"] == width and got["small"] == []
    assert page.read_text().count("<div class=wide><table") == 2
