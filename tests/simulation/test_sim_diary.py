"""Several simulated nights: the diary, its rate model and the true effects must hold."""

import numpy as np
import pandas as pd
import pytest

from simulation import NightConfig, RateModel, simulate_diary, simulate_nights, simulated_true_rr


def test_rate_model_is_the_documented_formula():
    model = RateModel()
    row = pd.DataFrame(dict(hours_in_bed=[8.0], sleep_debt_h=[2.0], stress=[5], tiredness=[7],
                            caffeine_drinks=[3], alcohol_drinks=[2], exercise_h=[1.0],
                            antidepressant=[1]))
    expected = 8 * 0.15 * 1.30**2 * 1.10**5 * 1.15**3 * 1.8
    assert model.expected(row)[0] == pytest.approx(expected)


def test_diary_counts_follow_the_model():
    d = simulate_diary(3000, seed=1, antidepressant_prob=1.0)
    assert d.stress.between(0, 10).all() and d.tiredness.between(0, 10).all()
    assert (d.sleep_debt_h == np.clip(8 - d.hours_slept.shift(1), 0, None).round(1)).iloc[1:].all()
    ratio = d.n_jerks.sum() / d.expected_jerks.sum()
    assert ratio == pytest.approx(1.0, abs=0.03)
    # Poisson: Pearson dispersion about 1
    disp = (((d.n_jerks - d.expected_jerks) ** 2) / d.expected_jerks).mean()
    assert disp == pytest.approx(1.0, abs=0.1)
    on = d.antidepressant == 1
    assert 0 < on.sum() < len(d) and (d.medications[on] != "").all()


def test_nights_follow_the_diary():
    cfg = NightConfig(fs=25, locations=("wrist-right",))
    diary, nights = simulate_nights(3, seed=4, config=cfg)
    for (_, row), night in zip(diary.iterrows(), nights, strict=True):
        rec = night.recordings["wrist-right"]
        assert len(night.jerks) == row.n_jerks
        assert abs(rec.time_ns[0] - row.start.value) < 1e9 / 25
        assert rec.duration_s == pytest.approx(row.hours_in_bed * 3600, abs=1)


def test_true_effects_name_what_the_analysis_tests():
    rr = simulated_true_rr(RateModel(rate_ratio={"stress": 1.2, "sleep_debt_h": 1.5}))
    assert rr["prev_sleep_debt_h"] == 1.5 and rr["sleep_debt_h"] == 1.0 and rr["stress"] == 1.2
    assert rr["antidepressant"] == 1.0  # left out of the model: no effect


def test_the_first_night_is_a_date_year_first():
    """05/01/2026 was read as 1 May by pandas' month-first guess."""
    from sensing.errors import HypnicError

    assert str(simulate_diary(2, start_date="2026-01-05")["night"].iloc[0])[:10] == "2026-01-05"
    with pytest.raises(HypnicError, match="start_date must be a date YYYY-MM-DD, got '05/01/2026'"):
        simulate_diary(2, start_date="05/01/2026")
