"""ElevenLabs streaming text-to-speech over its websocket as ``StreamingTextToSpeech``.

``multi=True`` (the default) uses ``multi-stream-input``: one socket per engine, one
context per reply (``context_id`` in what the client sends, ``contextId`` in what the
server sends); a cancelled reply's context is closed and any audio still tagged with it is
dropped. ``multi=False`` uses ``stream-input``: one socket per reply, ended by an empty
text, closed on cancel.

Text deltas are sent a whole word at a time (text up to the last space) and the rest on
``flush()``. While a reply waits for text (a tool running), a keep-alive goes out every
``keepalive_s``: on ``stream-input`` a single space (an empty text there ends the input),
on ``multi-stream-input`` the context keep-alive message. Character alignment becomes
word timings.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("elevenlabs", "websockets", feature=__name__)

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from vona.adapters._hosted import Backoff, base_url_from, dial, key_from, redacted
from vona.adapters.elevenlabs.alignment import WordAligner
from vona.backends.cascade.streaming import Int16Array, TtsAudio, TtsStream
from vona.errors import BackendError, ConfigError, ProtocolError
from vona.realtime.pcm import b64_to_pcm16
from vona.realtime.secrets import ApiKey

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["ElevenLabsTts", "split_audio"]

PROVIDER = "elevenlabs"
DEFAULT_BASE_URL = "wss://api.elevenlabs.io"
DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM"
log = logging.getLogger("vona.adapters.elevenlabs")
_AUDIO_KEY = '"audio":"'
# error codes a retry cannot fix
_FATAL = ("auth", "api_key", "unauthorized", "quota", "invalid", "voice_not_found", "permission")


class ElevenLabsTts:
    """ElevenLabs TTS; see the module docstring. ``output_format`` must be a ``pcm_*``
    rate; ``voice_id`` defaults to ``$ELEVENLABS_VOICE_ID`` or a stock voice."""

    def __init__(
        self,
        voice_id: str | None = None,
        *,
        model_id: str = "eleven_flash_v2_5",
        output_format: str = "pcm_24000",
        base_url: str | None = None,
        api_key: str | ApiKey | None = None,
        multi: bool = True,
        voice_settings: dict[str, Any] | None = None,
        chunk_length_schedule: list[int] | None = None,
        keepalive_s: float = 15.0,
        params: dict[str, str] | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        if not output_format.startswith("pcm_") or not output_format[4:].isdigit():
            raise ConfigError(
                f"{PROVIDER}: output_format must be pcm_<rate>, got {output_format!r}"
            )
        if not 0 < keepalive_s < 180:
            raise ConfigError(f"{PROVIDER}: keepalive_s must be in (0, 180)")
        self.voice_id = voice_id or os.environ.get("ELEVENLABS_VOICE_ID") or DEFAULT_VOICE
        self.base_url = base_url_from(base_url, "ELEVENLABS_BASE_URL", DEFAULT_BASE_URL)
        self._key = key_from(api_key, "ELEVENLABS_API_KEY", PROVIDER)
        self._rate = int(output_format[4:])
        self.multi = multi
        self.keepalive_s = keepalive_s
        self.init: dict[str, Any] = {"text": " "}
        self.init["voice_settings"] = dict(
            voice_settings or {"stability": 0.5, "similarity_boost": 0.8}
        )
        if chunk_length_schedule:
            self.init["generation_config"] = {"chunk_length_schedule": list(chunk_length_schedule)}
        query = {"model_id": model_id, "output_format": output_format, "sync_alignment": "true"}
        query.update(params or {})
        route = "multi-stream-input" if multi else "stream-input"
        self.url = (
            f"{self.base_url}/v1/text-to-speech/{quote(self.voice_id)}/{route}?{urlencode(query)}"
        )
        self.backoff = backoff or Backoff()
        self._socket: _Socket | None = None
        self._contexts = 0
        self._current: _Stream | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"ElevenLabsTts(voice_id={self.voice_id!r}, base_url={self.base_url!r}, "
            f"api_key={self._key!r})"
        )

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    async def _dial(self) -> _Socket:
        ws = await dial(
            self.url,
            provider=PROVIDER,
            extra="elevenlabs",
            headers={"xi-api-key": self._key.reveal()},
            secrets=[self._key],
            backoff=self.backoff,
        )
        return _Socket(ws, self._key)

    async def open(self) -> TtsStream:
        async with self._lock:
            if self._current is not None and not self._current.done:
                await self._current.cancel()
            if self.multi:
                if self._socket is None or self._socket.closed:
                    self._socket = await self._dial()
                socket = self._socket
            else:
                socket = await self._dial()
            self._contexts += 1
            ctx = f"vona-{self._contexts}" if self.multi else None
            stream = _Stream(self, socket, ctx)
            await stream.start()
            self._current = stream
            return stream

    async def aclose(self) -> None:
        """Close the shared socket (``multi``)."""
        socket, self._socket = self._socket, None
        if socket is not None:
            with contextlib.suppress(BackendError):
                await socket.send({"close_socket": True})
            await socket.close()


class _Socket:
    """One ElevenLabs socket and its reader, routing server messages to streams."""

    def __init__(self, ws: ClientConnection, key: ApiKey) -> None:
        self.ws = ws
        self._key = key
        self.streams: dict[str | None, _Stream] = {}
        self.closed = False
        self._reader = asyncio.create_task(self._read())

    async def send(self, message: dict[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self.ws.send(json.dumps(message))
        except ConnectionClosed as exc:
            raise redacted(exc, PROVIDER, [self._key]) from None

    async def close(self) -> None:
        self.closed = True
        with contextlib.suppress(Exception):
            await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        error: BackendError | None = None
        try:
            async for raw in self.ws:
                self._route(*split_audio(raw))
            code = self.ws.close_code
            if code not in (1000, None):
                reason = self.ws.close_reason or ""
                error = BackendError(
                    f"{PROVIDER}: closed ({code} {reason})", retryable=code != 1008
                )
        except ConnectionClosed as exc:
            error = redacted(exc, PROVIDER, [self._key])
        except (ValueError, ProtocolError) as exc:
            error = BackendError(f"{PROVIDER}: bad server message: {exc}", retryable=True)
        except BackendError as exc:
            error = exc
        finally:
            self.closed = True
            for stream in list(self.streams.values()):
                stream.fail(error or BackendError(f"{PROVIDER}: the server closed", retryable=True))

    def _route(self, message: Any, audio: Int16Array | None) -> None:
        if not isinstance(message, dict):
            raise ProtocolError("not a JSON object")
        if message.get("error") or (message.get("message") and audio is None):
            code = str(message.get("error") or "")
            text = str(message.get("message") or code)
            fatal = any(word in code.lower() for word in _FATAL)
            raise BackendError(f"{PROVIDER}: {code}: {text}", retryable=not fatal)
        stream = self.streams.get(message.get("contextId"))
        if stream is None:
            return  # a closed context's leftovers (or a reply that was cancelled)
        if audio is not None and len(audio):
            stream.deliver(audio, message.get("alignment") or message.get("normalizedAlignment"))
        if message.get("isFinal"):
            stream.final()


def split_audio(raw: str | bytes) -> tuple[Any, Int16Array | None]:
    """A server message and its audio: the base64 audio is cut out of the text before
    the JSON parser sees it (it is most of the message), then decoded on its own."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    at = text.find(_AUDIO_KEY)
    if at < 0:
        message = json.loads(text)
        audio = message.get("audio") if isinstance(message, dict) else None
        return message, b64_to_pcm16(audio) if isinstance(audio, str) and audio else None
    start = at + len(_AUDIO_KEY)
    end = text.find('"', start)
    if end < 0:
        raise ProtocolError("unterminated audio string")
    message = json.loads(text[: start - 1] + "null" + text[end + 1 :])
    return message, b64_to_pcm16(text[start:end]) if end > start else None


