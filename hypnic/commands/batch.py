"""``hypnic batch``: a whole cohort on Dask (a local cluster, or an existing scheduler)."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def batch(
    input_dir: Path = typer.Argument(..., help="Cohort folder: one sub-folder per participant."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder; re-run with the same one to resume."),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Address of an existing Dask scheduler (tcp://host:8786). "
                                       "Default: a local cluster on this machine."),
    workers: int = typer.Option(None, "--workers", min=1,
                                help="Worker processes of the local cluster (default: one per core)."),
    tz: str = typer.Option("UTC", "--tz", metavar="ZONE",
                           help="Time zone (IANA name) of nights whose files state none: names "
                                "them, reads their times written without a zone, and shows their "
                                "times in the reports; a file that states its zone (a GENEActiv, "
                                "a .gt3x) is read in it (default UTC, unlike the other commands: "
                                "results never depend on which machine of a cluster ran a night)."),
    reports: bool = typer.Option(True, "--reports/--no-reports", help="Write a report per participant."),
) -> None:
    """Process every night of every participant in INPUT_DIR with Dask.

    INPUT_DIR/<participant>/ holds night folders (INPUT_DIR/p01/night-01/*.csv, as
    'hypnic simulate --out INPUT_DIR/p01' writes) or one file per night, and optionally
    diary.csv. Writes OUT/events.parquet, OUT/nights.parquet, OUT/reports/<participant>/,
    OUT/cohort.json and OUT/cohort.html, and OUT/failures.csv; and OUT/truth.csv, the
    counted jerks scored against the true ones, where night folders hold truth/jerks.csv.
    Finished nights are kept: running again resumes; a failing night is retried once,
    then reported.
    """
    from analysis.effects import plural
    from detection.scoring import truth_text
    from hypnic.commands._progress import bars
    from hypnic.workflows.cohort import DIARY_NAME, REPORT_ID, TRUTH_FILE, BatchConfig, run_batch
    from sensing.errors import HypnicError
    from sensing.timezones import zone

    if scheduler and workers:
        raise typer.BadParameter("--workers applies to the local cluster; omit it with --scheduler")
    zone(tz)  # an unknown zone is an error before any work
    config = BatchConfig(scheduler=scheduler, workers=workers, tz=tz, reports=reports)
    shown: set[tuple[str, str]] = set()  # failed nights already printed as they finished
    with bars() as progress:
        task = progress.add_task("nights", total=None)

        def on_night(rec: dict) -> None:
            if "total" in rec:
                progress.update(task, total=rec["total"])
                return
            progress.advance(task)
            if not rec["ok"]:  # above the bar, as written: one line (the terminal wraps it)
                shown.add((rec["participant"], rec["night_id"]))
                tries = f" after {rec['attempts']} attempts" if rec["attempts"] > 1 else ""
                progress.console.print(f"hypnic: warning: {rec['participant']}/{rec['night_id']} "
                                       f"failed{tries}: {rec['error']}",
                                       soft_wrap=True, markup=False, emoji=False, highlight=False)

        result = run_batch(input_dir, out, config, progress=on_night)
    kinds = result.failures["night_id"].map(
        lambda n: "truth file" if n.endswith(TRUTH_FILE) else
        {DIARY_NAME: "diary file", REPORT_ID: "report", "": "folder"}.get(n, "night"))
    for r in result.failures.itertuples():  # a folder, a diary, a report, a night twice
        if (r.participant, r.night_id) in shown:
            continue
        typer.echo(f"hypnic: warning: {r.participant}/{r.night_id or '(folder)'} failed: {r.error}",
                   err=True)
    n_failed = int((kinds == "night").sum())
    cut = len(result.nights) - len(result.computed) - len(result.skipped)  # recordings of several nights
    typer.echo(f"{plural(len(result.computed), 'night')} processed, {len(result.skipped)} already "
               f"done, {n_failed} failed, in {result.seconds:.1f} s"
               + (f"; {plural(len(result.nights), 'night')} in the tables (a recording of several "
                  "nights gives each)" if cut > 0 else ""))
    if result.cohort is not None:
        typer.echo(result.cohort.message)
        flagged = result.cohort.participants.loc[result.cohort.participants["doctor"] != "", "participant"]
        if len(flagged):
            named = ", ".join(flagged[:10]) + (", ..." if len(flagged) > 10 else "")
            whose = "the report of" if len(flagged) == 1 else "the reports of"
            typer.echo(f"Seeing a doctor is suggested in {whose} {plural(len(flagged), 'participant')} "
                       f"({named}); why: {out / 'cohort.html'}.")
    if len(result.truth):
        t = result.truth
        typer.echo(truth_text(f"the {TRUTH_FILE} of {plural(len(t), 'night folder')}", int(t["n_true"].sum()),
                              int(t["tp"].sum()), int(t["fp"].sum()),
                              [k for kinds_ in t["missed_as"] for k in kinds_.split(";") if k])
                   + f" Each night's: {out / 'truth.csv'}.")
    names = [p.name for k, p in result.outputs.items() if not k.startswith("report:")]
    names += ["reports/"] * any(k.startswith("report:") for k in result.outputs)
    typer.echo(f"outputs in {out}: {', '.join(names)}")
    if len(result.failures):
        counts = kinds.value_counts()
        what = [plural(int(counts[k]), k) for k in ("night", "folder", "diary file", "truth file", "report")
                if k in counts]
        raise HypnicError(f"{' and '.join(what)} failed; see {out / 'failures.csv'}")
