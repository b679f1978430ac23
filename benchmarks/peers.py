"""Side by side on the same 9.5 h, 100 Hz wrist file: hypnic vs pandas (loading) and vs
scikit-digital-health (sleep period), as ratios.

Simulates one wrist night with known sleep onset and wake (simulation) and writes it
as a generic CSV (ISO-8601 times). First, whole processes on all cores, taking turns
``--runs`` times (min / median / max wall time; ratios of the medians):

* ``hypnic detect night.csv --out events.csv --sleep-out sleep.json`` (start-up, reading,
  detection, sleep, writing: what a user waits for);
* a bare ``pandas.read_csv(path, comment="#")`` (times left as text);
* the scikit-digital-health peer: ``pandas.read_csv``, ``to_datetime`` and its sleep
  pipeline (below), in one process.

Then it pins itself to one core and times, best of ``--repeat`` after a warm-up:

* loading: ``sensing.readers.read`` vs ``pandas.read_csv(path, comment="#")`` (defaults,
  times left as text) and the same plus ``pandas.to_datetime`` on the time column (what it
  takes to get times at all);
* sleep period on the loaded arrays: hypnic's (jerk candidates, which the sleep analysis
  masks, then HDCZA: ``detection.night.sensor_candidates`` + ``night_sleep``) vs
  scikit-digital-health's sleep pipeline (``skdh.preprocessing.GetDayWindowIndices`` for
  a noon-to-noon day, then ``skdh.sleep.Sleep`` with the recording marked worn), with the
  error of each one's sleep onset and end against the simulated truth, min. The import
  time of ``skdh`` is measured in a fresh process.

``in_process``: hypnic's read, candidates and sleep against the bare ``read_csv`` in one
process, on all cores (before pinning: pyarrow reads on both) and on one core (the sum
of the pinned figures above).

scikit-digital-health is an optional benchmark dependency (``pip install
scikit-digital-health``), not a dependency of hypnic: without it the ``sleep.peer`` field
says it was skipped. Prints one JSON object.

Usage: python benchmarks/peers.py [--hours 9.5] [--repeat 3] [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from pipeline import machine, pin_one_core

PEER = "skdh"


def best_of(fn, repeat: int) -> tuple[float, object]:
    out = fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def minutes(a, b) -> float | None:
    """a - b in minutes (None when either is missing)."""
    import pandas as pd

    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return None
    return round((pd.Timestamp(a) - pd.Timestamp(b)).total_seconds() / 60, 1)


def load(path: str, repeat: int) -> dict:
    import pandas as pd

    from sensing.readers import read

    ours, _ = best_of(lambda: read(path), repeat)
    pd_default, _ = best_of(lambda: pd.read_csv(path, comment="#"), repeat)

    def pd_times():
        df = pd.read_csv(path, comment="#")
        df["time"] = pd.to_datetime(df["time"], utc=True, format="ISO8601")
        return df

    pd_parse, _ = best_of(pd_times, repeat)
    return {"hypnic_read_s": round(ours, 3), "pandas_read_csv_default_s": round(pd_default, 3),
            "pandas_read_csv_plus_to_datetime_s": round(pd_parse, 3),
            "ratio_pandas_default_over_hypnic": round(pd_default / ours, 2),
            "ratio_pandas_with_times_over_hypnic": round(pd_parse / ours, 2)}


PANDAS_PROCESS = "import sys, pandas; pandas.read_csv(sys.argv[1], comment='#')"
PEER_PROCESS = """
import sys
sys.path.insert(0, {here!r})
import pandas as pd
from peers import peer_sleep
from sensing.recording import Recording
df = pd.read_csv(sys.argv[1], comment="#")
t = pd.to_datetime(df["time"], utc=True, format="ISO8601").to_numpy("datetime64[ns]").view("int64")
peer_sleep(Recording(t, df[["x", "y", "z"]].to_numpy(), {fs!r}, "wrist-left"))
"""


def processes(path: str, fs: float, runs: int) -> dict:
    """Wall time of whole processes on ``path`` (see the module docstring), s."""
    here = str(Path(__file__).parent)
    hypnic = str(Path(sys.executable).with_name("hypnic"))
    with tempfile.TemporaryDirectory() as tmp:
        cmds = {"hypnic_detect": [hypnic, "detect", path, "--out", f"{tmp}/events.csv",
                                  "--sleep-out", f"{tmp}/sleep.json"],
                "pandas_read_csv": [sys.executable, "-c", PANDAS_PROCESS, path]}
        if importlib.util.find_spec(PEER) is not None:
            cmds["skdh_sleep"] = [sys.executable, "-c", PEER_PROCESS.format(here=here, fs=fs), path]
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(runs):  # taking turns, so a busy spell hits each one alike
            for name, cmd in cmds.items():
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                times[name].append(time.perf_counter() - t0)
    out: dict = {k: [round(x, 2) for x in (min(v), float(np.median(v)), max(v))] for k, v in times.items()}
    med = {k: float(np.median(v)) for k, v in times.items()}
    out["ratio_hypnic_over_pandas"] = round(med["hypnic_detect"] / med["pandas_read_csv"], 2)
    if "skdh_sleep" in med:
        out["ratio_hypnic_over_skdh"] = round(med["hypnic_detect"] / med["skdh_sleep"], 2)
    out["seconds_are"] = "min / median / max"
    return out


def in_process(path: str, repeat: int) -> dict:
    """hypnic's read + candidates + sleep against a bare ``pandas.read_csv`` in this
    process, on the cores it has, s (best of ``repeat`` after a warm-up)."""
    import pandas as pd

    from sensing.readers import read

    ours, _ = best_of(lambda: ours_sleep(read(path)[0]), repeat)
    bare, _ = best_of(lambda: pd.read_csv(path, comment="#"), repeat)
    return {"hypnic_read_candidates_sleep_s": round(ours, 3), "pandas_read_csv_default_s": round(bare, 3),
            "ratio_over_pandas_read_csv": round(ours / bare, 2)}


def ours_sleep(rec):
    from detection import DetectionConfig
    from detection.night import night_sleep, sensor_candidates

    cfg = DetectionConfig()
    periods, _, _ = night_sleep([rec], {rec.location: sensor_candidates(rec, cfg)}, cfg)
    nights = [p for p in periods if p.kind == "night"]
    return max(nights, key=lambda p: p.wake - p.onset) if nights else None  # the main night


def peer_sleep(rec):
    """skdh's sleep pipeline; returns (onset, end) as UTC Timestamps or None."""
    import pandas as pd
    from skdh.preprocessing import GetDayWindowIndices
    from skdh.sleep import Sleep

    t = rec.time_ns / 1e9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        days = GetDayWindowIndices(bases=[12], periods=[24]).predict(time=t, fs=rec.fs, tz_name="UTC")
        res = Sleep(min_day_hours=6).predict(time=t, accel=rec.acc, fs=rec.fs, tz_name="UTC",
                                             wear=np.array([[0, len(t) - 1]]), **days)
    start = res["TSO Start Timestamp"][0]
    if start is None or not np.isfinite(start):
        return None, None
    onset = pd.Timestamp(float(start), unit="s", tz="UTC")
    return onset, onset + pd.Timedelta(minutes=float(res["TSO Duration"][0]))


