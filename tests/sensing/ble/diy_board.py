"""A do-it-yourself hypnic-profile board, written from the profile's page alone.

``firmware_notes/hypnic-gatt-profile.md`` is the only source of this peripheral: it
imports nothing of hypnic (not the host codec ``sensing.ble.hypnic_profile``, not the
emulated sensor's encoder in ``sensing/emulator/sensor.py``) and packs its bytes with
``struct`` as a firmware author would, so that a test recording it with hypnic's
recorder checks the page and the host against each other rather than the host against
itself.

The board is a bumble peripheral on an :class:`~sensing.emulator.EmulatedAir`'s link.
Its IMU samples on its own oscillator; its clock counts microseconds from boot and runs
``clock_ppm`` fast; each loop pass (``loop_s``) sends the full packets waiting in its
FIFO, sized from the negotiated ATT_MTU. Every sample it takes is logged in ``sent``
with the event-loop time it was taken and its raw counts, so a test can check the file
sample by sample.
"""

from __future__ import annotations

import asyncio
import math
import struct
from dataclasses import dataclass, field
from typing import Any

SERVICE_UUID = "4879706e-0001-4e4a-a5c0-8d2f6b1e7a01"
DATA_UUID = "4879706e-0002-4e4a-a5c0-8d2f6b1e7a01"
CONTROL_UUID = "4879706e-0003-4e4a-a5c0-8d2f6b1e7a01"


@dataclass(frozen=True)
class Sent:
    """One sample the board took."""

    t: float                   # event-loop time it was taken, s
    utc_ns: int                # the host's UTC at that time, ns
    raw: tuple[int, int, int]  # x, y, z counts
    range_g: int
    delivered: bool            # False: its notification was dropped on purpose


