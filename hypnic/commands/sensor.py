"""``hypnic sensor start|status|download|delete``: a Polar sensor records the night in
its own memory; the morning's download becomes a normal recording file."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import Typer, app

sensor_app = Typer(help="Record a night in a Polar Verity Sense's own memory (offline "
                         "recording): no link needed overnight; download it in the morning.",
                         no_args_is_help=True)
app.add_typer(sensor_app, name="sensor")

DEVICE = typer.Option(..., "--device", "-d", help="The sensor's address (see 'hypnic scan').")


def _local(ns: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ns / 1e9).astimezone().strftime("%a %d %b %H:%M")


@sensor_app.command("start")
def start(device: str = DEVICE,
          location: str = typer.Option("wrist-left", "--location", "-l",
                                       help="Where you wear it tonight."),
          rate: float = typer.Option(52.0, "--rate", min=1, help="Wanted rate, Hz (13, 26, 52)."),
          range_g: int = typer.Option(8, "--range", min=2, help="Wanted range, g.")) -> None:
    """Set the sensor's clock, check its memory and start recording into it."""
    import asyncio

    from hypnic.workflows import sensor

    info = asyncio.run(sensor.start(device, location, rate, range_g))
    typer.echo(f"recording on the sensor at {info['fs_hz']:g} Hz, +-{info['range_g']} g; "
               f"{info['free_bytes'] / 1e6:.1f} MB free: about {info['hours_fit']:.0f} h of sleep "
               "fit. The link may go now; in the morning: hypnic sensor download")


@sensor_app.command("status")
def status(device: str = DEVICE) -> None:
    """Show whether the sensor records, its free memory and the recordings it holds."""
    import asyncio

    from hypnic.workflows import sensor

    s = asyncio.run(sensor.status(device))
    typer.echo(f"{'recording' if s['recording'] else 'not recording'}; "
               f"{s['free_bytes'] / 1e6:.1f} MB free (about {s['hours_fit']:.0f} h at 52 Hz); "
               f"clock {s['offset_ms']:+.0f} ms from this computer's")
    for r in s["recordings"]:
        typer.echo(f"  recording started {_local(r['start_ns'])}: {r['bytes'] / 1e6:.2f} MB "
                   f"in {r['parts']} file(s)")


@sensor_app.command("download")
def download(device: str = typer.Option(None, "--device", "-d",
                                        help="The sensor's address (see 'hypnic scan')."),
             out: Path = typer.Option(..., "--out", "-o", help="Recording file to create (.sqlite)."),
             location: str = typer.Option(None, "--location", "-l",
                                          help="Where it was worn (default: as at start)."),
             keep: bool = typer.Option(False, "--keep",
                                       help="Keep the recording on the sensor after download."),
             emulate: bool = typer.Option(False, "--emulate",
                                          help="Try it without a sensor: an emulated Polar Verity "
                                               "Sense is started, records a simulated night with no "
                                               "link and is downloaded, all here on a virtual clock "
                                               "(about 30 s for 8 h)."),
             duration: str = typer.Option(None, "--duration",
                                          help="With --emulate: the night recorded (8h, 90m, "
                                               "2min; default 8h)."),
             fault: list[str] = typer.Option([], "--fault",
                                             help="With --emulate: inject KIND@SECONDS[:ARG] "
                                                  "(cut@0:500: the download cut after 500 air "
                                                  "packets; busy@0:36000; full@3600; reboot@3600)."),
             seed: int = typer.Option(0, "--seed", help="With --emulate: simulator seed."),
             ) -> None:
    """Stop the recording, download it (resuming a cut download), verify it, store it,
    then delete it from the sensor."""
    import asyncio
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from hypnic.commands.record import parse_duration, parse_fault
    from hypnic.workflows import sensor
    from sensing.body import parse_location
    from sensing.errors import HypnicError

    if emulate and device:
        raise HypnicError("--emulate downloads the emulated sensor; leave out --device")
    if not (emulate or device):
        raise HypnicError("give --device ADDRESS (find it with 'hypnic scan'), or --emulate to "
                          "try it without a sensor")
    extra = [name for name, given in (("--duration", duration), ("--fault", fault), ("--seed", seed)) if given]
    if extra and not emulate:
        raise HypnicError(f"{extra[0]} needs --emulate")
    if out.exists():
        raise HypnicError(f"{out} already exists; recordings are never overwritten")
    duration = duration or "8h"
    night_s = parse_duration(duration)
    faults = tuple(parse_fault(f) for f in fault)
    show = sys.stderr.isatty()
    with Progress("downloading", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), disable=not show) as bar:
        task = bar.add_task("download", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if emulate:
            from sensing.emulator import run

            where = parse_location(location or "wrist-left")
            info, s = run(sensor.emulated_night(out, night_s, location=where, faults=faults, seed=seed,
                                                delete_after=not keep, progress=progress))
            typer.echo(f"emulated Polar Verity Sense: recording started at {info['fs_hz']:g} Hz, "
                       f"+-{info['range_g']} g, {_local(s['start_ns'])}; {duration} later, "
                       "the download:")
        else:
            s = asyncio.run(sensor.download(device, out, location=location, delete_after=not keep,
                                            progress=progress))
    typer.echo(f"{s['samples']} samples at {s['fs_hz']:g} Hz from {_local(s['start_ns'])} to "
               f"{_local(s['end_ns'])}, {s['gaps']} gaps; stored and verified in {s['out']}")
    if s["attempts"] > 1:
        cuts = s["attempts"] - 1
        typer.echo(f"the link was lost {cuts} time{'s' if cuts > 1 else ''} during the download; "
                   "it went on where it stopped")
    typer.echo("deleted from the sensor" if s["deleted"] else "kept on the emulated sensor" if emulate
               else "still on the sensor (delete it with 'hypnic sensor delete' when you wish)")


@sensor_app.command("delete")
def delete(device: str = DEVICE,
           yes: bool = typer.Option(False, "--yes", help="Really delete (nothing is asked).")) -> None:
    """Delete every accelerometer recording from the sensor (download them first)."""
    import asyncio

    from hypnic.workflows import sensor
    from sensing.errors import HypnicError

    if not yes:
        raise HypnicError("this deletes the sensor's recordings for good: add --yes")
    n = asyncio.run(sensor.delete(device))
    typer.echo(f"deleted {n} recording(s) from the sensor")
