"""Which backend a session is using, and switching to a fallback when it fails.

``BackendChain`` holds the primary backend and the runtime's fallbacks in order. On a
retryable ``BackendError`` (or a ``FallbackRequested`` event) it retires the failing
backend (clears its audio, cancels its tool calls, closes its session) and starts the
next one with the same ``SessionConfig``, recording a ``FallbackDecision``; when the
error is fatal or no fallback is left it ends the session with the error.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from vona.driver.engines import Engine, RealtimeEngine, StepEngine
from vona.errors import BackendError
from vona.metrics import FallbackDecision
from vona.runtime import AnyBackend, is_realtime_backend

if TYPE_CHECKING:
    from vona.driver.session import SessionDriver

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
    """The backends of one session, tried in order."""

    def __init__(self, driver: SessionDriver, backends: list[AnyBackend]) -> None:
        for b in backends:
            is_realtime_backend(b)
        self.driver = driver
        self.backends = backends
        self._next = 1
        self._lock: asyncio.Lock | None = None

    def make_engine(self, backend: AnyBackend) -> Engine:
        if is_realtime_backend(backend):
            return RealtimeEngine(self.driver, backend)  # type: ignore[arg-type]
        return StepEngine(self.driver, backend)  # type: ignore[arg-type]

    async def start_first(self) -> None:
        engine = self.make_engine(self.backends[0])
        try:
            await self.start(engine)
        except BackendError as exc:
            await self.failed(engine, exc)

    async def start(self, engine: Engine) -> None:
        d = self.driver
        d.engine = engine
        d.metrics.backend = engine.name
        d.configure_audio(engine)
        await engine.start()
        d.log("backend_started", backend=engine.name, realtime=engine.realtime)

    async def failed(self, engine: Engine, exc: BackendError) -> None:
        d = self.driver
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if engine is not d.engine or d.done:
                return  # a stale engine, or the session is already ending
            d.log("backend_error", backend=engine.name, message=str(exc), retryable=exc.retryable)
            while exc.retryable and self._next < len(self.backends):
                new = self.make_engine(self.backends[self._next])
                self._next += 1
                self._decide(engine.name, new.name, str(exc))
                await self._retire(engine)
                try:
                    await self.start(new)
                    return
                except BackendError as again:
                    exc, engine = again, new
                    d.log(
                        "backend_error",
                        backend=new.name,
                        message=str(again),
                        retryable=again.retryable,
                    )
            if exc.retryable:
                self._decide(engine.name, None, f"{exc} (no fallback backend left)")
            d.fail(exc)

    def _decide(self, src: str, dst: str | None, reason: str) -> None:
        d = self.driver
        t = d.clock.now_ns() - d.metrics.started_ns
        d.metrics.fallbacks.append(FallbackDecision(t, src, dst, reason, retryable=True))
        d.log("fallback", from_backend=src, to_backend=dst, reason=reason)

    async def _retire(self, engine: Engine) -> None:
        d = self.driver
        if d.assistant_active():
            await d.interrupt("backend_switch", notify=False)
        d.executor.cancel_all("backend switched")
        try:
            await engine.close()
        except Exception as exc:
            d.log("backend_close_error", backend=engine.name, message=str(exc))
        d.reset_generation_state()
