"""All-night recording from one or more BLE accelerometers with bleak.

:class:`Recorder` connects to every sensor, configures it through its
:class:`~sensing.ble.profiles.Profile`, and records until stopped:

* Per sensor, a :class:`_Connection` is the link's state machine: scan, connect,
  start the stream, watch it; a dropped link (disconnect callback), a link that stays
  up but delivers nothing for ``watchdog_s`` (a zombie link or a stalled stream) and
  failed connects all lead to a reconnect with exponential backoff, re-subscription
  and restart of the stream. Its notification callback only stamps each value with
  the host clock and queues the raw bytes.
* One consumer task hands each queued notification to the sensor's
  :class:`SampleSink`, which decodes it, puts it in order (:class:`Sequencer`), places
  its samples in time (:class:`~sensing.ble.clock.SensorClock`), appends them to the
  crash-safe :class:`~sensing.store.RecordingStore` (committed every ~1 s), marks
  every gap explicitly, and feeds the optional live-event hook (:data:`LiveHook`,
  e.g. jerk detection, wired by the record workflow).
* Several sensors share one host time base (``now_ns``, UTC). Every wait (timeouts,
  backoff, watchdog, ``duration_s``) is on the event loop's clock, so an emulated
  night on a virtual clock (:mod:`sensing.emulator`) is timed in night seconds.

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
from typing import Any, Protocol

import numpy as np
from bleak.exc import BleakError

from sensing.ble.clock import ClockConfig, SensorClock
from sensing.ble.profiles import PROFILES, Block, Profile, detect_profile, read_battery
from sensing.body import LOCATIONS
from sensing.errors import DeviceError, FormatError, HypnicError
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
        Where it is worn (a key of :data:`sensing.body.LOCATIONS`).
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


class LiveDetector(Protocol):
    """Live processing of one sensor's samples (e.g. ``detection.StreamingDetector``).

    ``push`` and ``flush`` return new or revised events as a table (one row per event
    with at least ``event_id``, ``kind``, ``start_ns``, ``end_ns``, ``peak_g``,
    ``score``; further columns are stored as detail), or None.
    """

    def push(self, time_ns: np.ndarray, acc: np.ndarray) -> Any: ...

    def flush(self) -> Any: ...


#: A live-event hook: called once per sensor with its location and rate (Hz) when its
#: first samples arrive; returns the sensor's :class:`LiveDetector`.
LiveHook = Callable[[str, float], LiveDetector]


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


async def scan_for(address: str, scanner_backend: type | None = None) -> tuple[Any, Any]:
    """Scan until the sensor with ``address`` advertises; its bleak device and
    advertisement data (bound it with a timeout)."""
    from bleak import BleakScanner

    address = address.upper()
    async with BleakScanner(backend=scanner_backend) as scanner:
        async for device, adv in scanner.advertisement_data():
            if device.address.upper() == address:
                return device, adv
    raise asyncio.TimeoutError  # the scan ended without it


class Sequencer:
    """Drops repeated notifications and puts one that arrives a place late back in order.

    Bluetooth LE delivers notifications in order and once, but a sensor's firmware may
    resend one or a host stack may reorder; such packets would otherwise look like a
    clock reset. Packets with a device time are keyed by it: the newest one is held
    back until the next arrives (one notification of extra delay, ~0.4 s at 100 Hz);
    a packet with the same device time as one already seen is a duplicate and is
    dropped; one older than the held packet by less than ``window_ns`` is released
    first. A packet older than the last released one cannot be put back; it is
    dropped and counted, except on a new link (:meth:`reconnected`): no packet of it can
    have been overtaken by the old link's, so an older device time there is a clock that
    restarted (a reboot), passed on for the clock to see. Host-clocked packets (no device
    time) pass straight through.

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
        self._relinked = False  # no packet released since the link was re-established

    def push(self, host_ns: int, block: Block) -> list[tuple[int, Block]]:
        """Add a packet; returns the packets ready to be placed, in order."""
        key = block.device_last_ns
        if key is None:
            return [*self.flush(), (host_ns, block)]
        held = self._held
        if key == self._last or (held is not None and key == held[1].device_last_ns):
            self.duplicates += 1
            return []
        if (self._last is not None and not self._relinked
                and self._last - self.window_ns < key < self._last):
            self.late += 1
            log.warning("a notification arrived too late to be put back in order: dropped")
            return []
        if held is not None:
            held_key = held[1].device_last_ns
            if held_key is not None and held_key - self.window_ns < key < held_key:
                self._last, self._relinked = key, False
                return [(host_ns, block)]  # late by one place: goes before the held one
        out = self.flush()
        self._held = (host_ns, block)
        return out

    def flush(self) -> list[tuple[int, Block]]:
        """Release the held packet (at a reconnect and at the end)."""
        if self._held is None:
            return []
        held, self._held = self._held, None
        self._last, self._relinked = held[1].device_last_ns, False
        return [held]

    def reconnected(self) -> list[tuple[int, Block]]:
        """Release the held packet at a reconnect; the new link's first packets are not
        judged late against the old link's (see the class docstring)."""
        out = self.flush()
        self._relinked = True
        return out


