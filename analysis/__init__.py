"""Nights, diary, statistics, plots and the report.

Public API: the diary (:class:`DiaryEntry`, :func:`connect`), nightly summaries
(:func:`summarise_night`, :func:`nights_table`), factor effects (:func:`fit_effects`),
the doctor section (:func:`doctor_reasons`) and the report (:func:`build_report`).
See ``docs/analysis.md``. Heavy libraries (statsmodels, matplotlib) are imported where
they are used.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
