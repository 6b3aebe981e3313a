"""Hibari text-to-speech (ONNX, 24 kHz) as a Vona ``TextToSpeech`` engine.

Only voices already on disk are used: the default voice ships inside the ``hibari-tts``
wheel, and this adapter never lets hibari download another one (a missing voice is a
``ProvisioningError``). With ``seed`` set, output is bit-identical across runs with the
same ``threads``.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("local", "hibari", feature=__name__)

from typing import Any

import numpy as np

from vona.errors import ConfigError, ProvisioningError
from vona.vad import Float32Array

__all__ = ["HibariTts"]


class HibariTts:
    """Synthesizes one sentence at a time. ``speed`` 1.0 is the natural pace.

    Thread-safe for one call at a time (the cascade serialises synthesis per session);
    loading costs about 0.4 s, so share an instance between sessions. ``threads`` are
    onnxruntime's: two make a reply's first sentence ~20% sooner on a two-core machine
    (it is synthesized while the user waits).
    """

    def __init__(
        self,
        voice: str | None = None,
        *,
        speed: float = 1.0,
        seed: int | None = 0,
        threads: int = 2,
    ) -> None:
        try:
            import hibari
            from hibari import voices
        except ImportError as exc:
            raise ProvisioningError(
                "HibariTts needs the hibari-tts package: pip install 'vona[local]'"
            ) from exc
        if not 0.5 <= speed <= 2.0:
            raise ConfigError(f"HibariTts speed must be in [0.5, 2.0], got {speed}")
        name = voice or voices.DEFAULT
        if name not in voices.VOICES:
            raise ConfigError(f"unknown Hibari voice {name!r}; known: {', '.join(voices.VOICES)}")
        try:
            path = voices.voice_path(name, download_missing=False)
        except FileNotFoundError as exc:
            raise ProvisioningError(
                f"Hibari voice {name!r} is not on this machine (only the default voice "
                f"{voices.DEFAULT!r} ships in the wheel); Vona never downloads it implicitly"
            ) from exc
        self._tts: Any = hibari.Hibari(voice=name, model=path, threads=threads)
        self.voice = name
        self.speed = speed
        self.seed = seed
        self._rate = int(hibari.SAMPLE_RATE)

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    def split_sentences(self, text: str) -> list[str]:
        """Hibari's own sentence splitter (titles and initials do not end sentences)."""
        return list(self._tts.split_sentences(text))

    def synthesize(self, text: str) -> Float32Array:
        """Speech for ``text`` (empty array for text with nothing to say)."""
        if not text.strip():
            return np.zeros(0, dtype=np.float32)
        audio = self._tts(text, speed=self.speed, seed=self.seed)
        return np.ascontiguousarray(audio, dtype=np.float32)
