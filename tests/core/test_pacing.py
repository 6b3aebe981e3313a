"""Playout pacing: the driver's playout timer, and transports that pace themselves."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vona import PassthroughStsBackend
from vona.clock import MonotonicClock
from vona.driver import run_session
from vona.errors import ConfigError, TransportError
from vona.frames import AudioOutputFrame
from vona.runtime import VonaRuntime
from vona.testing import (
    MockBackend,
    MockTurn,
    ScriptedTransport,
    VirtualClock,
    noise,
    run_scripted,
    run_virtual,
    silence,
    tone,
)

RATE = 16_000
TRANSPORT_PACED = VonaRuntime(pacing="transport")


class QueueingTransport(ScriptedTransport):
    """A transport that plays at real time by itself (its simulated device queues)."""

    paces_output = True


def test_driver_pacing_sends_one_frame_per_period() -> None:
    backend = MockBackend([MockTurn(at_ms=200, latency_ms=0, reply_ms=1000)])
    run = run_scripted(silence(2000, RATE), backend, sample_rate_hz=RATE)
    times = [s.t_ns for s in run.transport.sent]
    assert len(times) == 50
    assert set(np.diff(times).tolist()) == {20_000_000}
    # Never more than one frame queued in the transport: the driver did the pacing.
    assert all(s.frame.samples.shape[0] == 320 for s in run.transport.sent)


def test_driver_pacing_starts_a_turn_at_once_then_keeps_the_rhythm() -> None:
    # Two turns, each queued in the step of an input chunk that arrives in the same
    # instant as a playout tick but after it: the worst case for a free-running tick,
    # which would hold the first frame a whole period.
    turns = [
        MockTurn(at_ms=200, latency_ms=0, reply_ms=300),
        MockTurn(at_ms=1500, latency_ms=0, reply_ms=300),
    ]
    run = run_scripted(silence(2500, RATE), MockBackend(turns), sample_rate_hz=RATE)
    sent = [s.t_ns - run.metrics.started_ns for s in run.transport.sent]
    assert len(sent) == 30
    first, second = sent[:15], sent[15:]
    # Each turn's first frame left the moment it was queued, not at the next tick ...
    assert run.metrics.turn_latencies_ns == [0, 0]
    # ... and the rest followed one period apart.
    assert set(np.diff(first).tolist()) == set(np.diff(second).tolist()) == {20_000_000}


def test_transport_pacing_sends_whole_frames_as_soon_as_they_exist() -> None:
    backend = MockBackend([MockTurn(at_ms=200, latency_ms=0, reply_ms=1000)])
    run = run_scripted(silence(2000, RATE), backend, sample_rate_hz=RATE, runtime=TRANSPORT_PACED)
    sent = run.transport.sent
    assert sum(s.frame.samples_per_channel for s in sent) == 16_000
    # The mock produces its reply in one step: all of it goes out at once, in frames of
    # playout_frame_ms, and the transport plays it over the next second.
    assert len({s.t_ns for s in sent}) == 1
    assert all(s.frame.samples_per_channel == 320 for s in sent)
    np.testing.assert_array_equal(run.transport.played_audio(), tone(1000, RATE, 440.0))
    m = run.metrics
    assert m.underruns == 0
    assert m.frames_out == 50
    assert [s.frame.sequence for s in sent] == list(range(1, 51))


def test_auto_pacing_asks_the_transport() -> None:
    clock = VirtualClock()
    transport = QueueingTransport(silence(2000, RATE), RATE, clock=clock)
    backend = MockBackend([MockTurn(at_ms=200, latency_ms=0, reply_ms=1000)])
    m = run_virtual(run_session(transport, backend, clock=clock), clock=clock)
    assert m.ok
    assert len({s.t_ns for s in transport.sent}) == 1
    # ... and "driver" overrides the transport's wish.
    clock = VirtualClock()
    transport = QueueingTransport(silence(2000, RATE), RATE, clock=clock)
    backend = MockBackend([MockTurn(at_ms=200, latency_ms=0, reply_ms=1000)])
    runtime = VonaRuntime(pacing="driver")
    run_virtual(run_session(transport, backend, runtime=runtime, clock=clock), clock=clock)
    assert len({s.t_ns for s in transport.sent}) == 50


def test_transport_paced_barge_in_truncates_to_what_was_played() -> None:
    turn = MockTurn(at_ms=500, latency_ms=0, reply_ms=2000, interrupt_at_ms=1200)
    backend = MockBackend([turn])
    run = run_scripted(silence(2500, RATE), backend, sample_rate_hz=RATE, runtime=TRANSPORT_PACED)
    m = run.metrics
    rec = m.interruptions[0]
    reply = tone(2000, RATE, 440.0)
    # The whole reply sat in the transport's queue; clear() dropped the unplayed part.
    assert rec.dropped_transport_samples > rec.dropped_ring_samples
    assert rec.played_samples + rec.dropped_samples == reply.shape[0]
    assert 0 < rec.played_samples < reply.shape[0]
    np.testing.assert_array_equal(run.transport.played_audio(), reply[: rec.played_samples])
    told = backend.session.interruptions
    assert told[0].played_samples == rec.played_samples


@pytest.mark.parametrize(
    ("backend_rate", "chunks", "seed"), [(16_000, (1, 900), 3), (24_000, (7, 500), 4)]
)
def test_transport_paced_passthrough_loses_and_duplicates_nothing(
    backend_rate: int, chunks: tuple[int, int], seed: int
) -> None:
    audio = noise(20_000, RATE, seed=seed)
    backend = PassthroughStsBackend(backend_rate, backend_rate // 50)
    run = run_scripted(
        audio,
        backend,
        sample_rate_hz=RATE,
        chunk_samples=chunks,
        seed=seed,
        runtime=TRANSPORT_PACED,
    )
    m = run.metrics
    assert m.ok
    out = run.transport.output_audio()
    sizes = [s.frame.samples_per_channel for s in run.transport.sent]
    if backend_rate == RATE:
        whole = audio.shape[0] // 320 * 320
        np.testing.assert_array_equal(out, audio[:whole])
        assert set(sizes) == {320}
    else:
        # Resampled both ways: the very samples driver pacing delivers, in whole frames
        # except where the transport would have run dry waiting for the rest of one
        # (the scripted input arrives in bursts up to 31 ms apart).
        timed = run_scripted(
            audio, backend, sample_rate_hz=RATE, chunk_samples=chunks, seed=seed
        ).transport.output_audio()
        np.testing.assert_array_equal(out, timed)
        assert max(sizes) == 320
        assert sizes.count(320) > 3 * len(sizes) // 4
    assert m.samples_out == out.shape[0]
    assert m.dropped_samples == 0


class SlowSendTransport(ScriptedTransport):
    """Every fifth send takes 70 ms (3.5 periods) to return."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.in_send = 0
        self.overlapped = False

    async def send(self, frame: AudioOutputFrame) -> None:
        self.in_send += 1
        self.overlapped |= self.in_send > 1
        try:
            if frame.sequence % 5 == 0:
                await self.clock.sleep(70_000_000)
            await super().send(frame)
        finally:
            self.in_send -= 1


