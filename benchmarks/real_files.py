"""hypnic's readers against peer readers on real device files, sample by sample.

For every file in ``tests/data/real`` (and, with ``--local DIR``, every file of the same
kinds under DIR, e.g. GPL-licensed files kept out of the repository), reads it with
``sensing.readers.read(path, tz="UTC")`` (the device's stored clock, no zone applied,
as the peers return it) and with each installed peer reader that reads its format:

* actfast (``pip install actfast``; .gt3x with ACTIVITY records, .bin, .cwa),
* scikit-digital-health (``skdh.io.ReadCwa`` / ``ReadBin``),
* pygt3x (GPL-3.0: used only if installed separately, never a dependency; .gt3x; its
  idle-sleep fill rows are dropped, hypnic keeps those spans as gaps),
* pandas on the documented layout, for the CSV exports (and Polar Sensor Logger's
  ``*_ACC.txt``: the sensor clock moved onto the phone's by the smallest difference).

Prints one JSON object: per file and peer, the sample counts, the first and last time,
the largest time and value differences on samples matched by time. ``--record PATH``
writes the figures of the first peer that reads each file of ``tests/data/real`` (counts,
first/last time, per-axis min/max/mean, 10 evenly spaced samples) to PATH, the JSON the
tests in ``tests/sensing/readers/test_real_files.py`` compare with.

Usage: python benchmarks/real_files.py [--local /work/realdata] [--record tests/data/real/peers.json]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import json
import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np

REAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "real"
SUFFIXES = (".gt3x", ".bin", ".cwa", ".csv", ".csv.gz", "_acc.txt")
#: The Polar sensor clock's epoch, 2000-01-01 UTC, ns since 1970.
POLAR_EPOCH_NS = 946_684_800 * 10**9


def peer_version(module: str) -> str:
    from importlib.metadata import version

    return f"{module} {version(module.replace('_', '-'))}"


def actfast_read(path: Path):
    import actfast

    ts = actfast.read(str(path))["timeseries"]
    a = ts.get("acceleration") or ts.get("high_frequency")
    if a is None or "acceleration" not in a or not len(a["acceleration"]):
        return None
    return a["datetime"].astype(np.int64), np.asarray(a["acceleration"], np.float64)


def skdh_read(path: Path):
    from skdh.io import ReadBin, ReadCwa

    reader = {".cwa": ReadCwa, ".bin": ReadBin}[path.suffix.lower()]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = reader.predict(file=str(path))
    return np.round(out["time"] * 1e9).astype(np.int64), np.asarray(out["accel"], np.float64)


def pygt3x_read(path: Path):
    from pygt3x.reader import FileReader

    with FileReader(str(path)) as fr:
        df = fr.to_pandas()
    if "IdleSleepMode" in df:
        df = df[~df["IdleSleepMode"].astype(bool)]
    return np.round(df.index.to_numpy(np.float64) * 1e9).astype(np.int64), df[["X", "Y", "Z"]].to_numpy(np.float64)


def pandas_read(path: Path):
    """The CSV exports, read with pandas by their documented layouts."""
    import pandas as pd

    with gzip.open(path) if path.suffix == ".gz" else open(path, "rb") as f:
        head = f.read(2000).decode("utf-8", "replace")
    if head.startswith("Phone timestamp;sensor timestamp [ns]"):  # Polar Sensor Logger
        df = pd.read_csv(path, sep=";")
        sensor = df.iloc[:, 1].to_numpy(np.int64) + POLAR_EPOCH_NS
        phone = pd.to_datetime(df.iloc[:, 0]).to_numpy("datetime64[ns]").view(np.int64)
        return sensor + (phone - sensor).min(), df.iloc[:, 2:5].to_numpy(np.float64) / 1000
    if "Data File Created By ActiGraph" in head:
        lines = head.splitlines()
        fs = float(re.search(r"at (\d+) Hz", lines[0]).group(1))
        names = ["Accelerometer X", "Accelerometer Y", "Accelerometer Z"]
        skip = next(i for i, ln in enumerate(lines) if i and set(ln.strip().rstrip(",")) == {"-"}) + 1
        column_row = not lines[skip][:1].lstrip("-").isdigit()
        df = pd.read_csv(path, skiprows=skip, header=0 if column_row else None, usecols=None if column_row else [0, 1, 2],
                         names=None if column_row else names)
        if df.columns[0].lower().startswith("timestamp"):
            t = pd.to_datetime(df.iloc[:, 0], format="mixed").to_numpy("datetime64[ns]").view(np.int64)
        else:
            order = re.search(r"date format (\S+)", lines[0]).group(1)  # M/d/yyyy, dd/MM/yyyy, ...
            strf = re.sub(r"y+", "%Y", re.sub(r"M+", "%m", re.sub(r"d+", "%d", order)))
            day = pd.to_datetime(re.search(r"Start Date (\S+)", head).group(1).strip(","), format=strf)
            start = day + pd.Timedelta(re.search(r"Start Time (\S+)", head).group(1).strip(","))
            t = start.value + np.round(np.arange(len(df)) * 1e9 / fs).astype(np.int64)
        return t, df[["Accelerometer X", "Accelerometer Y", "Accelerometer Z"]].to_numpy(np.float64)
    rows = head.splitlines()
    if re.fullmatch(r"[\d.]+, [\d.]+, [\d.]+", rows[0].strip()):  # Empatica E4 ACC.csv
        df = pd.read_csv(path, header=None, skiprows=2)
        start, fs = float(rows[0].split(",")[0]), float(rows[1].split(",")[0])
        t = np.round((start + np.arange(len(df)) / fs) * 1e9).astype(np.int64)
        return t, df.to_numpy(np.float64) / 64
    header = None if rows[0][:1].isdigit() else 0
    df = pd.read_csv(path, header=header)
    col = df.iloc[:, 0]
    if pd.api.types.is_numeric_dtype(col):
        t = np.round(col.to_numpy(np.float64) * 1e6).astype(np.int64) * 1000
    else:
        t = pd.to_datetime(col).to_numpy("datetime64[ns]").view(np.int64)
    return t, df.iloc[:, 1:4].to_numpy(np.float64)


#: Peers time the samples of a .cwa block at the nominal rate from the block's timestamp,
#: hypnic at the device's real rate between timestamps (up to ~3 % apart): they differ by
#: up to ~16 ms on these files (and the peers by up to 10 ms from each other).
CWA_TOL_MS = 20.0

PEERS = {  # suffix -> peer readers that read it, best first
    ".gt3x": [("actfast", actfast_read), ("pygt3x", pygt3x_read)],
    ".bin": [("actfast", actfast_read), ("skdh", skdh_read)],
    ".cwa": [("actfast", actfast_read), ("skdh", skdh_read)],
    ".csv": [("pandas", pandas_read)],
    ".txt": [("pandas", pandas_read)],
}


def hypnic_read(path: Path):
    from sensing.readers import read

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recs = read(path, tz="UTC")
    return np.concatenate([r.time_ns for r in recs]), np.concatenate([r.acc for r in recs]).astype(np.float64)


def compare(ours, theirs, tol_ns: int) -> dict:
    """Counts, first/last and the largest differences on samples matched by position (same
    counts) or else by time (within tol_ns)."""
    (t, a), (u, b) = ours, theirs
    if len(t) == len(u):
        near = np.arange(len(t))
    else:
        i = np.clip(np.searchsorted(u, t), 1, len(u) - 1)
        near = np.where(np.abs(u[i - 1] - t) <= np.abs(u[i] - t), i - 1, i)
    dt = np.abs(u[near] - t)
    matched = dt <= tol_ns
    return {"n": [len(t), len(u)], "first": [iso(t[0]), iso(u[0])], "last": [iso(t[-1]), iso(u[-1])],
            "matched": int(matched.sum()), "max_dt_ms": round(float(dt[matched].max()) / 1e6, 3) if matched.any() else None,
            "max_dacc_g": float(np.abs(a[matched] - b[near[matched]]).max()) if matched.any() else None}


@contextlib.contextmanager
def quiet_stdout():
    """Silence file descriptor 1 (C libraries print there), keeping the JSON output clean."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def iso(t_ns: int) -> str:
    return str(np.datetime64(int(t_ns), "ns"))


