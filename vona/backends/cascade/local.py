"""Build the offline cascade from installed models: Silero (or energy) VAD, Whisper,
a responder (rules by default, or Ollama) and Hibari.

Models come from the provisioning cache; nothing is fetched here (a missing model raises
``ProvisioningError`` naming ``vona models fetch``). Engines load once per process and are
shared by every session of the backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, cast

from vona.backends.cascade.backend import CascadeBackend
from vona.backends.cascade.protocols import Responder, SpeechToText, TextToSpeech
from vona.backends.cascade.rules import RuleResponder
from vona.errors import ConfigError, ProvisioningError
from vona.provisioning import ModelStore
from vona.vad import EnergyVad, VadModel, VadParams

__all__ = ["build_local_cascade", "load_stt", "load_tts", "vad_factory"]


def _adapter(module: str, name: str) -> Any:
    """A class from ``vona.adapters.<module>`` (imported lazily: optional dependencies)."""
    return getattr(importlib.import_module(f"vona.adapters.{module}"), name)


def load_stt(
    engine: Literal["faster-whisper", "mlx"] = "faster-whisper",
    *,
    cache_dir: str | Path | None = None,
    model: str = "whisper-base",
) -> SpeechToText:
    """Whisper through faster-whisper (CPU) or mlx-whisper (converted folder)."""
    store = ModelStore(cache_dir)
    if engine == "faster-whisper":
        stt = _adapter("faster_whisper", "FasterWhisperStt")(store.resolve(model))
        return cast(SpeechToText, stt)
    if engine == "mlx":
        converted = store.root / "converted" / f"{model}-mlx"
        if not (converted / "config.json").is_file():
            raise ProvisioningError(
                f"no MLX copy of {model} in {converted}; run `vona models convert-mlx {model}`"
            )
        return cast(SpeechToText, _adapter("mlx_whisper", "MlxWhisperStt")(converted))
    raise ConfigError(f"unknown STT engine {engine!r} (faster-whisper or mlx)")


def load_tts() -> TextToSpeech:
    return cast(TextToSpeech, _adapter("hibari_tts", "HibariTts")(seed=0))


def vad_factory(
    kind: Literal["silero", "energy"] = "silero", *, cache_dir: str | Path | None = None
) -> Callable[[], VadModel]:
    """A zero-argument callable making one VAD model per session."""
    if kind == "energy":
        return EnergyVad
    if kind == "silero":
        silero = _adapter("silero_vad", "SileroVad")
        path = ModelStore(cache_dir).resolve("silero-vad") / "silero_vad.onnx"
        return lambda: cast(VadModel, silero(path))
    raise ConfigError(f"unknown VAD {kind!r} (silero or energy)")


def build_local_cascade(
    *,
    cache_dir: str | Path | None = None,
    stt: SpeechToText | None = None,
    tts: TextToSpeech | None = None,
    responder: Responder | None = None,
    vad: Literal["silero", "energy"] | Callable[[], VadModel] = "silero",
    vad_params: VadParams | None = None,
    partial_interval_ms: int = 0,
    output_lead_ms: int | None = None,
) -> CascadeBackend:
    """The offline voice loop with the given or default engines."""
    factory = vad_factory(vad, cache_dir=cache_dir) if isinstance(vad, str) else vad
    return CascadeBackend(
        stt=stt or load_stt(cache_dir=cache_dir),
        tts=tts or load_tts(),
        responder=responder or RuleResponder(),
        vad=factory,
        vad_params=vad_params or VadParams(min_silence_ms=400, speech_pad_ms=96),
        partial_interval_ms=partial_interval_ms,
        output_lead_ms=output_lead_ms,
    )
