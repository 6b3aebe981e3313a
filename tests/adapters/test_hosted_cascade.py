"""End to end over the fakes: a CascadeBackend of Deepgram, an OpenAI-compatible LLM and
ElevenLabs, driven with audio in real time (the user's speech, silence, the tool run through
the skill executor, the reply audio back out)."""

from __future__ import annotations

from typing import Any

import numpy as np

from vona.adapters._hosted import Backoff
from vona.adapters.deepgram import DeepgramFluxStt, DeepgramStt
from vona.adapters.deepgram.fake import DeepgramFake
from vona.adapters.elevenlabs import ElevenLabsTts
from vona.adapters.elevenlabs.fake import ElevenLabsFake
from vona.adapters.openai_chat import OpenAIChat
from vona.adapters.openai_chat.fake import ChatReply, FakeCall, OpenAIChatFake
from vona.backends.cascade.backend import CascadeBackend
from vona.backends.cascade.drive import drive_audio
from vona.config import SessionConfig
from vona.events import Interruption, ToolCallRequested
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


async def test_barge_in_mid_reply_cancels_tts_and_llm_and_history_keeps_the_words_heard() -> None:
    story = ChatReply([f"word{i} " for i in range(60)], delay_s=0.03)
    async with (
        DeepgramFake(transcripts=["tell me a story", "stop please"]) as dg,
        OpenAIChatFake(replies=[story, ChatReply(["Okay."])]) as chat,
        ElevenLabsFake(ms_per_char=10, chars_per_chunk=7) as el,
    ):
        stt = DeepgramStt(base_url=dg.base_url, api_key=KEY, backoff=FAST)
        backend = _backend(stt, chat, el)
        session = await backend.start_session(SessionConfig())
        # the question; the reply starts ~0.5 s later and would run for ~4 s; the user
        # talks over it 1.5 s after the question
        audio = np.concatenate([_speech(0.4), _silence(1.5), _speech(0.4), _silence(1.5)])
        result = await drive_audio(backend, session, audio, realtime=True)
    first, second = session.turns
    assert first.interrupted
    assert second.transcript == "stop please"  # the STT kept listening
    assert [type(e) for _, e in result.events].count(Interruption) == 1
    assert chat.aborted == 1  # the LLM stream of the interrupted reply was closed
    assert {"context_id": "vona-1", "close_context": True} in el.messages()
    heard = first.reply.split()
    assert heard == [f"word{i}" for i in range(len(heard))]
    assert 0 < len(heard) < 60
    assistant = [m.content for m in session.messages if m.role == "assistant"]
    assert assistant[0].split() == heard  # the history holds only the words heard
    # no stale audio: what played is the interrupted reply's head, then all of "Okay."
    spoken = {ctx: text for ctx, text in el.spoken}
    assert spoken["vona-2"] == "Okay. "
    okay = len("Okay. ") * 10 * 24
    pcm = result.pcm()
    assert pcm.shape[0] < sum(len(t) for _, t in el.spoken) * 10 * 24
    sent_okay = np.frombuffer(bytes(el.audio_sent["vona-2"]), dtype="<i2")
    assert np.array_equal(pcm[-okay:], sent_okay)
    # and before it, only a head of what was sent for the interrupted reply
    head = pcm[:-okay]
    sent_story = np.frombuffer(bytes(el.audio_sent["vona-1"]), dtype="<i2")
    assert np.array_equal(head, sent_story[: head.shape[0]])


async def test_flux_eager_end_then_turn_resumed_plays_nothing_and_calls_no_tool() -> None:
    replies = [
        ChatReply(["Booking "], [FakeCall("get_weather", {"city": "Paris"})], delay_s=0.3),
        ChatReply(["Done."]),
    ]
    async with (
        DeepgramFake(
            transcripts=["book a table for two"], flux_resume=True, flux_resume_after_s=1.0
        ) as dg,
        OpenAIChatFake(replies=replies) as chat,
        ElevenLabsFake(ms_per_char=10) as el,
    ):
        stt = DeepgramFluxStt(base_url=dg.base_url, api_key=KEY, backoff=FAST)
        backend = _backend(stt, chat, el)
        session = await backend.start_session(SessionConfig(tools=SKILLS.tool_specs()))
        # 200 ms of speech (an eager end, then resumed), a pause, 200 ms more (the end)
        audio = np.concatenate([_speech(0.2), _silence(1.5), _speech(0.2), _silence(1.5)])
        result = await drive_audio(backend, session, audio, skills=SKILLS, realtime=True)
    assert not any(isinstance(e, ToolCallRequested) for _, e in result.events)
    assert chat.aborted == 1  # the eager reply's request was cancelled
    first_request = chat.bodies()[0]["messages"][-1]["content"]
    assert first_request == "book a"
    assert [t.transcript for t in session.turns] == ["book a table for two"], session.turns
    # the withdrawn reply's context may have been spoken by the service, never played
    ctx, text = el.spoken[-1]
    assert text == "Done. "
    played = np.frombuffer(bytes(el.audio_sent[ctx]), dtype="<i2")
    assert np.array_equal(result.pcm(), played)
