"""Session edges: transports without a declared rate, transport failures, bad audio,
backends without generation ids, metrics serialisation."""

from __future__ import annotations

import json

import numpy as np

from vona import AudioInputFrame, AudioOutputFrame, PassthroughStsBackend
from vona.backends.step import BackendCapabilities, BackendStep
from vona.config import SessionConfig
from vona.driver import run_session
from vona.errors import TransportError
from vona.events import ExternalContextEvent, Interruption, ToolCallRequested, TurnEnd
from vona.skills import SkillRegistry
from vona.testing import (
    MockBackend,
    MockTurn,
    ScriptedTransport,
    VirtualClock,
    noise,
    run_scripted,
    run_virtual,
    silence,
)

RATE = 16_000


class BareTransport:
    """Declares no sample rate; fails after ``fail_after`` chunks if set."""

    def __init__(self, inner: ScriptedTransport, fail_after: int | None = None) -> None:
        self.inner = inner
        self.fail_after = fail_after
        self.count = 0

    async def recv(self) -> AudioInputFrame | None:
        self.count += 1
        if self.fail_after is not None and self.count > self.fail_after:
            raise TransportError("socket reset by peer")
        return await self.inner.recv()

    async def send(self, frame: AudioOutputFrame) -> None:
        await self.inner.send(frame)

    async def clear(self) -> int:
        return await self.inner.clear()


def test_rate_comes_from_the_first_frame() -> None:
    clock = VirtualClock()
    audio = noise(500, 48_000, seed=4)
    inner = ScriptedTransport(audio, 48_000, clock=clock)
    transport = BareTransport(inner)
    m = run_virtual(
        run_session(transport, PassthroughStsBackend(48_000, 960), clock=clock), clock=clock
    )
    assert m.error is None
    np.testing.assert_array_equal(inner.output_audio(), audio)


def test_transport_failure_ends_the_session_with_the_error() -> None:
    clock = VirtualClock()
    inner = ScriptedTransport(silence(1000, RATE), RATE, clock=clock)
    backend = MockBackend()
    m = run_virtual(
        run_session(BareTransport(inner, fail_after=10), backend, clock=clock), clock=clock
    )
    assert m.end_reason == "error"
    assert m.error == {
        "type": "TransportError",
        "message": "socket reset by peer",
        "backend": "mock",
    }
    assert backend.session.ended


def test_audio_at_the_wrong_rate_is_an_error() -> None:
    clock = VirtualClock()
    inner = ScriptedTransport(silence(200, RATE), RATE, clock=clock)
    m = run_virtual(
        run_session(inner, PassthroughStsBackend(), clock=clock, transport_sample_rate_hz=8000),
        clock=clock,
    )
    assert m.error is not None
    assert m.error["type"] == "AudioFormatError"
    assert "8000 Hz" in m.error["message"]


class NoIdsBackend:
    """Asks for a tool and barges in, without generation ids (all 0)."""

    def __init__(self) -> None:
        self.steps = 0
        self.injected: list[ExternalContextEvent] = []
        self.interruptions: list[Interruption] = []

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(name="no-ids")

    async def start_session(self, config: SessionConfig) -> None:
        return None

    async def step(self, session: None, frame: AudioInputFrame) -> BackendStep:
        self.steps += 1
        out = BackendStep()
        if self.steps == 5:
            out.output_audio.append(AudioOutputFrame(1, RATE, 1, np.full(3200, 100, np.int16)))
            out.control_events.append(ToolCallRequested("a", "echo", '{"text": "one"}'))
            out.control_events.append(Interruption())
        elif self.steps == 30:
            out.control_events.append(ToolCallRequested("b", "echo", '{"text": "two"}'))
            out.control_events.append(TurnEnd())
        return out

    async def inject_event(self, session: None, event: ExternalContextEvent) -> None:
        self.injected.append(event)

    async def on_interrupt(self, session: None, interruption: Interruption) -> None:
        self.interruptions.append(interruption)

    async def end_session(self, session: None) -> None:
        return None


def test_backend_without_generation_ids_keeps_working_after_an_interruption() -> None:
    reg = SkillRegistry()

    @reg.skill()
    def echo(text: str) -> str:
        return text

    backend = NoIdsBackend()
    run = run_scripted(silence(1000, RATE), backend, sample_rate_hz=RATE, skills=reg)
    states = {r.call_id: r.state for r in run.metrics.tool_calls}
    assert states == {"a": "cancelled", "b": "succeeded"}
    assert [e.call_id for e in backend.injected] == ["b"]
    assert backend.interruptions[0].dropped_samples == 3200


def test_metrics_to_json_is_plain_data() -> None:
    run = run_scripted(
        silence(1500, RATE),
        MockBackend([MockTurn(at_ms=200, reply_ms=1000, interrupt_at_ms=700)]),
        sample_rate_hz=RATE,
    )
    data = json.loads(run.metrics.to_json())
    assert data["end_reason"] == "input_ended"
    assert data["interruptions"][0]["dropped_samples"] == (
        data["interruptions"][0]["dropped_ring_samples"]
        + data["interruptions"][0]["dropped_transport_samples"]
    )
    assert data["events"][0] == {
        "t_ns": 0,
        "kind": "session_start",
        "data": {"session_id": "scripted"},
    }
    assert data["duration_ns"] == 1_500_000_000
    assert data["frames_in"] == 75
