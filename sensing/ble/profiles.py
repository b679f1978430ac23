"""Supported sensors: one :class:`Profile` per GATT protocol, and their registry.

A profile knows how to recognise a sensor in a scan, start and stop its accelerometer
stream over a connected ``bleak.BleakClient``, and decode one notification into a
:class:`Block` of samples with whatever timing the device provides. Decoding is pure
(see :mod:`sensing.ble.pmd`, :mod:`sensing.ble.hypnic_profile`, :func:`decode_witmotion`).

============  ==============================  ===================  =====================
profile       devices                         timing               rates (Hz) / range
============  ==============================  ===================  =====================
``polar``     Polar Verity Sense, OH1, H10    device time per      per device (queried),
              (PMD service)                   frame (last sample)  +-8 g default
``hypnic``    DIY boards (open profile)       counter + device us  set by command
``witmotion`` WitMotion BWT901BLE, WT901BLE   host arrival only    10/50/100/200, +-16 g
============  ==============================  ===================  =====================
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sensing.ble import hypnic_profile, pmd
from sensing.errors import DeviceError, FormatError

log = logging.getLogger(__name__)

BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
"""Bluetooth SIG Battery Level characteristic (u8 percent)."""

NotifyCallback = Callable[[Any, bytearray], None]


@dataclass(frozen=True)
class Block:
    """Samples decoded from one notification.

    Attributes
    ----------
    samples_g : ndarray of float32, shape (n, 3)
        Acceleration x, y, z, g.
    device_last_ns : int or None
        Device time of the last sample, ns (None if the device sends no time).
    counter : int or None
        Device sample counter of the first sample (None if the device has none).
    """

    samples_g: np.ndarray
    device_last_ns: int | None = None
    counter: int | None = None


def nearest(options: Sequence[float], wanted: float) -> int:
    """The option closest to ``wanted`` (the larger one on a tie)."""
    return int(min(sorted(options, reverse=True), key=lambda o: abs(o - wanted)))


class Profile(abc.ABC):
    """One GATT accelerometer protocol (one instance per connected sensor).

    Attributes
    ----------
    fs_hz : float
        Nominal rate in force after :meth:`start`, Hz.
    range_g : int
        Full-scale range in force after :meth:`start`, g.
    stopped_by_device : bool
        Set when the sensor announces that it stopped the stream by itself (the
        reader then restarts it at once instead of waiting for its watchdog).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    service_uuid: ClassVar[str]
    data_uuid: ClassVar[str]
    name_prefixes: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.fs_hz = 0.0
        self.range_g = 0
        self.stopped_by_device = False

    @classmethod
    def matches(cls, name: str | None, service_uuids: list[str]) -> bool:
        """Whether an advertisement (local name, service UUIDs) is this kind of sensor."""
        return cls.service_uuid in [u.lower() for u in service_uuids] or any(
            (name or "").startswith(p) for p in cls.name_prefixes)

    @abc.abstractmethod
    async def start(self, client: Any, on_data: NotifyCallback, fs_hz: float,
                    range_g: int) -> None:
        """Configure rate and range, subscribe ``on_data`` and start streaming.

        Raises
        ------
        DeviceError
            If the sensor refuses the configuration or lacks the service.
        """

    @abc.abstractmethod
    async def stop(self, client: Any) -> None:
        """Stop streaming (best effort; the link may already be gone)."""

    @abc.abstractmethod
    def decode(self, data: bytes) -> Block:
        """Decode one notification (pure; raises FormatError on malformed bytes)."""


