"""Runs tool calls: validate, queue, run with a timeout, report, and cancel by generation.

Every call gets a ``SkillCall`` state machine and leaves ``SkillAuditEvent``s. Results and
errors (unknown skill, invalid arguments, failure, timeout) go to ``on_result`` as
``ExternalContextEvent.tool_result`` for the backend: the model learns what went wrong
instead of the session crashing. ``cancel_generation`` cancels the queued and running
calls of an interrupted generation and guarantees none of them starts afterwards, even
calls that arrive later.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from vona.clock import Clock, default_clock
from vona.errors import ConfigError, SkillError
from vona.events import ExternalContextEvent, ToolCallRequested
from vona.skills.call import AuditKind, CallState, SkillAuditEvent, SkillCall
from vona.skills.registry import Skill, SkillRegistry

__all__ = ["AuditSink", "ResultSink", "SkillExecutor"]

ResultSink = Callable[[ExternalContextEvent], Awaitable[None]]
AuditSink = Callable[[SkillAuditEvent], None]


class SkillExecutor:
    """Executes ``ToolCallRequested`` events against a ``SkillRegistry``.

    ``max_concurrency`` calls run at once (more wait in a queue); ``default_timeout_s``
    applies to skills registered without their own timeout. ``on_result`` receives each
    tool result or error; ``on_audit`` each audit event (both also kept in ``results`` and
    ``audit``). Sync skills run in the event loop's default thread pool; a cancelled or
    timed-out thread finishes in the background and its result is discarded.
    """

    def __init__(
        self,
        registry: SkillRegistry,
        *,
        clock: Clock | None = None,
        default_timeout_s: float = 10.0,
        max_concurrency: int = 4,
        on_result: ResultSink | None = None,
        on_audit: AuditSink | None = None,
    ) -> None:
        if not default_timeout_s > 0:
            raise ConfigError(f"default_timeout_s must be > 0, got {default_timeout_s}")
        if max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self.registry = registry
        self._clock = clock
        self.default_timeout_s = default_timeout_s
        self.max_concurrency = max_concurrency
        self.on_result = on_result
        self.on_audit = on_audit
        self.calls: list[SkillCall] = []
        self.audit: list[SkillAuditEvent] = []
        self.results: list[ExternalContextEvent] = []
        self.sink_errors: list[BaseException] = []
        self._live: dict[str, SkillCall] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._queue: deque[SkillCall] = deque()
        self._running = 0
        self._cancelled_generations: set[int] = set()

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = default_clock()
        return self._clock

    @property
    def active(self) -> int:
        """Calls not yet in a terminal state (queued or running)."""
        return len(self._live)

    def oldest_running_ns(self) -> int | None:
        """When the longest-running live call started, None if none is running."""
        starts = [c.started_ns for c in self._live.values() if c.started_ns is not None]
        return min(starts) if starts else None

    def active_for(self, generation_id: int) -> int:
        return sum(1 for c in self._live.values() if c.generation_id == generation_id)

    async def submit(self, request: ToolCallRequested) -> SkillCall:
        """Accept a tool call: reject it (reporting why) or queue it to run."""
        now = self.clock.now_ns()
        call = SkillCall(
            request.call_id, request.name, request.arguments, request.generation_id, now
        )
        self.calls.append(call)
        self._audit("requested", call)
        if request.call_id in self._live:
            await self._reject(call, f"duplicate call_id {request.call_id!r} is still running")
            return call
        try:
            skill = self.registry.get(request.name)
            call.validated = skill.validate(request.arguments)
        except SkillError as exc:
            await self._reject(call, str(exc))
            return call
        self._audit("validated", call)
        self._live[call.call_id] = call
        if call.generation_id in self._cancelled_generations:
            self._finish_cancelled(call, "generation was interrupted before the call arrived")
            return call
        if self._running < self.max_concurrency:
            self._start(call, skill)
        else:
            self._queue.append(call)
        return call

    def cancel_generation(
        self, generation_id: int, reason: str = "interrupted", *, remember: bool = True
    ) -> list[SkillCall]:
        """Cancel every queued or running call of ``generation_id``; with ``remember``,
        later calls of that generation are cancelled on arrival. Returns the calls
        cancelled now."""
        if remember:
            self._cancelled_generations.add(generation_id)
        return self._cancel(lambda c: c.generation_id == generation_id, reason)

    def cancel_all(self, reason: str = "session ended") -> list[SkillCall]:
        """Cancel every live call (used when a session ends or switches backend)."""
        return self._cancel(lambda c: True, reason)

    async def wait_idle(self) -> None:
        """Wait until no call is queued or running."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel everything and wait for the tasks to unwind."""
        self.cancel_all()
        await self.wait_idle()

    def _cancel(self, match: Callable[[SkillCall], bool], reason: str) -> list[SkillCall]:
        cancelled = [c for c in self._live.values() if match(c)]
        for call in cancelled:
            self._finish_cancelled(call, reason)
            task = self._tasks.get(call.call_id)
            if task is not None:
                task.cancel()
        if cancelled:
            self._queue = deque(c for c in self._queue if c.state is CallState.REQUESTED)
        return cancelled

    def _finish_cancelled(self, call: SkillCall, reason: str) -> None:
        call.transition(CallState.CANCELLED, self.clock.now_ns())
        call.error = reason
        self._live.pop(call.call_id, None)
        self._audit("cancelled", call, detail=reason)

    def _start(self, call: SkillCall, skill: Skill) -> None:
        self._running += 1
        task = asyncio.get_running_loop().create_task(
            self._run(call, skill), name=f"vona-skill-{call.name}-{call.call_id}"
        )
        self._tasks[call.call_id] = task
        # A done callback, not a finally: a task cancelled before its first step never
        # runs its coroutine at all.
        task.add_done_callback(functools.partial(self._task_done, call.call_id))

    def _task_done(self, call_id: str, _task: asyncio.Task[None]) -> None:
        self._tasks.pop(call_id, None)
        self._running -= 1
        self._start_next()

    async def _run(self, call: SkillCall, skill: Skill) -> None:
        if call.state is not CallState.REQUESTED:
            return  # cancelled between scheduling and now: never runs
        now = self.clock.now_ns()
        call.transition(CallState.RUNNING, now)
        self._audit("started", call, duration_ns=now - call.requested_ns)
        timeout = skill.timeout_s if skill.timeout_s is not None else self.default_timeout_s
        try:
            result = await asyncio.wait_for(self._invoke(skill, call.validated), timeout)
            payload = _json_ready(skill.name, result)
        except asyncio.CancelledError:
            if call.is_cancelled:
                return  # we cancelled it; nothing to report
            self._finish_cancelled(call, "task cancelled")
            raise
        except TimeoutError:
            await self._end(
                call, CallState.TIMED_OUT, f"{skill.name} timed out after {timeout:g} s"
            )
            return
        except Exception as exc:
            await self._end(
                call, CallState.FAILED, f"{skill.name} failed: {type(exc).__name__}: {exc}"
            )
            return
        if call.is_cancelled:
            return
        call.result = payload
        await self._end(call, CallState.SUCCEEDED, None)

    async def _invoke(self, skill: Skill, validated: Any) -> Any:
        args, kwargs = skill.bind(validated)
        if skill.is_async:
            return await skill.fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(skill.fn, *args, **kwargs))

    def _start_next(self) -> None:
        while self._queue and self._running < self.max_concurrency:
            call = self._queue.popleft()
            if call.state is CallState.REQUESTED:
                self._start(call, self.registry.get(call.name))

    async def _reject(self, call: SkillCall, error: str) -> None:
        call.transition(CallState.REJECTED, self.clock.now_ns())
        call.error = error
        self._audit("rejected", call, detail=error)
        await self._deliver(call, error)

    async def _end(self, call: SkillCall, state: CallState, error: str | None) -> None:
        call.transition(state, self.clock.now_ns())
        call.error = error
        self._live.pop(call.call_id, None)
        kind: AuditKind = state.value  # type: ignore[assignment]
        self._audit(kind, call, detail=error)
        await self._deliver(call, error)

    async def _deliver(self, call: SkillCall, error: str | None) -> None:
        event = ExternalContextEvent.tool_result(
            call.call_id, call.name, call.result, error=error, generation_id=call.generation_id
        )
        self.results.append(event)
        if self.on_result is not None:
            try:
                await self.on_result(event)
            except Exception as exc:  # a sink must not take the executor down
                self.sink_errors.append(exc)

    def _audit(
        self,
        kind: AuditKind,
        call: SkillCall,
        *,
        duration_ns: int | None = None,
        detail: str | None = None,
    ) -> None:
        if duration_ns is None and kind not in ("requested", "validated", "started"):
            duration_ns = call.duration_ns
        event = SkillAuditEvent(
            kind,
            call.call_id,
            call.name,
            call.generation_id,
            self.clock.now_ns(),
            duration_ns=duration_ns,
            run_ns=call.run_ns,
            detail=detail,
        )
        self.audit.append(event)
        if self.on_audit is not None:
            self.on_audit(event)


def _json_ready(name: str, result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise SkillError(f"result of {name} is not JSON-serialisable: {exc}") from None
    return result
