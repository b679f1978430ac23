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
  consecutive page times (the device's real rate) where it is within 10 % of the
  nominal one (:class:`~sensing.readers.timecheck.AnchoredClock`).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sensing.errors import FormatError
from sensing.readers._common import (
    Probe,
    ReadOptions,
    TruncatedFileWarning,
    localize,
    location_from_text,
    read_all_bytes,
)
from sensing.readers.timecheck import AnchoredClock, build_recordings, make_issue

NAME = "geneactiv-bin"
EXPECTS = "a 'Device Identity' header with 'Calibration Data', then 'Recorded Data' pages"

PAGE_LINES = 10
SAMPLES_PER_PAGE = 300
#: Pages decoded at a time (bounds the temporaries on week-long files).
CHUNK_PAGES = 10_000
_HEX = np.full(256, 255, np.uint8)
_HEX[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_HEX[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)
_HEX[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)


def _samples(hexbuf: bytes, gain: np.ndarray, offset: np.ndarray, first_page: int, name: str) -> np.ndarray:
    """Calibrated x, y, z in g (float32, shape (n, 3)) from 12-hex-digit samples.

    Raises
    ------
    FormatError
        If a character is not hex (naming its page, counted from ``first_page``).
    """
    nib = _HEX[np.frombuffer(hexbuf, np.uint8)]
    if (nib == 255).any():
        page = first_page + int(np.flatnonzero(nib == 255)[0]) // 12 // SAMPLES_PER_PAGE
        raise FormatError(f"{name}: page {page}: the data line holds a non-hex character")
    nib = nib.reshape(-1, 12).astype(np.int32)
    raw = np.stack([(nib[:, 3 * k] << 8) | (nib[:, 3 * k + 1] << 4) | nib[:, 3 * k + 2] for k in range(3)],
                   axis=1)
    raw = np.where(raw >= 2048, raw - 4096, raw)  # 12-bit two's complement
    return ((raw * 100.0 - offset) / gain).astype(np.float32)


def sniff(probe: Probe) -> bool:
    """True for a GENEActiv .bin file."""
    lines = probe.lines
    return bool(lines) and lines[0].strip() == "Device Identity" and any(
        ln.startswith("Device Unique Serial Code") for ln in lines[1:4])


def _zone(text: str) -> int | None:
    """Offset in ns of a header ``Time Zone`` such as ``GMT +01:00`` (None if unreadable)."""
    m = re.search(r"([+-])\s*(\d{1,2}):?(\d{2})", text)
    if not m:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60) * 1_000_000_000


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read a GENEActiv .bin file (possibly gzip-compressed) into Recordings."""
    data, cut = read_all_bytes(probe.path)
    return decode(data, opts, probe.path.name, cut)


def decode(data: bytes, opts: ReadOptions, name: str = "bin", cut: bool = False) -> list:
    """Decode the bytes of a GENEActiv .bin file into Recordings (see the module docstring).

    Times: page times are local to the header's ``Time Zone``; ``tz`` overrides it.

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
    text_lines = data.split(b"\n")
    while text_lines and not text_lines[-1].strip():
        text_lines.pop()
    first_page = next((i for i, ln in enumerate(text_lines) if ln.rstrip(b"\r") == b"Recorded Data"), None)
    if first_page is None:
        raise FormatError(f"{name}: no 'Recorded Data' page after the header")
    header = {}
    for ln in text_lines[:first_page]:
        key, sep, value = ln.decode("utf-8", "replace").rstrip("\r").partition(":")
        if sep:
            header[key.strip()] = value.strip()
    try:
        gain = np.array([float(header[f"{a} gain"]) for a in "xyz"])
        offset = np.array([float(header[f"{a} offset"]) for a in "xyz"])
        fs = opts.fs or float(header["Measurement Frequency"].split()[0])
    except (KeyError, ValueError, IndexError) as exc:
        raise FormatError(f"{name}: GENEActiv header lacks or garbles {exc}") from None
    if not (gain != 0).all():
        raise FormatError(f"{name}: a calibration gain is zero")
    pages = text_lines[first_page:]
    n_pages = len(pages) // PAGE_LINES
    truncated = cut or len(pages) % PAGE_LINES != 0
    issues = []
    hex_lines = [pages[p * PAGE_LINES + 9].rstrip(b"\r") for p in range(n_pages)]
    counts = np.array([len(h) // 12 for h in hex_lines], np.int64)
    if n_pages and (counts[:-1] != SAMPLES_PER_PAGE).any():
        p = int(np.flatnonzero(counts[:-1] != SAMPLES_PER_PAGE)[0])
        raise FormatError(f"{name}: line {len(text_lines) - len(pages) + p * PAGE_LINES + 10}: "
                          f"page {p} holds {counts[p]} samples, expected {SAMPLES_PER_PAGE}")
    if n_pages and counts[-1] != SAMPLES_PER_PAGE:
        truncated = True
    if truncated:
        warnings.warn(f"{name}: the file ends inside a page; returning the {int(counts.sum())} "
                      "whole samples before the cut", TruncatedFileWarning, stacklevel=3)
    if not n_pages or counts.sum() == 0:
        raise FormatError(f"{name}: no complete samples")
    times = []
    for p in range(n_pages):
        line = pages[p * PAGE_LINES + 3].decode("utf-8", "replace").rstrip("\r")
        if not line.startswith("Page Time:"):
            raise FormatError(f"{name}: line {len(text_lines) - len(pages) + p * PAGE_LINES + 4}: "
                              f"expected 'Page Time:...', got {line[:80]!r}")
        times.append(line[len("Page Time:"):])
    # "2024-01-11 15:35:31:000" -> ISO with a decimal point
    iso = [f"{s[:19]}.{s[20:]}" if len(s) > 20 else s for s in times]
    zone = _zone(header.get("Time Zone", ""))
    try:
        local = pc.cast(pa.array(iso), pa.timestamp("ns")).cast(pa.int64()).to_numpy()
    except pa.ArrowInvalid as exc:
        raise FormatError(f"{name}: page time: {exc}") from None
    page_ns = localize(local, opts.tz)[0] if opts.tz else local - (zone or 0)
    ends = np.cumsum(counts)
    acc = np.empty((int(ends[-1]), 3), np.float32)
    for p0 in range(0, n_pages, CHUNK_PAGES):  # bounded temporaries on week-long files
        p1 = min(p0 + CHUNK_PAGES, n_pages)
        hexbuf = b"".join(h[: 12 * c] for h, c in zip(hex_lines[p0:p1], counts[p0:p1], strict=True))
        acc[(ends[p0 - 1] if p0 else 0):ends[p1 - 1]] = _samples(hexbuf, gain, offset, p0, name)
    keep = np.arange(int(counts.max()))[None, :] < counts[:, None]
    blk = np.broadcast_to(np.arange(n_pages)[:, None], keep.shape)[keep]
    g = (np.arange(n_pages)[:, None] * SAMPLES_PER_PAGE + np.arange(keep.shape[1])[None, :])[keep]
    t = AnchoredClock(np.arange(n_pages) * SAMPLES_PER_PAGE, page_ns, fs).times(g, blk)
    declared = header.get("Number of Pages", "")
    if declared.isdigit() and int(declared) > n_pages and not truncated:
        issues.append(make_issue("missing", int(t[-1]), f"header declares {declared} pages, "
                             f"the file holds {n_pages}"))
    serial = header.get("Device Unique Serial Code", "")
    meta = {"format": NAME, "serial": serial, "calibration": {"gain": gain.tolist(),
                                                               "offset": offset.tolist()}}
    worn = location_from_text(header.get("Device Location Code", ""))
    return build_recordings(t, acc, name=name, fs=fs, meta=meta,
                            location=opts.location or worn or "unknown", device=f"GENEActiv {serial}",
                            max_reorder_s=opts.max_reorder_s, issues=issues)
