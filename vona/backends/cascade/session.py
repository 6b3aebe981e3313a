"""Per-session state of the cascade: the turns (texts, tool calls, stage times) and what a
session holds between steps (speech-to-text stream, generation task, reply audio queue,
barge-in candidate, conversation)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from vona.backends.cascade.barge_in import BargeIn
from vona.backends.cascade.protocols import ChatMessage
from vona.backends.cascade.reply_audio import ReplyAudio
from vona.backends.cascade.streaming import SttStream
from vona.config import SessionConfig
from vona.events import ControlEvent, ExternalContextEvent

__all__ = ["CascadeSession", "TurnRecord"]


@dataclass(slots=True)
class TurnRecord:
    """One user turn and the reply: texts, tool calls, and stage times (monotonic ns)."""

    generation_id: int
    speech_end_ns: int
    transcript: str = ""
    reply: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    stt_done_ns: int = 0
    first_text_ns: int = 0
    first_tts_done_ns: int = 0
    first_audio_ns: int = 0
    done_ns: int = 0
    interrupted: bool = False
    audio_base: int = 0
    stage_ms: dict[str, float] = field(default_factory=dict)
    # (output sample where it starts, word or sentence) as spoken, and the history entry
    spoken: list[tuple[int, str]] = field(default_factory=list)
    reply_message: ChatMessage | None = None

    def latencies_ms(self) -> dict[str, float]:
        """Per-stage latencies from the end of speech, in milliseconds (0: did not happen)."""

        def since(t: int) -> float:
            return round((t - self.speech_end_ns) / 1e6, 3) if t else 0.0

        return {
            "stt_ms": since(self.stt_done_ns),
            "first_text_ms": since(self.first_text_ns),
            "first_tts_ms": since(self.first_tts_done_ns),
            "first_audio_ms": since(self.first_audio_ns),
            **self.stage_ms,
        }


@dataclass(eq=False)
class CascadeSession:
    """Per-session state. ``turns`` is the history of turns, for metrics and the CLI.

    ``held``: the current generation answers an eager (unconfirmed) end of turn; its audio
    waits and its tools do not run until the turn is confirmed. ``user_active``: a user
    turn is open (speech started, its end not yet confirmed). ``input_ms`` is the position
    of the STT stream (ms of input pushed); ``step_times`` maps recent positions to the
    clock, to date the last speech sample of a turn.
    """

    config: SessionConfig
    stream: SttStream
    messages: list[ChatMessage]
    out: ReplyAudio
    reader: asyncio.Task[None] | None = None
    generation: int = 0
    task: asyncio.Task[None] | None = None
    held: bool = False
    confirmed: asyncio.Event = field(default_factory=asyncio.Event)
    user_message: ChatMessage | None = None
    user_active: bool = False
    barge: BargeIn | None = None
    input_ms: float = 0.0
    step_times: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=1024))
    events: list[ControlEvent] = field(default_factory=list)
    tool_waiters: dict[str, asyncio.Future[ExternalContextEvent]] = field(default_factory=dict)
    turns: list[TurnRecord] = field(default_factory=list)
    override: str | None = None
    spoken: list[tuple[int, str]] = field(default_factory=list)
    heard_samples: int = 0
    reply_message: ChatMessage | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    @property
    def pending_samples(self) -> int:
        """Reply samples synthesized and not yet released by ``step``."""
        return self.out.pending

    @property
    def emitted_samples(self) -> int:
        """Reply samples released by ``step`` so far (the output stream position)."""
        return self.out.emitted

    @property
    def busy(self) -> bool:
        """A reply is being produced or still has audio to play."""
        return (self.task is not None and not self.task.done()) or self.pending_samples > 0

    @property
    def current_turn(self) -> TurnRecord | None:
        return self.turns[-1] if self.turns else None
