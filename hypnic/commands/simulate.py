"""``hypnic simulate``: synthetic nights with ground truth, for testing and development."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def simulate(
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (created if missing)."),
    nights: int = typer.Option(1, "--nights", "-n", min=1, max=366, help="Number of nights."),
    seed: int = typer.Option(0, "--seed", "-s", help="Random seed; the same seed gives the same data."),
    locations: str = typer.Option(
        "wrist-left,ankle-left,trunk", "--locations",
        help="Comma-separated sensor locations (wrist-left, wrist-right, ankle-left, ankle-right, trunk, ...)."),
    fs: float = typer.Option(100.0, "--fs", min=10, max=1000, help="Sampling rate, Hz."),
    fmt: str = typer.Option("csv", "--format", help="File format for the recordings: csv or parquet."),
) -> None:
    """Simulate NIGHTS nights with diary factors and write them with their ground truth.

    Writes OUT/diary.csv (the factors and the true expected jerk count of each night),
    OUT/model.json (the documented rate model) and, per night, OUT/night-NN/ with one
    file per sensor and a truth/ folder (jerks, look-alikes, gaps, sleep window).
    """
    import json
    from dataclasses import asdict

    from rich.progress import Progress

    from sensing.errors import HypnicError
    from simulation import NightConfig, RateModel, save_night, simulate_nights

    if fmt not in ("csv", "parquet"):
        raise HypnicError(f"--format must be csv or parquet, got {fmt!r}")
    config = NightConfig(fs=fs, locations=tuple(s.strip() for s in locations.split(",") if s.strip()))
    model = RateModel()
    diary, night_iter = simulate_nights(nights, seed, config, model)
    out.mkdir(parents=True, exist_ok=True)
    diary.to_csv(out / "diary.csv", index=False)
    (out / "model.json").write_text(json.dumps(asdict(model), indent=2))
    with Progress(transient=True) as progress:
        task = progress.add_task("simulating nights", total=nights)
        for i, night in enumerate(night_iter, start=1):
            save_night(night, out / f"night-{i:02d}", fmt)
            progress.advance(task)
    n_jerks = int(diary["n_jerks"].sum())
    typer.echo(f"wrote {nights} night(s), {len(config.locations)} sensor(s) each, "
               f"{n_jerks} true jerks, to {out}")
