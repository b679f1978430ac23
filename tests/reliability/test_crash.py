"""A recording process killed with SIGKILL mid-write and restarted; a full disk.

The recorder runs as a separate process (``recorder_child.py``) on an emulated sensor
playing a seeded night, and reports every commit, so the parent knows what was on
disk when it killed the process. Target: the file opens and passes ``PRAGMA
integrity_check``; it holds a gap-free run of the night with everything committed
before the kill; a restarted recorder appends to the same file. That a commit comes at
least every second (what a crash can lose) is checked on a clock the test controls.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from emulated import codes, record
from recorder_child import night_recording
from reliability_figures import record as keep
from reliability_figures import tally
from virtual_time import on_virtual_clock

from sensing.errors import HypnicError
from sensing.store import RecordingStore, StorageError, read_sqlite

CHILD = Path(__file__).with_name("recorder_child.py")
SPEED, NIGHT_S = 20.0, 200.0


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    return ok


def start_child(out: Path, night_s: float = NIGHT_S) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, str(CHILD), str(out), "--speed", str(SPEED),
                          "--night-s", str(night_s)], stdout=subprocess.PIPE, text=True)
    assert json.loads(p.stdout.readline()) == {"started": True}
    return p


def stored_run(path: Path, truth_codes: np.ndarray) -> tuple[int, int, bool]:
    """(first index, count, gap-free) of the first session's samples in the true night."""
    rec = read_sqlite(path)[0]
    got = codes("polar", rec.acc)
    k = 8  # locate the first stored samples in the night by their exact counts
    hits = np.flatnonzero((truth_codes[: len(truth_codes) - k] == got[0]).all(axis=1))
    first = next(int(i) for i in hits if (truth_codes[i:i + k] == got[:k]).all())
    n = len(got)
    contiguous = bool((truth_codes[first:first + n] == got).all()) and len(rec.gaps) == 0
    return first, n, contiguous


@pytest.fixture(scope="module")
def truth():
    rec = night_recording(NIGHT_S)
    return rec, codes("polar", rec.acc)


@pytest.mark.parametrize("commits", [2, 5, 9])
def test_sigkill_mid_write_then_restart(tmp_path, truth, commits):
    rec, truth_codes = truth
    out = tmp_path / "night.sqlite"
    child = start_child(out)
    for _ in range(commits):  # the child reports each commit; kill right after the last
        seen = json.loads(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert integrity(out) == "ok"
    first, n, contiguous = stored_run(out, truth_codes)
    last_stored_ns = int(read_sqlite(out)[0].time_ns[-1])
    # restart on the same file: appended as a new session, the first one untouched
    child2 = start_child(out, night_s=40.0)
    lines = [json.loads(line) for line in child2.stdout]
    child2.wait(timeout=60)
    child2.stdout.close()
    final = lines[-1]
    recs = read_sqlite(out)
    name = f"sigkill-after-{commits}-commits"
    keep("sigkill", name, committed_before_kill=seen["committed"], stored=n,
         stored_after_last_report=n - seen["committed"], gap_free=contiguous,
         integrity=integrity(out), restart_delivered=final["delivered"],
         restart_stored=final["stored"], restart_lost=final["lost"], sessions=len(recs))
    tally("sigkill", "all", kills=1, corrupt=int(integrity(out) != "ok"))
    assert contiguous and first < 200  # from the start of the stream, gap-free
    assert n >= seen["committed"] and last_stored_ns >= seen["last_ns"]  # nothing committed lost
    assert len(recs) == 2 and len(recs[0]) == n
    assert final["lost"] == 0 and final["extra"] == 0 and final["delivered"] > 1000


def test_a_commit_comes_within_the_interval_on_the_store_clock(tmp_path):
    """What a crash can lose: samples wait at most ``commit_interval_s`` (1 s) on the
    store's clock before they are on disk."""
    now = [0.0]
    store = RecordingStore(tmp_path / "n.sqlite", clock=lambda: now[0])
    sid = store.add_sensor("AA", "x", "polar", "wrist-left", 100.0, 8, 0)
    committed = []
    for k in range(300):  # 3 s of 100 Hz, one sample at a time
        now[0] = k / 100
        store.append(sid, np.array([k * 10**7], np.int64), np.zeros((1, 3), np.float32))
        committed.append(sum(len(r) for r in read_sqlite(store.path)))
    store.close()
    waited = np.arange(300) + 1 - np.array(committed)  # samples appended, not yet on disk
    assert waited.max() == 100  # the last second's samples, never more
    assert committed[-1] == 201 and sum(len(r) for r in read_sqlite(tmp_path / "n.sqlite")) == 300


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True)
    return p.returncode == 0


