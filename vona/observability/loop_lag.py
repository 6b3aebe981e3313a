"""How late the event loop runs a timer: the delay every callback of the loop suffers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from vona.errors import ConfigError

__all__ = ["LoopLag"]


class LoopLag:
    """Measure event-loop lag with a timer re-armed every ``interval_s``.

    ``lag_s`` is the lateness of the last tick (a tick that is still overdue counts as
    late as it is now); ``recent_s`` the worst of the last ``window_s`` (what admission
    control should look at: one late tick is followed by punctual ones);
    ``take_max()`` the worst since its previous call.
    ``on_tick(lag_s)`` (optional) receives every measurement, e.g. a histogram.
    """

    def __init__(
        self,
        interval_s: float = 0.05,
        *,
        window_s: float = 1.0,
        on_tick: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval_s <= 0:
            raise ConfigError(f"interval_s must be positive, got {interval_s}")
        self.interval_s = interval_s
        self.window_s = window_s
        self._peak = (0.0, 0.0)  # (when, lag) of the worst tick in the window
        self._on_tick = on_tick
        self._clock = clock
        self._last = 0.0
        self._max = 0.0
        self._due = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def lag_s(self) -> float:
        if self._task is None:
            return self._last
        overdue = self._clock() - self._due  # a tick that has not run yet
        return max(self._last, overdue)

    @property
    def recent_s(self) -> float:
        when, worst = self._peak
        now = self.lag_s
        return max(worst, now) if self._clock() - when <= self.window_s else now

    def take_max(self) -> float:
        """The worst lag since the previous call (then reset)."""
        worst, self._max = max(self._max, self.lag_s), 0.0
        return worst

    def start(self) -> None:
        """Start ticking on the running loop."""
        if self._task is None:
            self._due = self._clock() + self.interval_s
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            now = self._clock()
            lag = max(0.0, now - self._due)
            self._last = lag
            self._max = max(self._max, lag)
            when, worst = self._peak
            if lag >= worst or now - when > self.window_s:
                self._peak = (now, lag)
            self._due = now + self.interval_s
            if self._on_tick is not None:
                self._on_tick(lag)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
