"""OpenAI Realtime API adapter (GA shape by default, the legacy beta shape by a setting).

``OpenAIRealtimeBackend(api_key=..., base_url=..., model=..., voice=...)`` implements
``vona.RealtimeVoiceBackend`` over ``vona.adapters.openai_realtime.session.OpenAIShapedSession``.
"""

from __future__ import annotations

from vona.adapters.openai_realtime.backend import OpenAIRealtimeBackend, build_session

__all__ = ["OpenAIRealtimeBackend", "build_session"]
