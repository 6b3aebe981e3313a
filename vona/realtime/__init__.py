"""Hosted realtime voice APIs: the event-stream contract and its websocket plumbing.

``vona.realtime.events`` is the contract (``RealtimeVoiceBackend``, ``RealtimeSession``
and the ``RealtimeEvent`` union), re-exported here and from ``vona``. Provider-neutral
plumbing that adapters build on instead of importing each other:

* ``WebSocketSession`` / ``ReconnectPolicy`` (``vona.realtime.websocket``): one client
  websocket with a reader task, an event queue, reconnect with exponential backoff,
  handshake error mapping and malformed-message tolerance. Subclass it for a protocol.
* ``pcm16_to_b64`` / ``b64_to_pcm16`` (``vona.realtime.pcm``): base64 PCM16 in one C
  call each way.
* ``websocket_url`` (``vona.realtime.urls``): http(s):// or ws(s):// endpoints
  normalised to ws(s)://.
* ``ApiKey`` / ``resolve_api_key`` / ``redact`` (``vona.realtime.secrets``): keys from
  arguments or the environment, never printed.

The plumbing loads on first use: it needs ``websockets`` (the ``cloud`` extra), the
contract does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vona._lazy import lazy_getattr
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

if TYPE_CHECKING:
    from vona.realtime.pcm import b64_to_pcm16, pcm16_duration_ms, pcm16_to_b64, samples_to_ms
    from vona.realtime.secrets import ApiKey, RedactingLogger, redact, resolve_api_key
    from vona.realtime.urls import websocket_url
    from vona.realtime.websocket import ReconnectPolicy, WebSocketSession

_LAZY = {
    "ReconnectPolicy": "vona.realtime.websocket",
    "WebSocketSession": "vona.realtime.websocket",
    "b64_to_pcm16": "vona.realtime.pcm",
    "pcm16_duration_ms": "vona.realtime.pcm",
    "pcm16_to_b64": "vona.realtime.pcm",
    "samples_to_ms": "vona.realtime.pcm",
    "ApiKey": "vona.realtime.secrets",
    "RedactingLogger": "vona.realtime.secrets",
    "redact": "vona.realtime.secrets",
    "resolve_api_key": "vona.realtime.secrets",
    "websocket_url": "vona.realtime.urls",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "ApiKey",
    "AudioDelta",
    "Interrupted",
    "RealtimeError",
    "RealtimeEvent",
    "RealtimeSession",
    "RealtimeVoiceBackend",
    "ReconnectPolicy",
    "RedactingLogger",
    "ResponseDone",
    "SpeechStarted",
    "SpeechStopped",
    "ToolCall",
    "TranscriptDelta",
    "UnknownEvent",
    "Usage",
    "WebSocketSession",
    "b64_to_pcm16",
    "pcm16_duration_ms",
    "pcm16_to_b64",
    "redact",
    "resolve_api_key",
    "samples_to_ms",
    "websocket_url",
]
