"""Every message the adapters send validates against the providers' official SDK types,
and every message the fakes send validates against the SDKs' server types."""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest
from google.genai import types as genai
from openai.types import realtime as ga
from openai.types.beta import realtime as beta
from pydantic import BaseModel, TypeAdapter

from vona import (
    ExternalContextEvent,
    Interruption,
    SessionConfig,
    ToolCall,
    ToolSpec,
    TurnDetection,
    TurnEnd,
)
from vona.adapters.openai_realtime.models import InputAudioBufferAppend
from vona.realtime.pcm import pcm16_to_b64
from vona.testing.loopback import FakeScript, FakeToolCall, FakeTurn


class _ByType:
    """Validate a message against the SDK union member its ``type`` names (clear errors);
    an unknown ``type`` fails like the union would."""

    def __init__(self, union: Any) -> None:
        self.union = TypeAdapter(union)
        self.members: dict[str, Any] = {}
        stack = [union]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                for literal in typing.get_args(t.model_fields["type"].annotation):
                    self.members[literal] = t
            else:
                stack.extend(typing.get_args(t))

    def validate_python(self, message: dict[str, Any]) -> None:
        cls = self.members.get(message.get("type", ""))
        if cls is None:
            self.union.validate_python(message)
        else:
            cls.model_validate(message)


GA_CLIENT = _ByType(ga.RealtimeClientEvent)
GA_SERVER = _ByType(ga.RealtimeServerEvent)
BETA_CLIENT = _ByType(beta.RealtimeClientEvent)
BETA_SERVER = _ByType(beta.RealtimeServerEvent)

