"""The memory of an emulated Polar sensor: offline recordings and file transfer.

An accelerometer offline recording keeps the sensor's samples whatever the link does;
when it stops (or the memory fills) it becomes ``.REC`` files
(:func:`sensing.ble.polar_rec.encode_rec`) under ``/U/0/<date>/R/<time>/``, split
into parts of at most ``part_bytes``. :meth:`PolarMemory.answer` answers one PSFTP
message (:mod:`sensing.ble.psftp`) as the sensor does: folder listings, files,
removal, the clock and the free memory; ``SYSTEM_BUSY`` while the sensor is busy
(in its own exercise-recording mode).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sensing.ble import pmd, polar_rec, psftp

if TYPE_CHECKING:
    from sensing.recording import Recording

#: Samples per PMD frame in a ``.REC`` file (~230-byte frames, like the SDK's example).
FRAME_SAMPLES = 36
#: Allocation unit of the emulated memory, bytes.
FRAGMENT = 4096


class Clock(Protocol):
    """The sensor's device clock (:class:`sensing.emulator.sensor.EmulatedSensor`)."""

    tz_min: int

    def device_ns(self, utc_ns: int) -> int: ...

    def set_device(self, device_ns: int) -> None: ...


class PolarMemory:
    """Files and offline recording of one emulated Polar sensor.

    Parameters
    ----------
    recording : Recording
        What the sensor measures.
    clock : Clock
    memory_bytes : int
        Size of the memory, bytes.
    part_bytes : int
        Largest ``.REC`` file; longer recordings are split into parts, bytes.

    Attributes
    ----------
    recorded : ndarray of bool
        Per recording sample: kept in an offline recording.
    busy : bool
        File transfer is refused with ``SYSTEM_BUSY`` (exercise-recording mode).
    full : bool
        The memory is full: a start is refused, a running recording is stopped.
    """

    def __init__(self, recording: Recording, clock: Clock, memory_bytes: int = 16_000_000,
                 part_bytes: int = 256_000):
        self.recording, self.clock = recording, clock
        self.memory_bytes, self.part_bytes = memory_bytes, part_bytes
        self.files: dict[str, bytes] = {}
        self.recorded = np.zeros(len(recording), bool)
        self.busy = self.full = False
        self.range_g = 8
        self._from: int | None = None   # first sample of the running recording
        self._start_device_ns = 0

    @property
    def recording_on(self) -> bool:
        """Whether an offline recording runs."""
        return self._from is not None

    def start(self, index: int, utc_ns: int, range_g: int) -> int:
        """Start recording at sample ``index``; returns the PMD status (0, 6 already
        recording, 14 disk full)."""
        if self._from is not None:
            return 6
        if self.full or self.free_bytes() < polar_rec.START_MIN_FREE:
            return 14
        self._from, self.range_g = index, range_g
        self._start_device_ns = self.clock.device_ns(utc_ns)
        return 0

    def stop(self, index: int) -> None:
        """Stop the running recording before sample ``index`` and write its files."""
        if self._from is None:
            return
        i0, self._from = self._from, None
        if index <= i0:
            return
        self.recorded[i0:index] = True
        rec = self.recording
        mg = np.clip(np.rint(rec.acc[i0:index] * 1000.0), -1000 * self.range_g, 1000 * self.range_g)
        n = index - i0
        last = np.minimum(np.arange(FRAME_SAMPLES, n + FRAME_SAMPLES, FRAME_SAMPLES), n) - 1 + i0
        frames = [pmd.encode_acc_frame(self.clock.device_ns(int(rec.time_ns[j])),
                                       mg[k:k + FRAME_SAMPLES])
                  for k, j in zip(range(0, n, FRAME_SAMPLES), last, strict=True)]
        start = dt.datetime.fromtimestamp((self._start_device_ns + pmd.POLAR_EPOCH_NS) // 10**9,
                                          dt.timezone.utc)
        parts: list[list[bytes]] = [[]]
        size = 0
        for f in frames:
            if parts[-1] and size + len(f) + 2 > self.part_bytes:
                parts.append([])
                size = 0
            parts[-1].append(f)
            size += len(f) + 2
        fs = int(round(rec.fs))
        for k, part in enumerate(parts):
            path = polar_rec.rec_path(start, k if len(parts) > 1 else None)
            self.files[path] = polar_rec.encode_rec(start, part, fs, self.range_g)

    def used_bytes(self, running_samples: int = 0) -> int:
        """Memory in use: files, plus ~2 bytes per sample of a running recording."""
        return sum(map(len, self.files.values())) + 2 * running_samples

    def free_bytes(self, running_samples: int = 0) -> int:
        """Free memory, bytes (next to nothing when :attr:`full`)."""
        if self.full:
            return polar_rec.STOP_FREE // 2
        return max(self.memory_bytes - self.used_bytes(running_samples), 0)

    def running_samples(self, index: int) -> int:
        """Samples recorded so far by the running recording (0 if none)."""
        return 0 if self._from is None else max(index - self._from, 0)

    def answer(self, message: psftp.Message, index: int, utc_ns: int) -> bytes | None:
        """The sensor's answer to a PSFTP message (None: success without data).

        Raises
        ------
        psftp.PftpError
            With the error code the sensor answers.
        """
        if message.query is not None:
            return self._query(message, index, utc_ns)
        if self.busy:
            raise psftp.PftpError(psftp.SYSTEM_BUSY)
        path = message.path
        if message.command == psftp.GET:
            if path.endswith("/"):
                return psftp.encode_directory(self._listing(path))
            if path not in self.files:
                raise psftp.PftpError(psftp.NO_SUCH_FILE)
            return self.files[path]
        if message.command == psftp.REMOVE:
            if path in self.files:
                del self.files[path]
            elif path.endswith("/") and self._listing(path):
                raise psftp.PftpError(106)  # OPERATION_NOT_PERMITTED: the folder is not empty
            elif not path.endswith("/"):
                raise psftp.PftpError(psftp.NO_SUCH_FILE)
            return None
        raise psftp.PftpError(201)

    def _query(self, message: psftp.Message, index: int, utc_ns: int) -> bytes | None:
        if message.query == psftp.GET_LOCAL_TIME:
            device = self.clock.device_ns(utc_ns)
            local = dt.datetime.fromtimestamp(
                (device + pmd.POLAR_EPOCH_NS - self.clock.tz_min * 60 * 10**9) / 1e9,
                dt.timezone.utc)
            return psftp.encode_time(local, self.clock.tz_min)
        if message.query in (psftp.SET_SYSTEM_TIME, psftp.SET_LOCAL_TIME):
            t = psftp.decode_time(message.payload, utc=message.query == psftp.SET_SYSTEM_TIME)
            offset = t.utcoffset() or dt.timedelta(0)
            if message.query == psftp.SET_LOCAL_TIME:
                self.clock.tz_min = int(offset.total_seconds() // 60)
            wall = round((t.timestamp() + offset.total_seconds()) * 1e9)  # local wall clock
            self.clock.set_device(wall - pmd.POLAR_EPOCH_NS)
            return None
        if message.query == psftp.GET_DISK_SPACE:
            free = self.free_bytes(self.running_samples(index))
            return psftp.encode_disk_space(psftp.DiskSpace(
                FRAGMENT, self.memory_bytes // FRAGMENT, free // FRAGMENT))
        raise psftp.PftpError(201)

    def _listing(self, folder: str) -> list[psftp.Entry]:
        """Direct children of ``folder`` (files with their size, sub-folders with "/")."""
        out: dict[str, int] = {}
        for path, data in self.files.items():
            if path.startswith(folder):
                head, sep, _ = path[len(folder):].partition("/")
                out[head + sep] = len(data) if not sep else 0
        return [psftp.Entry(name, size) for name, size in sorted(out.items())]
