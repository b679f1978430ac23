"""Real device files (``tests/data/real``, see its SOURCES.md): hypnic reads what the peer
readers read, sample for sample.

``peers.json`` holds, per file, what a peer reader returned (``python
benchmarks/real_files.py --record tests/data/real/peers.json``): the sample count, the
first and last time on the device's stored clock, per-axis min/max/mean and ten evenly
spaced samples. hypnic read with ``tz="UTC"`` gives the same stored clock.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from sensing.errors import FormatError
from sensing.readers import read
from sensing.recording import STILL_SPANS

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
PEERS = json.loads((REAL / "peers.json").read_text())


def _ns(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


def _read_all(path: Path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recs = read(path, **options)
    return recs, np.concatenate([r.time_ns for r in recs]), np.concatenate([r.acc for r in recs])


@pytest.mark.parametrize("name", sorted(PEERS))
def test_real_file_matches_its_peer_reader(name):
    fig = PEERS[name]
    _, t, acc = _read_all(REAL / name, tz="UTC")
    tol = fig["time_tol_ms"] * 1e6
    assert len(t) == fig["n"]
    assert abs(t[0] - _ns(fig["first"])) <= tol and abs(t[-1] - _ns(fig["last"])) <= tol
    np.testing.assert_allclose(acc.min(0), fig["min"], atol=1e-6)
    np.testing.assert_allclose(acc.max(0), fig["max"], atol=1e-6)
    np.testing.assert_allclose(acc.mean(0, dtype=np.float64), fig["mean"], atol=1e-6)
    for k, when, *xyz in fig["samples"]:
        assert abs(t[k] - _ns(when)) <= tol
        np.testing.assert_allclose(acc[k], xyz, atol=1e-6)


@pytest.mark.parametrize("name, zone_h, first_utc", [
    ("ggir/actigraph_testfile.gt3x", 2, "2020-08-26T08:09:00"),    # info.txt TimeZone: 02:00:00
    ("skdh/gt3x_sample.gt3x", -5, "2020-01-23T13:50:00"),          # TimeZone: -05:00:00
    ("skdh/gnactv_sample.bin", -4, "2019-05-21T20:16:43.5"),       # Time Zone: GMT -04:00
    ("ggirread/GENEActiv_testfile.bin", 1, "2013-05-30T09:12:54.5"),  # Time Zone: GMT +01:00
])
def test_device_zone_turns_the_stored_clock_into_utc(name, zone_h, first_utc):
    _, stored, _ = _read_all(REAL / name, tz="UTC")
    _, utc, _ = _read_all(REAL / name)
    assert utc[0] == _ns(first_utc)
    np.testing.assert_array_equal(stored - utc, zone_h * 3600 * 10**9)


@pytest.mark.parametrize("name, periods, gap_s", [
    ("ggir/actigraph_testfile.gt3x", 23, 1180.8),  # actfast: 23 gaps > 1 s, 1180.8 s
    ("skdh/gt3x_sample.gt3x", 23, None),           # ACTIVITY2 records (actfast reads none)
])
def test_gt3x_idle_sleep_is_gaps_not_repeated_values(name, periods, gap_s):
    recs, t, acc = _read_all(REAL / name)
    rec, = recs
    assert len(rec.meta[STILL_SPANS]) == periods
    step = np.diff(t)
    long = step > 10**9
    assert long.sum() >= periods - 2  # an idle spell can end inside the same record second
    if gap_s is not None:
        assert round(step[long].sum() / 1e9, 1) == gap_s
    same = (np.diff(acc, axis=0) == 0).all(axis=1)
    runs = np.diff(np.flatnonzero(np.r_[True, ~same, True]))
    assert runs.max() < 2 * rec.fs  # never a second of copies of one sample


def test_geneactiv_first_page_off_the_rate_is_a_gap_not_a_rate():
    """scikit-digital-health's sample: page 1 comes 6.52 s after page 0 at 50 Hz (6 s of
    samples); the samples keep the nominal rate and a 0.52 s gap is marked (as the peers do)."""
    rec, = read(REAL / "skdh" / "gnactv_sample.bin")
    assert rec.fs == 50.0
    assert np.all(np.diff(rec.time_ns[:300]) == 20_000_000)
    assert rec.gaps.tolist() == [[rec.time_ns[299], rec.time_ns[300]]]
    assert rec.time_ns[300] - rec.time_ns[299] == 520_000_000


def test_corrupt_cwa_blocks_are_skipped_and_reported():
    """GGIRread's AX3 file with six corrupted blocks: actfast and skdh refuse it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec, = read(REAL / "ggirread" / "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa")
    assert len(rec) == 17400 - 6 * 120
    missing = [i for i in rec.meta["time_issues"] if i["kind"] == "missing"]
    assert "6 data block(s)" in missing[0]["detail"]


def test_actilife_csv_export_equals_the_gt3x_it_came_from():
    """AGread's example: the RAW CSV is ActiLife's export of the first 2 min of the .gt3x."""
    _, t_csv, acc_csv = _read_all(REAL / "agread" / "exampleRAW.csv")
    _, t_bin, acc_bin = _read_all(REAL / "agread" / "example.gt3x", tz="UTC")
    n = len(t_csv)
    assert n == 10800
    np.testing.assert_array_equal(t_csv, t_bin[:n])
    np.testing.assert_allclose(acc_csv, acc_bin[:n], atol=5.01e-4)  # ActiLife rounds to 3 decimals


def test_unknown_device_binary_is_refused_in_one_line():
    with pytest.raises(FormatError) as err:
        read(REAL / "ggirread" / "mtx_12.5Hz_acc_gyro.BIN")
    msg = str(err.value)
    assert "\n" not in msg and len(msg) <= 200
    assert msg == ("mtx_12.5Hz_acc_gyro.BIN: a Parmay Matrix .BIN, which hypnic does not read; "
                   "export the samples as CSV")
