"""Getting samples in: the Recording type, files, devices, the night simulator."""

from sensing.errors import DeviceError, FormatError, HypnicError, InvalidRecordingError
from sensing.recording import LOCATIONS, Recording

__all__ = [
    "LOCATIONS",
    "DeviceError",
    "FormatError",
    "HypnicError",
    "InvalidRecordingError",
    "Recording",
]
