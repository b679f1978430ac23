"""phyphox accelerometer export (``Accelerometer.csv`` in the exported folder or zip).

Layout (phyphox, RWTH Aachen; the export sets of the "Acceleration with g" experiment;
"Acceleration (without g)" writes ``Linear Acceleration x (m/s^2)``, refused: no gravity)::

    "Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"
    1.000000000E-2,1.200000000E-1,9.810000000E0,1.000000000E-1

* Delimiter ``,`` (also tab, or ``;`` with a decimal comma, by export choice); m/s^2.
  The default file name of the "Acceleration" experiments is ``Raw Data.csv``.
* ``Time (s)`` is experiment time: seconds since the experiment started.
* The absolute time is in ``meta/time.csv`` next to it (header ``"event","experiment
  time","system time","system time text"``): rows ``"START"`` / ``"PAUSE"`` with the
  experiment time and the system time (Unix seconds) of each event. A sample belongs
  to the last START at or before its experiment time. Without the file, give ``start=``.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np

from sensing.errors import FormatError
from sensing.readers._common import START_HINT, Probe, ReadOptions
from sensing.readers.tabular import generic_layout, guess_delimiter, read_table, split_fields
from sensing.readers.timecheck import build_recordings

NAME = "phyphox"
EXPECTS = "a 'Time (s)','Acceleration x (m/s^2)',... header"


def sniff(probe: Probe) -> bool:
    """True for a phyphox acceleration export."""
    lines = probe.lines
    head = lines[0].lower() if lines else ""
    return "time (s)" in head and "acceleration x (m/s^2)" in head


def starts(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(experiment time s, Unix time s) of each START in ``meta/time.csv``, if there is one."""
    meta = path.parent / "meta" / "time.csv"
    if not meta.exists():
        return None
    exp, sys = [], []
    lines = meta.read_text(encoding="utf-8", errors="replace").splitlines()
    delim = guess_delimiter(lines)
    for line in lines:
        f = [v if delim == "," else v.replace(",", ".") for v in split_fields(line, delim)]
        if f and f[0].upper() == "START" and len(f) >= 3:
            try:
                exp.append(float(f[1]))
                sys.append(float(f[2]))
            except ValueError:
                raise FormatError(f"{meta}: cannot read the START row {line!r}") from None
    return (np.array(exp), np.array(sys)) if exp else None


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a phyphox export into Recordings (see the module docstring)."""
    path = probe.path
    events = None if opts.start else starts(path)
    try:
        layout = generic_layout(probe, opts, elapsed_from=0)
    except FormatError as exc:
        raise FormatError(f"{path.name}: {exc}") from None
    t, acc, _, _ = read_table(probe, layout, opts)
    t = cast(np.ndarray, t)  # the layout has a time column
    if events is None and not opts.start:
        raise FormatError(f"{path.name}: phyphox times are seconds since the start and there "
                          f"is no meta/time.csv beside it; {START_HINT}")
    if events is not None:
        exp_ns = np.round(events[0] * 1e9).astype(np.int64)
        sys_ns = np.round(events[1] * 1e6).astype(np.int64) * 1000
        k = np.clip(np.searchsorted(exp_ns, t, side="right") - 1, 0, len(exp_ns) - 1)
        t = t + (sys_ns - exp_ns)[k]
    return build_recordings(t, acc, name=path.name, fs=opts.fs, meta={"format": NAME},
                            location=opts.location or "unknown", device=f"phyphox ({path.name})",
                            max_reorder_s=opts.max_reorder_s)
