"""A simulated night as files: one recording per sensor and its ground truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from simulation.night import SimulatedNight

#: File formats of the recordings :func:`save_night` writes (the file name's ending).
SAVE_FORMATS = ("csv", "csv.gz", "parquet")


def save_night(night: SimulatedNight, out_dir: str | Path, fmt: str = "csv",
               progress: Callable[[str], None] | None = None) -> Path:
    """Write a simulated night: one file per sensor and the ground truth.

    Layout of ``out_dir``: ``<location>.csv`` (generic CSV; or ``.csv.gz``, ``.parquet``
    as ``fmt`` says, see :data:`SAVE_FORMATS`), ``truth/jerks.csv``, ``truth/jerk_sensors.csv``,
    ``truth/confounders.csv``, ``truth/gaps.csv`` and ``truth/night.json`` (sleep window,
    config, seed). Times in the CSVs are ISO-8601 UTC. ``progress(name)`` is called
    before each recording file is written.
    """
    from sensing.errors import HypnicError
    from sensing.generic import write_csv, write_parquet

    if fmt not in SAVE_FORMATS:
        raise HypnicError(f"format must be {', '.join(SAVE_FORMATS[:-1])} or {SAVE_FORMATS[-1]}, got {fmt!r}")
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    for loc, rec in night.recordings.items():
        name = f"{loc}.{fmt}"
        if progress:
            progress(name)
        (write_parquet if fmt == "parquet" else write_csv)(rec, out / name)
    for name in ("jerks", "jerk_sensors", "confounders"):
        _iso_csv(getattr(night, name), out / "truth" / f"{name}.csv")
    gaps = pd.DataFrame(
        [(loc, pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC"))
         for loc, g in night.gaps.items() for a, b in g], columns=["location", "start", "end"])
    _iso_csv(gaps, out / "truth" / "gaps.csv")
    s = night.sleep
    info = dict(
        lights_out=s["lights_out"].isoformat(), onset=s["onset"].isoformat(),
        wake=s["wake"].isoformat(), awakenings=[[a.isoformat(), b.isoformat()] for a, b in s["awakenings"]],
        seed=night.seed, config=asdict(night.config),
        drift_ppm={loc: r.meta.get("drift_ppm") for loc, r in night.recordings.items()},
    )
    (out / "truth" / "night.json").write_text(json.dumps(info, indent=2, default=str))
    return out


def _iso_csv(df: pd.DataFrame, path: Path) -> None:
    """CSV with every timestamp column as ISO-8601 UTC (``2026-01-05T22:42:07.471659518Z``)."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = [t.isoformat().replace("+00:00", "Z") for t in out[c]]
    out.to_csv(path, index=False)
