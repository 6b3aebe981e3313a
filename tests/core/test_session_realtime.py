"""run_session with event-stream (realtime) backends, through the realtime harness."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from vona.realtime import (
    AudioDelta,
    Interrupted,
    RealtimeError,
    ResponseDone,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
    UnknownEvent,
)
from vona.runtime import VonaRuntime
from vona.skills import SkillRegistry
from vona.testing import (
    Close,
    Emit,
    Fail,
    MockBackend,
    MockRealtimeBackend,
    MockTurn,
    WaitInput,
    WaitInterruption,
    WaitToolResult,
    concat,
    reply,
    run_realtime,
    run_scripted,
    silence,
    tone,
    tool_call,
)

RATE = 24_000


def skills() -> SkillRegistry:
    reg = SkillRegistry()

    @reg.skill()
    async def weather(city: str) -> dict[str, Any]:
        await asyncio.sleep(0.2)
        return {"city": city, "sky": "clear"}

    return reg


CONVERSATION = [
    WaitInput(300),
    Emit(SpeechStarted()),  # nothing is playing: not a barge-in
    WaitInput(800),
    Emit(SpeechStopped()),
    *tool_call("c1", "weather", '{"city": "Oslo"}', response_id="r1"),
    WaitToolResult("c1"),
    *reply("r2", 2000, chunk_ms=100),
    WaitInput(2000),
    Emit(SpeechStarted()),  # barge-in while r2 still plays
    WaitInterruption(),
    Emit(Interrupted()),  # the provider's echo of the same barge-in: no second interruption
    Emit(AudioDelta(tone(100, RATE), RATE, response_id="r2")),  # late audio of r2
    Emit(UnknownEvent("rate_limits.updated", {"limits": []})),
    Emit(SpeechStopped()),
    *reply("r3", 300, hz=880.0),
]


def test_realtime_tool_round_trip_and_barge_in_truncation() -> None:
    run = run_realtime(CONVERSATION, input_ms=4000, sample_rate_hz=RATE, skills=skills())
    m = run.metrics
    assert m.error is None
    assert m.end_reason == "input_ended"
    result = run.assert_tool_round_trip("c1")
    assert result.payload["result"] == {"city": "Oslo", "sky": "clear"}
    assert result.generation_id == 1

    assert len(m.interruptions) == 1
    rec = m.interruptions[0]
    assert rec.generation_id == 2
    r2 = tone(2000, RATE)
    assert rec.played_samples + rec.dropped_samples == r2.shape[0]
    told = run.assert_interrupted(played_ms=rec.played_ms)
    assert told.played_samples == rec.played_samples
    assert told.generation_id == 2
    # The user heard r2 up to the barge-in, then all of r3; the late r2 delta was dropped.
    expected = concat(r2[: rec.played_samples], tone(300, RATE, 880.0))
    np.testing.assert_array_equal(run.transport.played_audio(), expected)
    assert m.stale_audio_samples == tone(100, RATE).shape[0]

    run.assert_event_order(
        "backend_started",
        "user_speech_start",
        "user_speech_end",
        "tool_requested",
        "tool_started",
        "tool_succeeded",
        "tool_result",
        "assistant_audio_start",
        "first_audio",
        "turn_latency",
        "user_speech_start",
        "interruption",
        "provider_interrupted",
        "unknown_event",
        "user_speech_end",
        "assistant_audio_start",
        "response_done",
        "turn_latency",
        "input_ended",
        "session_end",
    )
    # Speech ended at 0.8 s; the tool took 0.2 s; r2 started playing at once (nothing was
    # queued in the transport, so it did not wait for the next playout tick).
    assert m.turn_latencies_ns[0] == 200_000_000
    assert run.latency_marks()["turn_latencies_ns"] == m.turn_latencies_ns
    assert len(m.turn_latencies_ns) == 2
    assert m.time_to_first_byte_ns == 1_000_000_000
    # The provider got the tools from the registry.
    assert [t.name for t in run.realtime_session.config.tools] == ["weather"]


def test_realtime_runs_are_deterministic() -> None:
    a = run_realtime(CONVERSATION, input_ms=4000, sample_rate_hz=RATE, skills=skills())
    b = run_realtime(CONVERSATION, input_ms=4000, sample_rate_hz=RATE, skills=skills())
    assert a.metrics.to_json() == b.metrics.to_json()


def test_realtime_failure_falls_back_to_a_step_backend() -> None:
    primary = MockRealtimeBackend(
        [WaitInput(300), Fail("socket dropped", retryable=True)], name="rt", sample_rate_hz=RATE
    )
    backup = MockBackend(
        [MockTurn(at_ms=200, reply_ms=200)], name="step", sample_rate_hz=RATE, frame_samples=480
    )
    run = run_scripted(
        silence(1500, RATE), primary, sample_rate_hz=RATE, runtime=VonaRuntime(fallbacks=[backup])
    )
    m = run.metrics
    assert m.error is None
    assert [(f.from_backend, f.to_backend) for f in m.fallbacks] == [("rt", "step")]
    assert primary.session.closed
    np.testing.assert_array_equal(run.transport.played_audio(), tone(200, RATE))


def test_realtime_fatal_error_event_ends_cleanly() -> None:
    script = [
        WaitInput(200),
        Emit(RealtimeError("slow down", code="rate_limit")),
        WaitInput(400),
        Emit(RealtimeError("quota exhausted", code="insufficient_quota", fatal=True)),
    ]
    run = run_realtime(script, input_ms=2000, sample_rate_hz=RATE)
    m = run.metrics
    assert m.end_reason == "error"
    assert m.error is not None
    assert m.error["code"] == "insufficient_quota"
    assert m.error["type"] == "RealtimeError"
    assert m.event_kinds().count("realtime_error") == 2
    assert run.realtime_session.closed


def test_backend_closing_the_stream_ends_the_session() -> None:
    run = run_realtime([WaitInput(200), Close()], input_ms=2000, sample_rate_hz=RATE)
    assert run.metrics.end_reason == "backend_closed"
    assert run.metrics.error is None


def test_realtime_resampled_transport() -> None:
    script = [WaitInput(100), *reply("r1", 500)]
    run = run_realtime(script, input_ms=1500, sample_rate_hz=RATE, transport_rate_hz=48_000)
    m = run.metrics
    assert m.error is None
    # 500 ms at 24 kHz becomes about 500 ms at 48 kHz (less the resampler's held tail).
    assert 23_000 <= m.samples_out <= 24_000
    assert run.realtime_session.input_ms > 1400
    assert all(s.frame.sample_rate_hz == 48_000 for s in run.transport.sent)


def test_late_tool_call_of_an_interrupted_response_never_runs() -> None:
    ran: list[str] = []
    reg = SkillRegistry()

    @reg.skill()
    async def weather(city: str) -> str:
        ran.append(city)
        return "rain"

    script = [
        WaitInput(200),
        *reply("r1", 2000, done=False),
        WaitInput(1000),
        Emit(SpeechStarted()),
        WaitInterruption(),
        Emit(ToolCall("late", "weather", '{"city": "Oslo"}', response_id="r1")),
        Emit(ResponseDone("r1", status="cancelled")),
        WaitInput(1500),
        *tool_call("fresh", "weather", '{"city": "Bergen"}', response_id="r2"),
    ]
    run = run_realtime(script, input_ms=2500, sample_rate_hz=RATE, skills=reg)
    run.assert_tool_never_ran("late")
    run.assert_tool_round_trip("fresh")
    assert ran == ["Bergen"]
    assert run.tool_call("late").generation_id == 1
    assert run.tool_call("fresh").generation_id == 2


def test_transport_paced_realtime_backend_flushes_its_deltas() -> None:
    paced = run_realtime(
        CONVERSATION,
        input_ms=4000,
        sample_rate_hz=RATE,
        skills=skills(),
        runtime=VonaRuntime(pacing="transport"),
    )
    timed = run_realtime(CONVERSATION, input_ms=4000, sample_rate_hz=RATE, skills=skills())
    m = paced.metrics
    assert m.ok, m.error
    # The user heard r2 up to the barge-in, then all of r3, as with driver pacing ...
    rec = m.interruptions[0]
    r2 = tone(2000, RATE)
    assert rec.played_samples + rec.dropped_samples == r2.shape[0]
    expected = concat(r2[: rec.played_samples], tone(300, RATE, 880.0))
    np.testing.assert_array_equal(paced.transport.played_audio(), expected)
    # ... within a frame of the same position: audio that arrives between two playout
    # ticks starts at once here, at the next tick there.
    assert abs(rec.played_samples - timed.metrics.interruptions[0].played_samples) <= RATE // 50
    # ... and r2 (the mock emits its twenty 100 ms deltas at once) left as soon as it
    # arrived, in 20 ms frames, not one frame per period.
    first_r2 = next(s.t_ns for s in paced.transport.sent if not s.frame.is_filler)
    burst = [s for s in paced.transport.sent if s.t_ns == first_r2]
    assert len(burst) == 100
    assert {s.frame.samples_per_channel for s in burst} == {RATE // 50}
