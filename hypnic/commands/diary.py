"""``hypnic diary add|list|edit|delete|import|export``: the sleeper's nightly diary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hypnic.app import Typer, app

if TYPE_CHECKING:
    from analysis.diary import DiaryEntry

diary_app = Typer(help="Log and review the nightly diary (stress, sleep, caffeine, "
                        "medications, ...). Stored privately in your data folder unless --db.",
                        no_args_is_help=True)
app.add_typer(diary_app, name="diary")

DB = typer.Option(None, "--db", help="Diary database file (default: in your user data folder).")
NIGHT = typer.Argument(None, help="Night, YYYY-MM-DD: the date the evening started "
                       "(default: the night that just ended, or tonight after noon).")
SLEPT = typer.Option(None, "--slept", help="Hours slept, 0-24.")
BEDTIME = typer.Option(None, "--bedtime", help="Local time you went to bed, HH:MM.")
WAKE = typer.Option(None, "--wake", help="Local time you got up, HH:MM.")
STRESS = typer.Option(None, "--stress", help="Stress during the day, 0-10.")
TIRED = typer.Option(None, "--tiredness", help="Tiredness at bedtime, 0-10.")
CAFF = typer.Option(None, "--caffeine", help="Caffeinated drinks that day, 0-30.")
CAFF_LAST = typer.Option(None, "--caffeine-last", help="Local time of the last one, HH:MM.")
ALCOHOL = typer.Option(None, "--alcohol", help="Alcoholic drinks that day, 0-30.")
EXERCISE = typer.Option(None, "--exercise", help="Hours of exercise that day, 0-24.")
MED = typer.Option(None, "--med", help="A medication taken (repeat for several).")
AD = typer.Option(None, "--antidepressant/--no-antidepressant",
                  help="Taking an antidepressant (set automatically for known SSRIs/SNRIs/tricyclics).")
BOTHER = typer.Option(None, "--bothersome", help="How much the jerks bothered you, 0-10.")
LOC = typer.Option(None, "--lost-consciousness/--no-lost-consciousness",
                   help="You noticed a loss of consciousness.")
DAY = typer.Option(None, "--daytime-jerks/--no-daytime-jerks", help="You noticed jerks during the day.")
FELT = typer.Option(None, "--felt", help="Jerks you felt last night: none, 'a few', many or a count.")
WOKE = typer.Option(None, "--woke/--not-woken", help="A jerk woke you up last night.")
NOTES = typer.Option(None, "--notes", help="Free notes.")


def _night(text: str | None):
    import datetime as dt

    from analysis.diary import night_of, parse_field

    return parse_field("night", text) if text else night_of(dt.datetime.now(dt.timezone.utc))


def _changes(**kw) -> dict:
    """CLI values that were given, as DiaryEntry fields."""
    from analysis.diary import parse_field

    out = {k: v for k, v in kw.items() if v is not None and k != "medications"}
    if kw.get("medications"):
        out["medications"] = parse_field("medications", ";".join(kw["medications"]))
    return out


def _suggest(entry: DiaryEntry, explicit: bool | None) -> DiaryEntry:
    """Set the antidepressant flag from known medication names unless given; say so."""
    from dataclasses import replace

    from analysis.diary import classify_medication

    known = [(m, classify_medication(m)) for m in entry.medications if classify_medication(m)]
    if known and explicit is None and not entry.antidepressant:
        names = ", ".join(f"{m} ({c})" for m, c in known)
        typer.echo(f"note: {names} is an antidepressant; antidepressant flag set "
                   "(use --no-antidepressant to clear it)")
        return replace(entry, antidepressant=True)
    return entry


@diary_app.command("add")
def add(night: str = NIGHT, slept: float = SLEPT, bedtime: str = BEDTIME, wake: str = WAKE,
        stress: int = STRESS, tiredness: int = TIRED, caffeine: int = CAFF,
        caffeine_last: str = CAFF_LAST, alcohol: int = ALCOHOL, exercise: float = EXERCISE,
        med: list[str] = MED, antidepressant: bool = AD, bothersome: int = BOTHER,
        lost_consciousness: bool = LOC, daytime_jerks: bool = DAY, felt: str = FELT,
        woke: bool = WOKE, notes: str = NOTES, db: Path = DB) -> None:
    """Add the diary entry of one night."""
    from analysis.diary import DiaryEntry, DiaryError, add_entries, connect, get_entry

    fields = _changes(hours_slept=slept, bedtime=bedtime, wake_time=wake, stress=stress,
                      tiredness=tiredness, caffeine_drinks=caffeine, caffeine_last=caffeine_last,
                      alcohol_drinks=alcohol, exercise_h=exercise, medications=med,
                      antidepressant=antidepressant, bothersome=bothersome,
                      lost_consciousness=lost_consciousness, daytime_jerks=daytime_jerks,
                      felt_jerks=felt and felt.strip().lower(), woke_by_jerk=woke, notes=notes)
    entry = _suggest(DiaryEntry(night=_night(night), **fields), antidepressant)
    with connect(db) as con:
        if get_entry(con, entry.night) is not None:
            raise DiaryError(f"night {entry.night} is already in the diary: change it with 'hypnic diary "
                             f"edit {entry.night} --stress 3 ...', or remove it with 'hypnic diary delete "
                             f"{entry.night}'")
        add_entries(con, [entry])
    typer.echo(f"added night {entry.night}")


@diary_app.command("edit")
def edit(night: str = typer.Argument(..., help="Night to change, YYYY-MM-DD."),
         slept: float = SLEPT, bedtime: str = BEDTIME, wake: str = WAKE,
         stress: int = STRESS, tiredness: int = TIRED, caffeine: int = CAFF,
         caffeine_last: str = CAFF_LAST, alcohol: int = ALCOHOL, exercise: float = EXERCISE,
         med: list[str] = MED, antidepressant: bool = AD, bothersome: int = BOTHER,
         lost_consciousness: bool = LOC, daytime_jerks: bool = DAY, felt: str = FELT,
         woke: bool = WOKE, notes: str = NOTES, db: Path = DB) -> None:
    """Change some fields of an existing night (only the options given)."""
    from analysis.diary import DiaryError, add_entries, connect, edit_entry

    changes = _changes(hours_slept=slept, bedtime=bedtime, wake_time=wake, stress=stress,
                       tiredness=tiredness, caffeine_drinks=caffeine, caffeine_last=caffeine_last,
                       alcohol_drinks=alcohol, exercise_h=exercise, medications=med,
                       antidepressant=antidepressant, bothersome=bothersome,
                       lost_consciousness=lost_consciousness, daytime_jerks=daytime_jerks,
                      felt_jerks=felt and felt.strip().lower(), woke_by_jerk=woke, notes=notes)
    if not changes:
        raise DiaryError("nothing to change: give at least one option (see 'hypnic diary edit --help')")
    with connect(db) as con:
        entry = edit_entry(con, _night(night), **changes)
        fixed = _suggest(entry, antidepressant)
        if fixed is not entry:
            add_entries(con, [fixed], replace_existing=True)
    typer.echo(f"changed night {entry.night}: {', '.join(changes)}")


@diary_app.command("list")
def list_(last: int = typer.Option(0, "--last", min=0, help="Only the last N nights (0: all)."),
          db: Path = DB) -> None:
    """Show the diary as a table ('hypnic diary export -' shows every field)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from analysis.diary import connect, entry_to_row, list_entries

    with connect(db) as con:
        entries = list_entries(con)
    entries = entries[-last:] if last else entries
    cols = {"night": "night", "hours_slept": "slept", "stress": "str", "tiredness": "tir",
            "caffeine_drinks": "caf", "alcohol_drinks": "alc", "exercise_h": "ex h",
            "antidepressant": "AD", "bothersome": "both", "lost_consciousness": "LOC",
            "daytime_jerks": "day", "medications": "medications", "notes": "notes"}
    table = Table(title=f"Diary ({len(entries)} nights)", box=box.SIMPLE_HEAD, pad_edge=False)
    for c in cols.values():
        table.add_column(c, overflow="fold", no_wrap=c not in ("medications", "notes"))
    for e in entries:
        row = entry_to_row(e)
        table.add_row(*(Text(row[k]) for k in cols))
    Console().print(table)
    typer.echo("str/tir: stress/tiredness 0-10; caf/alc: drinks; ex h: exercise hours; "
               "AD: antidepressant; both: bothersome 0-10; LOC: loss of consciousness; "
               "day: daytime jerks")


