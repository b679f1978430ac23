"""Run the ``hypnic`` command in this process and capture what its user would see."""

from __future__ import annotations

import contextlib
import io
import warnings

from hypnic.cli import main


def run_main(argv: list) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``hypnic ARGV`` (paths may be Path objects)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the CLI's users see warnings, not errors
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()
