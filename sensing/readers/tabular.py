"""The delimited-text engine under every CSV-like reader, and the generic CSV layout.

A :class:`Layout` says where the columns are and what they mean; :func:`read_table`
reads the file with pyarrow's CSV reader (a night's file whole on all cores, a longer one
block by block; a progress callback), parses times vectorised per block and returns
int64 ns and (n, 3) g.

Generic CSV (``generic-csv``): optional ``#`` comment lines (hypnic's own
``# hypnic generic CSV v1; fs_hz=...`` line among them), then a header row naming a
time column and three axes, delimiter ``,`` ``;`` or tab (``;`` files may use a decimal
comma), optionally gzip-compressed.

* Time columns: ``time``, ``timestamp``, ``datetime``, ``date``, ``t``, ``epoch``,
  ``unix time``, ``elapsed`` ... with or without a unit (``time (s)``, ``ts_ms``,
  ``timestamp [ns]``). Values are ISO-8601 (with a zone, or local to ``tz``), epoch
  seconds, ms, µs or ns (told apart by the unit in the name or by size), or seconds
  since the start (small numbers; the start comes from ``start=``). A column named for
  a UTC offset (MetaBase's ``timestamp (-0700)``) gives the file's zone.
* Axis columns: ``x``, ``acc_x``, ``ax``, ``accel_x``, ``accelerometer x``,
  ``acceleration x (m/s^2)``, ``X [mg]`` ... Gyroscope and magnetometer columns are
  ignored.
* Units: written in the axis names (``[mg]``, ``(m/s^2)``, ``_g``), or ``units=``;
  otherwise told from the size of gravity at rest (about 1, 1000 or 9.8).
* Without a header row, exactly 4 columns are taken as time, x, y, z.
"""

from __future__ import annotations

import codecs
import gzip
import logging
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from sensing.errors import FormatError
from sensing.generic import HEADER_PREFIX
from sensing.readers._common import (
    GZIP_ERRORS,
    START_HINT,
    Probe,
    ReadOptions,
    TruncatedFileWarning,
    arrow_zone,
    check_zone,
    find_line,
    is_gzip,
    localize,
    uncompressed_size,
    unit_name,
    unit_scale,
)
from sensing.readers.identify import clip
from sensing.recording import median, norms
from sensing.timezones import offset_zone

log = logging.getLogger(__name__)

NAME = "generic-csv"
EXPECTS = "a header row naming a time column and x, y, z axis columns (',' ';' or tab)"

#: Bytes per block of the streaming CSV reader (memory use is a few blocks; small blocks
#: also keep the C heap from holding on to freed block buffers).
BLOCK_BYTES = 1 << 22

#: Rows up to which a text file is parsed whole, its blocks on all cores (its Arrow
#: table, about 32 bytes a row, is held until converted: 1 GB at this size, 93 h at
#: 100 Hz); a longer file streams block by block, a few blocks in memory.
WHOLE_ROWS = 1 << 25

#: Column names of files without a header row, by their number of columns: time, x, y, z
#: (units told from gravity), and Axivity's CSV export of an AX6 (x, y, z in g, then the
#: gyroscope in deg/s).
HEADERLESS = {4: ("time", "x", "y", "z"), 7: ("time", "x [g]", "y [g]", "z [g]", "gx", "gy", "gz")}

TIME_KINDS = ("iso", "iso-naive", "epoch-s", "epoch-ms", "epoch-us", "epoch-ns", "elapsed-s",
              "elapsed-ms", "none")

_TIME_NAMES = {"time", "timestamp", "datetime", "date", "t", "epoch", "unixtime", "utc",
               "timeutc", "timestamputc", "elapsed", "elapsedtime", "secondselapsed",
               "datetimeutc", "localtime", "phonetimestamp", "sensortimestamp", "timestampms",
               "timestampns", "timestamps", "times", "tms", "tns", "ts", "unixtimestamp",
               "millis", "micros"}
