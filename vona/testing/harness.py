"""Run a scripted session on virtual time and assert on what happened.

``run_scripted(transport_audio, backend, ...)`` runs ``run_session`` between a
``ScriptedTransport`` and any backend under ``run_virtual`` and returns a
``ScriptedRun`` with the metrics, the transport's recording and assertion helpers.
``run_realtime(script, ...)`` is the realtime harness: it builds a
``MockRealtimeBackend`` from a script and does the same, so a test reads as the
conversation it checks (tool-call round trips, barge-in truncation, latency marks,
event order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vona.config import SessionConfig
from vona.driver import run_session
from vona.errors import VonaError
from vona.events import ExternalContextEvent, Interruption
from vona.frames import Int16Array
from vona.metrics import SessionMetrics, ToolCallRecord
from vona.runtime import AnyBackend, VonaRuntime
from vona.skills import SkillExecutor, SkillRegistry
from vona.testing.mock_realtime import MockRealtimeBackend, MockRealtimeSession, ScriptStep
from vona.testing.virtual_time import VirtualClock, run_virtual
from vona.testing.waveforms import silence
from vona.transports.scripted import ScriptedTransport

__all__ = ["HarnessAssertionError", "ScriptedRun", "run_realtime", "run_scripted"]


class HarnessAssertionError(AssertionError, VonaError):
    """A harness expectation failed; the message shows what was seen instead."""


@dataclass
class ScriptedRun:
    """The outcome of a scripted session."""

    metrics: SessionMetrics
    transport: ScriptedTransport
    backend: AnyBackend
    clock: VirtualClock

    @property
    def realtime_session(self) -> MockRealtimeSession:
        if not isinstance(self.backend, MockRealtimeBackend):
            raise HarnessAssertionError("this run did not use a MockRealtimeBackend")
        return self.backend.session

    def tool_call(self, call_id: str) -> ToolCallRecord:
        for rec in self.metrics.tool_calls:
            if rec.call_id == call_id:
                return rec
        seen = [r.call_id for r in self.metrics.tool_calls]
        raise HarnessAssertionError(f"no tool call {call_id!r}; calls seen: {seen}")

    def assert_event_order(self, *kinds: str) -> None:
        """``kinds`` appear in the metrics event log in this order (others may interleave)."""
        log = self.metrics.event_kinds()
        pos = 0
        for kind in kinds:
            try:
                pos = log.index(kind, pos) + 1
            except ValueError:
                raise HarnessAssertionError(
                    f"event {kind!r} not found in order {list(kinds)}; log: {log}"
                ) from None

    def assert_tool_round_trip(self, call_id: str, *, ok: bool = True) -> ExternalContextEvent:
        """The call ran to the expected end and its result reached the backend."""
        rec = self.tool_call(call_id)
        want = "succeeded" if ok else ("failed", "timed_out", "rejected")
        if (ok and rec.state != want) or (not ok and rec.state not in want):
            raise HarnessAssertionError(f"tool call {call_id!r} ended {rec.state}: {rec.error}")
        results = [
            e
            for _, e in self._sent()
            if isinstance(e, ExternalContextEvent) and e.call_id == call_id
        ]
        if len(results) != 1:
            raise HarnessAssertionError(
                f"expected one result for {call_id!r} at the backend, got {len(results)}"
            )
        if bool(results[0].payload.get("ok")) != ok:
            raise HarnessAssertionError(f"result for {call_id!r} is {results[0].payload}")
        return results[0]

    def assert_tool_never_ran(self, call_id: str) -> None:
        """The call was cancelled before it started and no result reached the backend."""
        rec = self.tool_call(call_id)
        started = [
            e
            for e in self.metrics.events
            if e.kind == "tool_started" and e.data.get("call_id") == call_id
        ]
        if rec.state != "cancelled" or started:
            raise HarnessAssertionError(
                f"tool call {call_id!r} ended {rec.state}, started {len(started)} time(s)"
            )
        if any(
            isinstance(e, ExternalContextEvent) and e.call_id == call_id for _, e in self._sent()
        ):
            raise HarnessAssertionError(f"a result for {call_id!r} reached the backend")

    def assert_interrupted(
        self, *, played_ms: int | None = None, tolerance_ms: int = 0
    ) -> Interruption:
        """The backend was told about an interruption (with the played position)."""
        sent = [e for _, e in self._sent() if isinstance(e, Interruption)]
        if not sent:
            raise HarnessAssertionError(
                f"no Interruption reached the backend; log: {self.metrics.event_kinds()}"
            )
        last = sent[-1]
        if played_ms is not None and (
            last.played_ms is None or abs(last.played_ms - played_ms) > tolerance_ms
        ):
            raise HarnessAssertionError(
                f"interruption played_ms={last.played_ms}, expected {played_ms}±{tolerance_ms}"
            )
        return last

    def latency_marks(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "time_to_first_byte_ns": m.time_to_first_byte_ns,
            "first_audio_latency_ns": m.first_audio_latency_ns,
            "turn_latencies_ns": list(m.turn_latencies_ns),
        }

    def _sent(self) -> list[tuple[int, Any]]:
        backend = self.backend
        if isinstance(backend, MockRealtimeBackend):
            return [pair for s in backend.sessions for pair in s.sent_events]
        sessions = getattr(backend, "sessions", [])
        out: list[tuple[int, Any]] = []
        for s in sessions:
            out.extend((0, e) for e in getattr(s, "injected", []))
            out.extend((0, e) for e in getattr(s, "interruptions", []))
        return out


def run_scripted(
    audio: Int16Array,
    backend: AnyBackend,
    *,
    sample_rate_hz: int,
    chunk_ms: float = 20.0,
    chunk_samples: int | tuple[int, int] | None = None,
    seed: int = 0,
    hold_open_ms: float = 0.0,
    skills: SkillRegistry | SkillExecutor | None = None,
    runtime: VonaRuntime | None = None,
    config: SessionConfig | None = None,
    clock: VirtualClock | None = None,
) -> ScriptedRun:
    """Play ``audio`` into a session with ``backend`` on virtual time."""
    clock = clock if clock is not None else VirtualClock()
    transport = ScriptedTransport(
        audio,
        sample_rate_hz,
        chunk_ms=chunk_ms,
        chunk_samples=chunk_samples,
        seed=seed,
        hold_open_ms=hold_open_ms,
        clock=clock,
    )
    metrics = run_virtual(
        run_session(
            transport,
            backend,
            runtime=runtime,
            skills=skills,
            config=config,
            clock=clock,
            session_id="scripted",
        ),
        clock=clock,
    )
    return ScriptedRun(metrics, transport, backend, clock)


def run_realtime(
    script: Sequence[ScriptStep],
    *,
    input_audio: Int16Array | None = None,
    input_ms: float = 3000.0,
    sample_rate_hz: int = 24_000,
    transport_rate_hz: int | None = None,
    skills: SkillRegistry | SkillExecutor | None = None,
    runtime: VonaRuntime | None = None,
    config: SessionConfig | None = None,
    chunk_ms: float = 20.0,
) -> ScriptedRun:
    """The realtime harness: a ``MockRealtimeBackend`` running ``script`` against
    ``input_audio`` (default: ``input_ms`` of silence at the transport rate)."""
    rate = transport_rate_hz or sample_rate_hz
    audio = input_audio if input_audio is not None else silence(input_ms, rate)
    backend = MockRealtimeBackend(
        list(script), sample_rate_hz=sample_rate_hz, frame_samples=sample_rate_hz // 50
    )
    return run_scripted(
        audio,
        backend,
        sample_rate_hz=rate,
        chunk_ms=chunk_ms,
        skills=skills,
        runtime=runtime,
        config=config,
    )
