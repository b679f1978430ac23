"""``hypnic nights``: process recorded nights and list them with their diary entries."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app
from hypnic.commands._worn import worn_from_option, worn_until_option


@app.command()
def nights(
    add: list[Path] = typer.Option(None, "--add", metavar="FILE",
                                   help="Recording file(s) worn together, one per sensor (repeat "
                                        "for several sensors), to detect jerks in and store; a "
                                        "recording of several nights (a week) is cut into nights."),
    location: list[str] | None = typer.Option(
        None, "--location", "-l",
        help="With --add: where each file's sensor was worn, in order (repeat the option; "
             "overrides the file's own)."),
    worn_from: str | None = worn_from_option("With --add: "),
    worn_until: str | None = worn_until_option("With --add: "),
    tz: str = typer.Option(None, "--tz", metavar="ZONE",
                           help="Your time zone (IANA name): names nights and shows times; with "
                                "--add, file times written without a zone are local to it. "
                                "Default: the zone the files state, else this machine's (for both)."),
    delete: list[str] = typer.Option(None, "--delete", metavar="NIGHT",
                                     help="Remove a recorded night, YYYY-MM-DD (repeat for several): "
                                          "its count, events and sleep; its diary entry is kept."),
    csv: Path = typer.Option(None, "--csv", metavar="FILE",
                             help="Write every night's figures and diary entry to FILE as CSV "
                                  "instead of the list ('-' for the terminal); times in each "
                                  "night's zone."),
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

    from analysis.diary import connect, get_entry, parse_field
    from analysis.effects import plural
    from analysis.nights import (
        delete_night,
        night_zones,
        nights_csv,
        nights_table,
        no_sleep_found,
        sleep_counts_shown,
    )
    from hypnic.commands._db import existing_db
    from sensing.errors import HypnicError
    from sensing.private import write_private
    from sensing.timezones import clock, zone, zone_name

    if tz:
        zone(tz)  # an unknown zone is an error before any work
    if location and not add:
        raise HypnicError("--location goes with --add (where each added file was worn)")
    if (worn_from or worn_until) and not add:
        raise HypnicError("--worn-from and --worn-until go with --add (when the added "
                          "recording's sensors were worn)")
    if delete and add:
        raise HypnicError("--delete and --add go in separate runs (adding a night again replaces it)")
    if delete:
        said = []  # all or none: said once the transaction is through
        with connect(existing_db(db)) as con:
            for text in delete:
                night = parse_field("night", text)
                in_diary = get_entry(con, night) is not None
                n = delete_night(con, night).get("n_jerks")
                said.append(f"deleted recorded night {night} ("
                            + (plural(int(n), "jerk") if n is not None and n == n else "no sleep found") + ")"
                            + (f"; its diary entry is kept (hypnic diary delete {night} removes it)"
                               if in_diary else ""))
        typer.echo("\n".join(said))
    if add:
        from hypnic.commands._progress import Reading, bars
        from hypnic.workflows.night import add_night, check_worn, rest_at_start

        check_worn(worn_from, worn_until)

        with bars() as progress:
            added = add_night(add, db, tz, location,
                              progress=Reading(progress, add, "finding jerks and sleep"),
                              worn=(worn_from, worn_until))
        for night in added:
            typer.echo(f"night {night.night} ({night.tz}): "
                       + (f"{plural(int(night.summary['n_jerks']), 'jerk')} stored" if night.sleep.onset is not None
                          else "no sleep found (awake throughout, or too short): stored, but no "
                               f"night's count ('hypnic nights --delete {night.night}' removes it)"))
            if hint := rest_at_start(night, worn_from):
                typer.echo(f"  {hint}")
    with connect(db if add else existing_db(db)) as con:
        t = nights_table(con)
    if not len(t):
        typer.echo("No nights yet: add a night's recording with hypnic nights --add FILE "
                   "(or try hypnic demo).")
        return
    zones = night_zones(t, tz)
    if csv is not None:
        text = nights_csv(sleep_counts_shown(t), zones)
        if str(csv) == "-":
            typer.echo(text, nl=False)
        else:
            write_private(csv, text)
            typer.echo(f"exported {plural(len(t), 'night')} to {csv}")
        return
    names = sorted({zone_name(z) for n, z in zones.items() if t.at[n, "n_jerks"] == t.at[n, "n_jerks"]})
    title = (f"Nights ({int(t['n_jerks'].notna().sum())} recorded, "
             f"{int(t['stress'].notna().sum() if len(t) else 0)} with a diary stress rating)"
             + (f"; times in {', '.join(names)}" if names else ""))
    table = Table(title=title, min_width=len(title),  # the title on one line where it fits
                  box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))
    cols = {"n_jerks": ("jerks", "{:.0f}"), "rate_per_h_sleep": ("/h", "{:.2f}"),
            "n_onset_30min": ("onset", "{:.0f}"), "sleep_onset_latency_min": ("lat", "{:.0f}"),
            "hours_asleep": ("asleep", "{:.1f}"), "n_awakenings": ("wakes", "{:.0f}"),
            "hours_slept": ("slept", "{:.1f}"), "stress": ("str", "{:.0f}"),
            "bothersome": ("both", "{:.0f}")}
    # hours a sensor lay still unwritten (idle sleep mode) or off the body, where any night has them
    shown = {c: w for c, w in (("hours_still", ("idle", "{:.1f}")), ("hours_off", ("off", "{:.1f}")))
             if c in t and (t[c].fillna(0) > 0).any()}
    if "plm_per_h_sleep" in t and t["plm_per_h_sleep"].notna().any():  # a leg sensor worn
        shown["plm_per_h_sleep"] = ("plm/h", "{:.0f}")
    cols |= shown
    sleepless = no_sleep_found(t)

    def at(night, onset) -> str:  # the time of falling asleep, with its zone's name when they differ
        shown = clock(onset, zones[night])
        return f"{shown} {onset.astimezone(zones[night]).tzname()}" if shown and len(names) > 1 else shown

    rows = [[str(night), at(night, row["onset"]),
             *("no sleep" if c == "n_jerks" and sleepless[night]
               else "" if row[c] is None or (isinstance(row[c], float) and row[c] != row[c])
               else f.format(row[c]) for c, (_, f) in cols.items())]
            for night, row in sleep_counts_shown(t).iterrows()]
    for name in ["night", "at", *(name for name, _ in cols.values())]:
        table.add_column(name, no_wrap=True, justify="left" if name in ("night", "at") else "right")
    for r in rows:
        table.add_row(*map(Text, r))
    Console().print(table)
    typer.echo("at: time of falling asleep" + (" (in the night's own zone)" if len(names) > 1 else "")
               + "; /h: jerks per hour asleep; onset: jerks within "
               "15 min of sleep onset; lat: minutes to fall asleep; asleep, slept (diary): hours; "
               "wakes: awakenings; str: stress 0-10; both: bothersome 0-10"
               + ("; no sleep: a recording in which no sleep was found (no night's count)"
                  if sleepless.any() else "")
               + ("; idle: hours a sensor lay still in idle sleep mode, writing nothing"
                  if "hours_still" in shown else "")
               + ("; off: hours no sensor was worn" if "hours_off" in shown else "")
               + ("; plm/h: periodic leg movements per hour asleep (with a leg sensor)"
                  if "plm_per_h_sleep" in shown else ""))
