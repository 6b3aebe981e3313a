"""Property test: whatever the chunking, rates, backend and fault, the books balance."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vona import GainStsBackend, PassthroughStsBackend
from vona.driver import run_session
from vona.errors import TransportError
from vona.frames import AudioOutputFrame
from vona.runtime import VonaRuntime
from vona.testing import (
    MockBackend,
    MockRealtimeBackend,
    MockTurn,
    ScriptedTransport,
    VirtualClock,
    WaitInput,
    reply,
    run_virtual,
)

RATES = [8_000, 16_000, 24_000, 48_000]


class FaultyTransport(ScriptedTransport):
    """Fails (raises or hangs) its ``send`` number ``fail_at``."""

    def __init__(self, *a: Any, fault: str, fail_at: int, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.fault = fault
        self.fail_at = fail_at
        self.sends = 0

    async def send(self, frame: AudioOutputFrame) -> None:
        self.sends += 1
        if self.fault != "none" and self.sends == self.fail_at:
            if self.fault == "raise":
                raise TransportError("peer reset")
            await asyncio.Event().wait()
        await super().send(frame)


def _backend(kind: str, rate: int, backend_rate: int) -> Any:
    if kind == "native":
        return PassthroughStsBackend(backend_rate, backend_rate // 50)
    if kind == "gain":
        return GainStsBackend(-6.0, backend_rate, backend_rate // 50)
    if kind == "python":
        return MockBackend(
            [MockTurn(at_ms=100, reply_ms=700, chunk_ms=60), MockTurn(at_ms=600, reply_ms=300)],
            sample_rate_hz=backend_rate,
            frame_samples=backend_rate // 50,
        )
    if kind == "barge":
        return MockBackend(
            [MockTurn(at_ms=100, reply_ms=2000, interrupt_at_ms=500)],
            sample_rate_hz=backend_rate,
            frame_samples=backend_rate // 50,
        )
    return MockRealtimeBackend(
        [WaitInput(100), *reply("r1", 900, sample_rate_hz=backend_rate)],
        sample_rate_hz=backend_rate,
        frame_samples=backend_rate // 50,
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    rate=st.sampled_from(RATES),
    backend_rate=st.sampled_from([16_000, 24_000]),
    kind=st.sampled_from(["native", "gain", "python", "barge", "realtime"]),
    n=st.integers(1, 20_000),
    chunk=st.integers(1, 4_000),
    realtime=st.booleans(),
    fault=st.sampled_from(["none", "none", "raise", "hang"]),
    fail_at=st.integers(1, 40),
    capacity_s=st.sampled_from([0.05, 0.3, 120.0]),
    drain_s=st.sampled_from([0.0, 5.0]),
    paced=st.sampled_from(["driver", "transport"]),
    seed=st.integers(0, 2**16),
)
def test_books_balance(
    rate: int,
    backend_rate: int,
    kind: str,
    n: int,
    chunk: int,
    realtime: bool,
    fault: str,
    fail_at: int,
    capacity_s: float,
    drain_s: float,
    paced: str,
    seed: int,
) -> None:
    audio = np.random.default_rng(seed).integers(-9000, 9000, n, dtype=np.int16)
    clock = VirtualClock()
    transport = FaultyTransport(
        audio,
        rate,
        chunk_samples=(1, chunk),
        seed=seed,
        realtime=realtime,
        clock=clock,
        fault=fault,
        fail_at=fail_at,
    )
    runtime = VonaRuntime(
        playout_capacity_s=capacity_s,
        drain_timeout_s=drain_s,
        send_timeout_s=0.5,
        pacing=paced,  # type: ignore[arg-type]
    )
    m = run_virtual(
        run_session(transport, _backend(kind, rate, backend_rate), runtime=runtime, clock=clock),
        clock=clock,
    )
    assert m.books_balance() == 0, (m.produced_samples, m.played_samples, m.dropped_by_reason)
    assert m.samples_out == transport.sent_samples
    assert (
        m.played_samples
        == m.samples_out
        - m.filler_samples_out
        - sum(r.dropped_transport_samples for r in m.interruptions)
        or m.interruptions
    )
    if fault == "none" and kind in ("native", "gain") and capacity_s == 120.0:
        # every input sample came back (a passthrough adds at most padding and a
        # resampler's delay), and none was dropped
        assert m.dropped_samples == 0
        # resampling to a lower backend rate may round a few edge samples away
        slack = 0 if rate == backend_rate else 3 * max(rate // backend_rate, 1)
        assert m.played_samples >= n - slack
