"""Axivity AX3/AX6 ``.cwa`` raw files, decoded natively with numpy.

Layout (Open Movement, ``Docs/ax3/cwa.h`` and ``ax3-technical.md`` in
openmovementproject/openmovement; as read by openmovement-python's ``cwa_load``):

* Little-endian. A 1024-byte header block: ``"MD"``, packet length (1020), hardware
  type, device id (u16 at 5, upper u16 at 11), session id (u32 at 7), sampling rate
  code (u8 at 36), url-encoded metadata (448 bytes at 64).
* Then 512-byte data blocks: ``"AX"``, length 508, device fractional (u16 at 4: top bit
  set means a 15-bit fraction of a second), session id, sequence id (u32 at 10), packed
  timestamp (u32 at 14: ``YYYYYYMM MMDDDDDh hhhhmmmm mmssssss``, years since 2000),
  light/scale (u16 at 18: top 3 bits n give 1/2^(8+n) g per unit), temperature,
  events, battery, rate code (u8 at 24: 3200 / 2^(15 - (code & 15)) Hz), axes and
  packing (u8 at 25: 0x30 = 3 axes packed in 32 bits, 0x32/0x62/0x92 = 3/6/9 int16
  axes with the accelerometer last-but-gyro), timestamp offset (i16 at 26: index of the
  sample the timestamp belongs to), sample count (u16 at 28), 480 bytes of samples,
  and a checksum (the 16-bit word sum of the block is zero).
* Packed samples: bits ``eezzzzzz zzzzyyyy yyyyyyxx xxxxxxxx``; each axis is a 10-bit
  signed value shifted left by ``e``.
* Times are the device clock (set from the configuring computer: local time, ``tz``).
  Each block timestamp T (plus its fraction) belongs to the sample ``offset`` of the
  block. Samples are timed by straight lines between consecutive block timestamps (so
  the real rate of the device, not the nominal one, spaces them, as in
  openmovement-python); where two timestamps disagree with the nominal rate by more
  than 3 % (a gap, a restart, a clock change) the sample is at T + (i - offset) / rate.

Blocks with a bad checksum or header are skipped (reported as ``missing``); a cut last
block raises :class:`~sensing.readers.TruncatedFileWarning`.
"""

from __future__ import annotations

import mmap
import struct
import warnings

import numpy as np

from sensing.errors import FormatError
from sensing.readers._common import (
    Probe,
    ReadOptions,
    TruncatedFileWarning,
    localize,
    whole_file,
)
from sensing.readers.timecheck import AnchoredClock, build_recordings, make_issue

NAME = "axivity-cwa"
EXPECTS = "a 1024-byte 'MD' header block followed by 512-byte 'AX' data blocks"

BLOCK = 512
#: Data blocks decoded at a time (bounds the temporaries on week-long files).
CHUNK_BLOCKS = 128
BLOCK_DTYPE = np.dtype([
    ("header", "<u2"), ("length", "<u2"), ("fractional", "<u2"), ("session", "<u4"),
    ("sequence", "<u4"), ("timestamp", "<u4"), ("light", "<u2"), ("temperature", "<u2"),
    ("events", "u1"), ("battery", "u1"), ("rate", "u1"), ("axes_bps", "u1"),
    ("offset", "<i2"), ("count", "<u2"), ("data", "V480"), ("checksum", "<u2"),
])


def sniff(probe: Probe) -> bool:
    """True for an Axivity .cwa file (header block, then an AX block)."""
    head = probe.head
    return len(head) >= 1026 and head[:2] == b"MD" and head[1024:1026] == b"AX"


