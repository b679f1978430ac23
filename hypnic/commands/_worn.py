"""The ``--worn-from`` / ``--worn-until`` options of the commands that read a night's
files (:func:`hypnic.workflows.night.worn_between`)."""

from __future__ import annotations

from typing import Any

import typer


def _help(prefix: str, text: str) -> str:
    return prefix + text[0].lower() + text[1:] if prefix else text


def worn_from_option(prefix: str = "") -> Any:
    """``--worn-from TIME``; ``prefix`` starts its help (e.g. "With --add: ")."""
    return typer.Option(
        None, "--worn-from", metavar="TIME",
        help=_help(prefix, "When the sensors were put on (22:30 in your time zone, or "
                           "ISO-8601), if the recording began earlier (on the nightstand): "
                           "the samples before are left out."))


def worn_until_option(prefix: str = "") -> Any:
    """``--worn-until TIME``; ``prefix`` as :func:`worn_from_option`'s."""
    return typer.Option(
        None, "--worn-until", metavar="TIME",
        help=_help(prefix, "When they were taken off, if the recording ran on: the samples "
                           "after are left out."))