@on_virtual_clock
async def test_disk_full_on_a_tiny_filesystem(tmp_path, truth):
    """A real full disk (a 256 KiB tmpfs): a clear StorageError, committed data intact."""
    mnt = tmp_path / "tiny"
    if not _mount_tmpfs(mnt, "256k"):
        pytest.skip("mounting a tmpfs needs root (the max_page_count test covers CI)")
    try:
        rec = truth[0]
        out = mnt / "night.sqlite"
        with pytest.raises(StorageError, match="what was recorded"):
            await record(out, [("polar", rec, ())], 160.0)
        result = _check_full(out, truth[1], "disk-full-tmpfs")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
    assert result["integrity"] == "ok" and result["gap_free"] and result["stored"] > 1000


@on_virtual_clock
async def test_disk_full_by_page_limit(tmp_path, truth, monkeypatch):
    """A full database (SQLite's max_page_count, portable): the same guarantees."""
    original = RecordingStore.__init__

    def limited(self, path, config=None, **kwargs):
        original(self, path, config, clock=asyncio.get_running_loop().time)
        self._db.execute("PRAGMA max_page_count = 40")

    monkeypatch.setattr(RecordingStore, "__init__", limited)
    out = tmp_path / "night.sqlite"
    with pytest.raises(StorageError, match="what was recorded"):
        await record(out, [("polar", truth[0], ())], 160.0)
    result = _check_full(out, truth[1], "disk-full-page-limit")
    assert result["integrity"] == "ok" and result["gap_free"] and result["stored"] > 1000


def _check_full(out: Path, truth_codes: np.ndarray, name: str) -> dict:
    _, n, contiguous = stored_run(out, truth_codes)
    result = {"integrity": integrity(out), "gap_free": contiguous, "stored": n}
    keep("disk-full", name, **result)
    return result


def run_cli_with_deadline(argv: list[str], deadline_s: float) -> subprocess.CompletedProcess | None:
    """Run the ``hypnic`` script; None if it is still running after ``deadline_s`` (killed)."""
    try:
        return subprocess.run([str(Path(sys.executable).with_name("hypnic")), *argv],
                              capture_output=True, text=True, timeout=deadline_s)
    except subprocess.TimeoutExpired:
        return None


def test_record_cli_on_a_full_disk_is_one_error_line(tmp_path):
    mnt = tmp_path / "tiny"
    if not _mount_tmpfs(mnt, "128k"):
        pytest.skip("mounting a tmpfs needs root")
    try:
        p = run_cli_with_deadline(["record", "--emulate", "polar", "--speed", "1000", "--duration",
                                   "10m", "--quiet", "--out", str(mnt / "n.sqlite")], 30.0)
        ok = integrity(mnt / "n.sqlite")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
    keep("disk-full", "record-cli", exit_code=None if p is None else p.returncode,
         stderr=None if p is None else p.stderr.strip()[:200], integrity=ok, hung=p is None)
    assert ok == "ok"
    assert p is not None, "hypnic record --emulate hung after the disk-full error"
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "disk is full" in p.stderr


