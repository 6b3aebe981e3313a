"""Whisper speech-to-text on MLX (Apple Silicon; ``mlx[cpu]`` on Linux runs it slowly).

mlx-whisper is installed with ``--no-deps`` (it declares torch, which it needs only for
converting weights). The model folder is mlx-whisper's format, ``config.json`` +
``weights.npz``/``weights.safetensors``; ``vona.adapters.mlx_whisper.convert`` makes one from
the CTranslate2 model. Audio goes in as a numpy array (a path would need ffmpeg).
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("mlx", "mlx", feature=__name__)

import os
from pathlib import Path
from typing import Any

import numpy as np

from vona.errors import AudioFormatError, ConfigError, ProvisioningError
from vona.vad import Float32Array

__all__ = ["MlxWhisperStt"]


class MlxWhisperStt:
    """Greedy Whisper decoding through ``mlx_whisper.transcribe`` (temperature 0, no
    fallback, no conditioning on previous text). Audio: mono float32 at 16 kHz.
    ``max_tokens`` caps the tokens decoded per 30 s window (Whisper's own cap is 224)."""

    def __init__(
        self,
        model_dir: str | Path,
        *,
        language: str | None = "en",
        fp16: bool = False,
        max_tokens: int | None = None,
    ) -> None:
        path = Path(model_dir)
        if not (path / "config.json").is_file() or not (
            (path / "weights.npz").is_file() or (path / "weights.safetensors").is_file()
        ):
            raise ProvisioningError(
                f"{path} is not an mlx-whisper folder (config.json + weights.npz/safetensors); "
                "convert one with vona.adapters.mlx_whisper.convert.convert_ct2_whisper_to_mlx"
            )
        if language is not None and not language.isalpha():
            raise ConfigError(f"language must be a code like 'en', got {language!r}")
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            import mlx_whisper
        except ImportError as exc:
            raise ProvisioningError(
                "MlxWhisperStt needs mlx and mlx-whisper: pip install 'vona[mlx]' and "
                "pip install --no-deps mlx-whisper"
            ) from exc
        self._transcribe: Any = mlx_whisper.transcribe
        self.model_dir = path
        self.language = language
        self.fp16 = fp16
        if max_tokens is not None and max_tokens < 1:
            raise ConfigError(f"max_tokens must be >= 1, got {max_tokens}")
        self.max_tokens = max_tokens

    @property
    def sample_rate_hz(self) -> int:
        return 16_000

    def transcribe(self, audio: Float32Array) -> str:
        if audio.ndim != 1 or audio.dtype != np.float32:
            raise AudioFormatError(
                f"transcribe wants 1-D float32 audio at 16 kHz, got {audio.dtype} {audio.shape}"
            )
        if audio.shape[0] == 0:
            return ""
        options: dict[str, Any] = {}
        if self.max_tokens is not None:
            options["sample_len"] = self.max_tokens
        result = self._transcribe(
            audio,
            path_or_hf_repo=str(self.model_dir),
            temperature=0.0,
            condition_on_previous_text=False,
            language=self.language,
            fp16=self.fp16,
            verbose=None,
            **options,
        )
        return str(result.get("text", "")).strip()
