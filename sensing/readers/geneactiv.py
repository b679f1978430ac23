"""GENEActiv ``.bin`` raw files (hex text), decoded natively with numpy.

Layout (Activinsights, "GENEActiv instructions manual", section "Decoding .bin files";
as read by GENEAread, GGIRread's GENEActivReader and actipy):

* A text header of ``Key:Value`` lines in sections (``Device Identity``, ``Device
  Capabilities``, ``Configuration Info`` with ``Measurement Frequency:100 Hz`` and
  ``Time Zone:GMT +01:00``, ``Subject Info`` with ``Device Location Code:left wrist``
  (mapped to ``wrist-left``), ``Calibration Data`` with ``x gain``, ``x offset`` ... and
  ``Memory Status`` with ``Number of Pages``).
* Then pages of 10 lines: ``Recorded Data``, ``Device Unique Serial Code:``,
  ``Sequence Number:``, ``Page Time:YYYY-MM-DD hh:mm:ss:mmm`` (device local time),
  ``Unassigned:``, ``Temperature:``, ``Battery voltage:``, ``Device Status:``,
  ``Measurement Frequency:``, and one line of 300 samples x 12 hex digits.
* Each sample is 48 bits: x, y, z as 12-bit two's complement, 10 bits light, 1 bit
  button, 1 reserved. In g: ``(raw * 100 - offset) / gain``.
* Sample ``i`` of a page is at page time + i / rate, the rate being the one between
  consecutive page times (the device's real rate) where it is within 3 % of the
  nominal one (:class:`~sensing.readers.timecheck.AnchoredClock`).
* Some devices write the page times to the whole second (``...:000``; Activinsights'
  GENEAcore's 66.7 Hz sample file): a page then seems to start up to a second early or
  late, and pages that last 4.5 s would overlap by half a second (actfast and
  scikit-digital-health return such times, 146 steps back in that file). Whole-second
  page times are smoothed first (:func:`whole_second_pages`).
"""

from __future__ import annotations

import binascii
import io
import re
import warnings
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sensing.errors import FormatError
from sensing.readers._common import (
    GZIP_ERRORS,
    Probe,
    ReadOptions,
    TruncatedFileWarning,
    location_from_text,
    open_binary,
    uncompressed_size,
)
from sensing.readers.timecheck import CLOCK_TOLERANCE, AnchoredClock, build_recordings, make_issue
from sensing.timezones import offset_zone

NAME = "geneactiv-bin"
EXPECTS = "a 'Device Identity' header with 'Calibration Data', then 'Recorded Data' pages"

