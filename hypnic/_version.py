"""The installed hypnic version, written with every output as provenance."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hypnic")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
