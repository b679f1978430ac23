"""hypnic: record and analyse hypnic jerks with consumer Bluetooth accelerometers.

The front door: ``import hypnic`` gives the public API listed in :data:`__all__` and
documented in ``docs/api.md`` (reading files, detection, simulated nights, one night's
workflow, the diary and nights, statistics, the report, cohorts). Each name is imported
from the module that defines it on first use, so ``import hypnic`` and the ``hypnic``
command start fast: numpy, pandas and scipy load only when a name needs them.

Examples
--------
>>> import hypnic
>>> night = hypnic.simulate_night(hypnic.NightConfig(fs=25, hours_in_bed=2, locations=("wrist-left",)), seed=2)
>>> result = hypnic.detect_night(list(night.recordings.values()))
>>> [p.kind for p in result.periods]
['night']
>>> set(result.jerks["phase"]) <= {"pre-sleep", "sleep-onset", "awakening"}
True
"""

from __future__ import annotations

from sensing.lazy import lazy_names

#: Public name -> module that defines it (the one place the front door is listed).
_API: dict[str, str] = {
    "__version__": "hypnic._version",
    # getting samples in
    "read": "sensing.readers",
    "FORMATS": "sensing.readers",
    "Recording": "sensing.recording",
    "LOCATIONS": "sensing.body",
    "HypnicError": "sensing.errors",
    # detection
    "detect_night": "detection",
    "DetectionConfig": "detection",
    "NightResult": "detection",
    "SleepWindow": "detection",
    "StreamingDetector": "detection",
    "score_events": "detection",
    "score_jerks": "detection",
    "JERK_SHAPED": "detection",
    # simulated nights and diaries with ground truth
    "simulate_night": "simulation",
    "NightConfig": "simulation",
    "SimulatedNight": "simulation",
    "simulate_nights": "simulation",
    "simulate_diary": "simulation",
    "RateModel": "simulation",
    "simulated_true_rr": "simulation",
    "save_night": "simulation",
    # one night: files -> detection -> summary
    "process_night": "hypnic.workflows.night",
    "process_nights": "hypnic.workflows.night",
    "process_files": "hypnic.workflows.night",
    "add_night": "hypnic.workflows.night",
    # the diary and the nights
    "connect": "analysis.diary",
    "DiaryEntry": "analysis.diary",
    "add_entries": "analysis.diary",
    "list_entries": "analysis.diary",
    "diary_frame": "analysis.diary",
    "StoredNight": "analysis.nights",
    "summarise_night": "analysis.nights",
    "store_night": "analysis.nights",
    "nights_table": "analysis.nights",
    "delete_night": "analysis.nights",
    # statistics and the report
    "fit_effects": "analysis.effects",
    "EffectsConfig": "analysis.effects",
    "doctor_reasons": "analysis.advice",
    "build_report": "analysis.report",
    "ReportConfig": "analysis.report",
    # cohorts on Dask
    "run_batch": "hypnic.workflows.cohort",
    "BatchConfig": "hypnic.workflows.cohort",
    "fit_cohort": "analysis.cohort",
}

__all__ = list(_API)


__getattr__, __dir__ = lazy_names(__name__, _API)
