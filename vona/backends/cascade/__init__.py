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
from vona.backends.cascade.streaming import (
    StreamingSpeechToText,
    StreamingTextToSpeech,
    SttEndOfTurn,
    SttEvent,
    SttSpeechStarted,
    SttStream,
    SttTranscript,
    SttTurnResumed,
    TtsAudio,
    TtsStream,
    TurnModel,
    WordTiming,
)

__all__ = [
    "ChatMessage",
    "Responder",
    "ResponderEvent",
    "SpeechToText",
    "StreamingSpeechToText",
    "StreamingTextToSpeech",
    "SttEndOfTurn",
    "SttEvent",
    "SttSpeechStarted",
    "SttStream",
    "SttTranscript",
    "SttTurnResumed",
    "TextDelta",
    "TextToSpeech",
    "ToolCallRequest",
    "TtsAudio",
    "TtsStream",
    "TurnModel",
    "WordTiming",
]
