"""Reusable plumbing for realtime voice APIs over websockets (public, documented).

Provider adapters (``vona.adapters.*``) build on these pieces instead of importing each
other:

* ``WebSocketSession``: one client websocket with a reader task, an event queue,
  reconnect with exponential backoff (``ReconnectPolicy``), handshake error mapping and
  malformed-message tolerance. Subclass it for a new protocol.
* ``OpenAIShapedSession`` / ``OpenAIDialect``: the complete session for OpenAI-shaped
  protocols (OpenAI GA and beta, Azure Voice Live, Qwen-Omni Realtime); adapters give it
  a URL, headers and a ``session.update`` body.
* ``openai_models``: pydantic models of that wire (fields used, extras allowed).
* ``pcm16_to_b64`` / ``b64_to_pcm16``: base64 PCM16 in one C call each way.
* ``websocket_url``: http(s):// or ws(s):// endpoints normalised to ws(s)://.
* ``ApiKey`` / ``resolve_api_key`` / ``redact``: keys from arguments or the environment,
  never printed.

Requires the ``cloud`` extra (``websockets``).
"""

from __future__ import annotations

from vona.realtime_ws.connection import ReconnectPolicy, WebSocketSession
from vona.realtime_ws.openai_session import OpenAIDialect, OpenAIShapedSession, tool_output_text
from vona.realtime_ws.pcm import b64_to_pcm16, pcm16_duration_ms, pcm16_to_b64, samples_to_ms
from vona.realtime_ws.secrets import ApiKey, RedactingLogger, redact, resolve_api_key
from vona.realtime_ws.urls import websocket_url

__all__ = [
    "ApiKey",
    "OpenAIDialect",
    "OpenAIShapedSession",
    "ReconnectPolicy",
    "RedactingLogger",
    "WebSocketSession",
    "b64_to_pcm16",
    "pcm16_duration_ms",
    "pcm16_to_b64",
    "redact",
    "resolve_api_key",
    "samples_to_ms",
    "tool_output_text",
    "websocket_url",
]
