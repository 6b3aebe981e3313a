"""What this adapter registers: the ``qwen3-tts-mlx`` streaming TTS engine (no model
artifact yet: see ``artifacts`` for why)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vona.registry import EngineEntry

__all__ = ["TTS"]


def _tts(*, model: str | Path = "qwen3-tts-12hz-0.6b-customvoice", **options: Any) -> Any:
    from vona.adapters.qwen3_tts_mlx.engine import Qwen3TtsMlx

    return Qwen3TtsMlx(model, **options)


TTS = EngineEntry("tts", _tts, "Qwen3-TTS 12 Hz on MLX, streaming (mlx-audio)")
