"""hypnic's own exchange formats: the generic CSV layout and Parquet.

Generic CSV layout (version 1)
------------------------------
::

    # hypnic generic CSV v1; fs_hz=100; location=wrist-left; device=Polar Verity Sense
    time,x,y,z
    2026-01-05T22:42:32.295247673Z,0.01245,-0.98120,0.10352
    ...

* The optional first line starts with ``#`` and holds ``key=value`` pairs separated by
  ``;`` (``fs_hz``, ``location``, ``device``). Without it the rate is inferred from the
  median sample step and location/device are ``unknown``.
* ``time`` is ISO-8601 UTC (:func:`write_csv` default) or seconds since the Unix epoch.
* ``x``, ``y``, ``z`` are acceleration in g. The file may be gzip-compressed (``.gz``).

Written files use ISO-8601 UTC with nanoseconds and the shortest decimal that reads
back as the same float32, so a write/read round trip is exact. Files are read back with
:func:`sensing.readers.read` (layouts ``generic-csv`` and ``parquet``), which reads many
more CSV layouts too (``docs/file-formats.md``).

Parquet: columns ``time`` (timestamp[ns, UTC]) and float32 ``x``, ``y``, ``z`` in g;
rate, location, device and gaps are kept in the schema metadata under ``hypnic``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sensing.errors import FormatError
from sensing.recording import Recording, find_gaps, infer_fs

HEADER_PREFIX = "# hypnic generic CSV v1"


def iso_strings(time_ns: np.ndarray) -> pa.Array:
    """ISO-8601 UTC strings with nanoseconds (``2026-01-05T22:42:32.295247673Z``).

    Vectorised: the date-and-second prefix is formatted once per distinct second.
    """
    sec, frac = np.divmod(np.asarray(time_ns, np.int64), 1_000_000_000)
    first = np.r_[True, sec[1:] != sec[:-1]] if len(sec) else np.zeros(0, bool)
    prefix = np.datetime_as_string(sec[first].astype("datetime64[s]"))
    which = np.cumsum(first) - 1
    text = pc.binary_join_element_wise(
        pa.array(prefix).take(pa.array(which)),
        pc.utf8_lpad(pc.cast(pa.array(frac), pa.string()), 9, "0"), ".")
    return pc.binary_join_element_wise(text, pa.scalar("Z"), "")


def write_csv(rec: Recording, path: str | Path, time_format: str = "iso") -> Path:
    """Write a recording as a generic CSV (gzip-compressed if ``path`` ends in ``.gz``).

    Parameters
    ----------
    rec : Recording
    path : str or Path
    time_format : {"iso", "epoch"}
        ISO-8601 UTC with ns (exact), or epoch seconds with 6 decimals (to the µs).
    """
    path = Path(path)
    if time_format == "iso":
        time = iso_strings(rec.time_ns)
    elif time_format == "epoch":
        sec, frac = np.divmod(rec.time_ns, 1_000_000_000)
        time = pc.binary_join_element_wise(
            pc.cast(pa.array(sec), pa.string()),
            pc.utf8_lpad(pc.cast(pa.array(frac // 1000), pa.string()), 6, "0"), ".")
    else:
        raise ValueError(f"time_format must be 'iso' or 'epoch', got {time_format!r}")
    table = pa.table({"time": time, "x": rec.acc[:, 0], "y": rec.acc[:, 1], "z": rec.acc[:, 2]})
    header = (f"{HEADER_PREFIX}; fs_hz={rec.fs:g}; location={rec.location}; "
              f"device={rec.device.replace(';', ',')}\ntime,x,y,z\n")
    tmp = path.with_name(path.name + ".part")
    raw = pa.OSFile(str(tmp), "wb")
    sink = pa.CompressedOutputStream(raw, "gzip") if path.suffix == ".gz" else raw
    try:
        sink.write(header.encode())
        pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    finally:
        sink.close()
    tmp.replace(path)
    return path


def parse_time_column(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Sample times as int64 ns UTC from a text column of ISO-8601 (UTC without a zone) or
    epoch seconds.

    Raises
    ------
    FormatError
        If the column is neither, naming the first value that does not parse.
    """
    col = pc.utf8_trim_whitespace(col.cast(pa.string()))
    if len(col) == 0:
        return np.zeros(0, np.int64)
    first = col[0].as_py() or ""
    try:
        float(first)
        numeric = True
    except ValueError:
        numeric = False
    try:
        if numeric:
            sec = pc.cast(col, pa.float64()).to_numpy()
            return (np.round(sec * 1e6).astype(np.int64)) * 1000
        has_zone = first.endswith("Z") or first[-6:-5] in "+-" and first[-3:-2] == ":"
        ts = pc.cast(col, pa.timestamp("ns", tz="UTC") if has_zone else pa.timestamp("ns"))
        return ts.to_numpy().view(np.int64) if not isinstance(ts, pa.ChunkedArray) else \
            ts.combine_chunks().to_numpy().view(np.int64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise FormatError(f"time column: {exc}") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def write_parquet(rec: Recording, path: str | Path) -> Path:
    """Write a recording as Parquet (exact; metadata and gaps kept)."""
    path = Path(path)
    meta = dict(fs_hz=rec.fs, location=rec.location, device=rec.device,
                gaps_ns=rec.gaps.tolist(), format="hypnic recording v1")
    table = pa.table({
        "time": pa.array(rec.time_ns, pa.timestamp("ns", tz="UTC")),
        "x": rec.acc[:, 0], "y": rec.acc[:, 1], "z": rec.acc[:, 2],
    }).replace_schema_metadata({"hypnic": json.dumps(meta)})
    tmp = path.with_name(path.name + ".part")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
    return path


def read_parquet(path: str | Path, location: str | None = None, fs: float | None = None) -> Recording:
    """Read a Parquet file with ``time`` and x, y, z (g) columns (hypnic's or anyone's)."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FormatError(f"{path.name}: not a readable Parquet file ({_first_line(exc)})") from None
    missing = [c for c in ("time", "x", "y", "z") if c not in table.column_names]
    if missing:
        raise FormatError(f"{path.name}: missing column(s) {', '.join(missing)}; expected time,x,y,z")
    meta = json.loads((table.schema.metadata or {}).get(b"hypnic", b"{}"))
    time = table["time"]
    if pa.types.is_timestamp(time.type):
        t = time.cast(pa.timestamp("ns", tz=time.type.tz)).combine_chunks().to_numpy().view(np.int64)
    else:
        t = parse_time_column(time)
    acc = np.stack([table[c].to_numpy() for c in ("x", "y", "z")], axis=1).astype(np.float32)
    fs = fs or meta.get("fs_hz") or infer_fs(t)
    gaps = np.array(meta["gaps_ns"], np.int64).reshape(-1, 2) if "gaps_ns" in meta else find_gaps(t, fs)
    return Recording(t, acc, fs, location or meta.get("location", "unknown"),
                     meta.get("device", path.name), gaps)
