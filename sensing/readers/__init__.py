"""One entry point for every recorded file: :func:`read`.

The layout is told from the file's first bytes (magic numbers, header lines, column
names), never from its name alone; ``format=`` forces one. Supported layouts are
listed in :data:`FORMATS` and documented in ``docs/file-formats.md``.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from sensing.errors import FormatError, HypnicError
from sensing.readers._common import ReadOptions, TruncatedFileWarning, head_bytes, head_lines
from sensing.recording import Recording

__all__ = ["FORMATS", "ReadOptions", "TruncatedFileWarning", "detect_format", "read"]

#: Format name -> what a file of that format must look like (for messages).
FORMATS: dict[str, str] = {
    "axivity-cwa": "a 1024-byte 'MD' header block followed by 512-byte 'AX' data blocks",
    "geneactiv-bin": "a 'Device Identity' header with 'Calibration Data', then 'Recorded Data' pages",
    "sqlite": "a SQLite database written by 'hypnic record'",
    "parquet": "a Parquet file with time and x, y, z columns",
    "actigraph-csv": "ActiLife's 10-line header ('------------ Data File Created By ActiGraph ...')",
    "polar-sensor-logger": "a 'Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]' header",
    "phyphox": "a 'Time (s)','Acceleration x (m/s^2)',... header",
    "empatica-e4": "a start-time row (Unix s) and a rate row (Hz), 3 columns each, then x,y,z in 1/64 g",
    "generic-csv": "a header row naming a time column and x, y, z axis columns (',' ';' or tab)",
    "zip": "a .zip archive of files in these layouts (e.g. a phyphox export)",
}


def detect_format(path: str | Path) -> str:
    """Name of the layout of a file (a key of :data:`FORMATS`).

    Raises
    ------
    FormatError
        If no layout fits, naming the formats tried and what each expects.
    """
    from sensing.readers import actigraph, axivity, empatica, geneactiv, phyphox, polar
    from sensing.readers.tabular import generic_layout

    path = Path(path)
    head = head_bytes(path, 4096)
    if axivity.sniff(head):
        return "axivity-cwa"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    lines = head_lines(path)
    for name, module in (("geneactiv-bin", geneactiv), ("actigraph-csv", actigraph),
                         ("polar-sensor-logger", polar), ("phyphox", phyphox), ("empatica-e4", empatica)):
        if module.sniff(lines):
            return name
    try:
        generic_layout(path, ReadOptions(start="0", units="g"), lines)
        return "generic-csv"
    except FormatError as exc:
        reason = str(exc)
    first = next((ln for ln in lines if ln.strip()), "")
    if b"\x00" in head[:1024] and not head.startswith(b"MD"):
        first = f"binary data {head[:16]!r}"
    tried = "; ".join(f"{k} ({v})" for k, v in FORMATS.items())
    raise FormatError(f"{path.name}: unknown layout (generic CSV: {reason}). Tried: {tried}. "
                      f"The file starts with {first[:120]!r}")


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
        IANA zone of times written without a zone (default: UTC).
    location : str, optional
        Where the sensor was worn, overriding what the file says.
    **options
        Any other field of :class:`ReadOptions`: ``units`` (``"g"``, ``"mg"``,
        ``"m/s^2"``), ``start`` (ISO-8601, for times in seconds since the start),
        ``fs`` (Hz), ``max_reorder_s`` (s), ``progress`` (callback).

    Returns
    -------
    list of Recording
        Accelerations in g, times in ns UTC; ``meta["format"]`` names the layout and
        ``meta["time_issues"]`` lists what was found wrong with the times.

    Raises
    ------
    FormatError
        Unknown layout (naming the formats tried), a malformed row (with its line
        number and content), an unknown option.
    InvalidRecordingError
        Samples that cannot form a recording (fewer than two, ambiguous duplicates).

    Warns
    -----
    TruncatedFileWarning
        A file cut short: what was readable is returned.
    """
    path = Path(path)
    known = {f.name for f in fields(ReadOptions)} - {"tz", "location"}
    unknown = set(options) - known
    if unknown:
        raise FormatError(f"unknown read option(s) {', '.join(sorted(unknown))}; "
                          f"expected {', '.join(sorted(known))}")
    if path.is_dir():
        raise FormatError(f"{path} is a folder; give the recording file inside it")
    if not path.is_file():
        raise FormatError(f"no such file: {path}")
    if format != "auto" and format not in FORMATS:
        raise FormatError(f"{path.name}: unknown format {format!r}; supported: auto, {', '.join(FORMATS)}")
    opts = ReadOptions(tz=tz, location=location, **options)
    fmt = detect_format(path) if format == "auto" else format
    return _READERS[fmt](path, opts)


