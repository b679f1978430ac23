"""``hypnic detect``: jerks, look-alikes and the sleep window of one night, from files."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import Command, app, show_defaults
from hypnic.commands._worn import worn_from_option, worn_until_option
from sensing.body import LOCATIONS

_WORN = ", ".join(LOCATIONS)
#: How each phase of a jerk reads in a sentence (:func:`sensing.body.phase_of`).
PHASE_WORDS = {"pre-sleep": "before sleep onset", "sleep-onset": "at sleep onset",
               "sleep": "during sleep", "awakening": "around an awakening"}


#: The table's columns: the counted jerks, jerk-shaped bursts elsewhere (not counted),
#: then the look-alikes (event kinds, ``docs/detection.md``).
_COLUMNS = {"jerk": ("jerk",), "not counted": ("nap-jerk", "wake-burst", "sleep-burst"),
            "plm": ("plm",), "rhythmic": ("rhythmic",), "artefact": ("artefact",),
            "movement": ("movement",)}


class _DetectCommand(Command):
    """``detect`` shows the detection defaults of its tuning options in its help."""

    def format_help(self, ctx, formatter) -> None:
        from detection import DetectionConfig

        show_defaults(self, DetectionConfig())
        super().format_help(ctx, formatter)


@app.command(cls=_DetectCommand)
def detect(
    files: list[Path] = typer.Argument(..., metavar="FILE", help="Recorded files of ONE night (several = several sensors worn together)."),
    out: Path | None = typer.Option(
        None, "--out", "-o",
        help="Events CSV to write (one row per candidate; kind 'jerk' are the jerks). "
             "Default: NAME.events.csv in the current folder, NAME from the first FILE."),
    sleep_out: Path | None = typer.Option(None, "--sleep-out", help="Sleep JSON to write (onset, wake, awakenings, spans off the body; ISO-8601 UTC)."),
    location: list[str] | None = typer.Option(
        None, "--location", "-l",
        help="Where each FILE was worn, in order (repeat the option; overrides the file's own): "
             f"{_WORN}."),
    fmt: str = typer.Option("auto", "--format", help="File format: auto, generic-csv, parquet, ..."),
    tz: str | None = typer.Option(
        None, "--tz", metavar="ZONE",
        help="Your time zone (IANA name, e.g. Europe/Paris): times are shown in it and file "
             "times written without a zone are local to it. Default: the zone the files state, "
             "else this machine's."),
    units: str | None = typer.Option(None, "--units", help="Acceleration units if the files do not say: g, mg, m/s^2, or raw counts as 1/Ng (N to a g, e.g. 1/16384g)."),
    start: str | None = typer.Option(
        None, "--start", metavar="TIME",
        help="Start time (ISO-8601; without a zone, in your time zone) of files whose times are "
             "seconds since their start."),
    stimuli: Path | None = typer.Option(
        None, "--stimuli", help="CSV of stimulus times (noises, lights): a 'time' column or one time per line; "
                                "times without a zone are in your time zone (--tz)."),
    truth: Path | None = typer.Option(
        None, "--truth", help="CSV of the true jerks' times (labelled on video, or hypnic simulate's "
                              "truth/jerks.csv): a 'time' or 'start' column or one time per line, times "
                              "without a zone in your time zone (--tz); the counted jerks are "
                              "scored against them within 0.5 s."),
    threshold_factor: float | None = typer.Option(
        None, "--threshold-factor", min=1.0,
        help="Peak over the adaptive noise floor; more than extent_factor (4 by default)."),
    min_peak_g: float | None = typer.Option(None, "--min-peak-g", min=0.0, help="Smallest jerk peak, g."),
    jerk_max_s: float | None = typer.Option(None, "--jerk-max-s", min=0.05, help="Longest jerk, s."),
    worn_from: str | None = worn_from_option(),
    worn_until: str | None = worn_until_option(),
    series_gap_s: float | None = typer.Option(None, "--series-gap-s", min=0.1, help="Jerks closer than this form a series, s."),
    group_window_s: float | None = typer.Option(None, "--group-window-s", min=0.0, help="Jerks on several sensors within this are one jerk, s."),
) -> None:
    """Detect hypnic jerks in FILE(s) of one night and write the events and sleep window.

    Only sleep starts count as jerks: bursts while awake, in established sleep or
    at a nap keep their own kind (wake-burst, sleep-burst, nap-jerk). Every candidate is
    kept in the events CSV with its kind (also plm, rhythmic, artefact, movement) and why
    it was rejected; times in files are ISO-8601 UTC.
    """
    import datetime as dt
    from dataclasses import replace
    from typing import Any

    from rich.console import Console

    from detection import DetectionConfig
    from hypnic.commands._progress import Reading, bars
    from hypnic.workflows.night import (
        check_worn,
        process_night,
        read_files,
        read_times,
        times_ns,
        worn_between,
        write_events,
        write_sleep,
    )
    from sensing.errors import HypnicError
    from sensing.timezones import sleeper_zone, zone

    if tz:
        zone(tz)  # an unknown zone is an error before any work
    check_worn(worn_from, worn_until)
    overrides: dict[str, Any] = dict(
        threshold_factor=threshold_factor, min_peak_g=min_peak_g, jerk_max_s=jerk_max_s,
        series_gap_s=series_gap_s, group_window_s=group_window_s)
    config = replace(DetectionConfig(), **{k: v for k, v in overrides.items() if v is not None})
    for option, path in (("--out", out), ("--sleep-out", sleep_out)):
        if path is not None and path.is_dir():  # found after the work, as a temporary file's name
            raise HypnicError(f"{option} {path} is a folder; give a file in it "
                              f"({path / (default_events_path(files[0]).name if option == '--out' else 'sleep.json')})")
    stim = read_times(stimuli) if stimuli else None
    if stim is not None:
        times_ns(stim, dt.timezone.utc, "stimulus")  # an unreadable time: an error before any work
    true = read_times(truth) if truth else None
    if true is not None:
        times_ns(true, dt.timezone.utc, "true jerk")
    with bars() as progress:
        recordings = read_files(files, fmt, tz, location, units,  # checks every option first
                                progress=Reading(progress, files, "finding jerks and sleep"), start=start)
        here = sleeper_zone(tz, recordings)
        recordings = worn_between(recordings, here, worn_from, worn_until)
        night = process_night(recordings, here, config=config, files=[f.name for f in files],
                              stimuli=None if stim is None else times_ns(stim, here, "stimulus"))
    out = out or default_events_path(files[0])
    write_events(night.events, out)
    if sleep_out:
        write_sleep(night.sleep, sleep_out, files, [r.location for r in recordings], config,
                    night.off_body)
    console = Console()
    _summary(console, night, recordings, here, out, sleep_out, config, worn_from)
    if truth is not None and true is not None:
        console.print(_scored(night.events, truth, times_ns(true, here, "true jerk")))


def _scored(events, path: Path, true_ns: list[int]) -> str:
    """How the counted jerks agree with the true ones of ``path``, in a sentence."""
    import pandas as pd

    from detection.scoring import score_jerks, truth_text

    score, missed_as = score_jerks(events, pd.DataFrame({"start": pd.to_datetime(true_ns, utc=True)}))
    return truth_text(path.name, len(true_ns), score.tp, score.fp, missed_as)


def default_events_path(first: Path) -> Path:
    """``night.events.csv`` in the current folder for ``night.csv``, ``night.csv.gz``,
    ``night.cwa``, ...: a recording's folder may be read-only, and the current one is
    where the user looks."""
    return Path(Path(first.name.removesuffix(".gz")).stem + ".events.csv")


def _summary(console, night, recordings, here, out, sleep_out, config, worn_from) -> None:
    """A table of candidates by sensor and kind, and the night in two sentences."""
    from rich.table import Table

    from analysis.effects import plural
    from analysis.nights import AWAKE_OUTSIDE, DAYTIME_MIN_H, jerk_groups, plm_sentence
    from detection.night import sensor_key
    from detection.scoring import MEASURED
    from hypnic.workflows.night import rest_at_start
    from sensing.timezones import clock, zone_name

    ev = night.events
    table = Table(title="Candidates by sensor and kind")
    table.add_column("sensor")
    for k in _COLUMNS:
        table.add_column(k, justify="right")
    for i, rec in enumerate(recordings):
        key = sensor_key(rec, i)
        e = ev[ev["location"] == key]
        table.add_row(f"{key} ({rec.fs:g} Hz, {rec.duration_s / 3600:.1f} h)",
                      *(str(int(e["kind"].isin(ks).sum())) for ks in _COLUMNS.values()))
    console.print(table)
    n = int(night.summary["n_jerks"])
    phases = jerk_groups(ev)["phase"].value_counts()
    where = ", ".join(f"{k} {PHASE_WORDS.get(str(p), p)}" for p, k in phases.items())
    console.print(f"{plural(n, 'jerk')} (a jerk seen by several sensors counts once)"
                  + (f": {where}." if n else "."))
    if night.summary["n_plm"] > 0:  # NaN without a leg sensor
        console.print(plm_sentence(night.summary["n_plm"], night.summary["plm_per_h_sleep"]))
    day_h = night.summary["hours_day"]
    if day_h >= DAYTIME_MIN_H:
        bursts = int(night.summary["n_day_bursts"])
        console.print(f"This recording holds {day_h:.1f} h awake outside sleep ({AWAKE_OUTSIDE}): "
                      f"only sleep starts count, so {plural(bursts, 'jerk-shaped burst')} while "
                      "awake (everyday movement) stayed out of the count (kind wake-burst in the "
                      "events).")
    off_h = night.summary["hours_off"]
    if off_h > 0:
        when = ", ".join(f"{clock(a, here)}-{clock(b, here)}"
                         for a, b in zip(night.off_body["start"], night.off_body["end"], strict=True))
        console.print(f"No sensor was worn for {off_h:.1f} h ({when} {zone_name(here)}: lying "
                      "motionless off the body, on a table or a nightstand): that time is left "
                      "out of the sleep analysis.")
    s = night.sleep
    if s.onset is None:
        span_s = (max(r.time_ns[-1] for r in recordings) - min(r.time_ns[0] for r in recordings)) / 1e9
        block_s = config.min_sleep_block_s
        lasts = f"{span_s / 60:.0f} min" if span_s >= 60 else f"{span_s:.0f} s"
        console.print("No sleep was found in this recording." + (
            f" It lasts {lasts}, and a sleep period is at least {block_s / 60:.0f} min "
            "of stillness." if span_s < block_s else ""))
    else:
        lights = (f"Lights out {clock(s.lights_out, here) or '?'}" if s.lights_out_seen else
                  f"No movement in the {config.max_rest_s / 60:.0f} min before sleep onset marks lights out")
        console.print(f"{lights}, fell asleep about "
                      f"{clock(s.onset, here)}, woke {clock(s.wake, here)} ({zone_name(here)}); "
                      f"{plural(len(s.awakenings), 'awakening')}. Sleep onset from movement alone was "
                      f"a median {MEASURED.onset_error_min:.0f} min off on {MEASURED.onset_nights} real "
                      "sleep-lab nights.")
        hint = rest_at_start(night, worn_from)
        if hint:
            console.print(hint)
    console.print(f"wrote {out}" + (f" and {sleep_out}" if sleep_out else ""))
