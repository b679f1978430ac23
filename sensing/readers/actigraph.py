"""ActiGraph ActiLife RAW CSV export (``*RAW.csv``).

Layout (ActiLife 6 "RAW" CSV; as read by GGIR, read.gt3x and pygt3x users)::

    ------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v3.2.1 date format M/d/yyyy at 30 Hz  Filter Normal -----------
    Serial Number: NEO1F18120387
    Start Time 00:00:00
    Start Date 5/7/2014
    Epoch Period (hh:mm:ss) 00:00:00
    Download Time 10:31:05
    Download Date 5/20/2014
    Current Memory Address: 0
    Current Battery Voltage: 4.07     Mode = 12
    --------------------------------------------------
    Accelerometer X,Accelerometer Y,Accelerometer Z
    -0.182,-0.182,0.962

* A header closed by a dashed line: ten lines from ActiLife, twelve from gt3x2csv (which
  adds ``Idle Sleep Mode: ...`` and ``Sample Rate: ...`` after ``Start Date``); the first
  gives the date format (``M/d/yyyy``, ``dd/MM/yyyy`` ...) and the rate; ``Start Time``
  and ``Start Date`` are the device's local time (``tz``).
* Then an optional column row (``Accelerometer X,...``, with an optional leading
  ``Timestamp`` column; IMU exports add temperature, gyroscope and magnetometer columns)
  and one row per sample, in g or, exported as such, in raw counts (LSB; told from the
  size of gravity and scaled by the serial's nominal LSB per g, :func:`lsb_per_g`).
* ``Epoch Period`` is ``00:00:00``; an epoch export (counts per epoch, ``Date,Time,Axis1,...``)
  holds no samples and is refused.
* Sample ``i`` is at start + i / rate (ActiLife writes the samples on that grid); the
  start is the first ``Timestamp`` when there is one (an export of part of a
  recording), else the header's start.
"""

from __future__ import annotations

import re

import numpy as np

from sensing.errors import FormatError
from sensing.readers._common import Probe, ReadOptions, unit_scale
from sensing.readers.tabular import (
    Layout,
    axis_columns,
    guess_delimiter,
    is_time_name,
    median_norm,
    parse_start,
    read_table,
    split_fields,
)
from sensing.readers.timecheck import build_recordings

NAME = "actigraph-csv"
EXPECTS = "ActiLife's header ('------------ Data File Created By ActiGraph ...', closed by a dashed line)"
#: Longest header looked for the dashed line that closes it, lines (ActiLife writes 10).
MAX_HEADER_LINES = 20


def sniff(probe: Probe) -> bool:
    """True for an ActiLife RAW CSV."""
    lines = probe.lines
    return bool(lines) and "data file created by actigraph" in lines[0].lower()


def header_lines(lines: list[str], name: str) -> int:
    """Number of header lines: up to and including the dashed line that closes it."""
    for i, ln in enumerate(lines[1:MAX_HEADER_LINES], 1):
        if re.fullmatch(r"-{10,}", ln.strip().rstrip(",")):
            return i + 1
    raise FormatError(f"{name}: no dashed line closes the ActiLife header in its first "
                      f"{MAX_HEADER_LINES} lines")


def _field(lines: list[str], label: str) -> str:
    for ln in lines:
        if ln.lower().startswith(label.lower()):
            return ln[len(label):].strip(" :,")
    raise FormatError(f"ActiLife header lacks the {label!r} line")


def parse_date(text: str, fmt: str) -> str:
    """An ActiLife date (``5/7/2014`` in format ``M/d/yyyy``) as ISO ``2014-05-07``."""
    order = [p[0].lower() for p in re.split(r"[/.\-]", fmt)]
    parts = re.split(r"[/.\-]", text.strip())
    if sorted(order) != ["d", "m", "y"] or len(parts) != 3:
        raise FormatError(f"cannot read the date {text!r} in format {fmt!r}")
    d = dict(zip(order, parts, strict=True))
    try:
        return f"{int(d['y']):04d}-{int(d['m']):02d}-{int(d['d']):02d}"
    except ValueError:
        raise FormatError(f"cannot read the date {text!r} in format {fmt!r}") from None


