"""Several nights of one sleeper: a diary whose factors set each night's jerk count.

:func:`simulate_diary` draws nightly factors (sleep debt, stress, caffeine, an
antidepressant, ...); :class:`RateModel` turns them into the expected number of jerks of
a night; :func:`simulate_nights` simulates each night with that count (one night alone:
:func:`simulate_diary_night`);
:func:`simulated_true_rr` states the effects the analysis should recover.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from sensing.body import REFERENCE_SLEEP_H
from sensing.errors import HypnicError
from simulation.night import NightConfig, SimulatedNight, simulate_night

#: Diary factors of a simulated night that can change its jerk rate (columns of
#: :func:`simulate_diary`), with their units in :class:`RateModel`.
DIARY_FACTORS = ("sleep_debt_h", "stress", "tiredness", "caffeine_drinks", "alcohol_drinks",
                 "exercise_h", "antidepressant")


@dataclass(frozen=True)
class RateModel:
    """How diary factors change the expected number of jerks in a simulated night.

    ``expected jerks = hours_in_bed * base_per_h * prod(rate_ratio[f] ** x[f])`` and the
    count is Poisson with that mean. ``x`` is the factor's value: hours of sleep debt
    (:data:`sensing.body.REFERENCE_SLEEP_H` minus the previous night's sleep, floored at 0), stress and tiredness (0-10),
    caffeinated drinks, alcoholic drinks, exercise (hours) and antidepressant (0/1).
    A rate ratio of 1 means no effect (tiredness, alcohol and exercise are null
    controls by default).
    """

    base_per_h: float = 0.15
    rate_ratio: dict[str, float] = field(default_factory=lambda: {
        "sleep_debt_h": 1.30, "stress": 1.10, "tiredness": 1.0, "caffeine_drinks": 1.15,
        "alcohol_drinks": 1.0, "exercise_h": 1.0, "antidepressant": 1.8})

    def __post_init__(self) -> None:
        bad = {f: rr for f, rr in {"base_per_h": self.base_per_h, **self.rate_ratio}.items()
               if isinstance(rr, bool) or not (isinstance(rr, (int, float, np.integer, np.floating)) and rr > 0)}
        if bad:
            name, value = next(iter(bad.items()))
            raise HypnicError(f"RateModel: {name} must be a positive number, got {value!r}")

    def expected(self, diary: pd.DataFrame) -> np.ndarray:
        """Expected jerk count per night (the Poisson mean) for diary rows."""
        log_rr = sum(math.log(rr) * diary[f].to_numpy(float) for f, rr in self.rate_ratio.items())
        return diary["hours_in_bed"].to_numpy(float) * self.base_per_h * np.exp(log_rr)


ANTIDEPRESSANTS = ("sertraline", "escitalopram", "fluoxetine", "venlafaxine", "amitriptyline")


def simulate_diary(n_nights: int, seed: int = 0, model: RateModel | None = None,
                   start_date: str = "2026-01-05", antidepressant_prob: float = 0.5) -> pd.DataFrame:
    """A sleeper's diary for consecutive nights, with the true jerk count of each.

    Columns: ``night`` (date the night starts), ``start`` (recording start, UTC),
    ``hours_slept``, ``hours_in_bed``, ``sleep_debt_h``, ``stress``, ``tiredness``,
    ``caffeine_drinks``, ``caffeine_last_h`` (hours before bed), ``alcohol_drinks``,
    ``exercise_h``, ``antidepressant`` (0/1, started mid-way for half the sleepers),
    ``medications``, ``expected_jerks`` and ``n_jerks`` (Poisson draw).
    """
    if n_nights < 1:
        raise HypnicError(f"the number of nights must be at least 1, got {n_nights}")
    try:
        first = dt.date.fromisoformat(str(start_date))  # YYYY-MM-DD: 05/01/2026 was read as 1 May
    except ValueError:
        raise HypnicError(f"start_date must be a date YYYY-MM-DD, got {start_date!r}") from None
    model = model or RateModel()
    r = np.random.default_rng([seed, 7919])
    slept = np.clip(r.normal(7.1, 1.0, n_nights + 1), 4.0, 9.5).round(1)
    debt = np.clip(REFERENCE_SLEEP_H - slept[:-1], 0, None).round(1)
    start_on = int(r.integers(n_nights // 3, max(n_nights // 3 + 1, 2 * n_nights // 3 + 1)))
    on_ad = r.random() < antidepressant_prob and n_nights > 1
    drug = str(r.choice(ANTIDEPRESSANTS))
    ad = (np.arange(n_nights) >= start_on).astype(int) * on_ad
    days = pd.date_range(first, periods=n_nights, freq="D")
    diary = pd.DataFrame(dict(
        night=days.date,
        start=(days + pd.to_timedelta(r.normal(22.5, 0.5, n_nights).round(2), unit="h")).tz_localize("UTC"),
        hours_slept=slept[1:],
        hours_in_bed=(slept[1:] + r.uniform(0.3, 0.8, n_nights)).round(2),
        sleep_debt_h=debt,
        stress=np.clip(np.round(r.normal(4, 2.2, n_nights)), 0, 10).astype(int),
        tiredness=np.clip(np.round(3 + 1.2 * debt + r.normal(0, 1.5, n_nights)), 0, 10).astype(int),
        caffeine_drinks=np.clip(r.poisson(1.5, n_nights), 0, 6),
        caffeine_last_h=r.uniform(3, 12, n_nights).round(1),
        alcohol_drinks=np.clip(r.poisson(0.5, n_nights), 0, 6),
        exercise_h=np.where(r.random(n_nights) < 0.4, r.uniform(0.3, 1.5, n_nights), 0).round(2),
        antidepressant=ad,
        medications=np.where(ad == 1, drug, ""),
    ))
    diary["expected_jerks"] = model.expected(diary)
    diary["n_jerks"] = r.poisson(diary["expected_jerks"].to_numpy())
    return diary


def simulate_nights(n_nights: int, seed: int = 0, config: NightConfig | None = None,
                    model: RateModel | None = None) -> tuple[pd.DataFrame, Iterator[SimulatedNight]]:
    """Several nights of one sleeper: the diary and a lazy iterator of simulated nights.

    Each night uses ``config`` with the diary's start, time in bed and jerk count, and
    a seed derived from ``seed`` and the night's number. Nights are made one at a time
    so memory stays bounded.

    Returns
    -------
    diary : DataFrame
        :func:`simulate_diary`'s table, one row per night.
    nights : iterator of SimulatedNight
        The nights, in diary order.

    Examples
    --------
    >>> diary, nights = simulate_nights(2, seed=1, config=NightConfig(fs=25, locations=("wrist-left",)))
    >>> first = next(nights)
    >>> len(first.jerks) == int(diary["n_jerks"].iloc[0])
    True
    """
    diary = simulate_diary(n_nights, seed, model)
    return diary, (simulate_diary_night(diary, i, seed, config) for i in range(len(diary)))


def simulate_diary_night(diary: pd.DataFrame, i: int, seed: int = 0,
                         config: NightConfig | None = None) -> SimulatedNight:
    """Night ``i`` of a simulated diary, exactly as :func:`simulate_nights` makes it (so
    that nights can be simulated apart, in parallel).

    ``config`` with the diary row's start, time in bed and jerk count; the seed is derived
    from ``seed`` and ``i``.
    """
    row = diary.iloc[i]
    cfg = NightConfig(**{**asdict(config or NightConfig()), "start": row["start"].isoformat(),
                         "hours_in_bed": float(row["hours_in_bed"]), "n_jerks": int(row["n_jerks"])})
    return simulate_night(cfg, seed=int(seed) * 10_000 + int(i))


def simulated_true_rr(model: RateModel) -> dict[str, float]:
    """True rate ratio of each diary factor the analysis tests, under ``model``.

    The simulator's ``sleep_debt_h`` is the debt entering the night (from the previous
    night's sleep), i.e. the analysis's ``prev_sleep_debt_h``; the same night's debt has
    no effect in the simulation (rate ratio 1). A factor the model leaves out has rate
    ratio 1.

    Returns
    -------
    dict of str to float
        ``prev_sleep_debt_h``, ``sleep_debt_h`` and the other :data:`DIARY_FACTORS`.

    Examples
    --------
    >>> simulated_true_rr(RateModel())["prev_sleep_debt_h"]
    1.3
    """
    rr = {f: model.rate_ratio.get(f, 1.0) for f in DIARY_FACTORS}
    return {"prev_sleep_debt_h": rr.pop("sleep_debt_h"), "sleep_debt_h": 1.0, **rr}
