"""The hosted engines composed through the streaming contracts alone, over their fakes: what
a cascade relies on (a turn's transcript to the responder, a tool call in the middle, the
reply streamed to TTS; barge-in; an eager end withdrawn). The cascade's own loop is
written out here in a few lines so the engines are tested without it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np

from vona.adapters.deepgram import DeepgramFluxStt, DeepgramStt
from vona.adapters.deepgram.fake import DeepgramFake
from vona.adapters.elevenlabs import ElevenLabsTts
from vona.adapters.elevenlabs.fake import ElevenLabsFake
from vona.adapters.openai_chat import OpenAIChat
from vona.adapters.openai_chat.fake import ChatReply, FakeCall, OpenAIChatFake
from vona.backends.cascade.protocols import ChatMessage, TextDelta, ToolCallRequest
from vona.backends.cascade.streaming import (
    SttEndOfTurn,
    SttSpeechStarted,
    SttStream,
    SttTurnResumed,
    TtsAudio,
)
from vona.config import ToolSpec

CHUNK = np.full(320, 2000, np.int16)
TOOLS = [ToolSpec(name="get_weather", parameters={"type": "object", "properties": {}})]


async def _speak(stream: SttStream, chunks: int = 10) -> None:
    for _ in range(chunks):
        await stream.push(CHUNK)
    await stream.push(np.zeros_like(CHUNK))  # the speaker pauses


async def _next_end(stream: SttStream, *, eager: bool | None = False) -> Any:
    async def read() -> Any:
        async for e in stream.events():
            if isinstance(e, SttEndOfTurn) and (eager is None or e.eager == eager):
                return e
        raise AssertionError("stream ended")

    return await asyncio.wait_for(read(), timeout=10)


async def _reply(llm: OpenAIChat, tts: ElevenLabsTts, history: list[ChatMessage]) -> list[TtsAudio]:
    """One reply: responder -> TTS, running tools in the middle; the audio, in order."""
    stream = await tts.open()
    while True:
        calls: list[ToolCallRequest] = []
        text = ""
        async for event in llm.respond(history, TOOLS):
            if isinstance(event, TextDelta):
                text += event.text
                await stream.push_text(event.text)
            else:
                calls.append(event)
        history.append(ChatMessage("assistant", text, tool_calls=calls))
        if not calls:
            break
        for call in calls:
            history.append(
                ChatMessage(
                    "tool", json.dumps({"temp_c": 18}), name=call.name, call_id=call.call_id
                )
            )
    await stream.flush()
    return [c async for c in stream.audio()]


async def test_question_to_transcript_to_tool_call_to_streamed_audio() -> None:
    replies = [
        ChatReply(["Let me check. "], [FakeCall("get_weather", {"city": "Paris"}, "call_7")]),
        ChatReply(["It is ", "18 degrees ", "in Paris."]),
    ]
    async with (
        DeepgramFake(transcripts=["what's the weather in paris"]) as dg,
        OpenAIChatFake(replies=replies) as chat,
        ElevenLabsFake(ms_per_char=10) as el,
    ):
        stt = await DeepgramStt(base_url=dg.base_url, api_key="test-key").open()
        llm = OpenAIChat("m", base_url=chat.base_url + "/v1", api_key="test-key")
        tts = ElevenLabsTts("v", base_url=el.base_url, api_key="test-key")
        await _speak(stt)
        end = await _next_end(stt)
        history = [ChatMessage("user", end.transcript)]
        audio = await _reply(llm, tts, history)
        await stt.close()
        await tts.aclose()
    assert end.transcript == "what's the weather in paris"
    assert chat.bodies()[0]["messages"] == [{"role": "user", "content": end.transcript}]
    second = chat.bodies()[1]["messages"]
    assert second[1]["tool_calls"][0]["id"] == "call_7"
    assert second[2] == {"role": "tool", "tool_call_id": "call_7", "content": '{"temp_c": 18}'}
    spoken = "".join(t for _, t in el.spoken)
    assert spoken == "Let me check. It is 18 degrees in Paris. "
    assert sum(len(a.samples) for a in audio) == len(spoken) * 10 * 24
    words = [w.word for a in audio for w in a.words]
    assert words == ["Let", "me", "check.", "It", "is", "18", "degrees", "in", "Paris."]


async def test_barge_in_cancels_tts_closes_llm_and_keeps_listening() -> None:
    await asyncio.wait_for(_barge_in(), timeout=60)


async def _barge_in() -> None:
    slow = ChatReply([f"word{i} " for i in range(40)], delay_s=0.02)
    async with (
        DeepgramFake(transcripts=["tell me a story", "stop"]) as dg,
        OpenAIChatFake(replies=[slow, ChatReply(["Okay."])]) as chat,
        ElevenLabsFake(ms_per_char=10, chars_per_chunk=6) as el,
    ):
        stt = await DeepgramStt(base_url=dg.base_url, api_key="test-key").open()
        llm = OpenAIChat("m", base_url=chat.base_url + "/v1", api_key="test-key")
        tts = ElevenLabsTts("v", base_url=el.base_url, api_key="test-key")
        await _speak(stt)
        end = await _next_end(stt)
        stream = await tts.open()
        reply = llm.respond([ChatMessage("user", end.transcript)], [])

        async def feed() -> None:
            async for event in reply:
                assert isinstance(event, TextDelta)
                await stream.push_text(event.text)

        feeding = asyncio.create_task(feed())
        heard: list[TtsAudio] = []
        async for chunk in stream.audio():
            heard.append(chunk)
            if len(heard) == 3:  # the user talks over the reply
                await _speak(stt)
                break
        speech = await asyncio.wait_for(_first_speech(stt), timeout=10)
        await stream.cancel()
        feeding.cancel()
        await asyncio.gather(feeding, return_exceptions=True)
        await reply.aclose()  # type: ignore[attr-defined]
        late = [c async for c in stream.audio()]
        next_turn = await _next_end(stt)
        await stt.close()
        await tts.aclose()
        for _ in range(100):
            if chat.aborted:
                break
            await asyncio.sleep(0.02)
    assert isinstance(speech, SttSpeechStarted)
    assert late == []
    assert chat.aborted == 1
    assert chat.completed == 0
    assert {"context_id": "vona-1", "close_context": True} in el.messages()
    assert next_turn.transcript == "stop"  # the STT kept listening
    played_ms = sum(len(c.samples) for c in heard) / 24.0
    said = [w.word for c in heard for w in c.words if w.end_ms <= played_ms]
    assert said
    assert all(w.startswith("word") for w in said)
    assert len(said) < 40  # only the words heard go to the history


async def _first_speech(stream: SttStream) -> SttSpeechStarted:
    async for e in stream.events():
        if isinstance(e, SttSpeechStarted):
            return e
    raise AssertionError("stream ended")


async def test_flux_eager_end_then_resumed_withdraws_the_prepared_reply() -> None:
    await asyncio.wait_for(_eager_then_resumed(), timeout=60)


async def _eager_then_resumed() -> None:
    replies = [
        ChatReply(["Booking "], [FakeCall("get_weather")], delay_s=0.1),
        ChatReply(["Done."]),
    ]
    async with (
        DeepgramFake(
            transcripts=["book a table for two"], flux_resume=True, flux_resume_after_s=0.3
        ) as dg,
        OpenAIChatFake(replies=replies) as chat,
    ):
        stt = await DeepgramFluxStt(base_url=dg.base_url, api_key="test-key").open()
        llm = OpenAIChat("m", base_url=chat.base_url + "/v1", api_key="test-key")
        await _speak(stt)
        eager = await _next_end(stt, eager=True)
        held: list[Any] = []  # an eager reply is prepared silently: nothing plays, no tool runs

        async def prepare() -> None:
            async for event in llm.respond([ChatMessage("user", eager.transcript)], TOOLS):
                held.append(event)

        preparing = asyncio.create_task(prepare())

        async def resumed() -> Any:
            async for e in stt.events():
                if isinstance(e, SttTurnResumed):
                    return e
            raise AssertionError("stream ended")

        await asyncio.wait_for(resumed(), timeout=10)
        preparing.cancel()
        await asyncio.gather(preparing, return_exceptions=True)
        await _speak(stt)
        final = await _next_end(stt)
        await stt.close()
        for _ in range(100):
            if chat.aborted:
                break
            await asyncio.sleep(0.02)
    assert eager.eager
    assert eager.transcript == "book a"
    assert not any(isinstance(e, ToolCallRequest) for e in held)  # withdrawn before the call
    assert len(chat.requests) == 1
    assert chat.aborted == 1  # the responder's request was cancelled mid-stream
    assert final.transcript == "book a table for two"
    assert not final.eager