def test_driver_pacing_pays_back_ticks_missed_during_a_slow_send() -> None:
    clock = VirtualClock()
    audio = noise(8_000, RATE, seed=9)
    transport = SlowSendTransport(audio, RATE, clock=clock)
    m = run_virtual(run_session(transport, PassthroughStsBackend(RATE), clock=clock), clock=clock)
    assert m.ok, m.error
    assert not transport.overlapped  # one send at a time
    whole = audio.shape[0] // 320 * 320
    np.testing.assert_array_equal(transport.output_audio(), audio[:whole])
    assert [s.frame.sequence for s in transport.sent] == list(range(1, whole // 320 + 1))
    # A slow send delays the frames behind it; the owed ticks then go out back to back.
    gaps = np.diff([s.t_ns for s in transport.sent])
    assert 0 in gaps.tolist()


class FailingSendTransport(ScriptedTransport):
    async def send(self, frame: AudioOutputFrame) -> None:
        if frame.sequence == 3:
            raise TransportError("socket closed")
        await super().send(frame)


@pytest.mark.parametrize("pacing", ["driver", "transport"])
def test_a_failing_send_ends_the_session_with_the_error(pacing: str) -> None:
    clock = VirtualClock()
    transport = FailingSendTransport(noise(8000, RATE, seed=1), RATE, clock=clock)
    runtime = VonaRuntime(pacing=pacing)  # type: ignore[arg-type]
    m = run_virtual(
        run_session(transport, PassthroughStsBackend(RATE), runtime=runtime, clock=clock),
        clock=clock,
    )
    assert m.end_reason == "error"
    assert m.error is not None
    assert m.error["type"] == "TransportError"
    assert "socket closed" in m.error["message"]


def test_bad_pacing_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="pacing"):
        VonaRuntime(pacing="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize("pacing", ["driver", "transport"])
def test_each_turn_is_heard_whole_in_its_own_turn(pacing: str) -> None:
    # The backend speaks at 24 kHz into a 16 kHz transport: the output resampler holds the
    # end of each turn until the turn ends, then it must play then, not before turn two.
    turns = [
        MockTurn(at_ms=200, latency_ms=0, reply_ms=500),
        MockTurn(at_ms=1500, latency_ms=0, reply_ms=500, tone_hz=660.0),
    ]
    backend = MockBackend(turns, sample_rate_hz=24_000, frame_samples=480)
    run = run_scripted(
        silence(3000, RATE),
        backend,
        sample_rate_hz=RATE,
        runtime=VonaRuntime(pacing=pacing),  # type: ignore[arg-type]
    )
    m = run.metrics
    assert m.samples_out == 2 * 8_000
    second_start = m.started_ns + 1_500_000_000
    before = sum(s.frame.samples_per_channel for s in run.transport.sent if s.t_ns < second_start)
    assert before == 8_000
    assert m.underruns == 0


class PushbackTransport(ScriptedTransport):
    """Queues at most 200 ms: ``send`` waits for room, as a WebRTC source does."""

    paces_output = True

    async def send(self, frame: AudioOutputFrame) -> None:
        while self.buffered_samples > RATE // 5:
            await self.clock.sleep(5_000_000)
        await super().send(frame)


def test_a_transport_pushing_back_does_not_stall_input_or_barge_in() -> None:
    clock = VirtualClock()
    transport = PushbackTransport(silence(3000, RATE), RATE, clock=clock)
    turn = MockTurn(at_ms=500, latency_ms=0, reply_ms=5000, interrupt_at_ms=1200)
    backend = MockBackend([turn])
    m = run_virtual(run_session(transport, backend, clock=clock), clock=clock)
    assert m.ok, m.error
    rec = m.interruptions[0]
    # Input kept flowing while the transport pushed back, so the barge-in came on time
    # (within a frame of 1.2 s of input) ...
    assert abs(rec.t_ns - 1_220_000_000) <= 20_000_000
    # ... and what was heard is exactly the start of the reply.
    reply = tone(5000, RATE, 440.0)
    assert rec.played_samples + rec.dropped_samples == reply.shape[0]
    np.testing.assert_array_equal(transport.played_audio(), reply[: rec.played_samples])
    assert 0.6 * RATE <= rec.played_samples <= 0.8 * RATE
    # The frame that was waiting for room when the user barged in was cancelled, not
    # delivered after the clear: the transport got exactly what it played or dropped.
    clear = transport.clears[0]
    assert rec.played_samples == clear.played_samples
    assert transport.sent_samples == clear.played_samples + clear.dropped_samples
    assert rec.dropped_transport_samples == clear.dropped_samples + RATE // 50
    assert m.samples_out == transport.sent_samples


@pytest.mark.parametrize("pacing", ["driver", "transport"])
def test_pacing_on_the_real_clock(pacing: str) -> None:
    # 0.6 s of real time: the playout timer's deadlines follow time.monotonic_ns and the
    # loop's own clock together, and every frame comes back.
    audio = noise(600, RATE, seed=11)
    transport = ScriptedTransport(audio, RATE, clock=MonotonicClock())
    runtime = VonaRuntime(pacing=pacing)  # type: ignore[arg-type]

    async def main() -> Any:
        return await run_session(transport, PassthroughStsBackend(), runtime=runtime)

    m = asyncio.run(main())
    assert m.ok, m.error
    np.testing.assert_array_equal(transport.output_audio(), audio)
    # Input arrives at real-time pace, so 30 frames span at least 29 periods whichever
    # side paces (a loaded machine only stretches it).
    times = [s.t_ns for s in transport.sent]
    assert len(times) == 30
    assert times[-1] - times[0] >= 29 * 20_000_000 * 0.95
