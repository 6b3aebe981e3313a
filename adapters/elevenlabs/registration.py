"""What this adapter registers: the ``elevenlabs`` streaming text-to-speech."""

from __future__ import annotations

from vona.adapters.elevenlabs import ElevenLabsTts
from vona.registry import EngineEntry

__all__ = ["TTS"]

TTS = EngineEntry("tts", ElevenLabsTts, "ElevenLabs streaming TTS (multi-stream-input websocket)")