def figures(peer: str, t: np.ndarray, a: np.ndarray, tol_ms: float) -> dict:
    """What the tests compare: counts, first/last, per-axis min/max/mean, 10 samples."""
    at = np.linspace(0, len(t) - 1, 10).round().astype(int)
    return {"peer": peer, "n": len(t), "first": iso(t[0]), "last": iso(t[-1]), "time_tol_ms": tol_ms,
            "min": np.round(a.min(0), 6).tolist(), "max": np.round(a.max(0), 6).tolist(),
            "mean": np.round(a.mean(0), 6).tolist(),
            "samples": [[int(k), iso(t[k]), *np.round(a[k], 6).tolist()] for k in at]}


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES)
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--local", type=Path, help="a folder of more real files to compare (not recorded)")
    ap.add_argument("--record", type=Path, help="write the peers' figures on tests/data/real here")
    args = ap.parse_args()
    out, recorded = {}, {}
    for root in [REAL, *([args.local] if args.local else [])]:
        for path in files(root):
            key = str(path.relative_to(root))
            suffix = ".csv" if path.name.lower().endswith((".csv", ".csv.gz")) else path.suffix.lower()
            try:
                ours = hypnic_read(path)
            except Exception as exc:  # a refusal is a result too
                out[key] = {"hypnic": f"{type(exc).__name__}: {exc}"}
                continue
            tol_ms = CWA_TOL_MS if suffix == ".cwa" else 1.0
            out[key] = {}
            for name, reader in PEERS.get(suffix, []):
                module = "skdh" if name == "skdh" else name
                if name != "pandas" and importlib.util.find_spec(module) is None:
                    out[key][name] = "not installed"
                    continue
                try:
                    with quiet_stdout():  # skdh's C code prints warnings
                        theirs = reader(path)
                except Exception as exc:
                    out[key][name] = f"{type(exc).__name__}: {str(exc)[:100]}"
                    continue
                if theirs is None or not len(theirs[0]):
                    out[key][name] = "no samples"
                    continue
                out[key][name] = compare(ours, theirs, int(tol_ms * 1e6))
                if root == REAL and key not in recorded:
                    recorded[key] = figures(name if name == "pandas" else peer_version(module), *theirs, tol_ms)
    if args.record:
        lines = ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in recorded.items())
        args.record.write_text("{\n" + lines + "\n}\n")  # one file a line
    print(json.dumps({"benchmark": "real_files", "files": out}))


if __name__ == "__main__":
    main()
