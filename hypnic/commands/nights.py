"""``hypnic nights``: process recorded nights and list them with their diary entries."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


def zone(name: str | None):
    """The sleeper's time zone: an IANA name, or the machine's local zone when None."""
    import datetime as dt
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from analysis.diary import DiaryError

    if not name:
        return dt.datetime.now().astimezone().tzinfo
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DiaryError(f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)") from None


@app.command()
def nights(
    add: list[Path] = typer.Option(None, "--add", help="Recording file(s) of ONE night (one per sensor) "
                                   "to detect jerks in and store; repeat for several sensors."),
    tz: str = typer.Option(None, "--tz", help="Your time zone (IANA name), to name nights; default: this machine's."),
    db: Path = typer.Option(None, "--db", help="Database file (default: in your user data folder)."),
) -> None:
    """List recorded nights with their jerk counts and diary entries.

    A night is named by the date its evening started in your local time (a recording
    starting before noon belongs to the previous evening).
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from analysis.diary import connect
    from analysis.nights import nights_table

    tzinfo = zone(tz)
    if add:
        from hypnic.workflows.night import add_night

        night = add_night(add, db, tzinfo)
        typer.echo(f"night {night.night}: {night.summary['n_jerks']} jerks stored")
    with connect(db) as con:
        t = nights_table(con)
    table = Table(title=f"Nights ({int(t['n_jerks'].notna().sum())} recorded, "
                  f"{int(t['stress'].notna().sum() if len(t) else 0)} with a diary stress rating)",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    cols = {"n_jerks": ("jerks", "{:.0f}"), "rate_per_h_sleep": ("/h", "{:.2f}"),
            "n_onset_30min": ("onset", "{:.0f}"), "sleep_onset_latency_min": ("lat", "{:.0f}"),
            "hours_asleep": ("asleep", "{:.1f}"), "n_awakenings": ("wakes", "{:.0f}"),
            "hours_slept": ("slept", "{:.1f}"), "stress": ("str", "{:.0f}"),
            "bothersome": ("both", "{:.0f}"), "recordings": ("files", "{}")}
    table.add_column("night", no_wrap=True)
    for name, _ in cols.values():
        table.add_column(name, overflow="fold", no_wrap=name != "files")
    for night, row in t.iterrows():
        cells = ["" if row[c] is None or (isinstance(row[c], float) and row[c] != row[c])
                 else f.format(row[c]) for c, (_, f) in cols.items()]
        table.add_row(str(night), *map(Text, cells))
    Console().print(table)
    typer.echo("/h: jerks per hour asleep; onset: jerks within 15 min of sleep onset; lat: "
               "minutes to fall asleep; asleep, slept (diary): hours; wakes: awakenings; "
               "str: stress 0-10; both: bothersome 0-10")
