"""``hypnic convert``: any supported recording file to hypnic's generic CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def convert(
    source: Path = typer.Argument(..., help="Recorded file (CSV, device export, .bin, .cwa, .parquet, .gz)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .csv, .csv.gz or .parquet."),
    fmt: str = typer.Option("auto", "--format", "-f", help="Input layout (default: detected); "
                            "see docs/file-formats.md."),
    tz: str | None = typer.Option(None, "--tz", help="IANA zone of times written without a zone (default UTC)."),
    location: str | None = typer.Option(None, "--location", help="Where the sensor was worn (wrist-left, ...)."),
    units: str | None = typer.Option(None, "--units", help="Acceleration units if the file does not say: g, mg, m/s^2."),
    start: str | None = typer.Option(None, "--start", help="Start time (ISO-8601) for times in seconds since the start."),
    fs: float | None = typer.Option(None, "--fs", help="Nominal sampling rate, Hz (default: from the file)."),
) -> None:
    """Read SOURCE (layout detected from its content) and write it as OUT.

    A file split by a clock jump or a rate change gives one output per part
    (OUT-1.csv, OUT-2.csv, ...). Problems with the times are listed as warnings.
    """
    import warnings

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from sensing import generic
    from sensing.errors import HypnicError
    from sensing.readers import read

    name = out.name.lower()
    if not name.endswith((".csv", ".csv.gz", ".parquet")):
        raise HypnicError(f"--out must end in .csv, .csv.gz or .parquet, got {out.name!r}")
    options = {k: v for k, v in dict(units=units, start=start, fs=fs).items() if v is not None}
    with Progress(TextColumn("reading {task.description}"), BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), transient=True) as progress:
        task = progress.add_task(source.name, total=source.stat().st_size if source.is_file() else None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            recs = read(source, format=fmt, tz=tz, location=location,
                        progress=lambda done, total: progress.update(task, completed=done, total=total),
                        **options)
    for w in caught:
        typer.echo(f"hypnic: warning: {w.message}", err=True)
    suffix = ".csv.gz" if name.endswith(".csv.gz") else out.suffix
    stem = out.name[: -len(suffix)]
    for k, rec in enumerate(recs, start=1):
        target = out if len(recs) == 1 else out.with_name(f"{stem}-{k}{suffix}")
        if suffix == ".parquet":
            generic.write_parquet(rec, target)
        else:
            generic.write_csv(rec, target)
        issues = ", ".join(sorted({i["kind"] for i in rec.meta.get("time_issues", [])})) or "none"
        typer.echo(f"wrote {target}: {len(rec)} samples, {rec.fs:g} Hz, {rec.duration_s / 3600:.2f} h, "
                   f"{len(rec.gaps)} gap(s); from {rec.meta.get('format', fmt)}; time issues: {issues}")
