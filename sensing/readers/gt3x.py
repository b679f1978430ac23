"""ActiGraph ``.gt3x`` raw files (both generations), decoded natively with numpy.

Layout (ActiGraph's public specifications, MIT: ``actigraph/GT3X-File-Format`` for the
current generation and ``actigraph/NHANES-GT3X-File-Format`` for the older one):

* A zip archive holding ``info.txt`` (``Key: Value`` lines: ``Serial Number``, ``Sample
  Rate`` in Hz, ``Start Date`` in .NET ticks, ``TimeZone`` such as ``-05:00:00``,
  ``Acceleration Scale`` in LSB per g) and the samples:
* **Current generation** (GT3X+ firmware 3.0 and later, wGT3X-BT, GT9X Link, ...):
  ``log.bin``, a sequence of log records ``1E type ts:u32 size:u16 payload checksum``
  (little-endian; ``ts`` is the device clock in whole seconds; the checksum is the
  one's complement of the XOR of header and payload). Record ``ACTIVITY`` (0x00) holds
  one second of samples as 12-bit two's complement values in Y, X, Z order, big-endian
  bit-packed; ``ACTIVITY2`` (0x1A) one second as little-endian int16 in X, Y, Z order.
  Sample ``i`` of a record is at ``ts + i / rate``. A 1-byte activity payload is a USB
  event, not samples. ``PARAMETERS`` (0x15) may give ``ACCEL_SCALE``; ``EVENT`` (0x03)
  payload 0x08 / 0x09 marks entering / leaving idle sleep mode: those spans are in
  ``meta["still_spans_ns"]`` (:data:`sensing.recording.STILL_SPANS`).
* **Older generation** (NHANES-era GT3X+ and ActiSleep+, serials NEO/MRA, firmware
  2.5.0 and earlier): ``activity.bin``, one continuous stream of 12-bit Y, X, Z samples
  starting at ``Start Date``; sample ``i`` is at start + i / rate.
* In g: ``counts / scale``; the scale is ``Acceleration Scale`` from ``info.txt``, else
  the ``ACCEL_SCALE`` parameter, else 341 LSB/g for NEO, CLE and MRA serials and 256
  LSB/g for the others. wGT3X-BT (MOS) firmware 1.6.0 swaps the axes: x = y, y = -x.
* Times are the device's local clock; ``TimeZone`` gives its offset from UTC (``tz``
  overrides it). While the device sleeps (idle sleep mode) it writes no activity
  records: those spans are gaps, never filled with repeated values.

Records with a bad checksum are skipped (reported as ``missing``); a cut last record
raises :class:`~sensing.readers.TruncatedFileWarning`.
"""

from __future__ import annotations

import re
import struct
import warnings
import zipfile
import zlib

import numpy as np

from sensing.errors import FormatError
from sensing.readers._common import (
    IdleSleepWarning,
    Probe,
    ReadOptions,
    TruncatedFileWarning,
    location_from_text,
)
from sensing.readers.actigraph import lsb_per_g
from sensing.readers.timecheck import build_recordings, epoch_ns, make_issue
from sensing.recording import STILL_SPANS
from sensing.timezones import offset_zone

NAME = "actigraph-gt3x"
EXPECTS = "a zip archive with info.txt and log.bin (or activity.bin)"

SEPARATOR = 0x1E
ACTIVITY, EVENT, PARAMETERS, ACTIVITY2 = 0x00, 0x03, 0x15, 0x1A
#: .NET ticks (100 ns since 0001-01-01) at the Unix epoch.
TICKS_AT_EPOCH = 621_355_968_000_000_000
#: Activity records decoded at a time (bounds the temporaries on week-long files).
CHUNK_RECORDS = 128


