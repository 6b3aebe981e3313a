"""The audio books of a session balance: every input sample is stepped and every sample a
backend produces is played or counted as dropped with its reason (issue 13 numbers)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vona import PassthroughStsBackend
from vona.backends.step import BackendCapabilities, BackendStep
from vona.config import SessionConfig
from vona.driver import run_session
from vona.errors import TransportError
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.metrics import SessionMetrics
from vona.runtime import VonaRuntime
from vona.testing import ScriptedTransport, VirtualClock, run_virtual, tone

RATE = 16_000


def noise(n: int, seed: int) -> np.ndarray:
    """``n`` samples of noise without zeros (so padding is told apart from audio)."""
    values = np.random.default_rng(seed).integers(1, 12_000, n, dtype=np.int16)
    return values * np.where(np.arange(n) % 2, 1, -1).astype(np.int16)


def _run(
    transport: ScriptedTransport, backend: Any, clock: VirtualClock, **rt: Any
) -> SessionMetrics:
    return run_virtual(
        run_session(transport, backend, runtime=VonaRuntime(**rt), clock=clock), clock=clock
    )


def _fast(audio: np.ndarray, rate: int = RATE, **kw: Any) -> tuple[ScriptedTransport, VirtualClock]:
    clock = VirtualClock()
    return ScriptedTransport(audio, rate, realtime=False, clock=clock, **kw), clock


def _assert_echo(played: np.ndarray, audio: np.ndarray) -> None:
    """Passthrough output: the whole input, then at most one frame of zero padding."""
    assert played.shape[0] >= audio.shape[0]
    np.testing.assert_array_equal(played[: audio.shape[0]], audio)
    assert not played[audio.shape[0] :].any()
    assert played.shape[0] - audio.shape[0] < 320


@pytest.mark.parametrize("native", [True, False])
def test_fast_input_plays_out_in_full(native: bool) -> None:
    # 17.4 s delivered faster than real time: the drain used to stop 5 s after the input.
    audio = noise(278_231, seed=3)
    transport, clock = _fast(audio, chunk_samples=(100, 900))
    m = _run(transport, PassthroughStsBackend(), clock, native_backends=native)
    assert m.end_reason == "input_ended"
    _assert_echo(transport.played_audio(), audio)
    assert m.dropped_samples == 0
    assert m.books_balance() == 0
    assert m.played_samples == m.produced_samples == transport.played_audio().shape[0]


class LastStepReply:
    """A step backend that answers the input's last frame with a long reply."""

    vona_contract = "step"

    def __init__(self, total_frames: int, reply: np.ndarray) -> None:
        self.total_frames = total_frames
        self.reply = reply

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities("last-step", RATE, RATE, frame_samples=320)

    async def start_session(self, config: SessionConfig) -> list[int]:
        return [0]

    async def step(self, session: list[int], frame: AudioInputFrame) -> BackendStep:
        session[0] += 1
        if session[0] == self.total_frames:
            out = AudioOutputFrame(session[0], RATE, 1, self.reply)
            return BackendStep(output_audio=[out])
        return BackendStep()

    async def inject_event(self, session: list[int], event: ExternalContextEvent) -> None:
        return None

    async def end_session(self, session: list[int]) -> None:
        return None


def test_long_reply_on_the_last_step_is_not_cut() -> None:
    reply = tone(10_000, RATE, 300.0)
    transport, clock = _fast(noise(16_000, seed=1))
    m = _run(transport, LastStepReply(50, reply), clock)
    np.testing.assert_array_equal(transport.played_audio(), reply)
    assert m.dropped_samples == 0
    assert m.books_balance() == 0


def test_ring_overflow_is_counted() -> None:
    # 130 s in one frame against a 120 s ring: 160,000 samples refused.
    audio = noise(130 * RATE, seed=5)
    transport, clock = _fast(audio, chunk_samples=audio.shape[0])
    m = _run(transport, PassthroughStsBackend(), clock)
    assert m.dropped_by_reason == {"ring_overflow": 160_000}
    assert m.dropped_samples == 160_000
    assert m.played_samples == 120 * RATE
    assert m.books_balance() == 0
    np.testing.assert_array_equal(transport.played_audio(), audio[: 120 * RATE])


@pytest.mark.parametrize("n", [16_040, 100, 319, 321])
@pytest.mark.parametrize("native", [True, False])
def test_last_partial_frame_is_stepped(n: int, native: bool) -> None:
    audio = noise(n, seed=n)
    transport, clock = _fast(audio)
    m = _run(transport, PassthroughStsBackend(), clock, native_backends=native)
    _assert_echo(transport.played_audio(), audio)
    assert m.books_balance() == 0


@pytest.mark.parametrize("native", [True, False])
def test_resampled_tail_reaches_the_backend_and_the_listener(native: bool) -> None:
    # 48 kHz in, a 16 kHz backend: the last 40 ms used to be lost (46,080 of 48,000).
    audio = tone(1000, 48_000, 440.0)
    transport, clock = _fast(audio, rate=48_000)
    m = _run(transport, PassthroughStsBackend(), clock, native_backends=native)
    played = transport.played_audio()
    assert played.shape[0] >= 48_000
    last = played[47_000:48_000].astype(np.float64)
    assert np.sqrt(np.mean(last**2)) > 1000  # the tone is there to the end
    assert m.books_balance() == 0
    assert m.dropped_samples == 0


