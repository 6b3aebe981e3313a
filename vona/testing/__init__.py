"""The deterministic harness: virtual time, scripted transports and mock backends.

- ``run_virtual(coro, clock=...)``: ``asyncio.run`` on a ``VirtualEventLoop`` whose
  ``VirtualClock`` jumps to the next timer, so sessions run in milliseconds and produce
  identical metrics every run.
- ``ScriptedTransport``: fixture audio in at real-time pace, output recorded and
  "played" through a simulated buffer (``clear()`` reports what was unplayed).
- ``MockBackend`` (step contract) and ``MockRealtimeBackend`` (event-stream contract):
  scripted turns, tool calls, barge-ins, failures and latency.
- ``run_scripted`` / ``run_realtime``: run a session on virtual time and get a
  ``ScriptedRun`` with assertions (event order, tool round trip, interruption).
- ``waveforms``: ``tone``, ``chirp``, ``noise``, ``gaussian_noise``, ``silence`` and the
  speech-like ``utterance`` test audio; ``conversation``: a recording transport and the
  stereo user/assistant reconstruction of a session; ``scenario``: JSON-scripted sessions.

Imports without pytest; the pytest fixtures live in ``vona.testing.pytest_plugin``
(registered as a ``pytest11`` entry point).
"""

from __future__ import annotations

from vona.testing.harness import HarnessAssertionError, ScriptedRun, run_realtime, run_scripted
from vona.testing.mock_backend import MockBackend, MockSession, MockToolCall, MockTurn
from vona.testing.mock_realtime import (
    Close,
    Emit,
    Fail,
    MockRealtimeBackend,
    MockRealtimeSession,
    ScriptStep,
    Sleep,
    WaitInput,
    WaitInterruption,
    WaitToolResult,
    reply,
    tool_call,
)
from vona.testing.virtual_time import VirtualClock, VirtualEventLoop, run_virtual
from vona.testing.waveforms import (
    chirp,
    concat,
    gaussian_noise,
    ms_to_samples,
    noise,
    silence,
    tone,
    utterance,
)
from vona.transports.scripted import ClearRecord, ScriptedTransport, SentFrame

__all__ = [
    "ClearRecord",
    "Close",
    "Emit",
    "Fail",
    "HarnessAssertionError",
    "MockBackend",
    "MockRealtimeBackend",
    "MockRealtimeSession",
    "MockSession",
    "MockToolCall",
    "MockTurn",
    "ScriptStep",
    "ScriptedRun",
    "ScriptedTransport",
    "SentFrame",
    "Sleep",
    "VirtualClock",
    "VirtualEventLoop",
    "WaitInput",
    "WaitInterruption",
    "WaitToolResult",
    "chirp",
    "concat",
    "gaussian_noise",
    "ms_to_samples",
    "noise",
    "reply",
    "run_realtime",
    "run_scripted",
    "run_virtual",
    "silence",
    "tone",
    "tool_call",
    "utterance",
]
