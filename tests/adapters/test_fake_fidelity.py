"""The fakes as the official SDKs see them, and the adapters' decoders under random input."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai import AsyncOpenAI

from vona import RealtimeError
from vona.adapters.gemini_live import GeminiLiveSession
from vona.adapters.openai_realtime.fake import OpenAIRealtimeFake
from vona.adapters.openai_realtime.session import OpenAIShapedSession
from vona.testing.loopback import FakeScript, FakeTurn, reply_pcm


async def test_official_openai_sdk_session_against_the_fake():
    script = FakeScript(turns=[FakeTurn(reply_ms=300)])
    async with OpenAIRealtimeFake(script=script) as fake:
        client = AsyncOpenAI(api_key=fake.api_key, websocket_base_url=fake.base_url)
        async with client.realtime.connect(model="gpt-realtime") as conn:
            await conn.session.update(session={"type": "realtime", "instructions": "Be brief."})
            pcm = np.zeros(2400, dtype=np.int16)  # 100 ms
            for _ in range(3):
                await conn.input_audio_buffer.append(audio=base64.b64encode(pcm.tobytes()).decode())
            audio = b""
            types = []
            async for event in conn:
                types.append(event.type)
                if event.type == "response.output_audio.delta":
                    audio += base64.b64decode(event.delta)
                if event.type == "response.done":
                    break
    assert types[:2] == ["session.created", "session.updated"]
    assert "conversation.item.input_audio_transcription.completed" in types
    assert np.array_equal(np.frombuffer(audio, np.int16), reply_pcm(300, 24_000))


def _openai_session() -> OpenAIShapedSession:
    return OpenAIShapedSession(
        provider="fuzz",
        url="ws://127.0.0.1:9/",
        headers={},
        secrets=(),
        session={},
        input_rate_hz=24_000,
        output_rate_hz=24_000,
        manual_turns=False,
    )


def _gemini_session() -> GeminiLiveSession:
    return GeminiLiveSession(
        url="ws://127.0.0.1:9/",
        headers={},
        secrets=(),
        setup={},
        input_rate_hz=16_000,
        output_rate_hz=24_000,
        manual_turns=False,
    )


OPENAI_TYPES = [
    "response.output_audio.delta",
    "response.audio.delta",
    "response.output_audio_transcript.done",
    "conversation.item.input_audio_transcription.completed",
    "input_audio_buffer.speech_started",
    "response.function_call_arguments.done",
    "response.done",
    "response.output_item.added",
    "error",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(OPENAI_TYPES),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "delta",
                "item_id",
                "response",
                "error",
                "call_id",
                "name",
                "item",
                "transcript",
                "audio_start_ms",
                "arguments",
                "response_id",
            ]
        ),
        json_values,
        max_size=6,
    ),
)
def test_openai_shaped_decoder_never_raises(kind: str, fields: dict[str, Any]) -> None:
    events = _openai_session().decode(json.dumps({"type": kind, **fields}))
    assert isinstance(events, list)
    for e in events:
        if isinstance(e, RealtimeError):
            assert kind == "error" or e.code == "protocol_error"
            assert not e.fatal


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(
        [
            "serverContent",
            "server_content",
            "toolCall",
            "usageMetadata",
            "sessionResumptionUpdate",
            "goAway",
            "toolCallCancellation",
            "setupComplete",
            "other",
        ]
    ),
    value=json_values,
)
def test_gemini_decoder_never_raises(key: str, value: Any) -> None:
    session = _gemini_session()
    events = session.decode(json.dumps({key: value}).encode())
    assert isinstance(events, list)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=64) | st.text(max_size=64))
def test_decoders_survive_arbitrary_frames(raw: bytes | str) -> None:
    for session in (_openai_session(), _gemini_session()):
        events = session.decode(raw)
        assert isinstance(events, list)