class SampleSink:
    """One sensor's samples on the consumer side: decode, order, time, store, live events.

    Parameters
    ----------
    spec : SensorSpec
    status : SensorStatus
        Updated as samples, gaps and events come.
    store : RecordingStore
    now_ns : callable
        Host clock, ns since the epoch.
    clock_config : ClockConfig
    live : LiveHook, optional
    """

    def __init__(self, spec: SensorSpec, status: SensorStatus, store: RecordingStore,
                 now_ns: Callable[[], int], clock_config: ClockConfig,
                 live: LiveHook | None = None):
        self.spec, self.status, self.store, self.now_ns = spec, status, store, now_ns
        self.clock_config, self.live = clock_config, live
        self.profile: Profile | None = None   # set by the connection when it is chosen
        self.name = spec.address              # device name, for the store at registration
        self.clock: SensorClock | None = None
        self.sensor_id = -1
        self.detector: LiveDetector | None = None
        self.sequencer = Sequencer()
        self._early_log: list[tuple[int, str, str]] = []  # link events before registration
        self._kinds: dict[int, str] = {}      # event_id -> kind, for revisions
        self._detected: dict[int, int] = {}   # event_id -> host time it was first found

    def log(self, kind: str, detail: str = "") -> None:
        """Log a link event in the store, stamped now (kept until the sensor is registered)."""
        if self.clock is None:
            self._early_log.append((self.now_ns(), kind, detail))
        else:
            self.store.log(self.sensor_id, kind, detail, self.now_ns())

    def _register(self) -> None:
        """Add the sensor to the store and create its clock and live detector: at the
        first decoded packet, so that the rate a packet reports (hypnic profile) is the
        one used, or at the end if none came."""
        p = self.profile
        if p is None:
            raise DeviceError(f"{self.spec.address}: no profile chosen")
        self.clock = SensorClock(p.fs_hz, self.clock_config)
        self.sensor_id = self.store.add_sensor(self.spec.address, self.name, p.name,
                                               self.spec.location, p.fs_hz, p.range_g,
                                               self.now_ns())
        for host_ns, kind, detail in self._early_log:
            self.store.log(self.sensor_id, kind, detail, host_ns)
        self._early_log.clear()
        if self.live is not None:
            self.detector = self.live(self.spec.location, p.fs_hz)

    def consume(self, host_ns: int | None, data: bytes) -> None:
        """Decode, order, time, store and detect one queued notification (``host_ns``
        None: the link was re-established, what came before is complete)."""
        if host_ns is None:
            self._place_all(self.sequencer.reconnected())
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
        if placed.gap is not None:
            self.store.add_gap(self.sensor_id, *placed.gap, placed.reason)
            self.status.gaps += 1
            self.status.missing += max(placed.missing, 0)
        self.store.append(self.sensor_id, placed.time_ns, block.samples_g)
        self.status.samples += n
        if self.detector is not None:
            self._events(self.detector.push(placed.time_ns, block.samples_g))

    def _events(self, events: Any) -> None:
        """Store new and revised events from the live detector; count jerks."""
        if events is None or len(events) == 0:
            return
        now = self.now_ns()
        skip = {"start", "end", "event_id", "kind", "start_ns", "end_ns", "peak_g", "score",
                "location", "revised"}
        for ev in events.to_dict("records"):
            eid, kind = int(ev["event_id"]), str(ev["kind"])
            old = self._kinds.get(eid)
            self.status.jerks += (kind == "jerk") - (old == "jerk")
            self._kinds[eid] = kind
            detail = {k: v for k, v in ev.items() if k not in skip}
            detail["detected_ns"] = self._detected.setdefault(eid, now)
            self.store.add_event(self.sensor_id, eid, kind, ev["start_ns"], ev["end_ns"],
                                 ev["peak_g"], ev["score"], detail)

    def finish(self, connected: bool) -> None:
        """End of the recording: place what is held back and flush the live detector
        (``connected``: the sensor was connected at some point, so it is registered
        even if no data came)."""
        if self.clock is None and connected:
            self._register()
        self._place_all(self.sequencer.flush())
        self.status.duplicates = self.sequencer.duplicates
        self.status.late_dropped = self.sequencer.late
        if self.detector is not None:
            self._events(self.detector.flush())


#: How often a connection looks at its watchdog, battery and the recorder's stop, s.
WATCH_S = 1.0


