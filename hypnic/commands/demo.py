"""``hypnic demo``: a few simulated weeks through the whole pipeline, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hypnic.app import app

#: Jerks per hour in bed at zero exposure in the demo: twice the simulator's default, so
#: that four weeks give clear effect estimates (about 4-8 jerks a night).
DEMO_BASE_PER_H = 0.3
#: Sampling rate of the demo's simulated sensors, Hz: enough for jerks (0.1-0.5 s,
#: several samples each) and sleep, and a quarter of the work of 100 Hz.
DEMO_FS = 25.0
DEMO_LOCATIONS = ("wrist-left", "ankle-left")


def _night(diary: Any, i: int, seed: int) -> tuple[Any, int]:
    """Simulate night ``i`` of the demo diary and process it; (stored night, true jerks)."""
    import datetime as dt

    from hypnic.workflows.night import process_night
    from simulation import NightConfig, simulate_diary_night

    sim = simulate_diary_night(diary, i, seed, NightConfig(fs=DEMO_FS, locations=DEMO_LOCATIONS))
    stored = process_night(list(sim.recordings.values()), dt.timezone.utc,
                           files=[f"simulated {loc}" for loc in sim.recordings])
    return stored, len(sim.jerks)


@app.command()
def demo(
    out: Path = typer.Option(Path("hypnic-demo"), "--out", "-o", help="Output folder."),
    nights: int = typer.Option(28, "--nights", "-n", min=2, max=120, help="Number of simulated nights."),
    seed: int = typer.Option(8, "--seed", "-s", help="Random seed (the default sleeper starts an antidepressant mid-way)."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0,
                             help="Nights processed at once, in separate processes (0: one per core)."),
) -> None:
    """Try hypnic: simulated weeks of one sleeper, from sensors to the report.

    Simulates NIGHTS nights of one sleeper (wrist and ankle sensors at 25 Hz, with a
    diary whose factor effects are known), detects jerks in every night, fits the factor
    effects and writes OUT/index.html. Everything goes to OUT (its own database
    OUT/demo.sqlite); your real diary is not touched.
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    from rich.console import Console
    from rich.table import Table

    from analysis.diary import add_entries, connect, entries_from_simulation, write_csv
    from analysis.effects import likely_range
    from analysis.nights import store_night
    from analysis.report import ReportConfig, build_report
    from hypnic.commands._progress import bars
    from sensing.private import write_private
    from simulation import RateModel, simulate_diary, simulated_true_rr

    model = RateModel(base_per_h=DEMO_BASE_PER_H)
    diary = simulate_diary(nights, seed, model)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.sqlite"
    db.unlink(missing_ok=True)
    entries = entries_from_simulation(diary)
    write_private(out / "diary.csv", write_csv(entries))  # as every diary hypnic writes
    jobs = min(jobs or os.cpu_count() or 1, nights)
    counts = []
    with connect(db) as con, bars() as progress:
        add_entries(con, entries)
        task = progress.add_task("simulating nights and finding jerks", total=nights)
        if jobs > 1:
            import multiprocessing
            import signal

            # workers ignore Ctrl-C: this process stops them, and no traceback is printed
            pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))
            results = pool.map(_night, [diary] * nights, range(nights), [seed] * nights)
        else:
            pool, results = None, (_night(diary, i, seed) for i in range(nights))
        try:
            for stored, n_true in results:
                store_night(con, stored)
                counts.append((n_true, stored.summary["n_jerks"]))
                progress.advance(task)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        progress.remove_task(task)
        progress.add_task("fitting effects and writing the report", total=None)
        true_rr = simulated_true_rr(model)
        path, effects, _ = build_report(con, out, ReportConfig(
            title=f"hypnic demo: {nights} simulated nights", true_rr=true_rr))

    console = Console()
    true_total, found_total = sum(c[0] for c in counts), sum(c[1] for c in counts)
    console.print(f"{nights} nights: {true_total} simulated jerks, {found_total} detected "
                  "(the analysis uses the detected ones).")
    table = Table(title="Factor effects: simulated truth vs recovered (multivariable, 95% CI)")
    for col in ("factor", "true RR", "estimated RR", "95% CI", "verdict"):
        table.add_column(col)
    for r in effects.table.itertuples():
        table.add_row(r.label, f"{true_rr[r.factor]:.2f}", f"{r.rr:.2f}",
                      likely_range(r.rr_low, r.rr_high), r.verdict)
    console.print(table)
    console.print(effects.message)
    typer.echo(f"report: {path}")
