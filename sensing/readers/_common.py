"""Shared pieces of the file readers: options, warnings, units, opening files."""

from __future__ import annotations

import contextlib
import gzip
import mmap
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from sensing.errors import FormatError
from sensing.recording import G

#: Callback ``progress(done, total)`` with bytes of the file consumed so far and in all.
Progress = Callable[[int, int], None]

#: Acceleration units and their size in g.
UNITS: dict[str, float] = {"g": 1.0, "mg": 1e-3, "m/s^2": 1.0 / G}
#: Raw counts of an accelerometer, N to a g (its sensitivity, "LSB/g" in a datasheet),
#: written ``1/Ng``: an Empatica E4's 1/64g, an MPU-6050's 1/16384g at +-2 g.
_PER_G = re.compile(r"^1/(\d+(?:\.\d+)?)g$")

_UNIT_ALIASES = {
    "g": "g", "mg": "mg", "millig": "mg", "milli-g": "mg",
    "m/s^2": "m/s^2", "m/s2": "m/s^2", "m/s²": "m/s^2", "ms^-2": "m/s^2", "ms-2": "m/s^2",
    "mps2": "m/s^2", "ms2": "m/s^2", "m/s/s": "m/s^2", "meterspersecondsquared": "m/s^2",
    "meterpersecondsquared": "m/s^2", "metrespersecondsquared": "m/s^2",
}


#: A wall clock going back by more than this (ns) in a repeated DST hour marks the second pass.
DST_STEP_NS = 600 * 10**9

#: How to give the start of times counted from it (the option, and where the commands take it).
START_HINT = "give the start time (start=..., or --start of hypnic detect or hypnic convert)"
#: What a cut or corrupt gzip stream raises.
GZIP_ERRORS = (OSError, EOFError, zlib.error)


class TruncatedFileWarning(UserWarning):
    """A file ended early (cut-off last row, page or block); what was readable is returned."""


class IdleSleepWarning(UserWarning):
    """A device wrote no samples while it lay still (an ActiGraph's idle sleep mode): a
    brief movement out of stillness, a jerk, is over before it writes again."""


@dataclass(frozen=True)
class ReadOptions:
    """Options every reader understands. All are optional.

    Attributes
    ----------
    tz : str or None
        IANA zone of times written without a zone (phone and device local times,
        ActiLife start times); it overrides a zone the file states (a GENEActiv header's,
        a .gt3x's ``TimeZone``). Default None: see ``local_tz``.
    local_tz : str or None
        IANA zone of times written without a zone when ``tz`` is not given and the file
        states none: the zone where the device's or phone's clock was set. Default None:
        such times are taken as UTC. The CLI passes the machine's zone.
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
    local_tz: str | None = None

    @property
    def naive_tz(self) -> str | None:
        """Zone of times written without a zone in a file that states none: ``tz``, else
        ``local_tz`` (None: UTC)."""
        return self.tz or self.local_tz

    def stated_or_naive(self, local_ns: np.ndarray, stated_ns: int | None, name: str = "") -> np.ndarray:
        """Local wall-clock times (int64 ns) as UTC ns: in ``tz`` if given (warning when it
        is not the offset the file states: :func:`warn_overridden`), else at the offset the
        file states (``stated_ns``, ns east of UTC), else in ``local_tz``, else as UTC.
        Shifted by the stated offset in place when ``local_ns`` is writable (it may be as
        long as the file). ``name``: the file's, for the warning (none without it)."""
        if self.tz:
            utc = localize(local_ns, self.tz)[0]
            if len(utc) and name:
                warn_overridden(name, self.tz, stated_ns, int(local_ns[0]), int(utc[0]))
            return utc
        if stated_ns is not None:
            return np.subtract(local_ns, stated_ns, out=local_ns if local_ns.flags.writeable else None)
        return localize(local_ns, self.local_tz)[0] if self.local_tz else local_ns


