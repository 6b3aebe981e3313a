"""The backends of a session in order, and which one comes next when one fails.

``BackendChain`` holds the primary backend and the runtime's fallbacks. It builds
runners (through the factory it is given) and, when a runner fails, returns the runner
to switch to, recording the ``FallbackDecision`` in the metrics; it never switches
anything itself. The session retires the failing runner and starts the one returned
(see ``SessionDriver.backend_failed``). ``error_dict`` is the JSON form of the error
that ends a session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vona.driver.runners import BackendRunner
from vona.driver.turn import EventLog
from vona.errors import BackendError
from vona.metrics import FallbackDecision, SessionMetrics
from vona.runtime import AnyBackend, is_realtime_backend

__all__ = ["BackendChain", "error_dict"]


def error_dict(exc: BaseException, backend: str | None = None) -> dict[str, Any]:
    """The JSON-ready description of an error kept in ``SessionMetrics.error``."""
    out: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, BackendError):
        out["retryable"] = exc.retryable
    if backend is not None:
        out["backend"] = backend
    return out


class BackendChain:
    """The backends of one session, tried in order; owns ``metrics.fallbacks``."""

    __slots__ = ("_log", "_make", "_metrics", "_next", "_now_ns", "backends")

    def __init__(
        self,
        backends: list[AnyBackend],
        make_runner: Callable[[AnyBackend], BackendRunner],
        metrics: SessionMetrics,
        now_ns: Callable[[], int],
        log: EventLog,
    ) -> None:
        for b in backends:
            is_realtime_backend(b)  # raises ConfigError for an object of neither contract
        self.backends = backends
        self._make = make_runner
        self._metrics = metrics
        self._now_ns = now_ns
        self._log = log
        self._next = 1

    def first(self) -> BackendRunner:
        """The runner of the primary backend."""
        return self._make(self.backends[0])

    def next_runner(self, failed: BackendRunner, exc: BackendError) -> BackendRunner | None:
        """The runner to switch to after ``failed`` raised ``exc``: the next fallback if
        the error is retryable and one is left, else None (the session ends)."""
        if exc.retryable and self._next < len(self.backends):
            new = self._make(self.backends[self._next])
            self._next += 1
            self._decide(failed.name, new.name, str(exc))
            return new
        if exc.retryable:
            self._decide(failed.name, None, f"{exc} (no fallback backend left)")
        return None

    def _decide(self, src: str, dst: str | None, reason: str) -> None:
        m = self._metrics
        t = self._now_ns() - m.started_ns
        m.fallbacks.append(FallbackDecision(t, src, dst, reason, retryable=True))
        self._log("fallback", from_backend=src, to_backend=dst, reason=reason)
