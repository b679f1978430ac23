"""When to see a doctor: reasons found in the recorded nights and the diary.

The report shows its "when to see a doctor" section only when :func:`doctor_reasons`
returns something. Each threshold is in :class:`AdviceConfig` with its rationale;
docs/analysis.md explains them for users. The tool does not diagnose: the reasons are
prompts to talk to a doctor, not findings of a disease.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.nights import counted_nights
from detection.scoring import MEASURED


@dataclass(frozen=True)
class AdviceConfig:
    """Thresholds of the doctor section.

    Attributes
    ----------
    recent_nights : int
        Window of the most recent nights that the sustained criteria look at (14: two
        weeks, so a single bad night or week does not trigger advice).
    min_nights : int
        Fewest recorded (or diary) nights in the window before a sustained criterion
        can fire (7).
    frequent_per_night : float
        Jerks per night counted as very frequent (10). Sleep studies see about 0-5
        jerks per night in people who have them (about 4 on average in one video-PSG
        series), so 10 or more is well above the usual range.
    sustained_share : float
        Share of the window's nights that must meet a criterion (0.5: half the nights).
    bothersome_rating : int
        Diary rating (0-10) counted as bothersome (7: "a lot").
    long_latency_min : float
        Median sleep-onset latency counted as long, min (30: the usual research
        threshold for sleep-onset insomnia), over the nights whose lights out a movement
        marked (the others have no latency: there the onset from movement alone was
        30-60 min late on 4 of 10 simulated nights, ``hypnic simulate`` seeds 1-2).
    waso_min : float
        Median wake after sleep onset counted as fragmented sleep, min (30: the usual
        research threshold for sleep-maintenance insomnia).
    """

    recent_nights: int = 14
    min_nights: int = 7
    frequent_per_night: float = 10.0
    sustained_share: float = 0.5
    bothersome_rating: int = 7
    long_latency_min: float = 30.0
    waso_min: float = 30.0


#: Keys of the reasons about sleep itself (from movement alone), not about the jerks.
SLEEP_REASONS = frozenset({"latency", "fragmented"})
#: Reasons the sleeper noted in the diary (a loss of consciousness, jerks by day): they
#: stand in a report of any range of nights (``ReportConfig.since``/``until``).
NOTED_REASONS = frozenset({"consciousness", "daytime"})
#: Each reason in a few words, for a table of many sleepers (the cohort page).
REASON_LABELS = {"consciousness": "loss of consciousness noted", "daytime": "jerks by day noted",
                 "frequent": "very frequent jerks", "bothersome": "bothersome jerks",
                 "latency": "long time to fall asleep", "fragmented": "broken sleep"}


@dataclass(frozen=True)
class Reason:
    """One reason to see a doctor: a short key and a plain-language sentence."""

    key: str
    text: str


def _col(table: pd.DataFrame, name: str) -> pd.Series:
    return table[name] if name in table.columns else pd.Series(np.nan, index=table.index)


def doctor_reasons(table: pd.DataFrame, config: AdviceConfig | None = None) -> list[Reason]:
    """Reasons in the data to suggest seeing a doctor (empty when none).

    Parameters
    ----------
    table : DataFrame
        Nights joined with the diary (:func:`analysis.nights.nights_table`), indexed by
        night, oldest first.
    config : AdviceConfig, optional

    Returns
    -------
    list of Reason
        In order of urgency; empty if nothing calls for advice.
    """
    cfg = config or AdviceConfig()
    out: list[Reason] = []
    if (_col(table, "lost_consciousness") == 1).any():
        from analysis.plots import night_label

        nights = ", ".join(f"{night_label(n)} {n.year}"
                           for n in table.index[_col(table, "lost_consciousness") == 1][:5])
        out.append(Reason("consciousness", f"You noted a loss of consciousness ({nights}). "
                          "This is not part of ordinary sleep starts: please see a doctor soon."))
    # Daytime jerks come from the diary only: a sensor cannot tell a myoclonic jerk while
    # awake from everyday movement (the jerk-shaped bursts while up, n_day_bursts).
    if (_col(table, "daytime_jerks") == 1).any():
        out.append(Reason("daytime", "Jerks are not limited to falling asleep: you noted "
                                     "jerks during the day."))
    recent = table.tail(cfg.recent_nights)
    n = recent.loc[counted_nights(recent), "n_jerks"] if "n_jerks" in recent else pd.Series(dtype=float)
    if len(n) >= cfg.min_nights and (n >= cfg.frequent_per_night).mean() >= cfg.sustained_share:
        out.append(Reason("frequent", f"Jerks were very frequent: {cfg.frequent_per_night:g} or "
                          f"more on {int((n >= cfg.frequent_per_night).sum())} of the last "
                          f"{len(n)} recorded nights."))
    b = _col(recent, "bothersome").dropna()
    if len(b) >= cfg.min_nights and (b >= cfg.bothersome_rating).mean() >= cfg.sustained_share:
        out.append(Reason("bothersome", f"You rated the jerks bothersome ({cfg.bothersome_rating}/10 "
                          f"or more) on {int((b >= cfg.bothersome_rating).sum())} of the last "
                          f"{len(b)} diary nights."))
    lat = _col(recent, "sleep_onset_latency_min").dropna()
    if len(lat) >= cfg.min_nights and lat.median() > cfg.long_latency_min:
        out.append(Reason("latency", f"Falling asleep may take long: the sensor puts a median of "
                          f"{lat.median():.0f} min between lights out and sleep onset (more than "
                          f"{cfg.long_latency_min:g} min) over {len(lat)} nights. From movement "
                          f"alone this is rough (on {MEASURED.latency_nights} real sleep-lab nights "
                          f"it was a median {MEASURED.latency_error_min:.0f} min off the sleep "
                          "recording's): it counts if you too find that you lie awake long."))
    waso = _col(recent, "waso_min").dropna()
    if len(waso) >= cfg.min_nights and waso.median() > cfg.waso_min:
        out.append(Reason("fragmented", f"Sleep may be broken: the sensor finds a median of "
                          f"{waso.median():.0f} min awake after falling asleep (more than "
                          f"{cfg.waso_min:g} min) over {len(waso)} nights. From movement alone "
                          f"this is rough (on {MEASURED.onset_nights} real sleep-lab nights it "
                          f"found a median {MEASURED.waso_short_min:.0f} min less than the sleep "
                          "recording: lying awake still looks like sleep, and some turns in sleep "
                          "look like waking): it counts if you too find that you wake often."))
    return out
