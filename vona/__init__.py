"""Vona: a speech-to-speech runtime with a compiled hot path.

The contracts live at the top level; audio primitives in ``vona.dsp``, codecs in
``vona.codec``, the harness in ``vona.testing``, provider adapters in ``vona.adapters``.
"""

from __future__ import annotations

from vona import errors
from vona.backend import BackendCapabilities, BackendStep, SpeechToSpeechBackend
from vona.config import AudioFormat, SessionConfig, ToolSpec, TurnDetection
from vona.events import (
    ControlEvent,
    ExternalContextEvent,
    FallbackRequested,
    Interruption,
    LatencyMark,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.passthrough import PassthroughStsBackend
from vona.realtime import (
    AudioDelta,
    Interrupted,
    RealtimeError,
    RealtimeEvent,
    RealtimeSession,
    RealtimeVoiceBackend,
    ResponseDone,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
    TranscriptDelta,
    UnknownEvent,
    Usage,
)
from vona.transport import AudioTransport

__version__ = "0.1.0"

__all__ = [
    "AudioDelta",
    "AudioFormat",
    "AudioInputFrame",
    "AudioOutputFrame",
    "AudioTransport",
    "BackendCapabilities",
    "BackendStep",
    "ControlEvent",
    "ExternalContextEvent",
    "FallbackRequested",
    "Interrupted",
    "Interruption",
    "LatencyMark",
    "PassthroughStsBackend",
    "RealtimeError",
    "RealtimeEvent",
    "RealtimeSession",
    "RealtimeVoiceBackend",
    "ResponseDone",
    "SessionConfig",
    "SpeechStarted",
    "SpeechStopped",
    "SpeechToSpeechBackend",
    "ToolCall",
    "ToolCallRequested",
    "ToolSpec",
    "TranscriptDelta",
    "TurnDetection",
    "TurnEnd",
    "UnknownEvent",
    "Usage",
    "__version__",
    "errors",
]