def lsb_per_g(serial: str) -> float:
    """ActiGraph's nominal accelerometer scale, LSB per g, from a device serial number:
    341 for NEO, CLE and MRA devices (GT3X+, wGT3X+, ActiSleep+; +-6 g), 256 for the
    others (wGT3X-BT, GT9X Link, ...; +-8 g), as ActiGraph's .gt3x specification gives."""
    return 341.0 if serial.strip()[:3].upper() in ("NEO", "CLE", "MRA") else 256.0


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read an ActiLife RAW CSV into Recordings (see the module docstring)."""
    path, lines = probe.path, probe.lines
    first = lines[0]
    rate = re.search(r"at\s+(\d+(?:\.\d+)?)\s*Hz", first)
    fmt = re.search(r"date format\s+(\S+)", first)
    if not rate or not fmt:
        raise FormatError(f"{path.name}: the first line lacks 'date format ...' or 'at N Hz'")
    fs = opts.fs or float(rate.group(1))
    if not fs > 0:
        raise FormatError(f"{path.name}: the ActiLife header says 'at {rate.group(1)} Hz', not a rate; "
                          "give the rate (fs=)")
    n_head = header_lines(lines, path.name)
    head = lines[:n_head]
    epoch = next((re.search(r"(\d+):(\d\d):(\d\d)", ln) for ln in head if ln.lower().startswith("epoch period")), None)
    seconds = int(epoch.group(1)) * 3600 + int(epoch.group(2)) * 60 + int(epoch.group(3)) if epoch else 0
    if seconds:  # RAW exports say 00:00:00
        raise FormatError(f"{path.name}: ActiLife epoch counts (a row every {seconds} s), not raw samples; "
                          "export a RAW CSV from ActiLife, or read the .gt3x file")
    body = [ln for ln in lines[n_head:] if ln.strip()]
    if not body:
        raise FormatError(f"{path.name}: no samples after the ActiLife header")
    delim = guess_delimiter(body)
    fields = split_fields(body[0], delim)
    has_header = not re.match(r"^[+-]?[\d.]+$", fields[-1])
    names = tuple(fields) if has_header else tuple(f"c{i}" for i in range(len(fields)))
    axes = axis_columns(names) if has_header else {}
    if len(names) < 3:
        raise FormatError(f"{path.name}: line {n_head + 1} has {len(names)} columns, not x, y, z")
    ax = (axes["x"][0], axes["y"][0], axes["z"][0]) if len(axes) == 3 else (names[-3], names[-2], names[-1])
    stamp = next((c for c in names if has_header and is_time_name(c)), None)
    if stamp:  # a Timestamp column: the samples start at its first value
        value = split_fields(body[1], delim)[names.index(stamp)] if len(body) > 1 else ""
        day, _, clock = value.replace("T", " ").partition(" ")
        day = day if "-" in day else parse_date(day, fmt.group(1))
        start_ns = parse_start(f"{day}T{clock}", opts.naive_tz)
    else:
        day = parse_date(_field(head, "Start Date"), fmt.group(1))
        start_ns = parse_start(f"{day}T{_field(head, 'Start Time')}", opts.naive_tz)
    serial = _field(head, "Serial Number")
    idx = [names.index(a) for a in ax]
    scale, meta = _units(opts, probe, n_head + has_header, delim, idx, serial)
    layout = Layout(n_head, delim, names, has_header, None, ax, scale, "none", start_ns=start_ns, fs=fs)
    acc = read_table(probe, layout, opts).acc
    t = start_ns + np.round(np.arange(len(acc)) * (1e9 / fs)).astype(np.int64)
    return build_recordings(t, acc, name=path.name, fs=fs, meta={"format": NAME, "serial": serial, **meta},
                            location=opts.location or "unknown", device=f"ActiGraph {serial}",
                            max_reorder_s=opts.max_reorder_s)


def _units(opts: ReadOptions, probe: Probe, skip: int, delim: str, idx: list[int],
           serial: str) -> tuple[float, dict]:
    """Scale of the values (g per unit): g, or raw counts (LSB) told from the size of
    gravity in the rows after the first ``skip`` lines."""
    if opts.units:
        return unit_scale(opts.units), {}
    norm = median_norm(probe, skip, delim, ".", idx)
    if norm > 50:  # raw counts: about 256 or 341 LSB per g
        lsb = lsb_per_g(serial)
        return 1 / lsb, {"units": f"raw counts, {lsb:g} LSB per g (serial {serial})"}
    return 1.0, {}
