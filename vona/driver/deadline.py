"""``within``: await something in the current task, bounded by a timeout.

``asyncio.wait_for`` runs its awaitable in a new task on Python 3.10-3.11, so code that
looks at ``asyncio.current_task()`` (a runner closing itself from its own event pump)
would see the wrong task; this cancels the caller's own task at the deadline instead,
as ``asyncio.timeout`` does (used where it exists).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

__all__ = ["within"]

T = TypeVar("T")


async def within(awaitable: Awaitable[T], timeout_s: float) -> T:
    """``await awaitable`` or raise ``asyncio.TimeoutError`` after ``timeout_s``."""
    timeout = getattr(asyncio, "timeout", None)
    if timeout is not None:
        async with timeout(timeout_s):
            return await awaitable
    task = asyncio.current_task()
    assert task is not None
    fired = False

    def fire() -> None:
        nonlocal fired
        fired = True
        task.cancel()

    handle = asyncio.get_running_loop().call_later(timeout_s, fire)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if fired:
            raise asyncio.TimeoutError from None
        raise
    finally:
        handle.cancel()
