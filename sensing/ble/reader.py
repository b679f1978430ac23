"""All-night recording from one or more BLE accelerometers with bleak.

:class:`Recorder` connects to every sensor, configures it through its
:class:`~sensing.ble.profiles.Profile`, and records until stopped:

* The notification callback only stamps each value with the host clock and queues
  the raw bytes; one consumer task decodes, places samples in time
  (:class:`~sensing.ble.clock.SensorClock`), runs live detection and appends to the
  crash-safe :class:`~sensing.store.RecordingStore` (committed every ~1 s).
* A dropped link (disconnect callback), a link that stays up but delivers nothing for
  ``watchdog_s`` (a zombie link or a stalled stream) and failed connects all lead to a
  reconnect with exponential backoff, re-subscription and restart of the stream.
  The gap is marked explicitly when the first samples arrive again.
* Several sensors share one host time base (``now_ns``, UTC).

``client_backend`` / ``scanner_backend`` are passed to bleak's ``backend=`` argument:
None (the default) uses the platform's Bluetooth stack; :mod:`sensing.emulator`
provides backends over emulated sensors for tests and ``hypnic record --emulate``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sensing.ble.clock import ClockConfig, SensorClock
from sensing.ble.profiles import PROFILES, Block, Profile, detect_profile, read_battery
from sensing.errors import DeviceError, FormatError, HypnicError
from sensing.recording import LOCATIONS
from sensing.store import RecordingStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SensorSpec:
    """One sensor to record.

    Attributes
    ----------
    address : str
        Bluetooth address (a UUID on macOS).
    location : str
        Where it is worn (a key of :data:`sensing.recording.LOCATIONS`).
    profile : str or None
        A key of :data:`sensing.ble.profiles.PROFILES`; None detects it from the
        advertisement.
    fs_hz : float
        Wanted sampling rate, Hz (the nearest the sensor offers is used).
    range_g : int
        Wanted full-scale range, g.
    """

    address: str
    location: str = "unknown"
    profile: str | None = None
    fs_hz: float = 100.0
    range_g: int = 8

    def __post_init__(self) -> None:
        if self.location not in LOCATIONS:
            raise HypnicError(f"unknown location {self.location!r}; expected one of "
                              f"{', '.join(LOCATIONS)}")
        if self.profile is not None and self.profile not in PROFILES:
            raise HypnicError(f"unknown sensor profile {self.profile!r}; supported: "
                              f"{', '.join(PROFILES)}")


@dataclass(frozen=True)
class ReaderConfig:
    """Parameters of :class:`Recorder`.

    Attributes
    ----------
    scan_timeout_s : float
        How long to look for a sensor before a connect attempt fails, s.
    connect_timeout_s : float
        bleak connect timeout, s.
    backoff_initial_s, backoff_max_s : float
        First and longest wait between reconnect attempts (doubling), s.
    first_connect_attempts : int
        Connection failures tolerated before the first successful connect (a sensor
        that is not found at all fails at once), then the error is reported.
    watchdog_s : float
        A connected link with no notification for this long is dropped and
        reconnected (zombie link or stalled stream), s.
    battery_every_s : float
        Battery level poll period, s.
    stop_timeout_s : float
        At the end, how long a sensor may take to stop and disconnect cleanly
        before its connection attempt is abandoned, s.
    detect : bool
        Run live jerk detection (``detection.StreamingDetector``).
    clock : ClockConfig
        Timing parameters.
    """

    scan_timeout_s: float = 10.0
    connect_timeout_s: float = 20.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    first_connect_attempts: int = 3
    watchdog_s: float = 10.0
    battery_every_s: float = 300.0
    stop_timeout_s: float = 3.0
    detect: bool = True
    clock: ClockConfig = field(default_factory=ClockConfig)


@dataclass
class SensorStatus:
    """Live state of one sensor, for the status line and the final summary."""

    address: str
    location: str
    profile: str = ""
    link: str = "starting"
    samples: int = 0
    rate_hz: float = 0.0
    battery: int | None = None
    gaps: int = 0
    missing: int = 0
    reconnects: int = 0
    jerks: int = 0
    bad_packets: int = 0
    duplicates: int = 0
    late_dropped: int = 0

    def summary(self) -> dict[str, Any]:
        """Machine-readable summary (JSON-ready)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("link", "rate_hz")}


