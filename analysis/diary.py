"""The sleeper's diary: one entry per night, validated, in a private SQLite file.

A *night* is named by the date its evening started, in the sleeper's local time: a
night that starts at 23:40 on 5 January and ends at 07:10 on 6 January is
``2026-01-05``; so is a recording that starts at 00:30 on 6 January (anything that
starts before noon belongs to the previous evening, see :func:`night_of`).

Fields (all optional except ``night``; a missing value is stored as NULL):

========================  ========  ===========  =========================================
field                     type      range        meaning
========================  ========  ===========  =========================================
``night``                 date      2000-2099    date the evening started (YYYY-MM-DD)
``hours_slept``           float     0-24         hours of sleep that night, h
``bedtime``               HH:MM     --           local time of going to bed
``wake_time``             HH:MM     --           local time of getting up
``stress``                int       0-10         stress during the day
``tiredness``             int       0-10         tiredness at bedtime
``caffeine_drinks``       int       0-30         caffeinated drinks that day
``caffeine_last``         HH:MM     --           local time of the last one
``alcohol_drinks``        int       0-30         alcoholic drinks that day
``exercise_h``            float     0-24         exercise that day, h
``medications``           text      --           names, separated by ";"
``antidepressant``        0/1       --           taking an antidepressant (SSRI/SNRI/TCA...)
``bothersome``            int       0-10         how much the jerks bothered the sleeper
``lost_consciousness``    0/1       --           a loss of consciousness was noticed
``daytime_jerks``         0/1       --           jerks were noticed during the day
``felt_jerks``            text      --           jerks felt last night: ``none``, ``a few``,
                                               ``many`` or a count (0-500)
``woke_by_jerk``          0/1       --           woke up from one
``notes``                 text      --           free notes
========================  ========  ===========  =========================================

A diary CSV may name a field by its ``hypnic diary add`` option instead (:data:`ALIASES`:
``slept`` for ``hours_slept``, ``caffeine`` for ``caffeine_drinks``, ...).

When ``hours_slept`` is missing but ``bedtime`` and ``wake_time`` are given, the hours
are derived from them (:meth:`DiaryEntry.sleep_hours`, in the night's zone: 8 h from 22:30
to 07:30 the night the clocks go forward), so sleep debt can be computed.
Notes and medication names are kept without surrounding space and with ``\n`` line
ends, so that a diary exported as CSV reads back exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import logging
import math
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from sensing.errors import HypnicError
from sensing.private import private_folder

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 2: diary.felt_jerks, diary.woke_by_jerk, nights.tz; 3: activity.worn
DB_NAME = "hypnic.sqlite"

#: Common antidepressants by class, to suggest (or set) the antidepressant flag.
#: Generic names and a few frequent brand names, lower case.
ANTIDEPRESSANTS: dict[str, str] = {
    **dict.fromkeys(("citalopram", "escitalopram", "fluoxetine", "fluvoxamine", "paroxetine",
                     "sertraline", "celexa", "cipramil", "lexapro", "cipralex", "prozac",
                     "paxil", "seroxat", "zoloft", "lustral"), "SSRI"),
    **dict.fromkeys(("venlafaxine", "desvenlafaxine", "duloxetine", "milnacipran",
                     "levomilnacipran", "effexor", "pristiq", "cymbalta"), "SNRI"),
    **dict.fromkeys(("amitriptyline", "nortriptyline", "imipramine", "desipramine",
                     "clomipramine", "doxepin", "trimipramine", "protriptyline", "dosulepin",
                     "dothiepin", "lofepramine", "elavil", "anafranil"), "tricyclic"),
    **dict.fromkeys(("mirtazapine", "trazodone", "vortioxetine", "bupropion"), "other antidepressant"),
}

#: How alike (difflib ratio, 0-1) a medication name that is not known must be to a known
#: one to be taken for a typo of it: "sertralin" (0.95) and "prozak" (0.83) are;
#: "reboxetine" (0.80 to "paroxetine") is not.
TYPO_CUTOFF = 0.82

#: Allowed range of each numeric field: (low, high, integer?).
RANGES: dict[str, tuple[float, float, bool]] = {
    "hours_slept": (0.0, 24.0, False),
    "stress": (0, 10, True),
    "tiredness": (0, 10, True),
    "caffeine_drinks": (0, 30, True),
    "alcohol_drinks": (0, 30, True),
    "exercise_h": (0.0, 24.0, False),
    "bothersome": (0, 10, True),
}
#: Nights a diary accepts: a date outside this range is a typo (9999-12-31, 0001-01-01)
#: and would break date arithmetic downstream.
FIRST_NIGHT, LAST_NIGHT = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
TIME_FIELDS = ("bedtime", "wake_time", "caffeine_last")
FLAG_FIELDS = ("antidepressant", "lost_consciousness", "daytime_jerks", "woke_by_jerk")
#: Words the morning self-report ``felt_jerks`` takes besides a count.
FELT_WORDS = ("none", "a few", "many")
FELT_MAX = 500
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class DiaryError(HypnicError, ValueError):
    """A diary value, file or database that cannot be accepted."""


def classify_medication(name: str) -> str | None:
    """Antidepressant class of a medication name (``"SSRI"``, ``"SNRI"``, ...) or None."""
    return ANTIDEPRESSANTS.get(name.strip().lower())


def close_medication(name: str) -> str | None:
    """The known medication (:data:`ANTIDEPRESSANTS`) that ``name`` is probably a typo of
    (``"sertralin"``: ``"sertraline"``), or None: a known name, or none alike
    (:data:`TYPO_CUTOFF`)."""
    low = name.strip().lower()
    if low in ANTIDEPRESSANTS:
        return None
    close = difflib.get_close_matches(low, ANTIDEPRESSANTS, n=1, cutoff=TYPO_CUTOFF)
    return close[0] if close else None


@dataclass(frozen=True)
class DiaryEntry:
    """One night of the diary; validated on creation (see the module table for ranges).

    Raises
    ------
    DiaryError
        If a value is out of range or malformed; the message names the field and the
        allowed range.
    """

    night: dt.date
    hours_slept: float | None = None
    bedtime: str | None = None
    wake_time: str | None = None
    stress: int | None = None
    tiredness: int | None = None
    caffeine_drinks: int | None = None
    caffeine_last: str | None = None
    alcohol_drinks: int | None = None
    exercise_h: float | None = None
    medications: tuple[str, ...] = ()
    antidepressant: bool | None = None
    bothersome: int | None = None
    lost_consciousness: bool = False
    daytime_jerks: bool = False
    felt_jerks: str | None = None
    woke_by_jerk: bool | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        # text is kept as a CSV file can hold it: no surrounding space, line ends as "\n"
        object.__setattr__(self, "notes", _clean(self.notes))
        object.__setattr__(self, "medications", tuple(_clean(m) for m in self.medications))
        if not isinstance(self.night, dt.date):
            raise DiaryError(f"night must be a date, got {self.night!r}")
        if not FIRST_NIGHT <= self.night <= LAST_NIGHT:
            raise DiaryError(f"night must be from {FIRST_NIGHT} to {LAST_NIGHT}, got {self.night}")
        for name, (lo, hi, integer) in RANGES.items():
            v = getattr(self, name)
            if v is None:
                continue
            kind = "a whole number" if integer else "a number"
            if (isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
                    or (integer and v != int(v))):
                raise DiaryError(f"{name} must be {kind} from {lo:g} to {hi:g}, got {v!r}")
            if not lo <= v <= hi:
                raise DiaryError(f"{name} must be from {lo:g} to {hi:g}, got {v:g}")
        for name in TIME_FIELDS:
            v = getattr(self, name)
            if v is not None and not _HHMM.match(v):
                raise DiaryError(f"{name} must be a local time HH:MM (00:00-23:59), got {v!r}")
        felt = self.felt_jerks
        if felt is not None and felt not in FELT_WORDS and not (
                felt.isdigit() and int(felt) <= FELT_MAX):
            raise DiaryError(f"felt_jerks must be none, a few, many or a count 0-{FELT_MAX}, "
                             f"got {felt!r}")
        if any(";" in m or not m.strip() for m in self.medications):
            raise DiaryError(f"medication names must be non-empty and contain no ';': {self.medications!r}")

    def sleep_hours(self, tz: dt.tzinfo | None = None) -> float | None:
        """Hours slept, h: the entry's value, else the time from bedtime to wake time (across
        midnight) as it passed in the sleeper's zone ``tz`` that night: an hour less when
        the clocks went forward between them, an hour more when they went back (a bedtime
        before noon is on the morning after the night's date); without ``tz``, on the wall
        clock.

        Examples
        --------
        >>> from zoneinfo import ZoneInfo
        >>> e = DiaryEntry(night=dt.date(2026, 3, 28), bedtime="22:30", wake_time="07:30")
        >>> e.sleep_hours(), e.sleep_hours(ZoneInfo("Europe/Berlin"))
        (9.0, 8.0)
        """
        if self.hours_slept is not None:
            return float(self.hours_slept)
        if not (self.bedtime and self.wake_time):
            return None
        b, w = (_minutes(t) for t in (self.bedtime, self.wake_time))
        wall = dt.timedelta(minutes=(w - b) % (24 * 60))
        if tz is None:
            return wall / dt.timedelta(hours=1)
        day = self.night + dt.timedelta(days=1 if b < 12 * 60 else 0)
        bed = dt.datetime.combine(day, dt.time(b // 60, b % 60), tzinfo=tz)
        utc = dt.timezone.utc  # aware arithmetic in one tzinfo is wall-clock arithmetic
        return ((bed + wall).astimezone(utc) - bed.astimezone(utc)) / dt.timedelta(hours=1)

    def suggested_antidepressant(self) -> bool:
        """True if any listed medication is a known antidepressant (:data:`ANTIDEPRESSANTS`)."""
        return any(classify_medication(m) for m in self.medications)


FIELDS = tuple(f.name for f in fields(DiaryEntry))
#: The options of ``hypnic diary add``/``edit`` whose name is not the field they set, by
#: option name (without ``--``, ``-`` as ``_``): the CLI maps its options with it, and a
#: diary CSV may use them as column names.
ALIASES = {"slept": "hours_slept", "wake": "wake_time", "caffeine": "caffeine_drinks",
           "alcohol": "alcohol_drinks", "exercise": "exercise_h", "med": "medications",
           "felt": "felt_jerks", "woke": "woke_by_jerk"}


def field_name(name: str) -> str | None:
    """The field a diary CSV column names: a field of :data:`FIELDS` or an option name of
    :data:`ALIASES`, in any case, with ``-``, ``_`` or spaces between words and a
    bracketed part left out (``Caffeine-Last``, ``Hours slept``, ``Stress (0-10)``), or
    ``date`` for ``night`` (a spreadsheet diary's); None for any other name.

    >>> [field_name(n) for n in ("Caffeine-Last", "Hours slept", "Stress (0-10)", "Date", "Coffees")]
    ['caffeine_last', 'hours_slept', 'stress', 'night', None]
    """
    key = re.sub(r"[\s_-]+", "_", re.sub(r"[\[(][^\])]*[\])]", "", name).strip().lower())
    key = {"date": "night"}.get(key, ALIASES.get(key, key))
    return key if key in FIELDS else None


def antidepressant_rule(entry: DiaryEntry) -> tuple[DiaryEntry, list[str]]:
    """The antidepressant flag of a new or changed entry (``diary add``, ``edit`` and
    ``import`` alike): when the entry does not state it (None) and lists a known
    antidepressant (:data:`ANTIDEPRESSANTS`), it is set.

    Returns
    -------
    entry : DiaryEntry
        ``entry``, with ``antidepressant=True`` when the rule set it.
    reasons : list of str
        The medications that set it, with their class (``"sertraline (SSRI)"``); empty
        when the flag was left as it was.
    """
    if entry.antidepressant is not None:
        return entry, []
    reasons = [f"{m} ({c})" for m in entry.medications if (c := classify_medication(m))]
    return (replace(entry, antidepressant=True) if reasons else entry), reasons


def _clean(text: str) -> str:
    """Free text without surrounding space and with "\n" line ends (no lone "\r")."""
    return str(text).replace("\r\n", "\n").replace("\r", "\n").strip()


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def night_of(t: dt.datetime, tz: dt.tzinfo | None = None) -> dt.date:
    """The night a moment belongs to: the local date of ``t`` minus 12 hours.

    Parameters
    ----------
    t : datetime
        A moment (timezone-aware; naive means UTC).
    tz : tzinfo, optional
        The sleeper's time zone; default the machine's local zone.
    """
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    local = t.astimezone(tz) if tz is not None else t.astimezone()
    return (local - dt.timedelta(hours=12)).date()


# -- parsing text (CLI options and CSV cells) --------------------------------------------

def parse_field(name: str, text: str) -> Any:
    """Parse one field from text (a CSV cell or a CLI value); empty text gives None.

    Raises
    ------
    DiaryError
        If the text is not a valid value for the field.
    """
    text = text.strip()
    if name == "night":
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            if re.fullmatch(r"\d{4}-\d\d-\d\d", text):  # the form of a date, but no day of the calendar
                raise DiaryError(f"night {text} is not a valid date ({exc})") from None
            slashed = re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", text)  # a spreadsheet's 05/01/2026
            raise DiaryError(f"night must be a date YYYY-MM-DD, got {text!r}"
                             + (" (day/month or month/day? write the year first)" if slashed else "")) from None
    if name == "medications":
        return tuple(m.strip() for m in text.split(";") if m.strip())
    if name == "notes":
        return text
    if name == "felt_jerks":
        return text.lower() or None
    if text == "":
        return False if name in ("lost_consciousness", "daytime_jerks") else None
    if name in FLAG_FIELDS:
        low = text.lower()
        if low in ("1", "yes", "y", "true"):
            return True
        if low in ("0", "no", "n", "false"):
            return False
        raise DiaryError(f"{name} must be yes/no (1/0), got {text!r}")
    if name in RANGES:
        lo, hi, integer = RANGES[name]
        try:
            v = float(text)
        except ValueError:
            v = float("nan")
        if not math.isfinite(v):
            raise DiaryError(f"{name} must be a number from {lo:g} to {hi:g}, got {text!r}")
        return int(v) if integer and v == int(v) else v
    if name in TIME_FIELDS:
        return text
    raise DiaryError(f"unknown diary field {name!r}; fields: {', '.join(FIELDS)}")


def entry_to_row(e: DiaryEntry) -> dict[str, str]:
    """An entry as CSV text cells (the inverse of :func:`parse_field`)."""
    out = {}
    for k, v in asdict(e).items():
        if v is None:
            out[k] = ""
        elif k == "medications":
            out[k] = "; ".join(v)
        elif isinstance(v, bool):
            out[k] = "1" if v else "0"
        elif isinstance(v, float):  # short, and exact: the value reads back as it was
            out[k] = f"{v:g}" if float(f"{v:g}") == v else repr(v)
        else:
            out[k] = str(v)
    return out


# -- storage ------------------------------------------------------------------------------

def default_db_path() -> Path:
    """The diary database in the user's data directory (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("hypnic")) / DB_NAME


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS diary (
    night TEXT PRIMARY KEY, hours_slept REAL, bedtime TEXT, wake_time TEXT,
    stress INTEGER, tiredness INTEGER, caffeine_drinks INTEGER, caffeine_last TEXT,
    alcohol_drinks INTEGER, exercise_h REAL, medications TEXT NOT NULL DEFAULT '',
    antidepressant INTEGER, bothersome INTEGER,
    lost_consciousness INTEGER NOT NULL DEFAULT 0, daytime_jerks INTEGER NOT NULL DEFAULT 0,
    felt_jerks TEXT, woke_by_jerk INTEGER, notes TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS nights (
    night TEXT PRIMARY KEY, summary TEXT NOT NULL, sleep TEXT NOT NULL,
    recordings TEXT NOT NULL, processed_at TEXT NOT NULL, tz TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS events (
    night TEXT NOT NULL, start_ns INTEGER NOT NULL, duration_s REAL, peak_g REAL,
    location TEXT, kind TEXT, series_id INTEGER, group_id INTEGER, distribution TEXT,
    rel_onset_s REAL, phase TEXT);
CREATE INDEX IF NOT EXISTS events_night ON events (night);
CREATE TABLE IF NOT EXISTS activity (
    night TEXT NOT NULL, start_ns INTEGER NOT NULL, location TEXT, activity REAL, asleep INTEGER,
    worn INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS activity_night ON activity (night);
CREATE TABLE IF NOT EXISTS markers (
    night TEXT NOT NULL, start_ns INTEGER NOT NULL, source TEXT);
CREATE INDEX IF NOT EXISTS markers_night ON markers (night);
"""
#: Columns added since schema 1 per table, with their SQL types (added to an older file
#: on open; an older night's zone is '').
_ADDED = {"diary": {"felt_jerks": "TEXT", "woke_by_jerk": "INTEGER"},
          "nights": {"tz": "TEXT NOT NULL DEFAULT ''"},
          "activity": {"worn": "INTEGER NOT NULL DEFAULT 1"}}


def _create_private(path: Path) -> None:
    """Create an empty owner-only (0600) ``path``, in a 0700 folder if it is new; an
    existing file is left as it is."""
    private_folder(path.parent)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))


def _schema_version(con: sqlite3.Connection, path: Path) -> int | None:
    """The diary schema version of the database ``path`` open in ``con``; None for an
    empty database (a new diary) or diary tables without a version yet.

    Raises
    ------
    DiaryError
        If the database holds anything but a hypnic diary (another application's
        tables, a recording), or the file is not a database at all.
    """
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        if "meta" in tables and tables & {"diary", "nights"}:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            return None if row is None else int(row[0])
    except (sqlite3.DatabaseError, ValueError, TypeError):
        pass
    raise DiaryError(f"{path} is not a hypnic database; nothing was changed in it "
                     "(choose another --db)")


@contextmanager
def connect(path: str | Path | None = None) -> Iterator[sqlite3.Connection]:
    """Open (creating if needed) the hypnic database; one transaction per ``with`` block.

    Parameters
    ----------
    path : str or Path, optional
        Database file; default :func:`default_db_path`. A new file is created owner-only
        (0600; a new folder 0700).

    Raises
    ------
    DiaryError
        If the file is not a hypnic database (another application's database, a
        recording, any other file: refused before anything is changed in it) or was
        written by a newer hypnic.
    """
    p = Path(path) if path is not None else default_db_path()
    _create_private(p)
    try:
        con = sqlite3.connect(p)
    except sqlite3.Error as exc:  # e.g. a folder
        raise DiaryError(f"cannot open {p} as a database ({exc})") from None
    try:
        version = _schema_version(con, p)
        if version is not None and version > SCHEMA_VERSION:
            raise DiaryError(f"{p} has schema version {version}; this hypnic reads up to "
                             f"{SCHEMA_VERSION}: upgrade hypnic")
        con.executescript(_SCHEMA)
        for table, added in _ADDED.items():  # an older database gains the new fields
            have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
            for col, sql_type in added.items():
                if col not in have:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {col} {sql_type}")
        if version != SCHEMA_VERSION:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),))
            con.commit()
        with con:
            yield con
    finally:
        con.close()


_COLS = ", ".join(FIELDS)
_MARKS = ", ".join("?" for _ in FIELDS)


def _to_db(e: DiaryEntry) -> tuple:
    d = asdict(e)
    d["night"] = e.night.isoformat()
    d["medications"] = "; ".join(e.medications)
    for k in FLAG_FIELDS:
        d[k] = None if d[k] is None else int(d[k])
    return tuple(d[k] for k in FIELDS)


def _from_db(row: Iterable) -> DiaryEntry:
    d = dict(zip(FIELDS, row, strict=True))
    d["night"] = dt.date.fromisoformat(d["night"])
    d["medications"] = tuple(m.strip() for m in d["medications"].split(";") if m.strip())
    for k in FLAG_FIELDS:
        d[k] = None if d[k] is None else bool(d[k])
    return DiaryEntry(**d)


def add_entries(con: sqlite3.Connection, entries: Iterable[DiaryEntry], replace_existing: bool = False) -> int:
    """Insert entries (in the caller's transaction); returns how many were written.

    Raises
    ------
    DiaryError
        If a night is already in the diary and ``replace_existing`` is false.
    """
    verb = "INSERT OR REPLACE" if replace_existing else "INSERT"
    n = 0
    for e in entries:
        try:
            con.execute(f"{verb} INTO diary ({_COLS}) VALUES ({_MARKS})", _to_db(e))
        except sqlite3.IntegrityError:
            raise DiaryError(f"night {e.night} is already in the diary (edit it, or replace it)") from None
        n += 1
    return n


def get_entry(con: sqlite3.Connection, night: dt.date) -> DiaryEntry | None:
    """The entry of one night, or None."""
    row = con.execute(f"SELECT {_COLS} FROM diary WHERE night = ?", (night.isoformat(),)).fetchone()
    return _from_db(row) if row else None


def has_recorded_night(con: sqlite3.Connection, night: str | dt.date) -> bool:
    """Whether a recorded night (``hypnic nights --add``) of that date is stored (any
    text is looked up as stored, like :func:`delete_entry`'s)."""
    key = night.isoformat() if isinstance(night, dt.date) else str(night).strip()
    return con.execute("SELECT 1 FROM nights WHERE night = ?", (key,)).fetchone() is not None


def list_entries(con: sqlite3.Connection) -> list[DiaryEntry]:
    """All entries, oldest night first.

    A stored entry that is no longer valid (e.g. a night of 9999-12-31 stored by an
    older hypnic) is left out with a warning that says how to delete it.
    """
    entries = []
    for row in con.execute(f"SELECT {_COLS} FROM diary ORDER BY night"):
        try:
            entries.append(_from_db(row))
        except (DiaryError, ValueError) as exc:
            log.warning("diary entry %r left out: %s (remove it: hypnic diary delete %s)",
                        row[0], exc, row[0])
    return entries


def delete_entry(con: sqlite3.Connection, night: str | dt.date) -> None:
    """Remove the entry of one night (as stored: any date, even one no longer valid).

    Raises
    ------
    DiaryError
        If the night has no entry: saying so, or that it is not a date at all
        (2026-02-30).
    """
    key = night.isoformat() if isinstance(night, dt.date) else str(night).strip()
    if con.execute("DELETE FROM diary WHERE night = ?", (key,)).rowcount == 0:
        parse_field("night", key)
        raise DiaryError(f"night {key} is not in the diary")


def edit_entry(con: sqlite3.Connection, night: dt.date, **changes: Any) -> DiaryEntry:
    """Change some fields of an existing entry (validated); returns the new entry.

    Raises
    ------
    DiaryError
        If the night has no entry or a new value is invalid.
    """
    old = get_entry(con, night)
    if old is None:
        raise DiaryError(f"night {night} is not in the diary (add it first)")
    unknown = set(changes) - set(FIELDS) - {"night"}
    if unknown:
        raise DiaryError(f"unknown diary field(s): {', '.join(sorted(unknown))}")
    new = replace(old, **changes)
    add_entries(con, [new], replace_existing=True)
    return new


# -- CSV ----------------------------------------------------------------------------------

def read_csv(text: str, max_errors: int = 20) -> list[DiaryEntry]:
    """Parse a diary CSV (header of field names, one night per row), all or nothing.

    Parameters
    ----------
    text : str
        The file's contents. Columns are :data:`FIELDS` or their :data:`ALIASES`
        (:func:`field_name`; ``night`` required, the rest optional, any order); other
        columns are left out with one warning that names them.
    max_errors : int
        At most this many problems are listed in the error message.

    Raises
    ------
    DiaryError
        Listing every malformed row by its line number in the file (1 = header); no
        entry is returned if any row is bad. A header without ``night``, or naming a
        field twice (``caffeine`` and ``caffeine_drinks``), is refused.
    """
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # e.g. a lone carriage return inside a field
        raise DiaryError(f"not a readable CSV file: {exc}") from None
    if not rows:
        raise DiaryError("the diary CSV is empty (expected a header line with 'night', ...)")
    header = [field_name(h) for h in rows[0]]
    named = [f for f in header if f]
    repeated = sorted({f for f in named if named.count(f) > 1})
    unknown = [h.strip() or '""' for h, f in zip(rows[0], header, strict=True) if f is None]
    if "night" not in named or repeated:
        problem = (f"named more than once: {', '.join(repeated)}" if repeated else "no night"
                   + (f" (not diary fields: {', '.join(unknown[:6])}{', ...' * (len(unknown) > 6)})"
                      if unknown else ""))
        raise DiaryError(f"line 1: the header must name distinct diary fields including 'night' "
                         f"(fields: {', '.join(FIELDS)}; or the options {', '.join(ALIASES)}); "
                         f"{problem}")
    if unknown:
        log.warning("diary column(s) left out, not diary fields: %s (fields: %s)",
                    ", ".join(unknown), ", ".join(FIELDS))
    entries: list[DiaryEntry] = []
    errors: list[str] = []
    seen: dict[dt.date, int] = {}
    starts, line = [], 1  # line number of each row in the file (quoted fields may span lines)
    for r in rows:
        starts.append(line)
        line += 1 + sum(c.count("\n") for c in r)
    for line, cells in zip(starts[1:], rows[1:], strict=True):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(f"line {line}: expected {len(header)} values, got {len(cells)}")
            continue
        try:
            values = {h: parse_field(h, c) for h, c in zip(header, cells, strict=True) if h}
            entry = DiaryEntry(**values)
        except DiaryError as exc:
            errors.append(f"line {line}: {exc}")
            continue
        if entry.night in seen:
            errors.append(f"line {line}: night {entry.night} repeats line {seen[entry.night]}")
            continue
        seen[entry.night] = line
        entries.append(entry)
    if errors:
        more = f" (and {len(errors) - max_errors} more)" if len(errors) > max_errors else ""
        raise DiaryError(f"{len(errors)} bad row(s), nothing imported: "
                         + "; ".join(errors[:max_errors]) + more)
    return entries


def write_csv(entries: Iterable[DiaryEntry]) -> str:
    """Diary entries as CSV text with every field (readable back by :func:`read_csv`)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for e in entries:
        w.writerow(entry_to_row(e))
    return buf.getvalue()


def import_csv(con: sqlite3.Connection, text: str, replace_existing: bool = False) -> int:
    """Validate a diary CSV (:func:`read_any_csv`: the hypnic diary's or the simulator's)
    and insert all its rows in one transaction (or none); returns how many were written.

    The antidepressant flag follows :func:`antidepressant_rule` as in ``diary add``; each
    flag so set and each medication name that looks like a typo of a known one
    (:func:`close_medication`) is a warning, with the nights it concerns.
    """
    entries: list[DiaryEntry] = []
    flagged: dict[str, list[dt.date]] = {}  # the antidepressants that set the flag: their nights
    typos: dict[tuple[str, str], list[dt.date]] = {}  # (name as written, known name): nights
    for e in read_any_csv(text):
        e, reasons = antidepressant_rule(e)
        entries.append(e)
        if reasons:
            flagged.setdefault(", ".join(reasons), []).append(e.night)
        for m in e.medications:
            if near := close_medication(m):
                typos.setdefault((m, near), []).append(e.night)
    if not replace_existing:
        clash = [e.night for e in entries if get_entry(con, e.night) is not None]
        if clash:
            raise DiaryError(f"{len(clash)} night(s) already in the diary, nothing imported: "
                             f"{', '.join(map(str, clash[:10]))} (use --replace to overwrite)")
    n = add_entries(con, entries, replace_existing=True)
    log.info("imported %d diary entries", n)
    for names, nights in flagged.items():
        log.warning("%s is an antidepressant; antidepressant flag set on %s (write no in an "
                    "antidepressant column to keep it clear)", names, _some(nights))
    for (m, near), nights in typos.items():
        log.warning("medication %r (%s) kept as written: did you mean %s?", m, _some(nights), near)
    return n


def _some(nights: list[dt.date], at_most: int = 5) -> str:
    """Nights as text, the first ``at_most`` of them and how many more."""
    more = f" and {len(nights) - at_most} more" if len(nights) > at_most else ""
    return ", ".join(map(str, nights[:at_most])) + more


def diary_frame(entries: Iterable[DiaryEntry], zones: Mapping[dt.date, dt.tzinfo] | None = None):
    """Entries as a DataFrame indexed by night, with derived ``hours_slept``.

    ``zones`` gives the sleeper's zone of a night (:func:`analysis.nights.night_zones`), in
    which hours slept are derived from bedtime and wake time (:meth:`DiaryEntry.sleep_hours`);
    a night without one is reckoned on the wall clock.

    Returns
    -------
    DataFrame
        The :data:`FIELDS` columns (``medications`` ";"-joined, ``felt_jerks`` "" when not
        given; flags 0/1 floats, NaN when unknown); ``hours_slept`` filled from bedtime/wake time when missing;
        ``antidepressant`` filled from the medication list when not given.
    """
    import pandas as pd

    rows = []
    for e in entries:
        d = asdict(e)
        d["hours_slept"] = e.sleep_hours((zones or {}).get(e.night))
        d["medications"] = "; ".join(e.medications)
        d["felt_jerks"] = e.felt_jerks or ""  # text columns hold "" for nothing, as notes
        if e.antidepressant is None:
            d["antidepressant"] = e.suggested_antidepressant() if e.medications else None
        rows.append(d)
    df = pd.DataFrame(rows, columns=list(FIELDS))
    for k in FLAG_FIELDS:
        df[k] = df[k].map({True: 1.0, False: 0.0}).astype(float)
    for k in RANGES:
        df[k] = pd.to_numeric(df[k], errors="coerce").astype(float)
    return df.set_index("night")


#: Columns of a simulated diary (:func:`simulation.simulate_diary`) that make its entries.
SIMULATION_COLUMNS = ("night", "start", "hours_slept", "hours_in_bed", "stress", "tiredness",
                      "caffeine_drinks", "caffeine_last_h", "alcohol_drinks", "exercise_h",
                      "medications", "antidepressant")


def entries_from_simulation(diary) -> list[DiaryEntry]:
    """Diary entries for a simulated diary (:func:`simulation.simulate_diary`).

    Times are written in UTC (the simulated sleeper lives in UTC). Bedtime is the
    recording start, wake time is bedtime plus the time in bed, the last caffeine is
    ``caffeine_last_h`` before bedtime; the antidepressant flag follows the simulation.
    A column named as another diary field (``lost_consciousness``, ``daytime_jerks``,
    ``bothersome``, ``notes``, ...) is read as that field, an empty cell as not noted.

    Raises
    ------
    DiaryError
        If a column of :data:`SIMULATION_COLUMNS` is missing, or a row holds a value
        that is not valid (a ``start`` without a time zone, a night out of range or
        repeated, ...), naming its line as in a CSV file (1 = the header).
    """
    import pandas as pd

    missing = [c for c in SIMULATION_COLUMNS if c not in diary.columns]
    if missing:
        raise DiaryError(f"a simulated diary needs the column(s) {', '.join(missing)}")
    noted = [c for c in diary.columns
             if c in FIELDS and c not in SIMULATION_COLUMNS and c not in ("bedtime", "wake_time", "caffeine_last")]
    out: list[DiaryEntry] = []
    seen: dict[dt.date, int] = {}
    for line, r in enumerate(diary[list(SIMULATION_COLUMNS) + noted].itertuples(index=False), start=2):
        try:
            start = pd.Timestamp(r.start)
            if start.tzinfo is None:
                raise DiaryError(f"start {r.start} has no time zone (write it as e.g. "
                                 "2026-01-05 22:30:00+00:00)")
            start = start.tz_convert("UTC")
            values = {k: parse_field(k, str(getattr(r, k))) for k in (
                "hours_slept", "stress", "tiredness", "caffeine_drinks", "alcohol_drinks",
                "exercise_h")}
            values |= {k: parse_field(k, str(getattr(r, k)).removesuffix(".0")) for k in noted
                       if not pd.isna(getattr(r, k)) and str(getattr(r, k)).strip()}
            out.append(DiaryEntry(
                night=r.night if isinstance(r.night, dt.date) else parse_field("night", str(r.night)),
                bedtime=start.strftime("%H:%M"),
                wake_time=(start + pd.Timedelta(hours=float(r.hours_in_bed))).strftime("%H:%M"),
                caffeine_last=(start - pd.Timedelta(hours=float(r.caffeine_last_h))).strftime("%H:%M"),
                # an empty cell of a CSV file read with pandas is NaN, not a medication "nan"
                medications=parse_field("medications", "" if pd.isna(r.medications) else str(r.medications)),
                # 0/1; a column with an empty cell is read as floats (1.0)
                antidepressant=parse_field("antidepressant",
                                           str(r.antidepressant).removesuffix(".0")), **values))
        except (DiaryError, ValueError, TypeError, OverflowError) as exc:
            raise DiaryError(f"line {line}: {exc}") from None
        if out[-1].night in seen:
            raise DiaryError(f"line {line}: night {out[-1].night} repeats line {seen[out[-1].night]}")
        seen[out[-1].night] = line
    return out


def read_any_csv(text: str) -> list[DiaryEntry]:
    """Diary entries of a diary CSV, told apart by its header: the hypnic diary's
    (:func:`read_csv`) or the simulator's ``diary.csv`` (``hypnic simulate``;
    :func:`entries_from_simulation`, which takes bedtime, wake and last caffeine times
    from its ``start``, ``hours_in_bed`` and ``caffeine_last_h``).

    Raises
    ------
    DiaryError
        As :func:`read_csv` and :func:`entries_from_simulation`.
    """
    header = [h.strip() for h in text.split("\n", 1)[0].split(",")]
    if not ("start" in header and "hours_in_bed" in header and not set(header) <= set(FIELDS)):
        return read_csv(text)
    import pandas as pd  # only here: the diary commands start without it

    try:
        sim = pd.read_csv(io.StringIO(text), converters={"medications": str})
    except (ValueError, pd.errors.ParserError) as exc:
        raise DiaryError(f"not a readable CSV file: {exc}") from None
    return entries_from_simulation(sim)
