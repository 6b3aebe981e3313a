"""Gemini Live specifics: resumption on goAway and on transient closes, snake_case and
URL-safe base64 from the server, tool call cancellation, setup errors as close codes."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed

from vona import (
    AudioDelta,
    ExternalContextEvent,
    RealtimeError,
    ResponseDone,
    SessionConfig,
    ToolCall,
    TranscriptDelta,
    UnknownEvent,
    Usage,
)
from vona.adapters.gemini_live import GeminiLiveBackend, GeminiLiveSession, build_setup
from vona.adapters.gemini_live.fake import GeminiLiveFake
from vona.errors import BackendError, ConfigError
from vona.testing.loopback import FakeScript, FakeToolCall, FakeTurn


def done(e: object) -> bool:
    return isinstance(e, ResponseDone)


async def test_go_away_reconnects_with_the_resumption_handle(providers, helpers):
    gemini = providers["gemini"]
    async with gemini.fake(FakeScript(go_away_after_turns=1)) as fake:
        session = await gemini.connect(fake)
        await helpers.send_speech(session, 300, 16_000)
        await helpers.collect(session, done)
        events = await helpers.collect(
            session, lambda e: isinstance(e, RealtimeError) and e.code == "reconnected"
        )
        assert "goAway" in events[-1].message
        await helpers.send_speech(session, 300, 16_000)
        await helpers.collect(session, done)
        await session.close()
    assert fake.resumed_with == ["handle-1"]
    setups = fake.messages("setup")
    assert setups[0]["setup"]["sessionResumption"] == {}
    assert setups[1]["setup"]["sessionResumption"] == {"handle": "handle-1"}
    assert session.resumption_handle == "handle-2"


async def test_transient_close_resumes_the_session(providers, helpers):
    gemini = providers["gemini"]
    async with gemini.fake(FakeScript(transient_close_after_turns=1)) as fake:
        session = await gemini.connect(fake)
        await helpers.send_speech(session, 300, 16_000)
        await helpers.collect(session, done)
        await helpers.collect(session, lambda e: getattr(e, "code", None) == "reconnected")
        await session.close()
    assert fake.resumed_with == ["handle-1"]


async def test_server_frames_are_binary_json(providers):
    gemini = providers["gemini"]
    async with gemini.fake() as fake:
        session = await gemini.connect(fake)
        await session.close()
    assert fake.binary_frames
    assert fake.sent[0] == {"setupComplete": {}}


def _session() -> GeminiLiveSession:
    return GeminiLiveSession(
        url="ws://127.0.0.1:9/x",
        headers={},
        secrets=(),
        setup={"model": "models/m"},
        input_rate_hz=16_000,
        output_rate_hz=24_000,
        manual_turns=False,
    )


def test_snake_case_and_url_safe_audio_are_understood():
    session = _session()
    pcm = np.array([-1, 0, 1, 32767, -32768, 251, -252], dtype=np.int16)
    urlsafe = base64.urlsafe_b64encode(pcm.tobytes()).decode()
    assert "-" in urlsafe or "_" in urlsafe
    message = {
        "server_content": {
            "model_turn": {
                "parts": [{"inline_data": {"mime_type": "audio/pcm;rate=16000", "data": urlsafe}}]
            },
            "output_transcription": {"text": "hi", "finished": True},
            "turn_complete": True,
        },
        "usage_metadata": {"prompt_token_count": 3, "response_token_count": 4},
    }
    events = session.decode(json.dumps(message).encode())
    usage, audio, text, final, end = events
    assert isinstance(usage, Usage)
    assert (usage.input_tokens, usage.output_tokens) == (3, 4)
    assert isinstance(audio, AudioDelta)
    assert audio.sample_rate_hz == 16_000
    np.testing.assert_array_equal(audio.samples, pcm)
    assert text == TranscriptDelta("hi", "assistant", False)
    assert final == TranscriptDelta("hi", "assistant", True)
    assert end == ResponseDone(None, "completed")


def test_bad_audio_is_a_protocol_error_not_a_crash():
    session = _session()
    for data in ("%%%", "AAA"):  # not base64 / odd byte count
        message = {"serverContent": {"modelTurn": {"parts": [{"inlineData": {"data": data}}]}}}
        (event,) = session.decode(json.dumps(message))
        assert isinstance(event, RealtimeError)
        assert event.code == "protocol_error"
    (event,) = session.decode("[1, 2]")
    assert isinstance(event, RealtimeError)
    assert "JSON object" in event.message


async def test_cancelled_tool_calls_are_not_answered(providers, helpers):
    gemini = providers["gemini"]
    call = FakeToolCall("get_weather", {"city": "Paris"}, call_id="fc_9", withdrawn=True)
    async with gemini.fake(FakeScript(turns=[FakeTurn(tool_call=call)])) as fake:
        session = await gemini.connect(fake)
        await helpers.send_speech(session, 300, 16_000)
        events = await helpers.collect(session, lambda e: isinstance(e, UnknownEvent))
        tc = next(e for e in events if isinstance(e, ToolCall))
        assert events[-1].event_type == "toolCallCancellation"
        await session.send_event(ExternalContextEvent.tool_result(tc.call_id, tc.name, 18))
        # a later call's result still goes through
        await session.send_event(ExternalContextEvent.tool_result("fc_10", "get_weather", 19))
        await helpers.until_true(lambda: fake.messages("toolResponse"))
        await session.close()
    (response,) = fake.messages("toolResponse")
    assert [r["id"] for r in response["toolResponse"]["functionResponses"]] == ["fc_10"]


async def test_setup_rejections_are_not_retryable(providers):
    gemini = providers["gemini"]
    async with gemini.fake() as fake:
        backend = GeminiLiveBackend(
            api_key=fake.api_key, base_url=fake.base_url, model="projects/x"
        )
        with pytest.raises(BackendError, match="not found") as info:
            await backend.connect(SessionConfig())
        assert info.value.retryable is False


def test_setup_mapping():
    config = SessionConfig(instructions="Hi", voice="Kore", tool_choice="none")
    setup = build_setup(config, model="gemini-x", voice="Puck", transcribe=False)
    assert setup["model"] == "models/gemini-x"
    assert setup["systemInstruction"] == {"parts": [{"text": "Hi"}]}
    assert "tools" not in setup
    assert "inputAudioTranscription" not in setup
    voice = setup["generationConfig"]["speechConfig"]["voiceConfig"]["prebuiltVoiceConfig"]
    assert voice == {"voiceName": "Puck"}
    with pytest.raises(ConfigError, match="pcm16"):
        build_setup(
            SessionConfig(input_format={"encoding": "opus"}), model="m", voice="v", transcribe=True
        )


def test_key_from_environment(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", "env-google-key")
    backend = GeminiLiveBackend()
    assert "env-google-key" not in repr(backend)
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(ConfigError, match="GEMINI_API_KEY or GOOGLE_API_KEY"):
        GeminiLiveBackend()


async def test_fake_accepts_the_key_as_a_query_parameter():
    from websockets.asyncio.client import connect

    async with GeminiLiveFake() as fake:
        path = "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent"
        async with connect(f"{fake.base_url}{path}?key={fake.api_key}") as ws:
            await ws.send(json.dumps({"setup": {"model": "models/m"}}))
            reply = await ws.recv()
        assert isinstance(reply, bytes)
        assert json.loads(reply) == {"setupComplete": {}}
        async with connect(f"{fake.base_url}{path}?key=wrong") as ws:
            await ws.send(json.dumps({"setup": {"model": "models/m"}}))
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
        assert info.value.rcvd.code == 1008


@pytest.mark.parametrize(("snake", "urlsafe"), [(True, False), (False, True), (True, True)])
async def test_snake_case_server_and_url_safe_audio_end_to_end(snake, urlsafe, helpers):
    from vona.testing.loopback import reply_pcm

    async with GeminiLiveFake(snake_case=snake, urlsafe_audio=urlsafe) as fake:
        backend = GeminiLiveBackend(api_key=fake.api_key, base_url=fake.base_url)
        session = await backend.connect(SessionConfig())
        await helpers.send_speech(session, 300, 16_000)
        events = await helpers.collect(session, done)
        await session.close()
    audio = np.concatenate([e.samples for e in events if isinstance(e, AudioDelta)])
    np.testing.assert_array_equal(audio, reply_pcm(600, 24_000))
    finals = [e.text for e in events if isinstance(e, TranscriptDelta) and e.final]
    assert finals == ["What's the weather in Paris?", "It's 18 degrees in Paris."]
    assert any(isinstance(e, Usage) for e in events)
