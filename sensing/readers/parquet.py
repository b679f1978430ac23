"""Parquet files: hypnic's own (:func:`sensing.generic.write_parquet`) and anyone's.

Layout: a time column (``time``, or any name the generic CSV accepts) of timestamps,
epoch numbers (s/ms/µs/ns told apart as in CSV files) or ISO-8601 text, and x, y, z
acceleration columns (any name and units the generic CSV accepts; units from the names,
``units=``, else the size of gravity). hypnic's files keep the rate, location and device
in the schema metadata under ``hypnic`` (JSON); metadata that cannot be used is
reported and left out. The samples pass the same time and unit checks as every other
format (:func:`sensing.readers.timecheck.build_recordings`).
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sensing.errors import FormatError, HypnicError
from sensing.readers._common import Probe, ReadOptions, unit_scale
from sensing.readers.identify import clip
from sensing.readers.tabular import axis_columns, is_time_name, time_kind, units_of_norm
from sensing.readers.timecheck import build_recordings
from sensing.recording import STILL_SPANS, median, norms

log = logging.getLogger(__name__)

NAME = "parquet"
EXPECTS = "a Parquet file with a time column and x, y, z columns"
_NAT = np.iinfo(np.int64).min


def sniff(probe: Probe) -> bool:
    """True for a Parquet file (magic ``PAR1``)."""
    return probe.head.startswith(b"PAR1")


def _metadata(schema: pa.Schema, name: str) -> dict:
    """hypnic's JSON metadata of a Parquet schema ({} if absent or unreadable: logged)."""
    raw = (schema.metadata or {}).get(b"hypnic")
    if raw is None:
        return {}
    try:
        meta = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        meta = None
    if not isinstance(meta, dict):
        log.warning("%s: the 'hypnic' metadata is not a JSON object; it is left out", name)
        return {}
    fs = meta.get("fs_hz")
    if fs is not None and not (isinstance(fs, (int, float)) and np.isfinite(fs) and fs > 0):
        log.warning("%s: the metadata's fs_hz %s is not a rate; the rate is measured instead",
                    name, clip(repr(fs), 20))
        meta.pop("fs_hz")
    return meta


def _times(col: pa.ChunkedArray, column: str, opts: ReadOptions, name: str) -> np.ndarray:
    """A time column as int64 ns UTC (``INT64_MIN`` where null)."""
    from sensing.readers._common import localize

    try:
        if pa.types.is_timestamp(col.type):
            t = pc.cast(col, pa.timestamp("ns", tz=col.type.tz))
            naive = col.type.tz is None
        elif pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            v = col.to_numpy(zero_copy_only=False).astype(np.float64)
            ok = np.isfinite(v)
            first = f"{v[ok][0]:.17g}" if ok.any() else "0"
            scale = {"epoch-ns": 1, "epoch-us": 1e3, "epoch-ms": 1e6}.get(time_kind(column, first), 1e9)
            out = np.full(len(v), _NAT, np.int64)
            big = ok & (np.abs(v * scale) < 2**62)
            out[big] = np.round(v[big] * scale).astype(np.int64)
            return out
        else:
            text = pc.utf8_trim_whitespace(pc.cast(col, pa.string()))
            first = next((x for x in text.to_pylist()[:1000] if x), "") or ""
            naive = not (first.endswith("Z") or first[-6:-5] in "+-")
            t = pc.cast(text, pa.timestamp("ns") if naive else pa.timestamp("ns", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise FormatError(f"{name}: time column {column!r}: {clip(str(exc), 100)} (times beyond "
                          "2262 or text that is not ISO-8601)") from None
    ns = t.cast(pa.int64()).fill_null(_NAT).to_numpy()
    if naive and opts.naive_tz:
        ns = localize(ns, opts.naive_tz)[0]
    return ns


def _axis(col: pa.ChunkedArray, column: str, name: str) -> np.ndarray:
    """An axis column as float32 (NaN where null)."""
    kind = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind)
            or pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise FormatError(f"{name}: column {clip(column, 30)!r} holds {clip(str(col.type), 30)}, not numbers")
    try:
        return pc.cast(col, pa.float32()).to_numpy(zero_copy_only=False).astype(np.float32)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        text = col.to_pylist()
        bad = next((i for i, v in enumerate(text) if v is not None and not _is_number(str(v))), None)
        what = f"{clip(str(text[bad]), 30)!r} at row {bad}" if bad is not None else "values"
        raise FormatError(f"{name}: column {clip(column, 30)!r} holds {what}, not a number") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a Parquet file into Recordings (see the module docstring)."""
    import pyarrow.parquet as pq  # only when a Parquet file is read (0.02 s)

    name = probe.path.name
    try:
        parquet = pq.ParquetFile(probe.path)
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        first = str(exc).split(". ")[0].rstrip(".")  # pyarrow's first sentence says what is wrong
        raise FormatError(f"{name}: not a readable Parquet file ({clip(first, 80)})") from None
    names = schema.names
    axes = axis_columns(names)
    taken = {c for c, _ in axes.values()}
    time_col = "time" if "time" in names else next((c for c in names if c not in taken and is_time_name(c)), None)
    if len(axes) < 3 or time_col is None:
        raise FormatError(f"{name}: columns {clip(','.join(names), 50)!r}; expected a time column and "
                          "x, y, z")
    meta = _metadata(schema, name)
    ax = [axes[a][0] for a in "xyz"]
    try:
        table = parquet.read(columns=[time_col, *ax])
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise FormatError(f"{name}: damaged Parquet data ({clip(str(exc), 80)})") from None
    t = _times(table[time_col], time_col, opts, name)
    acc = np.stack([_axis(table[c], c, name) for c in ax], axis=1)
    acc[t == _NAT] = np.nan  # a row without a time is dropped and left as a gap
    named = {axes[a][1] for a in "xyz"}
    if opts.units or (len(named) == 1 and None not in named):
        acc *= np.float32(unit_scale(opts.units or str(named.pop())))
    else:
        norm = norms(acc[:2000][np.isfinite(acc[:2000]).all(axis=1)])
        units = units_of_norm(float(median(norm))) if len(norm) else None
        if units:
            acc *= np.float32(unit_scale(units))
    location = opts.location
    if location is None and meta.get("location") is not None:
        from sensing.body import parse_location

        try:
            location = parse_location(str(meta["location"]))
        except HypnicError:
            log.warning("%s: the metadata's location %s is unknown; left out", name, clip(repr(meta["location"]), 30))
    fs = opts.fs or meta.get("fs_hz")
    stated: dict[str, object] = {"tz": str(meta["tz"])} if isinstance(meta.get("tz"), str) and meta["tz"] else {}
    if STILL_SPANS in meta:
        try:
            stated[STILL_SPANS] = np.asarray(meta[STILL_SPANS], np.int64).reshape(-1, 2)
        except (TypeError, ValueError, OverflowError):
            log.warning("%s: the metadata's %s are not pairs of times in ns; left out", name, STILL_SPANS)
    return build_recordings(t, acc, name=name, fs=fs, meta={"format": NAME, **stated},
                            location=location or "unknown", device=str(meta.get("device", name)),
                            max_reorder_s=opts.max_reorder_s)
