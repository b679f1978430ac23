"""The offline workflow: a Polar sensor records the night in its own memory, and the
recording is downloaded in the morning into a normal hypnic recording.

* :func:`start`: in the evening, set the sensor's clock to UTC, measure its offset to
  the host clock, check its free memory (how many hours fit) and start an accelerometer
  offline recording; the link can then go (the recording goes on without it).
* :func:`status`: whether it records, free memory, the recordings it holds.
* :func:`download`: in the morning, stop the recording, measure the clock offset again,
  fetch the recording's files part by part into a hidden staging folder beside the
  output (a part cut by a lost link is fetched again; parts already complete are kept,
  so a rerun resumes), decode, place every sample in UTC with the two offsets (which
  also removes a steady clock drift), write the ``.sqlite`` under a temporary name,
  read it back and compare it sample by sample, then give it its name, and only then
  delete the recording from the sensor.
* :func:`delete`: remove every accelerometer recording from the sensor.

The clock offset measured at start is kept in a small JSON file per sensor in the
user's data folder (``state_dir``) until the download. Real sensors are reached through
bleak; tests pass an :class:`~sensing.emulator.EmulatedAir` (started by the caller) and
run on its virtual clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sensing.ble.polar_offline import OfflineRecording, PolarLink
    from sensing.emulator import EmulatedAir, Fault
    from sensing.recording import Recording

log = logging.getLogger(__name__)

#: Default offline recording rate (a Verity Sense records ACC at 13, 26 or 52 Hz), Hz.
OFFLINE_FS_HZ = 52.0
#: Samples per stored chunk (one row of the recording file), about a minute at 52 Hz.
CHUNK = 3120
#: Wait before reconnecting after a cut download, s.
RETRY_WAIT_S = 5.0

Progress = Callable[[int, int], None]
"""Download progress: bytes received so far and bytes in all."""


def default_state_dir() -> Path:
    """Where the clock offsets measured at start wait for the download."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("hypnic")) / "sensors"


def _state_path(state_dir: Path | None, address: str) -> Path:
    return (state_dir or default_state_dir()) / f"{address.upper().replace(':', '')}.json"


def _radio(air: EmulatedAir | None, now_ns: Callable[[], int] | None
           ) -> tuple[dict[str, Any], Callable[[], int]]:
    if air is None:
        return {}, now_ns or time.time_ns
    return ({"client_backend": air.client_backend, "scanner_backend": air.scanner_backend},
            now_ns or air.now_ns)


async def start(address: str, location: str = "wrist-left", fs_hz: float = OFFLINE_FS_HZ,
                range_g: int = 8, *, air: EmulatedAir | None = None,
                state_dir: Path | None = None,
                now_ns: Callable[[], int] | None = None) -> dict[str, Any]:
    """Start an accelerometer offline recording on a Polar sensor.

    Parameters
    ----------
    address : str
        The sensor's Bluetooth address.
    location : str
        Where it is worn tonight (kept for the download).
    fs_hz, range_g : float, int
        Wanted rate (Hz) and range (g); the nearest the sensor offers are used.
    air : EmulatedAir, optional
        Reach these emulated sensors (already started) instead of real ones.
    state_dir : Path, optional
        Where the start's clock offset is kept (default :func:`default_state_dir`).
    now_ns : callable, optional
        Host clock, ns since the epoch (default the air's, else ``time.time_ns``).

    Returns
    -------
    dict
        ``fs_hz``, ``range_g``, ``free_bytes``, ``hours_fit`` (hours of sleep that fit in
        the free memory), ``offset_ms`` (sensor clock minus host clock after setting it).

    Raises
    ------
    DeviceError
        If the sensor is not found, already records, or its memory is full.
    """
    from sensing.ble import polar_offline, polar_rec
    from sensing.body import LOCATIONS
    from sensing.errors import DeviceError, HypnicError

    if location not in LOCATIONS:
        raise HypnicError(f"unknown location {location!r}; expected one of {', '.join(LOCATIONS)}")
    backends, clock = _radio(air, now_ns)
    async with polar_offline.connect(address, **backends) as link:
        if await link.recording():
            raise DeviceError(f"{address} is already recording offline: download it first "
                              "('hypnic sensor download')")
        await link.set_clock(clock)
        anchor = await link.clock_offset(clock)
        free = await link.free_bytes()
        if free < polar_rec.START_MIN_FREE:
            raise DeviceError(f"the sensor's memory is full ({free / 1e6:.1f} MB free): "
                              "download and delete its recordings first")
        fs, rng = await link.start_recording(fs_hz, range_g)
    state = {"address": address.upper(), "location": location, "fs_hz": fs, "range_g": rng,
             "started_ns": clock(), "anchor": list(anchor)}
    path = _state_path(state_dir, address)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state))
    return {"fs_hz": fs, "range_g": rng, "free_bytes": free,
            "hours_fit": polar_rec.hours_that_fit(free, fs), "offset_ms": anchor[1] / 1e6}


