"""Cost of the live-recording pipeline per sensor: decode + time + store + detect.

Replays a simulated night (100 Hz, one wrist sensor) as the notifications a real
sensor sends (Polar PMD delta-compressed frames, or hypnic-profile packets, at MTU 247),
through the same consumer code the BLE reader runs (its SampleSink: profile decode,
Sequencer, SensorClock, RecordingStore commit every second of data, live jerk
detection), as fast as possible.
Reports CPU seconds per second of recording (= fraction of one core at real time),
memory (RSS) every hour of data, and the live-detection delay in data time.

Usage: python benchmarks/ble_pipeline.py [--hours 8] [--profile polar|hypnic]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from hypnic.workflows.record import live_jerks
from sensing.ble import hypnic_profile, pmd
from sensing.ble.clock import ClockConfig
from sensing.ble.profiles import PROFILES
from sensing.ble.reader import SampleSink, SensorSpec, SensorStatus
from sensing.store import RecordingStore, StoreConfig, read_events
from simulation import NightConfig, simulate_night


def rss_mb() -> float:
    """Resident memory now, MB (Linux /proc)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1e6


def packets(rec, profile: str, per: int):
    """(host arrival ns, bytes, index of last sample) for each notification."""
    for i0 in range(0, len(rec) - per + 1, per):
        t = rec.time_ns[i0:i0 + per]
        if profile == "polar":
            data = pmd.encode_acc_frame(int(t[-1]) - pmd.POLAR_EPOCH_NS,
                                        np.rint(rec.acc[i0:i0 + per] * 1000))
        else:
            raw = np.rint(rec.acc[i0:i0 + per] * 4096).astype(np.int16)
            data = hypnic_profile.pack_packet(i0, (int(t[0]) - int(rec.time_ns[0])) // 1000, raw,
                                              int(rec.fs), 8)
        yield int(t[-1]) + 15_000_000, data, i0 + per - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0, help="Night replayed, h (0.5-16; default 8).")
    ap.add_argument("--profile", default="polar", choices=["polar", "hypnic"],
                    help="The notifications' bytes: Polar PMD frames or hypnic-profile packets.")
    args = ap.parse_args()
    night = simulate_night(NightConfig(hours_in_bed=args.hours, locations=("wrist-left",),
                                       gaps_per_night=0, fs=100.0), seed=7)
    rec = night.recordings["wrist-left"]
    per = 39 if args.profile == "polar" else hypnic_profile.samples_per_packet(247)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        store = RecordingStore(path, StoreConfig(commit_interval_s=1e9))
        now = [0]
        spec = SensorSpec("BENCH", "wrist-left", args.profile)
        # the data clock plays the host clock
        sink = SampleSink(spec, SensorStatus(spec.address, spec.location), store,
                          lambda: now[0], ClockConfig(), live=live_jerks)
        sink.profile = PROFILES[args.profile]()
        sink.profile.fs_hz, sink.profile.range_g = rec.fs, 8
        cpu = 0.0
        n_packets = 0
        next_commit = int(rec.time_ns[0]) + 10**9
        hour_ns, next_hour = 3600 * 10**9, int(rec.time_ns[0])
        rss = []
        for host_ns, data, _ in packets(rec, args.profile, per):
            now[0] = host_ns
            c0 = time.process_time()
            sink.consume(host_ns, data)
            if host_ns >= next_commit:
                store.commit()
                next_commit += 10**9
            cpu += time.process_time() - c0
            n_packets += 1
            if host_ns >= next_hour:
                rss.append(round(rss_mb(), 1))
                next_hour += hour_ns
        c0 = time.process_time()
        sink.finish(connected=True)
        store.close()
        cpu += time.process_time() - c0
        rss.append(round(rss_mb(), 1))
        events = read_events(path)
        size_mb = path.stat().st_size / 1e6
    seconds = len(rec) / rec.fs
    jerks = events[events.kind == "jerk"]
    delay = (jerks.detected_ns - jerks.end_ns) / 1e9  # end of jerk -> stored, data clock
    print(json.dumps({
        "benchmark": "ble_pipeline", "profile": args.profile, "hours": args.hours,
        "fs_hz": rec.fs, "samples": len(rec), "notifications": n_packets,
        "cpu_s": round(cpu, 2), "core_fraction_per_sensor": round(cpu / seconds, 5),
        "us_per_notification": round(cpu / n_packets * 1e6, 1),
        "rss_mb_each_hour": rss, "sqlite_mb": round(size_mb, 1),
        "events": len(events), "jerks": len(jerks),
        "jerk_delay_s_median": round(float(np.median(delay)), 2) if len(delay) else None,
        "jerk_delay_s_max": round(float(np.max(delay)), 2) if len(delay) else None,
    }))


if __name__ == "__main__":
    main()
