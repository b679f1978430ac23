"""Property-based, structurally: Parquet files and live recordings (.sqlite) whose schema,
column types, values and metadata are drawn by hypothesis, not only their bytes.

``sensing.readers.read`` must return valid recordings (finite, in g, strictly
increasing times) or raise a one-line :class:`sensing.errors.HypnicError`; anything
else fails. Counted in the reliability figures (``readers`` section).
"""

from __future__ import annotations

import sqlite3
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_figures import tally

from sensing.errors import HypnicError
from sensing.readers import TruncatedFileWarning, read
from sensing.store import RecordingStore

BUDGET = 300
FUZZ = settings(max_examples=BUDGET, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
START = 1_767_652_200 * 10**9
N = 64

NAMES = ["time", "x", "y", "z", "t", "timestamp", "acc_x", "acc_y", "acc_z", "X [mg]", "Y [mg]",
         "Z [mg]", "ax (m/s^2)", "gyro_x", "temperature", ""]
TYPES = [pa.timestamp("ns", tz="UTC"), pa.timestamp("ms"), pa.timestamp("s"), pa.timestamp("us", tz="Europe/Berlin"),
         pa.int64(), pa.int32(), pa.float64(), pa.float32(), pa.string(), pa.bool_(), pa.null(),
         pa.dictionary(pa.int8(), pa.string()), pa.list_(pa.float32())]


def _checked(target: str, path, **options) -> None:
    tally("readers", target, inputs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncatedFileWarning)
        try:
            recs = read(path, **options)
        except HypnicError as exc:
            assert "\n" not in str(exc) and len(str(exc)) <= 200, str(exc)
            tally("readers", target, rejected=1)
            return
        except Exception:
            tally("readers", target, failures=1)
            raise
    for r in recs:
        assert np.isfinite(r.acc).all() and r.acc.dtype == np.float32
        assert (np.diff(r.time_ns) > 0).all()
    tally("readers", target, read=1)


def _values(kind: pa.DataType, draw, n: int):
    """A column of ``kind`` with values near a real recording's, or broken ones."""
    style = draw(st.sampled_from(["good", "nulls", "extreme", "constant"] if n else ["good"]))
    if pa.types.is_timestamp(kind) or pa.types.is_integer(kind):
        unit = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}.get(getattr(kind, "unit", "ns"), 1)
        v = (START + np.arange(n, dtype=np.int64) * 40_000_000) // unit
        if style == "extreme":
            v[draw(st.integers(0, n - 1))] = draw(st.sampled_from([0, -1, 2**31 - 1, 10**12, -(10**12)]))
        if pa.types.is_integer(kind):
            v = np.clip(v, *(np.iinfo(kind.to_pandas_dtype()).min, np.iinfo(kind.to_pandas_dtype()).max))
    elif pa.types.is_floating(kind):
        v = np.full(n, draw(st.sampled_from([0.97, 9.8, 970.0, 0.0, 1e30])), np.float64)
        v += np.arange(n) * 1e-3
        if style == "extreme":
            v[draw(st.integers(0, n - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e300]))
    elif pa.types.is_string(kind) or pa.types.is_dictionary(kind):
        v = [draw(st.sampled_from(["0.97", "2026-01-05T22:30:00Z", "abc", "", "1e400", "1767652200"]))
             for _ in range(n)]
        return pa.array(v).cast(kind) if pa.types.is_string(kind) else pa.array(v).dictionary_encode()
    elif pa.types.is_boolean(kind):
        v = np.arange(n) % 2 == 0
    elif pa.types.is_list(kind):
        return pa.array([[0.1, 0.2]] * n, kind)
    else:
        return pa.nulls(n)
    if style == "constant":
        v = np.full(n, v[0])
    mask = np.arange(n) % 7 == 3 if style == "nulls" else None
    try:
        return pa.array(v, kind, mask=mask)
    except (pa.ArrowInvalid, OverflowError, TypeError):
        return pa.array(np.asarray(v).astype(str)).cast(pa.string())


@st.composite
def parquet_tables(draw):
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):  # mostly a usable layout, so the checks after it are reached
        names = ["time", "x", "y", "z", *[n for n in names if n not in ("time", "x", "y", "z")]]
    n = draw(st.sampled_from([0, 1, 2, N]))
    cols = {}
    for name in names:
        kind = draw(st.sampled_from(TYPES[:1] if name == "time" and draw(st.booleans()) else
                                    [pa.float32()] if name in "xyz" and draw(st.booleans()) else TYPES))
        cols[name] = _values(kind, draw, n)
    table = pa.table(cols)
    meta = draw(st.sampled_from([None, b"{bad", b"[]", b'"text"', b'{"fs_hz": "fast"}', b'{"fs_hz": -5}',
                                 b'{"fs_hz": 1e309}', b'{"location": "elbow", "device": 7}',
                                 b'{"fs_hz": 25, "location": "wrist-left", "gaps_ns": [[1, 2, 3]]}',
                                 b"\xff\xfe"]))
    return table.replace_schema_metadata({b"hypnic": meta} if meta is not None else None)


@FUZZ
@given(table=parquet_tables())
def test_parquet_of_any_schema(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("pq") / "night.parquet"
    pq.write_table(table, path)
    _checked("parquet-structured", path)


@st.composite
def live_recordings(draw):
    """Changes to make to a good live recording (SQL statements)."""
    sql = []
    fs = draw(st.sampled_from([None, "NULL", "'fast'", "0", "-25", "1e400", "25", "0.001"]))
    if fs:
        sql.append(f"UPDATE sensors SET fs_hz = {fs}")
    loc = draw(st.sampled_from([None, "'elbow'", "NULL", "42", "'ankle-left'"]))
    if loc:
        sql.append(f"UPDATE sensors SET location = {loc}")
    blob = draw(st.sampled_from([None, "time_ns = 'hello'", "acc = x'00'", "time_ns = NULL", "acc = 7",
                                 "time_ns = zeroblob(8)", "n = -1"]))
    if blob:
        sql.append(f"UPDATE chunks SET {blob} WHERE id = {draw(st.integers(1, 3))}")
    schema = draw(st.sampled_from([None, "'hypnic-live-v0'", "NULL"]))
    if schema:
        sql.append(f"UPDATE meta SET value = {schema} WHERE key = 'schema'")
    if draw(st.booleans()):
        sql.append("INSERT INTO chunks(sensor, t0_ns, t1_ns, n, time_ns, acc) SELECT sensor, t0_ns, t1_ns, n, "
                   "time_ns, acc FROM chunks WHERE id = 1")  # the same samples twice
    table = draw(st.sampled_from([None, "events", "gaps", "chunks", "sensors", "meta"]))
    if table:
        sql.append(f"DROP TABLE {table}")
    return sql


@FUZZ
@given(changes=live_recordings())
def test_live_recording_of_any_damage(tmp_path_factory, changes):
    path = tmp_path_factory.mktemp("live") / "night.sqlite"
    t = START + np.arange(3 * N, dtype=np.int64) * 40_000_000
    acc = np.tile(np.array([0.1, -0.2, 0.97], np.float32), (len(t), 1))
    with RecordingStore(path) as store:
        sid = store.add_sensor("AA:BB", "Polar Verity Sense", "polar", "wrist-left", 25.0, 8, int(t[0]))
        for i in range(0, len(t), N):
            store.append(sid, t[i:i + N], acc[i:i + N])
    db = sqlite3.connect(path)
    for statement in changes:
        db.execute(statement)
    db.commit()
    db.close()
    _checked("sqlite-structured", path)
