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
