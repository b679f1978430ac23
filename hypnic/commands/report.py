"""``hypnic report``: the static HTML report of recorded nights and the diary."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def report(
    out: Path = typer.Option(Path("hypnic-report"), "--out", "-o", help="Output folder for index.html."),
    db: Path = typer.Option(None, "--db", help="Database file (default: in your user data folder)."),
    tz: str = typer.Option(None, "--tz", metavar="ZONE",
                           help="Show every time in this time zone (IANA name). Default: each night "
                                "in the zone it was recorded in."),
) -> None:
    """Write OUT/index.html: counts, timing, factor effects, and when to see a doctor.

    The page works offline and on a phone as on a desktop.
    """
    from analysis.diary import connect
    from analysis.report import ReportConfig, build_report
    from hypnic.commands._db import existing_db
    from hypnic.commands._progress import bars
    from sensing.timezones import zone

    if tz:
        zone(tz)  # an unknown zone is an error before any work
    with connect(existing_db(db)) as con, bars() as progress:
        progress.add_task("fitting effects and writing the report", total=None)
        path, effects, reasons = build_report(con, out, ReportConfig(tz=tz))
    typer.echo(effects.message)
    if reasons:
        typer.echo("The report has a 'when to see a doctor' section: please read it.")
    typer.echo(f"report: {path}")
