"""Azure AI Voice Live adapter (OpenAI beta-shaped protocol with Azure voices and VAD).

``AzureVoiceLiveBackend(api_key=..., base_url=..., model=..., voice=...)`` implements
``vona.RealtimeVoiceBackend`` over ``vona.adapters.openai_realtime.session.OpenAIShapedSession``.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("azure", "websockets", feature=__name__)

from vona.adapters.azure_voice_live.backend import AzureVoiceLiveBackend, build_session

__all__ = ["AzureVoiceLiveBackend", "build_session"]
