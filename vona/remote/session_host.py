"""Hosting one backend's sessions for remote clients (the IPC server and the sidecar).

``SessionHost`` owns the far side of a remote session: it names sessions with
unguessable ids, caps how many exist, serialises the calls of each session (so pipelined
requests run in arrival order) while sessions run concurrently, ends sessions left idle,
and drains on shutdown. Any non-Vona exception a backend raises becomes a non-retryable
``BackendError`` here, so a buggy backend cannot crash a server.

Every session is bound to its creator: ``create(owner=...)`` stores a credential (the
connection object over IPC, a per-session secret string over HTTP) that later calls must
present, or the session is reported unknown (no oracle for ids). Each ``client`` (a peer
address, a connection) may hold at most ``max_sessions_per_client`` sessions and start at
most ``max_creates_per_s`` per second, so one client cannot lock the others out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from vona.backends.step import BackendCapabilities, BackendStep, SpeechToSpeechBackend
from vona.config import SessionConfig
from vona.errors import BackendError, ConfigError, SessionLimitError, VonaError
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame

__all__ = [
    "ANY_OWNER",
    "ClientLimitError",
    "SessionEndedError",
    "SessionHost",
    "SessionObserver",
    "UnknownSessionError",
]

log = logging.getLogger("vona.sessions")
T = TypeVar("T")


class UnknownSessionError(BackendError):
    """No session has this id (never created, ended, or reaped as idle)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"unknown session {session_id[:64]!r}", retryable=False)


class SessionEndedError(UnknownSessionError):
    """The server ended this session (``reason``); retryable when it was drained, so the
    client starts a new session, on another node behind a balancer."""

    def __init__(self, session_id: str, reason: str) -> None:
        super().__init__(session_id)
        self.reason = reason
        self.retryable = reason in _RETRYABLE_ENDS
        self.args = (f"session {session_id[:64]!r} was ended by the server: {reason}",)


_RETRYABLE_ENDS = frozenset({"drain", "drain_timeout", "node_lost"})
_NODE_ID = re.compile(r"[A-Za-z0-9_-]{1,63}")
_RECENT_ENDS = 4096  # how many server-ended session ids keep their reason


class SessionObserver(Protocol):
    """Told about every session and step of a ``SessionHost`` (metrics, tracing).
    Called on the loop; must not block."""

    def session_started(self, session_id: str) -> None: ...

    def step_done(self, session_id: str, step: BackendStep) -> None: ...

    def samples_refused(self, samples: int, reason: str) -> None: ...

    def session_ended(self, session_id: str, reason: str) -> None: ...


class _AnyOwner:
    def __repr__(self) -> str:
        return "ANY_OWNER"


ANY_OWNER: Any = _AnyOwner()
"""Pass as ``owner`` to act on a session whoever created it (the server's own calls)."""


@dataclass(slots=True)
class _Hosted:
    session: Any
    owner: object
    client: object
    last_used: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def owned_by(self, owner: object) -> bool:
        mine = self.owner
        if owner is ANY_OWNER or mine is None:
            return True
        if isinstance(mine, str):
            return isinstance(owner, str) and hmac.compare_digest(mine, owner)
        return mine is owner


@dataclass(slots=True)
class _Bucket:
    """A token bucket of session creations for one client."""

    tokens: float
    stamp: float