def warn_overridden(name: str, tz: str, stated_ns: int | None, local_ns: int, utc_ns: int) -> None:
    """Warn when ``tz`` (``--tz``) reads a file's wall-clock times at another offset than
    the one the file states its clock was set to (``stated_ns``, ns east of UTC): the
    times move by the difference (``local_ns`` / ``utc_ns``: one sample's wall-clock and
    UTC time as read, ns)."""
    import logging

    from sensing.timezones import offset_zone

    used = local_ns - utc_ns
    if stated_ns is None or abs(used - stated_ns) < 60 * 10**9:
        return
    logging.getLogger(__name__).warning(
        "%s: its clock was set to %s, but it is read in %s (%s then): its times move by %g h; to "
        "read it as the device was set, leave out --tz", name or "the file", offset_zone(stated_ns / 1e9), tz,
        offset_zone(used / 1e9), round((stated_ns - used) / 3.6e12, 2))


def unit_name(text: str) -> str | None:
    """The key of :data:`UNITS` that ``text`` spells (``m/s2``, ``ms^-2``, ``millig`` ...),
    or raw counts as ``1/Ng`` (N > 0), or None."""
    key = text.strip().lower().replace(" ", "").replace("_", "")
    counts = _PER_G.match(key)
    return key if counts and float(counts.group(1)) > 0 else _UNIT_ALIASES.get(key)


def unit_scale(units: str) -> float:
    """Size in g of one unit named ``units`` (``g``, ``mg``, ``m/s^2`` and spellings; raw
    counts ``1/Ng``, N to a g).

    >>> [unit_scale(u) for u in ("mg", "1/64g", "1/16384 g")]
    [0.001, 0.015625, 6.103515625e-05]
    """
    key = unit_name(units)
    if key is None:
        raise FormatError(f"unknown acceleration units {units!r}; expected g, mg, m/s^2, or raw "
                          "counts as 1/Ng (N to a g: 1/16384g)")
    counts = _PER_G.match(key)
    return 1.0 / float(counts.group(1)) if counts else UNITS[key]


#: A fixed offset as :func:`sensing.timezones.zone_name` writes it (a GENEActiv header's zone).
_OFFSET_ZONE = re.compile(r"^UTC([+-]\d\d:\d\d)$")


def arrow_zone(tz: str) -> str:
    """``tz`` as pyarrow names it: ``UTC+01:00`` (a file's fixed offset) is ``+01:00``."""
    m = _OFFSET_ZONE.match(tz)
    return m.group(1) if m else tz


def check_zone(tz: str) -> None:
    """Refuse a time zone that is not an IANA name (``Europe/London``) or a fixed offset
    as a file states it (``UTC+01:00``)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if isinstance(tz, str) and _OFFSET_ZONE.match(tz):
        return
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        from sensing.timezones import unknown_zone

        raise FormatError(unknown_zone(tz)) from None


def text_encoding(head: bytes) -> str | None:
    """``"utf-16"`` or ``"utf-32"`` (with byte order if there is no BOM) when the start of a
    file is text in one of them; None for anything else (UTF-8 text, binary)."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:1024]
    text = set(range(32, 127)) | {9, 10, 13}
    for order, chars, zeros in (("utf-16-le", sample[0::2], sample[1::2]),
                                ("utf-16-be", sample[1::2], sample[0::2])):
        if len(sample) >= 16 and not any(zeros) and set(chars) <= text:
            return order
    return None


def transcode(path: Path, encoding: str, target: Path) -> Path:
    """Write the text of ``path`` (in ``encoding``, maybe gzip) to ``target`` as UTF-8."""
    import codecs
    import shutil

    with open_binary(path) as src, open(target, "w", encoding="utf-8", newline="") as dst:
        try:
            shutil.copyfileobj(codecs.getreader(encoding)(src, "replace"), dst, 1 << 20)
        except GZIP_ERRORS:
            pass  # a cut compressed stream: what came before the cut
    return target


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


def uncompressed_size(path: Path) -> int:
    """Size of a file's content in bytes: its size, or for gzip the size the trailer
    states (modulo 4 GiB; six times the compressed size where that is less)."""
    size = path.stat().st_size
    if not is_gzip(path):
        return size
    with open(path, "rb") as f:
        f.seek(max(size - 4, 0))
        stated = int.from_bytes(f.read(4), "little")
    return stated if stated >= size else size * 6


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


