"""Fixtures of the analysis tests (helpers in simtruth.py)."""

from __future__ import annotations

import pytest
from simtruth import make_db


@pytest.fixture(scope="session")
def sim_db(tmp_path_factory):
    """A 16-night database (diary + truth nights) shared by read-only tests."""
    path = tmp_path_factory.mktemp("db") / "hypnic.sqlite"
    diary = make_db(path)
    return path, diary
