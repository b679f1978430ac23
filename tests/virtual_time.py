"""Emulator-driven tests run on a virtual clock: the same events and counts on any
machine under any load (see :mod:`sensing.emulator.clock`)."""

from __future__ import annotations

import functools

from sensing.emulator import run


def on_virtual_clock(test):
    """Run an ``async def`` test on a :class:`~sensing.emulator.VirtualClockLoop`, as fast
    as the processor allows, instead of on pytest-asyncio's real-time loop."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return run(test(*args, **kwargs))

    return wrapper
