"""ElevenLabs stream-input and multi-stream-input against the loopback fake; wire checked with
the elevenlabs SDK's types."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vona.adapters._hosted import Backoff
from vona.adapters.elevenlabs import ElevenLabsTts
from vona.adapters.elevenlabs.alignment import WordAligner
from vona.adapters.elevenlabs.fake import ElevenLabsFake
from vona.backends.cascade.streaming import TtsAudio, WordTiming
from vona.errors import BackendError, ConfigError
from vona.testing.virtual_time import run_virtual

FAST = Backoff(attempts=2, initial_s=0.01, max_s=0.02)


def _tts(fake: ElevenLabsFake, **kw: Any) -> ElevenLabsTts:
    return ElevenLabsTts("voice1", base_url=fake.base_url, api_key="test-key", backoff=FAST, **kw)


def _validate(d: dict[str, Any], multi: bool) -> None:
    """Each client message against the SDK model of its kind."""
    from elevenlabs.types import (
        CloseContext,
        CloseSocket,
        FlushContext,
        InitializeConnection,
        InitializeConnectionMulti,
        KeepContextAlive,
        SendText,
        SendTextMulti,
    )

    if not multi:
        (InitializeConnection if d.get("voice_settings") else SendText).model_validate(d)
        return
    if d.get("close_socket"):
        CloseSocket.model_validate(d)
    elif d.get("close_context"):
        CloseContext.model_validate(d)
    elif d.get("flush"):
        FlushContext.model_validate(d)
    elif d.get("voice_settings"):
        InitializeConnectionMulti.model_validate(d)
    elif d.get("text") == "":
        KeepContextAlive.model_validate(d)
    else:
        SendTextMulti.model_validate(d)
    assert "context_id" in d or d.get("close_socket")
    assert "contextId" not in d  # the camelCase name is the server's


def _validate_server(d: dict[str, Any], multi: bool) -> None:
    from elevenlabs.types import AudioOutput, AudioOutputMulti, FinalOutput, FinalOutputMulti

    if d.get("audio"):
        (AudioOutputMulti if multi else AudioOutput).model_validate(d)
    else:
        (FinalOutputMulti if multi else FinalOutput).model_validate(d)


async def _speak(tts: ElevenLabsTts, *deltas: str) -> list[TtsAudio]:
    stream = await tts.open()
    for d in deltas:
        await stream.push_text(d)
    await stream.flush()
    return [c async for c in stream.audio()]


@pytest.mark.parametrize("multi", [True, False])
async def test_reply_audio_and_word_timings(multi: bool) -> None:
    async with ElevenLabsFake(ms_per_char=10, chars_per_chunk=8) as fake:
        tts = _tts(fake, multi=multi)
        chunks = await _speak(tts, "Hel", "lo the", "re, how are", " you")
        await tts.aclose()
    text = "Hello there, how are you "  # the fake speaks every character it was sent
    assert "".join(t for _, t in fake.spoken) == text
    assert sum(len(c.samples) for c in chunks) == len(text) * 10 * 24
    assert all(c.samples.dtype == np.int16 for c in chunks)
    words = [w for c in chunks for w in c.words]
    assert [w.word for w in words] == ["Hello", "there,", "how", "are", "you"]
    assert words[0] == WordTiming("Hello", 0.0, 50.0)
    assert words[1] == WordTiming("there,", 60.0, 120.0)  # times run on across chunks
    assert words[-1].end_ms == pytest.approx((len(text) - 1) * 10.0)
    assert fake.violations == []
    # whole words only went out while the reply was being written
    texts = [m.get("text") for m in fake.messages() if m.get("text", "").strip()]
    assert texts == ["Hello ", "there, how ", "are ", "you "]
    for m in fake.messages():
        _validate(m, multi)
    for m in fake.sent:
        _validate_server(m, multi)


async def test_multi_context_per_reply_and_cancel_drops_the_old_context() -> None:
    async with ElevenLabsFake(ms_per_char=20, chars_per_chunk=4, chunk_delay_s=0.01) as fake:
        tts = _tts(fake)
        first = await tts.open()
        await first.push_text("This first reply goes on and on and on. ")
        await first.flush()
        it = first.audio().__aiter__()
        await it.__anext__()
        await first.cancel()
        assert [c async for c in it] == []
        second = await tts.open()
        await second.push_text("Two ")
        await second.flush()
        chunks = [c async for c in second.audio()]
        await tts.aclose()
    assert fake.spoken[-1] == ("vona-2", "Two ")
    assert sum(len(c.samples) for c in chunks) == len("Two ") * 20 * 24
    assert [w.word for c in chunks for w in c.words] == ["Two"]
    closes = [m["context_id"] for m in fake.messages() if m.get("close_context")]
    assert closes == ["vona-1", "vona-1", "vona-2"]  # flush's close, cancel's close, reply 2
    assert len(fake.connections) == 1
    assert fake.violations == []
    for m in fake.messages():
        _validate(m, True)


def test_keepalive_while_waiting_for_text_virtual_clock() -> None:
    async def main(multi: bool) -> tuple[list[dict[str, Any]], int, list[str]]:
        async with ElevenLabsFake() as fake:
            tts = _tts(fake, multi=multi, keepalive_s=15.0)
            stream = await tts.open()
            await stream.push_text("Let me check ")
            await asyncio.sleep(40.0)  # a slow tool: two keep-alives
            await stream.push_text("that. ")
            await stream.flush()
            [c async for c in stream.audio()]
            await tts.aclose()
            return fake.messages(), fake.keepalives, fake.violations

    sent, keepalives, violations = run_virtual(main(False))
    assert keepalives == 2
    assert violations == []
    assert [m for m in sent if m.get("text") == ""] == [{"text": ""}]  # only the end of input
    assert sent.index({"text": ""}) == len(sent) - 1
    sent, keepalives, violations = run_virtual(main(True))
    assert keepalives == 2
    assert violations == []
    alive = [m for m in sent if m.get("text") == ""]
    assert alive == [{"text": "", "context_id": "vona-1"}] * 2
    for m in sent:
        _validate(m, True)


async def test_bad_key_is_fatal_and_redacted() -> None:
    async with ElevenLabsFake(api_key="right") as fake:
        tts = ElevenLabsTts("v", base_url=fake.base_url, api_key="xi-secret-42", backoff=FAST)
        with pytest.raises(BackendError) as info:
            await tts.open()
    assert info.value.retryable is False
    assert "401" in str(info.value)
    assert "xi-secret-42" not in str(info.value) + repr(tts) + repr(info.value.__cause__)
    assert len(fake.rejected) == 1


@pytest.mark.parametrize("status", [429, 503])
async def test_overload_on_connect_is_retryable(status: int) -> None:
    async with ElevenLabsFake(status=status) as fake:
        with pytest.raises(BackendError) as info:
            await _tts(fake).open()
    assert info.value.retryable is True
    assert len(fake.rejected) == 1 + FAST.attempts


async def test_dropped_socket_mid_reply_is_retryable_and_next_reply_redials() -> None:
    async with ElevenLabsFake(ms_per_char=20, chars_per_chunk=4, drop_after_chunks=2) as fake:
        tts = _tts(fake)
        with pytest.raises(BackendError) as info:
            await _speak(tts, "A reply that will be cut off. ")
        assert info.value.retryable is True
        chunks = await _speak(tts, "Again ")
        await tts.aclose()
    assert sum(len(c.samples) for c in chunks) == len("Again ") * 20 * 24
    assert len(fake.connections) == 2


def test_aligner_carries_a_word_across_chunks() -> None:
    a = WordAligner()
    first = a.feed(
        {"chars": list("ab c"), "charStartTimesMs": [0, 10, 20, 30], "charDurationsMs": [10] * 4},
        0.0,
    )
    second = a.feed(
        {"chars": list("d e"), "charStartTimesMs": [0, 10, 20], "charDurationsMs": [10] * 3}, 40.0
    )
    assert first == (WordTiming("ab", 0.0, 20.0),)
    assert second == (WordTiming("cd", 30.0, 50.0),)
    assert a.finish() == (WordTiming("e", 60.0, 70.0),)
    assert a.feed(None, 0.0) == ()


def test_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="ELEVENLABS_API_KEY"):
        ElevenLabsTts()
    monkeypatch.setenv("ELEVENLABS_API_KEY", "k")
    with pytest.raises(ConfigError, match="output_format"):
        ElevenLabsTts(output_format="mp3_44100_128")
    monkeypatch.setenv("ELEVENLABS_BASE_URL", "ws://127.0.0.1:1")
    tts = ElevenLabsTts(output_format="pcm_16000")
    assert tts.sample_rate_hz == 16000
    assert tts.url.startswith("ws://127.0.0.1:1/v1/text-to-speech/")
