"""MLX Whisper on the streaming speech-to-text contract.

Whisper transcribes whole utterances, so the stream keeps the turn's audio: it reports
``SttSpeechStarted`` when the level first crosses ``speech_dbfs``, an interim transcript of
the turn so far every ``interim_every_ms`` of new audio, and on ``finalize()`` the final
transcript and ``SttEndOfTurn``. Deciding *when* a turn ends is the session's turn
machinery's job (VAD or a turn model); this stream transcribes. Whisper runs in a worker
thread, one call at a time per stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np

from vona.adapters.mlx_whisper import MlxWhisperStt
from vona.backends.cascade.streaming import (
    Int16Array,
    SttEndOfTurn,
    SttEvent,
    SttSpeechStarted,
    SttTranscript,
)
from vona.errors import AudioFormatError, ConfigError

__all__ = ["MlxWhisperStream", "MlxWhisperStreaming"]


class MlxWhisperStream:
    """One session's stream (see the module docstring)."""

    def __init__(
        self, stt: MlxWhisperStt, *, interim_every_ms: int, speech_dbfs: float, max_s: float
    ) -> None:
        self._stt = stt
        self._rate = stt.sample_rate_hz
        self._interim_every = interim_every_ms * self._rate // 1000
        self._threshold = 32768.0 * 10 ** (speech_dbfs / 20)
        self._max = int(max_s * self._rate)
        self._chunks: list[Int16Array] = []
        self._samples = 0
        self._since_interim = 0
        self._speech_at: int | None = None
        self._queue: asyncio.Queue[SttEvent | None] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._closed = False

    def _ms(self, samples: int) -> float:
        return 1000.0 * samples / self._rate

    async def push(self, audio: Int16Array) -> None:
        if self._closed:
            raise ConfigError("mlx-whisper: push on a closed stream")
        if audio.ndim != 1 or audio.dtype != np.int16:
            raise AudioFormatError(f"audio must be 1-D int16 mono, got {audio.dtype} {audio.shape}")
        start = self._samples  # the stream position (ms are counted from the first push)
        self._samples += int(audio.shape[0])
        if self._speech_at is None:
            level = float(np.sqrt(np.mean(audio.astype(np.float32) ** 2))) if audio.size else 0.0
            if level < self._threshold:
                return  # silence before the turn: not kept
            self._speech_at = start
            self._queue.put_nowait(SttSpeechStarted(at_ms=self._ms(start)))
        self._chunks.append(audio.copy())
        self._since_interim += int(audio.shape[0])
        if self._samples - self._speech_at > self._max:
            await self.finalize()  # Whisper's window: a longer turn is cut here
        elif self._since_interim >= self._interim_every:
            self._since_interim = 0
            text = await self._transcribe()
            if text:
                self._queue.put_nowait(self._transcript(text, final=False))

    def _transcript(self, text: str, *, final: bool) -> SttTranscript:
        start = self._ms(self._speech_at or 0)
        return SttTranscript(text, final, start_ms=start, end_ms=self._ms(self._samples))

    async def _transcribe(self) -> str:
        audio = np.concatenate(self._chunks).astype(np.float32) / 32768.0
        async with self._lock:
            return await asyncio.to_thread(self._stt.transcribe, audio)

    async def finalize(self) -> None:
        """End the turn in progress: its final transcript, then ``SttEndOfTurn``."""
        if self._speech_at is None:
            return
        text = await self._transcribe()
        if text:
            self._queue.put_nowait(self._transcript(text, final=True))
        self._queue.put_nowait(SttEndOfTurn(text, at_ms=self._ms(self._samples)))
        self._chunks.clear()
        self._speech_at = None
        self._since_interim = 0

    async def events(self) -> AsyncIterator[SttEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._chunks.clear()
            self._queue.put_nowait(None)


class MlxWhisperStreaming:
    """``StreamingSpeechToText`` over ``MlxWhisperStt`` (16 kHz int16 in)."""

    def __init__(
        self,
        stt: MlxWhisperStt,
        *,
        interim_every_ms: int = 1000,
        speech_dbfs: float = -45.0,
        max_turn_s: float = 30.0,
    ) -> None:
        if interim_every_ms < 100:
            raise ConfigError(f"interim_every_ms must be >= 100, got {interim_every_ms}")
        if not 0 < max_turn_s <= 30:
            raise ConfigError(f"max_turn_s must be in (0, 30] (Whisper's window), got {max_turn_s}")
        self.stt = stt
        self._interim = interim_every_ms
        self._dbfs = speech_dbfs
        self._max = max_turn_s

    @property
    def sample_rate_hz(self) -> int:
        return self.stt.sample_rate_hz

    async def open(self) -> MlxWhisperStream:
        return MlxWhisperStream(
            self.stt, interim_every_ms=self._interim, speech_dbfs=self._dbfs, max_s=self._max
        )
