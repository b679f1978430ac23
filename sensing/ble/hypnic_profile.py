"""The open hypnic GATT profile: data packets and control commands.

This module is the host-side implementation of ``firmware_notes/hypnic-gatt-profile.md``
(the specification; read it for the reasoning). The reference firmware in
``firmware_notes/xiao-nrf52840-sense/`` implements the device side, and the test suite
checks both against the example packets printed in the specification.

Data packet (one notification on :data:`DATA_UUID`, little-endian)::

    offset  size  field
    0       1     version        u8, 1
    1       1     range_g        u8, full scale in g: 2, 4, 8 or 16
    2       2     fs_hz          u16, nominal sampling rate in Hz
    4       4     counter        u32, index of the first sample since START (wraps at 2**32)
    8       6     timestamp_us   u48, device clock in microseconds at the first sample
    14      6*n   samples        n x (int16 x, int16 y, int16 z); g = raw * range_g / 32768

Control command (one write to :data:`CONTROL_UUID`): an opcode byte followed by its
little-endian parameters (see :data:`COMMANDS`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from sensing.errors import FormatError

SERVICE_UUID = "4879706e-0001-4e4a-a5c0-8d2f6b1e7a01"
"""The hypnic accelerometer service (128-bit, vendor-specific)."""
DATA_UUID = "4879706e-0002-4e4a-a5c0-8d2f6b1e7a01"
"""Data characteristic: NOTIFY, one data packet per notification."""
CONTROL_UUID = "4879706e-0003-4e4a-a5c0-8d2f6b1e7a01"
"""Control characteristic: WRITE (with response), one command per write."""
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
"""Bluetooth SIG Battery Service (0x180F)."""
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
"""Bluetooth SIG Battery Level characteristic (0x2A19): READ + NOTIFY, u8 percent."""

VERSION = 1
"""The packet layout version this module reads and writes."""
HEADER_SIZE = 14
"""Bytes before the first sample, in bytes."""
SAMPLE_SIZE = 6
"""Bytes per sample (three int16), in bytes."""
MAX_PACKET_SIZE = 512
"""Largest attribute value the ATT protocol allows, in bytes."""
MAX_SAMPLES = (MAX_PACKET_SIZE - HEADER_SIZE) // SAMPLE_SIZE
"""Most samples one packet can hold (83)."""
RANGES_G = (2, 4, 8, 16)
"""Allowed full-scale ranges, in g."""
COUNTER_MODULO = 1 << 32
"""The sample counter wraps to 0 after 2**32 - 1."""
TIMESTAMP_MODULO = 1 << 48
"""The device timestamp wraps to 0 after 2**48 - 1 microseconds (8.9 years)."""

_HEADER = struct.Struct("<BBHIIH")  # version, range_g, fs_hz, counter, ts low 32, ts high 16

#: Opcode and parameter layout of every control command: name -> (opcode, struct of
#: the parameters after the opcode, parameter names in order).
COMMANDS: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "start": (0x01, "", ()),
    "stop": (0x02, "", ()),
    "set_rate": (0x03, "<H", ("fs_hz",)),
    "set_range": (0x04, "<B", ("range_g",)),
}
_BY_OPCODE = {opcode: name for name, (opcode, _, _) in COMMANDS.items()}


@dataclass(frozen=True)
class HypnicPacket:
    """One decoded data packet.

    Attributes
    ----------
    version : int
        Packet layout version (1).
    counter : int
        Index of the first sample of this packet since the last START, modulo 2**32
        (the counter wraps to 0 after 2**32 - 1: after 478 days at 104 Hz).
    timestamp_us : int
        Device clock at the first sample, microseconds (a free-running device clock,
        not wall time; modulo 2**48).
    fs_hz : int
        Nominal sampling rate in force, Hz.
    range_g : int
        Full-scale range in force, g.
    samples_g : ndarray of float32, shape (n, 3)
        Acceleration x, y, z, in g.
    """

    version: int
    counter: int
    timestamp_us: int
    fs_hz: int
    range_g: int
    samples_g: np.ndarray

    @property
    def n_samples(self) -> int:
        """Number of samples in the packet."""
        return int(self.samples_g.shape[0])


def samples_per_packet(mtu: int) -> int:
    """How many samples fit in one notification.

    Parameters
    ----------
    mtu : int
        Negotiated ATT_MTU, bytes (at least 23, the Bluetooth LE default).

    Returns
    -------
    int
        ``floor((min(mtu - 3, 512) - 14) / 6)``: 1 at MTU 23, 38 at MTU 247, 82 at MTU
        512, 83 (the maximum) from MTU 515 on.
    """
    if mtu < 23:
        raise ValueError(f"ATT_MTU is at least 23 bytes, got {mtu}")
    return (min(mtu - 3, MAX_PACKET_SIZE) - HEADER_SIZE) // SAMPLE_SIZE


def _check_range(range_g: int) -> None:
    if range_g not in RANGES_G:
        raise FormatError(f"range_g must be one of {RANGES_G} g, got {range_g}")


def _check_rate(fs_hz: int) -> None:
    if not 1 <= fs_hz <= 0xFFFF:
        raise FormatError(f"fs_hz must be 1..65535 Hz, got {fs_hz}")


def pack_packet(counter: int, timestamp_us: int, samples: np.ndarray, fs_hz: int,
                range_g: int) -> bytes:
    """Build one data packet.

    Parameters
    ----------
    counter : int
        Index of the first sample since START; taken modulo 2**32.
    timestamp_us : int
        Device clock at the first sample, microseconds; taken modulo 2**48.
    samples : array_like of int, shape (n, 3)
        Raw sensor counts x, y, z (int16 range; g = raw * range_g / 32768);
        1 <= n <= 83.
    fs_hz : int
        Nominal sampling rate, Hz (1..65535).
    range_g : int
        Full-scale range, g (2, 4, 8 or 16).

    Returns
    -------
    bytes
        ``14 + 6 n`` bytes.
    """
    raw = np.asarray(samples)
    if raw.ndim != 2 or raw.shape[1] != 3 or not 1 <= raw.shape[0] <= MAX_SAMPLES:
        raise FormatError(f"samples must have shape (n, 3) with 1 <= n <= {MAX_SAMPLES}, "
                          f"got {raw.shape}")
    if not np.issubdtype(raw.dtype, np.integer):
        raise FormatError(f"samples must be integer sensor counts, got dtype {raw.dtype}")
    if raw.size and (raw.min() < -32768 or raw.max() > 32767):
        raise FormatError("samples must fit in int16 (-32768..32767)")
    _check_rate(fs_hz)
    _check_range(range_g)
    ts = timestamp_us % TIMESTAMP_MODULO
    header = _HEADER.pack(VERSION, range_g, fs_hz, counter % COUNTER_MODULO,
                          ts & 0xFFFFFFFF, ts >> 32)
    return header + raw.astype("<i2").tobytes()


def decode_packet(data: bytes | bytearray | memoryview) -> HypnicPacket:
    """Decode one data packet.

    Parameters
    ----------
    data : bytes-like
        The notification value.

    Returns
    -------
    HypnicPacket
        Samples in g (float32), with the header fields.

    Raises
    ------
    FormatError
        Unknown version, a packet shorter than one sample, a length that is not the
        header plus whole samples, longer than 512 bytes, or a range or rate outside
        the profile.
    """
    buf = bytes(data)
    if len(buf) < 1:
        raise FormatError("empty hypnic packet")
    if buf[0] != VERSION:
        raise FormatError(f"unsupported hypnic packet version {buf[0]} "
                          f"(this reader knows version {VERSION})")
    if len(buf) < HEADER_SIZE + SAMPLE_SIZE:
        raise FormatError(f"truncated hypnic packet: {len(buf)} bytes, at least "
                          f"{HEADER_SIZE + SAMPLE_SIZE} needed (header + one sample)")
    if len(buf) > MAX_PACKET_SIZE:
        raise FormatError(f"hypnic packet of {len(buf)} bytes is longer than the "
                          f"{MAX_PACKET_SIZE}-byte attribute maximum")
    if (len(buf) - HEADER_SIZE) % SAMPLE_SIZE:
        raise FormatError(f"hypnic packet length mismatch: {len(buf)} bytes is not "
                          f"{HEADER_SIZE} + a multiple of {SAMPLE_SIZE} (truncated to the MTU?)")
    version, range_g, fs_hz, counter, ts_lo, ts_hi = _HEADER.unpack_from(buf)
    _check_range(range_g)
    _check_rate(fs_hz)
    raw = np.frombuffer(buf, dtype="<i2", offset=HEADER_SIZE).reshape(-1, 3)
    samples_g = raw.astype(np.float32) * np.float32(range_g / 32768)
    return HypnicPacket(version=version, counter=counter, timestamp_us=ts_lo | ts_hi << 32,
                        fs_hz=fs_hz, range_g=range_g, samples_g=samples_g)


def lost_samples(prev: HypnicPacket, cur: HypnicPacket) -> int:
    """Samples missing between two consecutive packets of one stream.

    Parameters
    ----------
    prev, cur : HypnicPacket
        Two packets in the order they arrived.

    Returns
    -------
    int
        ``cur.counter - (prev.counter + prev.n_samples)`` modulo 2**32, mapped to
        -2**31 .. 2**31 - 1. 0: contiguous. Positive: that many samples were lost
        (whole packets dropped, or a packet truncated to the MTU). Negative: the counter
        went back (the device restarted the stream after a START, or a packet was
        repeated); start a new segment at ``cur``.
    """
    diff = (cur.counter - prev.counter - prev.n_samples) % COUNTER_MODULO
    return diff - COUNTER_MODULO if diff >= COUNTER_MODULO // 2 else diff


def encode_command(cmd: str, **params: int) -> bytes:
    """Build one control command.

    Parameters
    ----------
    cmd : str
        ``"start"``, ``"stop"``, ``"set_rate"`` (``fs_hz``, Hz, 1..65535) or
        ``"set_range"`` (``range_g``, g: 2, 4, 8 or 16).
    **params : int
        The command's parameters, by name.

    Returns
    -------
    bytes
        Opcode byte followed by the little-endian parameters.
    """
    if cmd not in COMMANDS:
        raise FormatError(f"unknown hypnic command {cmd!r}; known: {', '.join(COMMANDS)}")
    opcode, fmt, names = COMMANDS[cmd]
    if set(params) != set(names):
        raise FormatError(f"command {cmd!r} takes parameters {names}, got {tuple(params)}")
    values = [int(params[name]) for name in names]
    _check_params(cmd, dict(zip(names, values, strict=True)))
    return bytes([opcode]) + (struct.pack(fmt, *values) if fmt else b"")


def decode_command(data: bytes | bytearray | memoryview) -> tuple[str, dict[str, int]]:
    """Decode one control command.

    Parameters
    ----------
    data : bytes-like
        The value written to the control characteristic.

    Returns
    -------
    (str, dict)
        Command name and its parameters, e.g. ``("set_rate", {"fs_hz": 104})``.

    Raises
    ------
    FormatError
        Empty write, unknown opcode, wrong length or a parameter outside the profile.
    """
    buf = bytes(data)
    if not buf:
        raise FormatError("empty hypnic command")
    if buf[0] not in _BY_OPCODE:
        raise FormatError(f"unknown hypnic command opcode 0x{buf[0]:02x}")
    name = _BY_OPCODE[buf[0]]
    _, fmt, names = COMMANDS[name]
    size = struct.calcsize(fmt) if fmt else 0
    if len(buf) != 1 + size:
        raise FormatError(f"hypnic command {name!r} must be {1 + size} bytes, got {len(buf)}")
    params = dict(zip(names, struct.unpack(fmt, buf[1:]), strict=True)) if fmt else {}
    _check_params(name, params)
    return name, params


def _check_params(cmd: str, params: dict[str, int]) -> None:
    if cmd == "set_rate":
        _check_rate(params["fs_hz"])
    elif cmd == "set_range":
        _check_range(params["range_g"])
