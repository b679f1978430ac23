"""``hypnic scan``, ``hypnic record`` and ``hypnic export``: live recording over BLE."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import typer

from hypnic.app import app

log = logging.getLogger(__name__)

_UNITS = {"h": 3600.0, "hr": 3600.0, "min": 60.0, "m": 60.0, "s": 1.0, "sec": 1.0}


def parse_duration(text: str) -> float:
    """Seconds in ``8h``, ``90m``, ``1h30m`` or ``45s`` (also ``2min``, ``8hr``, ``45sec``, as
    hypnic writes durations: ``2 min``). A number without a unit is refused: ``8`` meant as
    hours would record 8 s of a night."""
    from sensing.errors import HypnicError

    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        raise HypnicError(f"--duration {text} has no unit; give {text}h, {text}m or {text}s")
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(hr|h|min|m|sec|s)", text)
    if not parts or re.sub(r"\s+", "", text) != "".join(a + b for a, b in parts):
        raise HypnicError(f"cannot read duration {text!r}; use e.g. 8h, 90m, 2min, 1h30m, 45s")
    seconds = sum(float(v) * _UNITS[u] for v, u in parts)
    if seconds <= 0:
        raise HypnicError(f"--duration {text} is no time at all; give e.g. 8h, 90m or 45s")
    return seconds


def _check_faults(faults, seconds: float | None) -> None:
    """Refuse faults a live recording cannot show: those of Polar file transfer, and any
    at or after the end of the recording (``seconds`` of night)."""
    from sensing.emulator.sensor import LIVE_FAULT_KINDS
    from sensing.errors import HypnicError

    for f in faults:
        if f.kind not in LIVE_FAULT_KINDS:
            raise HypnicError(f"--fault {f.kind} is a fault of Polar file transfer (hypnic sensor download "
                              f"--emulate); a live recording takes {', '.join(LIVE_FAULT_KINDS)}")
        if seconds is not None and f.at_s >= seconds:
            raise HypnicError(f"--fault {f.kind}@{f.at_s:g} comes after the {seconds:g} s recorded "
                              "(--duration): it would never happen")


def parse_fault(text: str):
    """The emulator's :class:`~sensing.emulator.Fault` that ``--fault KIND@SECONDS[:ARG]``
    names: ARG is a count for ``lose`` (notifications) and ``cut`` (air packets of a
    download before the link drops, out of range then for 3 s), else a duration, s."""
    from sensing.emulator import Fault
    from sensing.errors import HypnicError

    m = re.fullmatch(r"(\w+)@([\d.]+)(?::([\d.]+))?", text.strip())
    if not m:
        raise HypnicError(f"cannot read fault {text!r}; use KIND@SECONDS[:DURATION_OR_COUNT], "
                          "e.g. drop@600:30, lose@900:3, reboot@1200, stall@1500")
    kind, at, extra = m.group(1), float(m.group(2)), m.group(3)
    if kind in ("lose", "cut"):
        return Fault(kind, at, duration_s=3.0 if kind == "cut" else 0.0, count=int(float(extra or 1)))
    return Fault(kind, at, duration_s=float(extra or (2 if kind == "reboot" else 0)))


class _Pace:
    """How fast an emulated night runs against the asked ``speed`` (None: real sensors)."""

    def __init__(self, speed: float | None):
        from collections import deque

        self.speed = speed
        self._marks: deque[tuple[float, float]] = deque(maxlen=6)  # (loop s, real s)

    def mark(self) -> None:
        import asyncio
        import time

        self._marks.append((asyncio.get_running_loop().time(), time.monotonic()))

    def warning(self) -> str:
        """A warning when the emulator runs well below ``speed`` ("" otherwise)."""
        if self.speed is None or len(self._marks) < 3:
            return ""
        (v0, r0), (v1, r1) = self._marks[0], self._marks[-1]
        achieved = (v1 - v0) / max(r1 - r0, 1e-9)
        if achieved >= 0.8 * self.speed:
            return ""
        return (f"the emulator runs at {achieved:.0f}x, not {self.speed:g}x: the machine is "
                "busy; the night will be complete, it takes longer")


def _status_table(statuses, warning: str = "", marks: int | None = None):
    from rich.table import Table

    caption = " ".join(x for x in (warning, "" if marks is None else
                                   f"Enter = I felt one ({marks} marked)") if x)
    # one space between columns, and every column but the link state whole: on an
    # 80-column terminal the address read 'A0:9E:1A…' for every Polar sensor and the
    # location 'wrist-r…'; a long link state ('reconnecting in 30 s') wraps instead
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0), caption=caption or None,
                  caption_style="yellow")
    rows = [[s.address, s.location, s.profile or "?", s.link, f"{s.rate_hz:.0f}",
             "-" if s.battery is None else f"{s.battery}%", str(s.gaps), str(s.reconnects),
             str(s.jerks)] for s in statuses]
    for i, col in enumerate(("sensor", "location", "profile", "link", "Hz", "batt", "gaps",
                             "reconn.", "bursts")):
        table.add_column(col, justify="left" if col in ("sensor", "location", "profile",
                                                        "link") else "right",
                         no_wrap=col != "link",
                         min_width=None if col == "link" else max(len(r[i]) for r in [[col] * 9, *rows]))
    for r in rows:
        table.add_row(*r)
    return table


#: Share of a sensor's samples lost on the radio from which the summary gives advice.
LOST_SHARE_HINT = 0.01


def lost_share(samples: int, missing: int) -> float:
    """Share of a sensor's samples lost on the radio (0-1), to the 0.1 % the summary shows
    it in, so that the advice follows the figure shown (7131 of 719973: '1.0 %', advised).

    Parameters
    ----------
    samples, missing : int
        Samples stored, and samples the sensor counted that never arrived.
    """
    return round(100 * missing / max(samples + missing, 1), 1) / 100

@app.command()
def scan(
    timeout: float = typer.Option(5.0, "--timeout", "-t", min=0.5, help="Scan time, s."),
    show_all: bool = typer.Option(False, "--all", help="Also list unsupported devices."),
    emulate: bool = typer.Option(False, "--emulate",
                                 help="Scan emulated sensors (Polar, hypnic, WitMotion) instead."),
) -> None:
    """List nearby supported sensors: name, address, RSSI and detected profile."""
    import asyncio

    from sensing.ble.profiles import detect_profile
    from sensing.ble.reader import bluetooth_errors

    async def run(air=None):
        from bleak import BleakScanner

        if air is not None:
            await air.start()
        try:
            with bluetooth_errors("cannot scan"):
                return await BleakScanner.discover(
                    timeout=timeout, return_adv=True,
                    backend=None if air is None else air.scanner_backend)
        finally:
            if air is not None:
                await air.close()

    if emulate:
        from hypnic.workflows.record import EMULATED_PROFILES, emulated_air
        from sensing.emulator import run as run_emulated

        async def run_air():
            return await run(emulated_air(EMULATED_PROFILES,
                                          ["wrist-left", "ankle-left", "trunk"], 60.0))

        found = run_emulated(run_air())  # virtual time: the scan takes no real time
    else:
        found = asyncio.run(run())
    rows = []
    for device, adv in found.values():
        profile = detect_profile(adv.local_name, adv.service_uuids)
        if profile or show_all:
            rows.append((adv.rssi, device.address, adv.local_name or device.name or "",
                         profile or "-"))
    if not rows:
        typer.echo("no supported sensor found (is it awake, charged and not connected to a "
                   "phone app?)")
        return
    typer.echo(f"{'address':<38} {'rssi':>5}  {'profile':<9} name")
    for rssi, address, name, profile in sorted(rows, reverse=True):
        typer.echo(f"{address:<38} {rssi:>5}  {profile:<9} {name}")


def _check_emulated_devices(profile: str, devices: list[str]) -> None:
    """Refuse ``--device`` addresses that are not those of the emulated sensors ``--emulate
    profile`` plays: as many of the profile as ``devices`` (each once, any order), at the
    addresses ``hypnic scan --emulate`` lists."""
    from sensing.emulator.sensor import emulated_address
    from sensing.errors import HypnicError

    known = [emulated_address(profile, i) for i in range(len(devices))]
    if sorted(d.upper() for d in devices) != known:
        raise HypnicError(f"--device {', '.join(devices)}: --emulate {profile} with "
                          f"{len(devices)} sensor(s) plays {', '.join(known)} (as 'hypnic scan "
                          "--emulate' lists them); give those, or leave out --device")


def _warn_before_the_night(locations: list[str], rate: float) -> None:
    """Say before a night is spent what will make its counts a lower bound: sensors
    (``locations``: keys of ``sensing.body.LOCATIONS``) only where few jerks show, or a
    rate (Hz) under the one detection was measured from (the same warnings ``hypnic
    detect`` gives on the files)."""
    from detection.scoring import MEASURED, slow_rate_text, weak_placements, weak_placements_text

    weak = weak_placements(locations)
    if weak:
        log.warning("sensors only on %s; wear one on a wrist or an ankle (firmware_notes/README.md)",
                    weak_placements_text(weak))
    if rate < MEASURED.lowest_rate_hz:
        log.warning("--rate %s; ask for %g Hz or more", slow_rate_text(rate), MEASURED.lowest_rate_hz)


@app.command()
def record(
    out: Path = typer.Option(..., "--out", "-o", help="Recording file to create (.sqlite)."),
    device: list[str] = typer.Option([], "--device", "-d",
                                     help="Sensor address; repeat for several sensors."),
    location: list[str] = typer.Option([], "--location", "-l",
                                       help="Where each sensor is worn, in --device order "
                                            "(wrist-left, ankle-left, trunk, ...)."),
    profile: str = typer.Option(None, "--profile",
                                help="Force a profile (polar, hypnic, witmotion); "
                                     "default: detect."),
    rate: float = typer.Option(100.0, "--rate", min=1, help="Wanted sampling rate, Hz."),
    range_g: int = typer.Option(8, "--range", min=2, help="Wanted full-scale range, g."),
    duration: str = typer.Option(None, "--duration",
                                 help="Stop after this long (8h, 90m, 2min, 45s); default: Ctrl-C."),
    emulate: str = typer.Option(None, "--emulate",
                                help="Record emulated sensor(s) speaking this profile "
                                     "(polar, hypnic or witmotion) playing a simulated night."),
    speed: float = typer.Option(1.0, "--speed", min=0.1, max=1000,
                                help="With --emulate: times faster than real time at most "
                                     "(--duration is night time: a busy machine makes the "
                                     "night take longer, never shorter)."),
    fault: list[str] = typer.Option([], "--fault",
                                    help="With --emulate: inject KIND@SECONDS[:ARG] "
                                         "(drop@600:30, lose@900:3, reboot@1200, stall@1500)."),
    seed: int = typer.Option(0, "--seed", help="With --emulate: simulator seed."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary at the end."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live status line."),
) -> None:
    """Record one or more BLE accelerometers into a crash-safe SQLite file.

    Reconnects automatically, marks every gap, commits every second (a crash loses at
    most ~1 s) and counts jerk-shaped bursts live (the night's jerk count, sleep starts
    only, comes from 'hypnic nights --add' on the recording). Stop with Ctrl-C or
    --duration.
    """
    import asyncio
    import json
    import signal
    import sys
    import time

    from rich.console import Console
    from rich.live import Live

    from hypnic.workflows.record import EMULATED_PROFILES, emulated_air
    from hypnic.workflows.record import record as record_workflow
    from sensing.ble.reader import SensorSpec
    from sensing.body import parse_location
    from sensing.errors import HypnicError

    if out.suffix.lower() != ".sqlite":
        raise HypnicError(f"--out {out.name}: a recording is a SQLite file, name it .sqlite "
                          "(hypnic export then writes .csv or .parquet)")
    if out.exists():
        raise HypnicError(f"{out} already exists; choose another --out (recordings are never "
                          "overwritten)")
    if emulate and emulate not in EMULATED_PROFILES:
        raise HypnicError(f"--emulate must be {', '.join(EMULATED_PROFILES[:-1])} or "
                          f"{EMULATED_PROFILES[-1]}, got {emulate!r}")
    if fault and not emulate:
        raise HypnicError("--fault needs --emulate")
    seconds = parse_duration(duration) if duration else None
    if emulate and seconds is None:
        raise HypnicError("--emulate needs --duration (night time to stream)")
    n = len(device) or (max(len(location), 1) if emulate else 0)
    if not n:
        raise HypnicError("give at least one --device ADDRESS (find it with 'hypnic scan'), "
                          "or --emulate")
    if emulate and device:
        _check_emulated_devices(emulate, device)
    if emulate and (rate != 100.0 or range_g != 8):
        log.warning("--emulate: the emulated sensors play a simulated night of 100 Hz and +-8 g; "
                    "--rate and --range are for real sensors and are not used")
    locations = list(location) or (["wrist-left"] if n == 1 else [])
    if len(locations) != n:
        raise HypnicError(f"give one --location per sensor: {n} sensor(s), "
                          f"{len(locations)} location(s)")
    locations = [parse_location(loc) for loc in locations]  # "Left wrist" is wrist-left
    _warn_before_the_night(locations, rate)
    faults = tuple(parse_fault(f) for f in fault)
    _check_faults(faults, seconds)
    console = Console(stderr=True)
    show = not quiet and sys.stderr.isatty()
    pace = _Pace(speed if emulate else None)

    recorders: list = []
    t0 = [time.monotonic()]
    marks = [0]
    keys = sys.stdin.isatty()

    def felt_one() -> None:
        """A key (Enter) pressed in the terminal: a felt-it marker, stamped now."""
        sys.stdin.readline()
        recorders[0].store.add_marker(recorders[0].now_ns(), "key")
        marks[0] += 1

    def started(recorder) -> None:
        recorders.append(recorder)
        t0[0] = time.monotonic()
        loop = asyncio.get_running_loop()
        if keys:
            loop.add_reader(sys.stdin.fileno(), felt_one)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, recorder.stop)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
                pass

    async def run():
        air = emulated_air([emulate] * n, locations, seconds or 0.0, faults, seed,
                           device or None) if emulate else None
        addresses = list(device) or list(air.sensors if air is not None else [])
        specs = [SensorSpec(a, loc, profile or emulate, rate, range_g)
                 for a, loc in zip(addresses, locations, strict=True)]
        with Live(_status_table([]), console=console, refresh_per_second=1,
                  transient=False) if show else _nothing() as live:
            task = asyncio.ensure_future(record_workflow(out, specs, seconds, air=air,
                                                         started=started))
            while not task.done():  # about once a real second (``speed`` night seconds)
                await asyncio.wait({task}, timeout=pace.speed or 1.0)
                pace.mark()
                if live is not None and recorders:
                    live.update(_status_table(recorders[0].statuses, pace.warning(),
                                              marks[0] if keys else None))
            return task.result()

    try:
        if emulate:
            from sensing.emulator import run as run_emulated

            summary = run_emulated(run(), speed=speed)
        else:
            summary = asyncio.run(run())
    except KeyboardInterrupt:  # platforms without loop signal handlers
        summary = None
    if summary is None:
        typer.echo(f"interrupted; what was recorded is in {out}" if out.exists() else
                   "interrupted before the first sample; nothing was recorded", err=True)
        return
    if not out.exists():  # the store removes a recording that got no sample
        raise HypnicError(f"no sample arrived before the end; {out} was not created")
    summary["out"] = str(out)
    summary["jerks"] = sum(s["jerks"] for s in summary["sensors"])
    if emulate:
        summary["real_s"] = round(time.monotonic() - t0[0], 3)  # recording, not start-up
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        from analysis.effects import plural

        lossy = False
        for s in summary["sensors"]:
            share = lost_share(s["samples"], s["missing"])
            lossy |= share >= LOST_SHARE_HINT
            lost = f" ({s['missing']} lost on the radio, {100 * share:.1f} %)" if s["missing"] else ""
            typer.echo(f"{s['address']} ({s['location']}, {s['profile']}): {s['samples']} samples{lost}, "
                       f"{plural(s['gaps'], 'gap')}, {plural(s['reconnects'], 'reconnect')}, "
                       f"{plural(s['jerks'], 'jerk-shaped burst')}")
        if lossy:
            typer.echo(f"{100 * LOST_SHARE_HINT:g} % or more of a sensor's samples were lost on the radio. "
                       "A jerk in a lost packet is lost with it (docs/detection.md, \"Lost radio "
                       "packets\"). Next time keep the sensor within a few metres of the "
                       "computer, with nothing in between.")
        if emulate:
            typer.echo(f"emulated {summary['duration_s']:.0f} s of night in {summary['real_s']:.1f} s"
                       f" ({summary['duration_s'] / max(summary['real_s'], 1e-9):.0f}x real time;"
                       f" asked {speed:g}x)")
        typer.echo(f"recorded to {out}; the night's jerks (sleep starts only): "
                   f"hypnic nights --add {out}")


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@app.command()
def export(
    path: Path = typer.Argument(..., help="A live recording (.sqlite)."),
    out: Path = typer.Option(..., "--out", "-o",
                             help="night.csv, night.csv.gz or night.parquet; with several "
                                  "sensors one file per sensor (night-wrist-left.csv ...)."),
) -> None:
    """Export a live recording to generic CSV or Parquet (plus its live events as CSV).

    Existing files are never overwritten; every file written is readable by you alone.
    """
    from sensing import generic
    from sensing.errors import HypnicError
    from sensing.private import write_private
    from sensing.store import read_events, read_sqlite

    name = out.name.lower()
    if name.endswith(".parquet"):
        writer, suffix = generic.write_parquet, ".parquet"
    elif name.endswith((".csv", ".csv.gz")):
        writer, suffix = generic.write_csv, ".csv.gz" if name.endswith(".gz") else ".csv"
    else:
        raise HypnicError(f"--out must end in .csv, .csv.gz or .parquet, got {out.name}")
    recordings = read_sqlite(path)
    if not recordings:
        raise HypnicError(f"{path} holds no samples yet")
    events = read_events(path)
    targets = export_names(out, suffix, [r.location for r in recordings])
    events_target = out.with_name(f"{out.name[: -len(suffix)]}-events.csv")
    taken = [t for t in [*targets, events_target] if t.exists()]
    if taken:
        raise HypnicError(f"{taken[0]} already exists; choose another --out (exports never "
                          "overwrite a file)")
    for rec, target in zip(recordings, targets, strict=True):
        writer(rec, target)
    written = list(targets)
    if len(events):
        table = events.assign(start=events["start"].map(lambda t: t.isoformat()),
                              end=events["end"].map(lambda t: t.isoformat()))
        written.append(write_private(events_target, table.to_csv(index=False)))
    typer.echo("wrote " + ", ".join(str(w) for w in written))


def export_names(out: Path, suffix: str, locations: list[str]) -> list[Path]:
    """One file per sensor: ``out`` itself for one sensor, else ``<stem>-<location>``
    (``<stem>-<location>-<n>`` for the n-th of several sensors at one location)."""
    if len(locations) == 1:
        return [out]
    stem = out.name[: -len(suffix)]
    seen: dict[str, int] = {}
    names = []
    for loc in locations:
        seen[loc] = seen.get(loc, 0) + 1
        many = locations.count(loc) > 1
        names.append(out.with_name(f"{stem}-{loc}{f'-{seen[loc]}' if many else ''}{suffix}"))
    return names
