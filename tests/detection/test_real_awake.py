"""Real device files of awake people (``tests/data/real``, see its SOURCES.md): detection
counts no jerk in any of them.

They are recordings made by real accelerometers (ActiGraph, Axivity, GENEActiv, Empatica, Polar)
while their wearers were up and about, or lying on a table: none holds a rest period, so
none can hold a sleep start, but for one an ActiGraph says it lay still for over half an
hour (idle sleep mode: taken off, or its wearer still), which no movement tells from
rest. Jerk-shaped bursts in them keep their own kind (``wake-burst``), and periodic
movements while up are not PLMs.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from detection import DetectionConfig, detect_night
from sensing.readers import read
from sensing.recording import STILL_SPANS

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
FILES = sorted(json.loads((REAL / "peers.json").read_text()))


@pytest.fixture(scope="module")
def results():
    out = {}
    for name in FILES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gaps of idle sleep mode, short files
            recs = read(REAL / name)
        out[name] = detect_night(recs), max((b - a for r in recs for a, b in r.meta.get(STILL_SPANS, [])),
                                            default=0)
    return out


@pytest.mark.parametrize("name", FILES)
def test_an_awake_real_recording_counts_no_jerk(results, name):
    r, still_ns = results[name]
    kinds = set(r.events["kind"])
    assert "jerk" not in kinds and "nap-jerk" not in kinds
    if still_ns < DetectionConfig().min_sleep_block_s * 1e9:
        assert r.periods == []  # no rest period: the wearer was up throughout
    assert "plm" not in kinds  # periodic movements while up are everyday activity


def test_the_awake_files_do_hold_jerk_shaped_bursts_shown_apart(results):
    """The count is zero because of where the bursts are, not because none were seen."""
    bursts = sum(int((r.events["kind"] == "wake-burst").sum()) for r, _ in results.values())
    assert bursts >= 5
    assert sum(r.day_s for r, _ in results.values()) / 3600 > 2.0  # hours of daytime in all
