"""Loopback websocket fakes of the realtime voice providers, for offline tests.

Each fake listens on 127.0.0.1 at an ephemeral port inside ``async with``, checks the
provider's auth the way the provider does, records what it receives (``received``) and
sends (``sent``), and plays a ``FakeScript``::

    async with OpenAIRealtimeFake(script=FakeScript(turns=[FakeTurn(reply_ms=400)])) as fake:
        backend = OpenAIRealtimeBackend(api_key=fake.api_key, base_url=fake.base_url)
        session = await backend.connect(SessionConfig())

``reply_pcm(ms, rate)`` is the audio the fakes speak, for exact comparisons.
"""

from __future__ import annotations

from vona.testing.fakes._base import (
    FakeScript,
    FakeToolCall,
    FakeTurn,
    LoopbackFake,
    Received,
    reply_pcm,
)
from vona.testing.fakes.azure_fake import AzureVoiceLiveFake
from vona.testing.fakes.gemini_fake import GeminiLiveFake
from vona.testing.fakes.openai_fake import OpenAIRealtimeFake
from vona.testing.fakes.qwen_fake import QwenRealtimeFake

__all__ = [
    "AzureVoiceLiveFake",
    "FakeScript",
    "FakeToolCall",
    "FakeTurn",
    "GeminiLiveFake",
    "LoopbackFake",
    "OpenAIRealtimeFake",
    "QwenRealtimeFake",
    "Received",
    "reply_pcm",
]
