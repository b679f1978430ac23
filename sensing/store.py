"""Crash-safe recording store: live samples, gaps and events in one SQLite file (WAL).

A live recording appends decoded chunks as they arrive and commits at least every
``commit_interval_s`` (default 1 s), in WAL mode with ``synchronous=FULL``: a killed
process or a power cut loses at most the last uncommitted interval, and the file stays
readable by :func:`read_sqlite` at any moment, even while recording.

In WAL mode committed samples first go to the ``-wal`` file beside the recording and are
copied into the ``.sqlite`` file itself at a checkpoint: every ``checkpoint_interval_s``
(default 60 s) while recording, when a store opens the file, and when the last
connection to it closes (a reader's too). After a crash, the ``-wal`` file holds the samples since the last
checkpoint: copy the recording with its ``-wal`` file, or open it with hypnic first
(``hypnic export``, ``hypnic detect``), which moves them into the ``.sqlite`` file.

Schema (version 1)
------------------
``meta(key, value)``
    ``schema`` = ``hypnic-live-v1``, ``created`` (ISO UTC), ``hypnic_version``.
``sensors(id, address, name, profile, location, fs_hz, range_g, started_ns)``
    One row per sensor of the recording.
``chunks(sensor, t0_ns, t1_ns, n, time_ns, acc)``
    Samples: ``time_ns`` is int64 little-endian UTC ns since the epoch (n values),
    ``acc`` float32 little-endian x, y, z in g (n x 3 values).
``gaps(sensor, start_ns, end_ns, reason)``
    Spans with no samples, ``[last sample before, first sample after]``; reason is
    ``loss``, ``reconnect``, ``reboot`` or ``stall``.
``events(sensor, event_id, kind, start_ns, end_ns, peak_g, score, detail)``
    Events found live (``kind`` ``jerk`` or a look-alike such as ``plm``); a revised
    event replaces the row with its ``event_id``; ``detail`` is JSON with the
    detector's other columns and ``detected_ns``, when it was found.
``log(t_ns, sensor, kind, detail)``
    Link history: ``connect``, ``disconnect``, ``battery``, ``error`` ...
``markers(t_ns, source, note)``
    The sleeper's "I felt one" markers: ``key`` (a key pressed in ``hypnic record``'s
    terminal), ``file`` (``hypnic mark``, a phone app's CSV of times). Double taps on
    the sensor are found in the samples (:mod:`detection.markers`), not stored here.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sensing.errors import FormatError, HypnicError
from sensing.private import private_file, private_folder
from sensing.recording import Recording

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

SCHEMA = "hypnic-live-v1"

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sensors(id INTEGER PRIMARY KEY, address TEXT, name TEXT,
    profile TEXT, location TEXT, fs_hz REAL, range_g REAL, started_ns INTEGER);
CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY, sensor INTEGER, t0_ns INTEGER,
    t1_ns INTEGER, n INTEGER, time_ns BLOB, acc BLOB);
CREATE TABLE IF NOT EXISTS gaps(id INTEGER PRIMARY KEY, sensor INTEGER, start_ns INTEGER,
    end_ns INTEGER, reason TEXT);
CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, sensor INTEGER, event_id INTEGER,
    kind TEXT, start_ns INTEGER, end_ns INTEGER, peak_g REAL, score REAL, detail TEXT,
    UNIQUE(sensor, event_id));
CREATE TABLE IF NOT EXISTS log(id INTEGER PRIMARY KEY, t_ns INTEGER, sensor INTEGER,
    kind TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS markers(id INTEGER PRIMARY KEY, t_ns INTEGER, source TEXT,
    note TEXT);
"""


class StorageError(HypnicError):
    """The recording file cannot be written (disk full, permission denied, ...)."""


@dataclass(frozen=True)
class StoreConfig:
    """Parameters of :class:`RecordingStore`.

    Attributes
    ----------
    commit_interval_s : float
        Longest time buffered samples wait before a commit, s (what a crash can lose).
    checkpoint_interval_s : float
        Longest time committed samples stay in the ``-wal`` file only, s (what copying
        the ``.sqlite`` file without its ``-wal`` file after a crash can lose).
    """

    commit_interval_s: float = 1.0
    checkpoint_interval_s: float = 60.0


