"""Property-based: junk and truncated files give the project's errors or a clean result."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_samples import DATA, SAMPLES

from sensing.errors import HypnicError
from sensing.readers import TruncatedFileWarning, read
from sensing.recording import Recording

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read_or_project_error(path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncatedFileWarning)
        try:
            recs = read(path, **options)
        except HypnicError:
            return None
    assert recs and all(isinstance(r, Recording) for r in recs)
    return recs


@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("junk") / "junk.csv"
    p.write_bytes(data)
    _read_or_project_error(p)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("0123456789.,;:-+eE TZ\t\nxyzt#\"")), max_size=600),
       header=st.sampled_from(["time,x,y,z\n", "t;acc_x;acc_y;acc_z\n", "timestamp\tx\ty\tz\n", ""]))
def test_random_csv_like_text(tmp_path_factory, text, header):
    p = tmp_path_factory.mktemp("junk") / "junk.csv"
    p.write_text(header + text)
    _read_or_project_error(p, units="g")


@pytest.mark.parametrize("name", sorted(SAMPLES))
@FUZZ
@given(frac=st.floats(0.0, 1.0), flip=st.integers(0, 10**6), value=st.integers(0, 255))
def test_truncated_or_corrupted_samples(tmp_path_factory, name, frac, flip, value):
    data = (DATA / name).read_bytes()
    folder = tmp_path_factory.mktemp("cut")
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    if name.startswith("phyphox"):
        (folder / "phyphox" / "meta").mkdir()
        (folder / "phyphox" / "meta" / "time.csv").write_bytes((DATA / "phyphox/meta/time.csv").read_bytes())
    cut = bytearray(data[: int(len(data) * frac)])
    if cut and flip % 3 == 0:
        cut[flip % len(cut)] = value
    (folder / name).write_bytes(bytes(cut))
    _read_or_project_error(folder / name, **SAMPLES[name][2])


@FUZZ
@given(swaps=st.lists(st.integers(0, 498), max_size=40), dups=st.lists(st.integers(0, 499), max_size=20),
       holes=st.lists(st.integers(1, 160), max_size=4))
def test_late_and_repeated_rows_are_put_back_exactly(swaps, dups, holes):
    """Rows swapped with a neighbour or repeated in place come back in order, once; holes stay gaps."""
    from sensing.readers.timecheck import build_recordings

    n = 500
    t = 1_767_652_200 * 10**9 + np.arange(n, dtype=np.int64) * 20_000_000
    acc = np.random.default_rng(0).normal(0, 1, (n, 3)).astype(np.float32)
    removed = {3 * h + k for h in holes for k in range(3)}  # runs of 3+ missing samples
    keep = np.setdiff1d(np.arange(n), list(removed))
    order = list(keep)
    for s in swaps:
        if s + 1 < len(order):
            order[s], order[s + 1] = order[s + 1], order[s]
    repeat = {keep[d % len(keep)] for d in dups}
    order = [i for j in order for i in ([j, j] if j in repeat else [j])]
    rec, = build_recordings(t[order], acc[order], name="x", fs=50.0, location="trunk", device="d")
    np.testing.assert_array_equal(rec.time_ns, t[keep])
    np.testing.assert_array_equal(rec.acc, acc[keep])
    assert len(rec.gaps) == len({r for r in removed if r - 1 not in removed})


@pytest.mark.parametrize("n", [255, 256, 257, 512, 513, 1024])
def test_lengths_at_rate_block_edges(n):
    from sensing.readers.timecheck import build_recordings

    t = 1_767_652_200 * 10**9 + np.arange(n, dtype=np.int64) * 10_000_000
    rec, = build_recordings(t, np.ones((n, 3), np.float32) * 0.577, name="x", fs=100.0,
                            location="trunk", device="d")
    assert len(rec) == n
