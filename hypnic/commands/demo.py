"""``hypnic demo``: a few simulated weeks through the whole pipeline, offline."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app

#: Jerks per hour in bed at zero exposure in the demo: twice the simulator's default, so
#: that four weeks give clear effect estimates (about 4-8 jerks a night).
DEMO_BASE_PER_H = 0.3


@app.command()
def demo(
    out: Path = typer.Option(Path("hypnic-demo"), "--out", "-o", help="Output folder."),
    nights: int = typer.Option(28, "--nights", "-n", min=2, max=120, help="Number of simulated nights."),
    seed: int = typer.Option(8, "--seed", "-s", help="Random seed (the default sleeper starts an antidepressant mid-way)."),
) -> None:
    """Simulate NIGHTS nights of one sleeper (wrist and ankle sensors at 50 Hz, with a
    diary whose factor effects are known), detect jerks in every night, fit the factor
    effects and write OUT/index.html. Everything goes to OUT (its own database
    OUT/demo.sqlite); your real diary is not touched."""
    import datetime as dt

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from analysis.diary import add_entries, connect, entries_from_simulation, write_csv
    from analysis.nights import store_night
    from analysis.report import ReportConfig, build_report
    from hypnic.workflows.night import process_night
    from simulation import NightConfig, RateModel, simulate_nights, simulated_true_rr

    model = RateModel(base_per_h=DEMO_BASE_PER_H)
    config = NightConfig(fs=50.0, locations=("wrist-left", "ankle-left"))
    diary, night_iter = simulate_nights(nights, seed, config, model)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.sqlite"
    db.unlink(missing_ok=True)
    entries = entries_from_simulation(diary)
    (out / "diary.csv").write_text(write_csv(entries), encoding="utf-8")
    counts = []
    with connect(db) as con, Progress(transient=True) as progress:
        add_entries(con, entries)
        task = progress.add_task("simulating and detecting", total=nights)
        for night in night_iter:
            stored = process_night(list(night.recordings.values()), dt.timezone.utc,
                                   files=[f"simulated {loc}" for loc in night.recordings])
            store_night(con, stored)
            counts.append((str(stored.night), len(night.jerks), stored.summary["n_jerks"]))
            progress.advance(task)
        progress.update(task, description="fitting effects and writing the report")
        true_rr = simulated_true_rr(model)
        path, effects, _ = build_report(con, out, ReportConfig(
            title=f"hypnic demo: {nights} simulated nights", true_rr=true_rr))

    console = Console()
    true_total, found_total = sum(c[1] for c in counts), sum(c[2] for c in counts)
    console.print(f"{nights} nights: {true_total} simulated jerks, {found_total} detected "
                  "(the analysis uses the detected ones).")
    table = Table(title="Factor effects: simulated truth vs recovered (multivariable, 95% CI)")
    for col in ("factor", "true RR", "estimated RR", "95% CI", "finding"):
        table.add_column(col)
    for r in effects.table.itertuples():
        table.add_row(r.label, f"{true_rr[r.factor]:.2f}", f"{r.rr:.2f}",
                      f"{r.rr_low:.2f}-{r.rr_high:.2f}", "yes" if r.finding else "")
    console.print(table)
    console.print(effects.message)
    typer.echo(f"report: {path}")
