"""Every realtime adapter against its loopback fake: the same scenarios for each provider."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from vona import (
    AudioDelta,
    ExternalContextEvent,
    Interrupted,
    Interruption,
    RealtimeError,
    ResponseDone,
    SessionConfig,
    SpeechStarted,
    ToolCall,
    ToolSpec,
    TranscriptDelta,
    TurnDetection,
    TurnEnd,
    UnknownEvent,
    Usage,
)
from vona.errors import AudioFormatError, BackendError
from vona.testing.loopback import FakeScript, FakeToolCall, FakeTurn, reply_pcm

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather for a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def done(event: Any) -> bool:
    return isinstance(event, ResponseDone)


def audio_of(events: list[Any]) -> np.ndarray:
    chunks = [e.samples for e in events if isinstance(e, AudioDelta)]
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def sent(fake: Any, kind: str) -> list[dict[str, Any]]:
    return [m for m in fake.sent if m.get("type") == kind]


def tool_results(fake: Any) -> list[dict[str, Any]]:
    out = []
    for m in fake.messages():
        item = m.get("item") or {}
        if (
            m.get("type") == "conversation.item.create"
            and item.get("type") == "function_call_output"
        ):
            out.append(item)
        tr = m.get("toolResponse")
        if tr:
            out.extend(tr["functionResponses"])
    return out


async def test_audio_up_audio_and_transcripts_down(provider, helpers):
    script = FakeScript(turns=[FakeTurn(reply_text="It is sunny today.", reply_ms=500)])
    async with provider.fake(script) as fake:
        session = await provider.connect(fake, SessionConfig(instructions="Be brief."))
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        events = await helpers.collect(session, done)
        await session.close()
    got = audio_of(events)
    np.testing.assert_array_equal(got, reply_pcm(500, provider.output_rate_hz))
    assert all(
        e.sample_rate_hz == provider.output_rate_hz for e in events if isinstance(e, AudioDelta)
    )
    user = [e for e in events if isinstance(e, TranscriptDelta) and e.role == "user"]
    assert user
    assert user[-1].text == "What's the weather in Paris?"
    assistant = "".join(
        e.text
        for e in events
        if isinstance(e, TranscriptDelta) and e.role == "assistant" and not e.final
    )
    assert assistant == "It is sunny today."
    assert isinstance(events[-1], ResponseDone)
    assert events[-1].status == "completed"
    assert any(isinstance(e, Usage) and e.input_tokens > 0 for e in events)
    assert not [e for e in events if isinstance(e, RealtimeError)]
    # every frame went up at the provider's rate, nothing lost
    sent = len(fake.messages("input_audio_buffer.append")) + len(fake.messages("realtimeInput"))
    assert sent == 15


async def test_tool_call_round_trip(provider, helpers):
    call = FakeToolCall("get_weather", {"city": "Paris"}, call_id="call_42")
    script = FakeScript(turns=[FakeTurn(tool_call=call, reply_ms=200)])
    config = SessionConfig(tools=[WEATHER])
    async with provider.fake(script) as fake:
        session = await provider.connect(fake, config)
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        events = await helpers.collect(session, lambda e: isinstance(e, ToolCall))
        tc = events[-1]
        assert (tc.call_id, tc.name, json.loads(tc.arguments)) == (
            "call_42",
            "get_weather",
            {"city": "Paris"},
        )
        result = ExternalContextEvent.tool_result(tc.call_id, tc.name, {"temp_c": 18})
        await session.send_event(result)
        # the tool-call response ends first; the spoken answer follows the result
        events = await helpers.collect_answer(session)
        await helpers.until_true(lambda: tool_results(fake))
        await session.close()
    np.testing.assert_array_equal(audio_of(events), reply_pcm(200, provider.output_rate_hz))
    outputs = tool_results(fake)
    assert len(outputs) == 1
    out = outputs[0]
    if "call_id" in out:
        assert out["call_id"] == "call_42"
        assert json.loads(out["output"]) == {"temp_c": 18}
    else:
        assert out["id"] == "call_42"
        assert out["response"] == {"output": {"temp_c": 18}}


async def test_barge_in_truncates_to_played_position(provider, helpers):
    script = FakeScript(turns=[FakeTurn(reply_ms=800, barge_in_after_chunks=3)])
    async with provider.fake(script) as fake:
        session = await provider.connect(fake)
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        # the server's barge-in signal: Gemini's "interrupted", the others' speech_started
        signal = Interrupted if provider.name == "gemini" else SpeechStarted
        heard_audio = []

        def barge_in(e: Any) -> bool:
            if isinstance(e, AudioDelta):
                heard_audio.append(e)
            return bool(heard_audio) and isinstance(e, signal)

        events = await helpers.collect(session, barge_in)
        assert len(audio_of(events)) == 3 * provider.output_rate_hz // 10  # 300 ms arrived
        events += await helpers.collect(session, done)
        assert events[-1].status == "cancelled"
        await session.send_event(Interruption(played_ms=120))
        await session.send_event(TurnEnd(role="assistant"))  # ignored by every adapter
        if provider.truncates:
            await helpers.until_true(lambda: sent(fake, "conversation.item.truncated"))
        await session.close()
    truncates = fake.messages("conversation.item.truncate")
    if provider.truncates:
        assert len(truncates) == 1
        t = truncates[0]
        assert t["audio_end_ms"] == 120
        assert t["content_index"] == 0
        assistant_items = [
            e.item_id for e in events if isinstance(e, AudioDelta) and e.item_id is not None
        ]
        assert t["item_id"] == assistant_items[-1]
    else:
        assert truncates == []


async def test_truncation_never_exceeds_received_audio(truncating, helpers):
    openai_shaped = truncating
    script = FakeScript(turns=[FakeTurn(reply_ms=800, barge_in_after_chunks=2)])
    async with openai_shaped.fake(script) as fake:
        session = await openai_shaped.connect(fake)
        await helpers.send_speech(session, 300, openai_shaped.input_rate_hz)
        await helpers.collect(session, done)
        # the runtime says 5 s were played; only 200 ms ever arrived
        await session.send_event(Interruption(played_samples=5 * openai_shaped.output_rate_hz))
        await helpers.until_true(lambda: fake.messages("conversation.item.truncate"))
        await session.close()
    (t,) = fake.messages("conversation.item.truncate")
    assert t["audio_end_ms"] == 200
    assert sent(fake, "conversation.item.truncated")
    assert not [m for m in fake.sent if m.get("type") == "error"]


async def test_local_interruption_cancels_the_active_response(openai_shaped, helpers):
    script = FakeScript(turns=[FakeTurn(reply_ms=4000, chunk_ms=20)])
    async with openai_shaped.fake(script) as fake:
        session = await openai_shaped.connect(fake)
        await helpers.send_speech(session, 300, openai_shaped.input_rate_hz)
        events = await helpers.collect(session, lambda e: isinstance(e, AudioDelta))
        # the server already cancels on speech it detected: no cancel for that barge-in
        await session.send_event(Interruption(reason="barge_in", played_ms=10))
        assert fake.messages("response.cancel") == []
        # an interruption the server does not know about (the app's) cancels the response
        await session.send_event(Interruption(reason="app", played_ms=10))
        events += await helpers.collect(session, done)
        await helpers.until_true(lambda: fake.messages("response.cancel"))
        await session.close()
    assert events[-1].status == "cancelled"


async def test_reconnects_after_a_transient_close(provider, helpers):
    script = FakeScript(transient_close_after_turns=1)
    async with provider.fake(script) as fake:
        session = await provider.connect(fake)
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        await helpers.collect(session, done)
        events = await helpers.collect(
            session, lambda e: isinstance(e, RealtimeError) and e.code == "reconnected"
        )
        assert not events[-1].fatal
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        events = await helpers.collect(session, done)
        await session.close()
    assert events[-1].status == "completed"
    assert len(fake.connections) == 2
    assert session.reconnects == 1


async def test_auth_failure_is_not_retryable_and_hides_the_key(provider):
    bad = "sk-wrong-secret-key-123"
    async with provider.fake() as fake:
        backend = provider.backend(fake, api_key=bad)
        with pytest.raises(BackendError) as info:
            await backend.connect(SessionConfig())
    err = info.value
    assert err.retryable is False
    assert bad not in str(err)
    assert bad not in repr(err)
    assert bad not in repr(backend)
    message = str(err).lower()
    assert "api key" in message or "access denied" in message or "api-key" in message


async def test_malformed_json_does_not_end_the_session(provider, helpers):
    script = FakeScript(malformed_after_setup=True, unknown_after_setup=True)
    async with provider.fake(script) as fake:
        session = await provider.connect(fake)
        first = await helpers.collect(session, lambda e: isinstance(e, UnknownEvent))
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        events = await helpers.collect(session, done)
        await session.close()
    errors = [e for e in first if isinstance(e, RealtimeError)]
    assert len(errors) == 1
    assert errors[0].code == "protocol_error"
    assert not errors[0].fatal
    assert "malformed JSON" in errors[0].message
    unknown = first[-1]
    assert unknown.event_type in ("vona.fake.future_event", "voiceActivity")
    assert unknown.raw
    assert events[-1].status == "completed"
    assert len(fake.connections) == 1


async def test_provider_error_events_are_kept_and_not_fatal(openai_shaped, helpers):
    async with openai_shaped.fake(FakeScript(error_after_setup=True)) as fake:
        session = await openai_shaped.connect(fake)
        events = await helpers.collect(session, lambda e: isinstance(e, RealtimeError))
        await helpers.send_speech(session, 300, openai_shaped.input_rate_hz)
        events += await helpers.collect(session, done)
        await session.close()
    assert events[0].code == "fake_error"
    assert not events[0].fatal


async def test_manual_turns_commit_and_request_a_response(provider, helpers):
    config = SessionConfig(turn_detection=TurnDetection(mode="manual"))
    async with provider.fake() as fake:
        session = await provider.connect(fake, config)
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        await session.send_event(TurnEnd(role="user"))
        events = await helpers.collect(session, done)
        await session.close()
    assert events[-1].status == "completed"
    if provider.name == "gemini":
        assert fake.messages("realtimeInput")[0]["realtimeInput"] == {"activityStart": {}}
        assert {"realtimeInput": {"activityEnd": {}}} in fake.messages("realtimeInput")
    else:
        assert fake.messages("input_audio_buffer.commit")
        assert fake.messages("response.create")


async def test_audio_at_the_wrong_rate_is_refused(provider, helpers):
    async with provider.fake() as fake:
        session = await provider.connect(fake)
        wrong = helpers.frames(20, 8_000)[0]
        with pytest.raises(AudioFormatError, match=str(provider.input_rate_hz)):
            await session.send_audio(wrong)
        await session.close()


async def test_events_end_after_close(provider):
    async with provider.fake() as fake:
        session = await provider.connect(fake)
        await session.close()
        await session.close()
        assert [e async for e in session.events()] == []
        with pytest.raises(BackendError):
            await session.send_event(ExternalContextEvent.tool_result("c", "n", 1))