#: Time columns whose name is their unit: an Arduino's ``millis()`` and ``micros()``, the
#: milliseconds and microseconds since the board started (a DIY logger's first column).
_UNIT_NAMES = {"millis": "ms", "micros": "us"}
#: A date without a time of day (``2026-01-05``, ``05/01/2026``): a time column that holds
#: one has the time of day in another column.
_DATE_ONLY = re.compile(r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\s*$")
_TIME_PREFIXES = ("time", "timestamp", "epoch", "epoc", "unix", "datetime", "utc")  # MetaBase: epoc (ms)
#: A column named for the UTC offset its times are written in: MetaWear's MetaBase app
#: writes ``epoc (ms),timestamp (-0700),elapsed (s),x-axis (g),...`` (older versions
#: ``epoch (ms),time (-07:00),...``, or ``time (01:00)`` east of UTC without a sign), the
#: offset being the phone's zone when it recorded.
_ZONE_NAME = re.compile(r"^(?:time|timestamp)\s*\(([+-]?\d\d:?\d\d)\)$", re.IGNORECASE)
#: Axis column names once their units, case and separators are taken out: an optional
#: sensor word, the axis letter (or number), an optional axis word. ``acc_x``, ``ax``,
#: ``AccX``, ``accel_x``, ``accelerometer x``, ``Acceleration X``, ``x_axis``, ``axis1``;
#: ``gFx`` is the g-force of Physics Toolbox Sensor Suite's g-force meter (what the
#: accelerometer measures, gravity in it, in g: :data:`_G_FORCE`).
_AXIS = re.compile(r"^(acc|accel|accelerometer|acceleration|linearacceleration|useracceleration|a|gf)?(?:axis)?"
                   r"([xyz123])(?:axis|acc|accel|acceleration)?$")
#: The sensor word of an axis that is in g by its name.
_G_FORCE = "gf"
#: The units part at the end of a column name: bracketed (``X [mg]``, ``x (m/s^2)``) or a
#: suffix after ``_``, ``-`` or a space (``acc_x_ms2``, ``ax_g``, ``x mg``).
_UNIT_PART = re.compile(r"\s*[\[(]\s*([^\])]*?)\s*[\])]\s*$"
                        r"|[_\s-]+(mg|g|ms2|mps2|m_s2|ms\^?-2|m/s\^?2|m/s²|met(?:er|re)s?_per_second_squared)$",
                        re.IGNORECASE)
#: Columns of other sensors (gyroscope, magnetometer, orientation ...), never axes.
_NOT_ACC = re.compile(r"gyr|mag|rot|angle|orient|grav|quat|euler|dps|rad", re.IGNORECASE)
#: Units that only other sensors' columns state: angular rate (MetaBase's gyroscope file:
#: ``x-axis (deg/s)``), magnetic field (``x-axis (T)``, ``µT``), pressure, temperature, light.
_OTHER_UNITS = re.compile(r"^(?:deg/s|°/s|[uµm]?t|gauss|h?pa|°?c|lx|%)$", re.IGNORECASE)
#: A gravity column (once units, case and separators are out): ``gravityX``, ``gravity_x``,
#: ``motionGravityX``. Beside acceleration without gravity (Core Motion's
#: ``userAcceleration``, Android's linear acceleration) the two add up to what the
#: accelerometer measured.
_GRAVITY = re.compile(r"^(?:motion)?gravity(?:vector)?([xyz])$")
#: Axes beside gravity columns hold acceleration without gravity (and the two are added)
#: when their median norm is under this share of the gravity columns' (in any units:
#: a watch's movement in m/s^2 can exceed 0.5 while its gravity is 9.8).
WITHOUT_GRAVITY = 0.5
#: Files of other sensors, by the name their app gives them (Sensor Logger's
#: ``Gravity.csv`` and ``Gyroscope.csv``, MetaBase's ``..._Magnetometer.csv``): a gravity
#: vector has gravity's size and would pass for a sensor that never moves.
_OTHER_FILE = re.compile(r"^(?:watch)?(gravity|gyroscope|magnetometer|orientation)(?:uncalibrated)?"
                         r"|(gravity|gyroscope|magnetometer|orientation)(?:uncalibrated)?$")
#: Sensor Logger's headphones (AirPods), ``Headphone.csv``: their gravity is in m/s^2
#: always, their acceleration in g, or m/s^2 with "Standardise Units & Frames" (the app's
#: UNITS.md), which the file does not say.
_HEADPHONE_FILE = "headphone"
#: Axis names (normalised) of acceleration without gravity by definition: phyphox's
#: ``Linear Acceleration x (m/s^2)`` ("Acceleration (without g)"), Core Motion's
#: ``userAccelerationX``, Android's linear acceleration.
_WITHOUT_GRAVITY_NAME = re.compile(r"^(?:linear|user)acc")
_ISO_START = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_ISO_ZONE = re.compile(r"\d\d:\d\d(:\d\d([.,]\d*)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Layout:
    """Where the columns of a delimited file are and what they hold.

    Attributes
    ----------
    skip_rows : int
        Lines before the header row (or before the first data row if there is none).
    delimiter : str
    names : tuple of str
        Column names, in file order (from the header row, or made up).
    header_row : bool
        Whether a header row follows the skipped lines.
    time_col : str or None
        Name of the time column; None when times come from a start and a rate.
    axes : tuple of 3 str
        Names of the x, y, z columns.
    scale : float
        Size in g of one unit of the axis values.
    time_kind : str
        One of :data:`TIME_KINDS`.
    decimal_point : str
    start_ns : int or None
        Start time, ns UTC, for ``elapsed-*`` and ``none`` times.
    fs : float or None
        Rate in Hz stated by the file (required for ``none`` times).
    meta : dict
        Key/value pairs the header gave (device, location, ...).
    ref_col : str or None
        A second clock: a column of ISO-8601 times (a phone's clock next to a
        sensor's), returned as int64 ns UTC alongside the sample times.
    ref_kind : str
        ``"iso-naive"`` (local to ``tz``) or ``"iso"`` (with a zone) for ``ref_col``.
    decimals : int
        Most decimals of the epoch seconds in the first rows: up to 6 they are parsed
        as floats and rounded to the µs (exact for such files, and fast), beyond that
        as text, exactly to the ns.
    clock_ms_colon : bool
        Times written ``hh:mm:ss:mmm``, the milliseconds after a colon (GENEActiv).
    units_by_gravity : bool
        Whether ``scale`` was told from the size of gravity in the first rows (checked
        again over the whole file once it is read).
    gravity : tuple of 3 str, optional
        Gravity columns added to the axes when the axes hold acceleration without
        gravity (Sensor Logger's ``WristMotion.csv``: an Apple Watch's ``accelerationX``
        beside ``gravityX``).
    gravity_factor : float
        Size of a gravity column's unit in the axes' units (1: the same units).
    """

    skip_rows: int
    delimiter: str
    names: tuple[str, ...]
    header_row: bool
    time_col: str | None
    axes: tuple[str, str, str]
    scale: float
    time_kind: str
    decimal_point: str = "."
    start_ns: int | None = None
    fs: float | None = None
    meta: dict = field(default_factory=dict)
    ref_col: str | None = None
    ref_kind: str = "iso-naive"
    decimals: int = 9
    gravity: tuple[str, str, str] | None = None
    clock_ms_colon: bool = False
    units_by_gravity: bool = False
    gravity_factor: float = 1.0


def normalise(name: str) -> str:
    """A column name without quotes, units, spaces and punctuation, lower case."""
    name = re.sub(r"[\[(][^\])]*[\])]", "", name.strip().strip('"\'')).lower()
    return re.sub(r"[^a-z0-9]", "", name)


def axis_of(name: str) -> tuple[str, str | None] | None:
    """The axis (``"x"``, ``"y"``, ``"z"``) a column name stands for and the acceleration
    units it states (None if it states none), or None if it is not an acceleration axis.

    Examples
    --------
    >>> [axis_of(n) for n in ("acc_x_ms2", "X [mg]", "AccY", "accelerometer_z", "gFx", "gyro_x", "time")]
    [('x', 'm/s^2'), ('x', 'mg'), ('y', None), ('z', None), ('x', 'g'), None, None]
    """
    name = name.strip().strip('"\'')
    if _NOT_ACC.search(name):
        return None
    units = None
    part = _UNIT_PART.search(name)
    if part:
        stated = part.group(1) if part.group(1) is not None else part.group(2)
        if _OTHER_UNITS.match(stated):
            return None
        units = unit_name(stated)
        name = name[:part.start()]
    m = _AXIS.match(re.sub(r"[^a-z0-9]", "", name.lower()))
    if not m:
        return None
    return "xyz"["xyz123".index(m.group(2)) % 3], units or ("g" if m.group(1) == _G_FORCE else None)


def split_fields(line: str, delimiter: str) -> list[str]:
    """Fields of one line, stripped of blanks and quotes."""
    return [f.strip().strip('"\'').strip() for f in line.split(delimiter)]


def guess_delimiter(lines: list[str]) -> str:
    """The delimiter (``,`` ``;`` or tab) that splits the first lines into equal column counts."""
    best, best_n = ",", 0
    for d in (",", ";", "\t"):
        counts = [ln.count(d) for ln in lines[:5] if ln.strip()]
        if counts and min(counts) == max(counts) and counts[0] > best_n:
            best, best_n = d, counts[0]
    return best


def parse_start(text: str, tz: str | None = None) -> int:
    """ISO-8601 text (or epoch seconds) as ns UTC; naive times are local to ``tz`` (else UTC)."""
    from sensing.readers.timecheck import check_times, epoch_ns

    text = text.strip()
    if _NUMBER.match(text):
        return epoch_ns(float(text.replace(",", ".")), f"start time {clip(text, 30)}")
    try:
        has_zone = bool(_ISO_ZONE.search(text))
        arr = pa.array([text])
        if has_zone:
            ts = pc.cast(arr, pa.timestamp("ns", tz="UTC"))
        else:
            ts = pc.cast(arr, pa.timestamp("ns"))
            if tz:
                ts = pc.assume_timezone(ts, arrow_zone(tz), ambiguous="earliest", nonexistent="earliest")
        start = int(ts.cast(pa.int64())[0].as_py())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, OverflowError):
        raise FormatError(f"cannot read the start time {clip(text, 40)!r} as ISO-8601 "
                          "(e.g. 2026-01-05T22:30:00+01:00)") from None
    check_times(np.array([start]), f"start time {clip(text, 40)}")
    return start


def time_kind(name: str, value: str) -> str:
    """Kind of a time column from its name and first value."""
    if not _NUMBER.match(value):
        return "iso" if _ISO_ZONE.search(value) else "iso-naive"
    v = abs(float(value.replace(",", ".")))
    low = name.lower()
    unit = re.search(r"[\[(_ ]\s*(ns|us|µs|ms|s)\s*[\])]?\s*$", low)
    u = unit.group(1) if unit else _UNIT_NAMES.get(normalise(name))
    if u == "ns" or (u is None and v > 1e17):
        return "epoch-ns"
    if u in ("us", "µs") or (u is None and v > 1e14):
        return "epoch-us"
    if u == "ms" or (u is None and v > 1e11):
        return "epoch-ms" if v > 1e11 else "elapsed-ms"
    if v > 1e8:
        return "epoch-s"
    return "elapsed-s"


def axis_columns(names: list[str] | tuple[str, ...]) -> dict[str, tuple[str, str | None]]:
    """The first column of each axis among ``names``: axis -> (column name, units or None)."""
    axes: dict[str, tuple[str, str | None]] = {}
    for col in names:
        axis = axis_of(col)
        if axis:
            axes.setdefault(axis[0], (col, axis[1]))
    return axes


def is_time_name(name: str) -> bool:
    """Whether a column name names sample times (``time``, ``timestamp [ns]``, ``epoch_ms``, ...)."""
    if _NOT_ACC.search(name):
        return False
    key = normalise(name)
    time_key = normalise(re.sub(r"[_\s](ns|us|µs|ms|s|sec|secs|seconds)$", "", name.strip().lower()))
    return time_key in _TIME_NAMES or key.startswith(_TIME_PREFIXES) or time_key.endswith(("time", "timestamp"))


def generic_layout(probe: Probe, opts: ReadOptions, elapsed_from: int | None = None) -> Layout:
    """Work out the layout of a generic CSV from its first lines.

    Times in seconds since the start count from ``opts.start``, else from
    ``elapsed_from`` (ns; phyphox's experiment time counts from 0).

    Raises
    ------
    FormatError
        If there is no header row naming a time column and x, y, z axes.
    """
    other = _OTHER_FILE.search(normalise(re.sub(r"(\.[A-Za-z]{1,4})+$", "", probe.path.name)))  # no .csv.gz
    if other:
        raise FormatError(f"named {other.group(1) or other.group(2)}: another sensor's file, "
                          "not the accelerometer's")
    lines = probe.lines
    skip, meta = 0, {}
    while skip < len(lines) and (not lines[skip].strip() or lines[skip].lstrip().startswith("#")):
        text = lines[skip].lstrip("# ")
        for pair in text.split(";"):
            if "=" in pair:
                k, v = pair.split("=", 1)
                meta[k.strip()] = v.strip()
        skip += 1
    body = [ln for ln in lines[skip:] if ln.strip()]
    if len(body) < 2:
        raise FormatError("expected a header row and at least one data row")
    delim = guess_delimiter(body)
    names = split_fields(body[0], delim)
    header_row = not all(_NUMBER.match(f) or (i == 0 and _ISO_START.match(f)) for i, f in enumerate(names))
    if not header_row:
        if len(names) not in HEADERLESS:
            raise FormatError(f"no header row and {len(names)} columns; without one, 4 columns are read "
                              "as time,x,y,z and 7 as time,x,y,z (g),gx,gy,gz")
        names = list(HEADERLESS[len(names)])  # a headerless file: columns by position
        meta["columns"] = "by position (no header row)"
    data = body[1:] if header_row else body
    first = split_fields(data[0], delim)
    axes = axis_columns(names)
    ax_cols = {a for a, _ in axes.values()}
    time_col = next((c for c in names if c not in ax_cols and is_time_name(c)), None)
    missing = [a for a in "xyz" if a not in axes]
    units = next((m.group(1) for m in map(_UNIT_PART.search, names)
                  if m and m.group(1) and _OTHER_UNITS.match(m.group(1))), None)
    if missing and units:
        raise FormatError(f"header names axes in {units}, not acceleration: another sensor's file; "
                          "read the accelerometer's")
    if missing or time_col is None:
        what = " or ".join([*([f"axis {', '.join(missing)}"] if missing else []),
                            *(["time"] if time_col is None else [])])
        raise FormatError(f"header {clip(','.join(names), 50)!r} has no {what} column; "
                          "name them like time,x,y,z")
    decimal = "," if delim == ";" and any("," in f for f in first) else "."
    value = first[names.index(time_col)] if len(first) == len(names) else ""
    kind = time_kind(time_col, value.replace(",", ".") if decimal == "," else value)
    if _DATE_ONLY.match(value):
        of_day = next((c for c in names if c != time_col and c not in ax_cols and is_time_name(c)), None)
        raise FormatError(f"time column {clip(time_col, 12)!r} holds dates only ({clip(value, 12)})"
                          + (f", {clip(of_day, 12)!r} the time of day: join them in one column" if of_day else
                             ": give each sample's date and time of day"))
    start = parse_start(opts.start, opts.naive_tz) if opts.start else elapsed_from
    if kind.startswith("elapsed") and start is None:
        raise FormatError(f"time column {time_col!r} holds {'milli' if kind == 'elapsed-ms' else ''}seconds "
                          f"since the start ({value}); {START_HINT}")
    ax = (axes["x"][0], axes["y"][0], axes["z"][0])
    named = tuple(axes[a][1] for a in "xyz")
    if named == (None, None, None) and any(ln.lstrip().startswith(HEADER_PREFIX) for ln in lines[:skip]):
        named = ("g", "g", "g")  # hypnic's own layout is in g, whatever the samples (0 g at a start-up)
    idx = [names.index(a) for a in ax]
    gravity = _gravity_columns(names)
    at_g = [names.index(g) for g in gravity] if gravity else []
    if gravity and (median_norm(probe, skip + header_row, delim, decimal, idx)
                    < WITHOUT_GRAVITY * median_norm(probe, skip + header_row, delim, decimal, at_g)):
        idx += at_g  # acceleration without gravity, and gravity
    else:
        gravity = None
    if gravity is None and any(_WITHOUT_GRAVITY_NAME.match(normalise(a)) for a in ax):
        raise FormatError(f"header names {clip(ax[0], 40)!r}: acceleration without gravity, and no gravity "
                          "columns; give the total acceleration, with gravity")
    scale, by_gravity = _scale(idx, opts, probe, skip + header_row, delim, decimal, named)
    gravity_factor = 1.0
    if gravity and normalise(probe.path.name.split(".")[0]) == _HEADPHONE_FILE:
        if not opts.units:
            raise FormatError("its gravity is in m/s^2, its acceleration in g or m/s^2 (Sensor Logger's "
                              "headphones); give --units g (the app's default) or --units m/s^2")
        gravity_factor = unit_scale("m/s^2") / scale
    at = names.index(time_col)
    fractions = [f[at].replace(",", ".").partition(".")[2] for f in (split_fields(ln, delim) for ln in data[:200])
                 if len(f) == len(names)]
    decimals = max((len(x) for x in fractions), default=0)
    fs = opts.fs or (_rate(meta["fs_hz"]) if "fs_hz" in meta else None)
    stated = _ISO_ZONE.search(value) if kind == "iso" else None
    zone = stated.group(3) if stated else next((m.group(1) for m in map(_ZONE_NAME.match, names) if m), None)
    if "tz" not in meta and zone and zone != "Z" and zone.strip("+-0:"):
        meta["tz"] = str(offset_zone(_offset_s(zone if zone[0] in "+-" else f"+{zone}")))
    return Layout(skip, delim, tuple(names), header_row, time_col, ax, scale, kind, decimal, start, fs,
                  meta, decimals=decimals, gravity=gravity, units_by_gravity=by_gravity,
                  gravity_factor=gravity_factor)


def _gravity_columns(names: list[str]) -> tuple[str, str, str] | None:
    """The gravity columns of x, y and z (:data:`_GRAVITY`), or None unless all three are there."""
    found: dict[str, str] = {}
    for col in names:
        part = _UNIT_PART.search(col)
        m = _GRAVITY.match(normalise(col[:part.start()] if part else col))
        if m:
            found.setdefault(m.group(1), col)
    return (found["x"], found["y"], found["z"]) if len(found) == 3 else None


def _rate(text: str) -> float:
    """A rate in Hz from a header comment (``fs_hz=100``)."""
    try:
        fs = float(text)
    except ValueError:
        fs = float("nan")
    if not (np.isfinite(fs) and fs > 0):
        raise FormatError(f"the comment line says fs_hz={text[:20]}, not a rate in Hz; fix it or give fs=")
    return fs


def _offset_change(path: Path, layout: Layout, stated: str, last_ns: int) -> list[dict]:
    """An ``offset-change`` issue (dated by the last time, ns UTC) when the last row's
    ISO-8601 time is written at another UTC offset than the first row's, ``stated`` (a
    night across a DST change, a phone that moved zone): the file then states no one
    zone, and its times shown at ``stated`` are off after the change. Plain files only
    (the end of a gzip file is not read again)."""
    from sensing.readers.timecheck import make_issue

    if is_gzip(path):
        return []
    with open(path, "rb") as f:
        f.seek(max(0, f.seek(0, 2) - 4096))
        lines = f.read().decode("utf-8", errors="replace").split("\n")
    fields = next((split_fields(ln.strip(), layout.delimiter) for ln in reversed(lines[1:]) if ln.strip()), [])
    at = layout.names.index(layout.time_col)
    found = _ISO_ZONE.search(fields[at].strip()) if len(fields) > at else None
    if not found:
        return []
    zone = found.group(3)
    last = str(offset_zone(0 if zone == "Z" else _offset_s(zone)))
    if last == stated:
        return []
    return [make_issue("offset-change", last_ns, f"written at {stated} first, {last} last (a clock "
                       f"change?): shown at {stated}; give tz, your zone")]


def _offset_s(text: str) -> float:
    """Seconds east of UTC of an ISO-8601 offset such as ``+01:00`` or ``-0530``."""
    digits = text[1:].replace(":", "")
    return (-1 if text[0] == "-" else 1) * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)


