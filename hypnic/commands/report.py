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
    since: str = typer.Option(None, "--since", metavar="NIGHT",
                              help="Report only the nights from this one on, YYYY-MM-DD (the "
                                   "nights since a new medication; a month before a doctor's visit)."),
    until: str = typer.Option(None, "--until", metavar="NIGHT",
                              help="Report only the nights up to this one, YYYY-MM-DD."),
) -> None:
    """Write OUT/index.html: counts, timing, factor effects, and when to see a doctor.

    The page works offline and on a phone as on a desktop.
    """
    from analysis.diary import connect, parse_field
    from analysis.report import ReportConfig, build_report
    from hypnic.commands._db import existing_db
    from hypnic.commands._progress import bars
    from sensing.timezones import zone

    if tz:
        zone(tz)  # an unknown zone is an error before any work
    first, last = (parse_field("night", d) if d else None for d in (since, until))
    with connect(existing_db(db)) as con, bars() as progress:
        progress.add_task("fitting effects and writing the report", total=None)
        path, effects, reasons = build_report(con, out, ReportConfig(tz=tz, since=first, until=last))
    typer.echo(effects.message)
    if (since or until) and not effects.enough:
        typer.echo("(Only the nights asked for are in this report: a wider --since or --until may hold enough.)")
    if reasons:
        typer.echo("The report has a 'when to see a doctor' section: please read it.")
    typer.echo(f"report: {path}")
