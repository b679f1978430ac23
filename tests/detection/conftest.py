"""Simulated nights with known jerks and look-alikes, shared by the detection tests."""

from __future__ import annotations

import pytest

from simulation import NightConfig, simulate_night

QUIET = dict(plm=False, n_scratch=0, n_tremor=0, n_knocks=0, gaps_per_night=0)


@pytest.fixture(scope="session")
def jerk_night():
    """1 h, 100 Hz, wrist + ankle + trunk, 6 jerks and no look-alikes."""
    return simulate_night(NightConfig(fs=100, hours_in_bed=1.0, n_jerks=6, **QUIET), seed=2)


@pytest.fixture(scope="session")
def jerky_night():
    """1 h, 100 Hz, wrist + ankle + trunk, 14 jerks and no look-alikes."""
    return simulate_night(NightConfig(fs=100, hours_in_bed=1.0, n_jerks=14, **QUIET), seed=3)


@pytest.fixture(scope="session")
def plm_night():
    """1 h, 50 Hz, both ankles, PLM series and no jerks."""
    cfg = NightConfig(fs=50, hours_in_bed=1.0, locations=("ankle-left", "ankle-right"),
                      n_jerks=0, **{**QUIET, "plm": True})
    return simulate_night(cfg, seed=5)


@pytest.fixture(scope="session")
def lookalike_night():
    """1 h, 50 Hz wrist: scratching, tremor and knocks, no jerks (and no turns in sleep,
    which would take some of the knocks in as parts of a movement)."""
    cfg = NightConfig(fs=50, hours_in_bed=1.0, locations=("wrist-left",), n_jerks=0, sleep_turns=0,
                      **{**QUIET, "n_scratch": 4, "n_tremor": 3, "n_knocks": 4})
    return simulate_night(cfg, seed=8)


@pytest.fixture(scope="session")
def mixed_night():
    """1.5 h, 50 Hz, ankle only, with jerks, PLMs, knocks and gaps (for streaming)."""
    cfg = NightConfig(fs=50, hours_in_bed=1.5, locations=("ankle-left",), n_jerks=5, plm=True,
                      n_scratch=0, n_tremor=0, n_knocks=3, gaps_per_night=3)
    return simulate_night(cfg, seed=8)