async def status(address: str, *, air: EmulatedAir | None = None,
                 now_ns: Callable[[], int] | None = None) -> dict[str, Any]:
    """What a Polar sensor holds.

    Returns
    -------
    dict
        ``recording`` (bool), ``free_bytes``, ``hours_fit`` (at 52 Hz, h), ``offset_ms``
        (sensor clock minus host clock, ms) and ``recordings``: a list of
        ``{"start_ns": int, "bytes": int, "parts": int}``, ``start_ns`` when it started
        (its folder's sensor-clock time less the clock's offset: UTC whatever zone an app
        set the clock to, to the second), ns since the epoch.
    """
    from sensing.ble import polar_offline, polar_rec

    backends, clock = _radio(air, now_ns)
    async with polar_offline.connect(address, **backends) as link:
        recording = await link.recording()
        _, offset = await link.clock_offset(clock)
        free = await link.free_bytes()
        recs = [] if recording else await link.recordings()  # files are closed at stop
    return {"recording": recording, "free_bytes": free, "offset_ms": offset / 1e6,
            "hours_fit": polar_rec.hours_that_fit(free, OFFLINE_FS_HZ),
            "recordings": [{"start_ns": _epoch_ns(r.start) - offset, "bytes": r.size, "parts": len(r.parts)}
                           for r in recs]}


def _epoch_ns(t: dt.datetime) -> int:
    """A sensor-clock time to the second (naive) as ns since the epoch, read as UTC."""
    return round(t.replace(tzinfo=dt.timezone.utc).timestamp()) * 10**9


async def _fetch(link: PolarLink, staging: Path, progress: Progress | None,
                 clock: Callable[[], int]) -> tuple[OfflineRecording, tuple[int, int]]:
    """Stop the recording, measure the clock, fetch the newest recording's missing parts."""
    from sensing.errors import DeviceError

    if await link.recording():
        await link.stop_recording()
    anchor = await link.clock_offset(clock)
    recs = await link.recordings()
    if not recs:
        raise DeviceError("the sensor holds no accelerometer recording (was 'hypnic sensor "
                          "start' run, and did the sensor stay charged?)")
    rec = recs[-1]
    staging.mkdir(parents=True, exist_ok=True)
    done = sum(p.size for p in rec.parts if _staged(staging, p.path, p.size))
    for part in rec.parts:
        target = staging / part.path.rsplit("/", 1)[1]
        if _staged(staging, part.path, part.size):
            continue
        data = await link.get(part.path, None if progress is None
                              else functools.partial(_report, progress, done, rec.size))
        if len(data) != part.size:
            raise DeviceError(f"{part.path}: {len(data)} bytes received, the sensor lists "
                              f"{part.size}")
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        done += part.size
    return rec, anchor


def _report(progress: Progress, before: int, total: int, received: int) -> None:
    progress(before + received, total)


def _staged(staging: Path, path: str, size: int) -> bool:
    f = staging / path.rsplit("/", 1)[1]
    return f.exists() and f.stat().st_size == size


