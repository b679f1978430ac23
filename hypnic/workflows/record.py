"""The record workflow: BLE sensors (real or emulated) into a recording file, with live
jerk detection wired in as the recorder's live-event hook."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detection import StreamingDetector
    from sensing.ble.reader import ReaderConfig, Recorder, SensorSpec
    from sensing.emulator import EmulatedAir, Fault

#: Emulated profiles ``hypnic record --emulate`` offers.
EMULATED_PROFILES = ("polar", "hypnic", "witmotion")


def live_jerks(location: str, fs_hz: float) -> StreamingDetector:
    """The live-event hook of a recording: jerk detection on one sensor's samples."""
    from detection import StreamingDetector

    return StreamingDetector(fs_hz, location)


def emulated_air(profiles: Sequence[str], locations: Sequence[str], night_s: float,
                 faults: tuple[Fault, ...] = (), seed: int = 0,
                 addresses: Sequence[str] | None = None, fs: float = 100.0) -> EmulatedAir:
    """Emulated sensors, one per profile and location, playing one simulated night
    (call it in the event loop that will run them: bumble needs a running loop).

    Parameters
    ----------
    profiles, locations : sequence of str
        One emulated sensor per pair (profiles of :data:`EMULATED_PROFILES`).
    night_s : float
        Night time the sensors must be able to play, s (at least 30 min are simulated).
    faults : tuple of Fault
        Injected into every sensor.
    seed : int
        Simulator seed.
    addresses : sequence of str, optional
        The sensors' addresses, in the same order (default: each profile's next
        :func:`sensing.emulator.emulated_address`, as ``hypnic scan --emulate`` lists them).
    fs : float
        Rate the sensors sample at, Hz.
    """
    from sensing.emulator import EmulatedAir
    from simulation import NightConfig, simulate_night

    hours = min(max(night_s / 3600 + 0.05, 0.5), 16)
    # without the simulator's own data gaps: the link's losses are the faults' alone
    night = simulate_night(NightConfig(fs=fs, locations=tuple(locations), hours_in_bed=hours,
                                       gaps_per_night=0), seed)
    air = EmulatedAir()
    named: Sequence[str | None] = addresses or [None] * len(profiles)
    for profile, loc, address in zip(profiles, locations, named, strict=True):
        air.add_sensor(profile, night.recordings[loc], address, faults=faults)
    return air


async def record(out: Path, specs: list[SensorSpec], duration_s: float | None = None, *,
                 air: EmulatedAir | None = None, config: ReaderConfig | None = None,
                 detect: bool = True,
                 started: Callable[[Recorder], Any] | None = None) -> dict[str, Any]:
    """Record sensors into ``out`` until ``duration_s`` passes or the recorder is stopped.

    Parameters
    ----------
    out : Path
        Recording file to create (``.sqlite``; an existing file is refused).
    specs : list of SensorSpec
    duration_s : float, optional
        Seconds on the event loop's clock: real seconds, or night seconds with an
        emulated ``air`` on a virtual clock (None: until stopped).
    air : EmulatedAir, optional
        Record these emulated sensors instead of real ones (started and closed here).
    config : ReaderConfig, optional
    detect : bool
        Detect jerks live (their events are stored with the samples).
    started : callable, optional
        Called with the :class:`~sensing.ble.reader.Recorder` before recording starts
        (e.g. to install signal handlers or show its status).

    Returns
    -------
    dict
        The recorder's summary (see :meth:`sensing.ble.reader.Recorder.run`).
    """
    from sensing.ble.reader import Recorder
    from sensing.store import RecordingStore

    kwargs: dict[str, Any] = {}
    if air is not None:
        await air.start()
        kwargs = {"client_backend": air.client_backend, "scanner_backend": air.scanner_backend,
                  "now_ns": air.now_ns}
    try:
        # commits every second on the loop's clock: real time, or night time when emulated
        # (so an emulated night's file is the same whatever the machine's speed)
        store = RecordingStore(out, clock=asyncio.get_running_loop().time, exclusive=True)
        try:
            recorder = Recorder(specs, store, config, live=live_jerks if detect else None,
                                **kwargs)
            if started is not None:
                started(recorder)
            return await recorder.run(duration_s)
        finally:
            store.close()
    finally:
        if air is not None:
            await air.close()
