"""Property-based: every file reader on junk, truncated, re-encoded, huge-line, NaN/inf
and wrong-unit files, and on damaged live recordings (SQLite) and Parquet files.

``sensing.readers.read`` must return valid recordings (finite, in g) or raise a
:class:`sensing.errors.HypnicError`; anything else is a failure. Seeds are the real
sample files of every layout in ``tests/data/readers`` plus a live recording and a
Parquet file written by hypnic itself.
"""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_figures import tally

from sensing import generic
from sensing.errors import HypnicError
from sensing.readers import TruncatedFileWarning, read
from sensing.recording import Recording
from sensing.store import RecordingStore

DATA = Path(__file__).resolve().parents[1] / "data" / "readers"
BUDGET = 60
FUZZ = settings(max_examples=BUDGET, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
SAMPLES = {  # file -> read options its layout needs
    "generic_iso.csv": {}, "generic_semicolon_local.csv": {"tz": "Europe/Berlin"},
    "generic_tab_epoch_ms.tsv": {}, "generic_elapsed.csv.gz": {"start": "2026-01-05T22:30:00Z"},
    "Polar_Sense_B5A1E2F3_20260105_223000_ACC.txt": {"tz": "Europe/Berlin"},
    "phyphox/Accelerometer.csv": {}, "actigraph_RAW.csv": {"tz": "Europe/Berlin"},
    "empatica/ACC.csv": {}, "geneactiv.bin": {}, "axivity_ax3.cwa": {}, "axivity_ax6.cwa": {},
}


def read_checked(target: str, kind: str, path: Path, **options) -> list[Recording] | None:
    """Read ``path``; count it; fail on anything but valid recordings or a HypnicError."""
    tally("readers", target, **{"inputs": 1, kind: 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncatedFileWarning)
        try:
            recs = read(path, **options)
        except HypnicError:
            tally("readers", target, rejected=1)
            return None
        except Exception:
            tally("readers", target, failures=1)
            raise
    assert recs and all(isinstance(r, Recording) for r in recs)
    for r in recs:
        assert np.isfinite(r.acc).all() and r.acc.dtype == np.float32
        assert (np.diff(r.time_ns) > 0).all()
    tally("readers", target, read=1)
    return recs


def seed_folder(tmp: Path, name: str) -> Path:
    """A copy of sample ``name`` (with the phyphox meta folder it needs) under ``tmp``."""
    (tmp / name).parent.mkdir(parents=True, exist_ok=True)
    if name.startswith("phyphox"):
        shutil.copytree(DATA / "phyphox" / "meta", tmp / "phyphox" / "meta", dirs_exist_ok=True)
    return tmp / name


@pytest.fixture(scope="module")
def extra_seeds(tmp_path_factory, short_night):
    """A live recording (.sqlite) and a Parquet file written by hypnic."""
    folder = tmp_path_factory.mktemp("seeds")
    rec = short_night.recordings["wrist-left"]
    n = 2000
    with RecordingStore(folder / "live.sqlite") as store:
        sid = store.add_sensor("AA:BB", "Polar Sense X", "polar", "wrist-left", rec.fs, 8,
                               int(rec.time_ns[0]))
        for i in range(0, n, 100):
            store.append(sid, rec.time_ns[i:i + 100], rec.acc[i:i + 100])
    small = Recording(rec.time_ns[:n], rec.acc[:n], rec.fs, rec.location, rec.device)
    generic.write_parquet(small, folder / "night.parquet")
    return {"live.sqlite": (folder / "live.sqlite").read_bytes(),
            "night.parquet": (folder / "night.parquet").read_bytes()}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@FUZZ
@given(frac=st.floats(0.0, 1.0), flips=st.lists(st.integers(0, 10**7), max_size=4),
       value=st.integers(0, 255))
def test_truncated_or_bit_flipped_samples(tmp_path_factory, name, frac, flips, value):
    data = bytearray((DATA / name).read_bytes())
    cut = data[: int(len(data) * frac)]
    for f in flips:
        if cut:
            cut[f % len(cut)] = value
    path = seed_folder(tmp_path_factory.mktemp("cut"), name)
    path.write_bytes(bytes(cut))
    kind = "bit_flipped" if flips and cut else "truncated"
    read_checked(name, kind, path, **SAMPLES[name])


@pytest.mark.parametrize("name", ["live.sqlite", "night.parquet"])
@FUZZ
@given(frac=st.floats(0.05, 1.0), flips=st.lists(st.integers(0, 10**8), max_size=6),
       value=st.integers(0, 255))
def test_damaged_hypnic_files(tmp_path_factory, extra_seeds, name, frac, flips, value):
    data = bytearray(extra_seeds[name])
    cut = data[: max(int(len(data) * frac), 1)]
    for f in flips:
        cut[f % len(cut)] = value
    path = tmp_path_factory.mktemp("cut") / name
    path.write_bytes(bytes(cut))
    read_checked(name, "bit_flipped" if flips else "truncated", path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "latin-1", "cp1252"])
@pytest.mark.parametrize("name", ["generic_iso.csv", "Polar_Sense_B5A1E2F3_20260105_223000_ACC.txt",
                                  "actigraph_RAW.csv"])
def test_wrong_encoding(tmp_path, name, encoding):
    """Re-encoded text (with a non-ASCII note) is read identically or rejected clearly."""
    text = (DATA / name).read_text(encoding="utf-8")
    path = tmp_path / name
    path.write_text(text.replace("\n", " \u00e9\u00df\n", 1) if encoding != "utf-16" else text,
                    encoding=encoding)
    read_checked(name, "wrong_encoding", path, **SAMPLES[name])


@FUZZ
@given(bad=st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "",
                            "0x10", "1,5", "\u00a0", "null"]),
       rows=st.lists(st.integers(1, 39), min_size=1, max_size=5), axis=st.integers(1, 3))