TOOL = ToolSpec(
    name="get_weather",
    description="Current weather for a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)


def strip_extensions(session: dict[str, Any]) -> None:
    """Remove the Azure/Qwen session fields the OpenAI beta types do not allow."""
    if isinstance(session.get("voice"), dict):
        session.pop("voice")
    noise = session.get("input_audio_noise_reduction") or {}
    if noise.get("type") not in (None, "near_field", "far_field"):
        session.pop("input_audio_noise_reduction")
    if session.get("output_audio_format") == "pcm24":
        session.pop("output_audio_format")
    if str(session.get("model", "")).startswith("qwen"):
        session.pop("model")
    for tool in session.get("tools") or ():
        if "function" in tool:  # Qwen's nested Chat-Completions form
            session.pop("tools")
            break


async def exercise(provider: Any, helpers: Any, config: SessionConfig) -> Any:
    """A session touching every client message an adapter can send; returns the fake."""
    script = FakeScript(
        turns=[
            FakeTurn(tool_call=FakeToolCall("get_weather", {"city": "Paris"}), reply_ms=200),
            FakeTurn(reply_ms=600, barge_in_after_chunks=2),
        ]
    )
    manual = config.turn_detection.mode == "manual"
    async with provider.fake(script) as fake:
        session = await provider.connect(fake, config)
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        if manual:
            await session.send_event(TurnEnd(role="user"))
        events = await helpers.collect(session, lambda e: isinstance(e, ToolCall))
        call = events[-1]
        await session.send_event(
            ExternalContextEvent.tool_result(call.call_id, call.name, {"t": 1})
        )
        await helpers.collect_answer(session)
        await session.send_event(
            ExternalContextEvent.tool_result("call_x", "get_weather", error="timed out")
        )
        await helpers.send_speech(session, 300, provider.input_rate_hz)
        if manual:
            await session.send_event(TurnEnd(role="user"))
        await helpers.collect_answer(session)
        await session.send_event(Interruption(played_ms=50))
        await session.send_event(ExternalContextEvent.transcript_override("Weather in Rome?"))
        await session.send_event(ExternalContextEvent("planner_output", {"plan": ["a", "b"]}))
        await session.send_event(ExternalContextEvent.precomputed_reply("It is sunny."))
        await helpers.until_true(lambda: len(fake.received) >= 10)
        await session.close()
    return fake


@pytest.mark.parametrize("mode", ["server_vad", "semantic_vad", "manual"])
async def test_openai_ga_client_messages_validate(mode, helpers, providers):
    config = SessionConfig(
        instructions="Be brief.",
        tools=[TOOL],
        turn_detection=TurnDetection(mode=mode),
        max_output_tokens=500,
        language="en",
    )
    fake = await exercise(providers["openai-ga"], helpers, config)
    kinds = set()
    for r in fake.received:
        GA_CLIENT.validate_python(r.data)
        kinds.add(r.data["type"])
    for m in fake.sent:
        GA_SERVER.validate_python(m)
    assert {
        "session.update",
        "input_audio_buffer.append",
        "conversation.item.create",
        "response.create",
        "conversation.item.truncate",
    } <= kinds
    update = fake.messages("session.update")[0]["session"]
    assert update["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert update["tools"][0]["parameters"] == TOOL.parameters
    if mode == "manual":
        assert update["audio"]["input"]["turn_detection"] is None
        assert "input_audio_buffer.commit" in kinds
    else:
        assert update["audio"]["input"]["turn_detection"]["type"] == mode


@pytest.mark.parametrize("name", ["openai-beta", "azure", "qwen"])
async def test_beta_shaped_client_messages_validate(name, helpers, providers):
    config = SessionConfig(instructions="Be brief.", tools=[TOOL], temperature=0.8)
    fake = await exercise(providers[name], helpers, config)
    for r in fake.received:
        message = json.loads(json.dumps(r.data))
        if message["type"] == "session.update":
            session = message["session"]
            # Provider extensions beyond the OpenAI beta types (protocols.md 3.3 and 6.2):
            if name == "azure":
                assert session["input_audio_sampling_rate"] == 24000
                assert session["input_audio_noise_reduction"] == {
                    "type": "azure_deep_noise_suppression"
                }
                assert session.pop("voice") == {
                    "type": "azure-standard",
                    "name": "en-US-Ava:DragonHDLatestNeural",
                }
                session.pop("input_audio_noise_reduction")
            if name == "qwen":
                assert session.pop("output_audio_format") == "pcm24"
                assert session["tools"][0]["function"]["parameters"] == TOOL.parameters
                assert "tool_choice" not in session
                assert "prefix_padding_ms" not in session["turn_detection"]
        if name == "qwen" and message["type"] == "session.finish":
            continue  # Qwen's own goodbye; no OpenAI equivalent
        BETA_CLIENT.validate_python(message)
    for m in fake.sent:
        if m["type"] == "session.finished":
            continue
        m = json.loads(json.dumps(m))
        if name in ("azure", "qwen") and m["type"].startswith("session."):
            strip_extensions(m["session"])
        BETA_SERVER.validate_python(m)


async def test_gemini_client_messages_validate(helpers, providers):
    for mode in ("server_vad", "manual"):
        config = SessionConfig(
            instructions="Be brief.",
            tools=[TOOL],
            turn_detection=TurnDetection(mode=mode),
            language="en-US",
            temperature=0.7,
        )
        fake = await exercise(providers["gemini"], helpers, config)
        keys = set()
        for r in fake.received:
            message = json.loads(json.dumps(r.data))
            keys.add(next(iter(message)))
            setup = message.get("setup")
            if setup is not None:
                # protocols.md 2.9: LiveClientSetup lacks realtimeInputConfig although the
                # SDK sends it; validate it apart.
                rtc = genai.RealtimeInputConfig.model_validate(setup.pop("realtimeInputConfig"))
                assert rtc.automatic_activity_detection.disabled is (mode == "manual")
                tool = setup["tools"][0]["functionDeclarations"][0]
                assert tool["parametersJsonSchema"] == TOOL.parameters
            genai.LiveClientMessage.model_validate(message)
        assert {"setup", "realtimeInput", "toolResponse", "clientContent"} <= keys
        for m in fake.sent:
            genai.LiveServerMessage.model_validate(m)


def test_fast_audio_path_matches_the_model():
    import numpy as np

    samples = np.arange(-480, 480, dtype=np.int16)
    fast = '{"type":"input_audio_buffer.append","audio":"' + pcm16_to_b64(samples) + '"}'
    model = InputAudioBufferAppend(audio=pcm16_to_b64(samples)).wire()
    assert json.loads(fast) == model
    GA_CLIENT.validate_python(model)
