"""One tool call's life: a small state machine tied to the generation that asked for it,
and the audit events it leaves behind."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

from vona.errors import SkillError

__all__ = ["AuditKind", "CallState", "IllegalTransitionError", "SkillAuditEvent", "SkillCall"]


class CallState(str, enum.Enum):
    """States of a ``SkillCall``. Terminal: rejected, succeeded, failed, timed_out, cancelled."""

    REQUESTED = "requested"
    REJECTED = "rejected"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self not in (CallState.REQUESTED, CallState.RUNNING)


_ALLOWED: dict[CallState, frozenset[CallState]] = {
    CallState.REQUESTED: frozenset({CallState.REJECTED, CallState.RUNNING, CallState.CANCELLED}),
    CallState.RUNNING: frozenset(
        {CallState.SUCCEEDED, CallState.FAILED, CallState.TIMED_OUT, CallState.CANCELLED}
    ),
}


class IllegalTransitionError(SkillError):
    """A ``SkillCall`` was asked to move to a state its current state does not allow."""


AuditKind = Literal[
    "requested",
    "validated",
    "rejected",
    "started",
    "succeeded",
    "failed",
    "timed_out",
    "cancelled",
]


@dataclass(slots=True, frozen=True)
class SkillAuditEvent:
    """An audit record. ``duration_ns``: for ``started``, time spent queued since the
    request; for terminal kinds, time since the request (``run_ns``: time spent running,
    None if it never ran)."""

    kind: AuditKind
    call_id: str
    name: str
    generation_id: int
    at_ns: int
    duration_ns: int | None = None
    run_ns: int | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "call_id": self.call_id,
            "name": self.name,
            "generation_id": self.generation_id,
            "at_ns": self.at_ns,
            "duration_ns": self.duration_ns,
            "run_ns": self.run_ns,
            "detail": self.detail,
        }


@dataclass(slots=True)
class SkillCall:
    """A tool call from request to its terminal state.

    ``arguments`` holds what the backend sent (JSON text or dict); ``validated`` the
    arguments after validation (a dict, or a pydantic model instance).
    """

    call_id: str
    name: str
    arguments: str | dict[str, Any]
    generation_id: int
    requested_ns: int
    state: CallState = CallState.REQUESTED
    validated: Any = None
    started_ns: int | None = None
    finished_ns: int | None = None
    result: Any = None
    error: str | None = None
    history: list[CallState] = field(default_factory=lambda: [CallState.REQUESTED])

    def transition(self, new: CallState, now_ns: int) -> None:
        """Move to ``new``; raises ``IllegalTransitionError`` if the move is not allowed."""
        if new not in _ALLOWED.get(self.state, frozenset()):
            raise IllegalTransitionError(
                f"tool call {self.call_id!r} ({self.name}) cannot go from "
                f"{self.state.value} to {new.value}"
            )
        self.state = new
        self.history.append(new)
        if new is CallState.RUNNING:
            self.started_ns = now_ns
        elif new.terminal:
            self.finished_ns = now_ns

    @property
    def is_cancelled(self) -> bool:
        return self.state is CallState.CANCELLED

    @property
    def duration_ns(self) -> int | None:
        """Request to terminal state, None while the call is live."""
        return None if self.finished_ns is None else self.finished_ns - self.requested_ns

    @property
    def run_ns(self) -> int | None:
        if self.started_ns is None or self.finished_ns is None:
            return None
        return self.finished_ns - self.started_ns