def _scale(idx: list[int], opts: ReadOptions, probe: Probe, skip: int, delim: str,
           decimal: str, named: tuple[str | None, ...]) -> tuple[float, bool]:
    """Size in g of the axis values: ``units=``, else the units the names give (unless
    gravity plainly contradicts them: logged, gravity wins), else gravity; and whether
    gravity in the first rows decided them."""
    if opts.units:
        return unit_scale(opts.units), False
    if len(set(named)) == 1 and named[0] is not None:
        scale = unit_scale(named[0])
        norm = median_norm(probe, skip, delim, decimal, idx)
        told = units_of_norm(norm)
        if told is None or told == named[0] or 0.5 <= norm * scale <= 2.0:
            return scale, False
        log.warning("%s: the column names say %s but gravity says %s; read as %s (units= says otherwise)",
                    probe.path.name, named[0], told, told)
        return unit_scale(told), True
    return gravity_scale(probe, skip, delim, decimal, idx), True


#: Units told from the median norm of accelerations at rest (gravity): (units, low, high).
GRAVITY_NORMS = (("g", 0.5, 2.0), ("mg", 500.0, 2000.0), ("m/s^2", 5.0, 15.0))


def units_of_norm(norm: float) -> str | None:
    """The units in which gravity has the median norm ``norm`` (:data:`GRAVITY_NORMS`), or None."""
    return next((units for units, lo, hi in GRAVITY_NORMS if lo <= norm <= hi), None)


