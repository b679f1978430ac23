"""GENEActiv CSV export (the GENEActiv PC software's raw-data CSV).

Layout (as the GENEActiv PC software writes it; read so by actant's ``load_geneactiv.m``,
which skips the header and parses ``yyyy-mm-dd HH:MM:SS:FFF``, and reproduced by public
code writing files of this layout):

* A header of ``Key,Value`` lines, blank ones included (100 lines): ``Device Type,GENEActiv``,
  ``Device Unique Serial Code,...``, ``Measurement Frequency,100 Hz``, ``Device Location
  Code,left wrist`` (mapped to ``wrist-left``), ``Time Zone,GMT +01:00``, then a block per
  sensor (``Units,g`` for x, y and z).
* Then one row per sample: ``2026-01-05 22:30:00:000,x,y,z,lux,button,temperature``: the
  device's local time (the header's ``Time Zone``; ``tz`` overrides it) with the
  milliseconds after a colon, and x, y, z in g.
* The same software's epoch export (one row per second or more: means, SVMgs, standard
  deviations) holds no samples and is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from sensing.errors import FormatError
from sensing.readers._common import (
    Probe,
    ReadOptions,
    location_from_text,
    unit_scale,
    warn_overridden,
)
from sensing.readers.geneactiv import gmt_offset_ns
from sensing.readers.tabular import Layout, read_table, split_fields
from sensing.readers.timecheck import build_recordings
from sensing.timezones import offset_zone

NAME = "geneactiv-csv"
EXPECTS = "GENEActiv's CSV header ('Device Type,GENEActiv' ...), then rows 'YYYY-MM-DD hh:mm:ss:mmm,x,y,z,...'"
#: A sample row: the time with its milliseconds after a colon (quoted or not), then the values.
_ROW = re.compile(r"^\"?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}\"?,")
#: Longest header looked through for the first sample row, lines (the software writes 100).
MAX_HEADER_LINES = 150


def sniff(probe: Probe) -> bool:
    """True for a GENEActiv CSV export."""
    return any([f.lower() for f in split_fields(ln, ",")[:2]] == ["device type", "geneactiv"]
               for ln in probe.lines[:10])


def _time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S:%f")


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a GENEActiv CSV export into Recordings (see the module docstring)."""
    path, lines = probe.path, probe.lines
    first = next((i for i, ln in enumerate(lines[:MAX_HEADER_LINES]) if _ROW.match(ln)), None)
    if first is None:
        raise FormatError(f"{path.name}: no sample rows ('YYYY-MM-DD hh:mm:ss:mmm,x,y,z,...') "
                          "after the GENEActiv header")
    header: dict[str, str] = {}
    for ln in lines[:first]:
        key, *value = split_fields(ln, ",")
        header.setdefault(key, ",".join(value))
    rate = re.match(r"\s*(\d+(?:\.\d+)?)\s*Hz", header.get("Measurement Frequency", ""), re.IGNORECASE)
    fs = opts.fs or (float(rate.group(1)) if rate else None)
    rows = [split_fields(ln, ",") for ln in lines[first:first + 2]]
    if len(rows) == 2 and _ROW.match(lines[first + 1]):
        step_s = (_time(rows[1][0]) - _time(rows[0][0])).total_seconds()
        if step_s >= 1 and (fs is None or fs * step_s >= 2):
            raise FormatError(f"{path.name}: GENEActiv epoch summaries (a row every {step_s:g} s), not "
                              "samples; export the raw data, or read the .bin file")
    names = ("time", "x", "y", "z", *(f"column {i + 1}" for i in range(4, len(rows[0]))))
    zone = gmt_offset_ns(header.get("Time Zone", ""))
    stated = str(offset_zone(zone / 1e9)) if zone is not None else None
    layout = Layout(first, ",", names, False, "time", ("x", "y", "z"), unit_scale(opts.units or "g"),
                    "iso-naive", fs=fs, clock_ms_colon=True)
    table = read_table(probe, layout, opts if opts.tz or not stated else replace(opts, local_tz=stated))
    assert table.time_ns is not None  # a time column is read
    if opts.tz and len(table.time_ns):
        first_ns = (_time(rows[0][0]) - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1) * 1000
        warn_overridden(path.name, opts.tz, zone, first_ns, int(table.time_ns[0]))
    serial = header.get("Device Unique Serial Code", "")
    meta = {"format": NAME, "serial": serial, **({"tz": stated} if stated else {})}
    worn = location_from_text(header.get("Device Location Code", ""))
    return build_recordings(table.time_ns, table.acc, name=path.name, fs=fs, meta=meta,
                            location=opts.location or worn or "unknown", device=f"GENEActiv {serial}",
                            max_reorder_s=opts.max_reorder_s, issues=table.issues)
