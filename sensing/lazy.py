"""Public names imported on first use (PEP 562), the one way our packages do it.

A package lists its public names and the modules that define them; importing the
package then costs nothing, and each name is imported (and kept as an attribute) the
first time it is used, so ``hypnic --help`` and a command that needs little load
little. Standard library only: every layer may use it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, api: Mapping[str, str]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` whose names ``api`` (public
    name -> module that defines it) load on first use.

    Examples
    --------
    >>> import types, sys
    >>> pkg = sys.modules["demo_pkg"] = types.ModuleType("demo_pkg")
    >>> pkg.__getattr__, pkg.__dir__ = lazy_names("demo_pkg", {"sqrt": "math"})
    >>> pkg.sqrt(4.0), "sqrt" in dir(pkg)
    (2.0, True)
    >>> del sys.modules["demo_pkg"]
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        if name not in api:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(api[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *api})

    return __getattr__, __dir__
