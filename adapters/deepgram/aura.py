"""Deepgram Aura text-to-speech over its websocket as ``StreamingTextToSpeech``
(``deepgram-aura``).

One socket per engine, dialled on first use and redialled when it has dropped; one reply
at a time on it. Text is sent as ``Speak`` a sentence at a time, each followed by a
``Flush`` so audio starts before the reply is complete; a reply ends once every flush is
answered by ``Flushed``. ``cancel()`` sends ``Clear`` and drops every audio frame until
the server's ``Cleared``, so nothing of a cancelled reply is delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import numpy as np

from vona.adapters._hosted import (
    Backoff,
    base_url_from,
    dial,
    key_from,
    redacted,
    split_sentences,
)
from vona.backends.cascade.streaming import TtsAudio, TtsStream
from vona.errors import BackendError, ConfigError
from vona.realtime.secrets import ApiKey

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["DeepgramAuraTts"]

PROVIDER = "deepgram-aura"
DEFAULT_BASE_URL = "wss://api.deepgram.com"
log = logging.getLogger("vona.adapters.deepgram")


class DeepgramAuraTts:
    """Aura TTS (``aura-2-thalia-en`` by default), linear16 at ``sample_rate_hz``."""

    def __init__(
        self,
        model: str = "aura-2-thalia-en",
        *,
        base_url: str | None = None,
        api_key: str | ApiKey | None = None,
        sample_rate_hz: int = 24000,
        backoff: Backoff | None = None,
    ) -> None:
        if sample_rate_hz not in (8000, 16000, 24000, 32000, 48000):
            raise ConfigError(f"{PROVIDER}: sample_rate_hz {sample_rate_hz} is not supported")
        self.base_url = base_url_from(base_url, "DEEPGRAM_BASE_URL", DEFAULT_BASE_URL)
        self._key = key_from(api_key, "DEEPGRAM_API_KEY", PROVIDER)
        self._rate = sample_rate_hz
        query = {"model": model, "encoding": "linear16", "sample_rate": str(sample_rate_hz)}
        self.url = f"{self.base_url}/v1/speak?{urlencode(query)}"
        self.backoff = backoff or Backoff()
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._current: _AuraStream | None = None
        self._clearing = 0  # Clears sent and not yet answered: audio until then is stale
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"DeepgramAuraTts(base_url={self.base_url!r}, api_key={self._key!r})"

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    async def open(self) -> TtsStream:
        async with self._lock:
            if self._current is not None and not self._current.done:
                await self._current.cancel()
            if self._ws is None:
                self._clearing = 0
                self._ws = await dial(
                    self.url,
                    provider=PROVIDER,
                    extra="deepgram",
                    headers={"Authorization": f"Token {self._key.reveal()}"},
                    secrets=[self._key],
                    backoff=self.backoff,
                )
                self._reader = asyncio.create_task(self._read(self._ws))
            self._current = _AuraStream(self)
            return self._current

    async def aclose(self) -> None:
        """Say ``Close`` and drop the socket."""
        ws, self._ws = self._ws, None
        if ws is not None:
            from websockets.exceptions import ConnectionClosed

            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.send(json.dumps({"type": "Close"}))
                await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def send(self, message: dict[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed

        ws = self._ws
        if ws is None:
            raise BackendError(f"{PROVIDER}: the connection dropped", retryable=True)
        try:
            await ws.send(json.dumps(message))
        except ConnectionClosed as exc:
            raise redacted(exc, PROVIDER, [self._key]) from None

    async def _read(self, ws: ClientConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        error: BackendError | None = None
        try:
            async for raw in ws:
                if isinstance(raw, bytes):
                    if self._clearing == 0 and self._current is not None:
                        self._current.deliver(raw)
                    continue
                message = json.loads(raw)
                kind = message.get("type") if isinstance(message, dict) else None
                if kind == "Flushed" and self._clearing == 0 and self._current is not None:
                    self._current.flushed()
                elif kind == "Cleared":
                    self._clearing = max(0, self._clearing - 1)
                elif kind == "Warning":
                    log.warning("%s: %s", PROVIDER, message.get("description"))
            if ws.close_code not in (1000, None):
                error = BackendError(f"{PROVIDER}: closed ({ws.close_code})", retryable=True)
        except ConnectionClosed as exc:
            error = redacted(exc, PROVIDER, [self._key])
        except ValueError:
            error = BackendError(f"{PROVIDER}: a server frame is not JSON", retryable=True)
        finally:
            if self._ws is ws:
                self._ws = None
            current = self._current
            if current is not None and not current.done:
                current.fail(
                    error or BackendError(f"{PROVIDER}: the server closed", retryable=True)
                )


class _AuraStream:
    def __init__(self, engine: DeepgramAuraTts) -> None:
        self._engine = engine
        self._queue: asyncio.Queue[TtsAudio | BackendError | None] = asyncio.Queue()
        self._buffer = ""
        self._flushes = 0
        self._flushed = 0
        self._final = False
        self._odd = b""
        self.done = False
        self.cancelled = False

    async def _speak(self, text: str) -> None:
        await self._engine.send({"type": "Speak", "text": text})
        await self._engine.send({"type": "Flush"})
        self._flushes += 1

    async def push_text(self, text: str) -> None:
        if self.done:
            return
        sentences, self._buffer = split_sentences(self._buffer + text)
        for s in sentences:
            await self._speak(s)

    async def flush(self) -> None:
        if self.done:
            return
        rest, self._buffer = self._buffer.strip(), ""
        if rest:
            await self._speak(rest)
        self._final = True
        if self._flushed >= self._flushes:
            self._finish(None)

    async def cancel(self) -> None:
        if self.done:
            return
        self.cancelled = True
        self._finish(None)
        while not self._queue.empty():  # nothing queued plays after cancel() returns
            self._queue.get_nowait()
        self._queue.put_nowait(None)
        if self._engine._ws is not None:
            self._engine._clearing += 1
            with contextlib.suppress(BackendError):
                await self._engine.send({"type": "Clear"})

    def deliver(self, raw: bytes) -> None:
        if self.done:
            return
        data = self._odd + raw
        cut = len(data) - len(data) % 2
        self._odd = data[cut:]
        if cut:
            self._queue.put_nowait(
                TtsAudio(np.frombuffer(data[:cut], dtype="<i2").astype(np.int16))
            )

    def flushed(self) -> None:
        self._flushed += 1
        if self._final and self._flushed >= self._flushes:
            self._finish(None)

    def fail(self, error: BackendError) -> None:
        self._finish(error)

    def _finish(self, end: BackendError | None) -> None:
        if not self.done:
            self.done = True
            self._queue.put_nowait(end)

    async def audio(self) -> AsyncIterator[TtsAudio]:
        while True:
            item = await self._queue.get()
            if self.cancelled or item is None:
                return
            if isinstance(item, BackendError):
                raise item
            yield item
