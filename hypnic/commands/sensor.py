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
        typer.echo(f"  recording started {r['start']} (UTC): {r['bytes'] / 1e6:.2f} MB "
                   f"in {r['parts']} file(s)")


@sensor_app.command("download")
def download(device: str = DEVICE,
             out: Path = typer.Option(..., "--out", "-o", help="Recording file to create (.sqlite)."),
             location: str = typer.Option(None, "--location", "-l",
                                          help="Where it was worn (default: as at start)."),
             keep: bool = typer.Option(False, "--keep",
                                       help="Keep the recording on the sensor after download.")
             ) -> None:
    """Stop the recording, download it (resuming a cut download), verify it, store it,
    then delete it from the sensor."""
    import asyncio
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from hypnic.workflows import sensor

    show = sys.stderr.isatty()
    with Progress("downloading", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), disable=not show) as bar:
        task = bar.add_task("download", total=None)
        s = asyncio.run(sensor.download(
            device, out, location=location, delete_after=not keep,
            progress=lambda done, total: bar.update(task, completed=done, total=total)))
    typer.echo(f"{s['samples']} samples at {s['fs_hz']:g} Hz from {_local(s['start_ns'])} to "
               f"{_local(s['end_ns'])}, {s['gaps']} gaps; stored and verified in {s['out']}")
    typer.echo("deleted from the sensor" if s["deleted"] else
               "still on the sensor (delete it with 'hypnic sensor delete' when you wish)")


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
