"""OpenTelemetry spans per session and per turn (the ``otel`` extra, imported lazily).

A ``SessionObserver``: a ``vona.session`` span lives from a session's start to its end
(attribute ``vona.end_reason``); inside it a ``vona.turn`` span runs from the end of the
user's turn (``TurnEnd(role="user")``) to the end of the reply
(``TurnEnd(role="assistant")``), with an event at the reply's first audio. Spans go to
whatever tracer provider the application configured (``opentelemetry-sdk`` and an
exporter); without one they cost almost nothing.
"""

from __future__ import annotations

from typing import Any

from vona.backends.step import BackendStep
from vona.errors import ConfigError
from vona.events import TurnEnd

__all__ = ["SessionTracer"]


def _trace_api() -> Any:
    try:
        from opentelemetry import trace
    except ImportError:
        raise ConfigError("tracing needs OpenTelemetry: pip install 'vona[otel]'") from None
    return trace


class SessionTracer:
    """Spans of the sessions of one ``SessionHost`` (pass it in ``observers``)."""

    def __init__(self, tracer_provider: Any = None) -> None:
        trace = _trace_api()
        self._trace = trace
        self._tracer = trace.get_tracer("vona", tracer_provider=tracer_provider)
        self._sessions: dict[str, Any] = {}
        self._turns: dict[str, tuple[Any, bool]] = {}  # span, first audio seen

    def session_started(self, session_id: str) -> None:
        span = self._tracer.start_span("vona.session", attributes={"vona.session_id": session_id})
        self._sessions[session_id] = span

    def step_done(self, session_id: str, step: BackendStep) -> None:
        turn = self._turns.get(session_id)
        if turn is not None and not turn[1] and step.output_audio:
            turn[0].add_event("first_audio")
            self._turns[session_id] = (turn[0], True)
        for event in step.control_events:
            if not isinstance(event, TurnEnd):
                continue
            if event.role == "user":
                self._end_turn(session_id, "superseded")
                parent = self._sessions.get(session_id)
                ctx = self._trace.set_span_in_context(parent) if parent is not None else None
                span = self._tracer.start_span(
                    "vona.turn",
                    context=ctx,
                    attributes={"vona.generation_id": event.generation_id},
                )
                self._turns[session_id] = (span, False)
            else:
                self._end_turn(session_id, "completed")

    def _end_turn(self, session_id: str, outcome: str) -> None:
        turn = self._turns.pop(session_id, None)
        if turn is not None:
            turn[0].set_attribute("vona.turn_outcome", outcome)
            turn[0].end()

    def samples_refused(self, samples: int, reason: str) -> None:
        return None

    def session_ended(self, session_id: str, reason: str) -> None:
        self._end_turn(session_id, f"session_{reason}")
        span = self._sessions.pop(session_id, None)
        if span is not None:
            span.set_attribute("vona.end_reason", reason)
            span.end()
