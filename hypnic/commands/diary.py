"""``hypnic diary add|list|edit|delete|import|export``: the sleeper's nightly diary."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
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


def _tonight():
    """The night now belongs to (:func:`analysis.diary.night_of`): the one that just ended
    in the morning, tonight after noon."""
    import datetime as dt

    from analysis.diary import night_of

    return night_of(dt.datetime.now(dt.timezone.utc))


def _night(text: str | None):
    from analysis.diary import parse_field

    return parse_field("night", text) if text else _tonight()


def _changes(options: dict) -> dict:
    """CLI values that were given (by option name), as DiaryEntry fields
    (:data:`analysis.diary.ALIASES`)."""
    from analysis.diary import ALIASES, parse_field

    out = {ALIASES.get(k, k): v for k, v in options.items() if v is not None and k != "med"}
    if options.get("med"):
        out["medications"] = parse_field("medications", ";".join(options["med"]))
    return out


@contextlib.contextmanager
def _options_named(ctx: typer.Context) -> Iterator[None]:
    """A diary error that begins with a field's name begins with the option the user typed
    instead (``hours_slept must be from 0 to 24`` reads ``--slept must be ...``)."""
    from analysis.diary import ALIASES, DiaryError

    try:
        yield
    except DiaryError as exc:
        text = str(exc)
        for p in ctx.command.params:
            field = ALIASES.get(p.name or "", p.name or "")
            if p.opts and p.opts[0].startswith("--") and text.startswith(f"{field} "):
                raise DiaryError(p.opts[0] + text[len(field):]) from None
        raise


def _as_typed(ctx: typer.Context, *names: str) -> str:
    """The options of parameters ``names`` that were given to this command, as they
    would be typed again (``--caffeine 5 --no-antidepressant``)."""
    import shlex

    words: list[str] = []
    for p in ctx.command.params:
        value = ctx.params.get(p.name or "")
        if p.name not in names or value is None:
            continue
        for v in value if isinstance(value, list | tuple) else [value]:  # --med: each one
            if isinstance(v, bool):
                words.append(p.opts[0] if v else p.secondary_opts[0])
            else:
                words += [p.opts[0], shlex.quote(f"{v:g}" if isinstance(v, float) else str(v))]
    return " ".join(words)


def _check_medications(entry: DiaryEntry, typed: bool) -> DiaryEntry:
    """The entry with the antidepressant flag of :func:`analysis.diary.antidepressant_rule`;
    says when it was set and, if medications were ``typed``, which look like a typo."""
    from analysis.diary import antidepressant_rule, close_medication

    for m in entry.medications if typed else ():
        if near := close_medication(m):
            typer.echo(f"note: medication {m!r} kept as typed: did you mean {near}?")
    entry, reasons = antidepressant_rule(entry)
    if reasons:
        typer.echo(f"note: {', '.join(reasons)} is an antidepressant; antidepressant flag set "
                   "(use --no-antidepressant to clear it)")
    return entry


@diary_app.command("add")
def add(ctx: typer.Context, night: str = NIGHT, slept: float = SLEPT, bedtime: str = BEDTIME,
        wake: str = WAKE, stress: int = STRESS, tiredness: int = TIRED, caffeine: int = CAFF,
        caffeine_last: str = CAFF_LAST, alcohol: int = ALCOHOL, exercise: float = EXERCISE,
        med: list[str] = MED, antidepressant: bool = AD, bothersome: int = BOTHER,
        lost_consciousness: bool = LOC, daytime_jerks: bool = DAY, felt: str = FELT,
        woke: bool = WOKE, notes: str = NOTES, db: Path = DB) -> None:
    """Add the diary entry of one night."""
    from analysis.diary import DiaryEntry, DiaryError, add_entries, connect, get_entry

    options = dict(slept=slept, bedtime=bedtime, wake=wake, stress=stress, tiredness=tiredness,
                   caffeine=caffeine, caffeine_last=caffeine_last, alcohol=alcohol,
                   exercise=exercise, med=med, antidepressant=antidepressant,
                   bothersome=bothersome, lost_consciousness=lost_consciousness,
                   daytime_jerks=daytime_jerks, felt=felt and felt.strip().lower(), woke=woke,
                   notes=notes)
    with _options_named(ctx):
        entry = _check_medications(DiaryEntry(night=_night(night), **_changes(options)), typed=True)
    where = f" {_as_typed(ctx, 'db')}" if db else ""  # commands suggested: the same diary
    with connect(db) as con:
        if get_entry(con, entry.night) is not None:
            raise DiaryError(f"night {entry.night} is already in the diary (remove it with 'hypnic "
                             f"diary delete {entry.night}{where}'); change it with: hypnic diary "
                             f"edit {entry.night} {_as_typed(ctx, *options) or '--stress 3 ...'}"
                             f"{where}")
        add_entries(con, [entry])
    typer.echo(f"added night {entry.night}")
    if entry.night > (tonight := _tonight()):  # a typo of the year or month, most likely
        typer.echo(f"note: night {entry.night} has not come yet (the latest is {tonight}); if the "
                   f"date is wrong: hypnic diary delete {entry.night}{where}")


@diary_app.command("edit")
def edit(ctx: typer.Context, night: str = NIGHT,
         slept: float = SLEPT, bedtime: str = BEDTIME, wake: str = WAKE,
         stress: int = STRESS, tiredness: int = TIRED, caffeine: int = CAFF,
         caffeine_last: str = CAFF_LAST, alcohol: int = ALCOHOL, exercise: float = EXERCISE,
         med: list[str] = MED, antidepressant: bool = AD, bothersome: int = BOTHER,
         lost_consciousness: bool = LOC, daytime_jerks: bool = DAY, felt: str = FELT,
         woke: bool = WOKE, notes: str = NOTES, db: Path = DB) -> None:
    """Change some fields of an existing night (only the options given)."""
    from analysis.diary import DiaryError, add_entries, connect, edit_entry
    from hypnic.commands._db import existing_db

    day = _night(night)
    with _options_named(ctx):
        changes = _changes(dict(slept=slept, bedtime=bedtime, wake=wake, stress=stress,
                                tiredness=tiredness, caffeine=caffeine, caffeine_last=caffeine_last,
                                alcohol=alcohol, exercise=exercise, med=med,
                                antidepressant=antidepressant, bothersome=bothersome,
                                lost_consciousness=lost_consciousness, daytime_jerks=daytime_jerks,
                                felt=felt and felt.strip().lower(), woke=woke, notes=notes))
    if not changes:
        raise DiaryError("nothing to change: give at least one option (see 'hypnic diary edit --help')")
    with connect(existing_db(db)) as con, _options_named(ctx):
        entry = edit_entry(con, day, **changes)
        fixed = _check_medications(entry, typed="medications" in changes)
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
    from analysis.effects import plural
    from hypnic.commands._db import existing_db

    with connect(existing_db(db)) as con:
        entries = list_entries(con)
    if not entries:
        typer.echo("No diary entries yet: log a night with hypnic diary add (or hypnic diary import FILE.csv).")
        return
    entries = entries[-last:] if last else entries
    cols = {"night": "night", "hours_slept": "slept", "stress": "str", "tiredness": "tir",
            "caffeine_drinks": "caf", "alcohol_drinks": "alc", "exercise_h": "ex h",
            "antidepressant": "AD", "bothersome": "both", "lost_consciousness": "LOC",
            "daytime_jerks": "day", "medications": "medications", "notes": "notes"}
    # one space between columns (as 'hypnic nights'): on an 80-column terminal the fixed
    # columns leave medications and notes room to wrap in, not a width of nothing
    table = Table(title=f"Diary ({plural(len(entries), 'night')})", box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 0))
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
    from hypnic.commands._db import existing_db
    from sensing.private import write_private

    with connect(existing_db(db)) as con:
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
    from analysis.diary import connect, delete_entry, has_recorded_night
    from hypnic.commands._db import existing_db

    with connect(existing_db(db)) as con:
        delete_entry(con, night)
        recorded = has_recorded_night(con, night)
    typer.echo(f"deleted the diary entry of night {night.strip()}"
               + (f"; its recorded night is kept (hypnic nights --delete {night.strip()} removes it)"
                  if recorded else ""))
