"""Streaming engine contracts: speech-to-text that hears as you speak, text-to-speech that
speaks as the reply is written, and an end-of-turn model.

Hosted services (and the local turn machinery) stream both ways and decide turns themselves,
so the cascade talks to every engine through these contracts; whole-utterance engines
(``SpeechToText``, ``TextToSpeech``) are wrapped to fit them.

Speech-to-text: ``open()`` a stream per session, ``push`` mono int16 audio at the engine's
rate, read ``events()``: interim and final transcripts, speech started, and end of turn, which
may be *eager* (a likely end: a reply may be prepared, held silent, and no tool may run)
and later either confirmed by a plain ``SttEndOfTurn`` or withdrawn by ``SttTurnResumed``.
``finalize()`` ends any turn in progress now (input ended); ``close()`` frees the stream.

Text-to-speech: ``open()`` a stream per reply (one generation), ``push_text`` deltas as the
responder writes them, ``flush()`` at the end of the reply; ``audio()`` yields chunks (with
word timings where the engine has them) and ends after the last one. ``cancel()`` on
barge-in: no chunk of a cancelled stream is delivered after it returns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from vona.backends.cascade.protocols import Float32Array

__all__ = [
    "Int16Array",
    "StreamingSpeechToText",
    "StreamingTextToSpeech",
    "SttEndOfTurn",
    "SttEvent",
    "SttSpeechStarted",
    "SttStream",
    "SttTranscript",
    "SttTurnResumed",
    "TtsAudio",
    "TtsStream",
    "TurnModel",
    "WordTiming",
]

Int16Array = npt.NDArray[np.int16]


@dataclass(slots=True, frozen=True)
class WordTiming:
    """One word and where it sits, in ms from the start of its stream's audio."""

    word: str
    start_ms: float
    end_ms: float


# -- speech-to-text ------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class SttSpeechStarted:
    """The user started speaking, ``at_ms`` into the stream's audio."""

    at_ms: float = 0.0


@dataclass(slots=True, frozen=True)
class SttTranscript:
    """Text heard so far in the current turn; ``final=False`` is an interim that a later
    transcript replaces. ``text`` is the segment's text, not the whole turn's."""

    text: str
    final: bool
    start_ms: float = 0.0
    end_ms: float = 0.0
    words: tuple[WordTiming, ...] = ()


@dataclass(slots=True, frozen=True)
class SttEndOfTurn:
    """The user's turn ended (``eager=True``: probably ended, may yet resume).
    ``transcript`` is the whole turn's text."""

    transcript: str
    eager: bool = False
    at_ms: float = 0.0
    confidence: float | None = None


@dataclass(slots=True, frozen=True)
class SttTurnResumed:
    """The user went on after an eager end of turn: what was prepared for it is void."""

    at_ms: float = 0.0


SttEvent = SttSpeechStarted | SttTranscript | SttEndOfTurn | SttTurnResumed


@runtime_checkable
class SttStream(Protocol):
    """One session's speech-to-text stream."""

    async def push(self, audio: Int16Array) -> None: ...

    def events(self) -> AsyncIterator[SttEvent]: ...

    async def finalize(self) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class StreamingSpeechToText(Protocol):
    """Opens speech-to-text streams taking mono int16 at ``sample_rate_hz``."""

    @property
    def sample_rate_hz(self) -> int: ...

    async def open(self) -> SttStream: ...


# -- text-to-speech ------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class TtsAudio:
    """A chunk of reply audio (mono int16 at the engine's rate) and the words it speaks."""

    samples: Int16Array
    words: tuple[WordTiming, ...] = ()


@runtime_checkable
class TtsStream(Protocol):
    """One reply's text-to-speech stream."""

    async def push_text(self, text: str) -> None: ...

    async def flush(self) -> None: ...

    async def cancel(self) -> None: ...

    def audio(self) -> AsyncIterator[TtsAudio]: ...


@runtime_checkable
class StreamingTextToSpeech(Protocol):
    """Opens one text-to-speech stream per reply; audio at ``sample_rate_hz``."""

    @property
    def sample_rate_hz(self) -> int: ...

    async def open(self) -> TtsStream: ...


# -- end of turn ---------------------------------------------------------------------------
@runtime_checkable
class TurnModel(Protocol):
    """Says how likely the user's turn is complete, from the turn's audio so far (mono
    float32 at ``sample_rate_hz``, the model reads the last few seconds). Synchronous and
    CPU-bound: callers run it in a worker thread."""

    @property
    def sample_rate_hz(self) -> int: ...

    def end_of_turn_probability(self, audio: Float32Array) -> float: ...
