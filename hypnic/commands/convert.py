"""``hypnic convert``: any supported recording file to hypnic's generic CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app
from sensing.body import LOCATIONS

_WORN = ", ".join(LOCATIONS)


@app.command()
def convert(
    source: Path = typer.Argument(..., help="Recorded file (CSV, device export, .bin, .cwa, .parquet, .gz)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .csv, .csv.gz or .parquet."),
    fmt: str = typer.Option("auto", "--format", "-f", help="Input layout (default: detected); "
                            "see docs/file-formats.md."),
    tz: str | None = typer.Option(None, "--tz", metavar="ZONE",
                                  help="IANA zone of times the file writes without a zone (default: the zone the file "
                                       "states, else this machine's); kept with the output."),
    location: str | None = typer.Option(None, "--location", help=f"Where the sensor was worn: {_WORN}."),
    units: str | None = typer.Option(None, "--units", help="Acceleration units if the file does not say: g, mg, m/s^2, or raw counts as 1/Ng (N to a g, e.g. 1/16384g)."),
    start: str | None = typer.Option(None, "--start", help="Start time (ISO-8601) for times in seconds since the start."),
    fs: float | None = typer.Option(None, "--fs", help="Nominal sampling rate, Hz (default: from the file)."),
) -> None:
    """Read SOURCE (layout detected from its content) and write it as OUT.

    A file split by a clock jump or a rate change gives one output per part
    (OUT-1.csv, OUT-2.csv, ...). Problems with the times are listed as warnings.
    """
    import warnings

    from analysis.effects import plural
    from hypnic.commands._progress import Reading, bars
    from sensing import generic
    from sensing.errors import HypnicError
    from sensing.readers import IdleSleepWarning, read
    from sensing.timezones import local_zone_key, zone

    name = out.name.lower()
    if not name.endswith((".csv", ".csv.gz", ".parquet")):
        raise HypnicError(f"--out must end in .csv, .csv.gz or .parquet, got {out.name!r}")
    if tz:
        zone(tz)  # an unknown zone is an error before any work
    _refuse_taken([out])
    options = {k: v for k, v in dict(units=units, start=start, fs=fs).items() if v is not None}
    suffix = ".csv.gz" if name.endswith(".csv.gz") else out.suffix
    stem = out.name[: -len(suffix)]
    with bars() as progress, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        step = Reading(progress, [source], f"writing {out.name}")
        recs = read(source, format=fmt, tz=tz, location=location, local_tz=None if tz else local_zone_key(),
                    progress=lambda done, total: step(0, done, total), **options)
        step(0, source.stat().st_size, source.stat().st_size)
        targets = [out if len(recs) == 1 else out.with_name(f"{stem}-{k}{suffix}")
                   for k in range(1, len(recs) + 1)]
        _refuse_taken(targets)
        for rec, target in zip(recs, targets, strict=True):
            if tz:
                rec.meta["tz"] = tz  # the sleeper's zone, kept for showing times
            if suffix == ".parquet":
                generic.write_parquet(rec, target)
            else:
                generic.write_csv(rec, target)
                if len(rec.still_spans):
                    warnings.warn(f"{target.name} cannot keep the {plural(len(rec.still_spans), 'spell')} "
                                  "the device lay still in idle sleep mode: read back, its sleep is "
                                  "found from the samples alone, often not at all; write .parquet "
                                  "to keep them", IdleSleepWarning, stacklevel=1)
    for w in caught:  # after the progress display is gone
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    for rec, target in zip(recs, targets, strict=True):
        issues = ", ".join(sorted({i["kind"] for i in rec.meta.get("time_issues", [])})) or "none"
        typer.echo(f"wrote {target}: {len(rec)} samples, {rec.fs:g} Hz, {rec.duration_s / 3600:.2f} h, "
                   f"{plural(len(rec.gaps), 'gap')}; from {rec.meta.get('format', fmt)}; time issues: {issues}")


def _refuse_taken(targets: list[Path]) -> None:
    """Refuse to write over a file (a second run with the same --out)."""
    from sensing.errors import HypnicError

    taken = [t for t in targets if t.exists()]
    if taken:
        raise HypnicError(f"{taken[0]} already exists; choose another --out (conversions never "
                          "overwrite a file)")
