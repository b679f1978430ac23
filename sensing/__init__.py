"""Getting samples in: the Recording type, files, devices, storage, the emulated sensor."""

from sensing.body import LOCATIONS
from sensing.errors import DeviceError, FormatError, HypnicError, InvalidRecordingError
from sensing.recording import Recording

__all__ = [
    "LOCATIONS",
    "DeviceError",
    "FormatError",
    "HypnicError",
    "InvalidRecordingError",
    "Recording",
]
