"""A whole-sentence ``TextToSpeech`` as a ``StreamingTextToSpeech``.

Text deltas are split into sentences as they stream (``SentenceSplitter``); each sentence
is synthesized in a worker thread as soon as it is complete, so the first plays while the
responder is still writing the rest. Each chunk carries one ``WordTiming`` spanning its
sentence (the engine gives no word timings), which is what barge-in truncation needs to
keep the sentences that started playing. ``cancel`` drops the pending sentences; no chunk
is delivered after it returns. Synthesis calls are serialised per engine.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import numpy as np

from vona.backends.cascade.protocols import Float32Array, TextToSpeech
from vona.backends.cascade.sentences import SentenceSplitter
from vona.backends.cascade.streaming import TtsAudio, WordTiming
from vona.dsp import to_int16

__all__ = ["SentenceTts", "SentenceTtsStream"]


class SentenceTts:
    """Streams ``tts`` sentence by sentence (one ``SentenceTtsStream`` per reply)."""

    def __init__(self, tts: TextToSpeech) -> None:
        self.tts = tts
        self._lock = threading.Lock()

    @property
    def sample_rate_hz(self) -> int:
        return self.tts.sample_rate_hz

    def synthesize(self, text: str) -> Float32Array:
        """One sentence, synthesized now (serialised with every stream's calls)."""
        with self._lock:
            return self.tts.synthesize(text)

    def warmup(self) -> None:
        self.synthesize("Hello.")

    async def open(self) -> SentenceTtsStream:
        return SentenceTtsStream(self)


class SentenceTtsStream:
    """One reply of a ``SentenceTts``."""

    def __init__(self, engine: SentenceTts) -> None:
        self._engine = engine
        self._splitter = SentenceSplitter()
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._cancelled = False
        self._flushed = False
        self._position_ms = 0.0

    async def push_text(self, text: str) -> None:
        if self._cancelled or self._flushed:
            return
        for sentence in self._splitter.push(text):
            self._sentences.put_nowait(sentence)

    async def flush(self) -> None:
        if self._cancelled or self._flushed:
            return
        self._flushed = True
        for sentence in self._splitter.flush():
            self._sentences.put_nowait(sentence)
        self._sentences.put_nowait(None)

    async def cancel(self) -> None:
        self._cancelled = True
        self._splitter.clear()
        while not self._sentences.empty():
            self._sentences.get_nowait()
        self._sentences.put_nowait(None)

    async def audio(self) -> AsyncIterator[TtsAudio]:
        rate = self._engine.sample_rate_hz
        while (sentence := await self._sentences.get()) is not None:
            if self._cancelled:
                return
            audio = await asyncio.to_thread(self._engine.synthesize, sentence)
            if self._cancelled:
                return
            pcm = to_int16(np.ascontiguousarray(audio, dtype=np.float32))
            if pcm.shape[0] == 0:
                continue
            start = self._position_ms
            self._position_ms += pcm.shape[0] * 1000.0 / rate
            yield TtsAudio(pcm, (WordTiming(sentence, start, self._position_ms),))
