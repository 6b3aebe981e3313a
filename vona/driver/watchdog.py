"""The session's watchdog: a backend step that never returns, a transport that delivers
nothing. Checked from the playout timer once per period, so it costs nothing per frame.

A step past ``VonaRuntime.step_timeout_s`` is cancelled inside the input task, which
catches the cancellation (``pending``), undoes it (``recover``) and fails over with a
retryable ``BackendError``. No input frame for ``input_timeout_s`` while no step runs
ends the session with ``end_reason="input_timeout"``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from vona.driver.input import InputReader
from vona.driver.turn import EventLog
from vona.errors import BackendError
from vona.metrics import SessionMetrics
from vona.runtime import VonaRuntime

__all__ = ["Watchdog"]


class Watchdog:
    """See the module docstring. ``task`` is the input task once it runs."""

    __slots__ = (
        "_end",
        "_input_ns",
        "_log",
        "_metrics",
        "_seen",
        "_step_ns",
        "input_done",
        "pending",
        "step_timeout_s",
        "task",
    )

    def __init__(
        self,
        runtime: VonaRuntime,
        metrics: SessionMetrics,
        log: EventLog,
        end: Callable[[str], None],
    ) -> None:
        self.step_timeout_s = runtime.step_timeout_s
        self._step_ns = int(runtime.step_timeout_s * 1e9)
        timeout = runtime.input_timeout_s
        self._input_ns = int(timeout * 1e9) if timeout is not None else None
        self._metrics = metrics
        self._log = log
        self._end = end
        self._seen = (-1, 0)  # (frames_in, when it last changed)
        self.input_done = False  # the input ended: silence is expected now
        self.pending = False  # a hung step was cancelled and not yet recovered
        self.task: asyncio.Task[None] | None = None

    def check(self, now: int, reader: InputReader) -> bool:
        """Once per period. True when no step is running or it was just aborted (the
        caller then has nothing more to do for the step)."""
        since = reader.step_since_ns
        if since is None:
            self._watch_input(now)
            return True
        if now - since < self._step_ns:
            return False
        reader.step_since_ns = None
        task = self.task
        if task is not None and not task.done() and not self.pending:
            self.pending = True
            task.cancel()
        return True

    def _watch_input(self, now: int) -> None:
        if self._input_ns is None or self.input_done:
            return
        frames = self._metrics.frames_in
        seen, since = self._seen
        if frames != seen:
            self._seen = (frames, now)
        elif now - since >= self._input_ns:
            self._log("input_timeout", timeout_s=self._input_ns / 1e9)
            self._end("input_timeout")

    def recover(self, backend: str) -> BackendError:
        """In the input task, after catching the watchdog's cancellation: undo it and
        return the retryable error to fail over with."""
        self.pending = False
        uncancel = getattr(asyncio.current_task(), "uncancel", None)
        if uncancel is not None:
            uncancel()
        timeout = self.step_timeout_s
        self._log("step_timeout", backend=backend, timeout_s=timeout)
        return BackendError(
            f"backend {backend} step did not return within {timeout:g} s", retryable=True
        )
