"""Helpers of the fault campaigns: record emulated sensors end to end and count.

Recording goes through the real stack: bleak's public API with the emulator's
``backend=``, bumble GATT/ATT over a ``LocalLink``, the profile decoders, the sensor
clock and the SQLite store, on a virtual clock (:func:`sensing.emulator.run`): a fault
at second 600 of the night happens at sample ``600 * fs`` whatever the machine's load,
so every count below is exact and the same on every run. :func:`compare` counts what the emulated sensor delivered
(its ``delivered`` mask) against what the file holds, by the exact sensor counts of
each sample (mg for Polar, raw counts for the hypnic profile), so lost, duplicated and
misordered samples are all seen.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np

from sensing.ble.reader import ReaderConfig, Recorder, SensorSpec
from sensing.emulator import EmulatedAir
from sensing.store import RecordingStore, StoreConfig, read_sqlite


async def record(path: Path, sensors: list[tuple[str, Any, tuple]], night_s: float,
                 config: ReaderConfig | None = None, prepare=None,
                 commit_interval_s: float = 1.0):
    """Record emulated sensors ``[(profile, recording, faults)]`` into ``path`` for
    ``night_s`` seconds of night (run it on a virtual clock), committing every
    ``commit_interval_s`` of night.

    ``prepare(air, added)`` may tamper with the sensors before the air starts.
    Returns the emulated sensors and the recorder's summary.
    """
    air = EmulatedAir()
    added = [air.add_sensor(p, r, faults=f) for p, r, f in sensors]
    if prepare is not None:
        prepare(air, added)
    await air.start()
    specs = [SensorSpec(s.address, r.location) for s, (_, r, _) in zip(added, sensors, strict=True)]
    store = RecordingStore(path, StoreConfig(commit_interval_s),
                           clock=asyncio.get_running_loop().time)  # commits in night time
    try:
        summary = await Recorder(specs, store, config, air.client_backend, air.scanner_backend,
                                 air.now_ns).run(night_s)
    finally:
        store.close()
        closed = await close_air(air)
    assert closed, "the emulated air did not close within 10 s"
    return added, summary


async def close_air(air, deadline_s: float = 10.0) -> bool:
    """Close the emulated air within ``deadline_s``; counts closes and hangs as figures.

    ``EmulatedSensor.close`` once cancelled its sample loop and awaited it, and the cancel
    was sometimes lost (the loop went on and ``hypnic record --emulate`` hung at exit); this
    keeps watching for that. An error of the emulator's own sample loop (seen once: the
    end-of-recording flush of ``EmulatedSensor._run`` packing thousands of samples into
    one hypnic packet, a FormatError) is counted as ``loop_errors``, not raised: the
    host-side recording under test is complete by then. Returns True if the close
    finished in time.
    """
    import asyncio

    from reliability_figures import tally

    from sensing.errors import HypnicError

    t0 = asyncio.get_running_loop().time()
    error = 0
    try:
        await asyncio.wait_for(air.close(), deadline_s)
        ok = True
    except asyncio.TimeoutError:
        ok = False
    except HypnicError as exc:  # the emulator's own sample loop failed (counted, see below)
        ok, error = True, 1
        tally("emulator", "close", last_error=str(exc)[:200])
    tally("emulator", "close", closes=1, hung=int(not ok), loop_errors=error,
          total_close_s=asyncio.get_running_loop().time() - t0)
    return ok


def codes(profile: str, acc: np.ndarray, range_g: int = 8) -> np.ndarray:
    """Exact sensor counts of samples in g (what went over the air), int64 (n, 3): mg for
    Polar, raw counts at ``range_g`` for the hypnic profile, at 16 g for WitMotion."""
    if profile == "witmotion":  # fixed +-16 g, int16
        range_g = 16
    scale = 1000.0 if profile == "polar" else 32768 / range_g
    limit = 1000 * range_g if profile == "polar" else 32767
    return np.clip(np.rint(np.asarray(acc, np.float64) * scale), -limit - 1, limit).astype(np.int64)


def holes(idx: np.ndarray) -> np.ndarray:
    """Positions k in ``idx`` (sorted sample indices) after which samples are missing."""
    return np.flatnonzero(np.diff(idx) > 1)


def sample_keys(rows: np.ndarray) -> np.ndarray:
    """One int64 per row of ``rows`` (n, 3) of sensor counts, equal exactly when the rows
    are equal (the counts of :func:`codes` are bounded, so the three fit one integer)."""
    rows = np.asarray(rows, np.int64).reshape(-1, 3)
    if not len(rows):
        return np.zeros(0, np.int64)
    low = rows.min(axis=0)
    return np.ravel_multi_index(tuple((rows - low).T), tuple(rows.max(axis=0) - low + 1))


def compare(sensor, path: Path, last_session: bool = False) -> dict[str, Any]:
    """Delivered vs stored for one emulated sensor (``last_session``: only the samples of
    the last recording session of its address in the file, e.g. after a restart).

    Returns
    -------
    dict
        ``delivered``, ``stored``, ``lost`` (delivered, not stored, before the last stored
        sample), ``in_flight_at_stop`` (delivered after it: notifications still on the
        air when the recorder stopped), ``extra`` (stored more often than delivered), ``in_order`` (stored sequence == delivered sequence),
        ``gaps_real`` (holes in the delivered samples), ``gaps_marked`` (gaps in the file),
        ``gaps_exact`` (real holes whose marked gap spans exactly the stored samples
        around them).
    """
    recs = [r for r in read_sqlite(path) if r.meta["address"] == sensor.address]
    recs = recs[-1:] if last_session else recs
    idx = np.flatnonzero(sensor.delivered)
    truth = codes(sensor.profile, sensor.recording.acc[idx])
    stored = codes(sensor.profile, np.concatenate([r.acc for r in recs])) if recs else truth[:0]
    # each sample's (x, y, z) counts as one integer, the same for the same three counts
    keys = sample_keys(np.concatenate([truth, stored]))
    want_keys, got_keys = keys[:len(truth)], keys[len(truth):]
    # notifications still in flight when the recorder stopped listening (the user's stop,
    # not a loss during the night): the delivered tail after the last stored sample
    in_file = np.flatnonzero(np.isin(want_keys, got_keys))
    at_stop = len(truth) - 1 - int(in_file[-1]) if len(in_file) else len(truth)
    idx, truth = idx[:len(idx) - at_stop], truth[:len(truth) - at_stop]
    want_keys = want_keys[:len(want_keys) - at_stop]
    # the multisets of samples delivered (want) and stored (got), compared value by value
    values, which = np.unique(np.concatenate([want_keys, got_keys]), return_inverse=True)
    want = np.bincount(which[:len(want_keys)], minlength=len(values))
    got = np.bincount(which[len(want_keys):], minlength=len(values))
    lost = int(np.maximum(want - got, 0).sum())
    extra = int(np.maximum(got - want, 0).sum())
    time_ns = np.concatenate([r.time_ns for r in recs]) if recs else np.zeros(0, np.int64)
    marked = {tuple(g) for r in recs for g in r.gaps.tolist()}
    exact = 0
    if lost == 0 and extra == 0 and len(stored) == len(truth):
        for k in holes(idx):
            exact += (int(time_ns[k]), int(time_ns[k + 1])) in marked
    return {"delivered": len(idx) + at_stop, "stored": len(stored), "lost": lost,
            "in_flight_at_stop": at_stop, "extra": extra,
            "in_order": bool(len(stored) == len(truth) and (stored == truth).all()),
            "gaps_real": len(holes(idx)), "gaps_marked": len(marked), "gaps_exact": exact}


def tamper(sensor, every: int, mode: str, limit: int = 3) -> dict[str, int]:
    """Make an emulated sensor repeat (``duplicate``) or swap (``swap``) every ``every``-th
    data notification at the radio boundary (bumble's ``notify_subscribers``), ``limit``
    times (early in the run, so that no held-back notification is cut off at the end).

    Returns a dict counting what was done (filled while recording).
    """
    device, original = sensor._device, sensor._device.notify_subscribers
    done = {"sent": 0, "duplicated": 0, "swapped": 0}
    held: list[bytes] = []

    async def notify(attribute, value=None, force=False):
        if attribute is not sensor._data:
            return await original(attribute, value, force)
        done["sent"] += 1
        if held:
            await original(attribute, value, force)
            await original(attribute, held.pop(), force)
            done["swapped"] += 1
            return None
        if done["sent"] % every == 0 and done["duplicated"] + len(held) + done["swapped"] < limit:
            if mode == "duplicate":
                await original(attribute, value, force)
                done["duplicated"] += 1
            else:
                held.append(value)
                return None
        return await original(attribute, value, force)

    device.notify_subscribers = notify
    return done
