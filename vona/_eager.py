"""Start a coroutine eagerly: run it now, and make a task only if it has to wait.

A server handler for a fast backend (passthrough, a small ONNX model) usually finishes
without ever suspending; running it inside ``data_received`` then answers the request in
the same event-loop turn, saving a task and a loop iteration per step. This is what
``asyncio.eager_task_factory`` does from Python 3.12; Vona supports 3.10, so it is done
here for the one place that needs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

__all__ = ["start_eagerly"]


def start_eagerly(
    coro: Coroutine[Any, Any, None], loop: asyncio.AbstractEventLoop
) -> asyncio.Task[None] | None:
    """Run ``coro`` until it first suspends. Returns None if it finished (its exception,
    if any, propagates), else a task that drives the rest of it."""
    try:
        first = coro.send(None)
    except StopIteration:
        return None
    return loop.create_task(_resume(coro, first))


async def _resume(coro: Coroutine[Any, Any, None], pending: Any) -> None:
    """Drive ``coro`` on from a suspension that yielded ``pending`` (a future or None)."""
    while True:
        try:
            if pending is None:
                await asyncio.sleep(0)  # a bare yield: give the loop one turn
            else:
                # The coroutine awaits this future; await it on its behalf. Its result is
                # read by the coroutine itself (Future.__await__) once resumed.
                await asyncio.wait([pending])
        except BaseException as exc:  # cancelled: pass it into the coroutine
            try:
                pending = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            pending = coro.send(None)
        except StopIteration:
            return