async def download(address: str, out: Path, *, location: str | None = None,
                   air: EmulatedAir | None = None, state_dir: Path | None = None,
                   now_ns: Callable[[], int] | None = None, retries: int = 3,
                   progress: Progress | None = None, delete_after: bool = True
                   ) -> dict[str, Any]:
    """Download the newest offline recording of a Polar sensor into ``out``.

    Parameters
    ----------
    address : str
    out : Path
        Recording file to create (``.sqlite``; an existing file is refused).
    location : str, optional
        Where the sensor was worn (default: as given at :func:`start`, else wrist-left).
    air, state_dir, now_ns
        See :func:`start`.
    retries : int
        Reconnects after a lost link before giving up (the parts fetched so far are
        kept: a rerun resumes).
    progress : callable, optional
        Called with (bytes received, bytes in all) as the download goes.
    delete_after : bool
        Delete the recording from the sensor once the stored copy is verified.

    Returns
    -------
    dict
        ``out``, ``samples``, ``fs_hz``, ``start_ns``/``end_ns`` (UTC), ``gaps``,
        ``bytes``, ``attempts``, ``offsets_ms`` (clock offsets used), ``drift_ppm``,
        ``deleted``.

    Raises
    ------
    DeviceError
        If the sensor cannot be reached, holds no recording, or the link keeps failing
        (then nothing is stored, and what was fetched waits in the staging folder).
    StorageError
        If ``out`` exists or cannot be written.
    """
    from bleak.exc import BleakError

    from sensing.ble import polar_offline, polar_rec, psftp
    from sensing.errors import DeviceError
    from sensing.recording import Recording
    from sensing.store import StorageError

    out = Path(out)
    if out.exists():
        raise StorageError(f"{out} already exists; recordings are never overwritten")
    backends, clock = _radio(air, now_ns)
    state_file = _state_path(state_dir, address)
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    staging = out.parent / f".{out.name}.download"
    attempts = 0
    while True:
        attempts += 1
        try:
            async with polar_offline.connect(address, **backends) as link:
                rec, end_anchor = await _fetch(link, staging, progress, clock)
            break
        except psftp.PftpError as exc:
            if exc.code == psftp.SYSTEM_BUSY:
                raise DeviceError("the sensor is busy recording an exercise of its own "
                                  "(SYSTEM_BUSY): end it on the sensor (back to sensor mode) "
                                  "and download again") from exc
            raise
        except (polar_offline.LinkLostError, BleakError, asyncio.TimeoutError) as exc:
            kept = sum(1 for f in staging.glob("*.REC")) if staging.exists() else 0
            if attempts > retries:
                raise DeviceError(f"download from {address} cut ({exc}); {kept} file(s) kept "
                                  f"in {staging}: run the download again to resume") from exc
            log.info("download cut (%s); reconnecting in %g s", exc, RETRY_WAIT_S)
            await asyncio.sleep(RETRY_WAIT_S)
    parts = [(staging / p.path.rsplit("/", 1)[1]).read_bytes() for p in rec.parts]
    rec_file = polar_rec.decode_parts(parts)
    device_ns, acc = polar_rec.place(rec_file.frames, rec_file.fs)
    anchors = [tuple(state["anchor"])] if state.get("anchor") else []
    anchors = [a for a in anchors if a[0] <= int(device_ns[0])] + [end_anchor]  # type: ignore[misc]
    utc = polar_rec.to_utc(device_ns, anchors)  # type: ignore[arg-type]
    where = location or state.get("location", "wrist-left")
    recording = Recording(utc, acc, rec_file.fs, where, f"Polar {address.upper()}",
                          meta={"address": address.upper()})
    _store(out, recording, int(rec_file.settings.get("range", [8])[0]),
           {"offline_start": rec.start.isoformat(), "anchors": anchors, "parts": len(parts)})
    deleted = False
    if delete_after:
        deleted = await _delete_with_retries(address, rec, backends, retries)
    for f in staging.glob("*"):
        f.unlink()
    with contextlib.suppress(OSError):
        staging.rmdir()
    if deleted:
        state_file.unlink(missing_ok=True)
    drift = (0.0 if len(anchors) < 2 else
             (anchors[-1][1] - anchors[0][1]) / max(anchors[-1][0] - anchors[0][0], 1) * 1e6)
    return {"out": str(out), "samples": len(recording), "fs_hz": recording.fs,
            "start_ns": int(utc[0]), "end_ns": int(utc[-1]), "gaps": len(recording.gaps),
            "bytes": rec.size, "attempts": attempts,
            "offsets_ms": [a[1] / 1e6 for a in anchors], "drift_ppm": drift, "deleted": deleted}


def _store(out: Path, recording: Recording, range_g: int, info: dict[str, Any]) -> None:
    """Write a recording file under a temporary name, read it back, compare it sample by
    sample, then give it its name (never over an existing file).

    Raises
    ------
    StorageError
        If writing fails or the copy read back differs.
    """
    import numpy as np

    from sensing.store import RecordingStore, StorageError, read_sqlite

    tmp = out.parent / f".{out.name}.part"
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    with RecordingStore(tmp, exclusive=True) as store:
        sid = store.add_sensor(recording.meta["address"], recording.device, "polar",
                               recording.location, recording.fs, range_g,
                               int(recording.time_ns[0]))
        for gap in recording.gaps:
            store.add_gap(sid, int(gap[0]), int(gap[1]), "loss")
        for i in range(0, len(recording), CHUNK):
            store.append(sid, recording.time_ns[i:i + CHUNK], recording.acc[i:i + CHUNK])
        store.log(sid, "offline-download", json.dumps(info), int(recording.time_ns[-1]))
    back = read_sqlite(tmp)
    if not (len(back) == 1 and np.array_equal(back[0].time_ns, recording.time_ns)
            and np.array_equal(back[0].acc, recording.acc)):
        raise StorageError(f"{tmp}: the stored copy differs from the download; the recording "
                           "stays on the sensor")
    try:
        os.link(tmp, out)
    except FileExistsError:
        raise StorageError(f"{out} already exists; recordings are never overwritten") from None
    tmp.unlink()