def median_norm(probe: Probe, skip: int, delim: str, decimal: str, idx: list[int]) -> float:
    """Median norm of the columns ``idx`` (x, y, z; or x, y, z and gravity's x, y, z, added
    to them) over the first rows after ``skip`` lines (0 if none reads)."""
    rows = [split_fields(ln, delim) for ln in probe.lines[skip:skip + 500] if ln.strip()]
    good = []
    for r in rows:
        try:
            good.append([float(r[i].replace(",", ".") if decimal == "," else r[i]) for i in idx])
        except (ValueError, IndexError):
            continue  # a bad row is reported with its line number when the file is read
    vals = np.array(good, float).reshape(-1, len(idx))
    if len(idx) == 6:
        vals = vals[:, :3] + vals[:, 3:]
    finite = vals[np.isfinite(vals).all(axis=1)]
    return float(median(norms(finite))) if len(finite) else 0.0


def gravity_scale(probe: Probe, skip: int, delim: str, decimal: str, idx: list[int]) -> float:
    """Units told from the size of gravity in the first rows: g, mg or m/s^2.

    Parameters
    ----------
    probe : Probe
        The start of the file.
    skip : int
        Lines before the first data row.
    delim, decimal : str
    idx : list of int
        Columns of x, y and z.

    Raises
    ------
    FormatError
        If the median norm is not near 1, 1000 or 9.8.
    """
    norm = median_norm(probe, skip, delim, decimal, idx)
    units = units_of_norm(norm)
    if units:
        return unit_scale(units)
    if norm < GRAVITY_NORMS[0][1]:  # below gravity in any of the units
        raise FormatError(f"no gravity in the acceleration (median norm {norm:.3g} in any units: a "
                          "phone's linear acceleration?); give the total acceleration, with gravity")
    counts = 2 ** round(np.log2(norm))  # raw counts of a sensitivity of a power of two to a g
    hint = f" (1/{counts}g: {counts} to a g?)" if abs(norm / counts - 1) < 0.1 and counts >= 64 else ""
    raise FormatError(f"cannot tell the acceleration units (median norm {norm:.3g}): give --units "
                      f"(units=) g, mg, m/s^2 or, for raw counts, 1/Ng{hint}")


