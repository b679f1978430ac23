"""Polar offline recordings: the ``.REC`` file format, its samples in time, memory.

Pure functions. A Polar sensor that records offline (Verity Sense: accelerometer at
13, 26 or 52 Hz, 16 bit, +-2/4/8/16 g) writes its samples into files on its own
memory, ``/U/0/<YYYYMMDD>/R/<HHMMSS>/ACC.REC`` or, split into parts,
``ACC0.REC``, ``ACC1.REC``, ... (date and time of the start). Each file (Polar BLE
SDK, ``offlinerecording/OfflineRecordingData.kt``) is, without encryption:

======  ==========================================================================
bytes   content
======  ==========================================================================
1       security strategy (0: none; hypnic reads only unencrypted files)
16      header: magic ``0x3D7C4C2B``, version, free, firmware hash (u32 LE each)
20      start time, UTC, ``YYYY-MM-DD HH:MM:SS`` and a NUL
1 + n   length n of the settings, then PMD settings TLVs (rate, resolution, range,
        channels, maybe FACTOR), as in :mod:`sensing.ble.pmd`
1       length of the security info (0)
...     packets: ``u16 LE size`` then one PMD data frame of that size
        (:func:`sensing.ble.pmd.decode_acc_frame`), repeated
======  ==========================================================================

Each frame carries the device time of its LAST sample (ns since 2000-01-01); the
samples of a frame are spread evenly back to the previous frame's time, as the SDK
does (:func:`place`). :func:`to_utc` turns device times into UTC with the sensor's
clock offset measured at start and at download.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass

import numpy as np

from sensing.ble import pmd
from sensing.errors import FormatError

MAGIC = 0x3D7C4C2B
ROOT = "/U/0/"
#: ``/U/0/<date>/R/<time>/<type><part>.REC``
PATH = re.compile(r"^/U/0/(\d{8})/R/(\d{6})/([A-Z]+?)(\d*)\.REC$")

#: Accelerometer memory use of a Polar sensor recording a sleeper, bytes per hour at
#: 50 Hz (Polar BLE SDK, ``SdkOfflineRecordingExplained.md``: 464 kB for one hour of
#: low activity, 50 Hz, 16 bit, +-8 g; walking 672 kB, cycling 968 kB).
BYTES_PER_HOUR_50HZ = 464_000
#: Free memory below which a start is refused (Verity Sense "memory limit 1"), bytes.
START_MIN_FREE = 2_000_000
#: Free memory below which the sensor stops an offline recording (Verity Sense
#: "memory limit 2"), bytes.
STOP_FREE = 300_000


@dataclass(frozen=True)
class RecFile:
    """One decoded ``.REC`` file.

    Attributes
    ----------
    start : datetime
        Start time written by the sensor (its clock, UTC, whole seconds).
    settings : dict
        PMD settings (``sample_rate`` Hz, ``resolution``, ``range`` g, ``channels``,
        ``factor``), each a list of values.
    frames : list of pmd.AccFrame
        The data frames in file order (device time of the last sample, samples in g).
    """

    start: dt.datetime
    settings: dict[str, list[float]]
    frames: list[pmd.AccFrame]

    @property
    def fs(self) -> float:
        """Sampling rate, Hz."""
        return float(self.settings["sample_rate"][0])


def encode_rec(start: dt.datetime, frames: list[bytes], sample_rate_hz: int,
               range_g: int = 8) -> bytes:
    """An unencrypted ACC ``.REC`` file as a sensor writes it (emulator and tests).

    Parameters
    ----------
    start : datetime
        Start time (aware), written as UTC seconds.
    frames : list of bytes
        PMD ACC data frames (:func:`sensing.ble.pmd.encode_acc_frame`).
    sample_rate_hz, range_g : int
        Settings written in the file.
    """
    settings = pmd.encode_settings({"sample_rate": sample_rate_hz, "resolution": 16,
                                    "range": range_g, "channels": 3})
    stamp = start.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S").encode() + b"\0"
    out = bytearray(b"\0" + struct.pack("<4I", MAGIC, 1, 0, 0) + stamp)
    out += bytes([len(settings)]) + settings + b"\0"
    for frame in frames:
        out += len(frame).to_bytes(2, "little") + frame
    return bytes(out)


def decode_rec(data: bytes) -> RecFile:
    """Decode an unencrypted ACC ``.REC`` file.

    Raises
    ------
    FormatError
        If the file is encrypted, truncated, has another signature, lacks a sample
        rate, or holds a frame that is not ACC.
    """
    data = bytes(data)
    if len(data) < 1 + 16 + 20 + 2:
        raise FormatError(f"Polar offline file too short ({len(data)} bytes)")
    if data[0] != 0:
        raise FormatError(f"Polar offline file is encrypted (security strategy {data[0]}); "
                          "hypnic records without encryption")
    magic = struct.unpack_from("<I", data, 1)[0]
    if magic != MAGIC:
        raise FormatError(f"not a Polar offline file (signature {magic:#010x})")
    try:
        start = dt.datetime.strptime(data[17:36].decode("ascii"), "%Y-%m-%d %H:%M:%S")
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError(f"Polar offline file: unreadable start time ({exc})") from None
    i = 37
    n = data[i]
    settings = pmd.parse_settings(data[i + 1:i + 1 + n])
    i += 1 + n
    if i >= len(data) or "sample_rate" not in settings:
        raise FormatError("Polar offline file: settings truncated or without a sample rate")
    if data[i] != 0:
        raise FormatError("Polar offline file carries security info: encrypted files are "
                          "not supported")
    i += 1
    factor = settings.get("factor", [1.0])[0]
    frames = []
    while i < len(data):
        if i + 2 > len(data):
            raise FormatError(f"Polar offline file: truncated packet size at byte {i}")
        size = int.from_bytes(data[i:i + 2], "little")
        if size == 0 or i + 2 + size > len(data):
            raise FormatError(f"Polar offline file: packet of {size} bytes at byte {i} runs "
                              f"past the end ({len(data)} bytes)")
        frames.append(pmd.decode_acc_frame(data[i + 2:i + 2 + size], factor))
        i += 2 + size
    return RecFile(start.replace(tzinfo=dt.timezone.utc), settings, frames)


def decode_parts(parts: list[bytes]) -> RecFile:
    """Join the decoded files of one recording (parts in order) into one.

    Raises
    ------
    FormatError
        If there are no parts or their settings differ.
    """
    files = [decode_rec(p) for p in parts]
    if not files:
        raise FormatError("an offline recording without files")
    if any(f.settings != files[0].settings for f in files):
        raise FormatError("the parts of an offline recording have different settings")
    return RecFile(files[0].start, files[0].settings,
                             [fr for f in files for fr in f.frames])


def place(frames: list[pmd.AccFrame], fs: float,
          gap_factor: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Device time of every sample of consecutive frames.

    A frame's samples are spread evenly between the previous frame's time and its own
    (its last sample); the first frame's, and those of a frame after a gap (a step
    longer than ``gap_factor`` sample periods per sample), are spaced ``1 / fs``.

    Parameters
    ----------
    frames : list of pmd.AccFrame
    fs : float
        Nominal rate, Hz.
    gap_factor : float

    Returns
    -------
    time_ns : ndarray of int64
        Device time of each sample, ns since 2000-01-01.
    acc : ndarray of float32, shape (n, 3)
        The samples, g.

    Raises
    ------
    FormatError
        If a frame's time does not come after the previous one's.
    """
    times, prev = [], None
    period = 1e9 / fs
    for f in frames:
        n = len(f.samples_g)
        if prev is not None and f.timestamp_ns <= prev:
            raise FormatError(f"Polar offline frame times go back ({f.timestamp_ns} after {prev})")
        if prev is None or f.timestamp_ns - prev > gap_factor * period * n:
            step = period
        else:
            step = (f.timestamp_ns - prev) / n
        times.append(f.timestamp_ns - np.round(step * np.arange(n - 1, -1, -1)).astype(np.int64))
        prev = f.timestamp_ns
    if not times:
        return np.zeros(0, np.int64), np.zeros((0, 3), np.float32)
    return (np.concatenate(times).astype(np.int64),
            np.concatenate([f.samples_g for f in frames]).astype(np.float32))