@contextlib.contextmanager
def whole_file(path: Path) -> Iterator[tuple[bytes | mmap.mmap, bool]]:
    """The content of a file and whether it was cut short: memory-mapped for a plain file
    (no copy in memory), decompressed for gzip (:func:`read_all_bytes`)."""
    if is_gzip(path) or path.stat().st_size == 0:
        yield read_all_bytes(path)
        return
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            yield mapped, False
        finally:
            with contextlib.suppress(BufferError):  # views held by an error's traceback:
                mapped.close()  # unmapped when they are collected


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


def localize(naive_ns: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local wall-clock times (int64 ns, ``INT64_MIN`` = missing) in zone ``tz`` as UTC ns.

    Times in the hour a DST change repeats are ambiguous: in a run of such times, those
    before the wall clock goes back (by more than 10 min) are the first pass, those
    after it the second; a run in which it does not go back is the second pass when it
    runs on into the times after the hour and no earlier time leads into it (a recording
    begun after the clocks went back: read as the first pass, it would sit an hour early
    and end in an hour-long gap), else the first. Times in the hour the clocks skip
    (going forward) were written by a clock not yet moved: read at the offset before the
    change (collapsed onto one instant, their order would be lost). Returns the UTC
    times (int64 ns), which of them were placed in the second pass and which were in a
    skipped hour (bool arrays, all False when none).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    nat = np.iinfo(np.int64).min
    missing = naive_ns == nat
    tz = arrow_zone(tz)

    def at(ns: np.ndarray, ambiguous: str, nonexistent: str = "earliest") -> np.ndarray:
        arr = pa.array(ns, pa.timestamp("ns"), mask=ns == nat)
        return (pc.assume_timezone(arr, tz, ambiguous=ambiguous, nonexistent=nonexistent)
                .cast(pa.int64()).fill_null(nat).to_numpy())

    try:
        first = second = at(naive_ns, "raise")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        if "ambiguous" not in str(exc).lower():
            raise FormatError(f"time zone {tz!r}: {exc}") from None
        first, second = at(naive_ns, "earliest"), at(naive_ns, "latest")
    skipped = first % 10**9 == 10**9 - 1  # candidates: a skipped time is put 1 ns before the change
    if skipped.any():
        skipped[skipped] = first[skipped] != at(naive_ns[skipped], "earliest", "latest")
    if skipped.any():  # the offset a day before: the one before the change
        day_before = naive_ns[skipped] - 86_400 * 10**9
        first, second = first.copy(), second.copy()
        first[skipped] = second[skipped] = naive_ns[skipped] - (day_before - at(day_before, "earliest"))
    ambiguous = first != second
    if not ambiguous.any():
        return first, ambiguous, skipped
    # within each run of ambiguous times, those after the clock went back are the second pass
    went_back = np.r_[False, np.diff(naive_ns) < -DST_STEP_NS] & ambiguous
    run_start = np.r_[True, ~ambiguous[:-1]] & ambiguous
    back_so_far = np.cumsum(went_back)
    at_run_start = np.maximum.accumulate(np.where(run_start, back_so_far - went_back, 0))
    take_second = ambiguous & (back_so_far > at_run_start)
    starts = np.flatnonzero(run_start)
    ends = np.flatnonzero(ambiguous & np.r_[~ambiguous[1:], True])
    led_in = (starts > 0) & ~missing[np.maximum(starts - 1, 0)]
    runs_on = (ends < len(naive_ns) - 1) & ~missing[np.minimum(ends + 1, len(naive_ns) - 1)]
    later = (np.add.reduceat(went_back, starts) == 0) & runs_on & ~led_in  # begun in the second pass
    take_second |= ambiguous & later[np.cumsum(run_start) - 1]
    return np.where(take_second, second, first), take_second, skipped


def location_from_text(text: str) -> str | None:
    """A hypnic location from a device's free-text body location (``left wrist``, ``R ankle``)."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    side = "left" if words & {"left", "l", "lt"} else "right" if words & {"right", "r", "rt"} else None
    for part, names in (("wrist", {"wrist"}), ("ankle", {"ankle"}), ("thigh", {"thigh"}),
                        ("upper-arm", {"arm", "upperarm"})):
        if words & names and side:
            return f"{part}-{side}"
    if words & {"trunk", "chest", "waist", "hip", "back", "torso"}:
        return "trunk"
    return None
