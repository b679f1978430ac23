"""``hypnic report``: the static HTML report of recorded nights and the diary."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def report(
    out: Path = typer.Option(Path("hypnic-report"), "--out", "-o", help="Output folder for index.html."),
    db: Path = typer.Option(None, "--db", help="Database file (default: in your user data folder)."),
) -> None:
    """Write OUT/index.html: counts, timing, factor effects, and when to see a doctor."""
    from analysis.diary import connect
    from analysis.report import build_report

    with connect(db) as con:
        path, effects, reasons = build_report(con, out)
    typer.echo(effects.message)
    if reasons:
        typer.echo("The report has a 'when to see a doctor' section: please read it.")
    typer.echo(f"report: {path}")
