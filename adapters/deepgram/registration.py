"""What this adapter registers: ``deepgram`` and ``deepgram-flux`` (speech-to-text) and
``deepgram-aura`` (text-to-speech), all streaming."""

from __future__ import annotations

from vona.adapters.deepgram import DeepgramAuraTts, DeepgramFluxStt, DeepgramStt
from vona.registry import EngineEntry

__all__ = ["AURA", "FLUX", "LISTEN"]

LISTEN = EngineEntry("stt", DeepgramStt, "Deepgram listen v1 streaming speech-to-text")
FLUX = EngineEntry("stt", DeepgramFluxStt, "Deepgram Flux: streaming STT that decides turns")
AURA = EngineEntry("tts", DeepgramAuraTts, "Deepgram Aura streaming text-to-speech")
