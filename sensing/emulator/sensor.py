"""An emulated accelerometer: a bumble GATT peripheral playing a recording.

The sensor produces samples on the host clock whether anyone listens or not (samples
produced while the link is down or the stream is stopped are gone, as on a real
device), and sends a notification as soon as a packet is full, in the device's real
protocol bytes:

* ``polar``: the PMD service (feature read, settings query, start/stop with responses
  as indications on the control point, delta-compressed ACC frames type 0x81 with the
  device time of the last sample, raw type 0x01 when a frame would not fit the MTU);
  the device clock is 1.5 s off true time until it is set, may drift, and restarts at
  2019-01-01 on a reboot, like an H10. Like a Verity Sense it also records offline
  into its memory (PMD measurement 0x82) and serves its files, clock and free memory
  over Polar's file transfer (PSFTP; :mod:`sensing.emulator.polar_memory`); streaming
  and offline recording of the accelerometer exclude each other, as on the device.
* ``hypnic``: the open profile (:mod:`sensing.ble.hypnic_profile`), counter from the
  START command and a free-running microsecond device clock from power-on.
* ``witmotion``: one 20-byte ``55 61`` packet per sample while notifications are on,
  no time and no counter (the rate command is accepted; the recording's rate is used).

All expose the standard Battery Service. Faults (:class:`Fault`) are applied at their
recording time. ``delivered`` marks every sample sent in a notification, so tests can
compare what was stored with what was delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sensing.ble import hypnic_profile, pmd, psftp
from sensing.ble.profiles import (
    BATTERY_LEVEL_UUID,
    WITMOTION_RATES,
    WitMotionProfile,
    encode_witmotion,
)
from sensing.emulator.polar_memory import PolarMemory
from sensing.errors import FormatError, HypnicError

if TYPE_CHECKING:
    from sensing.recording import Recording

log = logging.getLogger(__name__)

#: Faults of a live stream (``hypnic record --fault``), then those of Polar file transfer.
LIVE_FAULT_KINDS = ("drop", "lose", "reboot", "stall")
FAULT_KINDS = (*LIVE_FAULT_KINDS, "busy", "cut", "full")
#: Link-layer payload, bytes: Data Length Extension (Bluetooth 4.2), as on current sensors
#: and hosts (bumble's default of 27 splits every notification into ~10 packets).
LL_PAYLOAD = 251
#: While not streaming, the sensor looks at its faults and advertising this often, s.
IDLE_POLL_S = 0.1


def controller(name: str, link: Any) -> Any:
    """A bumble controller on ``link`` with :data:`LL_PAYLOAD`-byte link-layer packets."""
    from bumble.controller import Controller

    ctrl = Controller(name, link=link)
    ctrl.le_acl_data_packet_length = LL_PAYLOAD
    return ctrl


@dataclass(frozen=True)
class Fault:
    """A fault injected into an emulated sensor.

    Attributes
    ----------
    kind : str
        ``drop``: the link drops and the sensor stays out of range for ``duration_s``;
        ``lose``: ``count`` notifications are sent into the void (lost);
        ``reboot``: the sensor restarts (device clock and counter restart, link drops);
        ``stall``: the stream stops while the link stays up, until the host restarts it;
        Polar file transfer: ``busy``: for ``duration_s`` the sensor is in its own
        exercise-recording mode and refuses file transfer with ``SYSTEM_BUSY``;
        ``cut``: file downloads are cut once ``count`` more air packets of them have
        gone (the link drops; out of range for ``duration_s``); ``full``: the memory is full (a
        running offline recording stops, a start is refused).
    at_s : float
        When, in recording seconds from the first sample, s.
    duration_s : float
        How long the sensor stays out of range (``drop``, ``reboot``, ``cut``) or busy
        (``busy``), s.
    count : int
        Notifications lost (``lose``); air packets sent before the cut (``cut``).
    """

    kind: str
    at_s: float
    duration_s: float = 0.0
    count: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise HypnicError(f"unknown fault {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")


PROFILES = ("polar", "hypnic", "witmotion")
#: Device clock error of the emulated Polar sensor, ns.
POLAR_CLOCK_ERROR_NS = 1_500_000_000
#: Device time an emulated Polar sensor restarts at after a reboot (2019-01-01), ns since 2000.
POLAR_RESET_NS = 599_616_000_000_000_000
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"


def check_profile(profile: str) -> None:
    """Refuse a profile the emulator does not speak (one of :data:`PROFILES`)."""
    if profile not in PROFILES:
        raise HypnicError(f"cannot emulate {profile!r}; emulated profiles: {', '.join(PROFILES)}")


def emulated_address(profile: str, index: int = 0) -> str:
    """The address of the ``index``-th emulated sensor of ``profile`` (0 = the first) in an
    air: the one rule for them, so that ``hypnic scan --emulate`` lists the addresses
    ``hypnic record --emulate`` records and ``--device`` takes: the first Polar sensor is
    F0:00:00:00:00:00, the first hypnic sensor F0:00:00:01:00:00, the second F0:00:00:01:00:01.
    """
    check_profile(profile)
    return f"F0:00:00:{PROFILES.index(profile):02X}:{index // 256:02X}:{index % 256:02X}"


class EmulatedSensor:
    """One emulated sensor; create it with :meth:`sensing.emulator.EmulatedAir.add_sensor`.

    Parameters
    ----------
    link : bumble.link.LocalLink
        The radio it is on.
    now_ns : callable
        Host clock, ns since the epoch (the air's).
    profile, recording, address, faults, name
        See :meth:`sensing.emulator.EmulatedAir.add_sensor`.

    Attributes
    ----------
    delivered : ndarray of bool
        Per recording sample: sent to the host in a notification.
    memory : PolarMemory or None
        A Polar sensor's memory (offline recordings and files; its ``recorded`` marks the
        samples kept offline).
    log : list of (int, str)
        Recording-time ns and what happened (``connected``, ``drop``, ``reboot`` ...).
    """

    def __init__(self, link: Any, now_ns: Callable[[], int], profile: str, recording: Recording,
                 address: str, faults: tuple[Fault, ...] = (), name: str | None = None,
                 clock_drift_ppm: float = 0.0, memory_bytes: int = 16_000_000):
        check_profile(profile)
        self.link, self.now_ns = link, now_ns
        self.profile, self.recording, self.address = profile, recording, address
        tail = address[-5:].replace(":", "")
        self.name = name or {"polar": f"Polar Sense EMU{tail}", "hypnic": f"hypnic-{tail}",
                             "witmotion": f"WT901BLE{tail}"}[profile]
        self.faults = sorted(faults, key=lambda f: f.at_s)
        self.delivered = np.zeros(len(recording), bool)
        self.log: list[tuple[int, str]] = []
        self.fs = recording.fs
        self._pos = 0               # next sample the device produces
        self._streaming = False
        self._stalled = False
        self._lose = 0
        self._conn: Any = None
        self._blackout_until = 0    # recording ns before which the sensor is out of range
        self._boot_ns = int(recording.time_ns[0])
        self._clock_ns = POLAR_CLOCK_ERROR_NS - pmd.POLAR_EPOCH_NS  # PMD device time - UTC
        self._clock_set_ns = int(recording.time_ns[0])  # UTC when it was set (drift origin)
        self.drift_ppm = clock_drift_ppm
        self.tz_min = 0             # time-zone offset the device clock was set with, min
        self.memory = (PolarMemory(recording, self, memory_bytes) if profile == "polar"
                       else None)
        self._ftp: Any = None
        self._ftp_in = psftp.Assembler()
        self._ftp_cancel = False
        self._cut: Fault | None = None
        self._cut_left = 0
        self._busy_until = 0
        self._start_index = 0
        self._range_g = 8
        self._task: asyncio.Task | None = None
        self._control: Any = None
        self._data: Any = None
        self._closing = False
        self._device = self._make_device()

    # -- device clock -----------------------------------------------------------------------
    def device_ns(self, utc_ns: int) -> int:
        """The device clock at UTC ``utc_ns``: ns since 2000-01-01 (in the local time it was
        set to), off by the set error and drifting by ``drift_ppm``."""
        return utc_ns + self._clock_ns + round((utc_ns - self._clock_set_ns) * self.drift_ppm * 1e-6)

    def set_device(self, device_ns: int) -> None:
        """Set the device clock to ``device_ns`` now."""
        now = self.now_ns()
        self._clock_ns, self._clock_set_ns = device_ns - now, now

    # -- GATT server ----------------------------------------------------------------------
    def _make_device(self) -> Any:
        from bumble.core import AdvertisingData
        from bumble.device import Device
        from bumble.gatt import Characteristic, CharacteristicValue, Service
        from bumble.hci import Address
        from bumble.host import Host

        props = Characteristic.Properties
        host = Host()
        host.controller = controller(self.name, self.link)
        device = Device(self.name, address=Address(self.address), host=host)
        rw = Characteristic.READABLE | Characteristic.WRITEABLE
        ad: list[Any] = []  # advertised service UUIDs (Polar and WitMotion send none)
        if self.profile == "polar":
            self._control = Characteristic(
                pmd.CONTROL_UUID, props.READ | props.WRITE | props.INDICATE, rw,
                CharacteristicValue[Any](read=lambda _c: b"\x0f\x04\x00",
                                         write=self._on_pmd_write))
            self._data = Characteristic(pmd.DATA_UUID, props.NOTIFY, Characteristic.READABLE, b"")
            service = pmd.SERVICE_UUID
            self._ftp = Characteristic(
                psftp.MTU_UUID, props.WRITE | props.WRITE_WITHOUT_RESPONSE | props.NOTIFY, rw,
                CharacteristicValue[Any](write=self._on_ftp_write))
            device.add_service(Service(psftp.SERVICE_UUID, [
                self._ftp,
                Characteristic(psftp.D2H_UUID, props.NOTIFY, Characteristic.READABLE, b""),
                Characteristic(psftp.H2D_UUID, props.WRITE | props.WRITE_WITHOUT_RESPONSE, rw,
                               CharacteristicValue[Any](write=lambda _c, _v: None))]))
        elif self.profile == "witmotion":  # streams whenever notifications are on
            wit = WitMotionProfile
            self._control = Characteristic(wit.write_uuid, props.WRITE | props.WRITE_WITHOUT_RESPONSE,
                                           rw, CharacteristicValue[Any](write=self._on_wit_write))
            self._data = Characteristic(wit.data_uuid, props.NOTIFY, Characteristic.READABLE, b"")
            self._data.on("subscription", self._on_wit_subscription)
            service = wit.service_uuid
        else:
            self._control = Characteristic(hypnic_profile.CONTROL_UUID, props.WRITE, rw,
                                           CharacteristicValue[Any](write=self._on_hypnic_write))
            self._data = Characteristic(hypnic_profile.DATA_UUID, props.NOTIFY,
                                        Characteristic.READABLE, b"")
            service = hypnic_profile.SERVICE_UUID
            ad = [(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                   bytes(Service(service, []).uuid.to_bytes()))]
        device.add_service(Service(service, [self._control, self._data]))
        device.add_service(Service(BATTERY_SERVICE_UUID, [Characteristic(
            BATTERY_LEVEL_UUID, props.READ, Characteristic.READABLE, bytes([87]))]))
        device.advertising_data = bytes(AdvertisingData(
            [(AdvertisingData.FLAGS, bytes([0x06])), *ad,
             (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode())]))
        device.on("connection", self._on_connection)
        return device

    def _on_connection(self, conn: Any) -> None:
        self._conn = conn
        self._note("connected")
        conn.on("disconnection", lambda _reason: self._on_disconnection(conn))

    def _on_disconnection(self, conn: Any) -> None:
        if self._conn is conn:
            self._conn = None
        self._streaming = False  # real sensors stop the stream when the link goes
        self._note("disconnected")

    def _on_pmd_write(self, _conn: Any, value: bytes) -> None:
        op, meas = value[0], value[1] if len(value) > 1 else 0
        status, params = 0, b""
        memory = self.memory
        assert memory is not None
        if op == pmd.OP_GET_STATUS:
            meas = 0
            params = pmd.encode_status({pmd.MEASUREMENT_ACC: self._streaming + 2 * memory.recording_on})
        elif meas & 0x3F != pmd.MEASUREMENT_ACC:
            status = 3
        elif op == pmd.OP_GET_SETTINGS:
            params = pmd.encode_settings({"sample_rate": int(round(self.fs))})
            params += pmd.encode_settings({"resolution": 16})
            params += bytes([2, 3]) + b"".join(int(g).to_bytes(2, "little") for g in (2, 4, 8))
            params += pmd.encode_settings({"channels": 3})
        elif op == pmd.OP_START:
            try:
                settings = pmd.parse_settings(value[2:])
            except FormatError:
                settings, status = {}, 5
            range_g = int(settings.get("range", [8])[0])
            if status == 0 and (self._streaming or memory.recording_on):
                status = 6  # streaming and recording the accelerometer exclude each other
            elif status == 0 and meas & pmd.OFFLINE:
                now = self.now_ns()
                status = memory.start(self._produced(now), now, range_g)
                self._note("offline start" if status == 0 else f"offline start refused ({status})")
            elif status == 0:
                self._range_g = range_g
                self._start_stream()
                params = pmd.encode_settings({"factor": 1.0})
        elif op == pmd.OP_STOP:
            if meas & pmd.OFFLINE:
                memory.stop(self._produced(self.now_ns()))
                self._note("offline stop")
            else:
                self._streaming = False
        else:
            status = 1
        self._spawn(self._device.indicate_subscribers(
            self._control, pmd.encode_control_response(op, status, params, meas)))

    def _on_ftp_write(self, _conn: Any, value: bytes) -> None:
        """A PSFTP air packet from the host: assemble the message, answer it."""
        if bytes(value) == psftp.CANCEL:
            self._ftp_cancel = True
            return
        try:
            message = self._ftp_in.push(value)
        except HypnicError:
            self._ftp_in = psftp.Assembler()
            self._spawn(self._ftp_send([psftp.error_packet(101)], False))
            return
        if message is None:
            return
        self._ftp_in, self._ftp_cancel = psftp.Assembler(), False
        assert self.memory is not None
        now = self.now_ns()
        file_get = False
        try:
            m = psftp.parse_message(message)
            file_get = m.query is None and m.command == psftp.GET and not m.path.endswith("/")
            answer = self.memory.answer(m, self._produced(now), now)
            packets = ([psftp.error_packet(0)] if answer is None
                       else psftp.packets(answer, self._conn.att_mtu - 3))
        except psftp.PftpError as exc:
            packets = [psftp.error_packet(exc.code)]
        except FormatError:
            packets = [psftp.error_packet(101)]
        self._spawn(self._ftp_send(packets, file_get))

    async def _ftp_send(self, packets: list[bytes], file_get: bool) -> None:
        """Notify an answer's air packets; an armed ``cut`` fault drops the link once
        ``count`` packets of file downloads have gone."""
        for packet in packets:
            if self._conn is None or self._ftp_cancel:
                return
            if file_get and self._cut is not None:
                if self._cut_left == 0:
                    self._note("download cut")
                    duration, self._cut = self._cut.duration_s, None
                    await self._go_away(self.now_ns(), duration)
                    return
                self._cut_left -= 1
            await self._device.notify_subscribers(self._ftp, packet)

    def _on_hypnic_write(self, _conn: Any, value: bytes) -> None:
        try:
            cmd, params = hypnic_profile.decode_command(value)
        except FormatError as exc:
            log.warning("emulated hypnic sensor: %s", exc)
            return
        if cmd == "start":
            self._start_stream()
        elif cmd == "stop":
            self._streaming = False
        elif cmd == "set_range":
            self._range_g = params["range_g"]

    def _on_wit_write(self, _conn: Any, value: bytes) -> None:
        if value[:3] == b"\xff\xaa\x03" and len(value) == 5:
            rates = {code: hz for hz, code in WITMOTION_RATES.items()}
            self._note(f"rate {rates.get(value[3], '?')} Hz")

    def _on_wit_subscription(self, _conn: Any, notify: bool, _indicate: bool) -> None:
        if notify:
            self._start_stream()
        else:
            self._streaming = False

    def _produced(self, now_ns: int) -> int:
        """Number of samples the sensor has produced by ``now_ns``."""
        return int(np.searchsorted(self.recording.time_ns, now_ns, "right"))

    def _start_stream(self) -> None:
        self._streaming, self._stalled = True, False
        self._pos = self._start_index = self._produced(self.now_ns())
        self._note("start")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Power on, advertise and start producing samples."""
        self._tasks: set[asyncio.Task] = set()
        await self._device.power_on()
        await self._device.start_advertising(
                advertising_interval_min=20, advertising_interval_max=20)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Stop producing samples (the host side ends the link)."""
        self._closing = True  # the loop ends after its current tick (never mid-send)
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 2.0)
            except asyncio.TimeoutError:
                self._task.cancel()

    def _note(self, what: str) -> None:
        self.log.append((self.now_ns(), what))
        log.debug("%s: %s", self.name, what)

    async def _run(self) -> None:
        """Produce samples and send each packet when it is full, on the host clock."""
        t = self.recording.time_ns
        faults = list(self.faults)
        task = asyncio.current_task()
        # a cancel swallowed inside a bumble call (py3.11 wait_for) is still seen here
        while not self._closing and not getattr(task, "cancelling", lambda: 0)():
            now = self.now_ns()
            while faults and now >= t[0] + faults[0].at_s * 1e9:
                await self._fault(faults.pop(0), now)
            end = self._produced(now)
            if self._conn is None and now >= self._blackout_until \
                    and not self._device.is_advertising:
                await self._device.start_advertising(
                    advertising_interval_min=20, advertising_interval_max=20)
            wake = now + int(IDLE_POLL_S * 1e9)
            if self._streaming and self._conn is not None and not self._stalled:
                per = self._per_packet()
                while end - self._pos >= per and self._streaming and self._conn is not None:
                    await self._send(self._pos, self._pos + per)
                    self._pos += per
                # the recording is over: flush the rest, one packet's worth at a time
                while end >= len(t) and self._pos < end and self._streaming \
                        and self._conn is not None:
                    stop = min(self._pos + per, end)
                    await self._send(self._pos, stop)
                    self._pos = stop
                if self._pos + per <= len(t):  # the next packet is full at its last sample
                    wake = int(t[self._pos + per - 1])
            else:
                self._pos = end  # produced, never sent
            if self.memory is not None and self.memory.busy:
                self.memory.busy = now < self._busy_until
                wake = min(wake, self._busy_until) if self.memory.busy else wake
            if self._blackout_until > now and self._conn is None:  # nothing happens till then
                wake = self._blackout_until
            if faults:
                wake = min(wake, int(t[0] + faults[0].at_s * 1e9))
            # 1 us past the moment, so that the loop's float clock has surely reached it
            await asyncio.sleep(max(wake - now, 0) / 1e9 + 1e-6)

    def _per_packet(self) -> int:
        mtu = self._conn.att_mtu if self._conn is not None else 23
        if self.profile == "polar":
            return max((mtu - 3 - 10) // 6, 1)
        if self.profile == "witmotion":
            return 1
        return hypnic_profile.samples_per_packet(mtu)

    async def _send(self, i0: int, i1: int) -> None:
        if self._lose > 0:
            self._lose -= 1
            return
        acc, t = self.recording.acc[i0:i1], self.recording.time_ns[i0:i1]
        if self.profile == "polar":
            mg = np.clip(np.rint(acc * 1000), -1000 * self._range_g, 1000 * self._range_g)
            device_ns = self.device_ns(int(t[-1]))
            value = pmd.encode_acc_frame(device_ns, mg)
            if len(value) > self._conn.att_mtu - 3:
                value = pmd.encode_acc_frame(device_ns, mg, compressed=False)
        elif self.profile == "witmotion":
            value = encode_witmotion(acc)
        else:
            raw = np.clip(np.rint(acc * 32768 / self._range_g), -32768, 32767).astype(np.int16)
            value = hypnic_profile.pack_packet(i0 - self._start_index,
                                               (int(t[0]) - self._boot_ns) // 1000, raw,
                                               int(round(self.fs)), self._range_g)
        connected = self._conn is not None  # sent before a disconnect: it arrives
        await self._device.notify_subscribers(self._data, value)
        if connected:
            self.delivered[i0:i1] = True

    async def _fault(self, fault: Fault, now: int) -> None:
        self._note(fault.kind)
        if fault.kind == "lose":
            self._lose += fault.count
        elif fault.kind == "stall":
            self._stalled = True
        elif fault.kind == "cut":
            self._cut, self._cut_left = fault, fault.count
        elif fault.kind == "busy" and self.memory is not None:
            self.memory.busy = True
            self._busy_until = now + int(fault.duration_s * 1e9)
        elif fault.kind == "full" and self.memory is not None:
            self.memory.full = True
            self.memory.stop(self._produced(now))
        elif fault.kind in ("drop", "reboot"):
            if fault.kind == "reboot":
                self._boot_ns = now
                self.set_device(POLAR_RESET_NS)
                if self.memory is not None:
                    self.memory.stop(self._produced(now))
            await self._go_away(now, fault.duration_s)

    async def _go_away(self, now: int, duration_s: float) -> None:
        """Out of range for ``duration_s``: the link drops, no advertising."""
        self._blackout_until = now + int(duration_s * 1e9)
        self._streaming = False
        if self._device.is_advertising:
            await self._device.stop_advertising()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._conn.disconnect(), 2.0)
