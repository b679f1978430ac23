"""hypnic: record and analyse hypnic jerks with consumer Bluetooth accelerometers.

This package is the command line only; the work is done in ``sensing``,
``detection`` and ``analysis``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hypnic")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
