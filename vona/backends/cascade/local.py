"""Build the offline cascade from registered engines, by name or as objects.

Engines are found through ``vona.registry`` (entry-point group ``vona.engines``): a
speech-to-text and a VAD engine take ``cache_dir`` (their models come from the
provisioning cache; nothing is fetched here, a missing model raises ``ProvisioningError``
naming ``vona models fetch``). Engines load once per process and are shared by every
session of the backend. Which engines make the default is the caller's choice (the
``vona`` command line picks its defaults in ``vona.cli``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from vona import registry
from vona.backends.cascade.backend import CascadeBackend
from vona.backends.cascade.protocols import Responder, SpeechToText, TextToSpeech
from vona.vad import VadModel, VadParams

__all__ = ["build_local_cascade", "load_responder", "load_stt", "load_tts", "vad_factory"]


def load_stt(name: str, *, cache_dir: str | Path | None = None, **options: Any) -> SpeechToText:
    """The speech-to-text engine registered as ``name`` (options go to its factory)."""
    return cast(SpeechToText, registry.build_engine(name, "stt", cache_dir=cache_dir, **options))


def load_tts(name: str, **options: Any) -> TextToSpeech:
    """The text-to-speech engine registered as ``name``."""
    return cast(TextToSpeech, registry.build_engine(name, "tts", **options))


def load_responder(name: str, **options: Any) -> Responder:
    """The responder registered as ``name`` (``"rules"`` is the core's)."""
    return cast(Responder, registry.build_engine(name, "responder", **options))


def vad_factory(
    name: str, *, cache_dir: str | Path | None = None, **options: Any
) -> Callable[[], VadModel]:
    """A zero-argument callable making one VAD model per session (``"energy"`` is the
    core's)."""
    factory = registry.build_engine(name, "vad", cache_dir=cache_dir, **options)
    return cast(Callable[[], VadModel], factory)


def build_local_cascade(
    *,
    stt: str | SpeechToText,
    tts: str | TextToSpeech,
    vad: str | Callable[[], VadModel],
    responder: str | Responder = "rules",
    cache_dir: str | Path | None = None,
    vad_params: VadParams | None = None,
    partial_interval_ms: int = 0,
    output_lead_ms: int | None = None,
) -> CascadeBackend:
    """The offline voice loop with the given engines (registry names or objects)."""
    return CascadeBackend(
        stt=load_stt(stt, cache_dir=cache_dir) if isinstance(stt, str) else stt,
        tts=load_tts(tts) if isinstance(tts, str) else tts,
        responder=load_responder(responder) if isinstance(responder, str) else responder,
        vad=vad_factory(vad, cache_dir=cache_dir) if isinstance(vad, str) else vad,
        vad_params=vad_params or VadParams(min_silence_ms=400, speech_pad_ms=96),
        partial_interval_ms=partial_interval_ms,
        output_lead_ms=output_lead_ms,
    )
