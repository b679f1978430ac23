"""Loading recordings: hypnic's readers side by side with the fastest peer reader.

Device files (written by the small writers in ``tests/sensing/readers/reader_samples.py``
into a temporary folder, ``--hours`` long at 100 Hz: a GENEActiv .bin, an Axivity .cwa
and an ActiGraph .gt3x): each reader runs in a fresh process that imports it and reads
the file once; the wall time, user and system CPU time of the read and the peak
resident memory of the process (VmHWM, imports included) are measured ``--repeat``
times, hypnic and the peer taking turns. On a shared machine the system time (page
faults) and so the wall time vary with the others' load; the user time much less. The peer is actfast (``pip install actfast``, an optional ``bench``
dependency); without it its fields say it was skipped.

Generic CSV (one simulated ``--csv-hours`` night at 100 Hz written by
``sensing.generic.write_csv`` with ISO-8601 times): ``sensing.readers.read`` (times
parsed and checked) against a bare ``pandas.read_csv(path, comment="#")`` (times left as
text) in the same process, taking turns, and the peak memory of a fresh process doing
each. Writing it gzip-compressed (``write_csv`` to ``.csv.gz``) against pandas'
``DataFrame.to_csv`` of the same columns to ``.csv.gz`` (no target: the row shows what a
user waits for ``hypnic convert`` or ``record --out night.csv.gz``).

Targets (issue #15): a device file no slower than the peer (median wall time) and at
most 1.2x its peak memory; the CSV no slower than bare pandas. Figures are min, median
and max of the runs; the machine is shared, so wall times vary. Prints one JSON object.

Usage: python benchmarks/load.py [--hours 21] [--csv-hours 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"time_ratio": 1.0, "memory_ratio": 1.2, "csv_time_ratio": 1.0}

#: A fresh process: import, read once, print wall s, user and system CPU s, peak MB (VmHWM).
RUN = """
import re, resource, sys, time, warnings
warnings.simplefilter("ignore")
{imports}
r0, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
{call}
wall, r1 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
print(wall, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime, peak)
"""

READERS = {
    "hypnic": ("from sensing.readers import read", "read({path!r})"),
    "actfast": ("import actfast", "actfast.read({path!r})"),
    "pandas": ("import pandas as pd", "pd.read_csv({path!r}, comment='#')"),
}


def fresh(reader: str, path: Path) -> tuple[float, float, float, float]:
    """(wall s, user CPU s, system CPU s, peak MB) of one read in a fresh process."""
    imports, call = READERS[reader]
    out = subprocess.run([sys.executable, "-c", RUN.format(imports=imports, call=call.format(path=str(path)))],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), float(out[3])


def spread(values: list[float], digits: int = 3) -> dict:
    return {"min": round(min(values), digits), "median": round(statistics.median(values), digits),
            "max": round(max(values), digits)}


def side_by_side(path: Path, peers: list[str], repeat: int) -> dict:
    """Every reader ``repeat`` times in fresh processes, taking turns."""
    runs: dict[str, list[tuple[float, float, float, float]]] = {r: [] for r in peers}
    for _ in range(repeat):
        for reader in peers:
            runs[reader].append(fresh(reader, path))
    out = {"file_mb": round(path.stat().st_size / 1e6, 1)}
    for reader, rs in runs.items():
        out[reader] = {key: spread([r[k] for r in rs], 3 if k < 3 else 1)
                       for k, key in enumerate(("wall_s", "user_s", "system_s", "peak_mb"))}
    return out


def ratios(result: dict, peer: str) -> None:
    """hypnic over the peer: median wall time, median user CPU time (the system time is
    mostly page faults, which vary with the load of a shared machine), median peak memory."""
    if peer not in result:
        return
    h, p = result["hypnic"], result[peer]
    for key, field in (("ratio_time", "wall_s"), ("ratio_user_cpu", "user_s"), ("ratio_memory", "peak_mb")):
        result[key] = round(h[field]["median"] / p[field]["median"], 2)
    result["targets_met"] = (result["ratio_time"] <= TARGETS["time_ratio"]
                             and result["ratio_memory"] <= TARGETS["memory_ratio"])


def device_files(folder: Path, hours: float) -> dict[str, tuple[Path, int]]:
    sys.path.insert(0, str(ROOT / "tests" / "sensing" / "readers"))
    from reader_samples import write_long_cwa, write_long_geneactiv, write_long_gt3x

    files = {"geneactiv-bin": (folder / "night.bin", write_long_geneactiv),
             "axivity-cwa": (folder / "night.cwa", write_long_cwa),
             "actigraph-gt3x": (folder / "night.gt3x", write_long_gt3x)}
    return {name: (path, writer(path, hours)) for name, (path, writer) in files.items()}


def csv_in_process(path: Path, repeat: int) -> dict:
    """hypnic ``read`` and bare ``pandas.read_csv`` in this process, taking turns: wall
    and user CPU time."""
    import resource
    import warnings

    import pandas as pd

    from sensing.readers import read

    runs: dict[str, list[tuple[float, float]]] = {"hypnic": [], "pandas": []}
    calls = {"hypnic": lambda: read(path), "pandas": lambda: pd.read_csv(path, comment="#")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls.values():
            call()  # warm-up: the file in the page cache, everything imported
        for _ in range(repeat):
            for name, call in calls.items():
                u, t = resource.getrusage(resource.RUSAGE_SELF).ru_utime, time.perf_counter()
                call()
                runs[name].append((time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_utime - u))
    out = {f"{name}_{key}": spread([r[k] for r in rs]) for name, rs in runs.items()
           for k, key in enumerate(("wall_s", "user_s"))}
    out["ratio_time"] = round(out["hypnic_wall_s"]["median"] / out["pandas_wall_s"]["median"], 2)
    out["ratio_user_cpu"] = round(out["hypnic_user_s"]["median"] / out["pandas_user_s"]["median"], 2)
    return out


def gzip_write_in_process(rec, folder: Path, repeat: int) -> dict:
    """``write_csv`` to ``.csv.gz`` and pandas' ``to_csv`` of the same columns (its default
    gzip), in this process, taking turns: wall time, and each file's size."""
    import pandas as pd

    from sensing.generic import iso_strings, write_csv

    frame = pd.DataFrame({"time": iso_strings(rec.time_ns).to_numpy(zero_copy_only=False),
                          "x": rec.acc[:, 0], "y": rec.acc[:, 1], "z": rec.acc[:, 2]})
    calls = {"hypnic": lambda p: write_csv(rec, p), "pandas": lambda p: frame.to_csv(p, index=False)}
    runs: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            t = time.perf_counter()
            call(folder / f"{name}.csv.gz")
            runs[name].append(time.perf_counter() - t)
    out: dict = {f"{name}_wall_s": spread(rs) for name, rs in runs.items()}
    out.update({f"{name}_file_mb": round((folder / f"{name}.csv.gz").stat().st_size / 1e6, 1) for name in calls})
    out["ratio_time"] = round(out["hypnic_wall_s"]["median"] / out["pandas_wall_s"]["median"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=21.0, help="length of the device files, h")
    ap.add_argument("--csv-hours", type=float, default=8.0, help="length of the CSV night, h")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    peer = "actfast" if importlib.util.find_spec("actfast") else None
    result: dict = {"benchmark": "load", "repeat": args.repeat, "targets": TARGETS,
                    "peer": peer or "actfast not installed (pip install actfast): skipped"}
    if peer:
        from importlib.metadata import version

        result["peer_version"] = version(peer)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (path, n) in device_files(Path(tmp), args.hours).items():
            row = side_by_side(path, ["hypnic", *([peer] if peer else [])], args.repeat)
            row.update(samples=n, hours=args.hours)
            if peer:
                ratios(row, peer)
            result[name] = row
            path.unlink()
        from sensing.generic import write_csv
        from simulation import NightConfig, simulate_night

        night = simulate_night(NightConfig(hours_in_bed=args.csv_hours, locations=("wrist-left",)), seed=7)
        csv = write_csv(night.recordings["wrist-left"], Path(tmp) / "night.csv")
        row = {"samples": len(night.recordings["wrist-left"]), "file_mb": round(csv.stat().st_size / 1e6, 1),
               **csv_in_process(csv, args.repeat)}
        row["targets_met"] = row["ratio_time"] <= TARGETS["csv_time_ratio"]
        row["peak_mb"] = {r: fresh(r, csv)[3] for r in ("hypnic", "pandas")}
        result["generic-csv"] = row
        result["generic-csv-gz-write"] = gzip_write_in_process(night.recordings["wrist-left"], Path(tmp), args.repeat)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
