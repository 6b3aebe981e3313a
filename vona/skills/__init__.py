"""Skills (tools): a registry with argument schemas and an executor with timeouts,
per-call state machines, audit events and cancellation by generation."""

from __future__ import annotations

from vona.skills.call import (
    AuditKind,
    CallState,
    IllegalTransitionError,
    SkillAuditEvent,
    SkillCall,
)
from vona.skills.executor import AuditSink, ResultSink, SkillExecutor
from vona.skills.registry import Skill, SkillArgumentError, SkillRegistry

__all__ = [
    "AuditKind",
    "AuditSink",
    "CallState",
    "IllegalTransitionError",
    "ResultSink",
    "Skill",
    "SkillArgumentError",
    "SkillAuditEvent",
    "SkillCall",
    "SkillExecutor",
    "SkillRegistry",
]
