"""Build the offline cascade from installed models: Silero (or energy) VAD, Whisper,
a responder (rules by default, or Ollama) and Hibari.

Models come from the provisioning cache; nothing is fetched here (a missing model raises
``ProvisioningError`` naming ``vona models fetch``). Engines load once per process and are
shared by every session of the backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from vona.cascade.backend import CascadeBackend
from vona.cascade.protocols import Responder, SpeechToText, TextToSpeech
from vona.cascade.rules import RuleResponder
from vona.errors import ConfigError
from vona.provisioning import ModelStore
from vona.vad import EnergyVad, VadModel, VadParams

__all__ = ["build_local_cascade", "load_stt", "load_tts", "vad_factory"]


def load_stt(
    engine: Literal["faster-whisper", "mlx"] = "faster-whisper",
    *,
    cache_dir: str | Path | None = None,
    model: str = "whisper-base",
) -> SpeechToText:
    """Whisper through faster-whisper (CPU) or mlx-whisper (converted folder)."""
    store = ModelStore(cache_dir)
    if engine == "faster-whisper":
        from vona.adapters.faster_whisper import FasterWhisperStt

        return FasterWhisperStt(store.resolve(model))
    if engine == "mlx":
        from vona.adapters.mlx_whisper import MlxWhisperStt

        converted = store.root / "converted" / f"{model}-mlx"
        if not (converted / "config.json").is_file():
            from vona.errors import ProvisioningError

            raise ProvisioningError(
                f"no MLX copy of {model} in {converted}; run `vona models convert-mlx {model}`"
            )
        return MlxWhisperStt(converted)
    raise ConfigError(f"unknown STT engine {engine!r} (faster-whisper or mlx)")


def load_tts() -> TextToSpeech:
    from vona.adapters.hibari_tts import HibariTts

    return HibariTts(seed=0)


def vad_factory(
    kind: Literal["silero", "energy"] = "silero", *, cache_dir: str | Path | None = None
) -> type[VadModel] | object:
    """A zero-argument callable making one VAD model per session."""
    if kind == "energy":
        return EnergyVad
    if kind == "silero":
        from vona.adapters.silero_vad import SileroVad

        path = ModelStore(cache_dir).resolve("silero-vad") / "silero_vad.onnx"
        return lambda: SileroVad(path)
    raise ConfigError(f"unknown VAD {kind!r} (silero or energy)")


def build_local_cascade(
    *,
    cache_dir: str | Path | None = None,
    stt: SpeechToText | None = None,
    tts: TextToSpeech | None = None,
    responder: Responder | None = None,
    vad: Literal["silero", "energy"] = "silero",
    vad_params: VadParams | None = None,
    partial_interval_ms: int = 0,
) -> CascadeBackend:
    """The offline voice loop with the given or default engines."""
    factory = vad_factory(vad, cache_dir=cache_dir)
    return CascadeBackend(
        stt=stt or load_stt(cache_dir=cache_dir),
        tts=tts or load_tts(),
        responder=responder or RuleResponder(),
        vad=factory,  # type: ignore[arg-type]
        vad_params=vad_params or VadParams(min_silence_ms=400, speech_pad_ms=96),
        partial_interval_ms=partial_interval_ms,
    )
