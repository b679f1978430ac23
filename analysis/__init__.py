"""Nights, diary, statistics, plots and the report.

Public API: the diary (:class:`DiaryEntry`, :func:`connect`), nightly summaries
(:func:`summarise_night`, :func:`nights_table`), factor effects (:func:`fit_effects`),
the doctor section (:func:`doctor_reasons`) and the report (:func:`build_report`).
See ``docs/analysis.md``. Heavy libraries (statsmodels, matplotlib) are imported where
they are used.
"""

from analysis.advice import AdviceConfig, Reason, doctor_reasons
from analysis.diary import DiaryEntry, DiaryError, connect, night_of
from analysis.effects import Effects, EffectsConfig, fit_effects
from analysis.nights import StoredNight, nights_table, store_night, summarise_night
from analysis.report import ReportConfig, build_report

__all__ = [
    "AdviceConfig",
    "DiaryEntry",
    "DiaryError",
    "Effects",
    "EffectsConfig",
    "ReportConfig",
    "Reason",
    "StoredNight",
    "build_report",
    "connect",
    "doctor_reasons",
    "fit_effects",
    "night_of",
    "nights_table",
    "store_night",
    "summarise_night",
]
