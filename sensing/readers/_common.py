"""Shared pieces of the file readers: options, warnings, units, opening files."""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from sensing.errors import FormatError
from sensing.recording import G

#: Callback ``progress(done, total)`` with bytes of the file consumed so far and in all.
Progress = Callable[[int, int], None]

#: Acceleration units and their size in g.
UNITS: dict[str, float] = {"g": 1.0, "mg": 1e-3, "m/s^2": 1.0 / G, "1/64g": 1.0 / 64}

_UNIT_ALIASES = {
    "g": "g", "mg": "mg", "millig": "mg", "milli-g": "mg",
    "m/s^2": "m/s^2", "m/s2": "m/s^2", "m/s²": "m/s^2", "ms^-2": "m/s^2", "ms-2": "m/s^2",
    "mps2": "m/s^2", "1/64g": "1/64g",
}


#: A wall clock going back by more than this (ns) in a repeated DST hour marks the second pass.
DST_STEP_NS = 600 * 10**9

#: What a cut or corrupt gzip stream raises.
GZIP_ERRORS = (OSError, EOFError, zlib.error)


class TruncatedFileWarning(UserWarning):
    """A file ended early (cut-off last row, page or block); what was readable is returned."""


@dataclass(frozen=True)
class ReadOptions:
    """Options every reader understands. All are optional.

    Attributes
    ----------
    tz : str or None
        IANA zone of times written without a zone (phone and device local times,
        ActiLife start times). Default None: such times are taken as UTC.
    location : str or None
        Where the sensor was worn; overrides what the file says.
    units : str or None
        Acceleration units of the values, ``"g"``, ``"mg"`` or ``"m/s^2"``, overriding
        the column names. Default None: from the names, else from the size of gravity
        (device layouts: their documented units).
    start : str or None
        Start time (ISO-8601) for files whose times are seconds since the start.
    fs : float or None
        Nominal sampling rate in Hz, overriding the file. Default None: the file's, else
        the median sample step. A rate the sample times contradict by more than 10 %
        is replaced by the measured one (reported as ``rate-change``).
    max_reorder_s : float
        Samples that go back in time by at most this many seconds are sorted into
        place (late rows); a bigger backward jump is a clock jump and splits the
        recording. Default 1 s.
    progress : callable or None
        ``progress(done_bytes, total_bytes)`` called while a file is read.
    """

    tz: str | None = None
    location: str | None = None
    units: str | None = None
    start: str | None = None
    fs: float | None = None
    max_reorder_s: float = 1.0
    progress: Progress | None = None


def unit_scale(units: str) -> float:
    """Size in g of one unit named ``units`` (``g``, ``mg``, ``m/s^2`` and spellings)."""
    key = _UNIT_ALIASES.get(units.strip().lower().replace(" ", ""))
    if key is None:
        raise FormatError(f"unknown acceleration units {units!r}; expected g, mg or m/s^2")
    return UNITS[key]


_UNIT_IN_NAME = re.compile(r"[\[(]\s*([^\])]+?)\s*[\])]\s*$|_(mg|g|ms2|mps2)$", re.IGNORECASE)


def units_from_name(name: str) -> str | None:
    """Acceleration units written in a column name (``X [mg]``, ``acc_x (m/s^2)``, ``ax_g``)."""
    m = _UNIT_IN_NAME.search(name.strip())
    if not m:
        return None
    text = (m.group(1) or m.group(2)).replace(" ", "").lower()
    key = _UNIT_ALIASES.get(text)
    return key


def is_gzip(path: Path) -> bool:
    """True if the file starts with the gzip magic bytes."""
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def head_bytes(path: Path, n: int = 65536) -> bytes:
    """The first ``n`` bytes of a file, decompressed if it is gzip."""
    if is_gzip(path):
        try:
            with gzip.open(path, "rb") as f:
                return f.read(n)
        except GZIP_ERRORS:
            with gzip.open(path, "rb") as f:
                return _read_what_you_can(f, n)
    with open(path, "rb") as f:
        return f.read(n)


def _read_what_you_can(f, n: int) -> bytes:
    out = bytearray()
    try:
        while len(out) < n:
            chunk = f.read(4096)
            if not chunk:
                break
            out += chunk
    except GZIP_ERRORS:
        pass
    return bytes(out)


#: Bytes of a file's start that are read (and decompressed) once, for every sniffer and layout.
PROBE_BYTES = 1 << 18
#: Bytes of the start whose complete lines the sniffers see (:attr:`Probe.lines`).
HEAD_LINE_BYTES = 1 << 16


