"""Nothing may hang a session: hung backend calls and transports end or fail over."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest

from vona import PassthroughStsBackend
from vona.backends.step import BackendStep
from vona.config import SessionConfig
from vona.driver import run_session
from vona.errors import ConfigError
from vona.frames import AudioInputFrame
from vona.metrics import SessionMetrics
from vona.runtime import VonaRuntime
from vona.testing import ScriptedTransport, VirtualClock, run_virtual, tone

RATE = 16_000


class Hangs(PassthroughStsBackend):
    """A Python step backend (no native slot) that hangs in one of its calls."""

    vona_contract = "step"

    def __init__(self, where: str, after_steps: int = 0) -> None:
        super().__init__()
        self.where = where
        self.after_steps = after_steps
        self.steps = 0
        self.ended = False

    def native_slot(self) -> None:  # type: ignore[override]
        return None

    async def start_session(self, config: SessionConfig) -> Any:
        if self.where == "start":
            await asyncio.Event().wait()
        return await super().start_session(config)

    async def step(self, session: Any, frame: AudioInputFrame) -> BackendStep:
        self.steps += 1
        if self.where == "step" and self.steps > self.after_steps:
            await asyncio.Event().wait()
        return await super().step(session, frame)

    async def end_session(self, session: Any) -> None:
        self.ended = True
        if self.where == "end":
            await asyncio.Event().wait()


def _virtual(
    transport_audio: np.ndarray, backend: Any, **rt: Any
) -> tuple[SessionMetrics, ScriptedTransport]:
    clock = VirtualClock()
    transport = ScriptedTransport(transport_audio, RATE, clock=clock)
    m = run_virtual(
        run_session(transport, backend, runtime=VonaRuntime(**rt), clock=clock), clock=clock
    )
    return m, transport


@pytest.mark.parametrize("where", ["start", "step"])
def test_hung_backend_call_fails_over(where: str) -> None:
    audio = tone(2000, RATE, 300.0)
    m, _ = _virtual(
        audio,
        Hangs(where, after_steps=10),
        fallback=PassthroughStsBackend(),
        step_timeout_s=1.0,
        start_timeout_s=1.0,
    )
    assert m.end_reason == "input_ended"
    assert [f.to_backend for f in m.fallbacks] == ["passthrough"]
    assert m.fallbacks[0].retryable
    assert "within 1 s" in m.fallbacks[0].reason
    assert m.books_balance() == 0


def test_hung_step_without_fallback_ends_with_the_reason() -> None:
    m, _ = _virtual(tone(2000, RATE, 300.0), Hangs("step", after_steps=3), step_timeout_s=0.5)
    assert m.end_reason == "error"
    assert m.error is not None
    assert m.error["type"] == "BackendError"
    assert m.error["retryable"] is True


def test_hung_end_session_is_abandoned() -> None:
    backend = Hangs("end")
    m, _ = _virtual(tone(500, RATE, 300.0), backend, end_timeout_s=0.5)
    assert m.end_reason == "input_ended"
    assert backend.ended
    assert "backend_close_timeout" in m.event_kinds()


class SilentPeer(ScriptedTransport):
    """Delivers its audio, then ``recv`` never returns (the peer vanished)."""

    async def recv(self) -> AudioInputFrame | None:
        frame = await super().recv()
        if frame is None:
            await asyncio.Event().wait()
        return frame


class HangingClear(ScriptedTransport):
    async def clear(self) -> int:
        await asyncio.Event().wait()
        return 0


def test_recv_that_never_returns_ends_the_session() -> None:
    clock = VirtualClock()
    transport = SilentPeer(tone(500, RATE, 300.0), RATE, clock=clock)
    m = run_virtual(
        run_session(
            transport,
            PassthroughStsBackend(),
            runtime=VonaRuntime(input_timeout_s=2.0),
            clock=clock,
        ),
        clock=clock,
    )
    assert m.end_reason == "input_timeout"
    assert 2e9 <= m.duration_ns < 3e9
    assert m.books_balance() == 0


def test_hanging_clear_on_barge_in_does_not_hang() -> None:
    from vona.testing import MockBackend, MockTurn

    clock = VirtualClock()
    transport = HangingClear(tone(3000, RATE, 300.0), RATE, clock=clock)
    backend = MockBackend([MockTurn(at_ms=200, reply_ms=2000, interrupt_at_ms=800)])
    m = run_virtual(
        run_session(transport, backend, runtime=VonaRuntime(clear_timeout_s=0.5), clock=clock),
        clock=clock,
    )
    assert m.end_reason == "input_ended"
    assert "transport_clear_timeout" in m.event_kinds()
    assert len(m.interruptions) == 1


def test_read_ahead_is_bounded_while_a_step_hangs() -> None:
    clock = VirtualClock()
    audio = tone(60_000, RATE, 300.0)
    transport = ScriptedTransport(audio, RATE, clock=clock, realtime=False)
    m = run_virtual(
        run_session(
            transport,
            Hangs("step", after_steps=5),
            runtime=VonaRuntime(step_timeout_s=5.0, max_read_ahead_frames=50),
            clock=clock,
        ),
        clock=clock,
    )
    assert m.input_shed_frames > 0
    assert m.end_reason == "error"


def test_runtime_rejects_bad_timeouts() -> None:
    with pytest.raises(ConfigError, match="step_timeout_s"):
        VonaRuntime(step_timeout_s=0)
    with pytest.raises(ConfigError, match="max_read_ahead_frames"):
        VonaRuntime(max_read_ahead_frames=0)


def test_hung_step_fails_over_on_the_real_clock() -> None:
    async def main() -> SessionMetrics:
        transport = ScriptedTransport(tone(1500, RATE, 300.0), RATE)
        return await run_session(
            transport,
            Hangs("step", after_steps=20),
            runtime=VonaRuntime(fallback=PassthroughStsBackend(), step_timeout_s=0.3),
        )

    started = time.monotonic()
    m = asyncio.run(main())
    assert m.end_reason == "input_ended"
    assert [f.to_backend for f in m.fallbacks] == ["passthrough"]
    assert time.monotonic() - started < 30  # ended, not hung (generous: loaded machine)
    assert m.books_balance() == 0
