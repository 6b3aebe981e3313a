"""pytest fixtures for Vona sessions (registered as the ``vona`` pytest11 plugin).

- ``virtual_clock``: a fresh ``VirtualClock``.
- ``vona_run``: ``vona_run(coro)`` runs a coroutine on a ``VirtualEventLoop`` driven by
  ``virtual_clock`` and returns its result.
- ``scripted_transport``: factory ``scripted_transport(audio, sample_rate_hz, **kw)`` for
  ``ScriptedTransport``s on ``virtual_clock``.
- ``mock_backend``: factory ``mock_backend(turns, **kw)`` for ``MockBackend``s.
- ``mock_realtime_backend``: factory ``mock_realtime_backend(script, **kw)``.
- ``vona_books`` (autouse): every session that ends during a test must balance its
  books (``SessionMetrics.books_balance() == 0``: each sample a backend produced was
  played or counted as dropped with its reason); checked at teardown. The list of the
  test's ``SessionMetrics`` is the fixture's value.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from vona.driver import observe_sessions
from vona.frames import Int16Array
from vona.metrics import SessionMetrics
from vona.testing.mock_backend import MockBackend, MockTurn
from vona.testing.mock_realtime import MockRealtimeBackend, ScriptStep
from vona.testing.virtual_time import VirtualClock, run_virtual
from vona.transports.scripted import ScriptedTransport

T = TypeVar("T")


@pytest.fixture
def virtual_clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def vona_run(virtual_clock: VirtualClock) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    def _run(coro: Coroutine[Any, Any, T]) -> T:
        return run_virtual(coro, clock=virtual_clock)

    return _run


@pytest.fixture
def scripted_transport(virtual_clock: VirtualClock) -> Callable[..., ScriptedTransport]:
    def _make(audio: Int16Array, sample_rate_hz: int, **kwargs: Any) -> ScriptedTransport:
        kwargs.setdefault("clock", virtual_clock)
        return ScriptedTransport(audio, sample_rate_hz, **kwargs)

    return _make


@pytest.fixture
def mock_backend() -> Callable[..., MockBackend]:
    def _make(turns: list[MockTurn] | tuple[MockTurn, ...] = (), **kwargs: Any) -> MockBackend:
        return MockBackend(turns, **kwargs)

    return _make


@pytest.fixture
def mock_realtime_backend() -> Callable[..., MockRealtimeBackend]:
    def _make(
        script: list[ScriptStep] | tuple[ScriptStep, ...] = (), **kwargs: Any
    ) -> MockRealtimeBackend:
        return MockRealtimeBackend(script, **kwargs)

    return _make


@pytest.fixture(autouse=True)
def vona_books() -> Iterator[list[SessionMetrics]]:
    sessions: list[SessionMetrics] = []
    stop = observe_sessions(sessions.append)
    try:
        yield sessions
    finally:
        stop()
    unbalanced = [
        f"session {m.session_id} ({m.backend}, {m.end_reason}): produced "
        f"{m.produced_samples}, played {m.played_samples}, dropped {m.dropped_by_reason}"
        for m in sessions
        if m.books_balance() != 0
    ]
    if unbalanced:
        pytest.fail("audio books do not balance: " + "; ".join(unbalanced), pytrace=False)
