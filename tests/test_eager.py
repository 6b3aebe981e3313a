"""start_eagerly: run now, become a task only when the coroutine has to wait."""

from __future__ import annotations

import asyncio

import pytest

from vona._eager import start_eagerly


async def test_finishing_coroutine_needs_no_task() -> None:
    seen: list[int] = []

    async def quick() -> None:
        seen.append(1)

    assert start_eagerly(quick(), asyncio.get_running_loop()) is None
    assert seen == [1]  # it ran before start_eagerly returned


async def test_waiting_coroutine_continues_in_a_task() -> None:
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[int] = loop.create_future()
    failing: asyncio.Future[int] = loop.create_future()
    log: list[object] = []

    async def waits() -> None:
        log.append("start")
        log.append(await fut)
        await asyncio.sleep(0)  # a bare yield
        await asyncio.sleep(0.01)
        try:
            await failing
        except KeyError as exc:
            log.append(f"caught {exc}")
        log.append("end")

    task = start_eagerly(waits(), loop)
    assert task is not None
    assert log == ["start"]
    fut.set_result(7)
    failing.set_exception(KeyError("k"))
    await asyncio.wait_for(task, 5)
    assert log == ["start", 7, "caught 'k'", "end"]


async def test_cancel_reaches_the_coroutine() -> None:
    cleaned: list[bool] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            cleaned.append(True)

    task = start_eagerly(forever(), asyncio.get_running_loop())
    assert task is not None
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True]


async def test_errors_propagate() -> None:
    async def boom_now() -> None:
        raise ValueError("now")

    with pytest.raises(ValueError, match="now"):
        start_eagerly(boom_now(), asyncio.get_running_loop())

    async def boom_later() -> None:
        await asyncio.sleep(0)
        raise ValueError("later")

    task = start_eagerly(boom_later(), asyncio.get_running_loop())
    assert task is not None
    with pytest.raises(ValueError, match="later"):
        await task
