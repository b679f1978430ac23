"""Reading a live recording while another process records into it.

A recorder process (``recorder_child.py``) writes an emulated night into a .sqlite;
meanwhile this process reads it over and over (``read_sqlite`` and
``PRAGMA integrity_check`` on a read-only connection) and runs ``hypnic detect``,
``hypnic convert`` and ``hypnic export`` on it as separate processes. Target: every
read and command succeeds, the samples seen only grow, and the recorder still stores
every delivered sample.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_figures import record as keep

from sensing.store import read_sqlite

CHILD = Path(__file__).with_name("recorder_child.py")
HYPNIC = Path(sys.executable).with_name("hypnic")


def integrity_ro(path: Path) -> str:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


@pytest.mark.slow
def test_readers_while_recording(tmp_path):
    out = tmp_path / "live.sqlite"
    child = subprocess.Popen([sys.executable, str(CHILD), str(out), "--speed", "20",
                              "--night-s", "300"], stdout=subprocess.PIPE, text=True)
    json.loads(child.stdout.readline())  # streaming has started
    commands = [["detect", str(out), "--out", str(tmp_path / "events.csv")],
                ["convert", str(out), "--out", str(tmp_path / "night.csv")],
                ["export", str(out), "--out", str(tmp_path / "export.parquet")]]
    running: list[subprocess.Popen] = []
    seen, reads, bad, checks = [], 0, [], []
    t0 = time.monotonic()
    while child.poll() is None:
        time.sleep(0.25)
        if not (tmp_path / "live.sqlite").exists():
            continue
        elapsed = time.monotonic() - t0
        if commands and elapsed > 2.0 + 2.5 * (3 - len(commands)):
            running.append(subprocess.Popen([str(HYPNIC), *commands.pop(0)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                            text=True))
        try:
            recs = read_sqlite(out)
            checks.append(integrity_ro(out))
        except Exception as exc:  # counted: any failure to read is a finding
            bad.append(repr(exc))
            continue
        reads += 1
        seen.append(sum(len(r) for r in recs))
    final = json.loads(child.stdout.read().splitlines()[-1])  # after one line per commit
    child.stdout.close()
    results = []
    for p in running:
        p.wait(timeout=120)
        results.append((p.args[1], p.returncode, p.stderr.read().strip()[-200:]))
        p.stderr.close()
    keep("concurrency", "read-while-recording", reads=reads, read_errors=len(bad),
         integrity_checks=len(checks), integrity_ok=checks.count("ok"),
         commands={name: code for name, code, _ in results}, delivered=final["delivered"],
         stored=final["stored"], lost=final["lost"], final_integrity=integrity_ro(out))
    assert bad == [] and reads > 20 and checks == ["ok"] * len(checks)
    assert seen == sorted(seen) and seen[-1] > seen[0]
    assert [(n, c) for n, c, _ in results] == [("detect", 0), ("convert", 0), ("export", 0)], results
    assert final["lost"] == 0 and final["extra"] == 0 and final["delivered"] > 5000
    assert integrity_ro(out) == "ok"