def unpack_time(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Packed CWA timestamps as int64 seconds since the epoch (naive) and a validity mask."""
    v = packed.astype(np.int64)
    year = ((v >> 26) & 0x3F) + 2000
    month = (v >> 22) & 0x0F
    day = (v >> 17) & 0x1F
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]").astype(np.int64) + np.clip(day, 1, 31) - 1
    sec = days * 86400 + ((v >> 12) & 0x1F) * 3600 + ((v >> 6) & 0x3F) * 60 + (v & 0x3F)
    return sec, ok


def _unpack(body: memoryview, at: np.ndarray, light: np.ndarray, channels: int, bps: int,
            out: np.ndarray) -> None:
    """Accelerations in g of the blocks starting at byte offsets ``at`` of ``body``, into
    ``out`` (shape (blocks, samples per block, 3))."""
    unit = np.float32(1) / (1 << (8 + ((light.astype(np.int64) >> 13) & 0x07))).astype(np.float32)
    if bps == 0:
        words = np.ndarray((len(body) // BLOCK, 120), "<i4", body, 30, (BLOCK, 4))  # unaligned view
        v = words[at // BLOCK]
        e = (v >> 30) & 0x03  # values beyond 10 bits are stored shifted right by e
        scale = np.exp2(e.astype(np.float32)) * unit[:, None] if e.any() else unit[:, None]
        for k, shift in enumerate((0, 10, 20)):
            x = v << (22 - shift)  # the axis's 10 bits at the top ...
            x >>= 22  # ... and back: sign-extended
            np.multiply(x, scale, out=out[:, :, k], casting="unsafe")
    else:
        axis0 = 3 if channels >= 6 else 0
        values = np.ndarray((len(body) // BLOCK, 240 // channels, channels), "<i2", body, 30,
                            (BLOCK, 2 * channels, 2))[at // BLOCK, :, axis0:axis0 + 3]
        np.multiply(values, unit[:, None, None], out=out, casting="unsafe")


def read(probe: Probe, opts: ReadOptions) -> list:
    """Read an Axivity .cwa file (possibly gzip-compressed) into Recordings."""
    with whole_file(probe.path) as (data, cut):
        return decode(data, opts, probe.path.name, cut)


def decode(data: bytes | mmap.mmap, opts: ReadOptions, name: str = "cwa", cut: bool = False) -> list:
    """Decode the bytes of a .cwa file into Recordings (see the module docstring).

    Parameters
    ----------
    data : bytes or mmap
        The whole file.
    opts : ReadOptions
    name : str
        File name, for messages.
    cut : bool
        Whether the bytes are known to stop early (a cut compressed stream).
    """
    if len(data) < 1024 or data[:2] != b"MD":
        raise FormatError(f"{name}: not a .cwa file ({EXPECTS})")
    (length,) = struct.unpack_from("<H", data, 2)
    start = (length + 4 + BLOCK - 1) // BLOCK * BLOCK
    device_id, session = struct.unpack_from("<HI", data, 5)
    (upper,) = struct.unpack_from("<H", data, 11)
    if upper != 0xFFFF:
        device_id |= upper << 16
    n = (len(data) - start) // BLOCK
    if cut or (len(data) - start) % BLOCK:
        warnings.warn(f"{name}: the file ends inside a data block; returning the "
                      f"{n} whole blocks before the cut", TruncatedFileWarning, stacklevel=3)
    if n <= 0:
        raise FormatError(f"{name}: no data blocks after the header")
    body = memoryview(data)[start:start + n * BLOCK]
    blocks = np.frombuffer(body, BLOCK_DTYPE, n)
    words = np.frombuffer(body, "<u2").reshape(n, BLOCK // 2)
    sec, date_ok = unpack_time(blocks["timestamp"])
    valid = ((blocks["header"] == 0x5841) & (blocks["length"] == 508)
             & (words.sum(axis=1, dtype=np.uint16) == 0)  # 16-bit sums wrap: the checksum
             & date_ok & (blocks["rate"] != 0))
    if not valid.any():
        raise FormatError(f"{name}: no valid data block (bad headers or checksums)")
    first = int(np.flatnonzero(valid)[0])
    fmt = blocks["axes_bps"][first]
    valid &= (blocks["axes_bps"] == fmt) & (blocks["rate"] == blocks["rate"][first])
    issues = []
    if not valid.all():
        bad = int((~valid).sum())
        issues.append(make_issue("missing", int(sec[first]) * 1_000_000_000,
                             f"{bad} data block(s) with a bad header, checksum, date or format "
                             "skipped (left as gaps)"))
    sector = np.flatnonzero(valid)  # position of each kept block in the file
    b = {k: blocks[k][sector] for k in ("rate", "count", "fractional", "offset")}
    channels, bps = int(fmt) >> 4, int(fmt) & 0x0F
    if not ((bps == 0 and channels == 3) or (bps == 2 and channels in (3, 6, 9))):
        raise FormatError(f"{name}: unsupported sample packing 0x{int(fmt):02x}")
    per_block = 120 if bps == 0 else 480 // (2 * channels)
    freq = 3200.0 / (1 << (15 - (int(b["rate"][0]) & 0x0F)))
    count = np.minimum(b["count"].astype(np.int64), per_block)
    frac = np.where(b["fractional"] & 0x8000, (b["fractional"].astype(np.int64) & 0x7FFF) << 1, 0)
    anchor_ns = sec[valid] * 1_000_000_000 + (frac * 1_000_000_000 >> 16)
    if opts.naive_tz:
        anchor_ns = localize(anchor_ns, opts.naive_tz)[0]
    # index, counted over the whole file, of the sample each block timestamp belongs to
    anchor_idx = sector * per_block + b["offset"].astype(np.int64) + ((frac * int(freq)) >> 16)
    clock = AnchoredClock(anchor_idx, anchor_ns, freq)
    ends = np.cumsum(count)
    t = np.empty(int(ends[-1]), np.int64)
    acc = np.empty((len(t), 3), np.float32)
    grid = np.empty((CHUNK_BLOCKS, per_block, 3), np.float32)
    for c0 in range(0, len(sector), CHUNK_BLOCKS):  # small temporaries, reused
        c1 = min(c0 + CHUNK_BLOCKS, len(sector))
        i0, i1 = (int(ends[c0 - 1]) if c0 else 0), int(ends[c1 - 1])
        full = i1 - i0 == (c1 - c0) * per_block  # all but a last block, usually
        out = acc[i0:i1].reshape(c1 - c0, per_block, 3) if full else grid[: c1 - c0]
        _unpack(body, sector[c0:c1] * BLOCK, blocks["light"][sector[c0:c1]], channels, bps, out)
        times = clock.times(np.arange(c0, c1), sector[c0:c1] * per_block, per_block)
        if full:
            t[i0:i1] = times.ravel()
        else:
            keep = np.arange(per_block)[None, :] < count[c0:c1, None]
            acc[i0:i1] = out[keep]
            t[i0:i1] = times[keep]
    meta = {"format": NAME, "device_id": device_id, "session_id": session,
            "hardware": "AX6" if data[4] == 0x64 else "AX3"}
    return build_recordings(t, acc, name=name, fs=opts.fs or freq, meta=meta,
                            location=opts.location or "unknown",
                            device=f"Axivity {meta['hardware']} {device_id}",
                            max_reorder_s=opts.max_reorder_s, issues=issues)
