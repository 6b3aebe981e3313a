"""The engine protocols a cascade composes: speech-to-text, a responder, text-to-speech.

Engines are plain objects (the adapters in ``vona.adapters.*`` implement them). STT and TTS
are synchronous and CPU-bound: the cascade runs them in a worker thread. A responder is an
async iterator of text deltas and tool-call requests; after a tool call the cascade calls it
again with the tool's result appended to the messages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from vona.config import ToolSpec

__all__ = [
    "BatchSpeechToText",
    "ChatMessage",
    "Float32Array",
    "Responder",
    "ResponderEvent",
    "SpeechToText",
    "TextDelta",
    "TextToSpeech",
    "ToolCallRequest",
]

Float32Array = npt.NDArray[np.float32]


@runtime_checkable
class SpeechToText(Protocol):
    """Transcribes a whole utterance: mono float32 in [-1, 1] at ``sample_rate_hz``."""

    @property
    def sample_rate_hz(self) -> int: ...

    def transcribe(self, audio: Float32Array) -> str: ...


@runtime_checkable
class BatchSpeechToText(SpeechToText, Protocol):
    """A ``SpeechToText`` that can also transcribe several utterances in one call (the
    engine's batch): ``transcribe_batch`` returns what ``transcribe`` would give for each,
    in order. It takes 1 to ``max_batch_size`` utterances of at most ``max_batch_samples``
    samples each (longer ones go through ``transcribe``)."""

    @property
    def max_batch_size(self) -> int: ...

    @property
    def max_batch_samples(self) -> int: ...

    def transcribe_batch(self, audios: Sequence[Float32Array]) -> list[str]: ...


@runtime_checkable
class TextToSpeech(Protocol):
    """Speaks one sentence: returns mono float32 in [-1, 1] at ``sample_rate_hz``."""

    @property
    def sample_rate_hz(self) -> int: ...

    def synthesize(self, text: str) -> Float32Array: ...


@dataclass(slots=True, frozen=True)
class TextDelta:
    """A fragment of the reply text."""

    text: str


@dataclass(slots=True, frozen=True)
class ToolCallRequest:
    """The responder wants a tool run; ``arguments`` is a decoded JSON object."""

    call_id: str
    name: str
    arguments: dict[str, Any]


ResponderEvent = TextDelta | ToolCallRequest


@dataclass(slots=True)
class ChatMessage:
    """One conversation turn. ``role="tool"`` carries a tool's result (JSON text) in
    ``content`` with ``name`` and ``call_id``; assistant turns may carry ``tool_calls``."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    name: str | None = None
    call_id: str | None = None
    tool_calls: list[ToolCallRequest] = field(default_factory=list)


@runtime_checkable
class Responder(Protocol):
    """Produces the assistant's reply to a conversation, streaming."""

    def respond(
        self, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[ResponderEvent]: ...
