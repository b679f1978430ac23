"""Entry point of the ``hypnic`` command.

Each command lives in its own module under ``hypnic.commands`` and registers itself on
:data:`hypnic.app.app` (every module there is imported); heavy libraries are imported
inside the commands, so ``hypnic --help`` starts fast. Errors a user can cause print one line and exit non-zero.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import warnings

try:  # typer >= 0.25 vendors its own copy of click
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as cx  # type: ignore[no-redef]
import typer

import hypnic.commands
from hypnic.app import app
from sensing.errors import HypnicError

for _mod in pkgutil.iter_modules(hypnic.commands.__path__):  # each module registers its commands
    importlib.import_module(f"hypnic.commands.{_mod.name}")

EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED = 2, 1, 130
#: Optional dependencies (top-level module) -> the extra of hypnic that installs them.
EXTRAS = {"bumble": "emulate", "dask": "batch", "distributed": "batch"}
_NO_ARGS = getattr(cx, "NoArgsIsHelpError", ())


def _warn_one_line(message, category, filename, lineno, file=None, line=None) -> None:
    typer.echo(f"hypnic: warning: {message}", err=True)


class _OneLine(logging.Formatter):
    """Logged messages in the style of warnings: ``hypnic: warning: ...``."""

    def format(self, record: logging.LogRecord) -> str:
        return f"hypnic: {record.levelname.lower()}: {record.getMessage()}"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the process exit code.

    Library warnings (a truncated file, time problems in a recording) and logged
    warnings print as one line each on stderr.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine())
    handler.setLevel(logging.WARNING)  # libraries that log progress at INFO (Dask's cluster) stay quiet
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    code = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _warn_one_line
            result = app(args=argv, prog_name="hypnic", standalone_mode=False)
        code = result if isinstance(result, int) else 0
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into this exit code
            typer.echo("hypnic: interrupted", err=True)
    except _NO_ARGS as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else "hypnic --help", err=True)
        code = EXIT_USAGE
    except cx.UsageError as exc:
        cmd = exc.ctx.command_path if exc.ctx else "hypnic"
        typer.echo(f"{cmd}: error: {exc.format_message()} (see '{cmd} --help')", err=True)
        code = EXIT_USAGE
    except HypnicError as exc:
        typer.echo(f"hypnic: error: {exc}", err=True)
        code = EXIT_ERROR
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("hypnic: interrupted", err=True)
        code = EXIT_INTERRUPTED
    except UnicodeError as exc:  # e.g. a note typed in a terminal that is not set to UTF-8
        typer.echo(f"hypnic: error: {not_utf8(exc)}", err=True)
        code = EXIT_ERROR
    except ModuleNotFoundError as exc:  # an optional dependency that is not installed
        typer.echo(f"hypnic: error: {missing_module(exc)}", err=True)
        code = EXIT_ERROR
    except FileNotFoundError as exc:
        typer.echo(f"hypnic: error: no such file: {exc.filename}", err=True)
        code = EXIT_ERROR
    except OSError as exc:  # a folder given as a file, no permission, disk full, ...
        where = f": {exc.filename}" if exc.filename else ""
        typer.echo(f"hypnic: error: {exc.strerror or exc}{where}", err=True)
        code = EXIT_ERROR
    if argv is None:
        sys.exit(code)
    return code


def missing_module(exc: ModuleNotFoundError) -> str:
    """One line saying which extra of hypnic installs a missing module."""
    module = (exc.name or "").partition(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return f"module {module or exc} is missing; reinstall hypnic (pip install hypnic)"
    return (f"this needs the '{extra}' extra ({module} is not installed): "
            f"pip install 'hypnic[{extra}]'")


def not_utf8(exc: UnicodeError) -> str:
    """One line about text that is not valid UTF-8 (shown with ``\\x..`` escapes)."""
    obj = getattr(exc, "object", b"")
    if isinstance(obj, str):
        try:  # the bytes a terminal sent, as Python keeps them (surrogate escapes)
            raw = obj.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = obj.encode("utf-8", "backslashreplace")
        return f"text that is not valid UTF-8: {raw.decode('utf-8', 'backslashreplace')[:80]}"
    return f"input that is not UTF-8 text (byte {getattr(exc, 'start', '?')}); save it as UTF-8"
