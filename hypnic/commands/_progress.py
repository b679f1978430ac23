"""Progress of the long commands, on stderr: a bar per file being read or per piece of
counted work, a spinner for work of unknown length. Drawn only on a terminal and gone
when the command ends, so output and pipes stay clean."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def bars(**kw: Any):
    """A rich ``Progress`` on stderr: spinner, description, bar, share done, time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TaskProgressColumn(), TimeRemainingColumn(), console=console,
                    transient=True, disable=not console.is_terminal, **kw)


class Reading:
    """The ``progress(i, done, total)`` callback of :func:`hypnic.workflows.night.read_files`:
    a bar per file, then a spinner saying what comes next (``then``)."""

    def __init__(self, progress: Any, paths: Sequence[str | Path], then: str):
        self.progress, self.then, self.started = progress, then, False
        self.tasks = [progress.add_task(f"reading {Path(p).name}",
                                        total=Path(p).stat().st_size if Path(p).is_file() else None)
                      for p in paths]

    def __call__(self, i: int, done: int, total: int) -> None:
        self.progress.update(self.tasks[i], completed=done, total=total)
        if i == len(self.tasks) - 1 and done >= total and not self.started:
            self.started = True
            self.progress.add_task(self.then, total=None)
