"""Polar Sensor Logger ACC export (``*_ACC.txt``).

Layout (Polar Sensor Logger for Android, by Jukka Happonen; columns as written by the
app and by the Polar BLE SDK examples)::

    Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]
    2026-06-10T21:15:41.382;599628005694359040;-580;573;529

* ``;`` separated; axes in mg.
* ``sensor timestamp [ns]``: the sensor's clock, ns since 2000-01-01 (Polar epoch),
  one per sample, steady.
* ``Phone timestamp``: the phone's local wall-clock time (no zone; ``tz``) when the
  packet arrived, ms resolution, shared by the samples of one packet.

Sample times are the sensor times (steady) moved onto UTC by the offset between the two
clocks. Packets arrive after they are sampled, so the offset is the smallest
phone-minus-sensor difference; a phone clock that jumps (sync, DST without ``tz``)
shows as a step in that difference: it is reported as ``clock-jump`` and the offset of
the longest steady stretch is used.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from sensing.readers._common import Probe, ReadOptions, unit_scale
from sensing.readers.tabular import Layout, read_table, split_fields, time_kind
from sensing.readers.timecheck import build_recordings, make_issue

NAME = "polar-sensor-logger"
EXPECTS = "a 'Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]' header"

#: A step in phone-minus-sensor time bigger than this is a phone clock jump, s.
CLOCK_JUMP_S = 2.0


def sniff(probe: Probe) -> bool:
    """True for a Polar Sensor Logger ACC export."""
    lines = probe.lines
    return bool(lines) and lines[0].lower().replace(" ", "").startswith(
        "phonetimestamp;sensortimestamp[ns];x[mg];y[mg];z[mg]")


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a Polar Sensor Logger ACC export into Recordings (see the module docstring)."""
    path, lines = probe.path, probe.lines
    names = split_fields(lines[0], ";")
    first = split_fields(lines[1], ";") if len(lines) > 1 else [""]
    layout = Layout(0, ";", tuple(names), True, names[1], (names[2], names[3], names[4]),
                    unit_scale(opts.units or "mg"), "epoch-ns", ref_col=names[0],
                    ref_kind=time_kind(names[0], first[0]) if first[0] else "iso-naive")
    sensor, acc, phone, issues = read_table(probe, layout, opts)
    sensor, phone = cast(np.ndarray, sensor), cast(np.ndarray, phone)  # both columns are in the layout
    offset = phone - sensor
    good = (sensor != np.iinfo(np.int64).min) & (phone != np.iinfo(np.int64).min)
    off = offset[good]
    jumps = np.flatnonzero(np.abs(np.diff(off)) > CLOCK_JUMP_S * 1e9)
    edges = np.r_[0, jumps + 1, len(off)]
    longest = int(np.argmax(np.diff(edges)))
    for j in jumps:
        issues.append(make_issue("clock-jump", int(phone[good][j + 1]),
                             f"phone clock jumps {(off[j + 1] - off[j]) / 1e9:+.3f} s against the "
                             "sensor clock; sensor times kept"))
    base = int(off[edges[longest]:edges[longest + 1]].min()) if len(off) else 0
    t = np.where(good, sensor + base, np.iinfo(np.int64).min)
    acc[~good] = np.nan
    meta = {"format": NAME, "clock_offset_ns": base}
    return build_recordings(t, acc, name=path.name, fs=opts.fs, meta=meta,
                            location=opts.location or "unknown",
                            device=f"Polar Sensor Logger ({path.name})",
                            max_reorder_s=opts.max_reorder_s, issues=issues)