PAGE_LINES = 10
SAMPLES_PER_PAGE = 300
#: Bytes of pages read and decoded at a time (memory follows the result, not the file).
CHUNK_BYTES = 1 << 22
#: Pages whose sample times are computed at a time.
CHUNK_PAGES = 64
_HEX = np.full(256, 255, np.uint8)
_HEX[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_HEX[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)
_HEX[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_PAGE = b"Recorded Data"
#: Pages either side of a page whose times are averaged when page times are written to
#: the whole second (:func:`whole_second_pages`): over 41 pages the second of rounding
#: averages to about 0.05 s, and a device's rate does not change in 3 min at 66.7 Hz.
SMOOTH_PAGES = 20


def whole_second_pages(page_ns: np.ndarray, page_s: float) -> np.ndarray:
    """Page times, ns, as they were written, unless every one is a whole second. Then
    each run of pages that follow on (each within a second, and 3 % of a page, of the
    page's length ``page_s`` after the one before; a bigger step is a gap and starts a
    new run) is smoothed: each page's time is its place at the nominal rate plus the
    mean offset of the page times from those places over :data:`SMOOTH_PAGES` pages
    either side (fewer at a run's ends). A rate that slowly differs from the nominal one
    (a device's crystal, its temperature) is followed, and the rounding averaged out.

    Examples
    --------
    >>> t = np.array([11, 15, 20, 24, 29, 33], np.int64) * 10**9  # 4.4978 s pages (66.7 Hz)
    >>> (np.diff(whole_second_pages(t, 300 / 66.7)) / 1e9).round(3).tolist()
    [4.498, 4.498, 4.498, 4.498, 4.498]
    """
    if len(page_ns) < 2 or (page_ns % 1_000_000_000).any():
        return page_ns
    page = page_s * 1e9
    cut = np.flatnonzero(np.abs(np.diff(page_ns) - page) > 1e9 + CLOCK_TOLERANCE * page) + 1
    out = page_ns.copy()
    for a, b in zip(np.r_[0, cut], np.r_[cut, len(page_ns)], strict=True):
        place = np.arange(b - a) * page
        c = np.r_[0.0, np.cumsum((page_ns[a:b] - page_ns[a]) - place)]
        k = np.arange(b - a)
        lo, hi = np.maximum(k - SMOOTH_PAGES, 0), np.minimum(k + SMOOTH_PAGES + 1, b - a)
        out[a:b] = page_ns[a] + np.round(place + (c[hi] - c[lo]) / (hi - lo)).astype(np.int64)
    return out


def calibration_tables(gain: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """g (float32) of every 12-bit reading, per axis: shape (3, 4096), ``(raw * 100 - offset) / gain``."""
    u = np.arange(4096)
    raw = np.where(u >= 2048, u - 4096, u)  # 12-bit two's complement
    return ((raw[None, :] * 100.0 - offset[:, None]) / gain[:, None]).astype(np.float32)


def _samples(hexdigits: bytes, tables: np.ndarray, first_page: int, name: str) -> np.ndarray:
    """Calibrated x, y, z in g (float32, shape (n, 3)) from 12 hex digits per sample.

    Raises
    ------
    FormatError
        If a character is not hex (naming its page, counted from ``first_page``).
    """
    try:
        packed = binascii.unhexlify(hexdigits)
    except (binascii.Error, ValueError):
        bad = np.flatnonzero(_HEX[np.frombuffer(hexdigits, np.uint8)] == 255)
        page = first_page + int(bad[0] if len(bad) else 0) // 12 // SAMPLES_PER_PAGE
        raise FormatError(f"{name}: page {page}: the data line holds a non-hex character") from None
    v = np.frombuffer(packed, np.uint8).reshape(-1, 6)
    out = np.empty((len(v), 3), np.float32)
    out[:, 0] = tables[0][(v[:, 0].astype(np.uint16) << 4) | (v[:, 1] >> 4)]
    out[:, 1] = tables[1][((v[:, 1] & 0x0F).astype(np.uint16) << 8) | v[:, 2]]
    out[:, 2] = tables[2][(v[:, 3].astype(np.uint16) << 4) | (v[:, 4] >> 4)]
    return out


def sniff(probe: Probe) -> bool:
    """True for a GENEActiv .bin file."""
    lines = probe.lines
    return bool(lines) and lines[0].strip() == "Device Identity" and any(
        ln.startswith("Device Unique Serial Code:") for ln in lines[1:4])


def gmt_offset_ns(text: str) -> int | None:
    """Offset in ns of a header ``Time Zone`` such as ``GMT +01:00`` (None if unreadable)."""
    m = re.search(r"([+-])\s*(\d{1,2}):?(\d{2})", text)
    if not m:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60) * 1_000_000_000


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a GENEActiv .bin file (possibly gzip-compressed) into Recordings, a few MB at a time."""
    with open_binary(probe.path) as f:
        return decode_stream(f, opts, probe.path.name, size=uncompressed_size(probe.path))


def decode(data: bytes, opts: ReadOptions, name: str = "bin", cut: bool = False) -> list:
    """Decode the bytes of a GENEActiv .bin file into Recordings (see the module docstring).

    Parameters
    ----------
    data : bytes
        The whole file.
    opts : ReadOptions
    name : str
        File name, for messages.
    cut : bool
        Whether the bytes are known to stop early (a cut compressed stream).
    """
    return decode_stream(io.BytesIO(data), opts, name, size=len(data), cut=cut)


class _Pages:
    """Page times and calibrated samples, filled a block of pages at a time."""

    def __init__(self, pages: int):
        self.n_pages = self.n = 0
        self.cut = False  # whether the last page is cut short
        self.times: list[str] = []
        self.acc = np.empty((pages * SAMPLES_PER_PAGE, 3), np.float32)

    def add(self, times: list[str], acc: np.ndarray) -> None:
        if self.n + len(acc) > len(self.acc):  # more pages than estimated
            grown = np.empty((max(self.n + len(acc), int(len(self.acc) * 1.25)), 3), np.float32)
            grown[: self.n] = self.acc[: self.n]
            self.acc = grown
        self.acc[self.n:self.n + len(acc)] = acc
        self.n += len(acc)
        self.times += times
        self.n_pages += len(times)


def decode_stream(f: BinaryIO, opts: ReadOptions, name: str, size: int | None = None,
                  cut: bool = False) -> list:
    """Decode a GENEActiv .bin from a binary stream, a block of pages at a time.

    Times: page times are local to the header's ``Time Zone``; ``tz`` overrides it.
    """
    data, cut = _read(f, CHUNK_BYTES, cut)
    at = data.find(b"\n" + _PAGE) + 1
    if at == 0:
        raise FormatError(f"{name}: no 'Recorded Data' page after the header")
    header_text = data[:at].decode("utf-8", "replace")
    header = {}
    for ln in header_text.splitlines():
        key, sep, value = ln.partition(":")
        if sep:
            header[key.strip()] = value.strip()
    try:
        gain = np.array([float(header[f"{a} gain"]) for a in "xyz"])
        offset = np.array([float(header[f"{a} offset"]) for a in "xyz"])
        fs = opts.fs or float(header["Measurement Frequency"].split()[0])
    except (KeyError, ValueError, IndexError) as exc:
        raise FormatError(f"{name}: GENEActiv header lacks or garbles {exc}") from None
    if not ((gain != 0).all() and np.isfinite(gain).all() and np.isfinite(offset).all() and fs > 0):
        raise FormatError(f"{name}: a calibration gain is zero or a header number is not finite")
    line0 = header_text.count("\n")  # lines before the first page
    tables = calibration_tables(gain, offset)
    data = data[at:]
    page_bytes = data.find(b"\n" + _PAGE) + 1 or len(data)
    declared = header.get("Number of Pages", "")
    estimate = (size - at) // page_bytes + 2 if size else int(declared) if declared.isdigit() else 1000
    out = _Pages(min(estimate, 10**7))
    eof = False
    while True:
        if not eof:
            more, cut = _read(f, CHUNK_BYTES, cut)
            eof = not more
            data += more
        end = len(data) if eof else data.rfind(b"\n" + _PAGE) + 1
        if end > 0:
            _decode_pages(data[:end], out, tables, line0 + out.n_pages * PAGE_LINES, eof, name)
            data = data[end:]
        if eof:
            break
    truncated = cut or out.cut
    if truncated:
        warnings.warn(f"{name}: the file ends inside a page; returning the {out.n} "
                      "whole samples before the cut", TruncatedFileWarning, stacklevel=3)
    if not out.n:
        raise FormatError(f"{name}: no complete samples")
    n_pages = out.n_pages
    # "2024-01-11 15:35:31:000" -> ISO with a decimal point
    iso = [f"{s[:19]}.{s[20:]}" if len(s) > 20 else s for s in out.times]
    zone = gmt_offset_ns(header.get("Time Zone", ""))
    try:
        local = pc.cast(pa.array(iso), pa.timestamp("ns")).cast(pa.int64()).to_numpy()
    except pa.ArrowInvalid:
        bad = next(k for k, s in enumerate(iso) if not _is_time(s))
        raise FormatError(f"{name}: line {line0 + bad * PAGE_LINES + 4}: page time "
                          f"{out.times[bad][:30]!r} is not a date and time") from None
    page_ns = opts.stated_or_naive(local, zone, name)
    page_ns = whole_second_pages(page_ns, SAMPLES_PER_PAGE / fs)
    clock = AnchoredClock(np.arange(n_pages) * SAMPLES_PER_PAGE, page_ns, fs)
    t = np.empty(n_pages * SAMPLES_PER_PAGE, np.int64)
    for p0 in range(0, n_pages, CHUNK_PAGES):  # bounded temporaries on week-long files
        p1 = min(p0 + CHUNK_PAGES, n_pages)
        pages = np.arange(p0, p1)
        t[p0 * SAMPLES_PER_PAGE:p1 * SAMPLES_PER_PAGE] = clock.times(pages, pages * SAMPLES_PER_PAGE,
                                                                     SAMPLES_PER_PAGE).ravel()
    t = t[: out.n]  # a cut last page holds fewer samples
    issues = []
    if declared.isdigit() and int(declared) > n_pages and not truncated:
        issues.append(make_issue("missing", int(t[-1]), f"header declares {declared} pages, "
                                 f"the file holds {n_pages}"))
    serial = header.get("Device Unique Serial Code", "")
    meta = {"format": NAME, "serial": serial, "calibration": {"gain": gain.tolist(),
                                                               "offset": offset.tolist()}}
    if zone is not None:  # the zone the device was set to: the sleeper's, for display
        meta["tz"] = str(offset_zone(zone / 1e9))
    worn = location_from_text(header.get("Device Location Code", ""))
    return build_recordings(t, out.acc[: out.n], name=name, fs=fs, meta=meta,
                            location=opts.location or worn or "unknown", device=f"GENEActiv {serial}",
                            max_reorder_s=opts.max_reorder_s, issues=issues)


def _read(f: BinaryIO, n: int, cut: bool) -> tuple[bytes, bool]:
    """Up to ``n`` bytes of ``f`` (fewer at the end); a cut compressed stream ends it."""
    if cut:
        return b"", True
    try:
        return f.read(n), False
    except GZIP_ERRORS:
        return b"", True


def _is_time(text: str) -> bool:
    try:
        pc.cast(pa.array([text]), pa.timestamp("ns"))
    except pa.ArrowInvalid:
        return False
    return True


def _decode_pages(block: bytes, out: _Pages, tables: np.ndarray, line0: int, last: bool,
                  name: str) -> None:
    """Decode whole pages of ``block`` (and, ``last``, a cut last page) into ``out``.

    ``line0`` is the number of lines of the file before ``block`` (for messages).
    """
    if last:
        block = block.rstrip() + b"\n"  # no trailing blank lines; a newline after the last
    buf = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.r_[0, ends[:-1] + 1]
    length = ends - starts - (buf[np.maximum(ends - 1, 0)] == 13)  # without CR
    n_pages = len(ends) // PAGE_LINES
    if len(ends) % PAGE_LINES and not last:
        raise FormatError(f"{name}: line {line0 + n_pages * PAGE_LINES + 1}: a page without its "
                          f"{PAGE_LINES} lines")
    times = []
    for p in range(n_pages):
        at = int(starts[p * PAGE_LINES])
        if not block.startswith(_PAGE, at):
            raise FormatError(f"{name}: line {line0 + p * PAGE_LINES + 1}: expected 'Recorded Data', "
                              f"got {block[at:at + 30]!r}")
        s = int(starts[p * PAGE_LINES + 3])
        line = block[s:s + int(length[p * PAGE_LINES + 3])].decode("utf-8", "replace")
        if not line.startswith("Page Time:"):
            raise FormatError(f"{name}: line {line0 + p * PAGE_LINES + 4}: expected 'Page Time:...', "
                              f"got {line[:40]!r}")
        times.append(line[len("Page Time:"):])
    hex_at = starts[9: n_pages * PAGE_LINES: PAGE_LINES]
    counts = length[9: n_pages * PAGE_LINES: PAGE_LINES] // 12
    short = np.flatnonzero(counts != SAMPLES_PER_PAGE)
    if len(short) and (short[0] < n_pages - 1 or not last):
        p = int(short[0])
        raise FormatError(f"{name}: line {line0 + p * PAGE_LINES + 10}: page {out.n_pages + p} holds "
                          f"{counts[p]} samples, expected {SAMPLES_PER_PAGE}")
    width = 12 * counts
    digits = b"".join([block[h:h + w] for h, w in zip(hex_at.tolist(), width.tolist(), strict=True)])
    acc = _samples(digits, tables, out.n_pages, name)
    out.add(times, acc)
    out.cut = out.cut or bool(len(short)) or (last and len(ends) % PAGE_LINES > 0)
