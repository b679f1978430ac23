"""Time zones: files keep UTC; times shown to a person are in the sleeper's local time.

The sleeper's zone (:func:`sleeper_zone`) is, in order: the zone the person names
(``--tz``, an IANA name such as ``Europe/Paris``), the zone the recording's file states
(``Recording.meta["tz"]``: a GENEActiv header, a hypnic CSV header, ISO-8601 times with
a non-zero UTC offset), else the machine's zone (:func:`local_zone`), in which the
commands also read the times a file writes without a zone when it states none (a device's
or phone's clock is set where its wearer lives). A zone is stored
and shown by its name (:func:`zone_name`): an IANA key, ``UTC``, or a fixed offset such
as ``UTC+01:00`` when a file gives only an offset.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from typing import Any

from sensing.errors import HypnicError

_OFFSET = re.compile(r"^UTC([+-])(\d\d):(\d\d)$")


def offset_zone(seconds: float) -> dt.timezone:
    """A fixed-offset zone named ``UTC+HH:MM`` (``UTC`` for 0), from an offset in s."""
    if seconds == 0:
        return dt.timezone.utc
    sign = "+" if seconds > 0 else "-"
    h, m = divmod(round(abs(seconds)) // 60, 60)
    return dt.timezone(dt.timedelta(seconds=seconds), f"UTC{sign}{h:02d}:{m:02d}")


def zone(name: str | None = None) -> dt.tzinfo:
    """The zone called ``name``: an IANA name, ``UTC``, or a fixed offset as
    :func:`zone_name` writes it (``UTC+01:00``); None gives the machine's zone
    (:func:`local_zone`).

    Raises
    ------
    HypnicError
        If no zone has that name (one line, with an example of a valid one).

    Examples
    --------
    >>> zone("Europe/Paris").key, zone_name(zone("UTC+01:00")), zone_name(zone("utc"))
    ('Europe/Paris', 'UTC+01:00', 'UTC')
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name is None:
        return local_zone()
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return dt.timezone.utc
    m = _OFFSET.match(text)
    if m and int(m.group(2)) <= 23:
        sign = -1 if m.group(1) == "-" else 1
        return offset_zone(sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise HypnicError(unknown_zone(name)) from None


def unknown_zone(name: object) -> str:
    """The message for a zone name no zone has, with the one meant when it is plain: a
    city's IANA name (``Berlin``: ``Europe/Berlin``), or an offset as ``UTC+01:00``."""
    from zoneinfo import available_timezones

    text = str(name).strip()
    offset = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d\d)?", text, re.IGNORECASE)
    if offset:
        meant = f"UTC{offset.group(1)}{int(offset.group(2)):02d}:{offset.group(3) or '00'}"
    else:
        key = text.lower().replace(" ", "_")
        meant = next((z for z in sorted(available_timezones()) if z.lower().rsplit("/", 1)[-1] == key), "")
    return (f"unknown time zone {text[:40]!r}" + (f" (did you mean {meant}?)" if meant else "")
            + "; give an IANA name such as Europe/Paris, or UTC")


def local_zone() -> dt.tzinfo:
    """The machine's time zone: ``$TZ`` or ``/etc/localtime`` as an IANA zone (with its
    daylight saving rules), else the current fixed offset."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    link = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in link:
        candidates.append(link.split("zoneinfo/", 1)[1])
    for key in filter(None, candidates):
        try:
            return dt.timezone.utc if key in ("UTC", "Etc/UTC") else ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    offset = dt.datetime.now().astimezone().utcoffset() or dt.timedelta(0)
    return offset_zone(offset.total_seconds())


def local_zone_key() -> str | None:
    """The IANA name of the machine's zone (``UTC`` for UTC), None when only its current
    offset is known."""
    here = local_zone()
    return "UTC" if here is dt.timezone.utc else getattr(here, "key", None)


def zone_name(tz: dt.tzinfo) -> str:
    """The name a zone is stored and shown by (``Europe/Paris``, ``UTC``, ``UTC+01:00``)."""
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    offset = tz.utcoffset(None)
    if offset is not None:
        return str(offset_zone(offset.total_seconds()))
    return str(tz.tzname(dt.datetime.now(dt.timezone.utc)))


def file_zone(recordings: Iterable[Any]) -> str | None:
    """The zone the recordings' files state (``meta["tz"]`` of the first that has one)."""
    return next((r.meta["tz"] for r in recordings if r.meta.get("tz")), None)


def sleeper_zone(name: str | None = None, recordings: Iterable[Any] = (),
                 default: str | None = None) -> dt.tzinfo:
    """The sleeper's zone: ``name`` if given, else the files' (:func:`file_zone`), else
    ``default``, else the machine's.

    Raises
    ------
    HypnicError
        If ``name`` is not a known zone.
    """
    return zone(name or file_zone(recordings) or default)


def clock(t: Any, tz: dt.tzinfo) -> str:
    """A moment (aware datetime or Timestamp) as the time of day ``HH:MM`` in ``tz``; ""
    when missing (None or NaT).

    Examples
    --------
    >>> clock(dt.datetime(2026, 1, 5, 22, 41, tzinfo=dt.timezone.utc), zone("Europe/Paris"))
    '23:41'
    """
    if t is None or t != t:  # NaT is not equal to itself
        return ""
    return t.astimezone(tz).strftime("%H:%M")
