"""Virtual time for asyncio: a clock that jumps to the next timer instead of sleeping.

``VirtualEventLoop`` is a selector event loop whose ``time()`` is a ``VirtualClock``.
When no callback is ready it polls I/O without blocking and, if nothing arrived, moves
the clock straight to the next timer. A 30-second scripted conversation therefore runs
in milliseconds, and every timestamp, timeout and latency it produces is the same on
every run. While work runs in the loop's thread pool (sync skills, ``to_thread``), time
follows the wall clock instead, so a thread cannot be timed out before it had a chance.

Use ``run_virtual(coro)`` as a drop-in for ``asyncio.run``. The virtual loop suits
in-process work (including loopback sockets served by the same loop); I/O with another
process should use the real clock, since the virtual clock does not wait for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import selectors
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from vona.errors import ConfigError

__all__ = ["VirtualClock", "VirtualEventLoop", "run_virtual"]

T = TypeVar("T")

_SelectResult = list[tuple[selectors.SelectorKey, int]]


class VirtualClock:
    """Integer-nanosecond virtual time, advanced by a ``VirtualEventLoop``.

    ``start_ns`` defaults to one second so that no real timestamp is ever 0 (0 means
    "unknown" in frame timestamps).
    """

    __slots__ = ("_loop", "_ns")

    def __init__(self, start_ns: int = 1_000_000_000) -> None:
        if start_ns < 0:
            raise ConfigError(f"VirtualClock start_ns must be >= 0, got {start_ns}")
        self._ns = start_ns
        self._loop: VirtualEventLoop | None = None

    @property
    def virtual(self) -> bool:
        return True

    def now_ns(self) -> int:
        return self._ns

    def advance(self, ns: int) -> None:
        """Move time forward by ``ns`` (never backward)."""
        if ns > 0:
            self._ns += ns

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if getattr(loop, "vona_clock", None) is not self:
            raise ConfigError(
                "VirtualClock.sleep needs the VirtualEventLoop that owns this clock; "
                "run the coroutine with vona.testing.run_virtual(coro, clock=clock)"
            )

    async def sleep(self, ns: int) -> None:
        self._check_loop()
        await asyncio.sleep(max(ns, 0) / 1e9)

    async def sleep_until(self, deadline_ns: int) -> None:
        self._check_loop()
        await asyncio.sleep(max(deadline_ns - self._ns, 0) / 1e9)

    def __repr__(self) -> str:
        return f"VirtualClock(now_ns={self._ns})"


class _VirtualSelector(selectors.BaseSelector):
    """Delegates to a real selector but turns waits into clock jumps."""

    def __init__(self, clock: VirtualClock, busy: Callable[[], bool]) -> None:
        self._real = selectors.DefaultSelector()
        self._clock = clock
        self._busy = busy

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.get_key(fileobj)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> _SelectResult:
        if timeout is not None and timeout <= 0:
            return self._real.select(0)
        if self._busy():
            # Threads are working: let real time pass, and let the clock follow it.
            t0 = time.monotonic_ns()
            events = self._real.select(timeout)
            elapsed = time.monotonic_ns() - t0
            if timeout is not None:
                limit = max(round(timeout * 1e9), 1)
                elapsed = limit if not events else min(elapsed, limit)
            self._clock.advance(elapsed)
            return events
        events = self._real.select(0)
        if events or timeout is None:
            # Nothing is scheduled at all: only I/O or another thread can wake us.
            return events if events else self._real.select(None)
        self._clock.advance(max(round(timeout * 1e9), 1))
        return []


class VirtualEventLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time. ``vona_clock`` is its ``VirtualClock``."""

    def __init__(self, clock: VirtualClock | None = None) -> None:
        self.vona_clock = clock if clock is not None else VirtualClock()
        self._threads_busy = 0
        super().__init__(selector=_VirtualSelector(self.vona_clock, self._busy))
        owner = self.vona_clock._loop
        if owner is not None and not owner.is_closed():
            self.close()
            raise ConfigError("this VirtualClock already drives another open VirtualEventLoop")
        self.vona_clock._loop = self

    def _busy(self) -> bool:
        return self._threads_busy > 0

    def time(self) -> float:
        return self.vona_clock._ns / 1e9

    def run_in_executor(  # type: ignore[override]
        self, executor: concurrent.futures.Executor | None, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        fut = super().run_in_executor(executor, func, *args)
        self._threads_busy += 1

        def _done(_: asyncio.Future[T]) -> None:
            self._threads_busy -= 1

        fut.add_done_callback(_done)
        return fut


def run_virtual(coro: Coroutine[Any, Any, T], *, clock: VirtualClock | None = None) -> T:
    """Run ``coro`` to completion on a fresh ``VirtualEventLoop`` (like ``asyncio.run``).

    Pass ``clock`` to read the final virtual time afterwards or to share it with
    objects built before the loop (a ``ScriptedTransport``, a ``SkillExecutor``).
    """
    loop = VirtualEventLoop(clock)
    try:
        return loop.run_until_complete(coro)
    finally:
        try:
            _cancel_all(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
