"""The emulated radio: a bumble LocalLink, sensors, one central, and the host clock.

Everything runs on the event loop's clock: run an emulated recording on a
:class:`~sensing.emulator.clock.VirtualClockLoop` (:func:`sensing.emulator.run`) and
the night's time is virtual, the same whatever the machine's load.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sensing.emulator.backend import BumbleClientBackend, BumbleScannerBackend
from sensing.emulator.sensor import EmulatedSensor, Fault, controller, emulated_address
from sensing.errors import HypnicError

if TYPE_CHECKING:
    from sensing.recording import Recording


class EmulatedAir:
    """Emulated sensors and a central on one bumble ``LocalLink``.

    Parameters
    ----------
    start_ns : int, optional
        Host time at :meth:`start`, ns since the epoch (default: the earliest first
        sample of the sensors' recordings). The host clock then runs with the event
        loop's clock.
    """

    def __init__(self, start_ns: int | None = None):
        from bumble.link import LocalLink

        self.link = LocalLink()
        self.sensors: dict[str, EmulatedSensor] = {}
        self._start_ns = start_ns
        self._t0: float | None = None   # loop time at start, s
        self._central: Any = None
        self._scanners = 0
        self.connect_lock = asyncio.Lock()
        air = self
        self.client_backend = type("BumbleClientBackend", (BumbleClientBackend,), {"air": air})
        self.scanner_backend = type("BumbleScannerBackend", (BumbleScannerBackend,), {"air": air})

    def now_ns(self) -> int:
        """Host UTC now, ns since the epoch: the start time plus the event loop's time since
        :meth:`start` (the start time before it)."""
        if self._start_ns is None:
            if not self.sensors:
                raise HypnicError("the emulated air has no sensor and no start time")
            self._start_ns = min(int(s.recording.time_ns[0]) for s in self.sensors.values())
        if self._t0 is None:
            return self._start_ns
        return self._start_ns + round((asyncio.get_running_loop().time() - self._t0) * 1e9)

    def add_sensor(self, profile: str, recording: Recording, address: str | None = None,
                   faults: tuple[Fault, ...] = (), name: str | None = None,
                   clock_drift_ppm: float = 0.0, memory_bytes: int = 16_000_000
                   ) -> EmulatedSensor:
        """Add a sensor playing ``recording`` over ``profile`` (``polar``, ``hypnic`` or
        ``witmotion``) at ``address`` (default: the next :func:`emulated_address` of the
        profile); a Polar sensor's clock drifts by ``clock_drift_ppm`` (ppm) and its
        memory holds ``memory_bytes`` (bytes)."""
        address = address or emulated_address(
            profile, sum(s.profile == profile for s in self.sensors.values()))
        sensor = EmulatedSensor(self.link, self.now_ns, profile, recording, address.upper(),
                                faults, name, clock_drift_ppm, memory_bytes)
        self.sensors[sensor.address] = sensor
        return sensor

    async def central(self) -> Any:
        """The bumble central device the bleak backends drive (powered on at first use)."""
        if self._central is None:
            from bumble.device import Device
            from bumble.hci import Address
            from bumble.host import Host

            host = Host()
            host.controller = controller("hypnic-central", self.link)
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
        """Start the host clock, power the sensors on and start advertising."""
        self.now_ns()  # fixes the start time
        self._t0 = asyncio.get_running_loop().time()
        await self.central()
        for sensor in self.sensors.values():
            await sensor.start()

    async def close(self) -> None:
        """Stop every sensor."""
        for sensor in self.sensors.values():
            await sensor.close()
