"""The local voice loop: turn detection, speech-to-text, a responder and text-to-speech
composed into a ``SpeechToSpeechBackend`` (``CascadeBackend``)."""

from __future__ import annotations

from vona.backends.cascade.protocols import (
    ChatMessage,
    Responder,
    ResponderEvent,
    SpeechToText,
    TextDelta,
    TextToSpeech,
    ToolCallRequest,
)

__all__ = [
    "ChatMessage",
    "Responder",
    "ResponderEvent",
    "SpeechToText",
    "TextDelta",
    "TextToSpeech",
    "ToolCallRequest",
]
