"""Per-session state of the cascade: the turns (texts, tool calls, stage times) and what a
session holds between steps (VAD segmenter, utterance being heard, generation task,
reply audio queue, conversation)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vona.backends.cascade.protocols import ChatMessage
from vona.backends.cascade.reply_audio import ReplyAudio
from vona.config import SessionConfig
from vona.events import ControlEvent, ExternalContextEvent
from vona.vad import VadSegmenter

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
    """Per-session state. ``turns`` is the history of turns, for metrics and the CLI."""

    config: SessionConfig
    segmenter: VadSegmenter
    messages: list[ChatMessage]
    preroll: deque[np.ndarray]
    out: ReplyAudio
    utterance: list[np.ndarray] = field(default_factory=list)
    utterance_start: int = 0
    speech_start: int = 0
    generation: int = 0
    task: asyncio.Task[None] | None = None
    partial_task: asyncio.Task[None] | None = None
    last_partial_at: int = 0
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
