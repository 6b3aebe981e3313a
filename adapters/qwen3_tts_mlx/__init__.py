"""Qwen3-TTS (the 12 Hz models, 24 kHz out) on MLX, streaming.

``Qwen3TtsMlx(model, voice=...)`` implements ``StreamingTextToSpeech`` (and the
whole-utterance ``TextToSpeech`` through ``synthesize``) on mlx-audio's Qwen3-TTS loader
and generation loop. ``artifacts`` describes the upstream model folders for
``vona models fetch``; ``tiny.build_tiny_qwen3_tts`` writes a toy model of the same
architecture for tests and benchmarks.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("qwen3tts", "mlx", "mlx_audio", feature=__name__)

from vona.adapters.qwen3_tts_mlx.engine import SAMPLE_RATE_HZ, Qwen3TtsMlx
from vona.adapters.qwen3_tts_mlx.stream import Qwen3TtsStream

__all__ = ["SAMPLE_RATE_HZ", "Qwen3TtsMlx", "Qwen3TtsStream"]
