"""Nights, diary, statistics, plots and the report.

Public API: the diary (:class:`DiaryEntry`, :func:`connect`), nightly summaries
(:func:`summarise_night`, :func:`nights_table`), factor effects (:func:`fit_effects`),
the doctor section (:func:`doctor_reasons`) and the report (:func:`build_report`).
See ``docs/analysis.md``. Heavy libraries (statsmodels, matplotlib) are imported where
they are used.
"""

from __future__ import annotations

from sensing.lazy import lazy_names

#: Public name -> module that defines it; each is imported on first use, so a command
#: that needs the nights alone does not load the statistics and the report.
_API: dict[str, str] = {
    "AdviceConfig": "analysis.advice",
    "Reason": "analysis.advice",
    "doctor_reasons": "analysis.advice",
    "DiaryEntry": "analysis.diary",
    "DiaryError": "analysis.diary",
    "connect": "analysis.diary",
    "night_of": "analysis.diary",
    "Effects": "analysis.effects",
    "EffectsConfig": "analysis.effects",
    "fit_effects": "analysis.effects",
    "StoredNight": "analysis.nights",
    "nights_table": "analysis.nights",
    "store_night": "analysis.nights",
    "summarise_night": "analysis.nights",
    "ReportConfig": "analysis.report",
    "build_report": "analysis.report",
}

__all__ = sorted(_API)


__getattr__, __dir__ = lazy_names(__name__, _API)
