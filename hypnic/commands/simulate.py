"""``hypnic simulate``: synthetic nights with ground truth, for testing and development."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app

#: Bytes per sample of each format, measured on simulated nights at 25 and 100 Hz
#: (generic CSV with ISO-8601 times: 64; gzip: 13-14; Parquet with zstd: 12-13).
BYTES_PER_SAMPLE = {"csv": 64.0, "csv.gz": 14.0, "parquet": 13.0}


def size_text(n_bytes: float) -> str:
    """A file size as a person reads it: ``540 MB``, ``1.7 GB``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= size:
            return f"{n_bytes / size:.2g} {unit}" if n_bytes < 10 * size else f"{n_bytes / size:.0f} {unit}"
    return f"{n_bytes:.0f} B"


@app.command()
def simulate(
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (created if missing)."),
    nights: int = typer.Option(1, "--nights", "-n", min=1, max=366, help="Number of nights."),
    seed: int = typer.Option(0, "--seed", "-s", help="Random seed; the same seed gives the same data."),
    locations: str = typer.Option(
        "wrist-left,ankle-left,trunk", "--locations",
        help="Comma-separated sensor locations (wrist-left, wrist-right, ankle-left, ankle-right, trunk, ...)."),
    fs: float = typer.Option(100.0, "--fs", min=10, max=1000, help="Sampling rate, Hz."),
    fmt: str = typer.Option("csv", "--format",
                            help="File format of the recordings: csv (about 64 bytes a sample), "
                                 "csv.gz or parquet (about 13)."),
) -> None:
    """Simulate NIGHTS nights with diary factors and write them with their ground truth.

    Writes OUT/diary.csv (the factors and the true expected jerk count of each night),
    OUT/model.json (the documented rate model) and, per night, OUT/night-NN/ with one
    file per sensor and a truth/ folder (jerks, look-alikes, gaps, sleep window). Says
    first how much it will write.
    """
    import json
    from dataclasses import asdict

    from analysis.effects import plural
    from hypnic.commands._progress import bars
    from sensing.errors import HypnicError
    from simulation import SAVE_FORMATS, NightConfig, RateModel, save_night, simulate_nights

    if fmt not in SAVE_FORMATS:
        raise HypnicError(f"--format must be {', '.join(SAVE_FORMATS[:-1])} or {SAVE_FORMATS[-1]}, got {fmt!r}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HypnicError(f"{out} already exists and is not empty; choose another --out (a "
                          "simulation never writes over one: its nights would mix with the old)")
    config = NightConfig(fs=fs, locations=tuple(s.strip() for s in locations.split(",") if s.strip()))
    model = RateModel()
    diary, night_iter = simulate_nights(nights, seed, config, model)
    samples = float(diary["hours_in_bed"].sum()) * 3600 * fs * len(config.locations)
    smaller = " (--format parquet or csv.gz: about a fifth)" if fmt == "csv" else ""
    typer.echo(f"writing about {size_text(samples * BYTES_PER_SAMPLE[fmt])} of {fmt} to {out}{smaller}",
               err=True)
    out.mkdir(parents=True, exist_ok=True)
    diary.to_csv(out / "diary.csv", index=False)
    (out / "model.json").write_text(json.dumps(asdict(model), indent=2))
    steps = 1 + len(config.locations)  # simulate, then write each sensor's file
    with bars() as progress:
        task = progress.add_task("simulating", total=nights * steps)
        for i in range(1, nights + 1):  # each step counts when it is done
            progress.update(task, description=f"simulating night {i}")
            night = next(night_iter)
            done = [1]

            def writing(name: str, i: int = i, done: list = done) -> None:
                progress.update(task, description=f"writing night {i}: {name}", advance=done.pop())
                done.append(1)

            save_night(night, out / f"night-{i:02d}", fmt, progress=writing)
            progress.advance(task, done.pop())
    n_jerks = int(diary["n_jerks"].sum())
    typer.echo(f"wrote {plural(nights, 'night')}, {plural(len(config.locations), 'sensor')} each, "
               f"{n_jerks} true jerks, to {out}")
