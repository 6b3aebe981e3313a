"""End to end over the fakes: a CascadeBackend of Deepgram, an OpenAI-compatible LLM and
ElevenLabs, driven with audio in real time (the user's speech, silence, the tool run through
the skill executor, the reply audio back out)."""

from __future__ import annotations

from typing import Any

import numpy as np

from vona.adapters._hosted import Backoff
from vona.adapters.deepgram import DeepgramStt
from vona.adapters.deepgram.fake import DeepgramFake
from vona.adapters.elevenlabs import ElevenLabsTts
from vona.adapters.elevenlabs.fake import ElevenLabsFake
from vona.adapters.openai_chat import OpenAIChat
from vona.adapters.openai_chat.fake import ChatReply, FakeCall, OpenAIChatFake
from vona.backends.cascade.backend import CascadeBackend
from vona.backends.cascade.drive import drive_audio
from vona.config import SessionConfig
from vona.events import ToolCallRequested
from vona.skills import SkillRegistry

RATE = 16_000
KEY = "test-key"
FAST = Backoff(attempts=2, initial_s=0.01, max_s=0.02)
SKILLS = SkillRegistry()


@SKILLS.skill()
def get_weather(city: str) -> dict[str, Any]:
    """Current weather in a city."""
    return {"conditions": "sunny", "temperature_c": 21}


def _speech(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


def _backend(stt: Any, chat: OpenAIChatFake, el: ElevenLabsFake) -> CascadeBackend:
    return CascadeBackend(
        stt=stt,
        tts=ElevenLabsTts(
            "voice1", base_url=el.base_url, api_key=KEY, chunk_length_schedule=[50], backoff=FAST
        ),
        responder=OpenAIChat("m", base_url=chat.base_url + "/v1", api_key=KEY, backoff=FAST),
        output_lead_ms=200,
    )


async def test_spoken_question_tool_call_and_streamed_reply_through_the_transport() -> None:
    replies = [
        ChatReply(["Let me check. "], [FakeCall("get_weather", {"city": "Paris"}, "call_7")]),
        ChatReply(["It is sunny ", "in Paris."]),
    ]
    async with (
        DeepgramFake(transcripts=["what's the weather in paris"]) as dg,
        OpenAIChatFake(replies=replies) as chat,
        ElevenLabsFake(ms_per_char=10) as el,
    ):
        stt = DeepgramStt(base_url=dg.base_url, api_key=KEY, backoff=FAST)
        backend = _backend(stt, chat, el)
        session = await backend.start_session(SessionConfig(tools=SKILLS.tool_specs()))
        audio = np.concatenate([_silence(0.2), _speech(0.4), _silence(1.0)])
        result = await drive_audio(backend, session, audio, skills=SKILLS, realtime=True)
    [turn] = session.turns
    assert turn.transcript == "what's the weather in paris"
    calls = [e for _, e in result.events if isinstance(e, ToolCallRequested)]
    assert [c.name for c in calls] == ["get_weather"]
    tool_msg = chat.bodies()[1]["messages"][-1]
    assert tool_msg["role"] == "tool"
    assert tool_msg["tool_call_id"] == "call_7"
    assert "sunny" in tool_msg["content"]
    spoken = "".join(t for _, t in el.spoken)
    assert spoken.split() == ["Let", "me", "check.", "It", "is", "sunny", "in", "Paris."]
    caps = backend.capabilities()
    assert caps.output_sample_rate_hz == 24_000
    assert result.pcm().shape[0] == len(spoken) * 10 * 24  # all of it reached the transport
    assert el.violations == []
