"""The fixtures of the vona pytest plugin (loaded through its pytest11 entry point)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from vona.driver import run_session
from vona.testing import MockBackend, MockTurn, ScriptedTransport, VirtualClock, silence, tone


def test_fixtures_run_a_session(
    virtual_clock: VirtualClock,
    vona_run: Callable[[Any], Any],
    scripted_transport: Callable[..., ScriptedTransport],
    mock_backend: Callable[..., MockBackend],
) -> None:
    transport = scripted_transport(silence(1000, 16_000), 16_000)
    backend = mock_backend([MockTurn(at_ms=200, reply_ms=300)])
    metrics = vona_run(run_session(transport, backend, clock=virtual_clock))
    assert metrics.end_reason == "input_ended"
    np.testing.assert_array_equal(transport.played_audio(), tone(300, 16_000))
    assert virtual_clock.now_ns() == 1_000_000_000 + metrics.duration_ns


def test_realtime_fixture(mock_realtime_backend: Callable[..., Any]) -> None:
    backend = mock_realtime_backend([], sample_rate_hz=16_000)
    assert backend.capabilities().input_sample_rate_hz == 16_000
