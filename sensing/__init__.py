"""Getting samples in: the Recording type, files, devices, storage, the emulated sensor.

The error types load with the package; :class:`~sensing.recording.Recording` and
:data:`~sensing.body.LOCATIONS` (which need numpy) load on first use, so the CLI can
catch :class:`HypnicError` without importing numpy.
"""

from __future__ import annotations

from typing import Any

from sensing.errors import DeviceError, FormatError, HypnicError, InvalidRecordingError

__all__ = [
    "LOCATIONS",
    "DeviceError",
    "FormatError",
    "HypnicError",
    "InvalidRecordingError",
    "Recording",
]


def __getattr__(name: str) -> Any:
    """``Recording`` and ``LOCATIONS``, imported on first use."""
    if name == "Recording":
        from sensing.recording import Recording

        return Recording
    if name == "LOCATIONS":
        from sensing.body import LOCATIONS

        return LOCATIONS
    raise AttributeError(f"module 'sensing' has no attribute {name!r}")