def test_nan_inf_and_junk_values(tmp_path_factory, bad, rows, axis):
    """Non-finite or malformed values never reach a Recording."""
    lines = (DATA / "generic_iso.csv").read_text().splitlines()
    for r in rows:
        cells = lines[r].split(",")
        cells[axis] = bad
        lines[r] = ",".join(cells)
    path = tmp_path_factory.mktemp("nan") / "nan.csv"
    path.write_text("\n".join(lines) + "\n")
    recs = read_checked("generic_iso.csv", "nan_inf", path)
    if recs is not None:  # kept: the damaged rows must be gone (dropped, gap kept)
        assert sum(len(r) for r in recs) <= 40 - len(set(rows))


@pytest.mark.parametrize("size", [10**5, 2 * 10**6])
@pytest.mark.parametrize("where", ["header", "row"])
def test_huge_lines(tmp_path, size, where):
    lines = (DATA / "generic_iso.csv").read_text().splitlines()
    i = 0 if where == "header" else 5
    lines[i] = lines[i] + "," + "9" * size
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(lines) + "\n")
    read_checked("generic_iso.csv", "huge_line", path)


@pytest.mark.parametrize("factor, units, expect", [
    (1.0, None, 1.0),            # g, told from gravity
    (1000.0, None, 1e-3),        # mg, told from gravity
    (9.80665, None, 1 / 9.80665),  # m/s^2, told from gravity
    (1000.0, "g", None),         # mg values declared as g: impossible, rejected (was a bug)
    (37.0, None, None),          # neither g, mg nor m/s^2: rejected
])
def test_wrong_units(tmp_path, factor, units, expect):
    """Units are told from gravity; values in the wrong units are rejected, not stored."""
    lines = (DATA / "generic_iso.csv").read_text().splitlines()
    out = [lines[0]]
    for ln in lines[1:]:
        t, *xyz = ln.split(",")
        out.append(",".join([t, *(repr(float(v) * factor) for v in xyz)]))
    path = tmp_path / "units.csv"
    path.write_text("\n".join(out) + "\n")
    options = {"units": units} if units else {}
    recs = read_checked("generic_iso.csv", "wrong_units", path, **options)
    base = read(DATA / "generic_iso.csv")[0]
    if expect is None:
        assert recs is None
    else:
        np.testing.assert_allclose(recs[0].acc, base.acc, rtol=1e-5, atol=1e-6)


@FUZZ
@given(data=st.binary(max_size=4000),
       magic=st.sampled_from([b"", b"SQLite format 3\x00", b"PAR1", b"MD", b"\x1f\x8b",
                              b"time,x,y,z\n", b"Device Identity\r\n"]))
def test_junk_with_magic_numbers(tmp_path_factory, data, magic):
    """Junk that starts like a known layout (magic numbers, gzip, headers)."""
    path = tmp_path_factory.mktemp("junk") / "junk.bin"
    path.write_bytes(magic + data)
    read_checked("auto-detect", "junk", path)


def test_sqlite_that_is_not_a_recording(tmp_path):
    """A foreign SQLite database (e.g. the diary) is refused with a FormatError."""
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta(key TEXT, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema', 'something-else')")
    db.close()
    assert read_checked("live.sqlite", "foreign", path) is None
