"""What the transport says back on a barge-in: what ``clear()`` dropped (bounded by a
timeout) and, when it can tell, what the listener actually heard (``played_samples()``,
optional on the ``AudioTransport`` contract)."""

from __future__ import annotations

import asyncio

from vona.driver.deadline import within
from vona.driver.turn import EventLog
from vona.transports.base import AudioTransport

__all__ = ["clear_transport", "heard_in_turn"]


async def clear_transport(transport: AudioTransport, timeout_s: float, log: EventLog) -> int:
    """``transport.clear()``, bounded by ``timeout_s``: a transport that hangs on a
    barge-in is taken to have dropped nothing (logged)."""
    try:
        return int(await within(transport.clear(), timeout_s))
    except asyncio.TimeoutError:
        log("transport_clear_timeout", timeout_s=timeout_s)
        return 0


def heard_in_turn(transport: AudioTransport, turn_base: int, estimate: int, pulled: int) -> int:
    """What the listener heard of the turn whose audio starts at transport position
    ``turn_base``: by the transport's playback report when it has one (capped by the
    ``pulled`` samples of the turn), else ``estimate`` (sent less cleared)."""
    report = getattr(transport, "played_samples", None)
    if not callable(report):
        return estimate
    position = report()
    if not isinstance(position, int) or isinstance(position, bool):
        return estimate
    return min(max(position - turn_base, 0), pulled)
