"""Loading an 8 h, 100 Hz recording from CSV: hypnic's readers vs pandas.read_csv defaults.

Generates one simulated night (simulation), writes it with sensing.generic.write_csv
(ISO-8601 times, plain and gzip; epoch seconds) into a temporary folder, pins the process to one core,
and times (best of 3, after a warm-up):

* ``hypnic``: ``sensing.readers.read`` (auto-detection, streaming blocks, time checks),
* ``pandas_default``: ``pandas.read_csv(path, comment="#")`` (times left as text),
* ``pandas_parse_times``: the same plus ``pandas.to_datetime`` on the time column (what
  it takes to get the same result),

and the peak resident memory of a fresh process that only imports and reads (hypnic,
pandas), next to the size of the result (8 ns + 12 bytes per sample). A 24 h file (the
night three times over) shows that hypnic's memory follows the result, not the text.
Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def best_of(fn, n=3):
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(min(times), 3)


PEAK = (
    "import re\n"
    "def hwm():\n"
    "    return re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
    "{imports}\n"
    "before = hwm()\n"
    "{call}\n"
    "print(before, hwm())\n"
)


def peak_mb(imports: str, call: str) -> tuple[float, float]:
    """(peak resident MB after imports, and after the call) of a fresh process (Linux)."""
    out = subprocess.run([sys.executable, "-c", PEAK.format(imports=imports, call=call)],
                         capture_output=True, text=True, check=True).stdout.split()
    return round(int(out[0]) / 1024, 1), round(int(out[1]) / 1024, 1)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pandas as pd
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    from sensing import generic
    from sensing.readers import read
    from sensing.recording import Recording
    from simulation import NightConfig, simulate_night

    night = simulate_night(NightConfig(hours_in_bed=8.0, locations=("wrist-left",)), seed=7)
    rec = night.recordings["wrist-left"]
    with tempfile.TemporaryDirectory() as tmp:
        csv = generic.write_csv(rec, Path(tmp) / "night.csv")
        gz = generic.write_csv(rec, Path(tmp) / "night.csv.gz")
        epoch = generic.write_csv(rec, Path(tmp) / "epoch.csv", time_format="epoch")
        ours = read(csv)[0]
        assert np.array_equal(ours.time_ns, rec.time_ns) and np.array_equal(ours.acc, rec.acc)
        base, hyp = peak_mb("from sensing.readers import read", f"read({str(csv)!r})")
        pbase, pan = peak_mb("import pandas as pd", f"pd.read_csv({str(csv)!r}, comment='#')")
        result = {
            "rows": len(rec),
            "csv_mb": round(csv.stat().st_size / 1e6, 1),
            "gz_mb": round(gz.stat().st_size / 1e6, 1),
            "cores": 1,
            "hypnic_csv_s": best_of(lambda: read(csv)),
            "hypnic_gz_s": best_of(lambda: read(gz), n=1),
            "hypnic_epoch_csv_s": best_of(lambda: read(epoch)),
            "pandas_default_s": best_of(lambda: pd.read_csv(csv, comment="#")),
            "pandas_epoch_csv_s": best_of(lambda: pd.read_csv(epoch, comment="#")),
            "pandas_parse_times_s": best_of(
                lambda: pd.to_datetime(pd.read_csv(csv, comment="#")["time"], utc=True), n=1),
            "result_mb": round(len(rec) * 20 / 1e6, 1),
            "hypnic_rss_after_import_mb": base,
            "hypnic_rss_peak_mb": hyp,
            "pandas_rss_after_import_mb": pbase,
            "pandas_rss_peak_mb": pan,
            "exact_round_trip": True,
        }
        del ours
        span = int(rec.time_ns[-1] - rec.time_ns[0]) + 10_000_000
        day = Recording(np.concatenate([rec.time_ns + k * span for k in range(3)]),
                        np.concatenate([rec.acc] * 3), rec.fs, rec.location, rec.device)
        day_csv = generic.write_csv(day, Path(tmp) / "day.csv")
        t0 = time.perf_counter()
        n_day = len(read(day_csv)[0])
        result.update({
            "day_rows": n_day,
            "day_csv_mb": round(day_csv.stat().st_size / 1e6, 1),
            "hypnic_day_s": round(time.perf_counter() - t0, 3),
            "day_result_mb": round(n_day * 20 / 1e6, 1),
            "hypnic_day_rss_peak_mb": peak_mb("from sensing.readers import read",
                                              f"read({str(day_csv)!r})")[1],
        })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
