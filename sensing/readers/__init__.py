"""One entry point for every recorded file: :func:`read`."""

from __future__ import annotations

from pathlib import Path

from sensing.errors import FormatError
from sensing.recording import Recording


def read(path: str | Path, format: str = "auto", tz: str | None = None,
         location: str | None = None) -> list[Recording]:
    """Read a recorded file into one Recording per sensor it holds.

    Parameters
    ----------
    path : str or Path
    format : str
        ``"auto"`` detects the layout; or one of ``"generic-csv"``, ``"parquet"``.
    tz : str, optional
        IANA zone of times written without a zone (default UTC).
    location : str, optional
        Where the sensor was worn, overriding what the file says.

    Raises
    ------
    FormatError
        If the layout is unknown, naming the formats tried.
    """
    from sensing import generic

    path = Path(path)
    if not path.exists():
        raise FormatError(f"no such file: {path}")
    name = path.name.lower()
    if format == "parquet" or (format == "auto" and name.endswith(".parquet")):
        return [generic.read_parquet(path, location=location)]
    if format in ("generic-csv", "auto"):
        return [generic.read_csv(path, tz=tz, location=location)]
    raise FormatError(f"{path.name}: unknown format {format!r}; supported: auto, generic-csv, parquet")
