"""One entry point for every recorded file: :func:`read`.

The layout is told from the file's first bytes (magic numbers, header lines, column
names), never from its name alone; ``format=`` forces one. The start of the file is
read once into a :class:`~sensing.readers._common.Probe` that every format's sniffer
and reader receives. Supported layouts are the :class:`Format` entries of one registry
(:data:`FORMATS` names them) and are documented in ``docs/file-formats.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

from sensing.errors import FormatError, HypnicError
from sensing.readers import actigraph, axivity, empatica, geneactiv, phyphox, polar, tabular
from sensing.readers._common import Probe, ReadOptions, TruncatedFileWarning
from sensing.recording import Recording

__all__ = ["FORMATS", "Format", "ReadOptions", "TruncatedFileWarning", "detect_format", "read"]


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
    probe = Probe.of(path)
    if format == "auto":
        fmt = _detect(probe)
    else:
        fmt = _BY_NAME[format]
        if fmt.checked and not fmt.sniff(probe):
            raise FormatError(f"{path.name}: not a {fmt.name} file: expected {fmt.expects}")
    return fmt.read(probe, opts)


def detect_format(path: str | Path) -> str:
    """Name of the layout of a file (a key of :data:`FORMATS`).

    Raises
    ------
    FormatError
        If no layout fits, naming the formats tried and what each expects.
    """
    return _detect(Probe.of(Path(path))).name


def _detect(probe: Probe) -> Format:
    """The first registered format whose sniffer accepts the file (generic CSV last)."""
    for fmt in _REGISTRY:
        if fmt.sniff(probe):
            return fmt
    head = probe.head
    first = next((ln for ln in probe.lines if ln.strip()), "")
    if b"\x00" in head[:1024] and not head.startswith(b"MD"):
        first = f"binary data {head[:16]!r}"
    tried = "; ".join(f"{k} ({v})" for k, v in FORMATS.items())
    raise FormatError(f"{probe.path.name}: unknown layout (generic CSV: {tabular.not_generic(probe)}). "
                      f"Tried: {tried}. The file starts with {first[:120]!r}")


def _read_parquet(probe: Probe, opts: ReadOptions) -> list[Recording]:
    from sensing import generic

    rec = generic.read_parquet(probe.path, location=opts.location, fs=opts.fs)
    return [replace(rec, meta={**rec.meta, "format": "parquet"})]


def _read_zip(probe: Probe, opts: ReadOptions) -> list[Recording]:
    """Every recording in a zip archive (phyphox exports; ``meta/`` folders are kept beside)."""
    import tempfile
    import zipfile

    path = probe.path
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


def _read_sqlite(probe: Probe, opts: ReadOptions) -> list[Recording]:
    path = probe.path
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
    Format("parquet", "a Parquet file with time and x, y, z columns", _magic(b"PAR1"), _read_parquet),
    Format("zip", "a .zip archive of files in these layouts (e.g. a phyphox export)",
           _magic(b"PK\x03\x04"), _read_zip),
    _text(geneactiv),
    _text(actigraph),
    _text(polar),
    _text(phyphox),
    _text(empatica),
    Format(tabular.NAME, tabular.EXPECTS, tabular.sniff, tabular.read),
)
_BY_NAME = {fmt.name: fmt for fmt in _REGISTRY}
#: Format name -> what a file of that format must look like (for messages).
FORMATS: dict[str, str] = {fmt.name: fmt.expects for fmt in _REGISTRY}
