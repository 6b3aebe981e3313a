"""Reading the transport: directly from the stepping task, with read-ahead when a
backend step is slow.

In the common case the driver's input task calls ``transport.recv()`` itself between
steps: no task hop and no queue per frame. When one step has been running for longer
than a playout period, ``InputReader.check`` (called from the playout tick, so it costs
nothing per frame) starts a read-ahead task that keeps reading the transport into an
inbox while the step runs; the input task drains the inbox first and the read-ahead
stops as soon as it has caught up. Input therefore keeps flowing during slow steps as
well as during tool calls. The inbox is bounded (``VonaRuntime.max_read_ahead_frames``):
while a step hangs, the oldest frames are shed and counted in
``SessionMetrics.input_shed_frames`` rather than growing without limit.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from vona.frames import AudioInputFrame
from vona.metrics import SessionMetrics
from vona.transports.base import AudioTransport

__all__ = ["InputReader"]


class InputReader:
    """Hands the driver its next input frame (None at the end of input)."""

    __slots__ = (
        "_active",
        "_ended",
        "_inbox",
        "_limit",
        "_metrics",
        "_stop",
        "_waiter",
        "read_aheads",
        "step_since_ns",
        "transport",
    )

    def __init__(
        self, transport: AudioTransport, limit: int = 500, metrics: SessionMetrics | None = None
    ) -> None:
        self.transport = transport
        self._limit = max(limit, 1)
        self._metrics = metrics
        self.step_since_ns: int | None = None
        self.read_aheads = 0
        self._inbox: deque[AudioInputFrame | None] = deque()
        self._active = False
        self._stop = False
        self._ended = False
        self._waiter: asyncio.Future[None] | None = None

    @property
    def direct(self) -> bool:
        """True when the next frame comes straight from ``transport.recv()`` (no read-ahead
        running or buffered, input not ended): the caller may await ``recv`` itself and
        must then call ``ended()`` if it returned None."""
        return not self._inbox and not self._active and not self._ended

    def ended(self) -> None:
        """The caller's own ``recv`` returned None."""
        self._ended = True

    async def next(self) -> AudioInputFrame | None:
        while True:
            if self._inbox:
                return self._inbox.popleft()
            if not self._active:
                if self._ended:
                    return None
                frame = await self.transport.recv()
                if frame is None:
                    self._ended = True
                return frame
            # The read-ahead is mid-recv: let it deliver that frame, then stop.
            self._stop = True
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter

    def check(
        self, now_ns: int, period_ns: int, spawn: Callable[[Coroutine[Any, Any, None]], None]
    ) -> None:
        """Start reading ahead if the current step has run for at least ``period_ns``."""
        since = self.step_since_ns
        if since is None or self._active or self._ended or now_ns - since < period_ns:
            return
        self._active = True
        self._stop = False
        self.read_aheads += 1
        spawn(self._read_ahead())

    async def _read_ahead(self) -> None:
        try:
            while not self._stop:
                frame = await self.transport.recv()
                inbox = self._inbox
                if len(inbox) >= self._limit:
                    inbox.popleft()  # never the end marker: reading stops right after it
                    if self._metrics is not None:
                        self._metrics.input_shed_frames += 1
                inbox.append(frame)
                self._wake()
                if frame is None:
                    self._ended = True
                    return
        finally:
            self._active = False
            self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
