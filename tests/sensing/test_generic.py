"""hypnic's own exchange formats (generic CSV, Parquet): written by sensing.generic,
read back by sensing.readers.read."""

import gzip

import numpy as np
import pytest

from sensing import FormatError, Recording
from sensing.generic import write_csv, write_parquet
from sensing.readers import read
from sensing.recording import STILL_SPANS
from simulation import NightConfig, simulate_night


@pytest.fixture(scope="module")
def rec():
    night = simulate_night(NightConfig(fs=100, hours_in_bed=0.5, locations=("ankle-right",),
                                       gaps_per_night=3, n_knocks=3), seed=2)
    return night.recordings["ankle-right"]


@pytest.mark.parametrize("name", ["r.csv", "r.csv.gz"])
def test_csv_round_trip_is_exact(tmp_path, rec, name):
    path = write_csv(rec, tmp_path / name)
    [back] = read(path)
    assert np.array_equal(back.time_ns, rec.time_ns)
    assert np.array_equal(back.acc, rec.acc)
    assert np.array_equal(back.gaps, rec.gaps)
    assert (back.fs, back.location, back.device) == (rec.fs, rec.location, rec.device)
    assert STILL_SPANS not in back.meta


def test_csv_round_trip_of_a_sensor_starting_up_at_0_g(tmp_path, rec):
    """hypnic's own CSV is in g whatever its samples: an AX6 reads about 0 g while it
    starts up (GGIR's test file), which gravity alone could not give units to."""
    start = Recording(rec.time_ns[:300], np.full((300, 3), [0.007, 0.07, 0.009], np.float32), rec.fs,
                      "wrist-left", "AX6")
    [back] = read(write_csv(start, tmp_path / "s.csv"))
    assert np.array_equal(back.acc, start.acc)


def test_parquet_keeps_the_spans_a_device_lay_still(tmp_path, rec):
    """An idle-sleep ActiGraph converted to Parquet keeps what tells its sleep from missing data."""
    spans = rec.gaps[:2]
    still = Recording(rec.time_ns, rec.acc, rec.fs, rec.location, meta={STILL_SPANS: spans})
    [back] = read(write_parquet(still, tmp_path / "r.parquet"))
    assert back.meta[STILL_SPANS].dtype == np.int64
    assert np.array_equal(back.meta[STILL_SPANS], spans)
    assert not list(tmp_path.glob("*.part"))


