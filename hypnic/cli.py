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
_NO_ARGS = getattr(cx, "NoArgsIsHelpError", ())


def _warn_one_line(message, category, filename, lineno, file=None, line=None) -> None:
    typer.echo(f"hypnic: warning: {message}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the process exit code.

    Library warnings (a truncated file, time problems in a recording) and logged
    warnings print as one line each on stderr.
    """
    logging.basicConfig(level=logging.WARNING, format="hypnic: %(levelname)s: %(message)s")
    code = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _warn_one_line
            result = app(args=argv, prog_name="hypnic", standalone_mode=False)
        code = result if isinstance(result, int) else 0
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
