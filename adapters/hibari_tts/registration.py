"""What this adapter registers: the ``hibari`` TTS engine (voices ship in its wheel)."""

from __future__ import annotations

from typing import Any

from vona.adapters.hibari_tts import HibariTts
from vona.registry import EngineEntry

__all__ = ["TTS"]


def _tts(**options: Any) -> HibariTts:
    # seeded by default so the same text gives the same audio
    return HibariTts(**{"seed": 0, **options})


TTS = EngineEntry("tts", _tts, "Hibari text-to-speech, 24 kHz, ONNX")
