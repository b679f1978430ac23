"""The emulated radio: a bumble LocalLink, a virtual clock, sensors and one central."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sensing.errors import HypnicError

if TYPE_CHECKING:
    from sensing.emulator.sensor import EmulatedSensor
    from sensing.recording import Recording

FAULT_KINDS = ("drop", "lose", "reboot", "stall")


@dataclass(frozen=True)
class Fault:
    """A fault injected into an emulated sensor.

    Attributes
    ----------
    kind : str
        ``drop``: the link drops and the sensor stays out of range for ``duration_s``;
        ``lose``: ``count`` notifications are sent into the void (lost);
        ``reboot``: the sensor restarts (device clock and counter restart, link drops);
        ``stall``: the stream stops while the link stays up, until the host restarts it.
    at_s : float
        When, in recording seconds from the first sample, s.
    duration_s : float
        How long the sensor stays out of range (``drop``), s.
    count : int
        Notifications lost (``lose``).
    """

    kind: str
    at_s: float
    duration_s: float = 0.0
    count: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise HypnicError(f"unknown fault {self.kind!r}; expected one of {FAULT_KINDS}")


class EmulatedAir:
    """Emulated sensors and a central on one bumble ``LocalLink``, on a virtual clock.

    Parameters
    ----------
    speed : float
        Virtual seconds per real second (the clock of recordings and of the host).
    start_ns : int, optional
        Virtual time at :meth:`start`, ns since the epoch (default: the earliest first
        sample of the sensors' recordings).
    """

    def __init__(self, speed: float = 1.0, start_ns: int | None = None):
        from bumble.link import LocalLink

        if not speed > 0:
            raise HypnicError(f"speed must be positive, got {speed}")
        self.speed = float(speed)
        self.link = LocalLink()
        self.sensors: dict[str, EmulatedSensor] = {}
        self._start_ns = start_ns
        self._mono0: int | None = None
        self._central = None
        self._scanners = 0
        self.connect_lock = asyncio.Lock()
        self.client_backend, self.scanner_backend = self._backends()

    def now_ns(self) -> int:
        """Virtual UTC now, ns since the epoch (the host clock of an emulated run)."""
        if self._mono0 is None or self._start_ns is None:
            raise HypnicError("the emulated air has not been started")
        return self._start_ns + int((time.monotonic_ns() - self._mono0) * self.speed)

    def add_sensor(self, profile: str, recording: Recording, address: str | None = None,
                   faults: tuple[Fault, ...] = (), name: str | None = None) -> EmulatedSensor:
        """Add a sensor playing ``recording`` over ``profile`` (``polar`` or ``hypnic``)."""
        from sensing.emulator.sensor import EmulatedSensor

        address = address or f"F0:00:00:00:{len(self.sensors) // 256:02X}:{len(self.sensors) % 256:02X}"
        sensor = EmulatedSensor(self, profile, recording, address.upper(), faults, name)
        self.sensors[sensor.address] = sensor
        return sensor

    async def central(self):
        """The bumble central device the bleak backends drive (powered on at first use)."""
        if self._central is None:
            from bumble.controller import Controller
            from bumble.device import Device
            from bumble.hci import Address
            from bumble.host import Host

            host = Host()
            host.controller = Controller("hypnic-central", link=self.link)
            self._central = Device("hypnic", address=Address("C0:FF:EE:00:00:01"), host=host)
            await self._central.power_on()
        return self._central

    async def scanning(self, change: int) -> None:
        """Count active scanners (+1/-1); the central scans while there is one."""
        central = await self.central()
        self._scanners += change
        if self._scanners == 1 and change > 0:
            await central.start_scanning(filter_duplicates=False)
        elif self._scanners == 0:
            await central.stop_scanning()

    async def start(self) -> None:
        """Power the sensors on, start advertising, and start the virtual clock."""
        if self._start_ns is None:
            self._start_ns = min(int(s.recording.time_ns[0]) for s in self.sensors.values())
        self._mono0 = time.monotonic_ns()
        await self.central()
        for sensor in self.sensors.values():
            await sensor.start()

    async def close(self) -> None:
        """Stop every sensor."""
        for sensor in self.sensors.values():
            await sensor.close()

    def _backends(self):
        from sensing.emulator.backend import BumbleClientBackend, BumbleScannerBackend

        air = self
        client = type("BumbleClientBackend", (BumbleClientBackend,), {"air": air})
        scanner = type("BumbleScannerBackend", (BumbleScannerBackend,), {"air": air})
        return client, scanner
