"""The virtual-time event loop and clocks."""

from __future__ import annotations

import asyncio
import time

import pytest

from vona.clock import MonotonicClock, default_clock
from vona.errors import ConfigError
from vona.testing import VirtualClock, VirtualEventLoop, run_virtual


def test_sleeps_jump_instead_of_waiting() -> None:
    clock = VirtualClock()

    async def main() -> list[tuple[str, int]]:
        seen: list[tuple[str, int]] = []

        async def sleeper(name: str, seconds: float) -> None:
            await asyncio.sleep(seconds)
            seen.append((name, clock.now_ns()))

        await asyncio.gather(sleeper("b", 20.0), sleeper("a", 5.0), clock.sleep(30_000_000_000))
        return seen

    t0 = time.monotonic()
    seen = run_virtual(main(), clock=clock)
    assert time.monotonic() - t0 < 2.0
    assert seen == [("a", 6_000_000_000), ("b", 21_000_000_000)]
    assert clock.now_ns() == 31_000_000_000


def test_timeouts_use_virtual_time() -> None:
    async def main() -> bool:
        try:
            await asyncio.wait_for(asyncio.sleep(10), timeout=2.5)
        except TimeoutError:
            return True
        return False

    clock = VirtualClock(start_ns=0)
    assert run_virtual(main(), clock=clock)
    assert clock.now_ns() == 2_500_000_000


def test_threads_make_time_follow_the_wall_clock() -> None:
    clock = VirtualClock(start_ns=0)

    async def main() -> tuple[str, int]:
        timer = asyncio.ensure_future(asyncio.sleep(10.0))
        result = await asyncio.to_thread(lambda: time.sleep(0.05) or "done")
        at = clock.now_ns()
        timer.cancel()
        return result, at

    result, at = run_virtual(main(), clock=clock)
    assert result == "done"
    # While the thread ran, time followed the wall clock (some ms passed) instead of
    # jumping to the pending 10 s timer.
    assert 0 < at < 2_000_000_000


def test_default_clock_follows_the_loop() -> None:
    async def main() -> object:
        return default_clock()

    clock = VirtualClock()
    assert run_virtual(main(), clock=clock) is clock
    assert isinstance(asyncio.run(main()), MonotonicClock)
    assert isinstance(default_clock(), MonotonicClock)


def test_virtual_sleep_needs_its_loop() -> None:
    clock = VirtualClock()
    with pytest.raises(ConfigError, match="run_virtual"):
        asyncio.run(clock.sleep(1))
    with pytest.raises(ConfigError, match="start_ns"):
        VirtualClock(-1)


def test_a_clock_drives_one_open_loop() -> None:
    clock = VirtualClock()
    loop = VirtualEventLoop(clock)
    try:
        with pytest.raises(ConfigError, match="already drives"):
            VirtualEventLoop(clock)
    finally:
        loop.close()
    VirtualEventLoop(clock).close()


def test_monotonic_clock_sleeps_for_real() -> None:
    clock = MonotonicClock()

    async def main() -> int:
        start = clock.now_ns()
        await clock.sleep(2_000_000)
        await clock.sleep_until(clock.now_ns() + 1_000_000)
        return clock.now_ns() - start

    assert asyncio.run(main()) >= 3_000_000
    assert not clock.virtual
