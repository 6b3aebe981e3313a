"""Session clocks: where the driver, skill timeouts and metrics read the time.

Time is integer monotonic nanoseconds. ``MonotonicClock`` is the real clock
(``time.monotonic_ns``, the same clock asyncio's default loop and the native loop use);
``vona.testing.VirtualClock`` is a virtual one that moves only when the event loop has
nothing to do, so a long conversation runs in milliseconds with identical metrics.
Timeouts inside Vona use asyncio timers, so a clock must agree with the running loop's
``time()``; both clocks here do.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "MonotonicClock", "default_clock"]


@runtime_checkable
class Clock(Protocol):
    """A source of monotonic nanoseconds that can also wait.

    ``virtual`` is True for clocks that do not follow the wall clock; the driver then
    drives the native loop's clock from ``now_ns()`` instead of ``CLOCK_MONOTONIC``.
    """

    @property
    def virtual(self) -> bool: ...

    def now_ns(self) -> int: ...

    async def sleep(self, ns: int) -> None: ...

    async def sleep_until(self, deadline_ns: int) -> None: ...


class MonotonicClock:
    """The real clock: ``time.monotonic_ns`` and ``asyncio.sleep``."""

    __slots__ = ()

    @property
    def virtual(self) -> bool:
        return False

    def now_ns(self) -> int:
        return time.monotonic_ns()

    async def sleep(self, ns: int) -> None:
        await asyncio.sleep(max(ns, 0) / 1e9)

    async def sleep_until(self, deadline_ns: int) -> None:
        await asyncio.sleep(max(deadline_ns - time.monotonic_ns(), 0) / 1e9)

    def __repr__(self) -> str:
        return "MonotonicClock()"


_MONOTONIC = MonotonicClock()


def default_clock() -> Clock:
    """The clock to use when none is given: the running loop's virtual clock if the loop
    is a ``vona.testing.VirtualEventLoop``, else the real monotonic clock."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _MONOTONIC
    clock = getattr(loop, "vona_clock", None)
    if isinstance(clock, Clock):
        return clock
    return _MONOTONIC