class PolarProfile(Profile):
    """Polar Measurement Data accelerometer (Verity Sense, OH1, H10)."""

    name = "polar"
    title = "Polar PMD (Verity Sense, OH1, H10)"
    service_uuid = pmd.SERVICE_UUID
    data_uuid = pmd.DATA_UUID
    name_prefixes = ("Polar ",)

    def __init__(self) -> None:
        super().__init__()
        self.factor = 1.0
        self._responses: asyncio.Queue[bytes] = asyncio.Queue()

    def _on_control(self, _char: Any, data: bytearray) -> None:
        if data[:1] == b"\x01":  # device-initiated stop: 01 <measurement types>
            log.info("Polar sensor stopped measurement(s) %s by itself", bytes(data[1:]).hex(" "))
            self.stopped_by_device = True
            return
        self._responses.put_nowait(bytes(data))

    async def open_control(self, client: Any) -> None:
        """Subscribe to the control point's responses (before any :meth:`command`)."""
        self.stopped_by_device = False
        self._responses = asyncio.Queue()  # nothing stale from an earlier connection
        await client.start_notify(pmd.CONTROL_UUID, self._on_control)

    async def command(self, client: Any, command: bytes,
                      timeout_s: float = 5.0) -> pmd.ControlResponse:
        """Write a control-point command and wait for its response.

        Raises
        ------
        DeviceError
            If no response comes within ``timeout_s`` seconds.
        """
        await client.write_gatt_char(pmd.CONTROL_UUID, command, response=True)
        while True:
            try:
                data = await asyncio.wait_for(self._responses.get(), timeout_s)
            except asyncio.TimeoutError as exc:
                raise DeviceError(f"Polar sensor did not answer command {command.hex(' ')}") from exc
            if len(data) >= 4 and data[0] == pmd.RESPONSE_CODE and data[1] == command[0]:
                return pmd.parse_control_response(data)
            log.debug("ignoring control-point message %s", data.hex(" "))

    async def start(self, client: Any, on_data: NotifyCallback, fs_hz: float,
                    range_g: int) -> None:
        await self.open_control(client)
        await client.start_notify(pmd.DATA_UUID, on_data)
        features = bytes(await client.read_gatt_char(pmd.CONTROL_UUID))
        if len(features) < 2 or features[0] != 0x0F or not features[1] & 0x04:
            raise DeviceError("this Polar device does not offer accelerometer streaming "
                              f"(features {features.hex(' ')})")
        answer = await self.command(client, pmd.query_settings_command())
        if not answer.ok:
            raise DeviceError(f"Polar sensor refused the settings query: {answer.message}")
        offered = pmd.parse_settings(answer.params)
        self.fs_hz = nearest(offered.get("sample_rate", [52]), fs_hz)
        self.range_g = nearest(offered.get("range", [8]), range_g)
        start = pmd.start_command(int(self.fs_hz), int(max(offered.get("resolution", [16]))),
                                  self.range_g, int(max(offered.get("channels", [3]))))
        answer = await self.command(client, start)
        if answer.status == 6:  # already streaming (e.g. after a dropped link): restart it
            await self.command(client, pmd.stop_command())
            answer = await self.command(client, start)
        if not answer.ok:
            raise DeviceError(f"Polar sensor refused to start the accelerometer at "
                              f"{self.fs_hz} Hz +-{self.range_g} g: {answer.message}")
        self.factor = pmd.parse_settings(answer.params).get("factor", [1.0])[0]

    async def stop(self, client: Any) -> None:
        await client.write_gatt_char(pmd.CONTROL_UUID, pmd.stop_command(), response=True)

    def decode(self, data: bytes) -> Block:
        frame = pmd.decode_acc_frame(data, self.factor)
        return Block(frame.samples_g, frame.timestamp_ns)


class HypnicProfile(Profile):
    """The open hypnic GATT profile (``firmware_notes/hypnic-gatt-profile.md``)."""

    name = "hypnic"
    title = "hypnic open profile (DIY nRF52840 / ESP32 boards)"
    service_uuid = hypnic_profile.SERVICE_UUID
    data_uuid = hypnic_profile.DATA_UUID
    name_prefixes = ("hypnic",)

    async def start(self, client: Any, on_data: NotifyCallback, fs_hz: float,
                    range_g: int) -> None:
        # the request; the device applies the nearest rate and range it has, which every
        # packet reports (decode updates fs_hz and range_g)
        self.fs_hz = float(round(fs_hz))
        self.range_g = nearest(hypnic_profile.RANGES_G, range_g)
        await client.start_notify(hypnic_profile.DATA_UUID, on_data)
        for cmd, params in (("set_range", {"range_g": self.range_g}),
                            ("set_rate", {"fs_hz": int(self.fs_hz)}), ("start", {})):
            await client.write_gatt_char(hypnic_profile.CONTROL_UUID,
                                         hypnic_profile.encode_command(cmd, **params),
                                         response=True)

    async def stop(self, client: Any) -> None:
        await client.write_gatt_char(hypnic_profile.CONTROL_UUID,
                                     hypnic_profile.encode_command("stop"), response=True)

    def decode(self, data: bytes) -> Block:
        p = hypnic_profile.decode_packet(data)
        # the rate and range in force, which may differ from the request
        self.fs_hz, self.range_g = float(p.fs_hz), p.range_g
        last = p.timestamp_us * 1000 + round((p.n_samples - 1) * 1e9 / p.fs_hz)
        return Block(p.samples_g, last, p.counter)


