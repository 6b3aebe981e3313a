"""OpenAI Realtime API adapter (GA shape by default, the legacy beta shape by a setting).

``OpenAIRealtimeBackend(api_key=..., base_url=..., model=..., voice=...)`` implements
``vona.RealtimeVoiceBackend`` over ``OpenAIShapedSession``.

This package is also the OpenAI-shaped protocol family: ``OpenAIShapedSession`` with an
``OpenAIDialect`` (``session``), the wire models (``models``) and the loopback fake base
(``fake_shaped``) serve its dialects, ``vona.adapters.azure_voice_live`` and
``vona.adapters.qwen_realtime``.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("openai", "websockets", feature=__name__)

from vona.adapters.openai_realtime.backend import OpenAIRealtimeBackend, build_session
from vona.adapters.openai_realtime.session import OpenAIDialect, OpenAIShapedSession

__all__ = ["OpenAIDialect", "OpenAIRealtimeBackend", "OpenAIShapedSession", "build_session"]
