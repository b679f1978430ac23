"""Synthetic nights and diaries with ground truth, for tests, benchmarks and the demo.

Public API: one night (:class:`NightConfig`, :func:`simulate_night` returning a
:class:`SimulatedNight`), several nights with a diary (:class:`RateModel`,
:func:`simulate_diary`, :func:`simulate_nights`, :func:`simulated_true_rr`) and files
(:func:`save_night`). See ``docs/simulator.md``. Detection never imports this package.
"""

from simulation.diary import (
    DIARY_FACTORS,
    RateModel,
    simulate_diary,
    simulate_diary_night,
    simulate_nights,
    simulated_true_rr,
)
from simulation.export import SAVE_FORMATS, save_night
from simulation.night import NightConfig, SimulatedNight, simulate_night

__all__ = [
    "DIARY_FACTORS",
    "SAVE_FORMATS",
    "NightConfig",
    "RateModel",
    "SimulatedNight",
    "save_night",
    "simulate_diary",
    "simulate_diary_night",
    "simulate_night",
    "simulate_nights",
    "simulated_true_rr",
]
