"""CascadeBackend composition with scripted engines: events, sentence streaming, tools,
barge-in, failures. (The real-model end-to-end tests are in test_local_e2e.py.)"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np
import pytest

from vona.backends.cascade import ChatMessage, TextDelta, ToolCallRequest
from vona.backends.cascade.backend import CascadeBackend
from vona.backends.cascade.drive import drive_audio
from vona.backends.cascade.events import TranscriptUpdate
from vona.backends.cascade.rules import RuleResponder
from vona.config import SessionConfig, ToolSpec
from vona.errors import AudioFormatError, BackendError
from vona.events import (
    ExternalContextEvent,
    Interruption,
    LatencyMark,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame
from vona.skills import SkillRegistry
from vona.vad import VadParams

CHUNK = 320  # the cascade steps 20 ms frames
TTS_RATE = 24_000


class ScriptedStt:
    """Returns the next scripted transcript for each utterance it is given."""

    sample_rate_hz = 16_000

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.heard: list[int] = []

    def transcribe(self, audio: np.ndarray) -> str:
        self.heard.append(audio.shape[0])
        return self.texts.pop(0) if self.texts else ""


class ToneTts:
    """40 ms of tone per character; ``gate`` (if set) blocks the second sentence."""

    sample_rate_hz = TTS_RATE

    def __init__(self) -> None:
        self.spoken: list[str] = []
        self.gate: threading.Event | None = None

    def synthesize(self, text: str) -> np.ndarray:
        if self.gate is not None and self.spoken:
            assert self.gate.wait(10)
        self.spoken.append(text)
        n = 960 * len(text)
        return (0.2 * np.sin(np.arange(n) * 0.1)).astype(np.float32)


def _speech(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * 16_000)) / 16_000
    return (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16_000), dtype=np.int16)


SKILLS = SkillRegistry()


@SKILLS.skill()
def get_weather(city: str) -> dict[str, Any]:
    """Current weather in a city."""
    return {"conditions": "sunny", "temperature_c": 21}


WEATHER = SKILLS.get("get_weather").spec()


async def _weather(ev: ToolCallRequested) -> ExternalContextEvent:
    result = get_weather(**ev.arguments)  # type: ignore[arg-type]
    return ExternalContextEvent.tool_result(ev.call_id, ev.name, result)


def _backend(stt: ScriptedStt, tts: ToneTts, **kw: Any) -> CascadeBackend:
    params = VadParams(min_speech_ms=64, min_silence_ms=256, speech_pad_ms=64)
    return CascadeBackend(stt=stt, tts=tts, responder=RuleResponder(), vad_params=params, **kw)


async def test_turn_with_tool_call_produces_ordered_events_and_audio():
    stt, tts = ScriptedStt("What is the weather in Paris today?"), ToneTts()
    backend = _backend(stt, tts)
    caps = backend.capabilities()
    assert (caps.input_sample_rate_hz, caps.output_sample_rate_hz) == (16_000, TTS_RATE)
    assert caps.frame_samples == CHUNK
    assert caps.supports_tools
    session = await backend.start_session(SessionConfig(tools=[WEATHER]))
    audio = np.concatenate([_silence(0.3), _speech(1.0), _silence(0.1)])
    result = await drive_audio(backend, session, audio, skills=SKILLS)
    events = [ev for _, ev in result.events]
    kinds = [type(ev).__name__ for ev in events if not isinstance(ev, LatencyMark)]
    expected = ["TurnEnd", "TranscriptUpdate", "ToolCallRequested", "TranscriptUpdate", "TurnEnd"]
    assert kinds == expected
    user_end, assistant_end = (e for e in events if isinstance(e, TurnEnd))
    assert (user_end.role, assistant_end.role) == ("user", "assistant")
    user = events[[type(e) for e in events].index(TranscriptUpdate)]
    assert user == TranscriptUpdate("What is the weather in Paris today?", "user", True, 1)
    call = next(e for e in events if isinstance(e, ToolCallRequested))
    assert (call.name, call.arguments) == ("get_weather", {"city": "Paris"})
    reply = next(e for e in events if isinstance(e, TranscriptUpdate) and e.role == "assistant")
    assert reply.text.startswith("Right now in Paris it is sunny and 21 degrees.")
    assert tts.spoken == [
        "Right now in Paris it is sunny and 21 degrees.",
        "Is there anything else I can do for you?",
    ]
    assert result.pcm().shape[0] == 960 * sum(len(s) for s in tts.spoken)
    marks = [e.name for e in events if isinstance(e, LatencyMark)]
    assert marks == ["speech_end", "stt_done", "first_audio"]
    # The utterance handed to STT is the speech plus padding, not the leading silence: the
    # VAD's 64 ms pad before it; after it, the turn as the VAD will end it if the quiet goes
    # on (its 64 ms pad past its last voiced chunk, assumed two chunks after the voice
    # before the stream has measured the VAD's lag), from the chunk the voice ended in.
    assert 16_000 <= stt.heard[0] <= 16_000 + 1024 + 512 + 1024 + 1024
    turn = session.turns[0]
    assert turn.tool_calls[0]["result"] == {"conditions": "sunny", "temperature_c": 21}
    assert turn.first_audio_ns >= turn.first_tts_done_ns >= turn.stt_done_ns >= turn.speech_end_ns
    assert [m.role for m in session.messages] == ["user", "assistant", "tool", "assistant"]


async def test_first_sentence_plays_while_the_second_is_synthesized():
    stt, tts = ScriptedStt("What is the weather in Paris?"), ToneTts()
    tts.gate = threading.Event()
    backend = _backend(stt, tts, output_lead_ms=100)
    session = await backend.start_session(SessionConfig(tools=[WEATHER]))
    frames: list[int] = []

    def watch(step: int, frame: AudioInputFrame) -> None:
        # Release the second sentence only once the first has started playing.
        if session.emitted_samples > 0:
            frames.append(step)
            tts.gate.set()  # type: ignore[union-attr]

    audio = np.concatenate([_speech(0.8), _silence(0.1)])
    result = await drive_audio(backend, session, audio, skills=SKILLS, on_step=watch)
    assert frames, "the first sentence never played before the second was synthesized"
    assert len(tts.spoken) == 2
    assert result.pcm().shape[0] == 960 * sum(len(s) for s in tts.spoken)


async def test_output_is_paced_by_input_time():
    stt, tts = ScriptedStt("hello"), ToneTts()
    backend = _backend(stt, tts, output_lead_ms=100)
    session = await backend.start_session(SessionConfig())
    result = await drive_audio(backend, session, np.concatenate([_speech(0.5), _silence(0.1)]))
    per_step: dict[int, int] = {}
    for f, step in zip(result.output, result.output_at_step, strict=True):
        per_step[step] = per_step.get(step, 0) + f.samples.shape[0]
    in_per_step = CHUNK * TTS_RATE // 16_000
    # A step releases at most the lead (refilled only after the queue ran dry), its own
    # input duration and one rounding frame; steady state is one step's worth.
    cap = 2400 + in_per_step + 480
    assert max(per_step.values()) <= cap
    assert len(per_step) >= result.pcm().shape[0] // cap
    steady = [per_step[s] for s in sorted(per_step)[2:-1]]
    assert np.median(steady) <= in_per_step + 480
    assert all(f.samples.shape[0] == 480 for f in result.output[:-1])


async def test_unpaced_output_leaves_as_soon_as_it_is_synthesized():
    stt, tts = ScriptedStt("hello"), ToneTts()
    backend = _backend(stt, tts)
    session = await backend.start_session(SessionConfig())
    result = await drive_audio(backend, session, np.concatenate([_speech(0.5), _silence(0.1)]))
    steps = sorted(set(result.output_at_step))
    assert 1 <= len(steps) <= len(tts.spoken)  # a sentence leaves whole, in one step
    assert result.pcm().shape[0] == 960 * sum(len(s) for s in tts.spoken)


async def test_barge_in_stops_output_within_the_detecting_frame():
    stt, tts = ScriptedStt("What is the weather in Paris?", "stop"), ToneTts()
    backend = _backend(stt, tts, output_lead_ms=200)
    session = await backend.start_session(SessionConfig(tools=[WEATHER]))
    seq = 0

    async def feed(samples: np.ndarray) -> Any:
        nonlocal seq
        step = await backend.step(session, AudioInputFrame(seq, 16_000, 1, samples))
        seq += 1
        for ev in step.control_events:
            if isinstance(ev, ToolCallRequested):
                await backend.inject_event(session, await _weather(ev))
        return step

    speech = _speech(0.8)
    for i in range(0, speech.shape[0] - CHUNK + 1, CHUNK):
        await feed(speech[i : i + CHUNK])
    # Feed silence until the reply is audibly playing, then speak over it.
    for _ in range(2000):
        await feed(_silence(0.02))
        if session.emitted_samples > 24_000:
            break
        if session.pending_samples == 0:
            await backend.wait(session, 0.05)
    assert session.emitted_samples > 24_000
    speech = _speech(1.0)
    detected_at = None
    audio_after = 0
    for i in range(0, speech.shape[0] - CHUNK + 1, CHUNK):
        step = await feed(speech[i : i + CHUNK])
        if detected_at is not None:
            audio_after += sum(f.samples.shape[0] for f in step.output_audio)
            continue
        inter = [e for e in step.control_events if isinstance(e, Interruption)]
        if inter:
            detected_at = i
            assert step.output_audio == []
            assert inter[0].reason == "barge_in"
            assert inter[0].generation_id == 1
            assert inter[0].dropped_samples > 0
    assert detected_at is not None
    assert audio_after == 0
    turn = session.turns[0]
    assert turn.interrupted
    # History keeps only what started playing: the first sentence.
    assert turn.reply == "Right now in Paris it is sunny and 21 degrees."
    assert session.messages[-1] == ChatMessage("assistant", turn.reply)


async def test_tool_timeout_becomes_an_error_reply():
    stt, tts = ScriptedStt("weather in Oslo"), ToneTts()
    backend = _backend(stt, tts, tool_timeout_s=0.05)
    session = await backend.start_session(SessionConfig(tools=[WEATHER]))
    await drive_audio(backend, session, np.concatenate([_speech(0.5), _silence(0.1)]))
    assert tts.spoken == ["Sorry, I could not get the weather for Oslo."]
    assert session.turns[0].tool_calls[0]["error"] == "tool timed out"


async def test_empty_transcript_gives_no_reply_and_partials_are_reported():
    stt, tts = ScriptedStt("partial words", ""), ToneTts()
    backend = _backend(stt, tts, partial_interval_ms=500)
    session = await backend.start_session(SessionConfig())
    result = await drive_audio(backend, session, _speech(0.8), realtime=True, tail_silence_ms=400)
    partials = [e for _, e in result.events if isinstance(e, TranscriptUpdate) and not e.final]
    assert partials == [TranscriptUpdate("partial words", "user", False, 1)]
    assert tts.spoken == []
    assert result.output == []
    assert any(isinstance(e, TurnEnd) for _, e in result.events)


async def test_precomputed_reply_and_override():
    stt, tts = ScriptedStt("hello"), ToneTts()
    backend = _backend(stt, tts)
    session = await backend.start_session(SessionConfig())
    await backend.inject_event(session, ExternalContextEvent.transcript_override("thank you"))
    await drive_audio(backend, session, np.concatenate([_speech(0.5), _silence(0.1)]))
    assert session.turns[0].transcript == "thank you"
    assert tts.spoken == ["You are welcome.", "Goodbye!"]
    await backend.inject_event(session, ExternalContextEvent.precomputed_reply("One. Two."))
    await drive_audio(backend, session, _silence(0.1))
    assert tts.spoken[-2:] == ["One.", "Two."]


class FailingResponder:
    async def respond(self, messages: list[ChatMessage], tools: list[ToolSpec]):  # type: ignore[no-untyped-def]
        yield TextDelta("Hello. ")
        raise BackendError("model crashed", retryable=True)


class ToolLoopResponder:
    def __init__(self) -> None:
        self.calls = 0

    async def respond(self, messages: list[ChatMessage], tools: list[ToolSpec]):  # type: ignore[no-untyped-def]
        self.calls += 1
        yield ToolCallRequest(f"c{self.calls}", "get_weather", {})


async def test_responder_failure_surfaces_from_step():
    stt, tts = ScriptedStt("hi"), ToneTts()
    backend = CascadeBackend(stt=stt, tts=tts, responder=FailingResponder())
    session = await backend.start_session(SessionConfig())
    with pytest.raises(BackendError, match="model crashed") as info:
        await drive_audio(backend, session, np.concatenate([_speech(0.5), _silence(0.1)]))
    assert info.value.retryable


async def test_tool_loops_are_bounded():
    responder = ToolLoopResponder()
    backend = CascadeBackend(stt=ScriptedStt("x"), tts=ToneTts(), responder=responder)
    session = await backend.start_session(SessionConfig(tools=[WEATHER]))
    await drive_audio(
        backend, session, np.concatenate([_speech(0.5), _silence(0.1)]), skills=SKILLS
    )
    assert responder.calls == 8


async def test_bad_frames_are_rejected():
    backend = _backend(ScriptedStt(), ToneTts())
    session = await backend.start_session(SessionConfig())
    with pytest.raises(AudioFormatError, match="320 int16"):
        await backend.step(session, AudioInputFrame(0, 16_000, 1, np.zeros(512, np.int16)))
    with pytest.raises(AudioFormatError, match="16000 Hz mono"):
        await backend.step(session, AudioInputFrame(0, 48_000, 1, np.zeros(512, np.int16)))
    with pytest.raises(AudioFormatError, match="int16"):
        await backend.step(session, AudioInputFrame(0, 16_000, 1, np.zeros(512, np.float32)))  # type: ignore[arg-type]
    await backend.end_session(session)


async def test_end_session_cancels_work():
    stt, tts = ScriptedStt("What is the weather in Paris?"), ToneTts()
    backend = _backend(stt, tts)
    session = await backend.start_session(SessionConfig(tools=[WEATHER]))
    audio = np.concatenate([_speech(0.5), _silence(0.4)])
    for i in range(0, audio.shape[0] - CHUNK + 1, CHUNK):
        await backend.step(session, AudioInputFrame(i, 16_000, 1, audio[i : i + CHUNK]))
    await asyncio.sleep(0.05)
    assert session.busy
    await backend.end_session(session)
    await asyncio.sleep(0)
    assert session.task is not None
    assert session.task.cancelled()
    assert not session.busy
