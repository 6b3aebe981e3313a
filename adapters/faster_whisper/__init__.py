"""Whisper speech-to-text through faster-whisper (CTranslate2), CPU, fully offline.

The model folder comes from Vona's provisioning (``vona models fetch whisper-base``) or
any CTranslate2 Whisper folder; it is loaded with ``local_files_only`` and
``HF_HUB_OFFLINE=1``, so nothing is ever fetched from a hub.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("local", "faster_whisper", feature=__name__)

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vona.adapters.faster_whisper.batch import decode_batch, window_samples
from vona.errors import AudioFormatError, ConfigError, ProvisioningError
from vona.provisioning import ModelStore
from vona.vad import Float32Array

__all__ = ["FasterWhisperStt"]


class FasterWhisperStt:
    """Greedy (beam 1) int8 Whisper on the CPU. Audio: mono float32 at 16 kHz.

    One instance may be shared by sessions, one transcription at a time per instance.
    ``transcribe_batch`` decodes up to ``max_batch_size`` utterances of at most
    ``max_batch_samples`` each in one decoder call; ``batch_encoder`` encodes them in one
    call too (off by default: on the CPU the batched encoder is no faster, see ``batch``).
    """

    max_batch_size = 16

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        model: str = "whisper-base",
        cache_dir: str | Path | None = None,
        compute_type: str = "int8",
        cpu_threads: int = 2,
        beam_size: int = 1,
        language: str | None = "en",
        batch_encoder: bool = False,
    ) -> None:
        if beam_size < 1:
            raise ConfigError(f"beam_size must be >= 1, got {beam_size}")
        path = Path(model_dir) if model_dir is not None else ModelStore(cache_dir).resolve(model)
        if not (path / "model.bin").is_file():
            raise ProvisioningError(f"{path} is not a CTranslate2 Whisper folder (no model.bin)")
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ProvisioningError(
                "FasterWhisperStt needs faster-whisper: pip install 'vona[local]'"
            ) from exc
        self._model: Any = WhisperModel(
            str(path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
        self.model_dir = path
        self.beam_size = beam_size
        self.language = language
        self.batch_encoder = batch_encoder
        self._window = window_samples(self._model)

    @property
    def sample_rate_hz(self) -> int:
        return 16_000

    @property
    def max_batch_samples(self) -> int:
        """The longest utterance ``transcribe_batch`` takes (one 30 s Whisper window)."""
        return self._window

    def transcribe(self, audio: Float32Array) -> str:
        """The text of one utterance (segments joined, whitespace trimmed)."""
        _check(audio, "audio")
        if audio.shape[0] == 0:
            return ""
        segments, _info = self._model.transcribe(
            audio,
            beam_size=self.beam_size,
            language=self.language,
            vad_filter=False,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        return " ".join(s.text.strip() for s in segments).strip()

    def transcribe_batch(self, audios: Sequence[Float32Array]) -> list[str]:
        """The texts of several utterances, as ``transcribe`` gives them one by one, from
        one decoder call (an utterance Whisper would re-decode at a higher temperature goes
        through ``transcribe`` afterwards)."""
        if not 1 <= len(audios) <= self.max_batch_size:
            raise ConfigError(
                f"transcribe_batch takes 1 to {self.max_batch_size} utterances (audios), "
                f"got {len(audios)}"
            )
        for i, audio in enumerate(audios):
            _check(audio, f"audios[{i}]")
            if audio.shape[0] > self._window:
                raise AudioFormatError(
                    f"audios[{i}] is {audio.shape[0] / 16_000:.1f} s, longer than one "
                    f"{self._window / 16_000:.0f} s Whisper window: use transcribe"
                )
        texts: list[str | None] = [""] * len(audios)
        spoken = [i for i, a in enumerate(audios) if a.shape[0] > 0]
        if spoken:
            decoded = decode_batch(
                self._model,
                [audios[i] for i in spoken],
                beam_size=self.beam_size,
                language=self.language,
                stack_encoder=self.batch_encoder,
            )
            for i, text in zip(spoken, decoded, strict=True):
                texts[i] = text
        return [self.transcribe(a) if t is None else t for a, t in zip(audios, texts, strict=True)]


def _check(audio: Float32Array, name: str) -> None:
    if audio.ndim != 1 or audio.dtype != np.float32:
        raise AudioFormatError(
            f"{name} must be 1-D float32 audio at 16 kHz, got {audio.dtype} {audio.shape}"
        )
