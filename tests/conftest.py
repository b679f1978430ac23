"""Shared fixtures: short simulated nights with ground truth (seeded, cached per session)."""

from __future__ import annotations

import pytest

from simulation import NightConfig, simulate_night


@pytest.fixture(scope="session")
def short_night():
    """A 1.5 h, 50 Hz night, wrist + ankle + trunk, with jerks, PLMs and every look-alike."""
    cfg = NightConfig(fs=50.0, hours_in_bed=1.5, n_jerks=6, plm=True, n_scratch=2, n_tremor=2,
                      n_knocks=3, gaps_per_night=2)
    return simulate_night(cfg, seed=11)
