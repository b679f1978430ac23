"""``hypnic scan``, ``hypnic record`` and ``hypnic export``: live recording over BLE."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from hypnic.app import app

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """Seconds in ``8h``, ``90m``, ``1h30m``, ``45s`` or a plain number of seconds."""
    from sensing.errors import HypnicError

    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)([hms])", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise HypnicError(f"cannot read duration {text!r}; use e.g. 8h, 90m, 1h30m, 45s")
    return sum(float(v) * _UNITS[u] for v, u in parts)


def _parse_fault(text: str):
    from sensing.emulator import Fault
    from sensing.errors import HypnicError

    m = re.fullmatch(r"(\w+)@([\d.]+)(?::([\d.]+))?", text.strip())
    if not m:
        raise HypnicError(f"cannot read fault {text!r}; use KIND@SECONDS[:DURATION_OR_COUNT], "
                          "e.g. drop@600:30, lose@900:3, reboot@1200, stall@1500")
    kind, at, extra = m.group(1), float(m.group(2)), m.group(3)
    if kind == "lose":
        return Fault(kind, at, count=int(float(extra or 1)))
    return Fault(kind, at, duration_s=float(extra or (2 if kind == "reboot" else 0)))


def _status_table(statuses):
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("sensor", "location", "profile", "link", "samples/s", "battery", "gaps",
                "reconnects", "jerks"):
        table.add_column(col, justify="left" if col in ("sensor", "location", "profile",
                                                        "link") else "right")
    for s in statuses:
        table.add_row(s.address, s.location, s.profile or "?", s.link, f"{s.rate_hz:.0f}",
                      "-" if s.battery is None else f"{s.battery}%", str(s.gaps),
                      str(s.reconnects), str(s.jerks))
    return table


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

    async def run():
        from bleak import BleakScanner

        backend, air = None, None
        if emulate:
            air = await _emulated_air(["polar", "hypnic", "witmotion"],
                                      ["wrist-left", "ankle-left", "trunk"], 1.0, 60.0, (), 0)
            backend = air.scanner_backend
        try:
            with bluetooth_errors("cannot scan"):
                found = await BleakScanner.discover(timeout=timeout, return_adv=True,
                                                    backend=backend)
        finally:
            if air is not None:
                await air.close()
        return found

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


async def _emulated_air(profiles, locations, speed, seconds, faults, seed):
    from sensing.emulator import EmulatedAir
    from simulation import NightConfig, simulate_night

    hours = min(max(seconds / 3600 + 0.05, 0.5), 16)
    night = simulate_night(NightConfig(locations=tuple(locations), hours_in_bed=hours), seed)
    air = EmulatedAir(speed=speed)
    for profile, loc in zip(profiles, locations, strict=True):
        air.add_sensor(profile, night.recordings[loc], faults=faults)
    await air.start()
    return air


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
                                 help="Stop after this long (8h, 90m, 45s); default: Ctrl-C."),
    emulate: str = typer.Option(None, "--emulate",
                                help="Record emulated sensor(s) speaking this profile "
                                     "(polar, hypnic or witmotion) playing a simulated night."),
    speed: float = typer.Option(1.0, "--speed", min=0.1, max=1000,
                                help="With --emulate: times faster than real time "
                                     "(--duration is then night time)."),
    fault: list[str] = typer.Option([], "--fault",
                                    help="With --emulate: inject KIND@SECONDS[:ARG] "
                                         "(drop@600:30, lose@900:3, reboot@1200, stall@1500)."),
    seed: int = typer.Option(0, "--seed", help="With --emulate: simulator seed."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary at the end."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live status line."),
) -> None:
    """Record one or more BLE accelerometers into a crash-safe SQLite file.

    Reconnects automatically, marks every gap, commits every second (a crash loses at
    most ~1 s) and detects jerks live. Stop with Ctrl-C or --duration.
    """
    import asyncio
    import json
    import signal
    import sys

    from rich.console import Console
    from rich.live import Live

    from sensing.ble.reader import ReaderConfig, Recorder, SensorSpec
    from sensing.errors import HypnicError
    from sensing.store import RecordingStore

    if out.exists():
        raise HypnicError(f"{out} already exists; choose another --out (recordings are never "
                          "overwritten)")
    if emulate and emulate not in ("polar", "hypnic", "witmotion"):
        raise HypnicError(f"--emulate must be polar, hypnic or witmotion, got {emulate!r}")
    if fault and not emulate:
        raise HypnicError("--fault needs --emulate")
    seconds = parse_duration(duration) if duration else None
    if emulate and seconds is None:
        raise HypnicError("--emulate needs --duration (night time to stream)")
    n = max(len(location), 1) if emulate else len(device)
    if not n:
        raise HypnicError("give at least one --device ADDRESS (find it with 'hypnic scan'), "
                          "or --emulate")
    if emulate and device:
        raise HypnicError("--emulate records emulated sensors; leave out --device")
    locations = list(location) or (["wrist-left"] if n == 1 else [])
    if len(locations) != n:
        raise HypnicError(f"give one --location per sensor: {n} sensor(s), "
                          f"{len(locations)} location(s)")
    faults = tuple(_parse_fault(f) for f in fault)
    console = Console(stderr=True)

    async def run():
        air, kwargs = None, {}
        if emulate:
            air = await _emulated_air([emulate] * n, locations, speed, seconds, faults, seed)
            kwargs = {"client_backend": air.client_backend, "scanner_backend": air.scanner_backend,
                      "now_ns": air.now_ns}
        addresses = list(device) or list(air.sensors)
        specs = [SensorSpec(a, loc, profile or emulate, rate, range_g)
                 for a, loc in zip(addresses, locations, strict=True)]
        store = RecordingStore(out)
        config = ReaderConfig()
        if emulate:  # waits are real time: shrink them with the emulated night
            config = ReaderConfig(backoff_initial_s=max(1.0 / speed, 0.02),
                                  backoff_max_s=max(60.0 / speed, 0.5),
                                  watchdog_s=max(10.0 / speed, 1.0))
        recorder = Recorder(specs, store, config, **kwargs)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, recorder.stop)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
                pass
        real_s = None if seconds is None else seconds / (speed if emulate else 1.0)
        show = not quiet and sys.stderr.isatty()
        try:
            with Live(_status_table(recorder.statuses), console=console, refresh_per_second=1,
                      transient=False) if show else _nothing() as live:
                task = asyncio.create_task(recorder.run(real_s))
                while not task.done():
                    await asyncio.wait({task}, timeout=1.0)
                    if live is not None:
                        live.update(_status_table(recorder.statuses))
                summary = task.result()
        finally:
            try:
                store.close()
            finally:
                if air is not None:
                    await air.close()
        return summary

    try:
        summary = asyncio.run(run())
    except KeyboardInterrupt:  # platforms without loop signal handlers
        summary = None
    if summary is None:
        typer.echo(f"interrupted; what was recorded is in {out}", err=True)
        return
    summary["out"] = str(out)
    summary["jerks"] = sum(s["jerks"] for s in summary["sensors"])
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        for s in summary["sensors"]:
            typer.echo(f"{s['address']} ({s['location']}, {s['profile']}): {s['samples']} samples, "
                       f"{s['gaps']} gaps, {s['reconnects']} reconnects, {s['jerks']} jerks")
        typer.echo(f"recorded to {out}")


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
    """Export a live recording to generic CSV or Parquet (plus its live events as CSV)."""
    from sensing import generic
    from sensing.errors import HypnicError
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
    stem = out.name[: -len(suffix)]
    written = []
    for rec in recordings:
        target = out if len(recordings) == 1 else out.with_name(f"{stem}-{rec.location}{suffix}")
        writer(rec, target)
        written.append(target)
    events = read_events(path)
    if len(events):
        target = out.with_name(f"{stem}-events.csv")
        events.assign(start=events["start"].map(lambda t: t.isoformat()),
                      end=events["end"].map(lambda t: t.isoformat())).to_csv(target, index=False)
        written.append(target)
    typer.echo("wrote " + ", ".join(str(w) for w in written))
