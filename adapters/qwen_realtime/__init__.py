"""Qwen-Omni Realtime adapter (Alibaba DashScope / Model Studio; OpenAI beta-shaped).

``QwenRealtimeBackend(api_key=..., base_url=..., model=..., voice=...)`` implements
``vona.RealtimeVoiceBackend`` over ``vona.adapters.openai_realtime.session.OpenAIShapedSession``.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("qwen", "websockets", feature=__name__)

from vona.adapters.qwen_realtime.backend import QwenRealtimeBackend, build_session

__all__ = ["QwenRealtimeBackend", "build_session"]
