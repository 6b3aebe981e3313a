"""Gemini Live API adapter (BidiGenerateContent over websockets).

``GeminiLiveBackend(api_key=..., base_url=..., model=..., voice=...)`` implements
``vona.RealtimeVoiceBackend``: PCM16 16 kHz up, 24 kHz down, function calls, server-side
barge-in, and reconnection with session resumption on ``goAway`` or a transient close.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("gemini", "websockets", feature=__name__)

from vona.adapters.gemini_live.backend import GeminiLiveBackend, build_setup
from vona.adapters.gemini_live.session import GeminiLiveSession

__all__ = ["GeminiLiveBackend", "GeminiLiveSession", "build_setup"]
