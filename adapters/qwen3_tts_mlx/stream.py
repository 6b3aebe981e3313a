"""``Qwen3TtsStream``: one reply's text in, 24 kHz audio chunks out, sentence by sentence.

Reply text is split into sentences as it arrives; each complete sentence is synthesized on
the engine's worker thread and its chunks are delivered as they are decoded, so audio starts
before the sentence (let alone the reply) is done. ``cancel()`` stops generation at the
next chunk boundary and nothing is delivered after it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import numpy as np

from vona.backends.cascade.sentences import SentenceSplitter
from vona.backends.cascade.streaming import Int16Array, TtsAudio
from vona.errors import ConfigError

if TYPE_CHECKING:
    from vona.adapters.qwen3_tts_mlx.engine import Qwen3TtsMlx

__all__ = ["Qwen3TtsStream"]

_END = object()


class Qwen3TtsStream:
    """See the module docstring."""

    def __init__(self, engine: Qwen3TtsMlx) -> None:
        self._engine = engine
        self._splitter = SentenceSplitter()
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._audio: asyncio.Queue[object] = asyncio.Queue()
        self._cancelled = threading.Event()
        self._flushed = False
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run(), name="vona-qwen3-tts-stream")

    async def push_text(self, text: str) -> None:
        if self._flushed:
            raise ConfigError("qwen3-tts: push_text after flush()")
        for sentence in self._splitter.push(text):
            self._sentences.put_nowait(sentence)

    async def flush(self) -> None:
        if self._flushed:
            return
        self._flushed = True
        for sentence in self._splitter.flush():
            self._sentences.put_nowait(sentence)
        self._sentences.put_nowait(None)

    async def cancel(self) -> None:
        self._cancelled.set()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._audio.put_nowait(_END)

    async def audio(self) -> AsyncIterator[TtsAudio]:
        while not self._cancelled.is_set():
            item = await self._audio.get()
            if item is _END or self._cancelled.is_set():
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, np.ndarray)
            yield TtsAudio(_to_int16(item))

    async def _run(self) -> None:
        try:
            while True:
                sentence = await self._sentences.get()
                if sentence is None:
                    break
                future = self._engine.submit(self._speak, sentence)
                await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._audio.put_nowait(exc)
        self._audio.put_nowait(_END)

    def _speak(self, sentence: str) -> None:
        """On the worker thread: hand each chunk to the event loop as it is decoded."""
        for chunk in self._engine.stream_sentence(sentence, self._cancelled):
            if self._cancelled.is_set():
                return
            self._loop.call_soon_threadsafe(self._audio.put_nowait, chunk)


def _to_int16(audio: np.ndarray) -> Int16Array:
    out: Int16Array = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype(np.int16)
    return out