async def _delete_with_retries(address: str, rec: OfflineRecording, backends: dict[str, Any],
                               retries: int) -> bool:
    """Delete a recording from the sensor; False if the link kept failing."""
    from bleak.exc import BleakError

    from sensing.ble import polar_offline

    for attempt in range(retries + 1):
        try:
            async with polar_offline.connect(address, **backends) as link:
                await link.delete(rec)
            return True
        except (polar_offline.LinkLostError, BleakError, asyncio.TimeoutError) as exc:
            log.info("delete attempt %d failed: %s", attempt + 1, exc)
            await asyncio.sleep(RETRY_WAIT_S)
    return False


#: Faults an emulated offline night takes (:func:`emulated_night`): those of Polar file
#: transfer, and a reboot (the recording stops there, as on a real sensor).
EMULATED_FAULT_KINDS = ("busy", "cut", "full", "reboot")
#: The emulated evening: the recording starts this long after the sensor is on, s.
EMULATED_START_S = 10.0


async def emulated_night(out: Path, night_s: float = 8 * 3600, *, location: str = "wrist-left",
                         faults: tuple[Fault, ...] = (), seed: int = 0, delete_after: bool = True,
                         progress: Progress | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The offline workflow on an emulated Polar sensor that plays a simulated night
    (:func:`hypnic.workflows.record.emulated_air`, 52 Hz): :func:`start` in the evening,
    the night with no link, :func:`download` in the morning, each through the same
    bleak-facing code and Polar file-transfer bytes as with a real sensor. Run it on a
    virtual clock (:func:`sensing.emulator.run`): the night takes no real time. The
    start's clock offset waits in a temporary folder (the user's sensors' state is not
    touched).

    Parameters
    ----------
    out : Path
        Recording file to create (``.sqlite``).
    night_s : float
        Night time from the start to the download, s.
    location : str
        Where the emulated sensor is worn.
    faults : tuple of Fault
        Injected into the sensor (:data:`EMULATED_FAULT_KINDS`; ``at_s`` counts from the
        sensor's first sample).
    seed : int
        Simulator seed.
    delete_after, progress
        See :func:`download`.

    Returns
    -------
    (dict, dict)
        What :func:`start` and :func:`download` return.

    Raises
    ------
    HypnicError
        If a fault is not one of :data:`EMULATED_FAULT_KINDS`.
    DeviceError
        As :func:`start` and :func:`download` raise them (a full memory refuses the start;
        a busy sensor, the download).
    """
    import tempfile

    from hypnic.workflows.record import emulated_air
    from sensing.errors import HypnicError

    for f in faults:
        if f.kind not in EMULATED_FAULT_KINDS:
            raise HypnicError(f"--fault {f.kind} is a fault of a live link; an offline night takes "
                              f"{', '.join(EMULATED_FAULT_KINDS)}")
    air = emulated_air(("polar",), (location,), EMULATED_START_S + night_s, faults, seed, fs=OFFLINE_FS_HZ)
    (address,) = air.sensors
    with tempfile.TemporaryDirectory(prefix="hypnic-emulated-") as state:
        await air.start()
        try:
            await asyncio.sleep(EMULATED_START_S)
            info = await start(address, location, air=air, state_dir=Path(state))
            await asyncio.sleep(night_s)
            summary = await download(address, out, location=location, air=air, state_dir=Path(state),
                                     progress=progress, delete_after=delete_after)
        finally:
            await air.close()
    return info, summary


async def delete(address: str, *, air: EmulatedAir | None = None) -> int:
    """Remove every accelerometer offline recording from the sensor; returns how many."""
    from sensing.ble import polar_offline

    backends, _ = _radio(air, None)
    async with polar_offline.connect(address, **backends) as link:
        if await link.recording():
            await link.stop_recording()
        recs = await link.recordings()
        for rec in recs:
            await link.delete(rec)
    return len(recs)
