"""Every reader on its shipped sample file: the layout is detected, and times and values
come out exactly as the documented layout says (truth rebuilt by reader_samples)."""

from __future__ import annotations

import numpy as np
import pytest
from reader_samples import DATA, SAMPLES, build

from sensing import generic
from sensing.readers import detect_format, read


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_auto_detection_picks_the_right_reader(name):
    assert detect_format(DATA / name) == SAMPLES[name][1]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_times_and_values_exact(name, tmp_path):
    t_true, acc_true = build(name, tmp_path)  # rebuilds the truth (and a fresh copy)
    recs = read(DATA / name, **SAMPLES[name][2])
    assert len(recs) == 1
    rec = recs[0]
    assert rec.meta["format"] == SAMPLES[name][1]
    np.testing.assert_array_equal(rec.time_ns, t_true)
    np.testing.assert_allclose(rec.acc, acc_true, rtol=2e-7, atol=0)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_forced_format_reads_the_same(name):
    auto = read(DATA / name, **SAMPLES[name][2])[0]
    forced = read(DATA / name, format=SAMPLES[name][1], **SAMPLES[name][2])[0]
    np.testing.assert_array_equal(auto.time_ns, forced.time_ns)
    np.testing.assert_array_equal(auto.acc, forced.acc)


def test_hypnic_generic_csv_and_parquet_round_trip(tmp_path, short_night):
    rec = short_night.recordings["wrist-left"].slice_time(0, np.iinfo(np.int64).max)
    rec = type(rec)(rec.time_ns[:5000], rec.acc[:5000], rec.fs, rec.location, rec.device)
    for path in (generic.write_csv(rec, tmp_path / "n.csv"), generic.write_csv(rec, tmp_path / "n.csv.gz"),
                 generic.write_csv(rec, tmp_path / "e.csv", time_format="epoch"),
                 generic.write_parquet(rec, tmp_path / "n.parquet")):
        got = read(path)[0]
        assert got.location == "wrist-left" and got.fs == rec.fs
        tol = 1000 if path.name == "e.csv" else 0  # epoch seconds keep the µs
        assert np.abs(got.time_ns - rec.time_ns).max() <= tol
        np.testing.assert_array_equal(got.acc, rec.acc)


def test_units_option_overrides_the_names(tmp_path):
    t, acc = build("generic_semicolon_local.csv", tmp_path)
    rec = read(tmp_path / "generic_semicolon_local.csv", tz="Europe/Berlin", units="g")[0]
    np.testing.assert_allclose(rec.acc, acc * 1000, rtol=1e-6)