def sleep(rec, truth: dict, repeat: int) -> dict:
    ours_s, w = best_of(lambda: ours_sleep(rec), repeat)
    out = {"hypnic_s": round(ours_s, 3),
           "hypnic_onset_error_min": minutes(w and w.onset, truth["onset"]),
           "hypnic_end_error_min": minutes(w and w.wake, truth["wake"])}
    if importlib.util.find_spec(PEER) is None:
        out["peer"] = {"name": "scikit-digital-health", "installed": False,
                       "skipped": "pip install scikit-digital-health to compare"}
        return out
    import skdh

    peer_s, (onset, end) = best_of(lambda: peer_sleep(rec), repeat)
    imp = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import skdh.sleep, "
                          "skdh.preprocessing; print(time.perf_counter() - t)"],
                         capture_output=True, text=True, check=True).stdout.split()[-1]
    out["peer"] = {"name": "scikit-digital-health", "version": skdh.__version__, "installed": True,
                   "seconds": round(peer_s, 3), "import_s": round(float(imp), 2),
                   "onset_error_min": minutes(onset, truth["onset"]),
                   "end_error_min": minutes(end, truth["wake"])}
    out["ratio_peer_over_hypnic"] = round(peer_s / ours_s, 2)
    return out


def main() -> None:
    from sensing.generic import write_csv
    from simulation import NightConfig, simulate_night

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=9.5)
    ap.add_argument("--fs", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3, help="runs of each whole process")
    args = ap.parse_args()
    night = simulate_night(NightConfig(fs=args.fs, hours_in_bed=args.hours, locations=("wrist-left",)), seed=1)
    rec = night.recordings["wrist-left"]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "night.csv")
        write_csv(rec, path)
        size = os.path.getsize(path)
        whole = processes(path, args.fs, args.runs)
        all_cores = in_process(path, args.repeat)
        core = pin_one_core()
        loading = load(path, args.repeat)
    asleep = sleep(rec, night.sleep, args.repeat)
    one_core = loading["hypnic_read_s"] + asleep["hypnic_s"]
    in_proc = {"all_cores": all_cores,
               "one_core": {"hypnic_read_candidates_sleep_s": round(one_core, 3),
                            "ratio_over_pandas_read_csv": round(one_core / loading["pandas_read_csv_default_s"], 2)}}
    print(json.dumps({"benchmark": "peers", "hours": args.hours, "fs_hz": args.fs, "samples": len(rec),
                      "csv_mb": round(size / 1e6, 1), "processes": whole, "in_process": in_proc,
                      "pinned_core": core, "load": loading, "sleep": asleep, "machine": machine()}))


if __name__ == "__main__":
    main()
