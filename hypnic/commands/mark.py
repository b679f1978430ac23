"""``hypnic mark``: "I felt one" markers added to a recording (now, at a time, or a CSV)."""

from __future__ import annotations

from pathlib import Path

import typer

from hypnic.app import app


@app.command()
def mark(
    recording: Path = typer.Argument(..., help="The recording (.sqlite), also while it records."),
    at: list[str] = typer.Option([], "--at", help="Time of the mark (default now): a clock time (23:10, "
                                 "the first after the recording began) or ISO-8601, your local time "
                                 "unless it has a zone; repeat for several."),
    csv: Path = typer.Option(None, "--csv", help="A CSV of times (a 'time' column or one per "
                             "line), e.g. logged by a phone app."),
    tz: str = typer.Option(None, "--tz", help="Zone of times without one (IANA name); "
                           "default: this machine's."),
    note: str = typer.Option("", "--note", help="A note kept with the mark(s)."),
) -> None:
    """Mark a jerk you felt. The report compares your marks with what hypnic detected."""
    import time

    from hypnic.workflows.night import CLOCK_TIME, given_time, read_times, times_ns
    from sensing.errors import FormatError
    from sensing.store import mark as add_marks
    from sensing.store import recording_span
    from sensing.timezones import zone

    texts = list(at) + (read_times(csv) if csv else [])
    here = zone(tz)
    span = recording_span(recording)
    after = span[0] if span else time.time_ns() - 86_400 * 10**9  # no sample yet: the last day's
    clock = [CLOCK_TIME.fullmatch(str(s).strip()) is not None for s in texts]
    try:
        iso = iter(times_ns([s for s, c in zip(texts, clock, strict=True) if not c], here, "mark"))
    except FormatError as exc:
        raise FormatError(f"{exc}, or a clock time (23:10)") from None
    times = ([given_time(s, "mark", after, here) if c else next(iso) for s, c in zip(texts, clock, strict=True)]
             if texts else [time.time_ns()])
    if span:
        _check_within(times, span, here)
    n = add_marks(recording, times, "file", note)
    typer.echo(f"{n} mark(s) added to {recording}")


#: How long after a recording's last sample a mark is still its own, s (a sensor out of
#: reach for hours while the recorder runs).
MARK_AFTER_S = 12 * 3600


def _check_within(times: list[int], span: tuple[int, int], tz) -> None:
    """Refuse a mark from before the recording began or more than :data:`MARK_AFTER_S`
    after its last sample (meant for another recording, or "now" long after)."""
    import pandas as pd

    from sensing.errors import HypnicError
    from sensing.timezones import zone_name

    start, last = span
    for t in times:
        late_s, early_s = (t - last) / 1e9, (start - t) / 1e9
        if early_s > 0 or late_s > MARK_AFTER_S:
            s = early_s if early_s > 0 else late_s
            far = f"{s / 86400:.0f} days" if s >= 2 * 86400 else f"{s / 3600:.1f} h" if s >= 3600 else f"{s / 60:.0f} min"
            when = pd.Timestamp(t, tz="UTC").tz_convert(tz)
            a, b = (pd.Timestamp(x, tz="UTC").tz_convert(tz) for x in span)
            raise HypnicError(f"the mark at {when:%Y-%m-%d %H:%M} is {far} {'before' if early_s > 0 else 'after'} "
                              f"the recording ({a:%Y-%m-%d %H:%M}-{b:%H:%M} {zone_name(tz)}): "
                              "mark a jerk felt while it recorded")