class RecordingStore:
    """Append-only writer of a live recording (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The ``.sqlite`` file; created if missing, appended to if it exists.
    config : StoreConfig, optional
    clock : callable, optional
        Seconds on the clock the commit interval is measured on (default: real time,
        ``time.monotonic``; a test can pass a clock it controls).
    exclusive : bool
        A new recording: refuse an existing file (a recording never writes into another
        one), and remove the file again at :meth:`close` if no sample was stored in it
        (e.g. the sensor was never found): an empty file is no recording.

    Attributes
    ----------
    samples : int
        Samples committed by this store.

    Raises
    ------
    StorageError
        If the file cannot be created or written, or exists and ``exclusive`` is set.

    Notes
    -----
    A new file is made complete (tables and ``meta``) under a private temporary name in
    the same folder and then linked into place, which fails if the name was taken in the
    meantime: a reader never sees a half-made recording, and two recorders never share
    one. It is owner-only (0600): the night's movements are personal (SQLite gives the
    ``-wal`` and ``-shm`` files the database file's permissions). An existing file is
    checkpointed when opened (see the module docstring).
    """

    def __init__(self, path: str | Path, config: StoreConfig | None = None,
                 clock: Callable[[], float] = time.monotonic, exclusive: bool = False):
        self.path = Path(path)
        self.cfg = config or StoreConfig()
        self._clock = clock
        self._pending: list[tuple] = []
        self._failed = False
        self._last_commit = self._last_checkpoint = clock()
        self._remove_if_empty = exclusive
        self.samples = 0
        try:
            private_folder(self.path.parent)
            if exclusive or not self.path.exists():
                self._create(exclusive)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_DDL)  # a file of an older session may lack a table
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a crashed session's -wal
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot write recording {self.path}: {exc}") from exc

    def _create(self, exclusive: bool) -> None:
        """Make a new, complete recording file at :attr:`path` (see the Notes)."""
        from importlib.metadata import version

        try:
            with private_file(self.path, exclusive=True) as tmp:
                db = sqlite3.connect(tmp, isolation_level=None)
                try:  # one small transaction, then WAL mode (a header flag) for recording
                    db.executescript(f"BEGIN; {_DDL} COMMIT;")
                    db.executemany(
                        "INSERT INTO meta VALUES (?, ?)",
                        [("schema", SCHEMA), ("hypnic_version", version("hypnic")),
                         ("created", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))])
                    db.execute("PRAGMA journal_mode=WAL")
                finally:
                    db.close()
        except FileExistsError:
            if exclusive:
                raise StorageError(f"{self.path} already exists; recordings are never "
                                   "overwritten") from None

    def add_sensor(self, address: str, name: str, profile: str, location: str,
                   fs_hz: float, range_g: float, started_ns: int) -> int:
        """Register a sensor; returns its id for :meth:`append`."""
        cur = self._execute(
            "INSERT INTO sensors(address, name, profile, location, fs_hz, range_g, started_ns) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (address, name, profile, location, fs_hz, range_g, started_ns))
        return int(cur.lastrowid or 0)

    def append(self, sensor: int, time_ns: np.ndarray, acc: np.ndarray) -> None:
        """Buffer samples (int64 UTC ns, float32 (n, 3) g); committed within the interval."""
        t = np.ascontiguousarray(time_ns, "<i8")
        if len(t):
            a = np.ascontiguousarray(acc, "<f4")
            self._pending.append(("c", sensor, int(t[0]), int(t[-1]), len(t), t.tobytes(),
                                  a.tobytes()))
        self.maybe_commit()

    def add_gap(self, sensor: int, start_ns: int, end_ns: int, reason: str) -> None:
        """Buffer a gap ``[start_ns, end_ns]`` (last sample before, first after)."""
        self._pending.append(("g", sensor, int(start_ns), int(end_ns), reason))

    def add_event(self, sensor: int, event_id: int, kind: str, start_ns: int, end_ns: int,
                  peak_g: float, score: float, detail: dict) -> None:
        """Buffer a detected event (replacing an earlier version with the same ``event_id``)."""
        self._pending.append(("e", sensor, int(event_id), kind, int(start_ns), int(end_ns),
                              float(peak_g), float(score), json.dumps(detail, default=str)))

    def log(self, sensor: int | None, kind: str, detail: str = "", t_ns: int | None = None) -> None:
        """Buffer a link-history entry stamped ``t_ns`` (host clock, ns; default now)."""
        self._pending.append(("l", time.time_ns() if t_ns is None else int(t_ns), sensor, kind,
                              detail))

    def add_marker(self, t_ns: int, source: str = "key", note: str = "") -> None:
        """Buffer a felt-it marker at ``t_ns`` (UTC ns)."""
        self._pending.append(("m", int(t_ns), source, note))

    def maybe_commit(self) -> None:
        """Commit if the commit interval has passed."""
        if self._clock() - self._last_commit >= self.cfg.commit_interval_s:
            self.commit()

    def commit(self) -> None:
        """Write everything buffered in one transaction.

        Raises
        ------
        StorageError
            On a full disk or another write error; what was committed before stays.
        """
        self._last_commit = self._clock()
        if not self._pending:
            return
        rows = {k: [r[1:] for r in self._pending if r[0] == k] for k in "cgelm"}
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO chunks(sensor, t0_ns, t1_ns, n, time_ns, acc) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", rows["c"])
            self._db.executemany("INSERT INTO gaps(sensor, start_ns, end_ns, reason) "
                                 "VALUES (?, ?, ?, ?)", rows["g"])
            self._db.executemany("INSERT OR REPLACE INTO events(sensor, event_id, kind, "
                                 "start_ns, end_ns, peak_g, score, detail) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows["e"])
            self._db.executemany("INSERT INTO log(t_ns, sensor, kind, detail) VALUES (?, ?, ?, ?)",
                                 rows["l"])
            self._db.executemany("INSERT INTO markers(t_ns, source, note) VALUES (?, ?, ?)",
                                 rows["m"])
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._failed = True
            raise StorageError(f"cannot write to {self.path} ({exc}); what was recorded up "
                               "to the previous second is kept") from exc
        self.samples += sum(r[3] for r in rows["c"])
        self._pending.clear()
        if self._clock() - self._last_checkpoint >= self.cfg.checkpoint_interval_s:
            self._last_checkpoint = self._clock()
            try:  # committed data are safe in the -wal file whatever happens here
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:
                log.info("checkpoint of %s put off: %s", self.path, exc)

    def close(self) -> None:
        """Commit what is buffered and close the file (checkpointing the WAL); a new
        recording (``exclusive``) with no sample is removed.

        A write error already reported by :meth:`commit` is not raised again.
        """
        try:
            self.commit()
        except StorageError:
            if not self._failed:
                raise
            log.debug("closing %s: the last buffered data could not be written", self.path)
        finally:
            self._db.close()
            if self._remove_if_empty and not self.samples:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _execute(self, sql: str, params: tuple) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write to {self.path}: {exc}") from exc

    def __enter__(self) -> RecordingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect_ro(path: str | Path) -> sqlite3.Connection:
    path = Path(path)
    if not path.exists():
        raise FormatError(f"no such file: {path}")
    try:
        db = sqlite3.connect(path)
        ok = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise FormatError(f"{path.name}: not a hypnic live recording ({exc})") from exc
    if not ok or ok[0] != SCHEMA:
        raise FormatError(f"{path.name}: not a hypnic live recording (schema {ok})")
    return db


def read_sqlite(path: str | Path) -> list[Recording]:
    """Read a live recording into one Recording per sensor.

    Parameters
    ----------
    path : str or Path
        A ``.sqlite`` file written by :class:`RecordingStore` (complete or not).

    Returns
    -------
    list of Recording
        In sensor order; ``gaps`` are the explicitly recorded gaps, ``meta`` holds
        ``address``, ``profile``, ``range_g`` and ``sensor_id``. Sensors without
        samples are left out.

    Raises
    ------
    FormatError
        If the file is not a hypnic live recording.
    """
    from sensing.recording import infer_fs

    db = _connect_ro(path)
    name = Path(path).name
    try:
        out = []
        for sid, address, label, profile, location, fs, range_g in db.execute(
                "SELECT id, address, name, profile, location, fs_hz, range_g FROM sensors "
                "ORDER BY id").fetchall():
            rows = db.execute("SELECT time_ns, acc FROM chunks WHERE sensor = ? ORDER BY id",
                              (sid,)).fetchall()
            if not rows:
                continue
            if not all(isinstance(r[0], bytes) and isinstance(r[1], bytes)
                       and len(r[0]) % 8 == 0 and len(r[1]) == len(r[0]) // 8 * 12 for r in rows):
                raise FormatError(f"{name}: sensor {sid}: a chunk of samples is not int64 times "
                                  "with float32 x, y, z (a damaged or foreign file)")
            t = np.frombuffer(b"".join(r[0] for r in rows), "<i8").astype(np.int64)
            acc = np.frombuffer(b"".join(r[1] for r in rows), "<f4").reshape(-1, 3)
            if not (isinstance(fs, (int, float)) and np.isfinite(fs) and fs > 0):
                log.warning("%s: sensor %s: the stored rate %r is not a rate; measured instead",
                            name, sid, fs)
                fs = infer_fs(t)
            gaps = np.array(db.execute("SELECT start_ns, end_ns FROM gaps WHERE sensor = ? "
                                       "ORDER BY start_ns", (sid,)).fetchall(),
                            np.int64).reshape(-1, 2)
            out.append(Recording(t, acc, fs, str(location), str(label or address), gaps,
                                 {"address": address, "profile": profile, "range_g": range_g,
                                  "sensor_id": sid}))
        return out
    except (TypeError, ValueError, OverflowError) as exc:
        raise FormatError(f"{name}: damaged recording database ({str(exc)[:80]})") from None
    finally:
        db.close()


def read_events(path: str | Path) -> pd.DataFrame:
    """Events detected live, one row per event (latest version), in time order.

    Returns
    -------
    DataFrame
        ``start``, ``end`` (UTC timestamps), ``duration_s``, ``kind``, ``peak_g``,
        ``score``, ``location``, ``sensor_id``, ``event_id``, ``detected_ns`` and the
        detector's other columns.
    """
    import pandas as pd

    db = _connect_ro(path)
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
        # recordings of an earlier version stored jerks only, without event_id and kind
        event_id = "e.event_id" if "event_id" in columns else "e.id"
        kind = "e.kind" if "kind" in columns else "'jerk'"
        rows = db.execute(f"SELECT e.sensor, {event_id}, {kind}, e.start_ns, e.end_ns, e.peak_g, "
                          "e.score, e.detail, s.location FROM events e "
                          "JOIN sensors s ON s.id = e.sensor ORDER BY e.start_ns").fetchall()
    except sqlite3.Error as exc:
        raise FormatError(f"{Path(path).name}: cannot read the events of this recording ({exc})") from None
    finally:
        db.close()
    cols = ["sensor_id", "event_id", "kind", "start_ns", "end_ns", "peak_g", "score", "location"]
    df = pd.DataFrame([{**json.loads(r[7]), **dict(zip(cols, r[:7] + (r[8],), strict=True))}
                       for r in rows], columns=None if rows else cols)
    df["start"] = pd.to_datetime(df["start_ns"], unit="ns", utc=True)
    df["end"] = pd.to_datetime(df["end_ns"], unit="ns", utc=True)
    df["duration_s"] = (df["end_ns"] - df["start_ns"]) / 1e9
    return df


def read_log(path: str | Path) -> list[tuple[int, int | None, str, str]]:
    """Link history rows ``(t_ns, sensor, kind, detail)`` in time order."""
    db = _connect_ro(path)
    try:
        return db.execute("SELECT t_ns, sensor, kind, detail FROM log ORDER BY id").fetchall()
    finally:
        db.close()


def read_markers(path: str | Path) -> pd.DataFrame:
    """The felt-it markers stored with a recording, in time order.

    Returns
    -------
    DataFrame
        ``start`` (UTC timestamp), ``source`` (``key`` or ``file``), ``note``.
    """
    import pandas as pd

    db = _connect_ro(path)
    try:
        has = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'markers'").fetchone()
        rows = db.execute("SELECT t_ns, source, note FROM markers ORDER BY t_ns").fetchall() \
            if has else []
    finally:
        db.close()
    df = pd.DataFrame(rows, columns=["t_ns", "source", "note"])
    return pd.DataFrame({"start": pd.to_datetime(df["t_ns"].astype("int64"), utc=True),
                         "source": df["source"].astype(object), "note": df["note"].astype(object)})


def recording_span(path: str | Path) -> tuple[int, int] | None:
    """When a recording began (its first sensor's start) and its last sample so far, UTC
    ns; None before any sensor was added."""
    db = _connect_ro(path)
    try:
        start = db.execute("SELECT MIN(started_ns) FROM sensors").fetchone()[0]
        last = db.execute("SELECT MAX(t1_ns) FROM chunks").fetchone()[0]
    finally:
        db.close()
    return None if start is None else (int(start), int(last if last is not None else start))


def mark(path: str | Path, times_ns: list[int], source: str = "file", note: str = "") -> int:
    """Add felt-it markers to a recording file, also while it is being recorded.

    Parameters
    ----------
    path : path
        A recording written by :class:`RecordingStore`.
    times_ns : list of int
        Marker times, UTC ns.
    source, note : str

    Returns
    -------
    int
        Markers added.

    Raises
    ------
    FormatError
        If the file is not a hypnic recording.
    StorageError
        If it cannot be written.
    """
    _connect_ro(path).close()
    try:
        db = sqlite3.connect(path, timeout=10)
        try:
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS markers(id INTEGER PRIMARY KEY, "
                           "t_ns INTEGER, source TEXT, note TEXT)")
                db.executemany("INSERT INTO markers(t_ns, source, note) VALUES (?, ?, ?)",
                               [(int(t), source, note) for t in times_ns])
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot add markers to {path}: {exc}") from exc
    return len(times_ns)