def test_csv_layout_is_the_documented_one(tmp_path, rec):
    path = write_csv(rec.slice_time(rec.time_ns[0], rec.time_ns[3]), tmp_path / "r.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "# hypnic generic CSV v1; fs_hz=100; location=ankle-right; device=simulator"
    assert lines[1] == "time,x,y,z"
    t, *xyz = lines[2].split(",")
    assert t.endswith("Z") and len(t) == len("2026-01-05T22:42:32.295247673Z")
    assert np.float32(xyz[0]) == rec.acc[0, 0]


def test_epoch_seconds_round_trip_to_the_microsecond(tmp_path, rec):
    [back] = read(write_csv(rec, tmp_path / "e.csv", time_format="epoch"))
    assert np.abs(back.time_ns - rec.time_ns).max() < 1000
    assert np.array_equal(back.acc, rec.acc)


def test_csv_without_header_line_naive_and_offset_times(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_text("time,x,y,z\n2026-03-01T23:00:00,0,0,1\n2026-03-01T23:00:00.04,0,0.5,1\n"
                 "2026-03-01T23:00:00.08,0,0,1\n")
    [r] = read(p)
    assert r.fs == 25.0 and r.location == "unknown"
    assert r.time_ns[0] == np.datetime64("2026-03-01T23:00:00", "ns").astype(np.int64)
    [local] = read(p, tz="Europe/Berlin")
    assert r.time_ns[0] - local.time_ns[0] == 3600 * 10**9
    p.write_text("time,x,y,z\n2026-03-01T23:00:00+01:00,0,0,1\n2026-03-01T23:00:01+01:00,0,0,1\n")
    assert read(p)[0].time_ns[0] == local.time_ns[0]


def test_naive_times_are_read_in_the_zone_the_header_states(tmp_path):
    """A header's tz= is where the times were written: naive times are read in it, not in
    the machine's zone (local_tz); --tz (tz) still overrides it."""
    p = tmp_path / "z.csv"
    p.write_text("# hypnic generic CSV v1; tz=Asia/Tokyo\ntime,x,y,z\n"
                 "2026-03-01T23:00:00,0,0,1\n2026-03-01T23:00:00.04,0,0.5,1\n2026-03-01T23:00:00.08,0,0,1\n")
    wall = np.datetime64("2026-03-01T23:00:00", "ns").astype(np.int64)
    for opts in ({}, {"local_tz": "Europe/Berlin"}):
        [r] = read(p, **opts)
        assert r.time_ns[0] == wall - 9 * 3600 * 10**9 and r.meta["tz"] == "Asia/Tokyo"
    [given] = read(p, tz="Europe/Berlin")
    assert given.time_ns[0] == wall - 3600 * 10**9
    p.write_text(p.read_text().replace("Asia/Tokyo", "Mars/Olympus"))
    with pytest.raises(FormatError, match="z.csv: .*Mars/Olympus"):
        read(p)


@pytest.mark.parametrize("text, match", [
    ("a,b\n1,2\n", "header 'a,b' has no axis x, y, z or time column"),
    ("time,x,y,z\nnot-a-time,0,0,1\nlater,0,0,1\n", "line 2, column 'time': 'not-a-time' is not an ISO-8601 time$"),
    ("time,x,y,z\n06/01/2026 22:37:48.004,0,0,1\n06/01/2026 22:37:48.014,0,0,1\n",
     "'06/01/2026 22:37:48.004' is not an ISO-8601 time \\(day/month or month/day\\? write dates "
     "year first: 2026-01-06T22:37:48\\)"),
    ("time,x,y,z\n2026-03-01T23:00:00Z,0,0,1\n2026-03-01T23:00:01Z,zero,0,1\n",
     "line 3, column 'x': 'zero' is not a number"),
])
def test_bad_csv_gives_format_error(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(FormatError, match=match):
        read(p)


def test_gzip_is_really_compressed(tmp_path, rec):
    path = write_csv(rec, tmp_path / "r.csv.gz")
    with gzip.open(path, "rt") as f:
        assert f.readline().startswith("# hypnic generic CSV v1")
    head = path.read_bytes()[:10]
    # RFC 1952: no file name (the temporary file's would leak) and no time stored (the
    # same recording gives the same bytes); XFL 0: neither the slowest level (9, 2) nor
    # the fastest (1, 4)
    assert head[3] & 0x08 == 0 and head[4:8] == bytes(4) and head[8] == 0
    assert write_csv(rec, tmp_path / "again.csv.gz").read_bytes() == path.read_bytes()


def test_parquet_round_trip_is_exact(tmp_path, rec):
    [back] = read(write_parquet(rec, tmp_path / "r.parquet"))
    assert np.array_equal(back.time_ns, rec.time_ns) and np.array_equal(back.acc, rec.acc)
    assert np.array_equal(back.gaps, rec.gaps)
    assert (back.fs, back.location, back.device) == (rec.fs, rec.location, rec.device)


def test_foreign_parquet_and_frame(tmp_path):
    rec = Recording(1_767_652_200 * 10**9 + np.arange(100, dtype=np.int64) * 20_000_000,
                    np.ones((100, 3)) * 0.577, 50)
    df = rec.to_frame().reset_index()
    df.to_parquet(tmp_path / "f.parquet")
    [back] = read(tmp_path / "f.parquet")
    assert back.fs == 50 and np.array_equal(back.time_ns, rec.time_ns)
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(FormatError, match="junk.parquet: not a readable Parquet file"):
        read(tmp_path / "junk.parquet")
    whole = (tmp_path / "f.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(whole[: len(whole) // 2])  # a copy cut short
    with pytest.raises(FormatError) as err:
        read(tmp_path / "cut.parquet")
    assert str(err.value).endswith("magic bytes not found in footer)"), err.value  # not cut mid-sentence
