"""Polar simple file transfer (PSFTP, "PFTP"): the bytes of Polar's file-transfer service.

Pure functions: the GATT UUIDs, the RFC60 message layer (requests and queries), the
RFC76 air-packet framing, the error codes and the few protobuf messages hypnic uses
(directory listing, disk space, device time). The bleak-facing client is
:mod:`sensing.ble.polar_offline`; the emulated sensor speaks the same bytes.

Protocol summary (Polar BLE SDK, ``psftp/BlePsFtpUtils.kt``, ``BlePsFtpClient.kt`` and
the ``pftp_*.proto`` files; see ``firmware_notes/devices-polar.md``):

* Service ``0000FEEE-…`` (16-bit 0xFEEE); the ``MTU`` characteristic
  ``FB005C51-02E7-F387-1CAD-8ACD2D8DF0C8`` carries requests (host writes) and their
  responses (device notifies); ``D2H`` ``FB005C52-…`` device notifications; ``H2D``
  ``FB005C53-…`` host notifications.
* RFC60 message: a request is ``u16 LE header length`` + a ``PbPFtpOperation``
  protobuf (``command`` GET 0, PUT 1, MERGE 2, REMOVE 3; ``path``) + data; a query is
  ``u16 LE (query id | 0x8000)`` + protobuf parameters.
* RFC76 air packets: one header byte, then up to ``packet size - 1`` bytes of the
  message. Header bit 0: 0 first packet, 1 a later one; bits 1-2 status: 3 more
  packets follow, 1 last packet, 0 an error/response packet whose payload is a u16 LE
  error code (0: success without data); bits 4-7 a sequence number counting 0-15 and
  round again. ``00 00 00`` from the host cancels a transfer in progress.

Every malformed input raises :class:`~sensing.errors.FormatError`; an error code from
the device raises :class:`PftpError`.

The protobuf messages are few and flat, so they are encoded and decoded here by a
small wire-format codec (varints and length-delimited fields) rather than by a
protobuf runtime and generated classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sensing.errors import DeviceError, FormatError

SERVICE_UUID = "0000feee-0000-1000-8000-00805f9b34fb"
_SUFFIX = "-02e7-f387-1cad-8acd2d8df0c8"
MTU_UUID = "fb005c51" + _SUFFIX
D2H_UUID = "fb005c52" + _SUFFIX
H2D_UUID = "fb005c53" + _SUFFIX

GET, PUT, MERGE, REMOVE = 0, 1, 2, 3
#: Query ids (``PbPFtpQuery``).
SET_SYSTEM_TIME, SET_LOCAL_TIME, GET_LOCAL_TIME, GET_DISK_SPACE = 1, 3, 4, 5

STATUS_ERROR, STATUS_LAST, STATUS_MORE = 0, 1, 3
CANCEL = b"\x00\x00\x00"

#: ``PbPFtpError`` codes and names.
ERRORS = {0: "OPERATION_SUCCEEDED", 1: "REBOOTING", 2: "TRY_AGAIN",
          100: "UNIDENTIFIED_HOST_ERROR", 101: "INVALID_COMMAND", 102: "INVALID_PARAMETER",
          103: "NO_SUCH_FILE_OR_DIRECTORY", 104: "DIRECTORY_EXISTS", 105: "FILE_EXISTS",
          106: "OPERATION_NOT_PERMITTED", 107: "NO_SUCH_USER", 108: "TIMEOUT",
          200: "UNIDENTIFIED_DEVICE_ERROR", 201: "NOT_IMPLEMENTED", 202: "SYSTEM_BUSY",
          203: "INVALID_CONTENT", 204: "CHECKSUM_FAILURE", 205: "DISK_FULL",
          206: "PREREQUISITE_NOT_MET", 207: "INSUFFICIENT_BUFFER", 208: "WAIT_FOR_IDLING",
          209: "BATTERY_TOO_LOW"}
NO_SUCH_FILE, SYSTEM_BUSY, DISK_FULL = 103, 202, 205


class PftpError(DeviceError):
    """The sensor answered a file-transfer request with an error code.

    Attributes
    ----------
    code : int
        The ``PbPFtpError`` code (see :data:`ERRORS`).
    """

    def __init__(self, code: int, what: str = "file transfer"):
        self.code = code
        super().__init__(f"{what}: the sensor answered {ERRORS.get(code, 'error')} ({code})")


# -- RFC60 messages -------------------------------------------------------------------------

def request_message(command: int, path: str, data: bytes = b"") -> bytes:
    """An RFC60 request: header length, ``PbPFtpOperation`` header, data.

    Examples
    --------
    >>> request_message(GET, "/U/0/").hex(" ")
    '09 00 08 00 12 05 2f 55 2f 30 2f'
    """
    header = _field_varint(1, command) + _field_bytes(2, path.encode())
    return len(header).to_bytes(2, "little") + header + data


def query_message(query: int, params: bytes = b"") -> bytes:
    """An RFC60 query: ``u16 LE (id | 0x8000)`` then the protobuf parameters."""
    return (query | 0x8000).to_bytes(2, "little") + params


@dataclass(frozen=True)
class Message:
    """A decoded RFC60 message as the sensor receives it.

    Attributes
    ----------
    query : int or None
        Query id, or None for a request.
    command : int
        Request command (GET, PUT, MERGE, REMOVE; -1 for a query).
    path : str
        Request path ("" for a query).
    payload : bytes
        Query parameters or request data.
    """

    query: int | None
    command: int
    path: str
    payload: bytes


def parse_message(data: bytes) -> Message:
    """Decode a complete RFC60 message (the sensor's side).

    Raises
    ------
    FormatError
        If it is too short or its request header is not a ``PbPFtpOperation``.
    """
    data = bytes(data)
    if len(data) < 2:
        raise FormatError(f"PSFTP message too short ({len(data)} bytes)")
    word = int.from_bytes(data[:2], "little")
    if word & 0x8000:
        return Message(word & 0x7FFF, -1, "", data[2:])
    if 2 + word > len(data):
        raise FormatError(f"PSFTP request header of {word} bytes, only {len(data) - 2} sent")
    fields = _fields(data[2:2 + word])
    if 1 not in fields or 2 not in fields:
        raise FormatError(f"PSFTP request header lacks command or path: {data.hex(' ')}")
    return Message(None, _num(fields[1][0]), _text(fields[2][0]), data[2 + word:])


# -- RFC76 air packets ----------------------------------------------------------------------

def packets(message: bytes, size: int, status: int = STATUS_LAST) -> list[bytes]:
    """Split a message into RFC76 air packets of at most ``size`` bytes.

    Parameters
    ----------
    message : bytes
    size : int
        Largest packet, bytes (the ATT MTU minus 3).
    status : int
        ``STATUS_LAST`` for data; ``STATUS_ERROR`` for an error response (``message``
        is then the u16 LE code).

    Examples
    --------
    >>> [p.hex(" ") for p in packets(bytes(range(5)), 4)]
    ['06 00 01 02', '13 03 04']
    """
    if size < 2:
        raise FormatError(f"PSFTP packet size must be at least 2 bytes, got {size}")
    room = size - 1
    chunks = [message[i:i + room] for i in range(0, len(message), room)] or [b""]
    out = []
    for k, chunk in enumerate(chunks):
        st = status if k == len(chunks) - 1 else STATUS_MORE
        out.append(bytes([((k % 16) << 4) | (st << 1) | (k > 0)]) + chunk)
    return out


def error_packet(code: int) -> bytes:
    """The single air packet of an error (or empty success, code 0) response."""
    return packets(code.to_bytes(2, "little"), 3, STATUS_ERROR)[0]


class Assembler:
    """Reassembles one response from its air packets, checking order and sequence.

    Push packets as they arrive; :meth:`push` returns the complete message after the
    last one and raises :class:`PftpError` for an error response.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    @property
    def received(self) -> int:
        """Message bytes received so far."""
        return sum(map(len, self._parts))

    def push(self, packet: bytes) -> bytes | None:
        """Add one air packet; the message when it was the last, else None.

        Raises
        ------
        FormatError
            On an empty packet, a lost or repeated packet (sequence number) or a packet
            out of place.
        PftpError
            If the sensor answered with a non-zero error code.
        """
        packet = bytes(packet)
        if not packet:
            raise FormatError("empty PSFTP air packet")
        head, k = packet[0], len(self._parts)
        later, status, seq = head & 1, (head >> 1) & 3, head >> 4
        if later != (k > 0):
            raise FormatError(f"PSFTP air packet {k} {'starts' if k else 'continues'} a "
                              f"message: {packet[:8].hex(' ')}")
        if seq != k % 16:
            raise FormatError(f"PSFTP air packet lost: sequence {seq}, expected {k % 16}")
        if status == STATUS_ERROR:
            if len(packet) < 3:
                raise FormatError(f"PSFTP error packet too short: {packet.hex(' ')}")
            code = int.from_bytes(packet[1:3], "little")
            if code:
                raise PftpError(code)
            return b"".join(self._parts)
        if status not in (STATUS_LAST, STATUS_MORE):
            raise FormatError(f"PSFTP air packet with undefined status {status}")
        self._parts.append(packet[1:])
        return b"".join(self._parts) if status == STATUS_LAST else None


# -- protobuf messages ----------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One directory entry: ``name`` (a folder ends in "/") and ``size``, bytes."""

    name: str
    size: int


def encode_directory(entries: list[Entry]) -> bytes:
    """A ``PbPFtpDirectory`` (the sensor's answer to GET of a folder)."""
    return b"".join(_field_bytes(1, _field_bytes(1, e.name.encode()) + _field_varint(2, e.size))
                    for e in entries)


def decode_directory(data: bytes) -> list[Entry]:
    """Decode a ``PbPFtpDirectory`` into its entries (names and sizes).

    Raises
    ------
    FormatError
        If the bytes are not a directory listing.
    """
    out = []
    for raw in _fields(data).get(1, []):
        f = _fields(_as_bytes(raw))
        if 1 not in f or 2 not in f:
            raise FormatError("PSFTP directory entry lacks a name or a size")
        out.append(Entry(_text(f[1][0]), _num(f[2][0])))
    return out


@dataclass(frozen=True)
class DiskSpace:
    """``PbPFtpDiskSpaceResult``: ``fragment_size`` bytes, ``total`` and ``free`` fragments."""

    fragment_size: int
    total: int
    free: int

    @property
    def free_bytes(self) -> int:
        """Free memory, bytes."""
        return self.fragment_size * self.free


def encode_disk_space(space: DiskSpace) -> bytes:
    """A ``PbPFtpDiskSpaceResult``."""
    return (_field_varint(1, space.fragment_size) + _field_varint(2, space.total)
            + _field_varint(3, space.free))


def decode_disk_space(data: bytes) -> DiskSpace:
    """Decode a ``PbPFtpDiskSpaceResult``.

    Raises
    ------
    FormatError
        If a required field is missing.
    """
    f = _fields(data)
    if not all(k in f for k in (1, 2, 3)):
        raise FormatError(f"PSFTP disk space answer lacks a field: {bytes(data).hex(' ')}")
    return DiskSpace(_num(f[1][0]), _num(f[2][0]), _num(f[3][0]))


def encode_time(t: dt.datetime, tz_offset_min: int | None = None) -> bytes:
    """``PbPFtpSetSystemTimeParams`` (``tz_offset_min`` None: UTC, ``trusted``) or
    ``PbPFtpSetLocalTimeParams`` (the local time of ``t`` and its offset, minutes; also the
    answer to GET_LOCAL_TIME), millisecond resolution.

    Examples
    --------
    >>> t = dt.datetime(2026, 1, 5, 22, 30, 0, 250_000, tzinfo=dt.timezone.utc)
    >>> decode_time(encode_time(t, 0)) == t
    True
    """
    if t.tzinfo is None:
        raise FormatError("a device time must be timezone-aware")
    local = t.astimezone(dt.timezone(dt.timedelta(minutes=tz_offset_min or 0)))
    date = _field_varint(1, local.year) + _field_varint(2, local.month) + _field_varint(3, local.day)
    time = (_field_varint(1, local.hour) + _field_varint(2, local.minute)
            + _field_varint(3, local.second) + _field_varint(4, local.microsecond // 1000))
    third = (_field_varint(3, 1) if tz_offset_min is None
             else _field_varint(3, tz_offset_min % (1 << 64)))
    return _field_bytes(1, date) + _field_bytes(2, time) + third


def decode_time(data: bytes, utc: bool = False) -> dt.datetime:
    """Decode a device time: ``PbPFtpSetLocalTimeParams`` (default) or, with ``utc``,
    ``PbPFtpSetSystemTimeParams``; returns an aware datetime.

    Raises
    ------
    FormatError
        If the date or time is missing or impossible.
    """
    f = _fields(data)
    if 1 not in f or 2 not in f:
        raise FormatError(f"PSFTP time lacks a date or a time: {bytes(data).hex(' ')}")
    d, t = _fields(_as_bytes(f[1][0])), _fields(_as_bytes(f[2][0]))
    offset = 0
    if not utc and 3 in f:
        offset = _num(f[3][0])
        offset = offset - (1 << 64) if offset >= 1 << 63 else offset
    try:
        return dt.datetime(_num(d[1][0]), _num(d[2][0]), _num(d[3][0]), _num(t[1][0]), _num(t[2][0]),
                           _num(t[3][0]), _num(t.get(4, [0])[0]) * 1000,
                           tzinfo=dt.timezone(dt.timedelta(minutes=offset)))
    except (KeyError, ValueError, OverflowError) as exc:
        raise FormatError(f"PSFTP time is not a valid date and time ({exc})") from None


# -- protobuf wire format (the subset the messages above use) ------------------------------

def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _field_varint(num: int, v: int) -> bytes:
    return _varint(num << 3) + _varint(v)


def _field_bytes(num: int, b: bytes) -> bytes:
    return _varint((num << 3) | 2) + _varint(len(b)) + b


def _read_varint(data: bytes, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise FormatError(f"truncated or overlong protobuf varint at byte {i}")
        b = data[i]
        v |= (b & 0x7F) << shift
        i, shift = i + 1, shift + 7
        if not b & 0x80:
            return v, i


def _iter_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    i = 0
    while i < len(data):
        key, i = _read_varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _read_varint(data, i)
            yield num, v
        elif wire == 2:
            n, i = _read_varint(data, i)
            if i + n > len(data):
                raise FormatError(f"truncated protobuf field {num}: {n} bytes at {i}")
            yield num, data[i:i + n]
            i += n
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            if i + n > len(data):
                raise FormatError(f"truncated protobuf field {num}")
            yield num, int.from_bytes(data[i:i + n], "little")
            i += n
        else:
            raise FormatError(f"unsupported protobuf wire type {wire} (field {num})")


def _fields(data: bytes) -> dict[int, list[int | bytes]]:
    out: dict[int, list[int | bytes]] = {}
    for num, v in _iter_fields(bytes(data)):
        out.setdefault(num, []).append(v)
    return out


def _num(v: int | bytes) -> int:
    if isinstance(v, bytes):
        raise FormatError("protobuf field is a message or text where a number was expected")
    return v


def _as_bytes(v: int | bytes) -> bytes:
    if not isinstance(v, bytes):
        raise FormatError("protobuf field is a number where a message or text was expected")
    return v


def _text(v: int | bytes) -> str:
    try:
        return _as_bytes(v).decode()
    except UnicodeDecodeError as exc:
        raise FormatError(f"protobuf text is not UTF-8 ({exc})") from None
