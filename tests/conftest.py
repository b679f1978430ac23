"""Shared fixtures: short simulated nights with ground truth, a database of simulated
nights, and a small simulated cohort with a Dask cluster (seeded, cached per session).

Helpers shared across test folders live beside this file (``simtruth.py``).
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import settings

from simulation import NightConfig, save_night, simulate_diary, simulate_night

# Every property-based test draws the same examples on every run and machine (no example
# database, no deadline): a test that fails once in ten runs is a bug.
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.load_profile("deterministic")

#: Length (h) and rate (Hz) of the cohort's nights.
COHORT_HOURS, COHORT_FS = 0.75, 25.0


@pytest.fixture(scope="session")
def short_night():
    """A 1.5 h, 50 Hz night, wrist + ankle + trunk, with jerks, PLMs and every look-alike."""
    cfg = NightConfig(fs=50.0, hours_in_bed=1.5, n_jerks=6, plm=True, n_scratch=2, n_tremor=2,
                      n_knocks=3, gaps_per_night=2)
    return simulate_night(cfg, seed=11)


@pytest.fixture(scope="session")
def sim_db(tmp_path_factory):
    """A 16-night database (diary + truth nights) shared by read-only tests."""
    from simtruth import make_db

    path = tmp_path_factory.mktemp("db") / "hypnic.sqlite"
    diary = make_db(path)
    return path, diary


def _cohort_night(start, seed: int, locations: tuple[str, ...]):
    cfg = NightConfig(fs=COHORT_FS, hours_in_bed=COHORT_HOURS, start=start.isoformat(), n_jerks=3,
                      locations=locations, gaps_per_night=0)
    return simulate_night(cfg, seed=seed)


@pytest.fixture(scope="session")
def cohort_dir(tmp_path_factory):
    """INPUT_DIR with p01, p02 (night folders with two sensors and the simulator's diary,
    three nights each) and p03 (two single-sensor Parquet files directly, no diary)."""
    from sensing.generic import write_parquet

    root = tmp_path_factory.mktemp("cohort")
    for k, person in enumerate(("p01", "p02")):
        diary = simulate_diary(3, seed=k)
        (root / person).mkdir()
        diary.to_csv(root / person / "diary.csv", index=False)
        for i, row in diary.iterrows():
            night = _cohort_night(row["start"], 100 * k + i, ("wrist-left", "ankle-left"))
            save_night(night, root / person / f"night-{i + 1:02d}")
    (root / "p03").mkdir()
    for i, start in enumerate(simulate_diary(2, seed=9)["start"]):
        night = _cohort_night(start, 900 + i, ("wrist-right",))
        write_parquet(night.recordings["wrist-right"], root / "p03" / f"{start.date()}.parquet")
    return root


@pytest.fixture
def cohort_copy(cohort_dir, tmp_path):
    """A private copy of the cohort that a test may change."""
    dst = tmp_path / "cohort"
    shutil.copytree(cohort_dir, dst)
    return dst


@pytest.fixture(scope="session")
def client():
    """A Dask client of a 2-worker LocalCluster (threads, so monkeypatches reach tasks)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0") as cluster, \
            Client(cluster) as c:
        yield c
