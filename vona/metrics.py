"""What a session measured: latencies, tool calls, interruptions, fallbacks, counters,
and an ordered event log.

All times are session-clock nanoseconds; ``*_ns`` fields that are durations are plain
nanosecond counts, and event times (``t_ns``) are relative to the session start, so two
runs on a virtual clock produce identical ``to_dict()`` output.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "FallbackDecision",
    "InterruptionRecord",
    "MetricsEvent",
    "SessionMetrics",
    "ToolCallRecord",
]


@dataclass(slots=True)
class MetricsEvent:
    """One entry of the ordered event log: ``kind`` plus JSON-ready ``data``."""

    t_ns: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ToolCallRecord:
    """How one tool call ended. ``state`` is the final ``CallState`` value."""

    call_id: str
    name: str
    generation_id: int
    state: str
    duration_ns: int | None = None
    error: str | None = None


@dataclass(slots=True)
class InterruptionRecord:
    """One interruption: who asked, what the user heard and what was thrown away.

    ``played_samples`` and ``dropped_*`` are samples per channel at the transport rate.
    """

    t_ns: int
    reason: str
    generation_id: int
    played_samples: int
    played_ms: int
    dropped_ring_samples: int
    dropped_transport_samples: int
    cancelled_calls: list[str] = field(default_factory=list)

    @property
    def dropped_samples(self) -> int:
        return self.dropped_ring_samples + self.dropped_transport_samples


@dataclass(slots=True)
class FallbackDecision:
    """The runtime switched backends (``to_backend`` None: no fallback was left)."""

    t_ns: int
    from_backend: str
    to_backend: str | None
    reason: str
    retryable: bool


@dataclass(slots=True)
class SessionMetrics:
    """Everything ``run_session`` measured.

    ``first_audio_latency_ns``: session start to the first non-silent sample handed to the
    transport. ``time_to_first_byte_ns``: session start to the first audio the backend
    produced. ``turn_latencies_ns``: per assistant turn, end of the user's speech to the
    first non-silent sample played. ``stale_audio_samples``: audio of an interrupted
    realtime response that arrived afterwards and was discarded.

    The books of the assistant's audio, in transport-rate samples per channel:
    ``produced_samples`` (backend audio after resampling, offered to the playout ring)
    equals ``played_samples`` (handed to the transport and not cleared from it) plus
    ``dropped_samples``, which ``dropped_by_reason`` splits into ``interruption``,
    ``ring_overflow`` (beyond ``playout_capacity_s``), ``drain_timeout`` (still queued
    when the drain gave up), ``transport_failure`` (a ``send`` that raised or timed out),
    ``backend_switch`` and ``session_end`` (still queued when the session ended for
    another reason). ``books_balance()`` is 0 when they agree. ``samples_out`` counts
    every sample a ``send`` accepted, filler included (``filler_samples_out``).
    ``input_shed_frames``: input frames the bounded read-ahead discarded while a backend
    step was slow. ``end_reason`` is one of ``input_ended``, ``max_duration``,
    ``backend_closed``, ``error``, ``stopped``, ``cancelled``, ``input_timeout``.
    """

    session_id: str = ""
    backend: str = ""
    started_ns: int = 0
    ended_ns: int = 0
    end_reason: str = ""
    error: dict[str, Any] | None = None
    first_audio_latency_ns: int | None = None
    time_to_first_byte_ns: int | None = None
    turn_latencies_ns: list[int] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    interruptions: list[InterruptionRecord] = field(default_factory=list)
    fallbacks: list[FallbackDecision] = field(default_factory=list)
    frames_in: int = 0
    samples_in: int = 0
    frames_out: int = 0
    samples_out: int = 0
    filler_frames_out: int = 0
    filler_samples_out: int = 0
    backend_frames: int = 0
    produced_samples: int = 0
    played_samples: int = 0
    dropped_samples: int = 0
    dropped_by_reason: dict[str, int] = field(default_factory=dict)
    input_shed_frames: int = 0
    stale_audio_samples: int = 0
    underruns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    events: list[MetricsEvent] = field(default_factory=list)

    def log(self, now_ns: int, kind: str, **data: Any) -> None:
        """Append an event at session time ``now_ns`` (absolute; stored relative to start)."""
        self.events.append(MetricsEvent(now_ns - self.started_ns, kind, data))

    def drop(self, reason: str, samples: int) -> None:
        """Count ``samples`` of assistant audio that will never be heard, and why."""
        if samples > 0:
            by = self.dropped_by_reason
            by[reason] = by.get(reason, 0) + samples
            self.dropped_samples += samples

    def books_balance(self) -> int:
        """``produced - played - dropped`` assistant samples: 0 when every sample a
        backend produced is accounted for."""
        return self.produced_samples - self.played_samples - self.dropped_samples

    def event_kinds(self) -> list[str]:
        """The kinds of the logged events, in order (handy for event-order assertions)."""
        return [e.kind for e in self.events]

    @property
    def duration_ns(self) -> int:
        return max(self.ended_ns - self.started_ns, 0)

    @property
    def ok(self) -> bool:
        """True when the session ended without an error."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (plain dicts, lists, numbers, strings)."""
        out = asdict(self)
        out["duration_ns"] = self.duration_ns
        out["interruptions"] = [
            {**asdict(r), "dropped_samples": r.dropped_samples} for r in self.interruptions
        ]
        result: dict[str, Any] = _jsonable(out)
        return result

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True)


def _jsonable(value: Any) -> Any:
    """Coerce numpy scalars and tuples (which may sneak into event data) to JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    item = getattr(value, "item", None)
    if callable(item):
        return _jsonable(item())
    return str(value)