def to_utc(device_ns: np.ndarray, anchors: list[tuple[int, int]]) -> np.ndarray:
    """UTC of device times, from the sensor's clock offset measured at known moments.

    Parameters
    ----------
    device_ns : ndarray of int64
        Device times, ns since 2000-01-01.
    anchors : list of (int, int)
        ``(device time, device time - host UTC)`` pairs, ns (e.g. at start and at
        download); the offset is interpolated linearly in device time (and extended
        beyond the anchors), so a steady clock drift is removed. One anchor: a constant
        offset.

    Returns
    -------
    ndarray of int64
        UTC, ns since the Unix epoch.
    """
    if not anchors:
        raise FormatError("no clock offset measured: the sensor's time cannot be placed")
    d = np.asarray(device_ns, np.int64)
    (d0, o0), (d1, o1) = anchors[0], anchors[-1]
    slope = 0.0 if d1 == d0 else (o1 - o0) / (d1 - d0)
    offset = o0 + (d - d0) * slope
    return d + pmd.POLAR_EPOCH_NS - np.round(offset).astype(np.int64)


def hours_that_fit(free_bytes: int, fs: float) -> float:
    """Hours of accelerometer recording that fit in ``free_bytes`` of a Polar sensor's
    memory while sleeping (:data:`BYTES_PER_HOUR_50HZ`, scaled by rate), h."""
    return max(free_bytes - STOP_FREE, 0) / (BYTES_PER_HOUR_50HZ * fs / 50.0)


def rec_path(start: dt.datetime, part: int | None = None) -> str:
    """Path of an ACC recording started at ``start`` (UTC), part ``part`` (None: unsplit).

    Examples
    --------
    >>> rec_path(dt.datetime(2026, 1, 5, 22, 30, tzinfo=dt.timezone.utc), 0)
    '/U/0/20260105/R/223000/ACC0.REC'
    """
    u = start.astimezone(dt.timezone.utc)
    return f"{ROOT}{u:%Y%m%d}/R/{u:%H%M%S}/ACC{'' if part is None else part}.REC"
