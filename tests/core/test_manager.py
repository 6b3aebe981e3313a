"""SessionManager admission control."""

from __future__ import annotations

import asyncio

import pytest

from vona import PassthroughStsBackend
from vona.errors import ConfigError, SessionLimitError
from vona.manager import SessionManager
from vona.metrics import SessionMetrics
from vona.testing import ScriptedTransport, VirtualClock, run_virtual, silence

RATE = 16_000


def transport(clock: VirtualClock, ms: float = 500) -> ScriptedTransport:
    return ScriptedTransport(silence(ms, RATE), RATE, clock=clock)


def test_admits_up_to_max_sessions_and_refuses_the_next() -> None:
    clock = VirtualClock()

    async def main() -> tuple[list[SessionMetrics], str, dict[str, int]]:
        async with SessionManager(max_sessions=2) as manager:
            a = manager.spawn(transport(clock), PassthroughStsBackend(), clock=clock)
            b = manager.spawn(transport(clock), PassthroughStsBackend(), clock=clock)
            assert manager.active == 2
            with pytest.raises(SessionLimitError) as info:
                await manager.run(transport(clock), PassthroughStsBackend(), clock=clock)
            done = list(await asyncio.gather(a, b))
            assert manager.active == 0
            # A slot is free again.
            done.append(await manager.run(transport(clock), PassthroughStsBackend(), clock=clock))
            return done, str(info.value), manager.stats

    results, message, stats = run_virtual(main(), clock=clock)
    assert message == ("session refused: 2 of max_sessions=2 sessions are already running")
    assert [m.end_reason for m in results] == ["input_ended"] * 3
    assert stats == {"max_sessions": 2, "active": 0, "admitted": 3, "refused": 1}


def test_slot_context_and_cancel_on_exit() -> None:
    clock = VirtualClock()

    async def main() -> int:
        manager = SessionManager(max_sessions=1)
        async with manager.slot():
            with pytest.raises(SessionLimitError, match="max_sessions=1"):
                manager.spawn(transport(clock), PassthroughStsBackend(), clock=clock)
        async with manager:
            task = manager.spawn(transport(clock, 60_000), PassthroughStsBackend(), clock=clock)
            await asyncio.sleep(0.1)
        assert task.cancelled()
        return manager.active

    assert run_virtual(main(), clock=clock) == 0


def test_rejects_bad_limit() -> None:
    with pytest.raises(ConfigError, match="max_sessions must be >= 1"):
        SessionManager(0)
