"""Admission control: at most ``max_sessions`` sessions at once in one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

from vona.driver import run_session
from vona.errors import ConfigError, SessionLimitError
from vona.metrics import SessionMetrics
from vona.runtime import AnyBackend
from vona.transports.base import AudioTransport

__all__ = ["SessionManager"]


class SessionManager:
    """Admits up to ``max_sessions`` concurrent sessions and refuses the next one with
    ``SessionLimitError`` (no queueing: the caller decides whether to retry elsewhere).

        async with SessionManager(max_sessions=8) as manager:
            metrics = await manager.run(transport, backend, skills=registry)

    Leaving the ``async with`` block cancels sessions still running in ``spawn``ed tasks.
    """

    def __init__(self, max_sessions: int) -> None:
        if max_sessions < 1:
            raise ConfigError(f"max_sessions must be >= 1, got {max_sessions}")
        self.max_sessions = max_sessions
        self._active = 0
        self._admitted = 0
        self._refused = 0
        self._tasks: set[asyncio.Task[SessionMetrics]] = set()

    @property
    def active(self) -> int:
        """Sessions admitted and not yet finished."""
        return self._active

    @property
    def stats(self) -> dict[str, int]:
        return {
            "max_sessions": self.max_sessions,
            "active": self._active,
            "admitted": self._admitted,
            "refused": self._refused,
        }

    def _admit(self) -> None:
        if self._active >= self.max_sessions:
            self._refused += 1
            raise SessionLimitError(
                f"session refused: {self._active} of max_sessions={self.max_sessions} "
                "sessions are already running"
            )
        self._active += 1
        self._admitted += 1

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one admission slot for the block (for callers that run sessions
        themselves); raises ``SessionLimitError`` when full."""
        self._admit()
        try:
            yield
        finally:
            self._active -= 1

    async def run(
        self, transport: AudioTransport, backend: AnyBackend, **kwargs: Any
    ) -> SessionMetrics:
        """Admit and run one session (``kwargs`` go to ``run_session``)."""
        async with self.slot():
            return await run_session(transport, backend, **kwargs)

    def spawn(
        self, transport: AudioTransport, backend: AnyBackend, **kwargs: Any
    ) -> asyncio.Task[SessionMetrics]:
        """Admit a session now (or raise ``SessionLimitError``) and run it in a task."""
        self._admit()

        task = asyncio.get_running_loop().create_task(
            run_session(transport, backend, **kwargs), name="vona-session"
        )
        self._tasks.add(task)
        # A done callback also runs for a task cancelled before it started.
        task.add_done_callback(self._release)
        return task

    def _release(self, task: asyncio.Task[SessionMetrics]) -> None:
        self._tasks.discard(task)
        self._active -= 1

    async def __aenter__(self) -> SessionManager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
