"""One entry point for every recorded file: :func:`read`.

The layout is told from the file's first bytes (magic numbers, header lines, column
names), never from its name alone; ``format=`` forces one. The start of the file is
read once into a :class:`~sensing.readers._common.Probe` that every format's sniffer
and reader receives. Supported layouts are the :class:`Format` entries of one registry
(:data:`FORMATS` names them) and are documented in ``docs/file-formats.md``.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

from sensing.body import parse_location
from sensing.errors import FormatError, HypnicError, wrong_type
from sensing.readers import (
    actigraph,
    axivity,
    empatica,
    geneactiv,
    geneactiv_csv,
    gt3x,
    parquet,
    phyphox,
    polar,
    tabular,
    timecheck,
)
from sensing.readers._common import (
    IdleSleepWarning,
    Probe,
    ReadOptions,
    TruncatedFileWarning,
    check_zone,
    text_encoding,
    transcode,
    unit_scale,
)
from sensing.readers.identify import MESSAGE_CHARS, clip, describe
from sensing.readers.timecheck import check_samples
from sensing.recording import Recording

__all__ = ["FORMATS", "Format", "IdleSleepWarning", "ReadOptions", "TruncatedFileWarning", "check_format", "detect_format",
           "read", "read_options"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """One supported file layout.

    Attributes
    ----------
    name : str
        What ``format=`` calls it.
    expects : str
        What a file of this layout looks like (for messages).
    sniff : callable
        ``sniff(probe) -> bool``: whether a file's start has this layout.
    read : callable
        ``read(probe, opts) -> list of Recording``.
    checked : bool
        Whether a forced ``format=`` must still pass ``sniff`` (text layouts whose
        reader relies on its header; the others give their own message).
    """

    name: str
    expects: str
    sniff: Callable[[Probe], bool]
    read: Callable[[Probe, ReadOptions], list[Recording]]
    checked: bool = False


def read(path: str | Path, format: str = "auto", tz: str | None = None,
         location: str | None = None, **options) -> list[Recording]:
    """Read a recorded file into one Recording per sensor (and per steady part) it holds.

    Parameters
    ----------
    path : str or Path
        The file; ``.gz`` compression is undone transparently.
    format : str
        ``"auto"`` (default) detects the layout; or a key of :data:`FORMATS`.
    tz : str, optional
        IANA zone of times written without a zone, overriding a zone the file states.
        Default: the file's zone, else ``local_tz`` (an option), else UTC.
    location : str, optional
        Where the sensor was worn, overriding what the file says.
    **options
        Any other field of :class:`ReadOptions`: ``units`` (``"g"``, ``"mg"``,
        ``"m/s^2"``), ``start`` (ISO-8601, for times in seconds since the start),
        ``fs`` (Hz), ``max_reorder_s`` (s), ``progress`` (callback), ``local_tz`` (IANA
        zone of times without one when ``tz`` is not given and the file states none).

    Returns
    -------
    list of Recording
        Accelerations in g, times in ns UTC; ``meta["format"]`` names the layout and
        ``meta["time_issues"]`` lists what was found wrong with the times.

    Raises
    ------
    ArgumentTypeError
        A ``path`` that is not a str or a path (a TypeError and a HypnicError).
    FormatError
        Unknown layout (saying what the file looks like), a malformed row (with its
        line number), an unknown option, impossible times; one line each.
    InvalidRecordingError
        Samples that cannot form a recording (fewer than two, ambiguous duplicates),
        an unknown location.

    Warns
    -----
    TruncatedFileWarning
        A file cut short: what was readable is returned.
    IdleSleepWarning
        A device that wrote nothing while it lay still (an ActiGraph's idle sleep mode):
        a jerk out of stillness is over before it writes again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import hypnic
    >>> from sensing.generic import write_csv
    >>> sim = hypnic.simulate_night(hypnic.NightConfig(fs=25, hours_in_bed=0.5, locations=("wrist-left",)), seed=1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [rec] = read(write_csv(sim.recordings["wrist-left"], pathlib.Path(tmp) / "wrist.csv"))
    >>> rec.location, rec.fs, rec.meta["format"]
    ('wrist-left', 25.0, 'generic-csv')
    """
    if not isinstance(path, (str, os.PathLike)):
        raise wrong_type("read: path", "a file path (str or pathlib.Path)", path)
    opts = read_options(tz=tz, location=location, **options)
    check_format(format)
    return _read(Path(path), format, opts)


def check_format(format: str) -> None:
    """Refuse a ``format=`` that is neither ``"auto"`` nor a key of :data:`FORMATS`, naming
    the one meant when a name is close (``polar``: ``polar-sensor-logger``)."""
    if format != "auto" and format not in FORMATS:
        import difflib

        text = str(format).strip().lower()
        close = [n for n in FORMATS if text and text in n] or difflib.get_close_matches(text, FORMATS, 1, 0.8)
        raise FormatError(f"unknown format {clip(str(format), 30)!r}"
                          + (f" (did you mean {' or '.join(close[:3])}?)" if close else "")
                          + "; auto (detected), or a format named in docs/file-formats.md")


def read_options(**options) -> ReadOptions:
    """Check read options and return them as :class:`ReadOptions` (before any file is read).

    Location spellings are normalised (``left wrist`` is ``wrist-left``, see
    :func:`sensing.body.parse_location`).

    Raises
    ------
    FormatError
        An unknown option, units, time zone or start time, or a rate that is not a
        positive number.
    InvalidRecordingError
        An unknown location, or a limb without its side.
    """
    import datetime as dt

    from sensing.timezones import zone_name

    known = {f.name for f in fields(ReadOptions)}
    unknown = set(options) - known
    if unknown:
        raise FormatError(f"unknown read option(s) {', '.join(sorted(unknown))}; "
                          f"expected {', '.join(sorted(known))}")
    for key in ("tz", "local_tz"):  # a zone object (ZoneInfo, dt.timezone.utc) by its name
        if isinstance(options.get(key), dt.tzinfo):
            options[key] = zone_name(options[key])
    opts = ReadOptions(**options)
    if opts.location is not None:
        opts = replace(opts, location=parse_location(opts.location))
    if opts.units is not None:
        unit_scale(opts.units)
    for name in (opts.tz, opts.local_tz):
        if name is not None:
            check_zone(name)
    for name, value in (("fs", opts.fs), ("max_reorder_s", opts.max_reorder_s)):
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)
                                      and value >= (0 if name == "max_reorder_s" else 1e-9)):
            raise FormatError(f"{name}={value!r} is not a positive number")
    if opts.start is not None:
        tabular.parse_start(opts.start, opts.naive_tz)
    return opts


def _read(path: Path, format: str, opts: ReadOptions) -> list[Recording]:
    """:func:`read` with checked options; every error message one line."""
    if path.is_dir():
        raise FormatError(f"{path} is a folder; give the recording file inside it")
    if not path.is_file():
        raise FormatError(f"no such file: {path}")
    try:
        probe = Probe.of(path)
        encoding = text_encoding(probe.head)
        if encoding:
            return _read_transcoded(path, encoding, format, opts)
        if format == "auto":
            fmt = _detect(probe)
        else:
            fmt = _BY_NAME[format]
            if fmt.checked and not fmt.sniff(probe):
                raise FormatError(f"{path.name}: not a {fmt.name} file: expected {fmt.expects}")
        zone = timecheck.CLOCK_ZONE.set(opts.naive_tz)
        try:
            return fmt.read(probe, opts)
        except FormatError as exc:
            meant = next((f.name for f in _REGISTRY if f.sniff(probe)), fmt.name) if format != "auto" else fmt.name
            if meant == fmt.name:
                raise
            raise FormatError(f"{path.name}: looks like a {meant} file, not {format} (leave out the format "
                              f"to read it as one): {str(exc).removeprefix(f'{path.name}: ')}") from None
        finally:
            timecheck.CLOCK_ZONE.reset(zone)
    except HypnicError as exc:
        text = str(exc)
        if "\n" in text or len(text) > MESSAGE_CHARS:
            raise type(exc)(clip(text, MESSAGE_CHARS)) from None
        raise


def _read_transcoded(path: Path, encoding: str, format: str, opts: ReadOptions) -> list[Recording]:
    """A UTF-16 or UTF-32 text file, read through a UTF-8 copy in a temporary folder."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = transcode(path, encoding, Path(tmp) / path.name.removesuffix(".gz"))
        recs = _read(copy, format, opts)
    return [replace(r, meta={**r.meta, "encoding": encoding}) for r in recs]


def detect_format(path: str | Path) -> str:
    """Name of the layout of a file (a key of :data:`FORMATS`).

    Raises
    ------
    FormatError
        If no layout fits, saying what the file looks like.
    """
    return _detect(Probe.of(Path(path))).name


def _detect(probe: Probe) -> Format:
    """The first registered format whose sniffer accepts the file (generic CSV last).

    Raises
    ------
    FormatError
        In one line: what the file looks like and what to do (:func:`identify.describe`).
    """
    for fmt in _REGISTRY:
        if fmt.sniff(probe):
            return fmt
    name = clip(probe.path.name, 60)
    raise FormatError(clip(f"{name}: {describe(probe, tabular.not_generic(probe))}", MESSAGE_CHARS))


def _read_zip(probe: Probe, opts: ReadOptions) -> list[Recording]:
    """Every recording in a zip archive (phyphox exports; ``meta/`` folders are kept beside)."""
    import tempfile
    import zipfile
    import zlib

    path = probe.path
    recs, reasons = [], []
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                raise FormatError(f"{path.name}: an Excel workbook; save the sheet as CSV "
                                  "(a time column and x, y, z)")
            members = [n for n in names if "meta/" not in f"/{n}" and not n.startswith("__MACOSX")]
            members = _watch_of_sensor_logger(members, path.name) or members
            with tempfile.TemporaryDirectory() as tmp:
                archive.extractall(tmp)
                for name in members:
                    try:
                        recs += _read(Path(tmp) / name, "auto", opts)
                    except FormatError as exc:
                        reasons.append(str(exc))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        raise FormatError(f"{path.name}: damaged zip archive ({clip(str(exc), 80)})") from None
    if not recs:
        listed = clip(", ".join(members), 60) if members else "nothing"
        raise FormatError(f"{path.name}: a zip archive holding {listed}; no recording in it"
                          + (f" ({reasons[0]})" if reasons else ""))
    return recs


#: Sensor Logger's files of a watch's accelerometer, the first found read: the raw total
#: acceleration (what the accelerometer measured), else the motion stream (acceleration
#: without gravity plus gravity, added by the generic CSV reader).
SENSOR_LOGGER_WATCH = ("WatchAccelerometerUncalibrated.csv", "WristMotion.csv")


def _watch_of_sensor_logger(members: list[str], name: str) -> list[str]:
    """The one file of a Sensor Logger export zip that holds the watch's acceleration
    (:data:`SENSOR_LOGGER_WATCH`), or [] if it holds none: its other streams are the same
    wrist again, or the phone's and the headphones', not worn where jerks are looked for."""
    by_name = {Path(m).name: m for m in members}
    watch = next((by_name[w] for w in SENSOR_LOGGER_WATCH if w in by_name), None)
    if watch is None:
        return []
    log.info("%s: a Sensor Logger export; its watch's %s is read, the phone's and "
                                     "other streams are left out", name, Path(watch).name)
    return [watch]


def _read_sqlite(probe: Probe, opts: ReadOptions) -> list[Recording]:
    path = probe.path
    try:
        from sensing.store import read_sqlite
    except ImportError:
        raise FormatError(f"{path.name}: reading 'hypnic record' SQLite files needs "
                          "sensing.store, which this installation lacks") from None
    import sqlite3

    foreign = _foreign_database(path)
    if foreign:
        raise FormatError(f"{path.name}: {foreign}")
    try:
        recs = read_sqlite(path)
    except HypnicError:
        raise
    except (sqlite3.Error, UnicodeDecodeError, ValueError) as exc:  # a damaged database
        raise FormatError(f"{path.name}: damaged recording database ({clip(str(exc), 80)})") from None
    for r in recs:
        check_samples(r.time_ns, r.acc, path.name)
    return [replace(r, location=opts.location or r.location, meta={**r.meta, "format": "sqlite"})
            for r in recs]


def _foreign_database(path: Path) -> str | None:
    """What a SQLite file that is not a hypnic recording is (None if it is one, or if its
    tables cannot be listed: reading it then says what is wrong)."""
    import contextlib
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {row[0].lower() for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except (sqlite3.Error, ValueError):
        return None
    if {"chunks", "sensors"} <= tables:
        return None
    if {"data", "settings"} <= tables:
        return ("an ActiGraph .agd/.agdc database (counts per epoch, not raw samples), which hypnic "
                "does not read; export a RAW CSV or the .gt3x from ActiLife")
    if {"diary", "nights"} <= tables:
        return "a hypnic diary, not a recording"
    return f"a SQLite database that is not a hypnic recording (tables: {clip(', '.join(sorted(tables)), 50) or 'none'})"


def _magic(prefix: bytes) -> Callable[[Probe], bool]:
    def sniff(probe: Probe) -> bool:
        return probe.head.startswith(prefix)
    return sniff


def _text(module) -> Format:
    return Format(module.NAME, module.EXPECTS, module.sniff, module.read, checked=True)


#: Every supported layout, in the order the sniffers are tried: binary layouts by their
#: magic bytes, then text layouts by their header lines, the generic CSV last.
_REGISTRY: tuple[Format, ...] = (
    Format(axivity.NAME, axivity.EXPECTS, axivity.sniff, axivity.read),
    Format("sqlite", "a SQLite database written by 'hypnic record'",
           _magic(b"SQLite format 3\x00"), _read_sqlite),
    Format(parquet.NAME, parquet.EXPECTS, parquet.sniff, parquet.read),
    Format(gt3x.NAME, gt3x.EXPECTS, gt3x.sniff, gt3x.read),
    Format("zip", "a .zip archive of files in these layouts (e.g. a phyphox export)",
           _magic(b"PK\x03\x04"), _read_zip),
    _text(geneactiv),
    _text(geneactiv_csv),
    _text(actigraph),
    _text(polar),
    _text(phyphox),
    _text(empatica),
    Format(tabular.NAME, tabular.EXPECTS, tabular.sniff, tabular.read),
)
_BY_NAME = {fmt.name: fmt for fmt in _REGISTRY}
#: Format name -> what a file of that format must look like (for messages).
FORMATS: dict[str, str] = {fmt.name: fmt.expects for fmt in _REGISTRY}
