"""A backend declaring ``full_duplex`` handles the user's speech over its own: the driver
does not take a ``SpeechStarted`` during its audio for a barge-in, unless the runtime's
``interrupt_full_duplex`` says so; the provider's own ``Interrupted`` still counts."""

from __future__ import annotations

import dataclasses

from vona.backends.step import BackendCapabilities
from vona.realtime import Interrupted, SpeechStarted
from vona.runtime import VonaRuntime
from vona.testing import (
    Emit,
    MockRealtimeBackend,
    WaitInput,
    WaitInterruption,
    reply,
    run_scripted,
    silence,
)

RATE = 24_000


class DuplexBackend(MockRealtimeBackend):
    def capabilities(self) -> BackendCapabilities:
        return dataclasses.replace(super().capabilities(), full_duplex=True)


OVERLAP = [*reply("r1", 2000, chunk_ms=100, done=False), WaitInput(800), Emit(SpeechStarted())]


def _run(backend: MockRealtimeBackend, runtime: VonaRuntime | None = None):  # type: ignore[no-untyped-def]
    return run_scripted(
        silence(2500, RATE), backend, sample_rate_hz=RATE, chunk_ms=20.0, runtime=runtime
    )


def test_speech_over_a_full_duplex_backend_is_not_a_barge_in() -> None:
    backend = DuplexBackend(OVERLAP, sample_rate_hz=RATE, frame_samples=480)
    run = _run(backend, VonaRuntime(drain_timeout_s=0.5))
    assert run.metrics.error is None
    assert run.metrics.interruptions == []
    assert backend.session.interruptions() == []
    assert "user_speech_start" in [e.kind for e in run.metrics.events]


def test_the_same_speech_interrupts_a_half_duplex_backend() -> None:
    backend = MockRealtimeBackend(OVERLAP, sample_rate_hz=RATE, frame_samples=480)
    run = _run(backend, VonaRuntime(drain_timeout_s=0.5))
    assert len(run.metrics.interruptions) == 1


def test_runtime_policy_can_make_it_a_barge_in() -> None:
    script = [*OVERLAP, WaitInterruption()]
    backend = DuplexBackend(script, sample_rate_hz=RATE, frame_samples=480)
    run = _run(backend, VonaRuntime(drain_timeout_s=0.5, interrupt_full_duplex=True))
    assert len(run.metrics.interruptions) == 1
    assert len(backend.session.interruptions()) == 1


def test_the_providers_own_interruption_still_counts() -> None:
    script = [*reply("r1", 2000, chunk_ms=100, done=False), WaitInput(800), Emit(Interrupted())]
    backend = DuplexBackend(script, sample_rate_hz=RATE, frame_samples=480)
    run = _run(backend, VonaRuntime(drain_timeout_s=0.5))
    assert len(run.metrics.interruptions) == 1
