"""Deepgram listen v1, Flux and Aura against the loopback fake; the wire is checked with the
deepgram-sdk types."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vona.adapters._hosted import Backoff
from vona.adapters.deepgram import DeepgramAuraTts, DeepgramFluxStt, DeepgramStt
from vona.adapters.deepgram.fake import DeepgramFake
from vona.backends.cascade.streaming import (
    SttEndOfTurn,
    SttEvent,
    SttSpeechStarted,
    SttTranscript,
    SttTurnResumed,
    TtsAudio,
)
from vona.errors import AudioFormatError, BackendError, ConfigError
from vona.testing.virtual_time import run_virtual

FAST = Backoff(attempts=2, initial_s=0.01, max_s=0.02)
CHUNK = np.full(320, 2000, np.int16)  # 20 ms at 16 kHz


async def _until(stream: Any, pred: Any, limit: int = 50) -> list[SttEvent]:
    out: list[SttEvent] = []

    async def read() -> None:
        async for e in stream.events():
            out.append(e)
            if pred(e) or len(out) >= limit:
                return

    await asyncio.wait_for(read(), timeout=10)
    return out


def _validate_client_message(d: dict[str, Any]) -> None:
    from deepgram.listen.v1.types import ListenV1CloseStream, ListenV1Finalize, ListenV1KeepAlive
    from deepgram.speak.v1.types import SpeakV1Clear, SpeakV1Close, SpeakV1Flush, SpeakV1Text

    cls = {
        "KeepAlive": ListenV1KeepAlive,
        "Finalize": ListenV1Finalize,
        "CloseStream": ListenV1CloseStream,
        "Speak": SpeakV1Text,
        "Flush": SpeakV1Flush,
        "Clear": SpeakV1Clear,
        "Close": SpeakV1Close,
    }[d["type"]]
    cls.model_validate(d)


async def test_listen_v1_turn_events_and_sdk_valid_messages() -> None:
    from deepgram.listen.v1.types import (
        ListenV1Results,
        ListenV1SpeechStarted,
        ListenV1UtteranceEnd,
    )

    async with DeepgramFake(transcripts=["what's the weather in paris"]) as fake:
        stt = DeepgramStt(base_url=fake.base_url, api_key="test-key", backoff=FAST)
        stream = await stt.open()
        for _ in range(10):  # 200 ms: one turn
            await stream.push(CHUNK)
        events = await _until(stream, lambda e: isinstance(e, SttEndOfTurn))
        await stream.finalize()
        await stream.close()
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["SttSpeechStarted", "SttTranscript", "SttTranscript", "SttEndOfTurn"]
    assert events[1] == SttTranscript("what's the", False, 0.0, events[1].end_ms, events[1].words)  # type: ignore[union-attr]
    final = events[2]
    assert isinstance(final, SttTranscript)
    assert final.final
    assert final.words[0].word == "what's"
    assert final.words[0].start_ms == pytest.approx(100.0)
    assert events[3] == SttEndOfTurn(
        "what's the weather in paris", at_ms=pytest.approx(events[3].at_ms)
    )  # type: ignore[union-attr]
    assert fake.audio_bytes == 10 * 640
    sent = fake.messages()
    assert [m["type"] for m in sent] == ["Finalize", "CloseStream"]
    for m in sent:
        _validate_client_message(m)
    for m in fake.sent:  # what the fake says is what Deepgram says
        if m["type"] == "Results":
            ListenV1Results.model_validate(m)
        elif m["type"] == "SpeechStarted":
            ListenV1SpeechStarted.model_validate(m)
        elif m["type"] == "UtteranceEnd":
            ListenV1UtteranceEnd.model_validate(m)
    query = dict(p.split("=") for p in fake.connections[0].path.split("?")[1].split("&"))
    assert query["encoding"] == "linear16"
    assert query["sample_rate"] == "16000"
    assert query["interim_results"] == "true"
    assert query["vad_events"] == "true"


def test_keepalive_during_silence_on_the_virtual_clock() -> None:
    async def main() -> list[dict[str, Any]]:
        async with DeepgramFake() as fake:
            stt = DeepgramStt(base_url=fake.base_url, api_key="test-key", keepalive_s=4.0)
            stream = await stt.open()
            await stream.push(CHUNK)
            await asyncio.sleep(9.0)  # silence: two KeepAlives, one every 4 s
            await stream.close()
            return fake.messages()

    sent = run_virtual(main())
    assert [m["type"] for m in sent] == ["KeepAlive", "KeepAlive", "CloseStream"]
    for m in sent:
        _validate_client_message(m)


async def test_flux_turninfo_maps_to_eager_end_resumed_and_end() -> None:
    from deepgram.listen.v2.types import ListenV2Connected, ListenV2TurnInfo

    async with DeepgramFake(transcripts=["book a table for two"], flux_resume=True) as fake:
        stt = DeepgramFluxStt(base_url=fake.base_url, api_key="test-key", eager_eot_threshold=0.5)
        stream = await stt.open()
        for _ in range(10):
            await stream.push(CHUNK)
        first = await _until(stream, lambda e: isinstance(e, SttTurnResumed))
        for _ in range(10):
            await stream.push(CHUNK)
        second = await _until(stream, lambda e: isinstance(e, SttEndOfTurn) and not e.eager)
        await stream.close()
    assert [type(e) for e in first] == [
        SttSpeechStarted,
        SttTranscript,
        SttTranscript,
        SttEndOfTurn,
        SttTurnResumed,
    ]
    eager = first[3]
    assert isinstance(eager, SttEndOfTurn)
    assert eager.eager
    assert eager.transcript == "book a"
    assert eager.confidence == pytest.approx(0.55)
    assert [type(e) for e in second] == [SttTranscript, SttEndOfTurn, SttTranscript, SttEndOfTurn]
    assert second[-1] == SttEndOfTurn("book a table for two", at_ms=1000.0, confidence=0.9)
    assert "eager_eot_threshold=0.5" in fake.connections[0].path
    assert fake.connections[0].path.startswith("/v2/listen?model=flux-general-en")
    for m in fake.sent:
        (ListenV2Connected if m["type"] == "Connected" else ListenV2TurnInfo).model_validate(m)
    from deepgram.listen.v2.types import ListenV2CloseStream

    for m in fake.messages():
        ListenV2CloseStream.model_validate(m)


async def test_dropped_listen_socket_reconnects_and_keeps_listening() -> None:
    async with DeepgramFake(transcripts=["one", "two"], drop_after_turns=1) as fake:
        stt = DeepgramStt(base_url=fake.base_url, api_key="test-key", backoff=FAST)
        stream = await stt.open()
        for _ in range(10):
            await stream.push(CHUNK)
        first = await _until(stream, lambda e: isinstance(e, SttEndOfTurn))
        await stream.push(np.zeros(320, np.int16))  # a pause, then the next question
        for _ in range(10):
            await stream.push(CHUNK)
        second = await _until(stream, lambda e: isinstance(e, SttEndOfTurn))
        await stream.close()
    assert first[-1].transcript == "one"
    assert second[-1].transcript == "two"
    assert len(fake.connections) == 2
    assert stream.reconnects == 1
    # times on the new socket continue the stream's timeline
    speech = [e for e in second if isinstance(e, SttSpeechStarted)]
    assert speech
    assert speech[0].at_ms >= 200.0


async def test_bad_key_refused_and_not_retried_and_not_leaked() -> None:
    async with DeepgramFake(api_key="right") as fake:
        stt = DeepgramStt(base_url=fake.base_url, api_key="dg-secret-123", backoff=FAST)
        with pytest.raises(BackendError) as info:
            await stt.open()
    assert info.value.retryable is False
    assert "401" in str(info.value)
    assert "dg-secret-123" not in str(info.value)
    assert "dg-secret-123" not in repr(stt)
    assert len(fake.rejected) == 1


@pytest.mark.parametrize("status", [429, 500])
async def test_overload_on_connect_is_retried_then_retryable(status: int) -> None:
    async with DeepgramFake(status=status) as fake:
        tts = DeepgramAuraTts(base_url=fake.base_url, api_key="test-key", backoff=FAST)
        with pytest.raises(BackendError) as info:
            await tts.open()
    assert info.value.retryable is True
    assert len(fake.rejected) == 1 + FAST.attempts


async def test_aura_speaks_sentences_as_they_complete_then_ends_after_flushed() -> None:
    from deepgram.speak.v1.types import SpeakV1Flushed, SpeakV1Metadata

    async with DeepgramFake(ms_per_char=10) as fake:
        tts = DeepgramAuraTts(base_url=fake.base_url, api_key="test-key")
        stream = await tts.open()
        await stream.push_text("Hello there. How")
        await stream.push_text(" are you?")
        await stream.flush()
        chunks = [c async for c in stream.audio()]
        await tts.aclose()
    assert fake.spoken == ["Hello there.", "How are you?"]
    total = sum(len(c.samples) for c in chunks)
    assert total == (len("Hello there.") + len("How are you?")) * 10 * 24
    assert all(isinstance(c, TtsAudio) and c.samples.dtype == np.int16 for c in chunks)
    sent = fake.messages()
    assert [m["type"] for m in sent] == ["Speak", "Flush", "Speak", "Flush", "Close"]
    for m in sent:
        _validate_client_message(m)
    for m in fake.sent:
        (SpeakV1Metadata if m["type"] == "Metadata" else SpeakV1Flushed).model_validate(m)


async def test_aura_cancel_clears_and_no_stale_audio_reaches_the_next_reply() -> None:
    async with DeepgramFake(ms_per_char=40, chunk_delay_s=0.01) as fake:
        tts = DeepgramAuraTts(base_url=fake.base_url, api_key="test-key")
        first = await tts.open()
        await first.push_text("A long first reply that keeps going for a while. ")
        it = first.audio().__aiter__()
        await it.__anext__()
        await first.cancel()
        assert [c async for c in it] == []
        second = await tts.open()
        await second.push_text("Two.")
        await second.flush()
        chunks = [c async for c in second.audio()]
        await tts.aclose()
    assert fake.cleared == 1
    assert sum(len(c.samples) for c in chunks) == len("Two.") * 40 * 24
    # the second reply's audio is exactly the fake's rendering of "Two." (nothing stale mixed in)
    assert [m["type"] for m in fake.messages()][:3] == ["Speak", "Flush", "Clear"]


async def test_aura_dropped_socket_mid_reply_fails_retryable_and_next_open_redials() -> None:
    async with DeepgramFake(ms_per_char=40, chunk_delay_s=0.02) as fake:
        tts = DeepgramAuraTts(base_url=fake.base_url, api_key="test-key")
        stream = await tts.open()
        await stream.push_text("Hello there. ")
        it = stream.audio().__aiter__()
        await it.__anext__()
        for conn in list(fake._server.connections):  # type: ignore[union-attr]
            conn.transport.abort()
        with pytest.raises(BackendError) as info:
            async for _ in it:
                pass
        assert info.value.retryable is True
        again = await tts.open()
        await again.push_text("Hi.")
        await again.flush()
        assert sum(len(c.samples) for c in [c async for c in again.audio()]) > 0
        await tts.aclose()
    assert len(fake.connections) == 2


async def test_push_checks_audio_and_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    async with DeepgramFake() as fake:
        stream = await DeepgramStt(base_url=fake.base_url, api_key="test-key").open()
        with pytest.raises(AudioFormatError):
            await stream.push(np.zeros(10, np.float32))  # type: ignore[arg-type]
        await stream.close()
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="DEEPGRAM_API_KEY"):
        DeepgramStt()
    monkeypatch.setenv("DEEPGRAM_API_KEY", "k")
    monkeypatch.setenv("DEEPGRAM_BASE_URL", "ws://127.0.0.1:1")
    assert DeepgramFluxStt().base_url == "ws://127.0.0.1:1"
    with pytest.raises(ConfigError, match="eager_eot_threshold"):
        DeepgramFluxStt(eager_eot_threshold=0.95)
    with pytest.raises(ConfigError, match="utterance_end_ms"):
        DeepgramStt(utterance_end_ms=500)


@pytest.mark.parametrize("samples", [10, 62, 63, 320, 32767, 32768, 40000])
async def test_audio_frames_of_every_length_class_arrive_intact(samples: int) -> None:
    """The direct frame writer's three length encodings (7-bit, 16-bit, 64-bit)."""
    received: list[bytes] = []

    class Recording(DeepgramFake):
        async def serve_connection(self, ws: Any, index: int) -> None:
            async for raw in ws:
                if isinstance(raw, bytes):
                    received.append(raw)
                elif "CloseStream" in raw:
                    await ws.close(1000)
                    return

    pcm = (np.arange(samples) % 2000 - 1000).astype(np.int16)
    async with Recording() as fake:
        stream = await DeepgramStt(base_url=fake.base_url, api_key="test-key").open()
        await stream.push(pcm)
        await stream.push(pcm[::-1].copy())
        await stream.close()
    assert received == [pcm.tobytes(), pcm[::-1].tobytes()]
