"""run_session with step-oriented backends, on virtual time."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vona import PassthroughStsBackend, SessionConfig
from vona.driver import run_session
from vona.errors import BackendError
from vona.runtime import VonaRuntime
from vona.skills import SkillRegistry
from vona.testing import (
    MockBackend,
    MockToolCall,
    MockTurn,
    ScriptedTransport,
    VirtualClock,
    concat,
    noise,
    run_scripted,
    run_virtual,
    silence,
    tone,
)

RATE = 16_000


def weather_skills(delay_s: float = 0.2) -> SkillRegistry:
    reg = SkillRegistry()

    @reg.skill(description="Current weather for a city")
    async def weather(city: str) -> dict[str, Any]:
        await asyncio.sleep(delay_s)
        return {"city": city, "temp_c": 21}

    return reg


def tool_turn(**kw: Any) -> MockTurn:
    base: dict[str, Any] = {
        "at_ms": 500,
        "latency_ms": 100,
        "reply_ms": 400,
        "tool_calls": (MockToolCall("weather", {"city": "Oslo"}),),
        "after_tool_ms": 300,
    }
    base.update(kw)
    return MockTurn(**base)


def test_tool_round_trip_event_order_and_audio() -> None:
    backend = MockBackend([tool_turn()])
    run = run_scripted(silence(3000, RATE), backend, sample_rate_hz=RATE, skills=weather_skills())
    m = run.metrics
    assert m.end_reason == "input_ended"
    assert m.error is None
    result = run.assert_tool_round_trip("call-1-0")
    assert result.payload == {
        "name": "weather",
        "ok": True,
        "result": {"city": "Oslo", "temp_c": 21},
    }
    assert result.generation_id == 1
    run.assert_event_order(
        "session_start",
        "backend_started",
        "user_speech_end",
        "assistant_audio_start",
        "tool_requested",
        "tool_validated",
        "tool_started",
        "first_audio",
        "turn_latency",
        "tool_succeeded",
        "tool_result",
        "assistant_done",
        "input_ended",
        "session_end",
    )
    # The user heard the reply, then the follow-up spoken after the tool result.
    expected = concat(tone(400, RATE, 440.0), tone(300, RATE, 660.0))
    np.testing.assert_array_equal(run.transport.played_audio(), expected)
    # The tools offered to the backend came from the registry.
    assert [t.name for t in backend.session.config.tools] == ["weather"]
    # Speech end at 500 ms of input; the reply was queued at 600 ms and, with nothing
    # playing, sent at once rather than on the next 20 ms playout tick.
    assert m.turn_latencies_ns == [100_000_000]
    assert m.tool_calls[0].state == "succeeded"
    assert m.tool_calls[0].duration_ns == 200_000_000


def test_metrics_identical_across_runs() -> None:
    def once() -> dict[str, Any]:
        backend = MockBackend([tool_turn()])
        run = run_scripted(
            silence(3000, RATE),
            backend,
            sample_rate_hz=RATE,
            skills=weather_skills(),
            chunk_samples=(50, 700),
            seed=7,
        )
        return run.metrics.to_dict()

    first, second = once(), once()
    assert first == second
    assert first["tool_calls"][0]["state"] == "succeeded"


def test_interruption_drops_exactly_the_unplayed_samples() -> None:
    turn = MockTurn(at_ms=500, latency_ms=0, reply_ms=2000, interrupt_at_ms=1200)
    backend = MockBackend([turn])
    run = run_scripted(silence(2500, RATE), backend, sample_rate_hz=RATE)
    m = run.metrics
    assert len(m.interruptions) == 1
    rec = m.interruptions[0]
    reply = tone(2000, RATE, 440.0)
    # Everything queued was either heard or dropped, nothing twice.
    assert rec.played_samples + rec.dropped_samples == reply.shape[0]
    assert 0 < rec.played_samples < reply.shape[0]
    # What the transport played is exactly the first played_samples of the reply.
    np.testing.assert_array_equal(run.transport.played_audio(), reply[: rec.played_samples])
    assert run.transport.clears[0].dropped_samples == rec.dropped_transport_samples
    assert m.dropped_samples == rec.dropped_samples
    # The backend learnt the played position (same rate on both sides here).
    told = backend.session.interruptions
    assert len(told) == 1
    assert told[0].played_samples == rec.played_samples
    assert told[0].played_ms == rec.played_ms == rec.played_samples * 1000 // RATE
    assert told[0].generation_id == 1


def test_tool_of_interrupted_generation_never_runs() -> None:
    ran: list[str] = []
    reg = SkillRegistry()

    @reg.skill()
    async def weather(city: str) -> str:
        ran.append(city)
        return "sunny"

    # The barge-in comes in the same step as the tool request.
    turn = tool_turn(latency_ms=0, interrupt_at_ms=500)
    later = tool_turn(at_ms=1500, tool_calls=(MockToolCall("weather", {"city": "Rome"}),))
    backend = MockBackend([turn, later])
    run = run_scripted(silence(3000, RATE), backend, sample_rate_hz=RATE, skills=reg)
    run.assert_tool_never_ran("call-1-0")
    run.assert_tool_round_trip("call-2-0")
    assert ran == ["Rome"]
    assert run.metrics.interruptions[0].cancelled_calls == ["call-1-0"]


def test_barge_in_during_a_running_tool_cancels_it() -> None:
    reg = weather_skills(delay_s=2.0)
    turn = tool_turn(reply_ms=0, interrupt_at_ms=1000)
    backend = MockBackend([turn])
    run = run_scripted(silence(2000, RATE), backend, sample_rate_hz=RATE, skills=reg)
    rec = run.tool_call("call-1-0")
    assert rec.state == "cancelled"
    run.assert_event_order("tool_started", "tool_cancelled", "interruption")
    assert backend.session.injected == []


def test_fallback_on_retryable_failure_keeps_config() -> None:
    primary = MockBackend([MockTurn(at_ms=500, fail="retryable")], name="primary")
    backup = MockBackend([MockTurn(at_ms=300, reply_ms=200)], name="backup")
    config = SessionConfig(instructions="be brief")
    run = run_scripted(
        silence(2000, RATE),
        primary,
        sample_rate_hz=RATE,
        config=config,
        runtime=VonaRuntime(fallbacks=[backup]),
    )
    m = run.metrics
    assert m.error is None
    assert m.end_reason == "input_ended"
    assert m.backend == "backup"
    assert [(f.from_backend, f.to_backend, f.retryable) for f in m.fallbacks] == [
        ("primary", "backup", True)
    ]
    assert "scripted retryable failure" in m.fallbacks[0].reason
    assert backup.session.config.instructions == "be brief"
    assert primary.session.ended
    np.testing.assert_array_equal(run.transport.played_audio(), tone(200, RATE))
    run.assert_event_order("backend_error", "fallback", "backend_started", "assistant_audio_start")


def test_fallback_when_start_fails_and_when_none_is_left() -> None:
    bad = MockBackend(name="bad", fail_on_start="retryable")
    good = MockBackend([MockTurn(at_ms=100, reply_ms=100)], name="good")
    run = run_scripted(
        silence(600, RATE), bad, sample_rate_hz=RATE, runtime=VonaRuntime(fallbacks=[good])
    )
    assert run.metrics.backend == "good"
    assert run.metrics.error is None

    lonely = MockBackend([MockTurn(at_ms=200, fail="retryable")], name="lonely")
    run = run_scripted(silence(600, RATE), lonely, sample_rate_hz=RATE)
    m = run.metrics
    assert m.end_reason == "error"
    assert m.error is not None
    assert m.error["retryable"] is True
    assert m.fallbacks[0].to_backend is None
    assert "no fallback backend left" in m.fallbacks[0].reason


def test_fatal_error_ends_the_session_cleanly() -> None:
    backend = MockBackend([MockTurn(at_ms=400, fail="fatal")], name="doomed")
    fallback = MockBackend(name="unused")
    run = run_scripted(
        silence(2000, RATE), backend, sample_rate_hz=RATE, runtime=VonaRuntime(fallbacks=[fallback])
    )
    m = run.metrics
    assert m.end_reason == "error"
    assert m.error == {
        "type": "BackendError",
        "message": "doomed: scripted fatal failure in turn 1",
        "retryable": False,
        "backend": "doomed",
    }
    assert m.fallbacks == []
    assert fallback.sessions == []
    assert backend.session.ended
    # It stopped at the failure: 400 ms of input, not 2000.
    assert m.duration_ns == 400_000_000
    assert m.to_dict()["error"]["type"] == "BackendError"


def test_fatal_error_raises_when_asked() -> None:
    clock = VirtualClock()
    backend = MockBackend([MockTurn(at_ms=100, fail="fatal")])
    transport = ScriptedTransport(silence(500, RATE), RATE, clock=clock)
    with pytest.raises(BackendError, match="fatal failure"):
        run_virtual(run_session(transport, backend, clock=clock, raise_errors=True), clock=clock)
    assert backend.session.ended


@pytest.mark.parametrize(
    ("frame_samples", "chunks", "seed"), [(320, (1, 2000), 1), (160, (1, 97), 2)]
)
def test_passthrough_loses_and_duplicates_nothing(
    frame_samples: int, chunks: tuple[int, int], seed: int
) -> None:
    audio = noise(60_000 if frame_samples == 320 else 8_000, RATE, seed=seed)
    backend = PassthroughStsBackend(RATE, frame_samples)
    run = run_scripted(audio, backend, sample_rate_hz=RATE, chunk_samples=chunks, seed=seed)
    m = run.metrics
    whole = audio.shape[0] // frame_samples * frame_samples
    assert m.backend_frames == whole // frame_samples
    assert m.backend_frames > 2000 or frame_samples == 160
    out = run.transport.output_audio()
    np.testing.assert_array_equal(out, audio[:whole])
    assert m.samples_in == audio.shape[0]
    assert m.samples_out == whole
    assert m.dropped_samples == 0


def test_max_session_duration() -> None:
    backend = PassthroughStsBackend(RATE)
    run = run_scripted(
        silence(5000, RATE), backend, sample_rate_hz=RATE, runtime=VonaRuntime(max_session_s=1.0)
    )
    assert run.metrics.end_reason == "max_duration"
    assert run.metrics.duration_ns == 1_000_000_000
    assert run.metrics.error is None


@pytest.mark.parametrize("pacing", ["driver", "transport"])
def test_filler_audio_while_a_tool_runs(pacing: str) -> None:
    filler = tone(50, RATE, 200.0, amplitude=500)
    turn = tool_turn(reply_ms=0, after_tool_ms=300)
    backend = MockBackend([turn])
    run = run_scripted(
        silence(3000, RATE),
        backend,
        sample_rate_hz=RATE,
        skills=weather_skills(delay_s=1.0),
        runtime=VonaRuntime(filler_audio=filler, filler_after_ms=100, pacing=pacing),  # type: ignore[arg-type]
    )
    m = run.metrics
    sent = run.transport.sent
    fillers = [s for s in sent if s.frame.is_filler]
    # Filler is paced by the playout timer even when the transport paces the rest.
    assert set(np.diff([s.t_ns for s in fillers]).tolist()) == {20_000_000}
    # About 0.9 s of filler at 20 ms per frame, all before the tool's follow-up audio.
    assert 40 <= len(fillers) <= 46
    assert m.filler_frames_out == len(fillers)
    first_real = next(i for i, s in enumerate(sent) if not s.frame.is_filler)
    assert all(s.frame.is_filler for s in sent[:first_real])
    np.testing.assert_array_equal(run.transport.played_audio(), tone(300, RATE, 660.0))
    filler_audio = np.concatenate([s.frame.samples for s in fillers])
    np.testing.assert_array_equal(filler_audio, np.resize(filler, filler_audio.shape[0]))


def test_app_interrupt_and_inject() -> None:
    clock = VirtualClock()
    backend = MockBackend([MockTurn(at_ms=100, reply_ms=3000)])
    transport = ScriptedTransport(silence(2000, RATE), RATE, clock=clock)

    async def main() -> Any:
        from vona.driver import SessionDriver
        from vona.events import ExternalContextEvent

        driver = SessionDriver(transport, backend, clock=clock)
        task = asyncio.get_running_loop().create_task(driver.run())
        await clock.sleep(600_000_000)
        await driver.inject(ExternalContextEvent.transcript_override("hello"))
        rec = await driver.interrupt("app")
        return rec, await task

    rec, m = run_virtual(main(), clock=clock)
    assert rec.reason == "app"
    assert rec.played_samples + rec.dropped_samples == tone(3000, RATE).shape[0]
    assert backend.session.injected[0].payload == {"text": "hello"}
    assert backend.session.interruptions[0].reason == "app"
    assert m.interruptions == [rec]


def test_input_keeps_flowing_while_a_slow_step_runs() -> None:
    # Each step takes 50 ms for 20 ms of audio: without read-ahead the transport would be
    # read 2.5x slower than real time.
    backend = MockBackend([MockTurn(at_ms=200, reply_ms=100)], step_delay_ms=50)
    audio = silence(1000, RATE)
    run = run_scripted(audio, backend, sample_rate_hz=RATE)
    tr = run.transport
    assert tr.recv_count == 50
    # Every chunk was read within one playout period of its capture time.
    frames_at = [(i + 1) * 20_000_000 for i in range(50)]
    lags = [
        t - tr.recv_times_ns[0] + 20_000_000 - at
        for t, at in zip(tr.recv_times_ns, frames_at, strict=True)
    ]
    assert max(lags) <= 20_000_000
    # Nothing was lost: all input reached the backend, in order, after the input ended.
    assert backend.session.input_samples == audio.shape[0]
    assert run.metrics.backend_frames == 50
    assert run.metrics.end_reason == "input_ended"
