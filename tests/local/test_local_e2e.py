"""End to end on the real offline models: Hibari speaks, Silero detects, faster-whisper
transcribes, the rule responder calls a skill through the SkillExecutor, Hibari replies;
and a spoken barge-in pauses the reply at once and stops it once its words are heard."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vona.backends.cascade.drive import drive_audio
from vona.backends.cascade.events import TranscriptUpdate
from vona.backends.cascade.local import build_local_cascade
from vona.backends.cascade.skills import demo_skills
from vona.backends.cascade.wer import word_error_rate
from vona.config import SessionConfig
from vona.events import (
    ExternalContextEvent,
    Interruption,
    PlayoutPause,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame

QUESTION = "What is the weather in Paris today?"
CHUNK = 320  # the cascade steps 20 ms frames


def _pcm(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def backend(model_cache, whisper, hibari) -> Any:
    # Paced by input time (no output ring here), so a barge-in finds the reply still playing.
    return build_local_cascade(
        cache_dir=model_cache, stt=whisper, tts=hibari, vad="silero-vad", output_lead_ms=200
    )


async def test_spoken_question_is_transcribed_answered_with_a_tool_and_spoken(
    backend, question_16k, whisper
):
    skills = demo_skills()
    session = await backend.start_session(SessionConfig(tools=skills.tool_specs()))
    audio = np.concatenate([np.zeros(8000, np.int16), _pcm(question_16k)])
    result = await drive_audio(backend, session, audio, skills=skills)
    [turn] = session.turns
    assert word_error_rate(QUESTION, turn.transcript) <= 0.10, turn.transcript
    [call] = turn.tool_calls
    assert call["name"] == "get_weather"
    assert call["ok"] is True
    assert call["result"]["conditions"] == "sunny"
    assert turn.reply.startswith("Right now in Paris it is sunny and 21 degrees.")
    kinds = [ev.kind for ev in result.audit]
    assert kinds == ["requested", "validated", "started", "succeeded"]
    finals = [e for _, e in result.events if isinstance(e, TranscriptUpdate) and e.final]
    assert [e.role for e in finals] == ["user", "assistant"]
    assert any(isinstance(e, TurnEnd) for _, e in result.events)
    # The spoken reply says what the reply text says.
    reply = result.pcm().astype(np.float32) / 32768.0
    assert reply.shape[0] > 24_000
    import soxr

    heard = whisper.transcribe(np.asarray(soxr.resample(reply, 24_000, 16_000), np.float32))
    assert word_error_rate(turn.reply, heard) <= 0.10, heard
    assert turn.latencies_ms()["first_audio_ms"] > 0


async def test_spoken_barge_in_pauses_the_reply_then_stops_it(backend, hibari, question_16k):
    import soxr

    stop = _pcm(np.asarray(soxr.resample(hibari.synthesize("Stop, please."), 24_000, 16_000)))
    skills = demo_skills()
    session = await backend.start_session(SessionConfig(tools=skills.tool_specs()))
    seq = 0

    async def feed(samples: np.ndarray) -> Any:
        nonlocal seq
        step = await backend.step(session, AudioInputFrame(seq, 16_000, 1, samples))
        seq += 1
        for ev in step.control_events:
            if isinstance(ev, ToolCallRequested):
                # The skill runs the same way the executor would run it.
                result = skills.get(ev.name).fn(**ev.arguments)
                await backend.inject_event(
                    session, ExternalContextEvent.tool_result(ev.call_id, ev.name, result)
                )
        return step

    question = _pcm(question_16k)
    question = np.concatenate([question, np.zeros((-question.shape[0]) % CHUNK, np.int16)])
    for i in range(0, question.shape[0], CHUNK):
        await feed(question[i : i + CHUNK])
    silence = np.zeros(CHUNK, np.int16)
    for _ in range(3000):
        await feed(silence)
        if session.emitted_samples >= 12_000:  # half a second of the reply has played
            break
        if session.pending_samples == 0:
            await backend.wait(session, 0.05)
    assert session.emitted_samples >= 12_000
    assert session.pending_samples > 0, "the reply should still be playing"
    # Speech over the reply pauses it at once (a cough must not cut it) and stops it for
    # good once the words are heard: no reply audio leaves after the pause.
    paused = detected = None
    after = 0
    stop = np.concatenate([stop, np.zeros((-stop.shape[0]) % CHUNK, np.int16)])
    tail = [silence] * 150  # 4.8 s of silence after the words
    for i, frame in enumerate([*np.split(stop, stop.shape[0] // CHUNK), *tail]):
        step = await feed(frame)
        kinds = {type(e) for e in step.control_events}
        if paused is not None:
            after += sum(f.samples.shape[0] for f in step.output_audio)
        elif PlayoutPause in kinds:
            paused = i
            assert step.output_audio == []
        inter = [e for e in step.control_events if isinstance(e, Interruption)]
        if inter:
            detected = i
            assert inter[0].dropped_samples > 0
            break
        if i * CHUNK >= stop.shape[0]:
            await asyncio.sleep(CHUNK / 16_000)  # the silence comes in real time
    assert paused is not None, "the VAD never heard the barge-in"
    assert detected is not None, "the barge-in was never confirmed"
    assert paused * CHUNK < stop.shape[0]
    assert after == 0
    assert session.turns[0].interrupted
    await backend.end_session(session)
