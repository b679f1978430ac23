"""``hypnic detect``: jerks, look-alikes and the sleep window of one night, from files."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def detect(
    files: list[Path] = typer.Argument(..., help="Recorded files of ONE night (several = several sensors worn together)."),
    out: Path = typer.Option(..., "--out", "-o", help="Events CSV to write (one row per candidate; kind 'jerk' are the jerks)."),
    sleep_out: Path | None = typer.Option(None, "--sleep-out", help="Sleep JSON to write (onset, wake, awakenings, ISO-8601 UTC)."),
    location: list[str] | None = typer.Option(
        None, "--location", "-l",
        help="Where each FILE was worn, in order (repeat the option; overrides the file's own)."),
    fmt: str = typer.Option("auto", "--format", help="File format: auto, generic-csv, parquet, ..."),
    tz: str | None = typer.Option(None, "--tz", help="IANA zone of times written without a zone (default UTC)."),
    stimuli: Path | None = typer.Option(
        None, "--stimuli", help="CSV of stimulus times (noises, lights): a 'time' column or one time per line."),
    threshold_factor: float | None = typer.Option(
        None, "--threshold-factor", min=1.0, help="Peak over the adaptive noise floor [default: 10]."),
    min_peak_g: float | None = typer.Option(None, "--min-peak-g", min=0.0, help="Smallest jerk peak, g [default: 0.15]."),
    jerk_max_s: float | None = typer.Option(None, "--jerk-max-s", min=0.05, help="Longest jerk, s [default: 0.5]."),
    series_gap_s: float | None = typer.Option(None, "--series-gap-s", min=0.1, help="Jerks closer than this form a series, s [default: 30]."),
    group_window_s: float | None = typer.Option(None, "--group-window-s", min=0.0, help="Jerks on several sensors within this are one jerk, s [default: 0.5]."),
) -> None:
    """Detect hypnic jerks in FILE(s) of one night and write the events and sleep window.

    Every candidate is kept in the events CSV with its kind (jerk, plm, rhythmic,
    artefact, movement) and why it was rejected; times are ISO-8601 UTC.
    """
    from dataclasses import replace
    from typing import Any

    from rich.console import Console

    from detection import DetectionConfig
    from hypnic.workflows.night import (
        process_night,
        read_files,
        read_stimuli,
        write_events,
        write_sleep,
    )
    from sensing.errors import FormatError

    overrides: dict[str, Any] = dict(
        threshold_factor=threshold_factor, min_peak_g=min_peak_g, jerk_max_s=jerk_max_s,
        series_gap_s=series_gap_s, group_window_s=group_window_s)
    config = replace(DetectionConfig(), **{k: v for k, v in overrides.items() if v is not None})
    recordings = read_files(files, fmt, tz, location)
    stim = read_stimuli(stimuli) if stimuli else None
    try:
        night = process_night(recordings, config=config, files=[f.name for f in files], stimuli=stim)
    except ValueError as exc:  # e.g. unparseable stimulus times
        raise FormatError(str(exc)) from exc
    write_events(night.events, out)
    if sleep_out:
        write_sleep(night.sleep, sleep_out, files, [r.location for r in recordings], config)
    _summary(Console(), night, recordings, out, sleep_out)


def _summary(console, night, recordings, out, sleep_out) -> None:
    from rich.table import Table

    from detection.night import sensor_key

    kinds = ("jerk", "plm", "rhythmic", "artefact", "movement")
    ev = night.events
    table = Table(title="hypnic detect")
    table.add_column("sensor")
    for k in kinds:
        table.add_column(k, justify="right")
    for i, rec in enumerate(recordings):
        key = sensor_key(rec, i)
        e = ev[ev["location"] == key]
        table.add_row(f"{key} ({rec.fs:g} Hz, {rec.duration_s / 3600:.1f} h)",
                      *(str(int((e["kind"] == k).sum())) for k in kinds))
    console.print(table)
    s = night.sleep
    jerks = ev[ev["kind"] == "jerk"]
    n_jerks = jerks["group_id"].nunique() if len(jerks) else 0
    when = "no sleep found" if s.onset is None else (
        f"sleep {s.onset:%H:%M}-{s.wake:%H:%M} UTC, {len(s.awakenings)} awakening(s)")
    phases = jerks.drop_duplicates("group_id")["phase"].value_counts().to_dict() if n_jerks else {}
    console.print(f"{n_jerks} jerk(s) across sensors; {when}; by phase: {phases or '-'}")
    console.print(f"wrote {out}" + (f" and {sleep_out}" if sleep_out else ""))