@dataclass(frozen=True, eq=False)
class Probe:
    """The start of a file, read and decompressed once: what every format's sniffer, layout
    and reader looks at before reading the whole file.

    Attributes
    ----------
    path : Path
        The file.
    head : bytes
        Its first :data:`PROBE_BYTES` bytes (fewer if the file is shorter), decompressed
        if it is gzip.
    """

    path: Path
    head: bytes

    @classmethod
    def of(cls, path: Path) -> Probe:
        """Read the start of ``path`` (the only time it is read before the reader runs)."""
        return cls(path, head_bytes(path, PROBE_BYTES))

    @cached_property
    def lines(self) -> list[str]:
        """Complete text lines in the first :data:`HEAD_LINE_BYTES` bytes."""
        return self.lines_in(HEAD_LINE_BYTES)

    def lines_in(self, n_bytes: int) -> list[str]:
        """Complete text lines in the first ``n_bytes`` bytes (at most :data:`PROBE_BYTES`;
        BOM and CR stripped; a last line cut by the limit is left out)."""
        raw = self.head[:n_bytes]
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
        lines = text.split("\n")
        if len(raw) == n_bytes and len(lines) > 1:
            lines = lines[:-1]  # the last one may be cut
        return [ln.rstrip("\r") for ln in lines]


def open_binary(path: Path):
    """A binary file object, transparently decompressing gzip."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def read_all_bytes(path: Path) -> tuple[bytes, bool]:
    """All bytes of a (possibly gzip) file, and whether the compressed stream was cut short."""
    if not is_gzip(path):
        return path.read_bytes(), False
    with gzip.open(path, "rb") as f:
        try:
            return f.read(), False
        except GZIP_ERRORS:
            pass
    with gzip.open(path, "rb") as f:
        return _read_what_you_can(f, 1 << 40), True


def find_line(path: Path, predicate: Callable[[str], bool], skip: int = 0) -> tuple[int, str] | None:
    """First (1-based line number, text) after ``skip`` lines that satisfies ``predicate``.

    Only used to report errors, so it may be slow.
    """
    with open_binary(path) as f:
        try:
            for number, raw in enumerate(f, start=1):
                if number <= skip:
                    continue
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if predicate(line):
                    return number, line
        except GZIP_ERRORS:
            return None
    return None


def localize(naive_ns: np.ndarray, tz: str) -> tuple[np.ndarray, int]:
    """Local wall-clock times (int64 ns, ``INT64_MIN`` = missing) in zone ``tz`` as UTC ns.

    Times in the hour a DST change repeats are ambiguous: in a run of such times, those
    before the wall clock goes back (by more than 10 min) are the first pass, those
    after it the second. Returns the UTC times and how many were resolved that way.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    nat = np.iinfo(np.int64).min
    missing = naive_ns == nat
    arr = pa.array(naive_ns, pa.timestamp("ns"), mask=missing)
    try:
        return (pc.assume_timezone(arr, tz, ambiguous="raise", nonexistent="earliest")
                .cast(pa.int64()).fill_null(nat).to_numpy(), 0)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        if "ambiguous" not in str(exc).lower():
            raise FormatError(f"time zone {tz!r}: {exc}") from None
    first, second = (pc.assume_timezone(arr, tz, ambiguous=which, nonexistent=which)
                     .cast(pa.int64()).fill_null(nat).to_numpy() for which in ("earliest", "latest"))
    ambiguous = first != second
    if not ambiguous.any():
        return first, 0
    # within each run of ambiguous times, those after the clock went back are the second pass
    went_back = np.r_[False, np.diff(naive_ns) < -DST_STEP_NS] & ambiguous
    run_start = np.r_[True, ~ambiguous[:-1]] & ambiguous
    back_so_far = np.cumsum(went_back)
    at_run_start = np.maximum.accumulate(np.where(run_start, back_so_far - went_back, 0))
    take_second = ambiguous & (back_so_far > at_run_start)
    return np.where(take_second, second, first), int(take_second.sum())


def location_from_text(text: str) -> str | None:
    """A hypnic location from a device's free-text body location (``left wrist``, ``R ankle``)."""
    import re

    words = set(re.findall(r"[a-z]+", text.lower()))
    side = "left" if words & {"left", "l", "lt"} else "right" if words & {"right", "r", "rt"} else None
    for part, names in (("wrist", {"wrist"}), ("ankle", {"ankle"}), ("thigh", {"thigh"}),
                        ("upper-arm", {"arm", "upperarm"})):
        if words & names and side:
            return f"{part}-{side}"
    if words & {"trunk", "chest", "waist", "hip", "back", "torso"}:
        return "trunk"
    return None
