# SPDX-License-Identifier: MIT
"""Device side of the open hypnic GATT profile, in plain Python.

This file runs unchanged on the board (CircuitPython) and under CPython, where the
hypnic test suite imports it and checks its bytes against the host decoder
(``sensing.ble.hypnic_profile``) and against the example packets of
``firmware_notes/hypnic-gatt-profile.md``. It uses only ``struct``: no numpy, no
typing, nothing CircuitPython lacks.

Everything that touches hardware lives in ``code.py``; everything here is pure
arithmetic on integers and bytes.
"""

import struct

SERVICE_UUID = "4879706e-0001-4e4a-a5c0-8d2f6b1e7a01"
DATA_UUID = "4879706e-0002-4e4a-a5c0-8d2f6b1e7a01"
CONTROL_UUID = "4879706e-0003-4e4a-a5c0-8d2f6b1e7a01"

VERSION = 1
HEADER_SIZE = 14
SAMPLE_SIZE = 6
MAX_PACKET_SIZE = 512

# Control opcodes (one byte, then little-endian parameters).
OP_START = 0x01
OP_STOP = 0x02
OP_SET_RATE = 0x03  # + u16 fs_hz
OP_SET_RANGE = 0x04  # + u8 range_g

# LSM6DS3TR-C settings (datasheet DocID030071 Rev 3, Table 51 and 52; FIFO Table 41).
# Rate in Hz -> ODR_XL[3:0] code, which is also the ODR_FIFO[3:0] code for that rate.
ODR_CODES = {26: 0b0010, 52: 0b0011, 104: 0b0100, 208: 0b0101, 416: 0b0110}
# Range in g -> FS_XL[1:0] bits (00: 2 g, 01: 16 g, 10: 4 g, 11: 8 g).
FS_BITS = {2: 0b00, 4: 0b10, 8: 0b11, 16: 0b01}

_HEADER = "<BBHIIH"  # version, range_g, fs_hz, counter, timestamp low 32 bits, high 16 bits


def pack_packet(counter, timestamp_us, raw, fs_hz, range_g):
    """One data packet: the 14-byte header followed by ``raw``.

    ``raw`` holds n samples as the IMU FIFO delivers them: int16 little-endian
    x, y, z, 6 bytes per sample. ``counter`` (index of the first sample since START)
    wraps at 2**32 and ``timestamp_us`` (device clock at the first sample) at 2**48.
    """
    if len(raw) % SAMPLE_SIZE or not raw:
        raise ValueError("raw must hold whole samples of 6 bytes")
    if HEADER_SIZE + len(raw) > MAX_PACKET_SIZE:
        raise ValueError("packet longer than 512 bytes")
    ts = timestamp_us % (1 << 48)
    header = struct.pack(_HEADER, VERSION, range_g, fs_hz, counter % (1 << 32),
                         ts & 0xFFFFFFFF, ts >> 32)
    return header + bytes(raw)


def samples_per_packet(max_payload):
    """Samples per notification for a notification payload of ``max_payload`` bytes.

    ``max_payload`` is ATT_MTU - 3 (CircuitPython: ``PacketBuffer.outgoing_packet_length``).
    """
    return (min(max_payload, MAX_PACKET_SIZE) - HEADER_SIZE) // SAMPLE_SIZE


def parse_command(data):
    """Decode one control write into ``(opcode, value)``; ``value`` is None for start/stop.

    Raises ValueError for an unknown opcode or a wrong length; the firmware ignores
    such writes.
    """
    if not data:
        raise ValueError("empty command")
    op = data[0]
    if op in (OP_START, OP_STOP) and len(data) == 1:
        return op, None
    if op == OP_SET_RATE and len(data) == 3:
        return op, struct.unpack("<H", bytes(data[1:]))[0]
    if op == OP_SET_RANGE and len(data) == 2:
        return op, data[1]
    raise ValueError("unknown command or wrong length")


def choose_rate(fs_hz):
    """The slowest supported rate at or above ``fs_hz`` (the fastest if none is), Hz."""
    rates = sorted(ODR_CODES)
    for rate in rates:
        if rate >= fs_hz:
            return rate
    return rates[-1]


def choose_range(range_g):
    """The smallest supported range at or above ``range_g`` (16 g if none is), g."""
    for rng in sorted(FS_BITS):
        if rng >= range_g:
            return rng
    return 16


def ctrl1_xl(fs_hz, range_g):
    """CTRL1_XL (10h) value: ODR_XL[3:0] in bits 7-4, FS_XL[1:0] in bits 3-2."""
    return ODR_CODES[fs_hz] << 4 | FS_BITS[range_g] << 2


def fifo_ctrl5(fs_hz):
    """FIFO_CTRL5 (0Ah) value: ODR_FIFO[3:0] in bits 6-3, FIFO_MODE 110 (continuous)."""
    return ODR_CODES[fs_hz] << 3 | 0b110


def fifo_words(status1, status2):
    """Unread 16-bit words and the overrun flag from FIFO_STATUS1 (3Ah) and FIFO_STATUS2 (3Bh)."""
    return status1 | (status2 & 0b111) << 8, bool(status2 & 0x40)


def packet_from_fifo(raw, counter, t_last_us, fs_hz, range_g):
    """One packet from samples read from the FIFO, and the counter of the next sample.

    ``raw`` holds n samples (6 n bytes, oldest first), the newest of which was taken
    at device time ``t_last_us``, so the first is dated ``t_last_us - (n - 1) * 1e6 / fs_hz``.
    ``counter`` is the index of the first sample of ``raw`` since START.
    """
    n = len(raw) // SAMPLE_SIZE
    first_us = t_last_us - (n - 1) * 1000000 // fs_hz
    return pack_packet(counter, first_us, raw, fs_hz, range_g), (counter + n) % (1 << 32)


def counter_at(t_us, t_start_us, fs_hz):
    """Sample periods elapsed between START and ``t_us`` (used to skip a FIFO overrun)."""
    return ((t_us - t_start_us) * fs_hz // 1000000) % (1 << 32)


def battery_percent(volts):
    """Coarse battery level for the Battery Level characteristic, percent (0-100).

    Linear between 3.3 V (empty) and 4.2 V (full): an indicator, not a fuel gauge.
    """
    pct = int((volts - 3.3) / (4.2 - 3.3) * 100 + 0.5)
    return max(0, min(100, pct))
