"""Emulated BLE sensors (Google's bumble stack) and bleak backends that reach them.

Nothing here is a mock of hypnic's own code: each :class:`EmulatedSensor` is a real
bumble GATT peripheral speaking the device's protocol bytes (Polar PMD, the open
hypnic profile), fed by a recording (e.g. from :mod:`sensing.simulate`), and the
bleak-facing reader talks to it through bleak's ``backend=`` hook with
:class:`BumbleClientBackend` / :class:`BumbleScannerBackend`, small
``BaseBleakClient`` / ``BaseBleakScanner`` subclasses driving a bumble central on the
same in-process ``LocalLink`` (the out-of-tree ``bleak-bumble`` package is not on PyPI).

Typical use::

    air = EmulatedAir(speed=20)
    sensor = air.add_sensor("polar", night.recordings["wrist-left"])
    await air.start()
    recorder = Recorder([SensorSpec(sensor.address, "wrist-left")], store,
                        client_backend=air.client_backend,
                        scanner_backend=air.scanner_backend, now_ns=air.now_ns)
"""

from sensing.emulator.air import EmulatedAir, Fault
from sensing.emulator.backend import BumbleClientBackend, BumbleScannerBackend
from sensing.emulator.sensor import EmulatedSensor

__all__ = ["BumbleClientBackend", "BumbleScannerBackend", "EmulatedAir", "EmulatedSensor",
           "Fault"]
