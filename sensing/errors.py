"""The project's error types.

Every error a user can cause (a bad file, an unknown layout, a malformed frame, a
device that is not found) is raised as a subclass of :class:`HypnicError`, so the
CLI can print one clear line and exit non-zero instead of a traceback.
"""

from __future__ import annotations


class HypnicError(Exception):
    """Base class of every error hypnic raises on purpose."""


class InvalidRecordingError(HypnicError, ValueError):
    """Samples that break the documented sample format (shape, order, units, finiteness)."""


class FormatError(HypnicError, ValueError):
    """A file or a byte frame that cannot be read as any supported layout."""


class DeviceError(HypnicError):
    """A Bluetooth device that cannot be found, connected or configured."""


class ArgumentTypeError(HypnicError, TypeError):
    """An argument of the Python API of a type it does not take (text where a number is
    wanted, a number where a path is)."""


def wrong_type(name: str, wanted: str, value: object) -> ArgumentTypeError:
    """The error for ``value`` given as ``name``, which takes ``wanted`` (in words: "a
    number"); the message shows the value's type, and the value when it is short."""
    shown = repr(value)
    got = shown if value is None else type(value).__name__ + (
        f" {shown}" if len(shown) <= 40 and "\n" not in shown else "")
    return ArgumentTypeError(f"{name} must be {wanted}, got {got}")
