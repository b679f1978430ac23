"""hypnic never writes through a planted symbolic link, never overwrites or edits a file
it did not make for this output, and never lets two sensors or two recorders share a file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest
from cli_run import run_main

from analysis.diary import DiaryEntry, add_entries, connect, list_entries
from sensing import generic
from sensing.recording import Recording
from sensing.store import RecordingStore, StorageError, read_sqlite

VICTIM = b"another user's file, not hypnic's\n"


def small(rec: Recording, n: int = 400, location: str | None = None) -> Recording:
    return Recording(rec.time_ns[:n], rec.acc[:n], rec.fs, location or rec.location, rec.device)


def live_recording(path: Path, sensors: list[tuple[str, Recording]], events: bool = False) -> Path:
    with RecordingStore(path) as store:
        for i, (location, rec) in enumerate(sensors):
            sid = store.add_sensor(f"AA:{i}", f"sensor {i}", "polar", location, rec.fs, 8,
                                   int(rec.time_ns[0]))
            store.append(sid, rec.time_ns, rec.acc)
            if events:
                store.add_event(sid, 1, "jerk", int(rec.time_ns[10]), int(rec.time_ns[20]), 0.5,
                                1.0, {})
    return path


@pytest.fixture
def victim(tmp_path):
    target = tmp_path / "victim.txt"
    target.write_bytes(VICTIM)
    return target


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_convert_does_not_write_through_a_planted_part_link(tmp_path, short_night, victim, suffix):
    """The old writers wrote ``<out>.part`` then renamed it: a link planted there made
    hypnic overwrite the link's target."""
    src = tmp_path / "in.csv"
    generic.write_csv(small(short_night.recordings["wrist-left"]), src)
    out = tmp_path / f"night{suffix}"
    Path(f"{out}.part").symlink_to(victim)
    code, _, err = run_main(["convert", src, "--out", out])
    assert code == 0, err
    assert victim.read_bytes() == VICTIM
    assert len(read_sqlite_or_file(out)) == 400


def read_sqlite_or_file(path: Path) -> Recording:
    from sensing.readers import read

    (rec,) = read(path)
    return rec


def test_export_does_not_write_through_a_planted_part_link(tmp_path, short_night, victim):
    live = live_recording(tmp_path / "n.sqlite", [("wrist-left", small(short_night.recordings["wrist-left"]))])
    Path(f"{tmp_path / 'night.parquet'}.part").symlink_to(victim)
    code, _, err = run_main(["export", live, "--out", tmp_path / "night.parquet"])
    assert code == 0, err
    assert victim.read_bytes() == VICTIM


def test_export_never_writes_two_sensors_to_one_file(tmp_path, short_night):
    """Two sensors worn at one place (two wrist-left) used to go to the same file name:
    the second overwrote the first (11,310 samples lost in the campaign)."""
    a = small(short_night.recordings["wrist-left"], 300)
    b = small(short_night.recordings["ankle-left"], 500)
    live = live_recording(tmp_path / "n.sqlite", [("wrist-left", a), ("wrist-left", b),
                                                 ("ankle-left", a)])
    code, out, err = run_main(["export", live, "--out", tmp_path / "night.csv"])
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.glob("night*.csv"))
    assert names == ["night-ankle-left.csv", "night-wrist-left-1.csv", "night-wrist-left-2.csv"]
    lengths = [len(read_sqlite_or_file(tmp_path / n)) for n in names]
    assert lengths == [300, 300, 500]
    assert sum(lengths) == sum(len(r) for r in read_sqlite(live))


@pytest.mark.parametrize("existing", ["night.parquet", "night-events.csv"])
def test_export_never_overwrites_a_file(tmp_path, short_night, existing):
    """``export --out night.parquet`` silently replaced ``night-events.csv`` (e.g. the
    one ``hypnic detect`` wrote); now no file is written when any target exists."""
    live = live_recording(tmp_path / "n.sqlite",
                          [("wrist-left", small(short_night.recordings["wrist-left"]))], events=True)
    (tmp_path / existing).write_bytes(VICTIM)
    code, _, err = run_main(["export", live, "--out", tmp_path / "night.parquet"])
    assert code == 1 and err.count("\n") == 1 and "already exists" in err, err
    assert (tmp_path / existing).read_bytes() == VICTIM
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"n.sqlite", existing})


