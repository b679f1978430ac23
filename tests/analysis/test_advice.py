"""The doctor section fires on the documented thresholds, and only then."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analysis.advice import AdviceConfig, doctor_reasons


def table(n=14, **cols) -> pd.DataFrame:
    idx = [dt.date(2026, 1, 1) + dt.timedelta(i) for i in range(n)]
    base = dict(n_jerks=np.full(n, 3.0), bothersome=np.full(n, 2.0), lost_consciousness=np.zeros(n),
                daytime_jerks=np.zeros(n), n_day_bursts=np.zeros(n),
                sleep_onset_latency_min=np.full(n, 15.0), waso_min=np.full(n, 10.0))
    base.update(cols)
    return pd.DataFrame(base, index=idx)


def keys(t, cfg=None):
    return [r.key for r in doctor_reasons(t, cfg)]


def test_ordinary_nights_give_no_advice():
    assert keys(table()) == []
    assert keys(table().iloc[:0]) == []


def test_each_threshold():
    many = np.r_[np.full(7, 12.0), np.full(7, 2.0)]
    assert keys(table(n_jerks=many)) == ["frequent"]
    assert keys(table(n_jerks=np.r_[np.full(6, 12.0), np.full(8, 2.0)])) == []  # 6 of 14 < half
    assert keys(table(bothersome=np.r_[np.full(7, 8.0), np.full(7, 1.0)])) == ["bothersome"]
    assert keys(table(sleep_onset_latency_min=np.full(14, 45.0))) == ["latency"]
    assert keys(table(waso_min=np.full(14, 50.0))) == ["fragmented"]
    # the sleep reasons say how rough a wrist's figure is on real nights (ICHI14 against
    # polysomnography): before, broken sleep only warned of turns read as waking, though
    # the wrist finds less wake than the PSG on real nights, not more
    said = {r.key: r.text for r in doctor_reasons(table(sleep_onset_latency_min=np.full(14, 45.0),
                                                        waso_min=np.full(14, 50.0)))}
    assert "on 45 real sleep-lab nights it was a median 19 min off the sleep recording's" in said["latency"]
    assert "on 46 real sleep-lab nights it found a median 56 min less than the sleep recording" in said["fragmented"]
    loc = np.zeros(14)
    loc[3] = 1
    reasons = doctor_reasons(table(lost_consciousness=loc))
    assert [r.key for r in reasons] == ["consciousness"] and "(Sun 4 Jan 2026)" in reasons[0].text  # as the report writes nights


def test_daytime_jerks_come_from_the_diary_not_from_bursts_while_up():
    rep = np.zeros(14)
    rep[0] = 1
    assert keys(table(daytime_jerks=rep)) == ["daytime"]
    # jerk-shaped bursts while awake and up are everyday movement, never advice
    assert keys(table(n_day_bursts=np.full(14, 40.0), hours_day=np.full(14, 10.0))) == []


def test_sustained_criteria_need_enough_nights_and_look_at_recent_ones():
    assert keys(table(n=5, n_jerks=np.full(5, 20.0))) == []  # fewer than 7 nights
    old_bad = np.r_[np.full(14, 20.0), np.full(14, 2.0)]
    assert keys(table(n=28, n_jerks=old_bad)) == []  # the last 14 nights are ordinary
    assert keys(table(n=28, n_jerks=old_bad), AdviceConfig(recent_nights=28)) == ["frequent"]
