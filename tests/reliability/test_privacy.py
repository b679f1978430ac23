"""Privacy and security: owner-only files, no listening sockets, no network calls,
escaped user text in reports, parameterised SQL (checked by behaviour, not by grep).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_run import run_main
from reliability_figures import record as keep

from analysis.diary import DiaryEntry, add_entries, connect, list_entries
from sensing import generic
from sensing.recording import Recording
from sensing.store import RecordingStore, read_sqlite

HYPNIC = Path(sys.executable).with_name("hypnic")
SCRIPT = "<script>alert('x')</script>"
INJECT = "x'); DROP TABLE chunks;--"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    old = os.umask(0o022)  # the common default: files 0644 unless the code says otherwise
    yield
    os.umask(old)


@pytest.fixture(params=[0o022, 0o077], ids=["umask-022", "umask-077"])
def any_umask(request):
    """The usual umask and a strict one: owner-only must not depend on it."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_diary_database_is_owner_only(tmp_path, any_umask):
    db = tmp_path / "new-folder" / "hypnic.sqlite"
    with connect(db) as con:
        add_entries(con, [DiaryEntry(night=__import__("datetime").date(2026, 1, 5), notes="x")])
    keep("privacy", "diary-db", mode=oct(mode(db)), folder_mode=oct(mode(db.parent)))
    assert mode(db) == 0o600 and mode(db.parent) == 0o700


def test_live_recording_is_owner_only(tmp_path, short_night, any_umask):
    rec = short_night.recordings["wrist-left"]
    path = tmp_path / "night.sqlite"
    store = RecordingStore(path)
    sid = store.add_sensor("AA", "Polar", "polar", "wrist-left", rec.fs, 8, int(rec.time_ns[0]))
    store.append(sid, rec.time_ns[:500], rec.acc[:500])
    store.commit()
    modes = {p.name: oct(mode(p)) for p in tmp_path.iterdir()}
    store.close()
    keep("privacy", "live-recording", modes=modes)
    assert all(m == "0o600" for m in modes.values()), modes