class SessionHost:
    """The sessions of one backend, shared by every connection of a server.

    ``max_sessions`` caps live sessions (``SessionLimitError`` past it);
    ``idle_timeout_s`` ends sessions with no call for that long (0 disables);
    ``max_sessions_per_client`` (default: all of them) and ``max_creates_per_s`` (a
    token bucket per client, burst of the same size; 0 disables) bound each client;
    ``admit`` (if given) is asked before each creation and may raise
    ``SessionLimitError`` (e.g. while the event loop lags). With a ``node_id`` every
    session id starts with ``node_id.``, so a load balancer can route a session's calls
    to its node (and a node that gets another's session says it was lost, retryably).
    """

    def __init__(
        self,
        backend: SpeechToSpeechBackend,
        *,
        max_sessions: int = 256,
        idle_timeout_s: float = 300.0,
        max_sessions_per_client: int | None = None,
        max_creates_per_s: float = 0.0,
        admit: Callable[[], None] | None = None,
        observers: tuple[SessionObserver, ...] = (),
        node_id: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_sessions < 1:
            raise ConfigError(f"max_sessions must be at least 1, got {max_sessions}")
        if idle_timeout_s < 0:
            raise ConfigError(f"idle_timeout_s must be >= 0, got {idle_timeout_s}")
        per_client = max_sessions if max_sessions_per_client is None else max_sessions_per_client
        if per_client < 1:
            raise ConfigError(f"max_sessions_per_client must be at least 1, got {per_client}")
        if max_creates_per_s < 0:
            raise ConfigError(f"max_creates_per_s must be >= 0, got {max_creates_per_s}")
        if node_id and not _NODE_ID.fullmatch(node_id):
            raise ConfigError(f"node_id {node_id[:40]!r} must be 1-63 of A-Z a-z 0-9 _ -")
        self.backend = backend
        self.node_id = node_id
        self._prefix = f"{node_id}." if node_id else ""
        self.max_sessions = max_sessions
        self.idle_timeout_s = idle_timeout_s
        self.max_sessions_per_client = per_client
        self.max_creates_per_s = max_creates_per_s
        self._admit = admit
        self.observers = observers
        self._clock = clock
        self._sessions: dict[str, _Hosted] = {}
        self._per_client: dict[object, int] = {}
        self._buckets: dict[object, _Bucket] = {}
        self.ended_reasons: dict[str, int] = {}
        self._recent_ends: dict[str, str] = {}
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

    @property
    def free_slots(self) -> int:
        return max(0, self.max_sessions - len(self._sessions) - self._reserved)

    def _charge(self, client: object) -> None:
        """Refuse a creation over the client's cap or rate (``ClientLimitError``)."""
        if self._per_client.get(client, 0) >= self.max_sessions_per_client:
            raise ClientLimitError(
                f"this client holds max_sessions_per_client={self.max_sessions_per_client}"
                " sessions; end one first"
            )
        rate = self.max_creates_per_s
        if not rate:
            return
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) > 10_000:  # forget full buckets of past clients
                self._buckets = {
                    c: b
                    for c, b in self._buckets.items()
                    if b.tokens + (now - b.stamp) * rate < rate
                }
            bucket = self._buckets[client] = _Bucket(rate, now)
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens < 1.0:
            raise ClientLimitError(f"more than {rate:g} session creations per second")
        bucket.tokens -= 1.0

    async def create(
        self, config: SessionConfig, *, owner: object = None, client: object = None
    ) -> str:
        """Start a session bound to ``owner`` (see the class docstring) for ``client``."""
        if self._draining:
            raise SessionLimitError("server is shutting down; no new sessions")
        if len(self._sessions) + self._reserved >= self.max_sessions:
            raise SessionLimitError(f"session limit reached (max_sessions={self.max_sessions})")
        self._charge(client)
        if self._admit is not None:
            self._admit()
        self._reserved += 1
        self._per_client[client] = self._per_client.get(client, 0) + 1
        try:
            session = await _guard(self.backend.start_session(config), "start_session")
        except BaseException:
            self._release(client)
            raise
        finally:
            self._reserved -= 1
        sid = self._prefix + secrets.token_urlsafe(12)
        self._sessions[sid] = _Hosted(session, owner, client, self._clock())
        self._empty.clear()
        for obs in self.observers:
            obs.session_started(sid)
        return sid

    def _release(self, client: object) -> None:
        n = self._per_client.get(client, 0) - 1
        if n > 0:
            self._per_client[client] = n
        else:
            self._per_client.pop(client, None)

    def _get(self, session_id: str, owner: object) -> _Hosted:
        hosted = self._sessions.get(session_id)
        if hosted is None or not hosted.owned_by(owner):
            reason = self._recent_ends.get(session_id)
            if hosted is None and reason is not None:
                raise SessionEndedError(session_id, reason)
            node, dot, _ = session_id.partition(".")
            if hosted is None and dot and self._prefix and node != self.node_id:
                # A balancer sent another node's session here: that node is gone.
                raise SessionEndedError(session_id, "node_lost")
            raise UnknownSessionError(session_id)
        return hosted

    def _count_end(self, reason: str) -> None:
        self.ended_reasons[reason] = self.ended_reasons.get(reason, 0) + 1

    async def step(
        self, session_id: str, frame: AudioInputFrame, *, owner: object = ANY_OWNER
    ) -> BackendStep:
        observers = self.observers
        if not observers:
            hosted = self._get(session_id, owner)
            async with hosted.lock:
                if self._sessions.get(session_id) is not hosted:
                    raise UnknownSessionError(session_id)
                hosted.last_used = self._clock()
                return await _guard(self.backend.step(hosted.session, frame), "step")
        try:
            hosted = self._get(session_id, owner)
            async with hosted.lock:
                if self._sessions.get(session_id) is not hosted:
                    raise UnknownSessionError(session_id)
                hosted.last_used = self._clock()
                step = await _guard(self.backend.step(hosted.session, frame), "step")
        except VonaError as exc:
            reason = getattr(exc, "reason", None) or _refusal(exc)
            for obs in observers:
                obs.samples_refused(int(frame.samples.size), reason)
            raise
        for obs in observers:
            obs.step_done(session_id, step)
        return step

    async def inject(
        self, session_id: str, event: ExternalContextEvent, *, owner: object = ANY_OWNER
    ) -> None:
        hosted = self._get(session_id, owner)
        async with hosted.lock:
            if self._sessions.get(session_id) is not hosted:
                raise UnknownSessionError(session_id)
            hosted.last_used = self._clock()
            await _guard(self.backend.inject_event(hosted.session, event), "inject_event")

    async def end(
        self, session_id: str, *, owner: object = ANY_OWNER, reason: str = "client"
    ) -> None:
        """End a session; ``reason`` (client, idle, connection_closed, drain) is counted."""
        hosted = self._get(session_id, owner)
        async with hosted.lock:
            if self._sessions.pop(session_id, None) is not hosted:
                raise UnknownSessionError(session_id)
            self._forget(session_id, hosted, reason)
            if reason != "client":
                self._remember_end(session_id, reason)
            await _guard(self.backend.end_session(hosted.session), "end_session")

    def _remember_end(self, session_id: str, reason: str) -> None:
        ends = self._recent_ends
        if len(ends) >= _RECENT_ENDS:
            del ends[next(iter(ends))]
        ends[session_id] = reason

    def _forget(self, session_id: str, hosted: _Hosted, reason: str) -> None:
        self._release(hosted.client)
        self._count_end(reason)
        for obs in self.observers:
            obs.session_ended(session_id, reason)
        if not self._sessions:
            self._empty.set()

    async def end_owned(self, owner: object) -> int:
        """End every session created by ``owner`` (a closed connection); returns how many."""
        ids = [sid for sid, h in self._sessions.items() if h.owner is owner]
        for sid in ids:
            await self._end_quietly(sid, "connection_closed")
        return len(ids)

    async def _end_quietly(self, session_id: str, reason: str) -> None:
        with contextlib.suppress(UnknownSessionError):
            try:
                await self.end(session_id, reason=reason)
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
            await self._end_quietly(sid, "idle")
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

    async def close(self, drain_timeout_s: float = 10.0, *, reason: str = "drain") -> None:
        """Refuse new sessions, let calls in flight finish (up to the timeout), end all
        (counted and reported to their clients under ``reason``)."""
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
                await self._end_quietly(sid, reason)
                continue
            # A call still running after the drain deadline: end the session under it.
            if self._sessions.pop(sid, None) is hosted:
                self._forget(sid, hosted, "drain_timeout")
                self._remember_end(sid, "drain_timeout")
            try:
                await _guard(self.backend.end_session(hosted.session), "end_session")
            except VonaError as exc:
                log.warning("ending session failed: %s", exc)


def _refusal(exc: VonaError) -> str:
    if isinstance(exc, UnknownSessionError):
        return "unknown_session"
    if isinstance(exc, BackendError):
        return "backend_error"
    return "bad_input"


class ClientLimitError(SessionLimitError):
    """One client is over its session cap or creation rate (HTTP 429)."""

    retryable = True


async def _guard(call: Awaitable[T], what: str) -> T:
    try:
        return await call
    except VonaError:
        raise
    except Exception as exc:
        raise BackendError(f"backend {what} raised {type(exc).__name__}: {exc}") from exc
