"""Real device files of awake people (``tests/data/real``, see its SOURCES.md): detection
counts no jerk in any of them.

They are recordings made by real accelerometers (ActiGraph, Axivity, GENEActiv, Empatica)
while their wearers were up and about, or lying on a table: none holds a rest period, so
none can hold a sleep start. Jerk-shaped bursts in them keep their own kind
(``wake-burst``), and periodic movements while up are not PLMs.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from detection import detect_night
from sensing.readers import read

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
FILES = sorted(json.loads((REAL / "peers.json").read_text()))


@pytest.fixture(scope="module")
def results():
    out = {}
    for name in FILES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gaps of idle sleep mode, short files
            out[name] = detect_night(read(REAL / name))
    return out


@pytest.mark.parametrize("name", FILES)
def test_an_awake_real_recording_counts_no_jerk(results, name):
    r = results[name]
    kinds = set(r.events["kind"])
    assert "jerk" not in kinds and "nap-jerk" not in kinds
    assert r.periods == []  # no rest period: the wearer was up throughout
    assert "plm" not in kinds  # periodic movements while up are everyday activity


def test_the_awake_files_do_hold_jerk_shaped_bursts_shown_apart(results):
    """The count is zero because of where the bursts are, not because none were seen."""
    bursts = sum(int((r.events["kind"] == "wake-burst").sum()) for r in results.values())
    assert bursts >= 5
    assert sum(r.day_s for r in results.values()) / 3600 > 2.5  # hours of daytime in all
