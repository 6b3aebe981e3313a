"""Kyutai Moshi adapter: ``MoshiBackend(url=...)`` speaks ``moshi.server``'s websocket
protocol (kind byte + payload; Ogg Opus audio at 24 kHz both ways; text pieces) as a
full-duplex ``vona.RealtimeVoiceBackend``. ``fake.MoshiFake`` is a loopback server whose
audio side is Kyutai's own ``sphn`` (a test dependency, not one of this adapter)."""

from __future__ import annotations

from vona.extras import require_extra

require_extra("moshi", "websockets", feature=__name__)

from vona.adapters.moshi.backend import MoshiBackend
from vona.adapters.moshi.session import MoshiSession

__all__ = ["MoshiBackend", "MoshiSession"]