class HangingSend(ScriptedTransport):
    """Plays ``ok_frames`` frames, then ``send`` never returns."""

    def __init__(self, *a: Any, ok_frames: int, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.ok_frames = ok_frames

    async def send(self, frame: AudioOutputFrame) -> None:
        if len(self.sent) >= self.ok_frames:
            await asyncio.Event().wait()
        await super().send(frame)


def test_hanging_send_ends_the_session_and_counts_the_loss() -> None:
    clock = VirtualClock()
    audio = noise(32_000, seed=2)
    transport = HangingSend(audio, RATE, clock=clock, ok_frames=10)
    m = _run(transport, PassthroughStsBackend(), clock, send_timeout_s=1.0)
    assert m.end_reason == "error"
    assert m.error is not None
    assert m.error["type"] == "TransportError"
    assert m.played_samples == 3200 == m.samples_out
    assert m.dropped_by_reason["transport_failure"] == 320
    assert m.books_balance() == 0
    assert m.played_samples + m.dropped_samples == m.produced_samples


class RaisingSend(ScriptedTransport):
    async def send(self, frame: AudioOutputFrame) -> None:
        if len(self.sent) == 5:
            raise TransportError("socket closed")
        await super().send(frame)


def test_raising_send_is_not_counted_as_sent() -> None:
    clock = VirtualClock()
    transport = RaisingSend(noise(32_000, seed=4), RATE, clock=clock)
    m = _run(transport, PassthroughStsBackend(), clock)
    assert m.end_reason == "error"
    assert m.samples_out == 5 * 320 == transport.sent_samples
    assert m.frames_out == 5
    assert m.dropped_by_reason["transport_failure"] == 320
    assert m.books_balance() == 0


class LaggingReport(ScriptedTransport):
    """A transport whose listener is ``lag`` samples behind what it was sent (a client
    jitter buffer); ``lag=None`` reports nothing (``played_samples()`` -> None)."""

    def __init__(self, *a: Any, lag: int | None, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.lag = lag

    def played_samples(self) -> int | None:  # type: ignore[override]
        if self.lag is None:
            return None
        return max(super().played_samples() - self.lag, 0)


def _barge_in(lag: int | None) -> tuple[SessionMetrics, LaggingReport]:
    from vona.testing import MockBackend, MockTurn

    clock = VirtualClock()
    transport = LaggingReport(tone(3000, RATE, 200.0), RATE, clock=clock, lag=lag)
    backend = MockBackend([MockTurn(at_ms=300, reply_ms=2000, interrupt_at_ms=1300)])
    return _run(transport, backend, clock), transport


def test_interruption_uses_the_transports_playback_report() -> None:
    sent_less_cleared, _ = _barge_in(None)
    heard, _ = _barge_in(1600)
    base = sent_less_cleared.interruptions[0].played_samples
    assert base > 1600
    record = heard.interruptions[0]
    assert record.played_samples == base - 1600
    assert record.played_ms == record.played_samples * 1000 // RATE
    assert heard.books_balance() == 0 == sent_less_cleared.books_balance()


def test_drain_gives_up_on_a_busy_backend_and_says_so() -> None:
    from vona.testing import MockRealtimeBackend, WaitInput, reply

    # A response that never finishes: its 500 ms of audio play out in full, then the
    # drain waits drain_timeout_s for the rest and gives up, logging it.
    backend = MockRealtimeBackend([WaitInput(100), *reply("r1", 500, done=False)])
    clock = VirtualClock()
    transport = ScriptedTransport(noise(16_000, seed=9), RATE, clock=clock)
    m = _run(transport, backend, clock, drain_timeout_s=2.0)
    assert m.end_reason == "input_ended"
    assert "drain_timeout" in m.event_kinds()
    gave_up = next(e for e in m.events if e.kind == "drain_timeout")
    assert gave_up.data["backend_busy"] is True
    assert gave_up.data["queued_samples"] == 0
    # 500 ms at the transport rate: what played, and the resampler's tail, given up
    assert m.produced_samples == 8000
    assert m.played_samples + m.dropped_by_reason.get("drain_timeout", 0) == 8000
    assert m.played_samples > 7500
    assert m.books_balance() == 0


@pytest.mark.parametrize("transport_rate", [16_000, 48_000])
def test_flush_input_completes_the_echo_cancellers_frame(transport_rate: int) -> None:
    from vona.step_loop import StepLoop

    loop = StepLoop(transport_rate, RATE, 320, echo_cancel_ms=100)
    n = transport_rate // 100 * 3 + 7  # 30 ms and a bit: part of a canceller frame held
    frames = loop.push_input(np.full(n, 1000, np.int16))
    frames += loop.flush_input()
    assert len(frames) * 320 >= n * RATE // transport_rate
    assert loop.flush_input() == []
