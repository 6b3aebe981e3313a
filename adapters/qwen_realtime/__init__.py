"""Qwen-Omni Realtime adapter (Alibaba DashScope / Model Studio; OpenAI beta-shaped).

``QwenRealtimeBackend(api_key=..., base_url=..., model=..., voice=...)`` implements
``vona.RealtimeVoiceBackend`` over ``vona.adapters.openai_realtime.session.OpenAIShapedSession``.
"""

from __future__ import annotations

from vona.adapters.qwen_realtime.backend import QwenRealtimeBackend, build_session

__all__ = ["QwenRealtimeBackend", "build_session"]