@diary_app.command("import")
def import_(file: Path = typer.Argument(..., help="Diary CSV: a header of field names, one night per row."),
            replace: bool = typer.Option(False, "--replace", help="Overwrite nights already in the diary."),
            db: Path = DB) -> None:
    """Import a diary CSV (all rows or none; bad rows are listed by line number)."""
    from analysis.diary import DiaryError, connect, import_csv

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DiaryError(f"{file}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None
    with connect(db) as con:
        n = import_csv(con, text, replace_existing=replace)
    typer.echo(f"imported {n} night(s) from {file}")


#: Characters a terminal may act on (C0 but tab and newline, DEL, C1): never printed raw.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@diary_app.command("export")
def export(file: Path = typer.Argument(..., help="CSV file to write ('-' for the terminal)."),
           db: Path = DB) -> None:
    """Export the whole diary as CSV (readable back by 'hypnic diary import').

    The file is readable by you alone. On the terminal ('-'), control characters in
    notes (terminal escape codes) are shown as \\x1b-style escapes; a file keeps them.
    """
    from analysis.diary import connect, list_entries, write_csv
    from sensing.private import write_private

    with connect(db) as con:
        entries = list_entries(con)
    text = write_csv(entries)
    if str(file) == "-":
        typer.echo(_CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text),
                   nl=False)
    else:
        write_private(file, text)
        typer.echo(f"exported {len(entries)} night(s) to {file}")


@diary_app.command("delete")
def delete(night: str = typer.Argument(..., help="Night to remove, YYYY-MM-DD (as 'hypnic diary "
                                       "list' or a warning shows it)."),
           db: Path = DB) -> None:
    """Remove the diary entry of one night (recorded nights are kept)."""
    from analysis.diary import connect, delete_entry

    with connect(db) as con:
        delete_entry(con, night)
    typer.echo(f"deleted night {night.strip()}")