def test_export_writes_the_events_beside_the_samples(tmp_path, short_night):
    live = live_recording(tmp_path / "n.sqlite",
                          [("wrist-left", small(short_night.recordings["wrist-left"]))], events=True)
    code, out, err = run_main(["export", live, "--out", tmp_path / "night.csv.gz"])
    assert code == 0, err
    assert (tmp_path / "night-events.csv").read_text().count("\n") == 2  # header + one event


def test_two_recorders_never_share_a_file(tmp_path):
    """The store creates a new recording exclusively: a second one at the same path (a
    second ``hypnic record`` started at the same moment) fails and changes nothing."""
    path = tmp_path / "night.sqlite"
    first = RecordingStore(path, exclusive=True)
    sid = first.add_sensor("AA", "n", "polar", "wrist-left", 100.0, 8, 0)
    first.append(sid, np.arange(10, dtype=np.int64), np.zeros((10, 3), np.float32))
    first.commit()
    with pytest.raises(StorageError, match="already exists"):
        RecordingStore(path, exclusive=True)
    first.close()
    (rec,) = read_sqlite(path)
    assert len(rec) == 10


def test_record_whose_file_appears_after_the_check_fails_cleanly(tmp_path, monkeypatch):
    """Another ``hypnic record`` creates the file between this one's check and its store:
    one error line, and the other recording is untouched."""
    import hypnic.workflows.record as wf

    out = tmp_path / "n.sqlite"
    real = wf.emulated_air

    def racing(*args, **kwargs):  # runs after the CLI's existence check
        out.write_bytes(VICTIM)
        return real(*args, **kwargs)

    monkeypatch.setattr(wf, "emulated_air", racing)
    code, _, err = run_main(["record", "--emulate", "polar", "--duration", "5s", "--speed",
                             "1000", "--quiet", "--out", out])
    assert code == 1 and err.count("\n") == 1 and "already exists" in err, err
    assert out.read_bytes() == VICTIM


# -- --db pointed at the wrong file -------------------------------------------------------

def _foreign_sqlite(path: Path) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE contacts(name TEXT)")
        db.execute("INSERT INTO contacts VALUES ('Ada')")
        db.commit()
    return path


@pytest.mark.parametrize("kind", ["other-app", "recording", "text"])
@pytest.mark.parametrize("argv", [["diary", "add", "2026-01-05", "--stress", "3"], ["diary", "list"],
                                  ["report", "--out", "{tmp}/rep"], ["nights"]])
def test_a_db_that_is_not_a_diary_is_refused_untouched(tmp_path, short_night, kind, argv):
    """``--db`` at another application's database, a recording or a text file: refused
    before anything changes (before: its mode became 0600 and diary tables were added)."""
    path = tmp_path / "other"
    if kind == "other-app":
        _foreign_sqlite(path)
    elif kind == "recording":
        live_recording(path, [("wrist-left", small(short_night.recordings["wrist-left"]))])
    else:
        path.write_bytes(VICTIM)
    os.chmod(path, 0o644)
    before = (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    code, _, err = run_main([a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--db", path])
    assert code == 1 and err.count("\n") == 1 and "not a hypnic database" in err, err
    assert (path.read_bytes(), stat.S_IMODE(path.stat().st_mode)) == before
    assert not (tmp_path / "rep").exists()


def test_an_empty_file_becomes_a_diary(tmp_path):
    path = tmp_path / "new.sqlite"
    path.touch()
    with connect(path) as con:
        add_entries(con, [DiaryEntry(night=__import__("datetime").date(2026, 1, 5), stress=2)])
    with connect(path) as con:
        assert [e.stress for e in list_entries(con)] == [2]
