"""The event-stream contract for hosted realtime voice APIs (and anything shaped like one).

A ``RealtimeVoiceBackend`` connects a ``RealtimeSession``; audio goes up with
``send_audio``, and everything the provider says comes back from ``events()`` as a
``RealtimeEvent``. Events a mapper does not understand arrive as ``UnknownEvent``: kept in
the log, never dropped and never fatal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np

from vona.backends.step import BackendCapabilities
from vona.config import SessionConfig
from vona.events import ControlEvent, ExternalContextEvent
from vona.frames import AudioInputFrame, Int16Array

__all__ = [
    "AudioDelta",
    "Interrupted",
    "RealtimeError",
    "RealtimeEvent",
    "RealtimeSession",
    "RealtimeVoiceBackend",
    "ResponseDone",
    "SpeechStarted",
    "SpeechStopped",
    "ToolCall",
    "TranscriptDelta",
    "UnknownEvent",
    "Usage",
]


def _empty_audio() -> Int16Array:
    return np.zeros(0, dtype=np.int16)


@dataclass(slots=True, frozen=True)
class AudioDelta:
    """A piece of the assistant's audio, int16 interleaved at ``sample_rate_hz``."""

    type: ClassVar[str] = "audio_delta"
    samples: Int16Array = field(default_factory=_empty_audio)
    sample_rate_hz: int = 24_000
    channels: int = 1
    response_id: str | None = None
    item_id: str | None = None


@dataclass(slots=True, frozen=True)
class TranscriptDelta:
    """Text of what the user or the assistant said; ``final`` marks a complete transcript."""

    type: ClassVar[str] = "transcript_delta"
    text: str
    role: Literal["user", "assistant"] = "assistant"
    final: bool = False
    item_id: str | None = None


@dataclass(slots=True, frozen=True)
class SpeechStarted:
    """The provider's VAD heard the user start speaking (a barge-in if audio is playing)."""

    type: ClassVar[str] = "speech_started"
    audio_start_ms: int | None = None
    item_id: str | None = None


@dataclass(slots=True, frozen=True)
class SpeechStopped:
    """The provider's VAD heard the user stop speaking."""

    type: ClassVar[str] = "speech_stopped"
    audio_end_ms: int | None = None
    item_id: str | None = None


@dataclass(slots=True, frozen=True)
class ToolCall:
    """The model asks for a tool; ``arguments`` is the provider's JSON text."""

    type: ClassVar[str] = "tool_call"
    call_id: str
    name: str
    arguments: str = "{}"
    response_id: str | None = None


@dataclass(slots=True, frozen=True)
class ResponseDone:
    """The assistant's response ended (``status``: completed, cancelled, failed, ...)."""

    type: ClassVar[str] = "response_done"
    response_id: str | None = None
    status: str = "completed"


@dataclass(slots=True, frozen=True)
class Interrupted:
    """The provider stopped its output (server-side barge-in or cancellation)."""

    type: ClassVar[str] = "interrupted"
    reason: str = "server"


@dataclass(slots=True, frozen=True)
class RealtimeError:
    """An error the provider reported, or a protocol error found in its messages.

    ``fatal`` errors end the session; others are logged and the session continues.
    """

    type: ClassVar[str] = "error"
    message: str
    code: str | None = None
    fatal: bool = False


@dataclass(slots=True, frozen=True)
class Usage:
    """Token or audio usage the provider reported; ``raw`` keeps the provider's fields."""

    type: ClassVar[str] = "usage"
    input_tokens: int = 0
    output_tokens: int = 0
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class UnknownEvent:
    """A server message no mapper understood, kept verbatim for the event log."""

    type: ClassVar[str] = "unknown"
    event_type: str
    raw: dict[str, Any] = field(default_factory=dict)


RealtimeEvent = (
    AudioDelta
    | TranscriptDelta
    | SpeechStarted
    | SpeechStopped
    | ToolCall
    | ResponseDone
    | Interrupted
    | RealtimeError
    | Usage
    | UnknownEvent
)


@runtime_checkable
class RealtimeSession(Protocol):
    """One live connection to a realtime provider.

    ``send_event`` takes an ``ExternalContextEvent`` (tool results, text, context) or a
    ``ControlEvent`` (``Interruption`` with the played position to truncate to, ``TurnEnd``
    to commit the user's turn under manual turn detection).

    Optional: a ``failure`` attribute (``BackendError | None``) saying why the
    connection was lost when ``events()`` ends; a retryable one makes the session switch
    to its fallback backend instead of ending.
    """

    async def send_audio(self, frame: AudioInputFrame) -> None: ...

    async def send_event(self, event: ExternalContextEvent | ControlEvent) -> None: ...

    def events(self) -> AsyncIterator[RealtimeEvent]: ...

    async def close(self) -> None: ...


@runtime_checkable
class RealtimeVoiceBackend(Protocol):
    """A provider of realtime sessions; ``capabilities()`` gives its audio rates."""

    def capabilities(self) -> BackendCapabilities: ...

    async def connect(self, config: SessionConfig) -> RealtimeSession: ...
