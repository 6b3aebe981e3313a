"""Deepgram speech-to-text as ``StreamingSpeechToText``: listen v1 (``deepgram``) and Flux
v2 (``deepgram-flux``).

Listen v1: interim ``Results`` become interim transcripts, ``is_final`` ones final
segments, and a segment with ``speech_final`` (or an ``UtteranceEnd``, or the answer to a
``Finalize``) ends the turn with the segments joined. ``KeepAlive`` goes out whenever no
audio was sent for ``keepalive_s``; ``finalize()`` sends ``Finalize``; ``close()``
``CloseStream``.

Flux: ``TurnInfo`` events map one to one: ``StartOfTurn`` -> speech started, ``Update`` ->
interim transcript, ``EagerEndOfTurn`` -> eager end of turn, ``TurnResumed`` -> turn
resumed, ``EndOfTurn`` -> final transcript and end of turn.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from vona.adapters._hosted import Backoff, base_url_from, key_from
from vona.adapters.deepgram._stream import DeepgramStream
from vona.backends.cascade.streaming import (
    SttEndOfTurn,
    SttEvent,
    SttSpeechStarted,
    SttStream,
    SttTranscript,
    SttTurnResumed,
    WordTiming,
)
from vona.errors import BackendError, ConfigError
from vona.realtime.secrets import ApiKey

__all__ = ["DeepgramFluxStt", "DeepgramStt"]

DEFAULT_BASE_URL = "wss://api.deepgram.com"


def _flag(value: bool) -> str:
    return "true" if value else "false"


class _Engine:
    provider = "deepgram"

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | ApiKey | None,
        sample_rate_hz: int,
        backoff: Backoff | None,
    ) -> None:
        if sample_rate_hz not in (8000, 16000, 24000, 32000, 44100, 48000):
            raise ConfigError(f"{self.provider}: sample_rate_hz {sample_rate_hz} is not supported")
        self.base_url = base_url_from(base_url, "DEEPGRAM_BASE_URL", DEFAULT_BASE_URL)
        self._key = key_from(api_key, "DEEPGRAM_API_KEY", self.provider)
        self._rate = sample_rate_hz
        self.backoff = backoff or Backoff()

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={self._key!r})"


class DeepgramStt(_Engine):
    """Deepgram listen v1 (``nova-3`` by default); ``params`` add query parameters."""

    def __init__(
        self,
        model: str = "nova-3",
        *,
        base_url: str | None = None,
        api_key: str | ApiKey | None = None,
        sample_rate_hz: int = 16000,
        language: str | None = "en",
        endpointing_ms: int = 300,
        utterance_end_ms: int | None = 1000,
        smart_format: bool = True,
        keepalive_s: float = 4.0,
        params: dict[str, str] | None = None,
        backoff: Backoff | None = None,
        cache_dir: object = None,
    ) -> None:
        del cache_dir  # a hosted engine keeps nothing on disk (the cascade passes one to every STT)
        super().__init__(
            base_url=base_url, api_key=api_key, sample_rate_hz=sample_rate_hz, backoff=backoff
        )
        if utterance_end_ms is not None and utterance_end_ms < 1000:
            raise ConfigError("deepgram: utterance_end_ms must be >= 1000 (or None)")
        if keepalive_s <= 0:
            raise ConfigError("deepgram: keepalive_s must be > 0")
        query = {
            "model": model,
            "encoding": "linear16",
            "sample_rate": str(sample_rate_hz),
            "channels": "1",
            "interim_results": "true",
            "vad_events": "true",
            "endpointing": str(endpointing_ms),
            "smart_format": _flag(smart_format),
        }
        if language:
            query["language"] = language
        if utterance_end_ms is not None:
            query["utterance_end_ms"] = str(utterance_end_ms)
        query.update(params or {})
        self.url = f"{self.base_url}/v1/listen?{urlencode(query)}"
        self.keepalive_s = keepalive_s

    async def open(self) -> SttStream:
        stream = _ListenStream(
            self.url,
            key=self._key,
            sample_rate_hz=self._rate,
            backoff=self.backoff,
            keepalive_s=self.keepalive_s,
        )
        await stream.start()
        return stream


class _ListenStream(DeepgramStream):
    def __init__(self, url: str, **kw: Any) -> None:
        super().__init__(url, **kw)
        self._segments: list[str] = []
        self._turn_start = 0.0

    async def finalize(self) -> None:
        await self.send_json({"type": "Finalize"})

    def _end(self, at_ms: float) -> list[SttEvent]:
        if not self._segments:
            return []
        text = " ".join(self._segments)
        self._segments = []
        return [SttEndOfTurn(text, at_ms=at_ms)]

    def handle(self, message: dict[str, Any]) -> list[SttEvent]:
        kind = message.get("type")
        if kind == "SpeechStarted":
            return [SttSpeechStarted(self.ms(message.get("timestamp")))]
        if kind == "UtteranceEnd":
            return self._end(self.ms(message.get("last_word_end")))
        if kind != "Results":
            return []  # Metadata and anything newer
        alts = (message.get("channel") or {}).get("alternatives") or [{}]
        alt = alts[0] if isinstance(alts[0], dict) else {}
        text = str(alt.get("transcript") or "").strip()
        start = self.ms(message.get("start"))
        end = start + float(message.get("duration") or 0.0) * 1000.0
        words = tuple(
            WordTiming(
                str(w.get("punctuated_word") or w.get("word")),
                self.ms(w.get("start")),
                self.ms(w.get("end")),
            )
            for w in alt.get("words") or []
            if isinstance(w, dict)
        )
        out: list[SttEvent] = []
        final = bool(message.get("is_final"))
        if text:
            out.append(SttTranscript(text, final, start, end, words))
            if final:
                self._segments.append(text)
        if final and (message.get("speech_final") or message.get("from_finalize")):
            out += self._end(end)
        return out


class DeepgramFluxStt(_Engine):
    """Deepgram Flux (conversational STT, v2): the server decides turns, eagerly if
    ``eager_eot_threshold`` is set."""

    def __init__(
        self,
        model: str = "flux-general-en",
        *,
        base_url: str | None = None,
        api_key: str | ApiKey | None = None,
        sample_rate_hz: int = 16000,
        eot_threshold: float | None = None,
        eager_eot_threshold: float | None = 0.5,
        eot_timeout_ms: int | None = None,
        params: dict[str, str] | None = None,
        backoff: Backoff | None = None,
        cache_dir: object = None,
    ) -> None:
        del cache_dir  # a hosted engine keeps nothing on disk (the cascade passes one to every STT)
        super().__init__(
            base_url=base_url, api_key=api_key, sample_rate_hz=sample_rate_hz, backoff=backoff
        )
        query = {"model": model, "encoding": "linear16", "sample_rate": str(sample_rate_hz)}
        for name, value, low, high in (
            ("eot_threshold", eot_threshold, 0.5, 1.0),
            ("eager_eot_threshold", eager_eot_threshold, 0.3, 0.9),
        ):
            if value is not None:
                if not low <= value <= high:
                    raise ConfigError(f"deepgram-flux: {name} must be in [{low}, {high}]")
                query[name] = str(value)
        if eot_timeout_ms is not None:
            query["eot_timeout_ms"] = str(eot_timeout_ms)
        query.update(params or {})
        self.url = f"{self.base_url}/v2/listen?{urlencode(query)}"

    async def open(self) -> SttStream:
        stream = _FluxStream(
            self.url, key=self._key, sample_rate_hz=self._rate, backoff=self.backoff
        )
        await stream.start()
        return stream


class _FluxStream(DeepgramStream):
    provider = "deepgram-flux"

    async def finalize(self) -> None:
        # Flux has no flush message in its published types: ending the stream makes the
        # server finish the turn in progress and close.
        await self.send_json({"type": "CloseStream"})

    def handle(self, message: dict[str, Any]) -> list[SttEvent]:
        kind = message.get("type")
        if kind == "Error":
            code = str(message.get("code") or "")
            desc = str(message.get("description") or "")
            raise BackendError(f"deepgram-flux: {code}: {desc}", retryable="INTERNAL" in code)
        if kind != "TurnInfo":
            return []  # Connected, ConfigureSuccess/Failure and anything newer
        event = message.get("event")
        text = str(message.get("transcript") or "").strip()
        start = self.ms(message.get("audio_window_start"))
        end = self.ms(message.get("audio_window_end"))
        confidence = message.get("end_of_turn_confidence")
        conf = float(confidence) if isinstance(confidence, (int, float)) else None
        if event == "StartOfTurn":
            out: list[SttEvent] = [SttSpeechStarted(start)]
            if text:
                out.append(SttTranscript(text, False, start, end))
            return out
        if event == "Update":
            return [SttTranscript(text, False, start, end)] if text else []
        if event == "EagerEndOfTurn":
            return [SttEndOfTurn(text, eager=True, at_ms=end, confidence=conf)]
        if event == "TurnResumed":
            return [SttTurnResumed(end)]
        if event == "EndOfTurn":
            return [
                SttTranscript(text, True, start, end),
                SttEndOfTurn(text, at_ms=end, confidence=conf),
            ]
        return []
