"""Crash-safe SQLite store: round trip, gaps, events, full disk, foreign files."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

from sensing.errors import FormatError
from sensing.store import RecordingStore, StorageError, StoreConfig, read_events, read_sqlite

T0 = 1_767_652_200_000_000_000


def chunks(n_chunks=5, n=40, fs=100.0, start=0):
    for k in range(n_chunks):
        i = start + k * n + np.arange(n)
        yield T0 + (i * 1e9 / fs).astype(np.int64), np.stack(
            [np.sin(i / 10), np.cos(i / 10), np.full(n, 1.0)], axis=1).astype(np.float32)


def test_round_trip_with_gap_and_events(tmp_path):
    path = tmp_path / "night.sqlite"
    with RecordingStore(path) as store:
        a = store.add_sensor("AA:BB", "Polar Sense 1", "polar", "wrist-left", 52.0, 8, T0)
        b = store.add_sensor("CC:DD", "hypnic-1", "hypnic", "ankle-left", 100.0, 8, T0)
        parts = list(chunks()) + list(chunks(2, start=400))
        for t, acc in parts:
            store.append(b, t, acc)
        store.add_gap(b, parts[4][0][-1], parts[5][0][0], "loss")
        store.add_event(b, 0, "jerk", T0 + 10**9, T0 + 12 * 10**8, 1.5, 0.9, {"axis": "x"})
        store.add_event(b, 1, "jerk", T0 + 5 * 10**9, T0 + 52 * 10**8, 0.5, 0.4, {"axis": "y"})
        store.add_event(b, 1, "plm", T0 + 5 * 10**9, T0 + 52 * 10**8, 0.5, 0.4, {"axis": "y"})
        store.append(a, *next(chunks(1, fs=52.0)))
    recs = read_sqlite(path)
    assert [r.location for r in recs] == ["wrist-left", "ankle-left"]
    rec = recs[1]
    t = np.concatenate([p[0] for p in parts])
    np.testing.assert_array_equal(rec.time_ns, t)
    np.testing.assert_array_equal(rec.acc, np.concatenate([p[1] for p in parts]))
    assert rec.gaps.tolist() == [[int(parts[4][0][-1]), int(parts[5][0][0])]]
    assert rec.fs == 100.0 and rec.meta["profile"] == "hypnic" and rec.device == "hypnic-1"
    ev = read_events(path)
    assert ev["kind"].tolist() == ["jerk", "plm"]  # the revision replaced event 1
    assert ev.loc[0, "location"] == "ankle-left" and ev.loc[0, "axis"] == "x"
    assert ev.loc[0, "start"] == pd.Timestamp(T0 + 10**9, unit="ns", tz="UTC")
    assert ev.loc[0, "duration_s"] == pytest.approx(0.2)


def test_readable_while_open_and_commit_interval(tmp_path):
    path = tmp_path / "live.sqlite"
    store = RecordingStore(path, StoreConfig(commit_interval_s=3600))
    sid = store.add_sensor("AA", "x", "polar", "trunk", 100.0, 8, T0)
    t, acc = next(chunks())
    store.append(sid, t, acc)
    assert read_sqlite(path) == []          # buffered, not yet committed
    store.commit()
    assert len(read_sqlite(path)[0]) == 40  # committed data visible to another reader
    store.close()


def test_disk_full_is_a_clear_error_and_data_stays(tmp_path):
    path = tmp_path / "full.sqlite"
    store = RecordingStore(path)
    sid = store.add_sensor("AA", "x", "polar", "trunk", 100.0, 8, T0)
    t, acc = next(chunks())
    store.append(sid, t, acc)
    store.commit()
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 1}")  # the disk is now full
    for t, acc in chunks(50, n=400, start=40):
        store.append(sid, t, acc)
    with pytest.raises(StorageError, match="full"):
        store.commit()
    store._db.close()
    assert len(read_sqlite(path)[0]) == 40


def test_not_a_recording(tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(FormatError, match="not a hypnic live recording"):
        read_sqlite(other)
    (tmp_path / "text.sqlite").write_text("hello")
    with pytest.raises(FormatError):
        read_sqlite(tmp_path / "text.sqlite")
    with pytest.raises(FormatError, match="no such file"):
        read_sqlite(tmp_path / "missing.sqlite")


def test_unwritable_location(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(StorageError, match="cannot write recording"):
        RecordingStore(tmp_path / "a-file" / "night.sqlite")


def test_recording_files_are_owner_only(tmp_path):
    path = tmp_path / "private.sqlite"
    with RecordingStore(path) as store:
        sid = store.add_sensor("AA", "x", "polar", "trunk", 100.0, 8, T0)
        store.append(sid, *next(chunks()))
        store.commit()
        modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert set(modes) >= {"private.sqlite", "private.sqlite-wal"}
    assert set(modes.values()) == {0o600}, modes


def test_felt_it_markers_are_stored_with_the_recording(tmp_path, capsys):
    from hypnic.cli import main
    from sensing.store import mark, read_markers

    path = tmp_path / "night.sqlite"
    with RecordingStore(path) as store:
        store.add_marker(1_767_652_200_000_000_000, "key")
    assert mark(path, [1_767_652_260_000_000_000], "file", "phone") == 1
    assert main(["mark", str(path), "--at", "2026-01-05T23:35:00+01:00"]) == 0
    m = read_markers(path)
    assert m["source"].tolist() == ["key", "file", "file"]
    assert m["start"].astype("int64").tolist() == [1_767_652_200_000_000_000,
                                                   1_767_652_260_000_000_000,
                                                   1_767_652_500_000_000_000]
    bad = tmp_path / "taps.csv"
    bad.write_text("time\n1\nx,y,z\n")
    for argv in (["--at", "yesterday"], ["--at=-1"], ["--csv", str(bad)]):  # -1: year -1
        assert main(["mark", str(path), *argv]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and (argv[0] == "--csv" or err.endswith(
            "use ISO-8601, e.g. 2026-01-05T23:10:05, or a clock time (23:10)\n")), err
    assert main(["mark", str(tmp_path / "missing.sqlite")]) == 1


def test_a_mark_outside_its_recording_is_refused(tmp_path, capsys):
    """A recording of 22:30-22:32 UTC on 5 January: marks written with and without a zone
    in one call are read, each as written; one before the recording began or more than
    12 h after its last sample (a mark meant for another recording, or "now" months
    later) is refused, naming the recording's times in the sleeper's zone (21:00 in Paris
    is 2.5 h before 23:30 there)."""
    from hypnic.cli import main
    from sensing.store import read_markers

    path = tmp_path / "night.sqlite"
    with RecordingStore(path) as store:
        sid = store.add_sensor("AA", "x", "polar", "wrist-left", 100.0, 8, T0)
        for t, a in chunks(n_chunks=3, n=4000):
            store.append(sid, t, a)
    assert main(["mark", str(path), "--tz", "Europe/Paris", "--at", "2026-01-05T22:31:00Z",
                 "--at", "2026-01-05 23:31:30"]) == 0
    assert read_markers(path)["start"].astype("int64").tolist() == [T0 + 60 * 10**9, T0 + 90 * 10**9]
    capsys.readouterr()
    for at, says in (("2026-03-01T01:00", "54 days after"), ("2026-01-05T21:00", "2.5 h before")):
        assert main(["mark", str(path), "--tz", "Europe/Paris", "--at", at]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err and "the recording (2026-01-05 23:30-23:31 Europe/Paris)" in err, err
    assert main(["mark", str(path)]) == 1  # now: long after
    assert len(read_markers(path)) == 2
    # a clock time, as a sleeper types it: its first time after the recording began, in
    # the sleeper's zone (before: refused, "use ISO-8601")
    assert main(["mark", str(path), "--tz", "Europe/Paris", "--at", "23:32"]) == 0
    assert read_markers(path)["start"].astype("int64").tolist() == [T0 + 60 * 10**9, T0 + 90 * 10**9,
                                                                    T0 + 120 * 10**9]
    assert main(["mark", str(path), "--tz", "Europe/Paris", "--at", "23:29"]) == 1  # the next day's: 24 h after
    assert "is 24.0 h after the recording" in capsys.readouterr().err
