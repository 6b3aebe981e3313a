"""Build the offline cascade from registered engines, by name or as objects.

Engines are found through ``vona.registry`` (entry-point group ``vona.engines``): a
speech-to-text and a VAD engine take ``cache_dir`` (their models come from the
provisioning cache; nothing is fetched here, a missing model raises ``ProvisioningError``
naming ``vona models fetch``). Engines load once per process and are shared by every
session of the backend. Which engines make the default is the caller's choice (the
``vona`` command line picks its defaults in ``vona.cli``).

The turn-taking defaults are the human ones: a turn survives pauses up to a second, its
transcription starts when the voice drops (overlapping the VAD's 200 ms and the end-of-turn
wait), an
end-of-turn model (registry kind ``turn``) decides when given, and a barge-in pauses the
reply as soon as the VAD hears speech over it and stops it after 300 ms of speech and a
word (an "mm-hmm" pauses the reply and it resumes; Silero does not take a cough for speech).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from vona import registry
from vona.backends.cascade.backend import CascadeBackend
from vona.backends.cascade.barge_in import BargeInParams
from vona.backends.cascade.blas_threads import limit_blas_threads
from vona.backends.cascade.protocols import Responder, SpeechToText, TextToSpeech
from vona.backends.cascade.streaming import (
    StreamingSpeechToText,
    StreamingTextToSpeech,
    TurnModel,
)
from vona.vad import VadModel, VadParams

__all__ = [
    "DEFAULT_BARGE_IN",
    "build_local_cascade",
    "load_responder",
    "load_stt",
    "load_tts",
    "load_turn_model",
    "vad_factory",
]

# Pause at once (a pause is undone if no word comes), stop after 300 ms and a word.
DEFAULT_BARGE_IN = BargeInParams(
    min_speech_ms=300, min_words=1, false_interruption_ms=5000, pause_ms=0
)


def load_stt(name: str, *, cache_dir: str | Path | None = None, **options: Any) -> SpeechToText:
    """The speech-to-text engine registered as ``name`` (options go to its factory)."""
    return cast(SpeechToText, registry.build_engine(name, "stt", cache_dir=cache_dir, **options))


def load_tts(name: str, **options: Any) -> TextToSpeech:
    """The text-to-speech engine registered as ``name``."""
    return cast(TextToSpeech, registry.build_engine(name, "tts", **options))


def load_responder(name: str, **options: Any) -> Responder:
    """The responder registered as ``name`` (``"rules"`` is the core's)."""
    return cast(Responder, registry.build_engine(name, "responder", **options))


def load_turn_model(name: str, *, cache_dir: str | Path | None = None, **options: Any) -> TurnModel:
    """The end-of-turn model registered as ``name`` (registry kind ``turn``)."""
    return cast(TurnModel, registry.build_engine(name, "turn", cache_dir=cache_dir, **options))


def vad_factory(
    name: str, *, cache_dir: str | Path | None = None, **options: Any
) -> Callable[[], VadModel]:
    """A zero-argument callable making one VAD model per session (``"energy"`` is the
    core's)."""
    factory = registry.build_engine(name, "vad", cache_dir=cache_dir, **options)
    return cast(Callable[[], VadModel], factory)


def build_local_cascade(
    *,
    stt: str | SpeechToText | StreamingSpeechToText,
    tts: str | TextToSpeech | StreamingTextToSpeech,
    vad: str | Callable[[], VadModel],
    responder: str | Responder = "rules",
    turn: str | TurnModel | None = None,
    cache_dir: str | Path | None = None,
    vad_params: VadParams | None = None,
    confirm_silence_ms: int | None = None,
    barge_in: BargeInParams | None = None,
    partial_interval_ms: int = 0,
    output_lead_ms: int | None = None,
    blas_threads: int | None = 1,
) -> CascadeBackend:
    """The offline voice loop with the given engines (registry names or objects).

    ``turn`` is the end-of-turn model (None: silence decides); ``confirm_silence_ms`` the
    silence that ends a turn whatever the model says (default 1100 ms without a model,
    2000 ms with one); ``barge_in`` defaults to ``DEFAULT_BARGE_IN``; ``blas_threads`` caps
    numpy's BLAS threads for the process (``limit_blas_threads``; None leaves them be).
    """
    if blas_threads is not None:
        limit_blas_threads(blas_threads)
    model = load_turn_model(turn, cache_dir=cache_dir) if isinstance(turn, str) else turn
    if confirm_silence_ms is None:
        confirm_silence_ms = 1100 if model is None else 2000
    return CascadeBackend(
        stt=load_stt(stt, cache_dir=cache_dir) if isinstance(stt, str) else stt,
        tts=load_tts(tts) if isinstance(tts, str) else tts,
        responder=load_responder(responder) if isinstance(responder, str) else responder,
        vad=vad_factory(vad, cache_dir=cache_dir) if isinstance(vad, str) else vad,
        vad_params=vad_params or VadParams(min_silence_ms=200, speech_pad_ms=96),
        turn_model=model,
        confirm_silence_ms=confirm_silence_ms,
        barge_in=barge_in or DEFAULT_BARGE_IN,
        partial_interval_ms=partial_interval_ms,
        output_lead_ms=output_lead_ms,
    )
