"""Azure Speech text-to-speech over its REST endpoint as ``StreamingTextToSpeech``.

A reply's text is cut into sentences as it arrives; each sentence is one
``POST /cognitiveservices/v1`` (SSML in, ``raw-<rate>khz-16bit-mono-pcm`` out) whose body
is delivered chunk by chunk as it streams in, one sentence after another. ``cancel()``
stops the request in flight (closing its connection) and drops everything queued.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from vona.adapters._hosted import (
    Backoff,
    LoopClient,
    redacted,
    require,
    split_sentences,
    status_error,
)
from vona.adapters.azure_speech._endpoint import PROVIDER, endpoint, speech_key
from vona.backends.cascade.streaming import TtsAudio, TtsStream
from vona.errors import BackendError, ConfigError
from vona.realtime.secrets import ApiKey

__all__ = ["AzureSpeechTts", "ssml"]

_RATES = {8000: "8", 16000: "16", 24000: "24", 48000: "48"}


def ssml(text: str, voice: str, language: str) -> str:
    """The SSML document speaking ``text`` (escaped) with ``voice``."""
    return (
        f"<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' "
        f"xml:lang={quoteattr(language)}><voice name={quoteattr(voice)}>"
        f"{escape(text)}</voice></speak>"
    )


class AzureSpeechTts:
    """Azure neural TTS; ``base_url`` (else ``$AZURE_SPEECH_ENDPOINT``) or ``region`` (else
    ``$AZURE_SPEECH_REGION``) says where, ``api_key`` (else ``$AZURE_SPEECH_KEY``) who."""

    def __init__(
        self,
        voice: str = "en-US-AvaNeural",
        *,
        base_url: str | None = None,
        region: str | None = None,
        api_key: str | ApiKey | None = None,
        language: str = "en-US",
        sample_rate_hz: int = 24000,
        timeout_s: float = 30.0,
        backoff: Backoff | None = None,
    ) -> None:
        if sample_rate_hz not in _RATES:
            raise ConfigError(f"{PROVIDER}: sample_rate_hz must be one of {sorted(_RATES)}")
        self.base_url = endpoint(base_url, region, "tts")
        self._key = speech_key(api_key)
        self.voice = voice
        self.language = language
        self._rate = sample_rate_hz
        self.output_format = f"raw-{_RATES[sample_rate_hz]}khz-16bit-mono-pcm"
        self.timeout_s = timeout_s
        self.backoff = backoff or Backoff()
        self.http = LoopClient(timeout_s)

    def __repr__(self) -> str:
        return (
            f"AzureSpeechTts(voice={self.voice!r}, base_url={self.base_url!r}, "
            f"api_key={self._key!r})"
        )

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    async def open(self) -> TtsStream:
        require("httpx", "azure", PROVIDER)
        return _Stream(self)

    def headers(self) -> dict[str, str]:
        return {
            "Ocp-Apim-Subscription-Key": self._key.reveal(),
            "Content-Type": "application/ssml+xml",
            "X-Microsoft-OutputFormat": self.output_format,
            "User-Agent": "vona",
        }

    async def speak(self, client: object, text: str) -> AsyncIterator[bytes]:
        """The PCM bytes of one sentence as they stream in (retrying before the first)."""
        import httpx

        assert isinstance(client, httpx.AsyncClient)
        body = ssml(text, self.voice, self.language).encode()
        url = self.base_url + "/cognitiveservices/v1"
        delays = self.backoff.delays()
        while True:
            produced = False
            try:
                async with client.stream("POST", url, content=body, headers=self.headers()) as resp:
                    if resp.status_code != 200:
                        await resp.aread()
                        raise status_error(PROVIDER, resp.status_code, resp.text, [self._key])
                    async for chunk in resp.aiter_bytes():
                        produced = True
                        yield chunk
                    return
            except httpx.TransportError as exc:
                error = redacted(exc, PROVIDER, [self._key])
            except BackendError as exc:
                error = exc
            delay = next(delays, None) if error.retryable and not produced else None
            if delay is None:
                raise error
            await asyncio.sleep(delay)


class _Stream:
    def __init__(self, engine: AzureSpeechTts) -> None:
        self._engine = engine
        self._buffer = ""
        self._jobs: asyncio.Queue[str | None] = asyncio.Queue()
        self._out: asyncio.Queue[TtsAudio | BackendError | None] = asyncio.Queue()
        self._worker = asyncio.create_task(self._work())
        self.done = False
        self.cancelled = False

    async def push_text(self, text: str) -> None:
        if self.done:
            return
        sentences, self._buffer = split_sentences(self._buffer + text)
        for s in sentences:
            self._jobs.put_nowait(s)

    async def flush(self) -> None:
        if self.done:
            return
        rest, self._buffer = self._buffer.strip(), ""
        if rest:
            self._jobs.put_nowait(rest)
        self._jobs.put_nowait(None)

    async def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = self.done = True
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._worker
        while not self._out.empty():
            self._out.get_nowait()
        self._out.put_nowait(None)

    async def _work(self) -> None:
        import httpx

        end: BackendError | None = None
        client: httpx.AsyncClient = self._engine.http.get()
        try:
            while (text := await self._jobs.get()) is not None:
                odd = b""
                async for chunk in self._engine.speak(client, text):
                    data = odd + chunk
                    cut = len(data) - len(data) % 2
                    odd = data[cut:]
                    if cut:
                        pcm = np.frombuffer(data[:cut], dtype="<i2").astype(np.int16)
                        self._out.put_nowait(TtsAudio(pcm))
        except BackendError as exc:
            end = exc
        finally:
            self.done = True
            if not self.cancelled:
                self._out.put_nowait(end)

    async def audio(self) -> AsyncIterator[TtsAudio]:
        while True:
            item = await self._out.get()
            if self.cancelled or item is None:
                return
            if isinstance(item, BackendError):
                raise item
            yield item
