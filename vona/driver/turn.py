"""Turn state: who is speaking, which generation it is, and the metrics of each turn.

``TurnState`` is the one owner of the session's turn bookkeeping on the Python side:

- generation ids (``generation_id``) and whether the backend is still producing one
  (``generation_open``);
- whether an assistant audio turn is open (``open``: between its first audio and the
  backend's ``TurnEnd``/``ResponseDone`` or an interruption), mirrored into the native
  loop with ``begin_turn``/``end_turn`` (the loop itself closes its turn on ``end_turn``
  and ``interrupt``);
- whether the open turn's first audio and latency are still to be stamped, and until
  when the assistant speech already sent to the transport plays (``speech_end_ns``);
- the metrics written for turns: time to first byte, first-audio latency, per-turn
  latencies and their log entries.

The runners, the playout and the driver call it; it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from vona.driver.audio_loop import AudioLoop
from vona.metrics import SessionMetrics

__all__ = ["EventLog", "TurnState"]


class EventLog(Protocol):
    """Appends one entry to the session's event log."""

    def __call__(self, kind: str, /, **data: Any) -> None: ...


class TurnState:
    """Turns and generations of one session (see the module docstring)."""

    __slots__ = (
        "_log",
        "_metrics",
        "_now_ns",
        "awaiting_first_audio",
        "generation_id",
        "generation_open",
        "open",
        "speech_end_ns",
    )

    def __init__(self, metrics: SessionMetrics, now_ns: Callable[[], int], log: EventLog) -> None:
        self._metrics = metrics
        self._now_ns = now_ns
        self._log = log
        self.generation_id = 0
        self.generation_open = False
        self.open = False
        self.awaiting_first_audio = False
        # Session-clock time at which the assistant audio sent so far stops playing on
        # the transport (0: nothing of ours is playing).
        self.speech_end_ns = 0

    # -- generations -----------------------------------------------------------------

    def note_generation(self, generation_id: int) -> None:
        """A backend event named ``generation_id``: later ids move the count forward."""
        if generation_id > self.generation_id:
            self.generation_id = generation_id

    def open_generation(self) -> int:
        """Start a new generation (a realtime response) and return its id."""
        self.generation_id += 1
        self.generation_open = True
        return self.generation_id

    # -- the assistant's audio turn ---------------------------------------------------

    def begin(self, loop: AudioLoop) -> None:
        """Assistant audio starts arriving: open a turn here and in ``loop``."""
        m = self._metrics
        now = self._now_ns()
        if m.time_to_first_byte_ns is None:
            m.time_to_first_byte_ns = now - m.started_ns
        loop.begin_turn(now)
        self.open = True
        self.awaiting_first_audio = True
        self.generation_open = True
        self._log("assistant_audio_start", generation_id=self.generation_id)

    def assistant_done(self, loop: AudioLoop | None) -> None:
        """The backend finished its answer (``TurnEnd``/``ResponseDone``)."""
        if self.open and loop is not None:
            loop.end_turn()
        self.open = False
        self.generation_open = False
        self._log("assistant_done", generation_id=self.generation_id)

    def audio_complete(self, loop: AudioLoop | None) -> None:
        """Nothing more is coming (input ended and the backend is idle): close the open
        turn so the resampler's tail of its last audio plays too."""
        if self.open and loop is not None:
            self.open = False
            loop.end_turn()

    def user_speech_end(self, loop: AudioLoop | None) -> None:
        """The user stopped speaking: the next turn's latency is measured from now."""
        now = self._now_ns()
        if loop is not None:
            loop.mark_user_speech_end(now)
        self._log("user_speech_end")

    def close(self) -> None:
        """An interruption or a backend switch ended the turn and its generation."""
        self.open = False
        self.generation_open = False

    def transport_cleared(self) -> None:
        """The transport dropped what it had queued: no assistant speech plays any more."""
        self.speech_end_ns = 0

    def active(self, loop: AudioLoop | None) -> bool:
        """True while the assistant speaks or is about to: a turn or generation is open,
        audio waits in the ring, or audio already sent still plays."""
        return (
            self.open
            or self.generation_open
            or (loop is not None and loop.playout_buffered > 0)
            or self._now_ns() < self.speech_end_ns
        )

    def record_first_audio(self, loop: AudioLoop) -> None:
        """Audio of the open turn was just pulled: once the loop has stamped its first
        sound, write the first-audio and turn latencies."""
        first = loop.first_audio_ns
        if first is None:
            return
        m = self._metrics
        if m.first_audio_latency_ns is None:
            m.first_audio_latency_ns = first - m.started_ns
            self._log("first_audio", latency_ns=m.first_audio_latency_ns)
        latency = loop.turn_latency_ns
        if latency is not None:
            m.turn_latencies_ns.append(latency)
            self._log("turn_latency", generation_id=self.generation_id, latency_ns=latency)
        self.awaiting_first_audio = False
