"""SessionHost: limits, ordering, idle reaping, draining, and error containment."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from vona import AudioInputFrame, BackendStep, PassthroughStsBackend, SessionConfig
from vona.errors import BackendError, ConfigError, SessionLimitError
from vona.remote.session_host import SessionHost, UnknownSessionError


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class _SlowBackend(PassthroughStsBackend):
    """Sleeps a varying time per step so out-of-order completion would show."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[int] = []
        self.ended = 0

    async def step(self, session, frame):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.002 * (frame.sequence % 3))
        self.seen.append(frame.sequence)
        return BackendStep()

    async def end_session(self, session):  # type: ignore[no-untyped-def]
        self.ended += 1


class _Buggy(PassthroughStsBackend):
    async def step(self, session, frame):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("oops")


def _frame(seq: int) -> AudioInputFrame:
    return AudioInputFrame(seq, 16_000, 1, np.zeros(320, np.int16))


async def test_limit_unknown_and_end() -> None:
    host = SessionHost(PassthroughStsBackend(), max_sessions=2)
    a = await host.create(SessionConfig())
    b = await host.create(SessionConfig())
    assert a != b
    assert len(a) >= 16
    with pytest.raises(SessionLimitError, match="max_sessions=2"):
        await host.create(SessionConfig())
    step = await host.step(a, _frame(3))
    assert step.output_audio[0].sequence == 3
    await host.end(a)
    with pytest.raises(UnknownSessionError):
        await host.step(a, _frame(4))
    with pytest.raises(UnknownSessionError):
        await host.end(a)
    assert len(host) == 1
    await host.create(SessionConfig())  # the freed slot is usable again
    with pytest.raises(ConfigError):
        SessionHost(PassthroughStsBackend(), max_sessions=0)


async def test_pipelined_steps_of_one_session_run_in_order() -> None:
    backend = _SlowBackend()
    host = SessionHost(backend)
    sid = await host.create(SessionConfig())
    tasks = [asyncio.create_task(host.step(sid, _frame(i))) for i in range(12)]
    await asyncio.gather(*tasks)
    assert backend.seen == list(range(12))


async def test_buggy_backend_becomes_backend_error() -> None:
    host = SessionHost(_Buggy())
    sid = await host.create(SessionConfig())
    with pytest.raises(BackendError, match="ZeroDivisionError: oops") as info:
        await host.step(sid, _frame(0))
    assert info.value.retryable is False
    assert len(host) == 1  # the session survives its backend's failure


async def test_idle_sessions_are_reaped_but_not_busy_ones() -> None:
    clock = _Clock()
    backend = _SlowBackend()
    host = SessionHost(backend, idle_timeout_s=10, clock=clock)
    idle = await host.create(SessionConfig())
    active = await host.create(SessionConfig())
    clock.t = 8
    await host.step(active, _frame(0))
    clock.t = 11
    assert await host.reap_idle() == 1
    with pytest.raises(UnknownSessionError):
        await host.step(idle, _frame(1))
    await host.step(active, _frame(1))
    assert backend.ended == 1


async def test_reaper_task_runs_on_its_own() -> None:
    host = SessionHost(PassthroughStsBackend(), idle_timeout_s=0.05)
    host.start()
    sid = await host.create(SessionConfig())
    for _ in range(100):
        if not len(host):
            break
        await asyncio.sleep(0.02)
    assert len(host) == 0
    with pytest.raises(UnknownSessionError):
        await host.end(sid)
    await host.close()


async def test_drain_refuses_new_sessions_and_ends_the_rest() -> None:
    backend = _SlowBackend()
    host = SessionHost(backend)
    sid = await host.create(SessionConfig())
    host.begin_drain()
    with pytest.raises(SessionLimitError, match="shutting down"):
        await host.create(SessionConfig())
    await host.step(sid, _frame(1))  # existing sessions keep working while draining
    assert await host.wait_empty(0.05) is False
    in_flight = asyncio.create_task(host.step(sid, _frame(2)))
    await asyncio.sleep(0)
    await host.close(drain_timeout_s=1.0)
    await in_flight
    assert backend.seen == [1, 2]
    assert backend.ended == 1
    assert len(host) == 0


async def test_end_owned_ends_only_that_owners_sessions() -> None:
    host = SessionHost(PassthroughStsBackend())
    owner_a, owner_b = object(), object()
    a1 = await host.create(SessionConfig(), owner=owner_a)
    await host.create(SessionConfig(), owner=owner_a)
    b1 = await host.create(SessionConfig(), owner=owner_b)
    assert await host.end_owned(owner_a) == 2
    with pytest.raises(UnknownSessionError):
        await host.step(a1, _frame(0))
    await host.step(b1, _frame(0))