@contextlib.contextmanager
def bluetooth_errors(what: str) -> Iterator[None]:
    """Turn a missing adapter or a denied permission into one clear DeviceError."""
    from bleak.exc import BleakBluetoothNotAvailableError

    try:
        yield
    except BleakBluetoothNotAvailableError as exc:
        raise DeviceError(f"{what}: Bluetooth is not available ({exc.reason.name.lower()}: "
                          f"{exc.args[0]})") from exc
    except PermissionError as exc:
        raise DeviceError(f"{what}: permission to use Bluetooth denied ({exc})") from exc
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise DeviceError(f"{what}: no Bluetooth adapter or Bluetooth service found "
                          "(on Linux: is bluetoothd running?)") from exc


class Sequencer:
    """Drops repeated notifications and puts one that arrives a place late back in order.

    Bluetooth LE delivers notifications in order and once, but a sensor's firmware may
    resend one or a host stack may reorder; such packets would otherwise look like a
    clock reset. Packets with a device time are keyed by it: the newest one is held
    back until the next arrives (one notification of extra delay, ~0.4 s at 100 Hz);
    a packet with the same device time as one already seen is a duplicate and is
    dropped; one older than the held packet by less than ``window_ns`` is released
    first. A packet older than the last released one cannot be put back; it is
    dropped and counted. Host-clocked packets (no device time) pass straight through.

    Parameters
    ----------
    window_ns : int
        Largest device-time step back treated as reordering rather than a reboot, ns.
    """

    def __init__(self, window_ns: int = 2_000_000_000):
        self.window_ns = window_ns
        self.duplicates = 0
        self.late = 0
        self._held: tuple[int, Block] | None = None
        self._last: int | None = None  # device time of the last packet released

    def push(self, host_ns: int, block: Block) -> list[tuple[int, Block]]:
        """Add a packet; returns the packets ready to be placed, in order."""
        key = block.device_last_ns
        if key is None:
            return [*self.flush(), (host_ns, block)]
        held = self._held
        if key == self._last or (held is not None and key == held[1].device_last_ns):
            self.duplicates += 1
            return []
        if self._last is not None and self._last - self.window_ns < key < self._last:
            self.late += 1
            log.warning("a notification arrived too late to be put back in order: dropped")
            return []
        if held is not None:
            held_key = held[1].device_last_ns
            if held_key is not None and held_key - self.window_ns < key < held_key:
                self._last = key
                return [(host_ns, block)]  # late by one place: goes before the held one
        out = self.flush()
        self._held = (host_ns, block)
        return out

    def flush(self) -> list[tuple[int, Block]]:
        """Release the held packet (at a reconnect and at the end)."""
        if self._held is None:
            return []
        held, self._held = self._held, None
        self._last = held[1].device_last_ns
        return [held]


