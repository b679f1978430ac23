"""Property-based: junk and truncated files give the project's errors or a clean result."""

from __future__ import annotations

import warnings

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
