"""Emulated BLE sensors (Google's bumble stack) and bleak backends that reach them.

Nothing here is a mock of hypnic's own code: each :class:`EmulatedSensor` is a real
bumble GATT peripheral speaking the device's protocol bytes (Polar PMD, the open
hypnic profile, WitMotion), fed by a recording (e.g. from :mod:`simulation`), and the
bleak-facing reader talks to it through bleak's ``backend=`` hook with
:class:`BumbleClientBackend` / :class:`BumbleScannerBackend`, small
``BaseBleakClient`` / ``BaseBleakScanner`` subclasses driving a bumble central on the
same in-process ``LocalLink`` (the out-of-tree ``bleak-bumble`` package is not on PyPI).

Everything runs on the event loop's clock; :func:`run` runs a coroutine on a
:class:`VirtualClockLoop`, so the night's time is virtual: deterministic and as fast as
the processor allows, or paced at ``speed`` times real time. Typical use::

    async def main():
        air = EmulatedAir()
        sensor = air.add_sensor("polar", night.recordings["wrist-left"])
        await air.start()
        recorder = Recorder([SensorSpec(sensor.address, "wrist-left")], store,
                            client_backend=air.client_backend,
                            scanner_backend=air.scanner_backend, now_ns=air.now_ns)
        await recorder.run(duration_s=600)  # 10 min of night
        await air.close()

    run(main())
"""

from sensing.emulator.air import EmulatedAir
from sensing.emulator.backend import BumbleClientBackend, BumbleScannerBackend
from sensing.emulator.clock import VirtualClockLoop, run
from sensing.emulator.sensor import EmulatedSensor, Fault, emulated_address

__all__ = ["BumbleClientBackend", "BumbleScannerBackend", "EmulatedAir", "EmulatedSensor",
           "Fault", "VirtualClockLoop", "emulated_address", "run"]
