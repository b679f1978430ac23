"""An independent do-it-yourself board (``diy_board.py``, written from
``firmware_notes/hypnic-gatt-profile.md`` alone) recorded by hypnic's own recorder on
the emulated radio and virtual clock: every sample it sent is in the file once, with its
exact value, at its UTC time, and its faults are marked as gaps.
"""

import asyncio
import sqlite3

import numpy as np
import pytest
from diy_board import DiyBoard
from virtual_time import on_virtual_clock

from hypnic.workflows.record import record
from sensing.ble.reader import SensorSpec
from sensing.emulator import EmulatedAir
from sensing.store import read_sqlite

START_NS = 1_767_225_600_000_000_000  # host UTC when the recording starts


async def record_board(tmp_path, board, seconds, faults=(), fs_hz=100.0, range_g=8):
    """Record ``board`` for ``seconds``; ``faults``: (second, coroutine function) pairs."""
    air = EmulatedAir(start_ns=START_NS)
    board.attach(air)

    async def inject():
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for at, fault in faults:
            await asyncio.sleep(t0 + at - loop.time())
            await fault()

    injector = asyncio.create_task(inject())
    path = tmp_path / "diy.sqlite"
    spec = SensorSpec(board.address, "wrist-left", "hypnic", fs_hz, range_g)
    summary = await record(path, [spec], seconds, air=air, detect=False)
    injector.cancel()
    (rec,) = read_sqlite(path)
    with sqlite3.connect(path) as db:
        reasons = [r[0] for r in db.execute("SELECT reason FROM gaps ORDER BY start_ns")]
    return rec, reasons, summary["sensors"][0]


def check_samples(board, rec):
    """The delivered samples, in order, exactly once, with exact values; their UTC time
    errors, ms."""
    sent = [s for s in board.sent if s.delivered]
    assert len(rec.time_ns) == len(sent) > 0
    scale = np.array([s.range_g / 32768 for s in sent], np.float32)[:, None]
    np.testing.assert_array_equal(rec.acc, np.array([s.raw for s in sent], np.float32) * scale)
    return (rec.time_ns - np.array([s.utc_ns for s in sent])) / 1e6


@on_virtual_clock
async def test_diy_board_end_to_end(tmp_path):
    """100 Hz, +-8 g, a clock 200 ppm fast, the counter wrapping 15 s after START and two
    notifications lost at 30 s: one exact gap, times within 40 ms of the truth, the
    bursts where they were."""
    board = DiyBoard(counter_at_start=(1 << 32) - 1500, bursts=(20.0, 60.05))
    rec, reasons, status = await record_board(
        tmp_path, board, 90, faults=[(30, lambda: asyncio.sleep(0, board.lose(2)))])
    err_ms = check_samples(board, rec)
    assert (rec.fs, rec.meta["range_g"]) == (100.0, 8)
    assert np.abs(err_ms).max() < 40, (err_ms.min(), err_ms.max())
    lost = [i for i, s in enumerate(board.sent) if not s.delivered]
    assert reasons == ["loss"] and status["missing"] == len(lost) == 2 * 38
    before, after = board.sent[lost[0] - 1], board.sent[lost[-1] + 1]
    gap_ms = (rec.gaps[0] - [before.utc_ns, after.utc_ns]) / 1e6
    assert np.abs(gap_ms).max() < 40
    for burst in board.bursts:  # +3 g in x, 0.1 s: ten samples at their time
        t_ms = (rec.time_ns[rec.acc[:, 0] > 2] - START_NS) / 1e6
        hit = t_ms[np.abs(t_ms - burst * 1000 - 50) < 500]
        assert len(hit) == 10 and abs(hit[0] - burst * 1000) < 40
    assert status["battery"] == 87 and status["bad_packets"] == status["late_dropped"] == 0


@pytest.mark.parametrize(("fs_hz", "range_g"), [(25, 2), (50, 4), (100, 16)])
@on_virtual_clock
async def test_diy_board_rates_and_ranges(tmp_path, fs_hz, range_g):
    """Every rate and range the board has: exact values, times within the latency of
    the first packet (at most one loop pass of the board, 0.1 s)."""
    board = DiyBoard(bursts=(20.0,))
    rec, reasons, _ = await record_board(tmp_path, board, 40, fs_hz=fs_hz, range_g=range_g)
    err_ms = check_samples(board, rec)
    assert (rec.fs, rec.meta["range_g"], reasons) == (fs_hz, range_g, [])
    assert np.abs(err_ms).max() < 1000 * board.loop_s + 10


@on_virtual_clock
async def test_diy_board_range_in_force_is_stored(tmp_path):
    """A board without +-16 g runs at its largest range when 16 g is asked, and says so
    in every packet: the file records the range in force, not the request."""
    board = DiyBoard(ranges=(2, 4, 8), bursts=(10.0,))
    rec, _, _ = await record_board(tmp_path, board, 20, range_g=16)
    check_samples(board, rec)
    assert rec.meta["range_g"] == 8


@pytest.mark.parametrize("boot_s", [0.0, 4.0])
@on_virtual_clock
async def test_diy_board_reboot_soon_after_start(tmp_path, boot_s):
    """A board that browns out one second into the stream: its clock restarts, a little
    below its old reading (boot_s 0: its packets were dropped as late) or past it (a
    slow boot, 4 s: the restart was taken for a reconnect and every later sample placed
    3 s early). One reboot gap, nothing dropped, times right."""
    board = DiyBoard(clock_ppm=0.0, boot_s=boot_s)
    rec, reasons, status = await record_board(
        tmp_path, board, 40, faults=[(3.0, lambda: board.reboot(0.2))])
    err_ms = check_samples(board, rec)
    assert reasons == ["reboot"] and status["late_dropped"] == 0
    assert np.abs(err_ms).max() < 40, (err_ms.min(), err_ms.max())


@on_virtual_clock
async def test_a_device_clock_beyond_what_hypnic_follows_is_said(tmp_path, caplog):
    """A board whose clock runs 2000 ppm fast (the profile asks for +-500) is said once
    its fit spans minutes (before: its times drifted without a word); one at 200 ppm is
    followed without a warning."""
    await record_board(tmp_path, DiyBoard(clock_ppm=2000.0), 420, fs_hz=25.0)
    said = [r.getMessage() for r in caplog.records if "beyond the 500 ppm hypnic follows" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("the sensor's clock runs +2000 ppm")
    caplog.clear()
    (tmp_path / "diy.sqlite").unlink()
    await record_board(tmp_path, DiyBoard(clock_ppm=200.0), 420, fs_hz=25.0)
    assert "ppm hypnic follows" not in caplog.text