def _read_text(module_name: str):
    """Reader of a text layout: its header is checked even when the format is forced."""
    def reader(path: Path, opts: ReadOptions) -> list[Recording]:
        import importlib

        module = importlib.import_module(f"sensing.readers.{module_name}")
        lines = head_lines(path)
        if not module.sniff(lines):
            raise FormatError(f"{path.name}: not a {module.NAME} file: expected {module.EXPECTS}")
        return module.read(path, opts, lines)
    return reader


def _read_generic(path: Path, opts: ReadOptions) -> list[Recording]:
    from sensing.readers.tabular import read_generic

    return read_generic(path, opts)


def _read_binary(module_name: str):
    def reader(path: Path, opts: ReadOptions) -> list[Recording]:
        import importlib

        return importlib.import_module(f"sensing.readers.{module_name}").read(path, opts)
    return reader


def _read_parquet(path: Path, opts: ReadOptions) -> list[Recording]:
    from sensing import generic

    rec = generic.read_parquet(path, location=opts.location, fs=opts.fs)
    return [replace(rec, meta={**rec.meta, "format": "parquet"})]


def _read_zip(path: Path, opts: ReadOptions) -> list[Recording]:
    """Every recording in a zip archive (phyphox exports; ``meta/`` folders are kept beside)."""
    import tempfile
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if {"log.bin", "info.txt"} <= set(names):
                raise FormatError(f"{path.name}: an ActiGraph .gt3x file, which hypnic does not read; "
                                  "export a RAW CSV from ActiLife instead")
            members = [n for n in names if "meta/" not in f"/{n}" and not n.startswith("__MACOSX")]
            with tempfile.TemporaryDirectory() as tmp:
                archive.extractall(tmp)
                recs, reasons = [], []
                for name in members:
                    try:
                        recs += read(Path(tmp) / name, tz=opts.tz, location=opts.location,
                                     **{k: v for k, v in vars(opts).items() if k not in ("tz", "location")})
                    except FormatError as exc:
                        reasons.append(str(exc).split(". Tried:")[0])
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FormatError(f"{path.name}: unreadable zip archive ({exc})") from None
    if not recs:
        raise FormatError(f"{path.name}: no readable recording in the archive: "
                          + ("; ".join(reasons) or "it is empty"))
    return recs


def _read_sqlite(path: Path, opts: ReadOptions) -> list[Recording]:
    try:
        from sensing.store import read_sqlite
    except ImportError:
        raise FormatError(f"{path.name}: reading 'hypnic record' SQLite files needs "
                          "sensing.store, which this installation lacks") from None
    import sqlite3

    try:
        recs = read_sqlite(path)
    except HypnicError:
        raise
    except (sqlite3.Error, UnicodeDecodeError, ValueError) as exc:  # a damaged database
        raise FormatError(f"{path.name}: damaged recording database ({exc})") from None
    return [replace(r, location=opts.location or r.location, meta={**r.meta, "format": "sqlite"})
            for r in recs]


_READERS = {
    "axivity-cwa": _read_binary("axivity"),
    "geneactiv-bin": _read_text("geneactiv"),
    "sqlite": _read_sqlite,
    "parquet": _read_parquet,
    "actigraph-csv": _read_text("actigraph"),
    "polar-sensor-logger": _read_text("polar"),
    "phyphox": _read_text("phyphox"),
    "empatica-e4": _read_text("empatica"),
    "generic-csv": _read_generic,
    "zip": _read_zip,
}
