"""hypnic's own exchange formats: the generic CSV layout and Parquet.

Generic CSV layout (version 1)
------------------------------
::

    # hypnic generic CSV v1; fs_hz=100; location=wrist-left; device=Polar Verity Sense
    time,x,y,z
    2026-01-05T22:42:32.295247673Z,0.01245,-0.98120,0.10352
    ...

* The optional first line starts with ``#`` and holds ``key=value`` pairs separated by
  ``;`` (``fs_hz``, ``location``, ``device``, and ``tz``: the sleeper's time zone, to
  show times in, when known, and to read times written without a zone in). Without it
  the rate is inferred from the median sample step and location/device are ``unknown``.
* ``time`` is ISO-8601 UTC (:func:`write_csv` default) or seconds since the Unix epoch.
* ``x``, ``y``, ``z`` are acceleration in g. The file may be gzip-compressed (``.gz``).

Written files use ISO-8601 UTC with nanoseconds and the shortest decimal that reads
back as the same float32, so a write/read round trip is exact. Files are read back with
:func:`sensing.readers.read` (layouts ``generic-csv`` and ``parquet``), which reads many
more CSV layouts too (``docs/file-formats.md``).

Parquet: columns ``time`` (timestamp[ns, UTC]) and float32 ``x``, ``y``, ``z`` in g;
rate, location, device, gaps and the time zone (``tz``, when known) are kept in the
schema metadata under ``hypnic`` (read back by :mod:`sensing.readers.parquet`).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sensing.private import private_file
from sensing.recording import STILL_SPANS, Recording

HEADER_PREFIX = "# hypnic generic CSV v1"
#: gzip level of a written ``.csv.gz`` (zlib's default, as the ``gzip`` tool's).
GZIP_LEVEL = 6


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
    """Write a recording as a generic CSV (gzip-compressed if ``path`` ends in ``.gz``),
    owner-only and atomically (:func:`sensing.private.private_file`).

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
    zone = f"; tz={rec.meta['tz']}" if rec.meta.get("tz") else ""
    header = (f"{HEADER_PREFIX}; fs_hz={rec.fs:g}; location={rec.location}; "
              f"device={rec.device.replace(';', ',')}{zone}\ntime,x,y,z\n")
    with private_file(path) as tmp, open(tmp, "wb") as raw:
        # zlib's default level: Arrow's gzip stream writes level 9, 8x slower for a noisy
        # 8 h 100 Hz night (80 s against 10 s) and 8 % smaller; no name or time in the header
        sink = (gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
                if path.suffix == ".gz" else raw)
        with sink:
            sink.write(header.encode())
            pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    return path


def write_parquet(rec: Recording, path: str | Path) -> Path:
    """Write a recording as Parquet (exact; metadata and gaps kept), owner-only and
    atomically (:func:`sensing.private.private_file`)."""
    path = Path(path)
    meta = dict(fs_hz=rec.fs, location=rec.location, device=rec.device,
                gaps_ns=rec.gaps.tolist(), format="hypnic recording v1",
                **({"tz": rec.meta["tz"]} if rec.meta.get("tz") else {}),
                **({STILL_SPANS: np.asarray(rec.meta[STILL_SPANS]).tolist()} if STILL_SPANS in rec.meta else {}))
    table = pa.table({
        "time": pa.array(rec.time_ns, pa.timestamp("ns", tz="UTC")),
        "x": rec.acc[:, 0], "y": rec.acc[:, 1], "z": rec.acc[:, 2],
    }).replace_schema_metadata({"hypnic": json.dumps(meta)})
    with private_file(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path
