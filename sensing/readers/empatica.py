"""Empatica E4 ``ACC.csv`` (from the E4 connect session download).

Layout (Empatica's ``info.txt`` shipped with every session)::

    1495437325.000000, 1495437325.000000, 1495437325.000000
    32.000000, 32.000000, 32.000000
    -13,-20,59
    ...

* Row 1: session start, Unix seconds UTC (once per axis); row 2: rate in Hz (32).
* Then x, y, z per row in 1/64 g (range ±2 g). Sample ``i`` is at start + i / rate.
"""

from __future__ import annotations

import numpy as np

from sensing.errors import FormatError
from sensing.readers._common import Probe, ReadOptions, unit_scale
from sensing.readers.tabular import Layout, read_table, split_fields
from sensing.readers.timecheck import build_recordings, epoch_ns

NAME = "empatica-e4"
EXPECTS = "a start-time row (Unix s) and a rate row (Hz), 3 columns each, then x,y,z in 1/64 g"


def _numbers(line: str) -> list[float] | None:
    try:
        vals = [float(f) for f in split_fields(line, ",")]
    except ValueError:
        return None
    return vals if len(vals) == 3 else None


def sniff(probe: Probe) -> bool:
    """True for an E4 ACC.csv: start row, rate row, then integer triples."""
    lines = probe.lines
    if len(lines) < 3:
        return False
    start, rate, row = _numbers(lines[0]), _numbers(lines[1]), _numbers(lines[2])
    return (start is not None and rate is not None and row is not None
            and len(set(start)) == 1 and len(set(rate)) == 1 and start[0] > 1e8
            and 0 < rate[0] <= 1000 and all(v.is_integer() for v in row))


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read an Empatica E4 ACC.csv into Recordings (see the module docstring)."""
    path, lines = probe.path, probe.lines
    start, rate = _numbers(lines[0]), _numbers(lines[1])
    if start is None or rate is None:
        raise FormatError(f"{path.name}: {EXPECTS}")
    fs = opts.fs or rate[0]
    if not (np.isfinite(fs) and fs > 0):
        raise FormatError(f"{path.name}: row 2 gives the rate {rate[0]:g} Hz, not a rate; give it (fs=)")
    start_ns = epoch_ns(start[0], f"{path.name}: row 1 (the start)")
    scale = unit_scale(opts.units) if opts.units else unit_scale("1/64g")
    layout = Layout(2, ",", ("x", "y", "z"), False, None, ("x", "y", "z"), scale, "none",
                    start_ns=start_ns, fs=fs)
    acc = read_table(probe, layout, opts).acc
    t = start_ns + np.round(np.arange(len(acc)) * (1e9 / fs)).astype(np.int64)
    return build_recordings(t, acc, name=path.name, fs=fs, meta={"format": NAME},
                            location=opts.location or "unknown", device=f"Empatica E4 ({path.name})",
                            max_reorder_s=opts.max_reorder_s)