def sniff(probe: Probe) -> bool:
    """True for a .gt3x archive (a zip with info.txt and log.bin or activity.bin)."""
    if not probe.head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(probe.path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False
    return "info.txt" in names and bool(names & {"log.bin", "activity.bin"})


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a .gt3x file into Recordings (see the module docstring)."""
    name = probe.path.name
    try:
        with zipfile.ZipFile(probe.path) as archive:
            names = set(archive.namelist())
            info = archive.read("info.txt")
            kind = "log.bin" if "log.bin" in names else "activity.bin"
            data = archive.read(kind)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError, ValueError) as exc:
        raise FormatError(f"{name}: damaged .gt3x archive ({str(exc).splitlines()[0][:80]})") from None
    return decode(info, data, opts, name, old=kind == "activity.bin")


def parse_info(text: bytes) -> dict[str, str]:
    """The ``Key: Value`` pairs of an ``info.txt``."""
    out = {}
    for line in text.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _number(info: dict[str, str], key: str, name: str) -> float:
    try:
        value = float(info[key].replace(",", "."))
    except (KeyError, ValueError):
        raise FormatError(f"{name}: info.txt lacks a readable '{key}' ({info.get(key, 'missing')!r})") from None
    if not (np.isfinite(value) and value > 0):
        raise FormatError(f"{name}: info.txt '{key}' is {info[key]!r}, not a positive number")
    return value


def zone_offset_ns(text: str) -> int | None:
    """Offset from UTC in ns of an ``info.txt`` ``TimeZone`` such as ``-05:00:00`` (None if unreadable)."""
    m = re.fullmatch(r"\s*([+-]?)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", text)
    if not m:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60 + int(m.group(4) or 0)) * 10**9


def ssp_float(value: int) -> float:
    """A PARAMETERS float: a 24-bit two's complement fraction (x 2^-23) and an 8-bit exponent."""
    exponent = ((value >> 24) & 0xFF) - (256 if value & 0x80000000 else 0)
    fraction = (value & 0xFFFFFF) - (1 << 24 if value & 0x800000 else 0)
    return fraction / float(1 << 23) * 2.0 ** exponent


def records(log: bytes) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Start offsets and types of the log records of a ``log.bin`` whose checksum holds.

    Every separator byte is a candidate record start; each record's length gives where
    the next one starts, and the records are the chain of candidates followed from the
    first. Zero bytes between records are skipped (the specification allows them); other
    bytes that do not start a record are skipped up to the next separator.

    Returns
    -------
    starts : ndarray of int64
        Offset of each good record.
    types : ndarray of uint8
    bad : int
        Records with a bad checksum plus stretches of bytes skipped to find one.
    cut : bool
        Whether the last record is cut short.
    """
    buf = np.frombuffer(log, np.uint8)
    n = len(buf)
    cand = np.flatnonzero(buf[: max(n - 7, 0)] == SEPARATOR)
    end = cand + 9 + buf[cand + 6].astype(np.int64) + (buf[cand + 7].astype(np.int64) << 8)
    follow = memoryview(np.searchsorted(cand, end).astype(np.int64))  # type: ignore[arg-type]  # next record: first candidate after the end
    chain, i = [], 0
    while i < len(cand):
        chain.append(i)
        i = follow[i]
    starts, ends = cand[chain], end[chain]
    cut = bool(len(ends)) and ends[-1] > n
    if cut:
        starts, ends = starts[:-1], ends[:-1]
    tail = int(ends[-1]) if len(ends) else 0
    cut = cut or (0 < n - tail < 8 and bool(buf[tail:].any()))
    skipped = [(int(a), int(b)) for a, b in zip(np.r_[0, ends[:-1]], starts, strict=False) if b > a]
    bad = sum(bool(buf[a:b].any()) for a, b in skipped)
    good = np.ones(len(starts), bool)
    length = ends - starts
    for size in np.unique(length):  # checksums, records of one length at a time
        at = np.flatnonzero(length == size)
        window = np.lib.stride_tricks.sliding_window_view(buf, int(size))
        for a0 in range(0, len(at), CHUNK_RECORDS):
            rows = window[starts[at[a0:a0 + CHUNK_RECORDS]]]
            good[at[a0:a0 + CHUNK_RECORDS]] = \
                np.bitwise_xor.reduce(rows[:, :-1], axis=1) ^ np.uint8(0xFF) == rows[:, -1]
    bad += int((~good).sum())
    starts = starts[good]
    return starts, buf[starts + 1], bad, cut


def unpack12(packed: np.ndarray, n_values: int) -> np.ndarray:
    """Big-endian 12-bit two's complement values (int16) from rows of bytes, ``n_values`` per row."""
    rows, width = packed.shape
    pad = -width % 3
    if pad:
        packed = np.concatenate([packed, np.zeros((rows, pad), np.uint8)], axis=1)
    b = packed.reshape(rows, -1, 3).astype(np.int16)
    v = np.empty((rows, b.shape[1], 2), np.int16)
    v[:, :, 0] = (b[:, :, 0] << 8) | (b[:, :, 1] & 0xF0)  # the 12 bits at the top of 16
    v[:, :, 1] = ((b[:, :, 1] & 0x0F) << 12) | (b[:, :, 2] << 4)
    v >>= 4  # arithmetic shift: the sign of the 12-bit value extends
    return v.reshape(rows, -1)[:, :n_values]


def _parameters(log: bytes, starts: np.ndarray, types: np.ndarray) -> dict[tuple[int, int], int]:
    """The (address, identifier) -> raw value pairs of the first PARAMETERS record."""
    hit = np.flatnonzero(types == PARAMETERS)
    if not len(hit):
        return {}
    p = int(starts[hit[0]])
    (size,) = struct.unpack_from("<H", log, p + 6)
    body = log[p + 8:p + 8 + size - size % 8]
    return {(a, i): v for a, i, v in struct.iter_unpack("<HHI", body)}


def _seconds(buf: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The device clock of each record starting at ``starts``, whole seconds (int64)."""
    return (buf[starts + 2].astype(np.int64) | (buf[starts + 3].astype(np.int64) << 8)
            | (buf[starts + 4].astype(np.int64) << 16) | (buf[starts + 5].astype(np.int64) << 24))


def idle_spans(log: bytes, starts: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Local times (int64 ns, shape (k, 2)) from each entering of idle sleep mode (``EVENT``
    0x08) to the leaving after it (0x09): the device lay still and wrote no samples. A
    spell the file ends in is left out (no sample follows it)."""
    buf = np.frombuffer(log, np.uint8)
    at = starts[types == EVENT]
    code, sec = buf[at + 8], _seconds(buf, at)
    on, off = sec[code == 0x08], sec[code == 0x09]
    j = np.searchsorted(off, on)  # the first leaving at or after each entering
    return np.column_stack([on[j < len(off)], off[j[j < len(off)]]]) * 10**9


def _activity(log: bytes, starts: np.ndarray, types: np.ndarray, fs: float,
              scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Local times (int64 ns) and accelerations (float32 g) of the activity records."""
    buf = np.frombuffer(log, np.uint8)
    size = buf[starts + 6].astype(np.int64) | (buf[starts + 7].astype(np.int64) << 8)
    packed = types == ACTIVITY
    count = np.where(packed, size * 8 // 36, size // 6)
    keep = ((types == ACTIVITY) | (types == ACTIVITY2)) & (size > 1) & (count > 0)
    starts, size, count, packed = starts[keep], size[keep], count[keep], packed[keep]
    if not len(starts):
        return np.zeros(0, np.int64), np.zeros((0, 3), np.float32)
    ts = _seconds(buf, starts)
    ends = np.cumsum(count)
    total = int(ends[-1]) if len(ends) else 0
    t = np.empty(total, np.int64)
    acc = np.empty((total, 3), np.float32)
    period = 1e9 / fs
    # runs of records of one kind and size (usually the whole file) are decoded together,
    # a chunk at a time, straight into the output
    change = np.flatnonzero((packed[1:] != packed[:-1]) | (size[1:] != size[:-1])) + 1
    edges = np.r_[0, change, len(starts)].tolist()
    for r0, r1 in zip(edges[:-1], edges[1:], strict=True):
        c, width = int(count[r0]), int(size[r0])
        offsets = np.round(np.arange(c) * period).astype(np.int64)
        window = np.lib.stride_tricks.sliding_window_view(buf, width)
        for g0 in range(r0, r1, CHUNK_RECORDS):
            g1 = min(g0 + CHUNK_RECORDS, r1)
            payload = window[starts[g0:g1] + 8]
            if packed[r0]:
                raw = unpack12(payload, 3 * c).reshape(g1 - g0, c, 3)
                axes = (1, 0, 2)  # stored Y, X, Z
            else:
                raw = payload[:, :6 * c].copy().view("<i2").reshape(g1 - g0, c, 3)
                axes = (0, 1, 2)
            i0, i1 = int(ends[g0] - c), int(ends[g1 - 1])
            out = acc[i0:i1].reshape(g1 - g0, c, 3)
            for k, axis in enumerate(axes):
                np.divide(raw[:, :, axis], np.float32(scale), out=out[:, :, k], casting="unsafe")
            t[i0:i1] = (ts[g0:g1, None] * 10**9 + offsets[None, :]).ravel()
    return t, acc


def decode(info_txt: bytes, data: bytes, opts: ReadOptions, name: str = "gt3x",
           old: bool = False) -> list:
    """Decode the ``info.txt`` and ``log.bin`` (or, ``old``, ``activity.bin``) bytes of a
    .gt3x file into Recordings (see the module docstring).

    Parameters
    ----------
    info_txt : bytes
    data : bytes
        ``log.bin``, or ``activity.bin`` for the older generation.
    opts : ReadOptions
    name : str
        File name, for messages.
    old : bool
        Whether ``data`` is an older generation ``activity.bin``.
    """
    info = parse_info(info_txt)
    serial = info.get("Serial Number", "")
    fs = opts.fs or _number(info, "Sample Rate", name)
    issues = []
    meta: dict = {"format": NAME, "serial": serial, "firmware": info.get("Firmware", "")}
    if old:
        start = epoch_ns((_number(info, "Start Date", name) - TICKS_AT_EPOCH) / 1e7, f"{name}: info.txt Start Date")
        scale = _number(info, "Acceleration Scale", name) if "Acceleration Scale" in info else 341.0
        n = len(data) * 8 // 36
        if n < 2:
            raise FormatError(f"{name}: activity.bin holds {n} samples")
        yxz = unpack12(np.frombuffer(data, np.uint8)[: (9 * n + 1) // 2][None, :], 3 * n).reshape(n, 3)
        acc = yxz[:, [1, 0, 2]].astype(np.float32) / np.float32(scale)
        local = start + np.round(np.arange(n) * (1e9 / fs)).astype(np.int64)
    else:
        starts, types, bad, cut = records(data)
        params = _parameters(data, starts, types)
        if "Acceleration Scale" in info:
            scale = _number(info, "Acceleration Scale", name)
        elif (0, 55) in params and 0 < ssp_float(params[(0, 55)]) < np.inf:
            scale = ssp_float(params[(0, 55)])
        else:
            scale = lsb_per_g(serial)
        local, acc = _activity(data, starts, types, fs, scale)
        if cut:
            warnings.warn(f"{name}: log.bin ends inside a record; returning the {len(local)} "
                          "samples before the cut", TruncatedFileWarning, stacklevel=3)
        if not len(local):
            raise FormatError(f"{name}: log.bin holds no activity records")
        if bad:
            issues.append(make_issue("missing", int(local[0]), f"{bad} damaged log record(s) "
                                     "skipped (left as gaps)"))
        if serial.upper().startswith("MOS") and info.get("Firmware", "").strip() == "1.6.0":
            acc = np.stack([acc[:, 1], -acc[:, 0], acc[:, 2]], axis=1)
        still = idle_spans(data, starts, types)
    zone = zone_offset_ns(info.get("TimeZone", ""))
    local = opts.stated_or_naive(local, zone, name)
    if not old:
        still = opts.stated_or_naive(still.ravel(), zone).reshape(-1, 2)
        meta[STILL_SPANS] = still
        if len(still):
            warnings.warn(f"{name}: recorded in idle sleep mode ({len(still)} spell"
                          f"{'s' * (len(still) != 1)}, "
                          f"{np.sum(np.diff(still, axis=1)) / 3.6e12:.1f} h): the device writes "
                          "nothing while it lies still and looks for movement once a second, so a "
                          "jerk out of stillness is over before it is written and few sleep starts "
                          "can be counted; turn idle sleep mode off (ActiLife) to record jerks",
                          IdleSleepWarning, stacklevel=3)
    meta["scale_lsb_per_g"] = scale
    if zone is not None:  # the zone the device was set to: the sleeper's, for display
        meta["tz"] = str(offset_zone(zone / 1e9))
    worn = location_from_text(f"{info.get('Side', '')} {info.get('Limb', '')}")
    return build_recordings(local, acc, name=name, fs=fs, meta=meta,
                            location=opts.location or worn or "unknown",
                            device=f"ActiGraph {info.get('Device Type', '')} {serial}".replace("  ", " "),
                            max_reorder_s=opts.max_reorder_s, issues=issues)
