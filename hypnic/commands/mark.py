"""``hypnic mark``: "I felt one" markers added to a recording (now, at a time, or a CSV)."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def mark(
    recording: Path = typer.Argument(..., help="The recording (.sqlite), also while it records."),
    at: list[str] = typer.Option([], "--at", help="Time of the mark (default now): ISO-8601, "
                                 "your local time unless it has a zone; repeat for several."),
    csv: Path = typer.Option(None, "--csv", help="A CSV of times (a 'time' column or one per "
                             "line), e.g. logged by a phone app."),
    tz: str = typer.Option(None, "--tz", help="Zone of times without one (IANA name); "
                           "default: this machine's."),
    note: str = typer.Option("", "--note", help="A note kept with the mark(s)."),
) -> None:
    """Mark a jerk you felt. The report compares your marks with what hypnic detected."""
    import time

    from hypnic.workflows.night import read_times, times_ns
    from sensing.store import mark as add_marks
    from sensing.timezones import zone

    texts = list(at) + (read_times(csv) if csv else [])
    times = times_ns(texts, zone(tz), "mark") if texts else [time.time_ns()]
    n = add_marks(recording, times, "file", note)
    typer.echo(f"{n} mark(s) added to {recording}")