def test_sigkill_of_the_record_command(tmp_path):
    """``hypnic record --emulate`` itself killed with SIGKILL: the file opens, is sound and
    exports (the recovery path a user takes the next morning)."""
    out = tmp_path / "n.sqlite"
    hypnic = str(Path(sys.executable).with_name("hypnic"))
    p = subprocess.Popen([hypnic, "record", "--emulate", "hypnic", "--speed", "20", "--duration",
                          "10m", "--quiet", "--out", str(out)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and _stored(out) > 2000):
        time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    n = _stored(out)
    exported = subprocess.run([hypnic, "export", str(out), "--out", str(tmp_path / "n.csv")],
                              capture_output=True, text=True, timeout=120)
    keep("sigkill", "record-command", stored=n, integrity=integrity(out),
         export_exit=exported.returncode)
    assert integrity(out) == "ok" and n > 2000 and exported.returncode == 0, exported.stderr


def _stored(path: Path) -> int:
    try:
        return sum(len(r) for r in read_sqlite(path))
    except (HypnicError, sqlite3.Error):  # the file may not have its tables yet
        return 0


# -- the -wal file: copying only the .sqlite after a crash --------------------------------

def _copy_of_sqlite_alone(path: Path, dest: Path) -> int:
    """Samples in a copy of ``path`` made without its -wal file (what a user copying
    only night.sqlite after a crash would keep)."""
    import shutil

    dest.mkdir()
    shutil.copy(path, dest / path.name)
    return sum(len(r) for r in read_sqlite(dest / path.name))


def test_the_sqlite_file_alone_lags_at_most_a_checkpoint_interval(tmp_path):
    """Committed samples reach the .sqlite file itself (not only its -wal) at least every
    ``checkpoint_interval_s`` (60 s) on the store's clock; before, about 28 minutes of a
    100 Hz sensor could live in the -wal file only."""
    now = [0.0]
    store = RecordingStore(tmp_path / "n.sqlite", clock=lambda: now[0])
    sid = store.add_sensor("AA", "x", "polar", "wrist-left", 100.0, 8, 0)
    in_copy = []
    for second in range(1, 181):  # 3 minutes of 100 Hz, one commit a second
        now[0] = float(second)
        t = np.arange((second - 1) * 100, second * 100, dtype=np.int64) * 10**7
        store.append(sid, t, np.zeros((100, 3), np.float32))
        if second % 30 == 0:  # the process is never closed: as after a SIGKILL
            in_copy.append(_copy_of_sqlite_alone(store.path, tmp_path / f"copy{second}"))
    keep("sigkill", "wal-copy-sqlite-only", samples_at_30s_steps=in_copy)
    store.close()
    assert in_copy == [0, 6000, 6000, 12000, 12000, 18000]  # the last checkpoint's samples


def test_reopening_a_crashed_recording_moves_its_wal_into_the_file(tmp_path):
    """After a SIGKILL the samples live in the -wal file; a recorder restarted on the file
    checkpoints at open, so from then on a copy of the .sqlite file alone holds them."""
    path = tmp_path / "n.sqlite"
    child = ("import sys, time, numpy as np\n"
             "from sensing.store import RecordingStore\n"
             "s = RecordingStore(sys.argv[1])\n"
             "sid = s.add_sensor('AA', 'x', 'polar', 'wrist-left', 100.0, 8, 0)\n"
             "s.append(sid, np.arange(5000, dtype=np.int64) * 10**7, np.zeros((5000, 3), np.float32))\n"
             "s.commit()\n"
             "print('committed', flush=True)\n"
             "time.sleep(60)\n")
    p = subprocess.Popen([sys.executable, "-c", child, str(path)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "committed"
    p.kill()
    p.wait()
    p.stdout.close()
    assert Path(f"{path}-wal").stat().st_size > 0
    assert _copy_of_sqlite_alone(path, tmp_path / "before") == 0  # all in the -wal file
    store = RecordingStore(path)  # restart: appends to the same file
    after = _copy_of_sqlite_alone(path, tmp_path / "after")
    store.close()
    keep("sigkill", "wal-restart", copy_before_restart=0, copy_after_restart=after)
    assert after == 5000
