"""bleak backends over a bumble central: the seam the emulated sensors plug into.

``BleakClient(device, backend=air.client_backend)`` and
``BleakScanner(backend=air.scanner_backend)`` (the subclasses an
:class:`~sensing.emulator.air.EmulatedAir` makes, bound to it) run bleak's public API unchanged against a
bumble central on the air's ``LocalLink``: GATT discovery, reads, writes with and
without response, notifications and indications, and unsolicited disconnects (which
fire bleak's ``disconnected_callback``) are real bumble ATT traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar, Protocol

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError

log = logging.getLogger(__name__)

#: Requested ATT MTU (bumble starts at 23, which truncates notifications to 20 bytes).
MTU = 247

def _uuid(u: Any) -> str:
    """A bumble UUID as bleak's lower-case 128-bit string."""
    return str(uuid.UUID(bytes=bytes(reversed(u.to_bytes(force_128=True)))))


class Air(Protocol):
    """What the backends need of the emulated air (:class:`sensing.emulator.air.EmulatedAir`)."""

    sensors: dict[str, Any]
    connect_lock: asyncio.Lock

    async def central(self) -> Any: ...

    async def scanning(self, change: int) -> None: ...


_PROPERTY_NAMES = {0x02: "read", 0x04: "write-without-response", 0x08: "write",
                   0x10: "notify", 0x20: "indicate"}


class BumbleClientBackend(BaseBleakClient):
    """A ``BaseBleakClient`` driving the air's bumble central (bound to an air by
    :class:`~sensing.emulator.air.EmulatedAir`, which subclasses it with ``air`` set)."""

    air: ClassVar[Air]

    def __init__(self, address_or_ble_device: Any, **kwargs: Any):
        super().__init__(address_or_ble_device,
                         disconnected_callback=kwargs.get("disconnected_callback"),
                         timeout=kwargs.get("timeout", 10.0))
        self._conn: Any = None
        self._peer: Any = None
        self._proxies: dict[int, Any] = {}
        self._closing = False

    @property
    def name(self) -> str:
        sensor = self.air.sensors.get(self.address.upper())
        return sensor.name if sensor else self.address

    @property
    def mtu_size(self) -> int:
        return self._conn.att_mtu if self._conn is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._conn is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        from bumble.device import Peer
        from bumble.hci import Address

        central = await self.air.central()
        if self.address.upper() not in self.air.sensors:
            raise BleakDeviceNotFoundError(self.address, f"no emulated sensor {self.address}")
        async with self.air.connect_lock:  # bumble allows one pending connection at a time
            try:
                conn = await central.connect(Address(self.address), timeout=self._timeout)
            except Exception as exc:
                raise BleakError(f"emulated connect to {self.address} failed: {exc}") from exc
        self._conn, self._closing = conn, False
        conn.on("disconnection", self._on_disconnection)
        self._peer = Peer(conn)
        with self._link_lost("discovery"):
            self.services = await self._discover()

    @contextlib.contextmanager
    def _link_lost(self, what: str) -> Iterator[None]:
        """Report a link lost during a GATT request as a BleakError.

        bumble cancels its pending ATT requests when the link drops; a real bleak backend
        raises BleakError instead, which the reader retries. A cancellation of our own
        task (Python >= 3.11 tells them apart) is passed on.
        """
        try:
            yield
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and getattr(task, "cancelling", lambda: 0)():
                raise
            raise BleakError(f"emulated link to {self.address} lost during {what}") from None

    async def _discover(self) -> BleakGATTServiceCollection:
        """MTU exchange and service discovery, as bleak's services."""
        await self._peer.request_mtu(MTU)
        await self._peer.discover_services()
        collection = BleakGATTServiceCollection()
        for service in self._peer.services:
            await service.discover_characteristics()
            svc = BleakGATTService(service, service.handle, _uuid(service.uuid))
            collection.add_service(svc)
            for proxy in service.characteristics:
                props: list[Any] = [n for bit, n in _PROPERTY_NAMES.items()
                                    if int(proxy.properties) & bit]
                collection.add_characteristic(BleakGATTCharacteristic(
                    proxy, proxy.handle, _uuid(proxy.uuid), props,
                    lambda: self.mtu_size - 3, svc))
                self._proxies[proxy.handle] = proxy
        return collection

    def _on_disconnection(self, reason: int) -> None:
        self._conn = None
        if not self._closing and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        self._closing = True
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await asyncio.wait_for(conn.disconnect(), 2.0)
            except Exception as exc:  # the link may already be gone
                log.debug("emulated disconnect: %r", exc)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        log.debug("emulated sensors need no pairing")

    async def unpair(self) -> None:
        log.debug("emulated sensors need no pairing")

    def _proxy(self, characteristic: BleakGATTCharacteristic) -> Any:
        if self._conn is None:
            raise BleakError("not connected")
        return self._proxies[characteristic.handle]

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, **kwargs: Any
                             ) -> bytearray:
        with self._link_lost("a read"):
            return bytearray(await self._proxy(characteristic).read_value())

    async def read_gatt_descriptor(self, descriptor: Any, **kwargs: Any) -> bytearray:
        raise BleakError("emulated sensors have no readable descriptors")

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any,
                              response: bool) -> None:
        with self._link_lost("a write"):
            await self._proxy(characteristic).write_value(bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: Any, data: Any) -> None:
        raise BleakError("use start_notify/stop_notify instead of writing descriptors")

    async def start_notify(self, characteristic: BleakGATTCharacteristic,
                           callback: NotifyCallback, **kwargs: Any) -> None:
        with self._link_lost("subscribing"):
            await self._peer.subscribe(self._proxy(characteristic),
                                       lambda value: callback(bytearray(value)))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        with self._link_lost("unsubscribing"):
            await self._peer.unsubscribe(self._proxy(characteristic))


class BumbleScannerBackend(BaseBleakScanner):
    """A ``BaseBleakScanner`` listening to advertisements on the air's bumble central."""

    air: ClassVar[Air]

    def __init__(self, detection_callback: Any = None, service_uuids: Any = None,
                 scanning_mode: str = "active", **kwargs: Any):
        super().__init__(detection_callback, service_uuids)

    def _on_advertisement(self, adv: Any) -> None:
        from bumble.core import AdvertisingData

        address = adv.address.to_string(False).upper()
        name = adv.data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
        uuids = [_uuid(u) for u in
                 adv.data.get_all(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS)
                 for u in (u if isinstance(u, list) else [u])]
        if not self.is_allowed_uuid(uuids):
            return
        data = AdvertisementData(name, {}, {}, uuids, None, adv.rssi, (adv,))
        device = self.create_or_update_device(address, address, name, adv, data)
        self.call_detection_callbacks(device, data)

    async def start(self) -> None:
        self.seen_devices = {}
        central = await self.air.central()
        central.on("advertisement", self._on_advertisement)
        await self.air.scanning(+1)

    async def stop(self) -> None:
        central = await self.air.central()
        central.remove_listener("advertisement", self._on_advertisement)
        await self.air.scanning(-1)

