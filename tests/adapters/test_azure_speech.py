"""Azure Speech REST TTS (streamed per sentence) and per-utterance STT against the loopback fake."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from vona.adapters._hosted import Backoff
from vona.adapters.azure_speech import AzureSpeechStt, AzureSpeechTts
from vona.adapters.azure_speech.fake import AzureSpeechFake
from vona.adapters.azure_speech.tts import ssml
from vona.backends.cascade.protocols import SpeechToText
from vona.backends.cascade.streaming import StreamingTextToSpeech
from vona.errors import AudioFormatError, BackendError, ConfigError

FAST = Backoff(attempts=2, initial_s=0.01, max_s=0.02)


def _tts(fake: AzureSpeechFake, **kw: object) -> AzureSpeechTts:
    return AzureSpeechTts(base_url=fake.base_url, api_key="test-key", backoff=FAST, **kw)  # type: ignore[arg-type]


def _stt(fake: AzureSpeechFake, **kw: object) -> AzureSpeechStt:
    return AzureSpeechStt(base_url=fake.base_url, api_key="test-key", backoff=FAST, **kw)  # type: ignore[arg-type]


async def test_tts_streams_each_sentence_as_it_completes() -> None:
    async with AzureSpeechFake(ms_per_char=10, chunk_ms=40) as fake:
        tts = _tts(fake)
        assert isinstance(tts, StreamingTextToSpeech)
        stream = await tts.open()
        await stream.push_text("Hello <there> & you. Second")
        it = stream.audio().__aiter__()
        first = await it.__anext__()  # audio of sentence one before the reply is complete
        await stream.push_text(" one?")
        await stream.flush()
        rest = [c async for c in it]
    chunks = [first, *rest]
    assert fake.spoken == ["Hello <there> & you.", "Second one?"]
    assert sum(len(c.samples) for c in chunks) == (20 + 11) * 10 * 24
    req = fake.requests[0]
    assert req.headers["x-microsoft-outputformat"] == "raw-24khz-16bit-mono-pcm"
    assert req.headers["content-type"] == "application/ssml+xml"
    assert b"&lt;there&gt; &amp; you." in req.body


async def test_tts_cancel_stops_the_request_and_drops_queued_audio() -> None:
    async with AzureSpeechFake(ms_per_char=40, chunk_ms=20, chunk_delay_s=0.01) as fake:
        stream = await _tts(fake).open()
        await stream.push_text("A long sentence that will take a good while to speak. And more. ")
        it = stream.audio().__aiter__()
        await it.__anext__()
        await stream.cancel()
        assert [c async for c in it] == []
        for _ in range(200):
            if fake.aborted:
                break
            await asyncio.sleep(0.01)
    assert fake.aborted == 1
    assert len(fake.spoken) == 1


@pytest.mark.parametrize("status", [429, 500])
async def test_tts_overload_retried_then_succeeds(status: int) -> None:
    async with AzureSpeechFake(statuses=[status]) as fake:
        stream = await _tts(fake).open()
        await stream.push_text("Hi.")
        await stream.flush()
        chunks = [c async for c in stream.audio()]
    assert sum(len(c.samples) for c in chunks) == 3 * 10 * 24
    assert len(fake.requests) == 2


async def test_tts_bad_key_is_fatal_and_redacted() -> None:
    async with AzureSpeechFake(api_key="right") as fake:
        tts = AzureSpeechTts(base_url=fake.base_url, api_key="az-secret-7", backoff=FAST)
        stream = await tts.open()
        await stream.push_text("Hi.")
        await stream.flush()
        with pytest.raises(BackendError) as info:
            [c async for c in stream.audio()]
    assert info.value.retryable is False
    assert "401" in str(info.value)
    assert "az-secret-7" not in str(info.value) + repr(tts)
    assert len(fake.requests) == 1


async def test_tts_connection_dropped_mid_sentence_is_retryable() -> None:
    async with AzureSpeechFake(ms_per_char=40, chunk_ms=20, drop_after=2) as fake:
        stream = await _tts(fake).open()
        await stream.push_text("A sentence long enough to be cut.")
        await stream.flush()
        with pytest.raises(BackendError) as info:
            [c async for c in stream.audio()]
    assert info.value.retryable is True


def _voice(seconds: float, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


async def test_stt_transcribes_an_utterance_and_silence_is_empty() -> None:
    async with AzureSpeechFake(transcript="what's the weather in paris") as fake:
        stt = _stt(fake, language="en-GB")
        assert isinstance(stt, SpeechToText)
        text = await asyncio.to_thread(stt.transcribe, _voice(1.0))
        silent = await asyncio.to_thread(stt.transcribe, np.zeros(8000, np.float32))
    assert text == "what's the weather in paris"
    assert silent == ""
    req = fake.requests[0]
    assert req.query == {"language": "en-GB", "format": "simple"}
    assert req.headers["content-type"] == "audio/wav; codecs=audio/pcm; samplerate=16000"
    assert fake.heard_samples == [16000, 8000]


async def test_stt_errors() -> None:
    async with AzureSpeechFake(statuses=[503, 503, 503]) as fake:
        with pytest.raises(BackendError) as info:
            await asyncio.to_thread(_stt(fake).transcribe, _voice(0.2))
        assert info.value.retryable is True
        assert len(fake.requests) == 3
    async with AzureSpeechFake(api_key="right") as fake:
        with pytest.raises(BackendError) as info:
            await asyncio.to_thread(_stt(fake).transcribe, _voice(0.2))
        assert info.value.retryable is False
    async with AzureSpeechFake(statuses=[429]) as fake:
        assert await asyncio.to_thread(_stt(fake).transcribe, _voice(0.5)) != ""
    offline = AzureSpeechStt(base_url="http://127.0.0.1:9", api_key="k")
    with pytest.raises(AudioFormatError):
        offline.transcribe(np.zeros(10, np.float64))  # type: ignore[arg-type]
    with pytest.raises(AudioFormatError, match="60 s"):
        offline.transcribe(np.zeros(61 * 16000, np.float32))


def test_endpoint_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_SPEECH_ENDPOINT", "AZURE_SPEECH_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_SPEECH_KEY", "k")
    with pytest.raises(ConfigError, match="AZURE_SPEECH_ENDPOINT"):
        AzureSpeechTts()
    assert (
        AzureSpeechTts(region="westeurope").base_url
        == "https://westeurope.tts.speech.microsoft.com"
    )
    monkeypatch.setenv("AZURE_SPEECH_REGION", "eastus")
    assert AzureSpeechStt().base_url == "https://eastus.stt.speech.microsoft.com"
    monkeypatch.setenv("AZURE_SPEECH_ENDPOINT", "http://127.0.0.1:5/")
    assert AzureSpeechStt().base_url == "http://127.0.0.1:5"
    monkeypatch.delenv("AZURE_SPEECH_KEY")
    with pytest.raises(ConfigError, match="AZURE_SPEECH_KEY"):
        AzureSpeechStt()
    assert ssml("a<b", "v", "en-US").endswith('<voice name="v">a&lt;b</voice></speak>')