class _Source:
    """A file-like wrapper for pyarrow: decompresses gzip, reports progress, and replaces
    bytes that are not UTF-8 (which pyarrow cannot show in a malformed row) by U+FFFD."""

    def __init__(self, path: Path, progress):
        self.raw = open(path, "rb")
        self.total = path.stat().st_size
        self.progress = progress
        self.cut = False
        self.gz = gzip.GzipFile(fileobj=_Progressed(self.raw, self.total, progress),  # type: ignore[call-overload]
                                mode="rb") if is_gzip(path) else None
        self.tail = b""
        self.pending = b""
        self.decoder: codecs.IncrementalDecoder | None = None

    def read(self, n=-1):
        if 0 <= n <= len(self.pending):
            data, self.pending = self.pending[:n], self.pending[n:]
            return data
        if self.gz is not None:
            data = self._read_gz(n)
        else:
            data = self.raw.read(n)
            if self.progress:
                self.progress(self.raw.tell(), self.total)
        if self.decoder is not None or not data.isascii():
            self.decoder = self.decoder or codecs.getincrementaldecoder("utf-8")("replace")
            data = self.decoder.decode(data, final=not data).encode()
        data, self.pending = self.pending + data, b""
        if 0 <= n < len(data):
            data, self.pending = data[:n], data[n:]
        if data:
            self.tail = (self.tail + data[-65536:])[-65536:]
        return data

    def _read_gz(self, n: int) -> bytes:
        """Up to ``n`` decompressed bytes; a cut stream yields what came before the cut."""
        out = bytearray()
        gz = cast(gzip.GzipFile, self.gz)
        while (n < 0 or len(out) < n) and not self.cut:
            try:
                chunk = gz.read1(1 << 20 if n < 0 else min(1 << 20, n - len(out)))
            except GZIP_ERRORS:
                self.cut = True
                break
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def close(self):
        self.raw.close()

    @property
    def closed(self):
        return self.raw.closed

    def readable(self):
        return True

    def seekable(self):
        return False


class _Progressed:
    """A binary file that reports ``progress(bytes read, total)`` as it is read."""

    def __init__(self, raw, total, progress):
        self.raw, self.total, self.progress = raw, total, progress

    def read(self, n=-1):
        data = self.raw.read(n)
        if self.progress:
            self.progress(self.raw.tell(), self.total)
        return data

    @property
    def closed(self) -> bool:
        return self.raw.closed

    def close(self) -> None:
        self.raw.close()


class Table(NamedTuple):
    """What :func:`read_table` returns.

    Attributes
    ----------
    time_ns : ndarray of int64 or None
        Sample times, ns UTC (None for ``time_kind="none"``). Missing times are
        ``INT64_MIN`` with NaN accelerations.
    acc : ndarray of float32, shape (n, 3)
        Accelerations in g, NaN where a value is missing.
    ref_ns : ndarray of int64 or None
        The ``ref_col`` clock, ns UTC (None without one).
    issues : list of dict
        Time issues found while reading (times resolved in a repeated DST hour).
    """

    time_ns: np.ndarray | None
    acc: np.ndarray
    ref_ns: np.ndarray | None
    issues: list


def read_table(probe: Probe, layout: Layout, opts: ReadOptions) -> Table:
    """Stream a delimited file into times and accelerations (see :class:`Table`).

    Raises
    ------
    FormatError
        A malformed row (with its line number and content), or an unreadable value.

    Warns
    -----
    TruncatedFileWarning
        If the last row (or the compressed stream) is cut short; the rows before it
        are returned.
    """
    try:
        out = _stream(probe, layout, opts, fast=True)
    except _Retry:  # a malformed row, a value that does not read, a cut stream: say which
        out = _stream(probe, layout, opts, fast=False)
    acc, t, ref = out.arrays()
    if layout.scale != 1:
        acc *= np.float32(layout.scale)
    issues: list[dict] = []
    if ref is not None and layout.ref_kind == "iso-naive":
        ref = _wall_clock(ref, opts.naive_tz, issues)
    if t is not None and layout.time_kind == "iso-naive":
        t = _wall_clock(t, opts.naive_tz, issues)
    return Table(t, acc, ref, issues)


