"""Log every event-loop stall with the stack that blocked it.

Audio crackles come from a loop that stops for tens of milliseconds (a synchronous call,
a long computation, a blocking read), not from a slow CPU. ``StallMonitor`` finds the
culprit: the loop thread bumps a heartbeat every ``interval_s``; a watchdog thread that
sees no beat for ``threshold_s`` samples the loop thread's current frame
(``sys._current_frames``) and logs it once per stall, with the stall's length when it
ends. Works with any asyncio application: ``StallMonitor().start()`` inside the loop.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from types import FrameType

from vona.errors import ConfigError

__all__ = ["StallMonitor"]

log = logging.getLogger("vona.stall")


def _waiting(frame: FrameType) -> bool:
    """Whether the loop thread sits in the selector (not blocked by application code)."""
    return frame.f_code.co_filename.endswith("selectors.py")


class StallMonitor:
    """Watch the running loop; ``threshold_s`` (default 50 ms) is the longest block
    tolerated. ``on_stall(seconds, stack)`` (optional) gets every stall that ended, on
    the watchdog thread; ``stalls`` counts them."""

    def __init__(
        self,
        threshold_s: float = 0.05,
        *,
        on_stall: Callable[[float, str], None] | None = None,
        logger: logging.Logger = log,
    ) -> None:
        if threshold_s <= 0:
            raise ConfigError(f"threshold_s must be positive, got {threshold_s}")
        self.threshold_s = threshold_s
        self.interval_s = threshold_s / 2
        self.stalls = 0
        self._on_stall = on_stall
        self._log = logger
        self._beat = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._handle: asyncio.TimerHandle | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching the running loop (call from inside it)."""
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stop.clear()
        self._tick()
        self._thread = threading.Thread(target=self._watch, name="vona-stall-watch", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        self._beat = time.monotonic()
        assert self._loop is not None
        self._handle = self._loop.call_later(self.interval_s, self._tick)

    def _watch(self) -> None:
        stack = ""
        started = 0.0
        while not self._stop.wait(self.interval_s):
            since = time.monotonic() - self._beat
            if since >= self.threshold_s and not stack:
                frame = sys._current_frames().get(self._loop_thread)
                if frame is None or _waiting(frame):
                    continue  # the loop waits for I/O: the OS, not the app, held it up
                stack = "".join(traceback.format_stack(frame, limit=30))
                started = self._beat
                self._log.warning(
                    "event loop blocked for %.0f ms so far, in:\n%s", since * 1e3, stack
                )
            elif stack and self._beat > started:  # the loop beat again: the stall ended
                self._report(max(0.0, self._beat - started - self.interval_s), stack)
                stack = ""

    def _report(self, seconds: float, stack: str) -> None:
        self.stalls += 1
        self._log.warning("event loop stall ended after %.0f ms", seconds * 1e3)
        if self._on_stall is not None:
            try:
                self._on_stall(seconds, stack)
            except Exception:
                self._log.exception("on_stall callback failed")

    def stop(self) -> None:
        """Stop watching (from the loop's thread)."""
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None
