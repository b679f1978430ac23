"""Polar Measurement Data (PMD): accelerometer streaming of Polar Verity Sense, OH1, H10.

Pure functions: GATT commands to query, start and stop the accelerometer, and
``bytes -> samples`` decoders for control-point responses and ACC data frames.

Protocol summary (Polar BLE SDK, ``pmd/`` package, and Polar's *Online measurement*
spec v1.0; see ``firmware_notes/devices-polar.md``):

* Service ``FB005C80-…``, control point ``FB005C81-…`` (read/write/indicate), data
  ``FB005C82-…`` (notify), all with suffix ``-02E7-F387-1CAD-8ACD2D8DF0C8``.
* Control point commands: ``01 <type>`` get settings, ``02 <type> <TLVs>`` start,
  ``03 <type>`` stop; ACC is type 2. Responses are ``F0 <op> <type> <status> <more>
  <params>``. Settings TLVs are ``[setting][count][count x value LE]``.
* Data frame: ``[type][uint64 LE device time of the LAST sample, ns since
  2000-01-01T00:00Z][frame type][payload]``. Frame type bit 7 marks delta
  compression. Raw payloads hold interleaved x, y, z signed little-endian integers in mg
  (type 0: 1 byte, 1: 2 bytes (H10), 2: 3 bytes). Compressed payloads hold a 16-bit
  reference sample then blocks ``[bit width][count][bits]`` of two's-complement deltas,
  LSB-first; compressed type 0 is in units of FACTOR g, type 1 (Verity Sense) in
  units of FACTOR mg (FACTOR comes in the start response, default 1).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from sensing.errors import FormatError

_SUFFIX = "-02e7-f387-1cad-8acd2d8df0c8"
SERVICE_UUID = "fb005c80" + _SUFFIX
CONTROL_UUID = "fb005c81" + _SUFFIX
DATA_UUID = "fb005c82" + _SUFFIX

#: Device time zero (2000-01-01T00:00Z) as ns since the Unix epoch.
POLAR_EPOCH_NS = 946_684_800_000_000_000

MEASUREMENT_ACC = 2
#: Recording-type bit of the measurement byte: the sensor records into its own memory
#: (offline recording) instead of streaming.
OFFLINE = 0x80
OP_GET_SETTINGS, OP_START, OP_STOP, OP_GET_STATUS = 1, 2, 3, 5
RESPONSE_CODE = 0xF0

#: Setting type -> (name, bytes per value).
SETTINGS = {0: ("sample_rate", 2), 1: ("resolution", 2), 2: ("range", 2),
            3: ("range_milliunit", 4), 4: ("channels", 1), 5: ("factor", 4), 6: ("security", 16)}
_SETTING_IDS = {name: (sid, size) for sid, (name, size) in SETTINGS.items()}

#: Control-point status codes (``PmdControlPointResponse.kt``).
STATUS = {0: "success", 1: "invalid op code", 2: "invalid measurement type", 3: "not supported",
          4: "invalid length", 5: "invalid parameter", 6: "already in state",
          7: "invalid resolution", 8: "invalid sample rate", 9: "invalid range",
          10: "invalid MTU", 11: "invalid number of channels", 12: "invalid state",
          13: "device in charger", 14: "disk full"}

_RAW_BYTES = {0: 1, 1: 2, 2: 3}


@dataclass(frozen=True)
class ControlResponse:
    """A decoded control-point response.

    Attributes
    ----------
    opcode, measurement, status : int
        Echoed command, measurement type, status code (0 = success, see :data:`STATUS`).
    more : bool
        Whether more response packets follow.
    params : bytes
        Command-specific payload (settings TLVs for get-settings and start).
    """

    opcode: int
    measurement: int
    status: int
    more: bool
    params: bytes

    @property
    def ok(self) -> bool:
        """True if the command succeeded."""
        return self.status == 0

    @property
    def message(self) -> str:
        """Human-readable status."""
        return STATUS.get(self.status, f"status {self.status}")


@dataclass(frozen=True)
class AccFrame:
    """A decoded ACC data frame.

    Attributes
    ----------
    timestamp_ns : int
        Device time of the LAST sample, ns since 2000-01-01T00:00Z.
    samples_g : ndarray of float32, shape (n, 3)
        Acceleration x, y, z in g.
    """

    timestamp_ns: int
    samples_g: np.ndarray


def encode_settings(settings: dict[str, float]) -> bytes:
    """Settings TLVs (one value each) for a start command or a settings response.

    Parameters
    ----------
    settings : dict
        Setting name (``sample_rate`` Hz, ``resolution`` bits, ``range`` +-g,
        ``channels``, ``factor``) to value.
    """
    out = bytearray()
    for name, value in settings.items():
        if name not in _SETTING_IDS:
            raise FormatError(f"unknown PMD setting {name!r}; known: {', '.join(_SETTING_IDS)}")
        sid, size = _SETTING_IDS[name]
        out += bytes([sid, 1])
        out += struct.pack("<f", value) if name == "factor" else int(value).to_bytes(size, "little")
    return bytes(out)


def parse_settings(data: bytes) -> dict[str, list[float]]:
    """Decode settings TLVs into setting name -> list of values (``factor`` as float)."""
    out: dict[str, list[float]] = {}
    i = 0
    while i < len(data):
        if i + 2 > len(data) or data[i] not in SETTINGS:
            raise FormatError(f"malformed PMD settings at byte {i}: {data.hex(' ')}")
        name, size = SETTINGS[data[i]]
        count, i = data[i + 1], i + 2
        if i + count * size > len(data):
            raise FormatError(f"truncated PMD setting {name!r}: need {count * size} bytes at {i}, "
                              f"have {len(data) - i}")
        raw = [data[i + k * size:i + (k + 1) * size] for k in range(count)]
        out[name] = ([struct.unpack("<f", r)[0] for r in raw] if name == "factor"
                     else [int.from_bytes(r, "little") for r in raw])
        i += count * size
    return out


def query_settings_command(measurement: int = MEASUREMENT_ACC) -> bytes:
    """Control-point command asking which settings the device supports."""
    return bytes([OP_GET_SETTINGS, measurement])


def start_command(sample_rate_hz: int, resolution_bits: int = 16, range_g: int = 8,
                  channels: int = 3, measurement: int = MEASUREMENT_ACC) -> bytes:
    """Control-point command starting ACC streaming (or, with ``measurement`` ``MEASUREMENT_ACC
    | OFFLINE``, an offline recording into the sensor's memory).

    Every setting is sent (the H10 rejects a start that omits one); ``channels`` is
    one byte (a 2-byte value is rejected by the Verity Sense).

    Examples
    --------
    >>> start_command(52).hex(" ")
    '02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03'
    >>> start_command(52, measurement=MEASUREMENT_ACC | OFFLINE).hex(" ")[:5]
    '02 82'
    """
    return bytes([OP_START, measurement]) + encode_settings(
        {"sample_rate": sample_rate_hz, "resolution": resolution_bits, "range": range_g,
         "channels": channels})


def stop_command(measurement: int = MEASUREMENT_ACC) -> bytes:
    """Control-point command stopping a measurement."""
    return bytes([OP_STOP, measurement])


def status_command() -> bytes:
    """Control-point command asking which measurements run (streamed and/or recorded)."""
    return bytes([OP_GET_STATUS])


#: Measurement status (top two bits of each status byte).
ACTIVE = {0: "idle", 1: "streaming", 2: "recording", 3: "streaming and recording"}


def parse_status(params: bytes) -> dict[int, str]:
    """Decode the parameters of a measurement-status response: one byte per measurement
    type, its low 6 bits the type, its top 2 bits :data:`ACTIVE`.

    Examples
    --------
    >>> parse_status(bytes([0x82, 0x00]))
    {2: 'recording', 0: 'idle'}
    """
    return {b & 0x3F: ACTIVE[b >> 6] for b in bytes(params)}


def encode_status(active: dict[int, int]) -> bytes:
    """Measurement-status parameters (type -> :data:`ACTIVE` code; used by the emulator)."""
    return bytes((code << 6) | meas for meas, code in active.items())


def parse_control_response(data: bytes) -> ControlResponse:
    """Decode a control-point response ``F0 <op> <type> <status> <more> <params>``.

    Raises
    ------
    FormatError
        If ``data`` is not a response.
    """
    data = bytes(data)
    if len(data) < 4 or data[0] != RESPONSE_CODE:
        raise FormatError(f"not a PMD control-point response: {data.hex(' ') or 'empty'}")
    more = len(data) > 4 and data[4] != 0
    return ControlResponse(data[1], data[2], data[3], more, data[5:])


def encode_control_response(opcode: int, status: int = 0, params: bytes = b"",
                            measurement: int = MEASUREMENT_ACC) -> bytes:
    """A control-point response as a device sends it (used by the emulator)."""
    return bytes([RESPONSE_CODE, opcode, measurement, status, 0]) + params


def _signed(values: np.ndarray, bits: int) -> np.ndarray:
    return np.where(values >= 1 << (bits - 1), values - (1 << bits), values)


def _delta_decode(payload: bytes, channels: int = 3, resolution: int = 16) -> np.ndarray:
    rb = (resolution + 7) // 8
    if len(payload) < channels * rb:
        raise FormatError(f"compressed PMD frame too short for its reference sample: "
                          f"{len(payload)} bytes")
    ref = np.frombuffer(payload[:channels * rb], np.uint8).reshape(channels, rb)
    ref = _signed(ref.astype(np.int64) @ (256 ** np.arange(rb, dtype=np.int64)), rb * 8)
    parts = [ref[None, :]]
    off = channels * rb
    while off < len(payload):
        if off + 2 > len(payload):
            raise FormatError(f"compressed PMD frame: truncated block header at byte {off}")
        width, count = payload[off], payload[off + 1]
        nbits = width * count * channels
        nbytes = (nbits + 7) // 8
        off += 2
        if width == 0 or width > 32 or off + nbytes > len(payload):
            raise FormatError(f"compressed PMD frame: bad block (width {width}, count {count}, "
                              f"{len(payload) - off} bytes left, {nbytes} needed)")
        bits = np.unpackbits(np.frombuffer(payload[off:off + nbytes], np.uint8),
                             bitorder="little")[:nbits].reshape(count * channels, width)
        deltas = _signed(bits.astype(np.int64) @ (1 << np.arange(width, dtype=np.int64)), width)
        parts.append(deltas.reshape(count, channels))
        off += nbytes
    return np.cumsum(np.concatenate(parts), axis=0)


def decode_acc_frame(data: bytes, factor: float = 1.0) -> AccFrame:
    """Decode one PMD ACC data notification.

    Parameters
    ----------
    data : bytes
        The notification value.
    factor : float
        FACTOR returned in the start response (1 if none was returned).

    Returns
    -------
    AccFrame
        Device timestamp of the last sample (ns since 2000-01-01) and samples in g.

    Raises
    ------
    FormatError
        If the frame is not ACC, is truncated, or has an unsupported frame type.
    """
    data = bytes(data)
    if len(data) < 10:
        raise FormatError(f"PMD frame too short ({len(data)} bytes, need at least 10)")
    if data[0] & 0x3F != MEASUREMENT_ACC:
        raise FormatError(f"PMD frame is measurement type {data[0] & 0x3F}, not ACC (2)")
    ts = int.from_bytes(data[1:9], "little")
    compressed, ftype = bool(data[9] & 0x80), data[9] & 0x7F
    payload = data[10:]
    if compressed:
        if ftype not in (0, 1):
            raise FormatError(f"unsupported compressed PMD ACC frame type {ftype}")
        counts = _delta_decode(payload)
        scale_mg = factor * 1000.0 if ftype == 0 else factor
    else:
        if ftype not in _RAW_BYTES:
            raise FormatError(f"unsupported raw PMD ACC frame type {ftype}")
        nb = _RAW_BYTES[ftype]
        if len(payload) % (3 * nb) or not payload:
            raise FormatError(f"raw PMD ACC frame type {ftype}: payload of {len(payload)} bytes "
                              f"is not a whole number of {3 * nb}-byte samples")
        raw = np.frombuffer(payload, np.uint8).reshape(-1, 3, nb).astype(np.int64)
        counts = _signed(raw @ (256 ** np.arange(nb, dtype=np.int64)), nb * 8)
        scale_mg = 1.0
    return AccFrame(ts, (counts * (scale_mg / 1000.0)).astype(np.float32))


def _delta_block(deltas: np.ndarray) -> bytes:
    """One compressed block holding ``deltas`` (count, channels), at the smallest width."""
    width = max(int(np.max(np.abs(deltas), initial=0)).bit_length() + 1, 2)
    bits = (deltas.reshape(-1, 1) >> np.arange(width)) & 1
    return bytes([width, len(deltas)]) + np.packbits(bits.astype(np.uint8).ravel(),
                                                     bitorder="little").tobytes()


def encode_acc_frame(timestamp_ns: int, samples_mg: np.ndarray, compressed: bool = True) -> bytes:
    """Encode an ACC frame as a Polar device sends it (used by the emulator and tests).

    Parameters
    ----------
    timestamp_ns : int
        Device time of the last sample, ns since 2000-01-01.
    samples_mg : ndarray of int, shape (n, 3)
        Acceleration in mg (clipped to int16).
    compressed : bool
        Delta-compressed type 0x81 with FACTOR 1 (Verity Sense) if True, else raw
        int16 type 0x01 (H10).
    """
    s = np.clip(np.asarray(samples_mg, np.int64), -32768, 32767)
    head = bytes([MEASUREMENT_ACC]) + int(timestamp_ns).to_bytes(8, "little")
    if not compressed:
        return head + b"\x01" + s.astype("<i2").tobytes()
    body = s[0].astype("<i2").tobytes()
    deltas = np.diff(s, axis=0)
    for i in range(0, len(deltas), 255):
        body += _delta_block(deltas[i:i + 255])
    return head + b"\x81" + body