@dataclass
class DiyBoard:
    """The board (see the module docstring); register it with :meth:`attach`."""

    address: str = "D1:00:00:00:00:01"
    name: str = "diy"
    rates: tuple[int, ...] = (25, 50, 100)
    ranges: tuple[int, ...] = (2, 4, 8, 16)
    defaults: tuple[int, int] = (50, 8)  # rate and range at every new connection
    clock_ppm: float = 200.0
    counter_at_start: int = 0  # 0 per the profile; near 2**32 to try the wrap early
    loop_s: float = 0.1
    boot_s: float = 0.0        # after a reboot: clock running, not yet advertising
    bursts: tuple[float, ...] = ()  # event-loop times of 0.1 s, +3 g bursts in x
    sent: list[Sent] = field(default_factory=list)

    def attach(self, air: Any) -> None:
        """Put the board on ``air``'s link (the air starts it and closes it)."""
        self.air = air
        air.sensors[self.address] = self

    # -- what EmulatedAir calls -------------------------------------------------------
    async def start(self) -> None:
        from bumble.controller import Controller
        from bumble.device import Device
        from bumble.gatt import Characteristic, CharacteristicValue, Service
        from bumble.hci import Address

        props = Characteristic.Properties
        self.boot_t, self.serial, self.to_drop = self.now(), 0, 0
        self.task: asyncio.Task[None] | None = None
        self.conn: Any = None
        self.away = False
        ctrl = Controller(self.name, link=self.air.link)
        self.device = Device.with_hci(self.name, Address(self.address), ctrl, ctrl)
        self.data = Characteristic(DATA_UUID, props.NOTIFY, Characteristic.READABLE, b"")
        control = Characteristic(CONTROL_UUID, props.WRITE, Characteristic.WRITEABLE,
                                 CharacteristicValue(write=self.on_command))
        battery = Characteristic("2A19", props.READ | props.NOTIFY, Characteristic.READABLE,
                                 bytes([87]))
        self.device.add_service(Service(SERVICE_UUID, [self.data, control]))
        self.device.add_service(Service("180F", [battery]))
        self.device.on("connection", self.on_connection)
        await self.device.power_on()
        await self.advertise()

    async def close(self) -> None:
        self.stop()

    # -- radio --------------------------------------------------------------------------
    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    async def advertise(self) -> None:
        uuid_le = bytes.fromhex(SERVICE_UUID.replace("-", ""))[::-1]
        adv = bytes([2, 0x01, 0x06, 17, 0x07]) + uuid_le  # flags, 128-bit service UUID
        scan_response = bytes([len(self.name) + 1, 0x09]) + self.name.encode()
        await self.device.start_advertising(advertising_data=adv,
                                            scan_response_data=scan_response)

    def on_connection(self, conn: Any) -> None:
        self.conn = conn
        self.fs_hz, self.range_g = self.defaults  # stopped, defaults back
        self.want = self.defaults
        conn.on("disconnection", lambda _reason: self.on_disconnection())

    def on_disconnection(self) -> None:
        self.conn = None
        self.stop()
        if not self.away:
            asyncio.get_running_loop().create_task(self.advertise())

    # -- commands -----------------------------------------------------------------------
    def on_command(self, _conn: Any, value: bytes) -> None:
        value = bytes(value)
        if value == b"\x01":
            self.fs_hz = min([r for r in self.rates if r >= self.want[0]], default=max(self.rates))
            self.range_g = min([g for g in self.ranges if g >= self.want[1]],
                               default=max(self.ranges))
            self.stop()
            self.task = asyncio.get_running_loop().create_task(self.stream(self.conn))
        elif value == b"\x02":
            self.stop()
        elif len(value) == 3 and value[0] == 0x03:
            self.want = (struct.unpack("<H", value[1:])[0], self.want[1])
        elif len(value) == 2 and value[0] == 0x04:
            self.want = (self.want[0], value[1])
        # anything else is ignored

    def stop(self) -> None:
        if getattr(self, "task", None) is not None:
            self.task.cancel()  # type: ignore[union-attr]
            self.task = None

    # -- sampling and sending ------------------------------------------------------------
    def clock_us(self, t: float) -> int:
        return int((t - self.boot_t) * 1e6 * (1 + self.clock_ppm * 1e-6))

    def sample(self, t: float, range_g: int) -> tuple[int, int, int]:
        """+3 g in x during a burst, a serial number in y (and z) to recognise it by."""
        g = 32768 // range_g
        x = min(32767, 3 * g) if any(b <= t < b + 0.1 for b in self.bursts) else 0
        y = self.serial % 30000 - 15000
        z = min(32767, g) - (self.serial // 30000) % 8
        self.serial += 1
        return x, y, z

    async def stream(self, conn: Any) -> None:
        fs, rng, t0 = self.fs_hz, self.range_g, self.now()
        counter, taken = self.counter_at_start, 0
        fifo: list[tuple[float, tuple[int, int, int]]] = []
        while True:
            await asyncio.sleep(self.loop_s)
            while taken < math.floor((self.now() - t0) * fs):
                taken += 1
                t = t0 + taken / fs
                fifo.append((t, self.sample(t, rng)))
            n = (min(conn.att_mtu - 3, 512) - 14) // 6
            while len(fifo) >= n:
                chunk, fifo = fifo[:n], fifo[n:]
                ts = self.clock_us(chunk[0][0]) % (1 << 48)
                packet = struct.pack("<BBHIIH", 1, rng, fs, counter % (1 << 32),
                                     ts & 0xFFFFFFFF, ts >> 32)
                packet += b"".join(struct.pack("<3h", *raw) for _, raw in chunk)
                counter += n
                deliver = self.to_drop == 0
                self.to_drop -= not deliver
                now, utc = self.now(), self.air.now_ns()
                self.sent += [Sent(t, utc - round((now - t) * 1e9), raw, rng, deliver)
                              for t, raw in chunk]
                if deliver:
                    await self.device.notify_subscriber(conn, self.data, packet)

    # -- faults -------------------------------------------------------------------------
    def lose(self, notifications: int) -> None:
        """The next notifications never leave (a full send queue): the counter moves on."""
        self.to_drop += notifications

    async def reboot(self, off_s: float) -> None:
        """Power cycle: the link drops, ``off_s`` later the clock restarts at 0, and
        ``boot_s`` after that the board advertises again."""
        self.away = True
        await self.device.stop_advertising()
        self.stop()
        if self.conn is not None:
            await self.conn.disconnect()
        await asyncio.sleep(off_s)
        self.boot_t = self.now()
        await asyncio.sleep(self.boot_s)
        self.away = False
        await self.advertise()
