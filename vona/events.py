"""Control events (from a backend to the runtime) and external context (into a backend).

A step-oriented backend returns ``ControlEvent``s with each step; the runtime policy
(``VonaRuntime``) maps them to actions. ``ExternalContextEvent`` is how the application,
skills and planners put information into a backend without the core knowing the product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ContextKind",
    "ControlEvent",
    "ExternalContextEvent",
    "FallbackRequested",
    "Interruption",
    "LatencyMark",
    "PlayoutPause",
    "PlayoutResume",
    "ToolCallRequested",
    "TurnEnd",
]


@dataclass(slots=True, frozen=True)
class ControlEvent:
    """Base class of the events a backend step emits besides audio."""


@dataclass(slots=True, frozen=True)
class ToolCallRequested(ControlEvent):
    """The model asked to run a tool. ``arguments`` is the raw JSON text or a decoded dict."""

    call_id: str
    name: str
    arguments: str | dict[str, Any]
    generation_id: int = 0


@dataclass(slots=True, frozen=True)
class Interruption(ControlEvent):
    """The user barged in (or the app interrupted): stop the current generation.

    When the runtime sends this back into a backend it fills ``played_ms`` and
    ``played_samples`` with the position the user actually heard, so the backend can
    truncate its history to it.
    """

    reason: str = "barge_in"
    generation_id: int = 0
    played_ms: int | None = None
    played_samples: int | None = None
    dropped_samples: int = 0


@dataclass(slots=True, frozen=True)
class PlayoutPause(ControlEvent):
    """Hold the reply's playout where it is (a possible barge-in): nothing more of it plays
    until ``PlayoutResume`` (a false interruption) or an ``Interruption`` (which clears it)."""

    generation_id: int = 0


@dataclass(slots=True, frozen=True)
class PlayoutResume(ControlEvent):
    """Play on from where ``PlayoutPause`` held the reply."""

    generation_id: int = 0


@dataclass(slots=True, frozen=True)
class TurnEnd(ControlEvent):
    """A generation finished (the assistant's turn is complete) or the user's turn ended."""

    generation_id: int = 0
    role: Literal["user", "assistant"] = "assistant"


@dataclass(slots=True, frozen=True)
class FallbackRequested(ControlEvent):
    """The backend asks the runtime to switch to the configured fallback backend."""

    reason: str = ""


@dataclass(slots=True, frozen=True)
class LatencyMark(ControlEvent):
    """A named point in time (session clock, monotonic ns) for latency metrics."""

    name: str
    timestamp_ns: int


ContextKind = Literal[
    "transcript_override", "tool_result", "planner_output", "precomputed_reply", "app"
]


@dataclass(slots=True, frozen=True)
class ExternalContextEvent:
    """Information injected into a backend: a tool result, a corrected transcript, a
    planner's output, a reply computed elsewhere, or an app-defined payload.

    ``payload`` is JSON-ready data; its keys depend on ``kind`` (see the constructors).
    """

    kind: ContextKind
    payload: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None
    generation_id: int | None = None

    @classmethod
    def tool_result(
        cls,
        call_id: str,
        name: str,
        result: Any = None,
        *,
        error: str | None = None,
        generation_id: int | None = None,
    ) -> ExternalContextEvent:
        """A tool's result, or its error (validation, timeout, failure) as structured data."""
        payload: dict[str, Any] = {"name": name, "ok": error is None}
        if error is None:
            payload["result"] = result
        else:
            payload["error"] = error
        return cls("tool_result", payload, call_id=call_id, generation_id=generation_id)

    @classmethod
    def transcript_override(cls, text: str) -> ExternalContextEvent:
        """Replace what the backend heard the user say."""
        return cls("transcript_override", {"text": text})

    @classmethod
    def precomputed_reply(cls, text: str) -> ExternalContextEvent:
        """Make the backend say this reply instead of generating one."""
        return cls("precomputed_reply", {"text": text})
