"""A stand-in for the commands' progress display that records what it is told."""

from __future__ import annotations

import pytest


class ProgressLog:
    """Records tasks (description, total) and their progress, in the order of the calls."""

    def __init__(self, **kw):
        self.tasks: list[dict] = []
        self.calls: list[tuple] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, description, total=None, **kw):
        self.tasks.append(dict(description=description, total=total, completed=0))
        self.calls.append(("add", len(self.tasks) - 1, description, total))
        return len(self.tasks) - 1

    def update(self, task, completed=None, total=None, description=None, advance=None, **kw):
        t = self.tasks[task]
        if total is not None:
            t["total"] = total
        if completed is not None:
            t["completed"] = completed
        if advance:
            t["completed"] += advance
        if description is not None:
            t["description"] = description
        self.calls.append(("update", task, t["description"], t["completed"]))

    def advance(self, task, advance=1):
        self.update(task, advance=advance)

    def remove_task(self, task):
        self.calls.append(("remove", task))

    @property
    def console(self):
        from rich.console import Console

        return Console(stderr=True)


@pytest.fixture
def progress_log(monkeypatch):
    """The progress the next command shows, as a :class:`ProgressLog`."""
    log = ProgressLog()
    monkeypatch.setattr("hypnic.commands._progress.bars", lambda **kw: log)
    return log