WITMOTION_RATES = {10: 0x06, 50: 0x08, 100: 0x09, 200: 0x0B}
"""WitMotion output-rate register (0x03) codes by rate, Hz."""


def decode_witmotion(data: bytes) -> np.ndarray:
    """Accelerations of a WitMotion BLE notification.

    The notification holds one or more 20-byte packets; ``55 61`` packets carry
    int16 LE ax, ay, az, wx, wy, wz, roll, pitch, yaw with ``g = raw / 32768 * 16``.
    Register replies (``55 71``) carry no acceleration and are skipped.

    Returns
    -------
    ndarray of float32, shape (n, 3)
        Acceleration in g (n may be 0).

    Raises
    ------
    FormatError
        If the length is not a multiple of 20 or a packet does not start with 0x55.
    """
    data = bytes(data)
    if not data or len(data) % 20:
        raise FormatError(f"WitMotion notification of {len(data)} bytes is not a whole "
                          "number of 20-byte packets")
    packets = np.frombuffer(data, np.uint8).reshape(-1, 20)
    if (packets[:, 0] != 0x55).any():
        raise FormatError(f"WitMotion packet does not start with 0x55: {data[:20].hex(' ')}")
    acc = packets[packets[:, 1] == 0x61, 2:8].copy().view("<i2")
    return acc.astype(np.float32) * np.float32(16 / 32768)


def encode_witmotion(samples_g: np.ndarray) -> bytes:
    """WitMotion ``55 61`` packets for samples in g, gyro and angles zero (emulator, tests)."""
    raw = np.clip(np.rint(np.asarray(samples_g) * 32768 / 16), -32768, 32767).astype("<i2")
    out = np.zeros((len(raw), 20), np.uint8)
    out[:, 0], out[:, 1] = 0x55, 0x61
    out[:, 2:8] = raw.view(np.uint8).reshape(-1, 6)
    return out.tobytes()


class WitMotionProfile(Profile):
    """WitMotion BWT901BLE / WT901BLE5.0 IMUs (host-clocked: no device time)."""

    name = "witmotion"
    title = "WitMotion BWT901BLE / WT901BLE5.0"
    service_uuid = "0000ffe5-0000-1000-8000-00805f9a34fb"
    data_uuid = "0000ffe4-0000-1000-8000-00805f9a34fb"
    write_uuid = "0000ffe9-0000-1000-8000-00805f9a34fb"
    name_prefixes = ("WT901", "BWT901", "WT9011")

    async def start(self, client: Any, on_data: NotifyCallback, fs_hz: float,
                    range_g: int) -> None:
        self.fs_hz = float(nearest(list(WITMOTION_RATES), fs_hz))
        self.range_g = 16
        await client.start_notify(self.data_uuid, on_data)
        await client.write_gatt_char(self.write_uuid, b"\xff\xaa\x69\x88\xb5", response=True)
        await client.write_gatt_char(
            self.write_uuid, bytes([0xFF, 0xAA, 0x03, WITMOTION_RATES[int(self.fs_hz)], 0]),
            response=True)

    async def stop(self, client: Any) -> None:
        await client.stop_notify(self.data_uuid)

    def decode(self, data: bytes) -> Block:
        return Block(decode_witmotion(data))


PROFILES: dict[str, type[Profile]] = {
    p.name: p for p in (PolarProfile, HypnicProfile, WitMotionProfile)}
"""Supported profiles by name."""


def detect_profile(name: str | None, service_uuids: list[str]) -> str | None:
    """Name of the profile an advertisement matches, or None."""
    for key, cls in PROFILES.items():
        if cls.matches(name, service_uuids):
            return key
    return None


async def read_battery(client: Any) -> int | None:
    """Battery level in percent via the standard Battery Service, or None if absent."""
    services = getattr(client, "services", None)
    if services is None or services.get_characteristic(BATTERY_LEVEL_UUID) is None:
        return None
    value = await client.read_gatt_char(BATTERY_LEVEL_UUID)
    return int(value[0]) if value else None