class _Stream:
    def __init__(self, engine: ElevenLabsTts, socket: _Socket, ctx: str | None) -> None:
        self._engine = engine
        self._socket = socket
        self._ctx = ctx
        self._queue: asyncio.Queue[TtsAudio | BackendError | None] = asyncio.Queue()
        self._buffer = ""
        self._aligner = WordAligner()
        self._played = 0  # samples delivered, for alignment offsets
        self._last_sent = 0.0
        self._keepalive: asyncio.Task[None] | None = None
        self.flushed = False
        self.done = False
        self.cancelled = False

    def _msg(self, **fields: Any) -> dict[str, Any]:
        if self._ctx is not None:
            fields["context_id"] = self._ctx
        return fields

    async def _send(self, message: dict[str, Any]) -> None:
        await self._socket.send(message)
        self._last_sent = asyncio.get_running_loop().time()

    async def start(self) -> None:
        self._socket.streams[self._ctx] = self
        first = dict(self._engine.init)
        await self._send(self._msg(**first))
        self._keepalive = asyncio.create_task(self._keep_alive(self._engine.keepalive_s))

    async def push_text(self, text: str) -> None:
        if self.done or self.flushed:
            return
        self._buffer += text
        cut = max(self._buffer.rfind(" "), self._buffer.rfind("\n"))
        if cut < 0:
            return
        ready, self._buffer = self._buffer[: cut + 1], self._buffer[cut + 1 :]
        if ready.strip():
            await self._send(self._msg(text=ready))

    async def flush(self) -> None:
        if self.done or self.flushed:
            return
        self.flushed = True
        rest, self._buffer = self._buffer.strip(), ""
        if self._ctx is None:
            if rest:
                await self._send({"text": rest + " ", "flush": True})
            await self._send({"text": ""})  # end of input: the server finishes and closes
            return
        if rest:
            await self._send(self._msg(text=rest + " "))
        await self._send(self._msg(flush=True))
        await self._send(self._msg(close_context=True))

    async def cancel(self) -> None:
        if self.done:
            return
        self.cancelled = True
        self._end(None)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)
        if self._ctx is None:
            await self._socket.close()
        elif not self._socket.closed:
            with contextlib.suppress(BackendError):
                await self._socket.send(self._msg(close_context=True))

    def deliver(self, samples: Int16Array, alignment: Any) -> None:
        if self.done:
            return
        offset = self._played * 1000.0 / self._engine.sample_rate_hz
        self._played += len(samples)
        self._queue.put_nowait(TtsAudio(samples, self._aligner.feed(alignment, offset)))

    def final(self) -> None:
        if self.done:
            return
        last = self._aligner.finish()
        if last:
            import numpy as np

            self._queue.put_nowait(TtsAudio(np.zeros(0, np.int16), last))
        self._end(None)
        if self._ctx is None:
            asyncio.get_running_loop().create_task(self._socket.close())

    def fail(self, error: BackendError) -> None:
        self._end(error)

    def _end(self, end: BackendError | None) -> None:
        if self.done:
            return
        self.done = True
        self._socket.streams.pop(self._ctx, None)
        if self._keepalive is not None:
            self._keepalive.cancel()
        self._queue.put_nowait(end)

    async def _keep_alive(self, every_s: float) -> None:
        loop = asyncio.get_running_loop()
        while not self.done and not self.flushed:
            wait = self._last_sent + every_s - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            # stream-input: an empty text would end the input, so a space keeps it alive
            message = {"text": " "} if self._ctx is None else self._msg(text="")
            with contextlib.suppress(BackendError):
                await self._send(message)

    async def audio(self) -> AsyncIterator[TtsAudio]:
        while True:
            item = await self._queue.get()
            if self.cancelled or item is None:
                return
            if isinstance(item, BackendError):
                raise item
            yield item