def modes_under(root: Path) -> dict[str, str]:
    """Mode of every file and folder below ``root`` (relative names; folders end in /)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[str(Path(dirpath, name).relative_to(root)) + "/"] = oct(mode(Path(dirpath, name)))
        for name in filenames:
            out[str(Path(dirpath, name).relative_to(root))] = oct(mode(Path(dirpath, name)))
    return out


def test_every_output_with_personal_data_is_owner_only(tmp_path, short_night, any_umask):
    """Exports, events, sleep JSON, diary export and reports: 0600, new folders 0700,
    whatever the umask (before: 0644 with the usual 022)."""
    rec = short_night.recordings["wrist-left"]
    small = Recording(rec.time_ns[:30000], rec.acc[:30000], rec.fs, rec.location, rec.device)
    src = tmp_path / "src"
    src.mkdir()
    generic.write_csv(small, src / "night.csv")
    with RecordingStore(src / "live.sqlite") as store:
        sid = store.add_sensor("AA", "Polar", "polar", "wrist-left", rec.fs, 8, int(rec.time_ns[0]))
        store.append(sid, small.time_ns[:2000], small.acc[:2000])
        store.add_event(sid, 1, "jerk", int(small.time_ns[5]), int(small.time_ns[9]), 0.4, 1.0, {})
    db, out = src / "diary.sqlite", tmp_path / "out"
    runs = [["diary", "add", "2026-01-05", "--med", "sertraline", "--db", db],
            ["detect", src / "night.csv", "--out", out / "events" / "events.csv",
             "--sleep-out", out / "events" / "sleep.json"],
            ["convert", src / "night.csv", "--out", out / "convert" / "night.parquet"],
            ["convert", src / "night.csv", "--out", out / "convert" / "night.csv.gz"],
            ["export", src / "live.sqlite", "--out", out / "export" / "night.csv"],
            ["export", src / "live.sqlite", "--out", out / "export2" / "night.parquet"],
            ["diary", "export", out / "diary" / "diary.csv", "--db", db],
            ["nights", "--add", src / "night.csv", "--tz", "UTC", "--db", db],
            ["report", "--out", out / "report", "--db", db]]
    for argv in runs:
        code, _, err = run_main([str(a) for a in argv])
        assert code == 0, (argv, err)
    modes = modes_under(out)
    keep("privacy", f"outputs-umask-{any_umask:03o}", files=sum(not k.endswith("/") for k in modes),
         folders=sum(k.endswith("/") for k in modes), modes=sorted(set(modes.values())))
    assert len(modes) == 16, modes  # 6 folders, 10 files (2 exports of samples + events, ...)
    assert {k: v for k, v in modes.items() if v != ("0o700" if k.endswith("/") else "0o600")} == {}


def test_report_escapes_user_text(tmp_path):
    db = tmp_path / "d.sqlite"
    code, _, err = run_main(["diary", "add", "2026-01-05", "--notes", SCRIPT, "--med",
                             "<img src=x onerror=alert(2)>", "--stress", "3", "--db", str(db)])
    assert code == 0, err
    code, _, err = run_main(["report", "--db", str(db), "--out", str(tmp_path / "rep")])
    assert code == 0, err
    html = (tmp_path / "rep" / "index.html").read_text()
    keep("privacy", "report-escaping", raw_script_tags=html.count(SCRIPT),
         escaped=html.count("&lt;script&gt;"))
    assert SCRIPT not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror" in html


def test_sql_injection_in_recording_text_is_data(tmp_path, short_night):
    rec = short_night.recordings["wrist-left"]
    path = tmp_path / "night.sqlite"
    with RecordingStore(path) as store:
        sid = store.add_sensor(INJECT, INJECT, "polar", "wrist-left", rec.fs, 8, int(rec.time_ns[0]))
        store.append(sid, rec.time_ns[:300], rec.acc[:300])
        store.log(sid, "error", INJECT)
    (got,) = read_sqlite(path)
    assert got.device == INJECT and got.meta["address"] == INJECT and len(got) == 300


def test_diary_text_with_sql_is_data(tmp_path):
    db = tmp_path / "d.sqlite"
    for i, text in enumerate(["'); DROP TABLE diary;--", "1' OR '1'='1", SCRIPT]):
        code, _, err = run_main(["diary", "add", f"2026-01-0{i + 1}", "--notes", text,
                                 "--med", text.replace(";", ","), "--db", str(db)])
        assert code == 0, err
    with connect(db) as con:
        notes = [e.notes for e in list_entries(con)]
    assert notes == ["'); DROP TABLE diary;--", "1' OR '1'='1", SCRIPT]


class _NoNetwork(socket.socket):
    attempts: list = []

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if family in (socket.AF_INET, socket.AF_INET6):
            _NoNetwork.attempts.append((family, type))
            raise OSError("network use is forbidden in this test")
        super().__init__(family, type, proto, fileno)


def test_no_network_calls(tmp_path, short_night, monkeypatch):
    """Diary, detection, conversion and the report run with IP sockets forbidden."""
    monkeypatch.setattr(socket, "socket", _NoNetwork)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: _NoNetwork(socket.AF_INET))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home"))
    rec = short_night.recordings["wrist-left"]
    generic.write_csv(rec, tmp_path / "night.csv")
    db = str(tmp_path / "d.sqlite")
    runs = [["diary", "add", "2026-01-05", "--stress", "4", "--db", db],
            ["nights", "--add", str(tmp_path / "night.csv"), "--tz", "UTC", "--db", db],
            ["convert", str(tmp_path / "night.csv"), "--out", str(tmp_path / "n.parquet")],
            ["report", "--db", db, "--out", str(tmp_path / "rep")]]
    codes = [run_main(argv)[0] for argv in runs]
    keep("privacy", "no-telemetry", commands=len(runs), exit_codes=codes,
         ip_socket_attempts=len(_NoNetwork.attempts))
    assert codes == [0] * len(runs) and _NoNetwork.attempts == []


def _sockets_of(pids: list[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    return inodes


def _listening(inodes: set[str]) -> list[tuple[str, str]]:
    """(protocol, local address) of the listening/bound IP sockets among ``inodes``."""
    out = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        with open(f"/proc/net/{proto}") as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                listening = cols[3] == "0A" if proto.startswith("tcp") else True
                if cols[9] in inodes and listening:
                    out.append((proto, cols[1]))
    return out


def _children(pid: int) -> list[int]:
    kids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{p}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(p))
    return kids


def watch_sockets(argv: list[str], cwd: Path, seconds: float) -> tuple[set, int | None]:
    """Run ``hypnic argv``; poll its (and its children's) IP sockets; (listening, exit code)."""
    p = subprocess.Popen([str(HYPNIC), *argv], cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    seen: set = set()
    t_end = time.monotonic() + seconds
    while p.poll() is None and time.monotonic() < t_end:
        pids = [p.pid, *_children(p.pid)]
        seen |= set(_listening(_sockets_of(pids)))
        time.sleep(0.1)
    if p.poll() is None:
        p.kill()
    p.wait()
    p.stderr.close()
    return seen, p.returncode


def test_record_emulate_listens_on_nothing(tmp_path):
    seen, code = watch_sockets(["record", "--emulate", "hypnic", "--speed", "20", "--duration",
                                "60s", "--quiet", "--out", str(tmp_path / "n.sqlite")],
                               tmp_path, 25.0)
    keep("privacy", "listening-sockets-record", listening=sorted(seen), exit_code=code)
    assert seen == set()


@pytest.mark.slow
def test_batch_binds_to_loopback_only(tmp_path, short_night):
    """``hypnic batch``'s local Dask cluster listens on 127.0.0.1 only."""
    cohort = tmp_path / "cohort" / "p01"
    cohort.mkdir(parents=True)
    generic.write_csv(short_night.recordings["wrist-left"], cohort / "night-2026-01-05.csv")
    seen, code = watch_sockets(["batch", str(tmp_path / "cohort"), "--out", str(tmp_path / "out"),
                                "--workers", "1", "--no-reports"], tmp_path, 90.0)
    addresses = sorted({a for _, a in seen})
    keep("privacy", "listening-sockets-batch", listening=addresses, exit_code=code)
    assert seen, "the local cluster should listen somewhere (else this test checks nothing)"
    loopback = ("0100007F:", "00000000000000000000000001000000:")  # 127.0.0.1, ::1
    assert all(a.startswith(loopback) for a in addresses), addresses
