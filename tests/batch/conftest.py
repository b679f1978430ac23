"""A small simulated cohort on disk, and a 2-worker Dask LocalCluster, shared by the batch tests."""

from __future__ import annotations

import shutil

import pytest

from sensing.generic import write_parquet
from simulation import NightConfig, save_night, simulate_diary, simulate_night

HOURS = 0.75
FS = 25.0


def _night(start, seed: int, locations: tuple[str, ...]):
    cfg = NightConfig(fs=FS, hours_in_bed=HOURS, start=start.isoformat(), n_jerks=3,
                      locations=locations, gaps_per_night=0)
    return simulate_night(cfg, seed=seed)


@pytest.fixture(scope="session")
def cohort_dir(tmp_path_factory):
    """INPUT_DIR with p01, p02 (night folders with two sensors and the simulator's diary,
    three nights each) and p03 (two single-sensor Parquet files directly, no diary)."""
    root = tmp_path_factory.mktemp("cohort")
    for k, person in enumerate(("p01", "p02")):
        diary = simulate_diary(3, seed=k)
        (root / person).mkdir()
        diary.to_csv(root / person / "diary.csv", index=False)
        for i, row in diary.iterrows():
            night = _night(row["start"], 100 * k + i, ("wrist-left", "ankle-left"))
            save_night(night, root / person / f"night-{i + 1:02d}")
    (root / "p03").mkdir()
    for i, start in enumerate(simulate_diary(2, seed=9)["start"]):
        night = _night(start, 900 + i, ("wrist-right",))
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
