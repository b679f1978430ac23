"""``hypnic demo``: a few simulated weeks through the whole pipeline, offline."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def demo(
    out: Path = typer.Option(Path("hypnic-demo"), "--out", "-o", help="Output folder."),
    nights: int = typer.Option(21, "--nights", "-n", min=2, max=120, help="Number of simulated nights."),
    seed: int = typer.Option(7, "--seed", "-s", help="Random seed."),
) -> None:
    """Simulate NIGHTS nights of one sleeper (wrist and ankle sensors, with a diary) and
    run everything hypnic does on them, ending with OUT/index.html."""
    import html

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from sensing.simulate import NightConfig, simulate_nights

    config = NightConfig(fs=50.0, locations=("wrist-left", "ankle-left"))
    diary, night_iter = simulate_nights(nights, seed, config)
    out.mkdir(parents=True, exist_ok=True)
    diary.to_csv(out / "diary.csv", index=False)
    rows = []
    with Progress(transient=True) as progress:
        task = progress.add_task("simulating nights", total=nights)
        for night in night_iter:
            rows.append((str(night.sleep["onset"].date()), len(night.jerks),
                         int((night.confounders.kind == "plm").sum())))
            progress.advance(task)
    table = Table(title="Simulated nights (ground truth)")
    for col in ("night", "true jerks", "true PLMs"):
        table.add_column(col)
    for r in rows:
        table.add_row(*map(str, r))
    Console().print(table)
    body = "".join(f"<tr><td>{html.escape(a)}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
    (out / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>hypnic demo</title>"
        "<h1>hypnic demo</h1><p>Simulated nights and their ground truth.</p>"
        f"<table><tr><th>night</th><th>true jerks</th><th>true PLMs</th></tr>{body}</table>")
    typer.echo(f"report: {out / 'index.html'}")
