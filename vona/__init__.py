"""Vona: a speech-to-speech runtime with a compiled hot path.

The contracts live at the top level; audio primitives in ``vona.dsp``, codecs in
``vona.codec``, the harness in ``vona.testing``, provider adapters in ``vona.adapters``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vona import errors
from vona._lazy import lazy_getattr
from vona.backends.passthrough import GainStsBackend, PassthroughStsBackend
from vona.backends.step import (
    BackendCapabilities,
    BackendStep,
    NativeSlot,
    NativeSlotBackend,
    SpeechToSpeechBackend,
)
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
from vona.realtime.events import (
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
from vona.transports.base import AudioTransport

if TYPE_CHECKING:
    from vona.backends.cascade.local import build_local_cascade
    from vona.clock import Clock, MonotonicClock
    from vona.driver import SessionDriver, run_session
    from vona.manager import SessionManager
    from vona.metrics import SessionMetrics
    from vona.runtime import InterruptibleBackend, VonaRuntime
    from vona.skills import SkillAuditEvent, SkillExecutor, SkillRegistry

__version__ = "0.1.0"

# The session runtime loads on first use, so ``import vona`` stays light (the skills
# module pulls in jsonschema).
_LAZY = {
    "Clock": "vona.clock",
    "MonotonicClock": "vona.clock",
    "SessionDriver": "vona.driver",
    "run_session": "vona.driver",
    "SessionManager": "vona.manager",
    "SessionMetrics": "vona.metrics",
    "InterruptibleBackend": "vona.runtime",
    "VonaRuntime": "vona.runtime",
    "SkillAuditEvent": "vona.skills",
    "SkillExecutor": "vona.skills",
    "SkillRegistry": "vona.skills",
    "build_local_cascade": "vona.backends.cascade.local",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "AudioDelta",
    "AudioFormat",
    "AudioInputFrame",
    "AudioOutputFrame",
    "AudioTransport",
    "BackendCapabilities",
    "BackendStep",
    "Clock",
    "ControlEvent",
    "ExternalContextEvent",
    "FallbackRequested",
    "GainStsBackend",
    "Interrupted",
    "InterruptibleBackend",
    "Interruption",
    "LatencyMark",
    "MonotonicClock",
    "NativeSlot",
    "NativeSlotBackend",
    "PassthroughStsBackend",
    "RealtimeError",
    "RealtimeEvent",
    "RealtimeSession",
    "RealtimeVoiceBackend",
    "ResponseDone",
    "SessionConfig",
    "SessionDriver",
    "SessionManager",
    "SessionMetrics",
    "SkillAuditEvent",
    "SkillExecutor",
    "SkillRegistry",
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
    "VonaRuntime",
    "__version__",
    "build_local_cascade",
    "errors",
    "run_session",
]