class _Retry(Exception):
    """The fast read met something only the careful read reports well."""


def _stream(probe: Probe, layout: Layout, opts: ReadOptions, fast: bool) -> _Columns:
    """The columns of a delimited file, block by block.

    ``fast``: pyarrow reads the file itself on all cores (the whole table at once up to
    :data:`WHOLE_ROWS` rows, else block by block), parsing ISO-8601 times as it converts,
    progress counted in bytes read (from pyarrow's reading thread); anything unusual
    raises :class:`_Retry`. Otherwise a Python source
    decompresses, replaces bytes that are not UTF-8 and keeps the tail, and malformed
    rows are collected, so that errors name their line and a cut last row is a warning.
    """
    axes = list(layout.axes) + list(layout.gravity or ())
    cols = axes + [c for c in (layout.time_col, layout.ref_col) if c]
    types = {a: pa.float64() for a in axes}  # parsed faster than float32, stored as float32
    if layout.time_col:
        types[layout.time_col] = _column_type(layout.time_kind, layout)
    if layout.ref_col:
        types[layout.ref_col] = _column_type(layout.ref_kind, layout)
    invalid: list[str] = []

    def on_invalid(row) -> str:
        invalid.append(row.text)
        return "skip"

    path = probe.path
    header_rows = 1 if layout.header_row else 0
    out = _Columns(_estimate_rows(probe), layout)
    total = path.stat().st_size
    if fast:
        raw = (pa.PythonFile(_Progressed(open(path, "rb"), total, opts.progress), mode="r")
               if opts.progress else pa.OSFile(str(path)))
        source = pa.CompressedInputStream(raw, "gzip") if is_gzip(path) else raw
    else:
        src = _Source(path, opts.progress)
        source = pa.PythonFile(src, mode="r")
    options = (
        pcsv.ReadOptions(skip_rows=layout.skip_rows + header_rows, block_size=BLOCK_BYTES,
                         column_names=list(layout.names), use_threads=fast),
        # malformed rows are collected, never raised: an exception in the middle of a
        # parallel read can leave Arrow threads running into the end of a short process
        # (an abort at exit, apache/arrow#34314)
        pcsv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=on_invalid),
        pcsv.ConvertOptions(column_types=types, include_columns=cols, decimal_point=layout.decimal_point,
                            strings_can_be_null=True, quoted_strings_can_be_null=True),
    )
    reader = None
    try:
        if fast and out.capacity <= WHOLE_ROWS:  # the whole file at once: its blocks parsed on all cores
            batches = pcsv.read_csv(source, *options).to_batches()
        else:  # block by block, a few blocks in memory
            batches = reader = pcsv.open_csv(source, *options)
        for batch in batches:
            out.append(batch)
    except (pa.ArrowInvalid, OSError) as exc:
        if fast:
            raise _Retry from None
        raise _locate(path, layout, exc, header_rows) from None
    except (pa.ArrowKeyError, KeyError) as exc:
        raise FormatError(f"{path.name}: a column is missing ({exc})") from None
    finally:
        if reader is not None:
            reader.close()  # its read-ahead thread ends here, not at exit
        source.close()
    if fast:
        if invalid:  # read again by the slow path, which says where
            raise _Retry
        if opts.progress:
            opts.progress(total, total)
        return out
    if invalid:
        _check_invalid(path, layout, invalid, src, header_rows)
    if src.cut:
        warnings.warn(f"{path.name}: the compressed stream ends early; returning the "
                      "rows before the cut", TruncatedFileWarning, stacklevel=4)
    return out


def _column_type(kind: str, layout: Layout) -> pa.DataType:
    """The type pyarrow converts a time column of ``kind`` to (ISO-8601 times are parsed
    as they are read, except with a decimal comma)."""
    if kind in ("epoch-ns", "epoch-us", "epoch-ms"):
        return pa.int64()
    if kind.startswith("iso"):
        if layout.decimal_point == "," or layout.clock_ms_colon:
            return pa.string()
        return pa.timestamp("ns", tz="UTC") if kind == "iso" else pa.timestamp("ns")
    return pa.string() if kind == "epoch-s" and layout.decimals > 6 else pa.float64()


