"""What a file no reader takes looks like, and what to do: one short sentence.

:func:`describe` names common files that are not recordings (documents, images,
spreadsheets, other archives, other devices' formats) from their first bytes, so that
the error a user sees says what they gave and what would work instead.
"""

from __future__ import annotations

from sensing.readers._common import Probe

#: Limit of an error message, characters (the CLI adds ``hypnic: error: ``).
MESSAGE_CHARS = 180

#: (first bytes, what the file is and what to do), tried in order.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document, not a recording"),
    (b"\x89PNG", "a PNG image, not a recording"),
    (b"\xff\xd8\xff", "a JPEG image, not a recording"),
    (b"GIF8", "a GIF image, not a recording"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (e.g. .xls); save the sheet as CSV"),
    (b"\x89HDF", "an HDF5 file; export the samples as CSV with time,x,y,z columns"),
    (b"\x93NUMPY", "a NumPy .npy array; save it as CSV with time,x,y,z columns"),
    (b"MATLAB", "a MATLAB .mat file; save the samples as CSV with time,x,y,z columns"),
    (b"BZh", "a bzip2 archive; unpack it first (hypnic unpacks .gz and .zip itself)"),
    (b"\xfd7zXZ\x00", "an xz archive; unpack it first (hypnic unpacks .gz and .zip itself)"),
    (b"7z\xbc\xaf", "a 7-Zip archive; unpack it first (hypnic unpacks .gz and .zip itself)"),
    (b"0       ", "an EDF file (polysomnography signals), not an accelerometer recording"),
    (b"GENEA/", "an original GENEA .bin (before GENEActiv), which hypnic does not read"),
    (b"{", "JSON text; hypnic reads CSV, device files and Parquet"),
    (b"<", "HTML or XML text; hypnic reads CSV, device files and Parquet"),
)


def clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters (cut with ``...``)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def describe(probe: Probe, text_reason: str | None = None) -> str:
    """What the file looks like and what to do, for a file no layout reads.

    Parameters
    ----------
    probe : Probe
        The start of the file.
    text_reason : str, optional
        Why a text file is not a generic CSV (from its sniffer), used for text files.
    """
    head = probe.head
    if not head:
        return "the file is empty"
    if not head.strip():
        return "the file holds only blank space"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "a WAV file (e.g. an OMGUI export); read the device's own file (.cwa) instead"
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    if b"MDTCPACK" in head[:8192]:
        return "a Parmay Matrix .BIN, which hypnic does not read; export the samples as CSV"
    start = head[:1024]
    if b"\x00" in start or sum(b < 9 or 13 < b < 32 for b in start) > len(start) // 20:
        zeros = len(start) - len(start.lstrip(b"\x00"))
        lead = f"{zeros} zero bytes" if zeros >= 16 else " ".join(f"{b:02x}" for b in head[:8])
        return f"binary data of an unknown kind (starts with {lead}); see docs/file-formats.md for the formats read"
    reason = clip(text_reason or "no layout fits", 110)
    if not reason.startswith(("header", "named")):  # else what the text starts with says why
        first = next((ln.strip() for ln in probe.lines if ln.strip()), "")
        reason = f"text starting {clip(first, 30)!r}: {reason}"
    return f"{reason} (formats: docs/file-formats.md)"
