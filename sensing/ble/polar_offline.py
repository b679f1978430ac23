"""Polar offline recording over bleak: record into the sensor's memory, fetch it later.

:class:`PolarLink` is one connection to a Polar sensor (found by scanning, connected
with ``bleak.BleakClient``; the ``backend=`` hook reaches an emulated sensor in tests)
with its two services:

* the PMD control point (:class:`~sensing.ble.profiles.PolarProfile`): start, stop and
  query an accelerometer offline recording (measurement byte ``0x82``);
* file transfer (:mod:`sensing.ble.psftp` bytes on the ``MTU`` characteristic): the
  sensor's clock, its free memory, listing, fetching and removing recording files.

Every wait is on the event loop's clock (virtual in emulated tests). A link lost
during an exchange raises :class:`LinkLostError` at once, so a download can be
resumed on a new link (see :mod:`hypnic.workflows.sensor`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sensing.ble import pmd, polar_rec, psftp
from sensing.ble.profiles import PolarProfile
from sensing.errors import DeviceError

log = logging.getLogger(__name__)

OFFLINE_ACC = pmd.MEASUREMENT_ACC | pmd.OFFLINE
#: PMD status "disk full" (the sensor refuses to start: memory below its start limit).
PMD_DISK_FULL = 14


class LinkLostError(DeviceError):
    """The Bluetooth link dropped (or fell silent) during a file-transfer exchange."""


@dataclass(frozen=True)
class Part:
    """One file of an offline recording on the sensor: ``path`` and ``size`` (bytes)."""

    path: str
    size: int


@dataclass(frozen=True)
class OfflineRecording:
    """An accelerometer offline recording on the sensor.

    Attributes
    ----------
    start : datetime
        Its start, from its folder names (sensor clock, UTC, seconds).
    parts : tuple of Part
        Its files in order (``ACC.REC``, or ``ACC0.REC``, ``ACC1.REC``, ...).
    """

    start: dt.datetime
    parts: tuple[Part, ...]

    @property
    def size(self) -> int:
        """Bytes on the sensor."""
        return sum(p.size for p in self.parts)


class PolarLink:
    """A connected Polar sensor; use :func:`connect`.

    Parameters
    ----------
    client : bleak.BleakClient
        Connected.
    lost : asyncio.Event
        Set by the client's disconnect callback.
    timeout_s : float
        Longest wait for one air packet of a response, s.
    """

    def __init__(self, client: Any, lost: asyncio.Event, timeout_s: float = 10.0):
        self.client, self.lost, self.timeout_s = client, lost, timeout_s
        self.pmd = PolarProfile()
        self._packets: asyncio.Queue[bytes] = asyncio.Queue()

    async def open(self) -> None:
        """Subscribe to the PMD control point and the file-transfer responses."""
        await self.pmd.open_control(self.client)
        await self.client.start_notify(psftp.MTU_UUID, lambda _c, d: self._packets.put_nowait(bytes(d)))

    # -- file transfer ------------------------------------------------------------------
    async def _next_packet(self) -> bytes:
        if self.lost.is_set():
            raise LinkLostError("the Bluetooth link to the sensor was lost")
        get = asyncio.ensure_future(self._packets.get())
        lost = asyncio.ensure_future(self.lost.wait())
        try:
            done, _ = await asyncio.wait({get, lost}, timeout=self.timeout_s,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (get, lost):
                task.cancel()
        if get in done:
            return get.result()
        if lost in done:
            raise LinkLostError("the Bluetooth link to the sensor was lost")
        raise LinkLostError(f"the sensor sent nothing for {self.timeout_s:g} s")

    async def exchange(self, message: bytes, what: str,
                       progress: Callable[[int], None] | None = None) -> bytes:
        """Send one RFC60 message and return the sensor's complete answer.

        Raises
        ------
        psftp.PftpError
            If the sensor answers with an error code.
        LinkLostError
            If the link drops or falls silent.
        FormatError
            If an air packet is lost or malformed.
        """
        from bleak.exc import BleakError

        while not self._packets.empty():  # nothing stale from an interrupted exchange
            self._packets.get_nowait()
        try:
            for packet in psftp.packets(message, self.client.mtu_size - 3):
                await self.client.write_gatt_char(psftp.MTU_UUID, packet, response=True)
        except BleakError as exc:
            raise LinkLostError(f"{what}: {exc}") from exc
        assembler = psftp.Assembler()
        while True:
            try:
                answer = assembler.push(await self._next_packet())
            except psftp.PftpError as exc:
                raise psftp.PftpError(exc.code, what) from None
            if progress is not None:
                progress(assembler.received)
            if answer is not None:
                return answer

    async def query(self, query: int, params: bytes = b"") -> bytes:
        """A PSFTP query (clock, disk space); its answer."""
        return await self.exchange(psftp.query_message(query, params), f"query {query}")

    async def get(self, path: str, progress: Callable[[int], None] | None = None) -> bytes:
        """Fetch a file (or a folder's listing, path ending in "/")."""
        return await self.exchange(psftp.request_message(psftp.GET, path), f"get {path}",
                                   progress)

    async def remove(self, path: str) -> None:
        """Remove a file or an empty folder."""
        await self.exchange(psftp.request_message(psftp.REMOVE, path), f"remove {path}")

    # -- clock and memory ---------------------------------------------------------------
    async def set_clock(self, now_ns: Callable[[], int]) -> None:
        """Set the sensor's clock to host UTC (system time and a local time of UTC+0, so
        that its sample times are UTC)."""
        now = dt.datetime.fromtimestamp(now_ns() / 1e9, dt.timezone.utc)
        await self.query(psftp.SET_SYSTEM_TIME, psftp.encode_time(now))
        await self.query(psftp.SET_LOCAL_TIME, psftp.encode_time(now, 0))

    async def clock_offset(self, now_ns: Callable[[], int]) -> tuple[int, int]:
        """Measure the sensor's clock against the host's.

        Returns
        -------
        (int, int)
            Device time (ns since 2000-01-01) and device time minus host UTC (ns), at
            the middle of the query's round trip (the clock is read to the millisecond).
        """
        t0 = now_ns()
        device = psftp.decode_time(await self.query(psftp.GET_LOCAL_TIME))
        t1 = now_ns()
        device_utc_ns = round(device.timestamp() * 1e6) * 1000
        return device_utc_ns - pmd.POLAR_EPOCH_NS, device_utc_ns - (t0 + t1) // 2

    async def free_bytes(self) -> int:
        """Free memory of the sensor, bytes."""
        return psftp.decode_disk_space(await self.query(psftp.GET_DISK_SPACE)).free_bytes

    # -- offline recording --------------------------------------------------------------
    async def recording(self) -> bool:
        """Whether an accelerometer offline recording is running."""
        answer = await self.pmd.command(self.client, pmd.status_command())
        if not answer.ok:
            raise DeviceError(f"the sensor refused the status query: {answer.message}")
        return pmd.parse_status(answer.params).get(pmd.MEASUREMENT_ACC, "idle") in (
            "recording", "streaming and recording")

    async def start_recording(self, fs_hz: float, range_g: int) -> tuple[float, int]:
        """Start an accelerometer offline recording at the offered rate and range nearest
        ``fs_hz`` and ``range_g``; returns the rate (Hz) and range (g) in force.

        Raises
        ------
        DeviceError
            If the sensor refuses (memory full, already recording, ...).
        """
        from sensing.ble.profiles import nearest

        answer = await self.pmd.command(self.client, pmd.query_settings_command(OFFLINE_ACC))
        if not answer.ok:
            raise DeviceError("this Polar sensor cannot record the accelerometer offline "
                              f"({answer.message}); a Verity Sense can (firmware 2.1.0 or later)")
        offered = pmd.parse_settings(answer.params)
        rate = nearest(offered.get("sample_rate", [52]), fs_hz)
        rng = nearest(offered.get("range", [8]), range_g)
        answer = await self.pmd.command(self.client, pmd.start_command(
            rate, 16, rng, 3, measurement=OFFLINE_ACC))
        if answer.status == PMD_DISK_FULL:
            raise DeviceError("the sensor's memory is full: download and delete its "
                              "recordings first ('hypnic sensor download')")
        if answer.status == 6:
            raise DeviceError("the sensor is already recording (or streaming) the "
                              "accelerometer: 'hypnic sensor download' ends that recording")
        if not answer.ok:
            raise DeviceError(f"the sensor refused to start recording: {answer.message}")
        return float(rate), rng

    async def stop_recording(self) -> None:
        """Stop the accelerometer offline recording (its files are then complete)."""
        answer = await self.pmd.command(self.client, pmd.stop_command(OFFLINE_ACC))
        if not answer.ok and answer.status != 6:
            raise DeviceError(f"the sensor refused to stop recording: {answer.message}")

    async def recordings(self) -> list[OfflineRecording]:
        """Accelerometer offline recordings on the sensor, oldest first."""
        out = []
        for date in await self._folders(polar_rec.ROOT):
            if not (len(date) == 9 and date[:8].isdigit()):
                continue
            base = f"{polar_rec.ROOT}{date}R/"
            for time in await self._folders(base, missing_ok=True):
                parts = []
                for e in psftp.decode_directory(await self.get(base + time)):
                    m = polar_rec.PATH.match(base + time + e.name)
                    if m and m.group(3) == "ACC" and e.size > 0:
                        parts.append((int(m.group(4) or 0), Part(base + time + e.name, e.size)))
                if parts:
                    start = dt.datetime.strptime(date[:8] + time[:6], "%Y%m%d%H%M%S").replace(
                        tzinfo=dt.timezone.utc)
                    out.append(OfflineRecording(start, tuple(p for _, p in sorted(parts))))
        return sorted(out, key=lambda r: r.start)

    async def _folders(self, path: str, missing_ok: bool = False) -> list[str]:
        try:
            listing = psftp.decode_directory(await self.get(path))
        except psftp.PftpError as exc:
            if missing_ok and exc.code == psftp.NO_SUCH_FILE:
                return []
            raise
        return sorted(e.name for e in listing if e.name.endswith("/"))

    async def delete(self, recording: OfflineRecording) -> None:
        """Remove a recording's files and its then empty folders."""
        for part in recording.parts:
            await self.remove(part.path)
        folder = recording.parts[0].path.rsplit("/", 1)[0]
        while folder.count("/") > 3:  # /U/0/<date>/R/<time> -> /U/0/<date>
            with contextlib.suppress(psftp.PftpError):  # not empty: keep it
                if not psftp.decode_directory(await self.get(folder + "/")):
                    await self.remove(folder + "/")
            folder = folder.rsplit("/", 1)[0]


@contextlib.asynccontextmanager
async def connect(address: str, client_backend: type | None = None,
                  scanner_backend: type | None = None, scan_timeout_s: float = 15.0,
                  connect_timeout_s: float = 20.0) -> AsyncIterator[PolarLink]:
    """Find and connect a Polar sensor; yields an open :class:`PolarLink`.

    Raises
    ------
    DeviceError
        If the sensor is not found, cannot be connected or has no file transfer.
    LinkLostError
        If the link drops while it is being set up.
    """
    from bleak import BleakClient
    from bleak.exc import BleakError

    from sensing.ble.reader import bluetooth_errors, scan_for

    with bluetooth_errors(f"cannot reach {address}"):
        try:
            device, _adv = await asyncio.wait_for(scan_for(address, scanner_backend),
                                                  scan_timeout_s)
        except asyncio.TimeoutError:
            raise LinkLostError(f"sensor {address} not found (is it on, charged, near and not "
                                "connected to a phone?)") from None
        lost = asyncio.Event()
        client = BleakClient(device, disconnected_callback=lambda _c: lost.set(),
                             timeout=connect_timeout_s, backend=client_backend)
        try:
            await client.connect()
        except (BleakError, asyncio.TimeoutError) as exc:
            raise LinkLostError(f"cannot connect to {address}: {exc}") from exc
        try:
            if client.services.get_service(psftp.SERVICE_UUID) is None:
                raise DeviceError(f"{address} has no Polar file transfer service: offline "
                                  "recording needs a Polar Verity Sense")
            link = PolarLink(client, lost)
            try:
                await link.open()
            except BleakError as exc:
                raise LinkLostError(f"cannot set up {address}: {exc}") from exc
            yield link
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 5.0)

