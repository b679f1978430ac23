"""An asyncio event loop on a virtual clock, for emulated nights.

Everything in an emulated recording (the sensors' sample production, bumble's link
layer, the reader's timeouts, backoff and watchdog, the host clock it stamps samples
with) runs on the event loop's clock. :class:`VirtualClockLoop` makes that clock
virtual: when no callback is ready, the loop does not wait for its next timer, it moves
its clock to it. So a fault at second 600 of the night happens at sample ``600 * fs``
however busy the machine is, and a test run gives the same events in the same order
every time.

``speed=None`` runs as fast as the processor allows (tests). ``speed=k`` paces the
virtual clock at most ``k`` times faster than real time (``hypnic record --emulate
--speed k``): it waits in real time when it is ahead; when the processor cannot keep
up, the night simply takes longer (nothing is skipped, and the clock never races to
catch up).
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Paced and behind real time x speed by more than this (real seconds): the pacing
#: starts again from now instead of racing to catch up.
BEHIND_TOLERANCE_S = 0.5


class _Selector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """The platform selector, asking its loop where to move the virtual clock."""

    loop: VirtualClockLoop

    def select(self, timeout: float | None = None) -> list:
        return self.loop._select(super().select, timeout)


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer when nothing is ready.

    Parameters
    ----------
    speed : float, optional
        Most virtual seconds per real second (None: no pacing, as fast as possible).

    Notes
    -----
    Real I/O still works (a signal, a thread's ``call_soon_threadsafe``): the loop
    polls it before every jump, and waits for it when nothing at all is scheduled.
    Unpaced, a thread doing work for the loop (``run_in_executor``) sees virtual time
    race ahead; emulated recordings use none.
    """

    def __init__(self, speed: float | None = None):
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be positive, got {speed}")
        selector = _Selector()
        selector.loop = self
        super().__init__(selector)
        self.speed = speed
        self._now = 0.0
        self._real0, self._virtual0 = time.monotonic(), 0.0  # pacing anchor

    def time(self) -> float:
        """The virtual clock, s (0 at creation)."""
        return self._now

    def run_forever(self) -> None:
        self._real0, self._virtual0 = time.monotonic(), self._now
        super().run_forever()

    def _select(self, select: Any, timeout: float | None) -> list:
        if timeout is not None and timeout <= 0:
            return select(0)
        events = select(0)
        if events or timeout is None:  # nothing scheduled: only real I/O can wake us
            return events or select(None)
        if self.speed is not None:
            wait = self._real0 + (self._now + timeout - self._virtual0) / self.speed - time.monotonic()
            if wait > 0:
                events = select(wait)
                if events:  # woken by real I/O: the clock moves as far as real time went
                    reached = self._virtual0 + (time.monotonic() - self._real0) * self.speed
                    self._now = min(self._now + timeout, max(self._now, reached))
                    return events
            elif -wait > BEHIND_TOLERANCE_S:  # behind: never race to catch up
                self._real0, self._virtual0 = time.monotonic(), self._now + timeout
        self._now += timeout
        return []


def run(main: Coroutine[Any, Any, T], speed: float | None = None) -> T:
    """Run a coroutine to completion on a new :class:`VirtualClockLoop` (like ``asyncio.run``).

    Parameters
    ----------
    main : coroutine
    speed : float, optional
        Pacing, virtual seconds per real second (None: as fast as possible).

    Returns
    -------
    What ``main`` returns.
    """
    loop = VirtualClockLoop(speed)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