class _Link:
    """One sensor's connection loop."""

    def __init__(self, index: int, spec: SensorSpec, rec: Recorder):
        self.index, self.spec, self.rec = index, spec, rec
        self.status = SensorStatus(spec.address, spec.location, spec.profile or "")
        self.profile: Profile | None = None
        self.clock: SensorClock | None = None
        self.sensor_id = -1
        self.detector: Any = None
        self.last_rx = time.monotonic()
        self.connected_once = False
        self.sequencer = Sequencer()
        self._name = spec.address             # device name, for the store at registration
        self._early_log: list[tuple[str, str]] = []  # link events before registration
        self._kinds: dict[int, str] = {}      # event_id -> kind, for revisions
        self._detected: dict[int, int] = {}   # event_id -> host time it was first found

    def on_data(self, _char: Any, data: bytearray) -> None:
        """bleak notification callback: stamp and queue only."""
        self.last_rx = time.monotonic()
        self.rec.queue.put_nowait((self.index, self.rec.now_ns(), bytes(data)))

    async def _scan(self) -> tuple[Any, Any] | None:
        from bleak import BleakScanner

        address = self.spec.address.upper()
        async with BleakScanner(backend=self.rec.scanner_backend) as scanner:
            async for device, adv in scanner.advertisement_data():
                if device.address.upper() == address:
                    return device, adv
        return None

    async def run(self) -> None:
        cfg = self.rec.cfg
        backoff = cfg.backoff_initial_s
        attempts = 0
        while not self.rec.stopping.is_set():
            try:
                await self._session()
                backoff = cfg.backoff_initial_s
            except DeviceError:
                if not self.connected_once:
                    raise
                log.warning("%s: device error", self.spec.address, exc_info=True)
            except (asyncio.TimeoutError, OSError, EOFError, FormatError) as exc:
                if not self.connected_once and isinstance(exc, asyncio.TimeoutError):
                    raise DeviceError(f"sensor {self.spec.address} not found (is it on, "
                                      "charged and not connected to a phone?)") from exc
                log.info("%s: link error: %r", self.spec.address, exc)
            except Exception as exc:  # bleak's own errors: retry
                if type(exc).__module__.split(".")[0] != "bleak":
                    raise
                attempts += 1
                if not self.connected_once and attempts >= cfg.first_connect_attempts:
                    raise DeviceError(f"cannot connect to {self.spec.address}: {exc}") from exc
                log.info("%s: bleak error: %r", self.spec.address, exc)
            if self.rec.stopping.is_set():
                break
            self.status.link = f"reconnecting in {backoff:.0f} s"
            self._log("backoff", f"{backoff:.2f}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.rec.stopping.wait(), backoff)
            backoff = min(backoff * 2, cfg.backoff_max_s)
        self.status.link = "stopped"

    async def _session(self) -> None:
        from bleak import BleakClient

        cfg = self.rec.cfg
        self.status.link = "scanning"
        with bluetooth_errors(f"cannot scan for {self.spec.address}"):
            found = await asyncio.wait_for(self._scan(), cfg.scan_timeout_s)
        if found is None:
            raise asyncio.TimeoutError
        device, adv = found
        if self.profile is None:
            name = self.spec.profile or detect_profile(adv.local_name, adv.service_uuids)
            if name is None:
                raise DeviceError(f"{self.spec.address} ({adv.local_name or 'no name'}) is not a "
                                  f"supported sensor; supported: "
                                  f"{', '.join(p.title for p in PROFILES.values())}")
            self.profile = PROFILES[name]()
            self.status.profile = name
        self.status.link = "connecting"
        lost = asyncio.Event()
        client = BleakClient(device, disconnected_callback=lambda _c: lost.set(),
                             timeout=cfg.connect_timeout_s, backend=self.rec.client_backend)
        with bluetooth_errors(f"cannot connect to {self.spec.address}"):
            async with client:
                try:
                    await self._stream(client, device, adv, lost)
                finally:
                    if client.is_connected and self.rec.stopping.is_set():
                        with contextlib.suppress(Exception):  # H10s keep streaming otherwise
                            await asyncio.wait_for(self.profile.stop(client), 2.0)
                    self.status.link = "disconnected"

    async def _stream(self, client: Any, device: Any, adv: Any, lost: asyncio.Event) -> None:
        """Start the stream on a connected client and watch it until it ends."""
        if self.profile is None:
            return
        if self.connected_once:
            self.rec.queue.put_nowait((self.index, None, b""))  # reconnect marker
            self.status.reconnects += 1
        if not self.connected_once:
            self._name = adv.local_name or device.name or self.spec.address
        await self.profile.start(client, self.on_data, self.spec.fs_hz, self.spec.range_g)
        self.connected_once = True
        self._log("connect")
        self.status.link = "streaming"
        self.last_rx = time.monotonic()
        await self._watch(client, lost)

    async def _watch(self, client: Any, lost: asyncio.Event) -> None:
        cfg = self.rec.cfg
        next_battery = 0.0
        while not self.rec.stopping.is_set():
            now = time.monotonic()
            if now >= next_battery:
                with contextlib.suppress(Exception):
                    self.status.battery = await read_battery(client)
                next_battery = now + cfg.battery_every_s
            if lost.is_set():
                self._log("disconnect", "link lost")
                return
            if self.profile is not None and self.profile.stopped_by_device:
                self._log("stall", "the sensor stopped the stream")
                return
            if now - self.last_rx > cfg.watchdog_s:
                self._log("stall", f"no data for {cfg.watchdog_s} s")
                log.info("%s: no data for %.1f s: reconnecting", self.spec.address,
                         cfg.watchdog_s)
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(lost.wait(), min(0.25, cfg.watchdog_s / 4))

    def _log(self, kind: str, detail: str = "") -> None:
        """Log a link event in the store (kept until the sensor is registered)."""
        if self.clock is None and self.connected_once:
            self._early_log.append((kind, detail))
        else:
            self.rec.store.log(self.sensor_id, kind, detail)

    def _register(self) -> None:
        """Add the sensor to the store and create its clock and detector: at the first
        decoded packet, so that the rate a packet reports (hypnic profile) is the one
        used, or at the end if none came."""
        p = self.profile
        if p is None:
            raise DeviceError(f"{self.spec.address}: no profile chosen")
        self.clock = SensorClock(p.fs_hz, self.rec.cfg.clock)
        self.sensor_id = self.rec.store.add_sensor(self.spec.address, self._name, p.name,
                                                   self.spec.location, p.fs_hz, p.range_g,
                                                   self.rec.now_ns())
        for kind, detail in self._early_log:
            self.rec.store.log(self.sensor_id, kind, detail)
        self._early_log.clear()
        if self.rec.cfg.detect:
            from detection import StreamingDetector

            self.detector = StreamingDetector(p.fs_hz, self.spec.location)

    def consume(self, host_ns: int | None, data: bytes) -> None:
        """Decode, order, time, store and detect one queued notification (consumer side)."""
        if host_ns is None:  # reconnect marker: what came before is complete
            self._place_all(self.sequencer.flush())
            if self.clock is not None:
                self.clock.reconnected()
            return
        if self.profile is None:
            return
        try:
            block = self.profile.decode(data)
        except FormatError as exc:
            self.status.bad_packets += 1
            log.warning("%s: bad packet dropped: %s", self.spec.address, exc)
            return
        if len(block.samples_g):
            if self.clock is None:
                self._register()
            elif self.profile.fs_hz != self.clock.fs_hz:
                log.warning("%s: the sensor now reports %g Hz instead of %g Hz",
                            self.spec.address, self.profile.fs_hz, self.clock.fs_hz)
            self._place_all(self.sequencer.push(host_ns, block))

    def _place_all(self, items: list[tuple[int, Block]]) -> None:
        for host_ns, block in items:
            self._place(host_ns, block)

    def _place(self, host_ns: int, block: Block) -> None:
        if self.clock is None:
            return
        n = len(block.samples_g)
        placed = self.clock.place(n, host_ns, block.device_last_ns, block.counter)
        store = self.rec.store
        if placed.gap is not None:
            store.add_gap(self.sensor_id, *placed.gap, placed.reason)
            self.status.gaps += 1
            self.status.missing += max(placed.missing, 0)
        store.append(self.sensor_id, placed.time_ns, block.samples_g)
        self.status.samples += n
        if self.detector is not None:
            self._events(self.detector.push(placed.time_ns, block.samples_g))

    def _events(self, events: Any) -> None:
        """Store new and revised events from the detector; count jerks."""
        if events is None or len(events) == 0:
            return
        now = self.rec.now_ns()
        skip = {"start", "end", "event_id", "kind", "start_ns", "end_ns", "peak_g", "score",
                "location", "revised"}
        for ev in events.to_dict("records"):
            eid, kind = int(ev["event_id"]), str(ev["kind"])
            old = self._kinds.get(eid)
            self.status.jerks += (kind == "jerk") - (old == "jerk")
            self._kinds[eid] = kind
            detail = {k: v for k, v in ev.items() if k not in skip}
            detail["detected_ns"] = self._detected.setdefault(eid, now)
            self.rec.store.add_event(self.sensor_id, eid, kind, ev["start_ns"], ev["end_ns"],
                                     ev["peak_g"], ev["score"], detail)

    def finish(self) -> None:
        """End of the recording: place what is held back and flush the detector."""
        if self.clock is None and self.connected_once:  # connected, but no data came
            self._register()
        self._place_all(self.sequencer.flush())
        self.status.duplicates = self.sequencer.duplicates
        self.status.late_dropped = self.sequencer.late
        if self.detector is not None:
            self._events(self.detector.flush())


class Recorder:
    """Records several sensors into one store until stopped (see the module docstring).

    Parameters
    ----------
    sensors : list of SensorSpec
    store : RecordingStore
    config : ReaderConfig, optional
    client_backend, scanner_backend : type, optional
        bleak backends (None: the platform's).
    now_ns : callable, optional
        Host clock, ns since the epoch (default ``time.time_ns``).
    """

    def __init__(self, sensors: list[SensorSpec], store: RecordingStore,
                 config: ReaderConfig | None = None, client_backend: type | None = None,
                 scanner_backend: type | None = None,
                 now_ns: Callable[[], int] = time.time_ns):
        if not sensors:
            raise HypnicError("no sensor to record: give at least one --device")
        addresses = [s.address.upper() for s in sensors]
        if len(set(addresses)) != len(addresses):
            raise HypnicError("the same sensor address is given twice")
        self.cfg = config or ReaderConfig()
        self.store = store
        self.client_backend, self.scanner_backend, self.now_ns = (
            client_backend, scanner_backend, now_ns)
        self.queue: asyncio.Queue[tuple[int, int | None, bytes] | None] = asyncio.Queue()
        self.stopping = asyncio.Event()
        self.links = [_Link(i, s, self) for i, s in enumerate(sensors)]
        self.started_ns = 0
        self._fatal: BaseException | None = None

    @property
    def statuses(self) -> list[SensorStatus]:
        """Live status of every sensor."""
        return [link.status for link in self.links]

    async def _consume(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            index, host_ns, data = item
            try:
                self.links[index].consume(host_ns, data)
            except HypnicError as exc:  # e.g. disk full: stop, keeping what was committed
                self._fatal = self._fatal or exc
                self.stopping.set()

    async def _tick(self) -> None:
        prev = [0] * len(self.links)
        t_prev = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            try:
                self.store.maybe_commit()
            except HypnicError as exc:
                self._fatal = self._fatal or exc
                self.stopping.set()
            t = time.monotonic()
            for i, link in enumerate(self.links):
                link.status.rate_hz = (link.status.samples - prev[i]) / (t - t_prev)
                prev[i] = link.status.samples
            t_prev = t

    async def run(self, duration_s: float | None = None) -> dict[str, Any]:
        """Record until ``duration_s`` host seconds pass, :meth:`stop` or a fatal error.

        Returns
        -------
        dict
            Summary: ``sensors`` (per sensor: samples, gaps, missing, reconnects,
            jerks, battery ...), ``duration_s``.

        Raises
        ------
        DeviceError
            If a sensor cannot be found or is not supported at the first connect
            (what was recorded so far is committed first).
        """
        self.started_ns = self.now_ns()
        t0 = time.monotonic()
        consumer = asyncio.create_task(self._consume())
        ticker = asyncio.create_task(self._tick())
        tasks = [asyncio.create_task(link.run()) for link in self.links]
        error: BaseException | None = None
        try:
            waiter = asyncio.ensure_future(self.stopping.wait())
            pending = {*tasks, waiter}
            deadline = None if duration_s is None else t0 + duration_s
            while not self.stopping.is_set():
                timeout = None if deadline is None else max(deadline - time.monotonic(), 0)
                done, pending = await asyncio.wait(pending, timeout=timeout,
                                                   return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task is not waiter and task.exception() is not None:
                        error = task.exception()
                        self.stopping.set()
                if deadline is not None and time.monotonic() >= deadline:
                    self.stopping.set()
                if all(t.done() for t in tasks):
                    self.stopping.set()
            waiter.cancel()
        finally:
            self.stopping.set()
            _, late = await asyncio.wait(tasks, timeout=self.cfg.stop_timeout_s)
            for task in late:  # e.g. a connect attempt in progress
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            error = error or next((r for r in results if isinstance(r, BaseException)
                                   and not isinstance(r, asyncio.CancelledError)), None)
            self.queue.put_nowait(None)
            await consumer
            ticker.cancel()
            try:
                for link in self.links:
                    link.finish()
                self.store.commit()
            except HypnicError as exc:
                self._fatal = self._fatal or exc
        error = self._fatal or error
        if error is not None:
            raise error
        return {"duration_s": (time.monotonic() - t0),
                "sensors": [s.summary() for s in self.statuses]}

    def stop(self) -> None:
        """Ask the recording to end (safe from a signal handler in the loop)."""
        self.stopping.set()