class _Columns:
    """Growable output arrays filled block by block (no copy of the whole at the end)."""

    def __init__(self, capacity: int, layout: Layout):
        self.layout, self.n, self.capacity = layout, 0, capacity
        self.acc = np.empty((capacity, 3), np.float32)
        self.t = np.empty(capacity, np.int64) if layout.time_col else None
        self.ref = np.empty(capacity, np.int64) if layout.ref_col else None

    def _grow(self, need: int) -> None:
        size = max(need, int(len(self.acc) * 1.25) + 1024)
        for name in ("acc", "t", "ref"):
            old = getattr(self, name)
            if old is not None:
                new = np.empty((size, *old.shape[1:]), old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)

    def append(self, batch: pa.RecordBatch) -> None:
        m, i0 = batch.num_rows, self.n
        if i0 + m > len(self.acc):
            self._grow(i0 + m)
        acc = self.acc[i0:i0 + m]
        for i, a in enumerate(self.layout.axes):
            values = batch.column(a).to_numpy(zero_copy_only=False)
            if self.layout.gravity:  # added in float64
                values = values + self.layout.gravity_factor * batch.column(
                    self.layout.gravity[i]).to_numpy(zero_copy_only=False)
            acc[:, i] = values
        if self.t is not None:
            col = batch.column(self.layout.time_col)
            t = self.t[i0:i0 + m] = _times(col, self.layout)
            if col.null_count or not pa.types.is_timestamp(col.type):  # a time that did not read
                acc[t == np.iinfo(np.int64).min] = np.nan
        if self.ref is not None:
            self.ref[i0:i0 + m] = _times(batch.column(self.layout.ref_col),
                                         replace(self.layout, time_kind=self.layout.ref_kind))
        self.n += m

    def arrays(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        n = self.n
        return self.acc[:n], None if self.t is None else self.t[:n], None if self.ref is None else self.ref[:n]


def _estimate_rows(probe: Probe) -> int:
    """Rows in a text file, from its (uncompressed) size and the length of its first lines."""
    lines = probe.lines
    per_line = max(8.0, sum(len(ln) + 1 for ln in lines) / max(len(lines), 1))
    return int(uncompressed_size(probe.path) / per_line * 1.02) + 1024


def _wall_clock(naive: np.ndarray, tz: str | None, issues: list[dict]) -> np.ndarray:
    """Wall-clock times as UTC ns (local to ``tz``; UTC without one)."""
    from sensing.readers.timecheck import make_issue

    if not tz:
        return naive
    utc, second, skipped = localize(naive, tz)
    if second.any():  # dated by the first time placed in the hour's second pass
        issues.append(make_issue("dst", int(utc[np.argmax(second)]), f"{int(second.sum())} time(s) "
                                 "in the hour repeated as the clocks went back, read as its second pass"))
    if skipped.any():
        issues.append(make_issue("dst", int(utc[np.argmax(skipped)]), f"{int(skipped.sum())} time(s) "
                                 "in the hour skipped as the clocks went forward, read at the offset before"))
    return utc


def _times(col: pa.Array, layout: Layout) -> np.ndarray:
    """One block's times as int64 ns UTC, or wall-clock for ``iso-naive`` (INT64_MIN where missing)."""
    kind = layout.time_kind
    nat = np.iinfo(np.int64).min
    if pa.types.is_timestamp(col.type):  # ISO-8601, parsed by the CSV reader
        return col.cast(pa.int64()).fill_null(nat).to_numpy()
    if kind in ("iso", "iso-naive"):
        col = pc.utf8_trim_whitespace(col)
        if layout.decimal_point == ",":  # "22:30:00,125" in a decimal-comma file
            col = pc.replace_substring(col, ",", ".")
        if layout.clock_ms_colon:  # "22:30:00:125"
            col = pc.replace_substring_regex(col, r":(\d{3})$", r".\1")
        target = pa.timestamp("ns", tz="UTC") if kind == "iso" else pa.timestamp("ns")  # naive: local
        try:
            ts = pc.cast(col, target)
        except pa.ArrowInvalid:
            bad = next(v for v in col.to_pylist() if v is not None and not _casts(v, target))
            raise pa.ArrowInvalid(f"time column: Failed to parse string: '{bad}'") from None
        return ts.cast(pa.int64()).fill_null(nat).to_numpy()
    if kind in ("epoch-ns", "epoch-us", "epoch-ms"):
        mult = {"epoch-ns": 1, "epoch-us": 1_000, "epoch-ms": 1_000_000}[kind]
        v = col.fill_null(nat).to_numpy()
        return np.where(v == nat, nat, v * mult)
    if pa.types.is_string(col.type):  # epoch seconds with more than 6 decimals
        ns = _decimal_seconds(pc.replace_substring(col, ",", ".") if layout.decimal_point == "," else col)
    else:
        v = col.to_numpy(zero_copy_only=False).astype(np.float64)
        ok = np.isfinite(v)
        ns = np.full(len(v), nat, np.int64)
        if kind == "epoch-s":  # float64 holds epoch seconds to ~0.2 µs: round to the µs
            ns[ok] = np.round(v[ok] * 1e6).astype(np.int64) * 1000
        else:  # small numbers: exact to the ns
            ns[ok] = np.round(v[ok] * (1e6 if kind == "elapsed-ms" else 1e9)).astype(np.int64)
    if kind.startswith("elapsed"):
        ns = np.where(ns == nat, nat, ns + layout.start_ns)
    return ns


def _casts(text: str, target: pa.DataType) -> bool:
    """Whether one value casts to ``target``."""
    try:
        pc.cast(pa.array([text]), target)
    except pa.ArrowInvalid:
        return False
    return True


def _decimal_seconds(col: pa.Array) -> np.ndarray:
    """Decimal seconds text as int64 ns, exact for plain decimals (INT64_MIN where missing)."""
    nat = np.iinfo(np.int64).min
    col = pc.utf8_trim_whitespace(col)
    if pc.all(pc.match_substring_regex(col, r"^[0-9]+(\.[0-9]*)?$")).as_py() is not False:
        dotted = pc.if_else(pc.match_substring(col, "."), col, pc.binary_join_element_wise(col, ".", ""))
        parts = pc.split_pattern(dotted, ".", max_splits=1)
        whole = pc.cast(pc.list_element(parts, 0), pa.int64())
        frac = pc.utf8_slice_codeunits(pc.utf8_rpad(pc.list_element(parts, 1), 9, "0"), 0, 9)
        ns = pc.add(pc.multiply(whole, 1_000_000_000), pc.cast(frac, pa.int64()))
        return ns.fill_null(nat).to_numpy()
    sec = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    ok = np.isfinite(sec)
    out = np.full(len(sec), nat, np.int64)
    out[ok] = np.round(sec[ok] * 1e9).astype(np.int64)
    return out


_BAD_VALUE = re.compile(r"column #(\d+): .*invalid value '([^']*)'|string: '([^']*)'|"
                        r"parse string '([^']*)'|Failed to parse string: '([^']*)'", re.IGNORECASE)


#: A date written with slashes (06/01/2026, 1/6/26): no reader can tell day from month.
_SLASHED_DATE = re.compile(r"^\s*\d{1,4}/\d{1,2}/\d{1,4}")


def _locate(path: Path, layout: Layout, exc: Exception, header_rows: int) -> FormatError:
    """A FormatError naming the line, column and value pyarrow could not read."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    m = _BAD_VALUE.search(msg)
    if m:
        value = next(g for g in m.groups()[1:] if g is not None)
        column = layout.names[int(m.group(1))] if m.group(1) and int(m.group(1)) < len(layout.names) \
            else layout.time_col if "time" in msg else None
        found = find_line(path, lambda ln: value in split_fields(ln, layout.delimiter),
                          skip=layout.skip_rows + header_rows)
        where = f"line {found[0]}" if found else "a row"
        what = "an ISO-8601 time" if column == layout.time_col else "a number"
        slashed = column == layout.time_col and _SLASHED_DATE.match(value)
        return FormatError(f"{path.name}: {where}, column {clip(str(column), 30)!r}: "
                           f"{clip(value, 40)!r} is not {what}" + (
                               " (day/month or month/day? write dates year first: "
                               "2026-01-06T22:37:48)" if slashed else ""))
    return FormatError(f"{path.name}: {clip(msg, 120)}")


def _check_invalid(path: Path, layout: Layout, invalid: list[str], src: _Source, header_rows: int) -> None:
    tail = src.tail.decode("utf-8", errors="replace").rstrip("\r\n").rsplit("\n", 1)[-1].rstrip("\r")
    if len(invalid) == 1 and invalid[0].rstrip("\r") == tail:
        warnings.warn(f"{path.name}: the last row is cut short ({tail[:80]!r}); returning the "
                      "rows before it", TruncatedFileWarning, stacklevel=4)
        return
    bad = invalid[0]
    found = find_line(path, lambda ln: ln.rstrip("\r") == bad.rstrip("\r"),
                      skip=layout.skip_rows + header_rows)
    where = f"line {found[0]}" if found else "a row"
    expect = f"{len(layout.names)} columns" + (" like the header" if layout.header_row else "")
    raise FormatError(f"{path.name}: {where}: expected {expect}, got "
                      f"{len(bad.split(layout.delimiter))}: {clip(bad, 50)!r}"
                      + (f" ({len(invalid)} such rows)" if len(invalid) > 1 else ""))


def not_generic(probe: Probe) -> str | None:
    """Why a file is not a generic CSV (None if it is one)."""
    try:
        generic_layout(probe, ReadOptions(units="g"), elapsed_from=0)
    except FormatError as exc:
        return str(exc)
    return None


#: A number in scientific notation: mantissa, its decimals, exponent.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,](\d*))?[eE]([+-]?\d+)$")
#: Seconds of one unit of each kind of epoch time.
_EPOCH_UNIT_S = {"epoch-s": 1.0, "epoch-ms": 1e-3, "epoch-us": 1e-6, "epoch-ns": 1e-9}


def _check_spreadsheet_times(probe: Probe, layout: Layout) -> None:
    """Refuse epoch times a spreadsheet rounded: Excel writes ``1767652200000`` (ms) as
    ``1.76765E+12``, six digits, one value per 2.8 h.

    Raises
    ------
    FormatError
        If the first time is in scientific notation coarser than a millisecond.
    """
    if layout.time_kind not in _EPOCH_UNIT_S or layout.time_col is None:
        return
    rows = (split_fields(ln, layout.delimiter) for ln in probe.lines[layout.skip_rows + layout.header_row:])
    first = next((r for r in rows if len(r) == len(layout.names)), None)
    m = _SCIENTIFIC.match(first[layout.names.index(layout.time_col)]) if first else None
    if m is None:
        return
    from sensing.readers.timecheck import duration

    step_s = 10.0 ** (int(m.group(2)) - len(m.group(1) or "")) * _EPOCH_UNIT_S[layout.time_kind]
    if step_s >= 1e-3:
        raise FormatError(f"time {clip(m.group(0), 24)!r}: rounded by a spreadsheet (one value per "
                          f"{duration(step_s)}); use the file as the app wrote it")


#: A computed gravity vector's size, g: it stays within this of its median while the
#: vector turns; an accelerometer's noise and steps (a few mg) never let it.
FUSED_NORM_G = 1e-4
#: ... while one axis spans at least this, g (the vector turns: a constant test signal,
#: or a sensor lying still with every sample the same, does not).
FUSED_TURN_G = 0.05


def _check_measured(name: str, acc: np.ndarray, layout: Layout) -> None:
    """Refuse values that are not what an accelerometer measured (one sample in
    ``len // 100 000`` looked at): without gravity over the whole file when the first
    rows told the units (a phone's linear acceleration that moved at first), or a size
    that never changes while the direction does (a gravity vector a phone or watch
    computed, under another name than ``Gravity.csv``).

    Raises
    ------
    FormatError
    """
    part = acc[:: max(1, len(acc) // 100_000)]
    norm = norms(part)
    ok = np.isfinite(norm)
    whole = float(median(norm[ok])) if ok.any() else float("nan")
    if layout.units_by_gravity and not whole >= GRAVITY_NORMS[0][1]:  # g; NaN: nothing read
        raise FormatError(f"{name}: no gravity in the acceleration (median {whole:.3g} g over the "
                          "file: a phone's linear acceleration?); give the total acceleration, with gravity")
    if ok.sum() >= 1000 and np.all(np.abs(norm[ok] - whole) <= FUSED_NORM_G) \
            and np.ptp(part[ok], axis=0).max() >= FUSED_TURN_G:
        raise FormatError(f"{name}: its size stays {whole:.4f} g as it turns: a gravity vector a phone "
                          "or watch computed, not an accelerometer's samples")


def sniff(probe: Probe) -> bool:
    """True for a generic CSV (a header row naming a time column and x, y, z)."""
    return not_generic(probe) is None


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a generic CSV (see the module docstring) into Recordings."""
    from sensing.readers.timecheck import CLOCK_ZONE, build_recordings

    path = probe.path
    try:
        layout = generic_layout(probe, opts)
        _check_spreadsheet_times(probe, layout)
        stated = layout.meta.get("tz") if layout.time_kind == "iso-naive" else None
        if stated:
            check_zone(stated)
    except FormatError as exc:
        raise FormatError(f"{path.name}: {exc}") from None
    if stated and not opts.tz:  # times written in the zone the header states, not the machine's
        opts = replace(opts, local_tz=stated)
    t, acc, _, issues = read_table(probe, layout, opts)
    t = cast(np.ndarray, t)  # a generic CSV always has a time column
    _check_measured(path.name, acc, layout)
    meta = {"format": NAME, "time_kind": layout.time_kind, "scale_g": layout.scale}
    if layout.meta.get("tz"):  # the zone the file states (header tz=, or local ISO times)
        meta["tz"] = layout.meta["tz"]
        if layout.time_kind == "iso" and not opts.tz:
            issues += _offset_change(path, layout, str(meta["tz"]), int(t[-1]))
    zone = CLOCK_ZONE.set(opts.naive_tz)  # its warnings' times in the zone it was read in
    try:
        return build_recordings(t, acc, name=path.name, fs=layout.fs, meta=meta, issues=issues,
                                location=opts.location or layout.meta.get("location", "unknown"),
                                device=layout.meta.get("device", path.name),
                                max_reorder_s=opts.max_reorder_s)
    finally:
        CLOCK_ZONE.reset(zone)
