"""Hosting one backend's sessions for remote clients (the IPC server and the sidecar).

``SessionHost`` owns the far side of a remote session: it names sessions with
unguessable ids, caps how many exist, serialises the calls of each session (so pipelined
requests run in arrival order) while sessions run concurrently, ends sessions left idle,
and drains on shutdown. Any non-Vona exception a backend raises becomes a non-retryable
``BackendError`` here, so a buggy backend cannot crash a server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vona.backends.step import BackendCapabilities, BackendStep, SpeechToSpeechBackend
from vona.config import SessionConfig
from vona.errors import BackendError, ConfigError, SessionLimitError, VonaError
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame

__all__ = ["SessionHost", "UnknownSessionError"]

log = logging.getLogger("vona.sessions")
T = TypeVar("T")


class UnknownSessionError(BackendError):
    """No session has this id (never created, ended, or reaped as idle)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"unknown session {session_id[:64]!r}", retryable=False)


@dataclass(slots=True)
class _Hosted:
    session: Any
    owner: object
    last_used: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SessionHost:
    """The sessions of one backend, shared by every connection of a server.

    ``max_sessions`` caps live sessions (``SessionLimitError`` past it);
    ``idle_timeout_s`` ends sessions with no call for that long (0 disables).
    """

    def __init__(
        self,
        backend: SpeechToSpeechBackend,
        *,
        max_sessions: int = 256,
        idle_timeout_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_sessions < 1:
            raise ConfigError(f"max_sessions must be at least 1, got {max_sessions}")
        if idle_timeout_s < 0:
            raise ConfigError(f"idle_timeout_s must be >= 0, got {idle_timeout_s}")
        self.backend = backend
        self.max_sessions = max_sessions
        self.idle_timeout_s = idle_timeout_s
        self._clock = clock
        self._sessions: dict[str, _Hosted] = {}
        self._reserved = 0
        self._draining = False
        self._reaper: asyncio.Task[None] | None = None
        self._empty = asyncio.Event()
        self._empty.set()

    def capabilities(self) -> BackendCapabilities:
        return self.backend.capabilities()

    def __len__(self) -> int:
        return len(self._sessions)

    @property
    def draining(self) -> bool:
        return self._draining

    def start(self) -> None:
        """Start the idle reaper (call from the running loop)."""
        if self.idle_timeout_s and self._reaper is None:
            self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def create(self, config: SessionConfig, *, owner: object = None) -> str:
        if self._draining:
            raise SessionLimitError("server is shutting down; no new sessions")
        if len(self._sessions) + self._reserved >= self.max_sessions:
            raise SessionLimitError(f"session limit reached (max_sessions={self.max_sessions})")
        self._reserved += 1
        try:
            session = await _guard(self.backend.start_session(config), "start_session")
        finally:
            self._reserved -= 1
        sid = secrets.token_urlsafe(12)
        self._sessions[sid] = _Hosted(session, owner, self._clock())
        self._empty.clear()
        return sid

    def _get(self, session_id: str) -> _Hosted:
        hosted = self._sessions.get(session_id)
        if hosted is None:
            raise UnknownSessionError(session_id)
        return hosted

    async def step(self, session_id: str, frame: AudioInputFrame) -> BackendStep:
        hosted = self._get(session_id)
        async with hosted.lock:
            if self._sessions.get(session_id) is not hosted:
                raise UnknownSessionError(session_id)
            hosted.last_used = self._clock()
            return await _guard(self.backend.step(hosted.session, frame), "step")

    async def inject(self, session_id: str, event: ExternalContextEvent) -> None:
        hosted = self._get(session_id)
        async with hosted.lock:
            if self._sessions.get(session_id) is not hosted:
                raise UnknownSessionError(session_id)
            hosted.last_used = self._clock()
            await _guard(self.backend.inject_event(hosted.session, event), "inject_event")

    async def end(self, session_id: str) -> None:
        hosted = self._get(session_id)
        async with hosted.lock:
            if self._sessions.pop(session_id, None) is not hosted:
                raise UnknownSessionError(session_id)
            if not self._sessions:
                self._empty.set()
            await _guard(self.backend.end_session(hosted.session), "end_session")

    async def end_owned(self, owner: object) -> int:
        """End every session created by ``owner`` (a closed connection); returns how many."""
        ids = [sid for sid, h in self._sessions.items() if h.owner is owner]
        for sid in ids:
            await self._end_quietly(sid)
        return len(ids)

    async def _end_quietly(self, session_id: str) -> None:
        with contextlib.suppress(UnknownSessionError):
            try:
                await self.end(session_id)
            except VonaError as exc:
                log.warning("ending session failed: %s", exc)

    async def reap_idle(self) -> int:
        """End sessions idle for longer than ``idle_timeout_s``; returns how many."""
        if not self.idle_timeout_s:
            return 0
        limit = self._clock() - self.idle_timeout_s
        stale = [
            sid for sid, h in self._sessions.items() if h.last_used < limit and not h.lock.locked()
        ]
        for sid in stale:
            await self._end_quietly(sid)
        return len(stale)

    async def _reap_forever(self) -> None:
        period = max(0.05, min(self.idle_timeout_s / 4, 30.0))
        while True:
            await asyncio.sleep(period)
            n = await self.reap_idle()
            if n:
                log.info("ended %d idle session(s)", n)

    def begin_drain(self) -> None:
        """Refuse new sessions from now on; existing ones keep working."""
        self._draining = True

    async def wait_empty(self, timeout_s: float) -> bool:
        """Wait until every session has ended (or the timeout); True if none is left."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._empty.wait(), timeout_s)
        return not self._sessions

    async def close(self, drain_timeout_s: float = 10.0) -> None:
        """Refuse new sessions, let calls in flight finish (up to the timeout), end all."""
        self._draining = True
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
            self._reaper = None
        deadline = self._clock() + drain_timeout_s
        while any(h.lock.locked() for h in self._sessions.values()):
            if self._clock() >= deadline:
                break
            await asyncio.sleep(0.01)
        for sid, hosted in list(self._sessions.items()):
            if not hosted.lock.locked():
                await self._end_quietly(sid)
                continue
            # A call still running after the drain deadline: end the session under it.
            self._sessions.pop(sid, None)
            if not self._sessions:
                self._empty.set()
            try:
                await _guard(self.backend.end_session(hosted.session), "end_session")
            except VonaError as exc:
                log.warning("ending session failed: %s", exc)


async def _guard(call: Awaitable[T], what: str) -> T:
    try:
        return await call
    except VonaError:
        raise
    except Exception as exc:
        raise BackendError(f"backend {what} raised {type(exc).__name__}: {exc}") from exc