class _Connection:
    """One sensor's link: scan, connect, start the stream, watch it, reconnect."""

    def __init__(self, index: int, spec: SensorSpec, rec: Recorder, sink: SampleSink):
        self.index, self.spec, self.rec, self.sink = index, spec, rec, sink
        self.status = sink.status
        self.profile: Profile | None = None
        self.last_rx = 0.0  # loop time of the last notification, s
        self.connected_once = False

    def on_data(self, _char: Any, data: bytearray) -> None:
        """bleak notification callback: stamp and queue only."""
        self.last_rx = self.rec.loop_time()
        self.rec.queue.put_nowait((self.index, self.rec.now_ns(), bytes(data)))

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
            except BleakError as exc:
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
            found = await asyncio.wait_for(scan_for(self.spec.address, self.rec.scanner_backend),
                                           cfg.scan_timeout_s)
        device, adv = found
        if self.profile is None:
            name = self.spec.profile or detect_profile(adv.local_name, adv.service_uuids)
            if name is None:
                raise DeviceError(f"{self.spec.address} ({adv.local_name or 'no name'}) is not a "
                                  f"supported sensor; supported: "
                                  f"{', '.join(p.title for p in PROFILES.values())}")
            self.profile = self.sink.profile = PROFILES[name]()
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
        else:
            self.sink.name = adv.local_name or device.name or self.spec.address
        await self.profile.start(client, self.on_data, self.spec.fs_hz, self.spec.range_g)
        self.connected_once = True
        self._log("connect")
        self.status.link = "streaming"
        self.last_rx = self.rec.loop_time()
        await self._watch(client, lost)

    async def _watch(self, client: Any, lost: asyncio.Event) -> None:
        cfg = self.rec.cfg
        next_battery = -float("inf")
        while not self.rec.stopping.is_set():
            now = self.rec.loop_time()
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
            with contextlib.suppress(asyncio.TimeoutError):  # a lost link wakes it at once
                await asyncio.wait_for(lost.wait(), min(WATCH_S, cfg.watchdog_s / 4))

    def _log(self, kind: str, detail: str = "") -> None:
        """Log a link event: the sensor's own once it has connected, before that with no
        sensor (it has no row in the file yet)."""
        if self.connected_once:
            self.sink.log(kind, detail)
        else:
            self.rec.store.log(None, kind, detail, self.rec.now_ns())


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
    live : LiveHook, optional
        Live processing of each sensor's samples (e.g. jerk detection); its events
        are stored and jerks counted in the status.
    """

    def __init__(self, sensors: list[SensorSpec], store: RecordingStore,
                 config: ReaderConfig | None = None, client_backend: type | None = None,
                 scanner_backend: type | None = None,
                 now_ns: Callable[[], int] = time.time_ns, live: LiveHook | None = None):
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
        self.sinks = [SampleSink(s, SensorStatus(s.address, s.location, s.profile or ""), store,
                                 now_ns, self.cfg.clock, live) for s in sensors]
        self.links = [_Connection(i, s, self, sink)
                      for i, (s, sink) in enumerate(zip(sensors, self.sinks, strict=True))]
        self.started_ns = 0
        self._fatal: BaseException | None = None

    @property
    def statuses(self) -> list[SensorStatus]:
        """Live status of every sensor."""
        return [sink.status for sink in self.sinks]

    @staticmethod
    def loop_time() -> float:
        """The event loop's clock, s (every wait of the recorder is on it)."""
        return asyncio.get_running_loop().time()

    async def _consume(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            index, host_ns, data = item
            try:
                self.sinks[index].consume(host_ns, data)
            except HypnicError as exc:  # e.g. disk full: stop, keeping what was committed
                self._fatal = self._fatal or exc
                self.stopping.set()

    async def _tick(self) -> None:
        statuses = self.statuses
        prev = [0] * len(statuses)
        t_prev = self.loop_time()
        while True:
            await asyncio.sleep(1.0)
            try:
                self.store.maybe_commit()
            except HypnicError as exc:
                self._fatal = self._fatal or exc
                self.stopping.set()
            t = self.loop_time()
            for i, status in enumerate(statuses):
                status.rate_hz = (status.samples - prev[i]) / (t - t_prev)
                prev[i] = status.samples
            t_prev = t

    async def run(self, duration_s: float | None = None) -> dict[str, Any]:
        """Record until ``duration_s`` seconds pass on the event loop's clock (real
        seconds, or night seconds on an emulator's virtual clock), :meth:`stop` or a
        fatal error.

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
        t0 = self.loop_time()
        consumer = asyncio.create_task(self._consume())
        ticker = asyncio.create_task(self._tick())
        tasks = [asyncio.create_task(link.run()) for link in self.links]
        error: BaseException | None = None
        try:
            waiter = asyncio.ensure_future(self.stopping.wait())
            pending = {*tasks, waiter}
            deadline = None if duration_s is None else t0 + duration_s
            while not self.stopping.is_set():
                timeout = None if deadline is None else max(deadline - self.loop_time(), 0)
                done, pending = await asyncio.wait(pending, timeout=timeout,
                                                   return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task is not waiter and task.exception() is not None:
                        error = task.exception()
                        self.stopping.set()
                if deadline is not None and self.loop_time() >= deadline:
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
                    link.sink.finish(link.connected_once)
                self.store.commit()
            except HypnicError as exc:
                self._fatal = self._fatal or exc
        error = self._fatal or error
        if error is not None:
            raise error
        return {"duration_s": self.loop_time() - t0,
                "sensors": [s.summary() for s in self.statuses]}

    def stop(self) -> None:
        """Ask the recording to end (safe from a signal handler in the loop)."""
        self.stopping.set()
