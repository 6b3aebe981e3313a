"""``MockBackend``: a scripted step-oriented backend for deterministic sessions.

Time inside the mock is *input time*: the milliseconds of audio it has been stepped
with, so its behaviour does not depend on any clock. A script is a list of
``MockTurn``s; each fires when the input reaches ``at_ms`` and then, ``latency_ms`` of
input later, asks for its tools and replies with audio (a tone by default). A turn can
also barge in (``interrupt_at_ms``) or fail (``fail``) to exercise the runtime.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from vona.backends.step import BackendCapabilities, BackendStep
from vona.config import SessionConfig
from vona.errors import BackendError, ConfigError
from vona.events import (
    ControlEvent,
    ExternalContextEvent,
    Interruption,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame, AudioOutputFrame, Int16Array
from vona.testing.waveforms import ms_to_samples, tone

__all__ = ["MockBackend", "MockSession", "MockToolCall", "MockTurn"]


@dataclass(frozen=True)
class MockToolCall:
    """A tool call a turn asks for; ``arguments`` is sent as JSON text."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None


@dataclass(frozen=True)
class MockTurn:
    """One scripted exchange.

    - ``at_ms``: input time at which the user's turn ends (``TurnEnd(role="user")``).
    - ``latency_ms``: input time from then to the assistant's first output.
    - ``reply_ms`` / ``reply_audio``: the reply (a tone of ``reply_ms`` by default).
    - ``tool_calls``: asked for together with the reply; with ``after_tool_ms`` set, the
      turn then waits for every tool result to be injected and says ``after_tool_ms``
      more (a tone 1.5x higher), so a tool round trip is audible in the output.
    - ``chunk_ms``: reply audio per step (None: all in the first step).
    - ``interrupt_at_ms``: input time of a user barge-in (``Interruption``).
    - ``fail``: raise a ``BackendError`` (retryable or fatal) when the turn fires.
    """

    at_ms: float
    latency_ms: float = 0.0
    reply_ms: float = 500.0
    reply_audio: Int16Array | None = None
    tone_hz: float = 440.0
    tool_calls: tuple[MockToolCall, ...] = ()
    after_tool_ms: float | None = None
    chunk_ms: float | None = None
    interrupt_at_ms: float | None = None
    fail: Literal["retryable", "fatal"] | None = None


@dataclass
class MockSession:
    """What one session of the mock saw; tests read it after the run."""

    config: SessionConfig
    input_samples: int = 0
    steps: int = 0
    injected: list[ExternalContextEvent] = field(default_factory=list)
    interruptions: list[Interruption] = field(default_factory=list)
    emitted: list[ControlEvent] = field(default_factory=list)
    output_samples: int = 0
    ended: bool = False
    turn: int = 0
    fired_at: float | None = None
    asked: bool = False
    after_done: bool = False
    generated: bool = False
    pending_audio: deque[Int16Array] = field(default_factory=deque)
    waiting_tools: set[str] = field(default_factory=set)
    interrupted: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)


class MockBackend:
    """A scripted ``SpeechToSpeechBackend`` (also an ``InterruptibleBackend``).

    ``fail_on_start`` makes ``start_session`` raise; ``step_delay_ms`` makes each step
    take that long on the session clock (a slow model).
    """

    vona_contract = "step"

    def __init__(
        self,
        turns: list[MockTurn] | tuple[MockTurn, ...] = (),
        *,
        name: str = "mock",
        sample_rate_hz: int = 16_000,
        frame_samples: int = 320,
        output_sample_rate_hz: int | None = None,
        fail_on_start: Literal["retryable", "fatal"] | None = None,
        step_delay_ms: float = 0.0,
    ) -> None:
        if sample_rate_hz <= 0 or frame_samples <= 0:
            raise ConfigError("MockBackend needs a positive rate and frame size")
        self.turns = list(turns)
        self._caps = BackendCapabilities(
            name=name,
            input_sample_rate_hz=sample_rate_hz,
            output_sample_rate_hz=output_sample_rate_hz or sample_rate_hz,
            frame_samples=frame_samples,
            supports_tools=True,
            streaming=True,
        )
        self.fail_on_start = fail_on_start
        self.step_delay_s = step_delay_ms / 1000.0
        self.sessions: list[MockSession] = []

    @property
    def session(self) -> MockSession:
        """The most recent session."""
        if not self.sessions:
            raise ConfigError("MockBackend has not started a session")
        return self.sessions[-1]

    def capabilities(self) -> BackendCapabilities:
        return self._caps

    async def start_session(self, config: SessionConfig) -> MockSession:
        if self.fail_on_start is not None:
            raise BackendError(
                f"{self._caps.name}: scripted start failure",
                retryable=self.fail_on_start == "retryable",
            )
        session = MockSession(config)
        self.sessions.append(session)
        return session

    async def step(self, session: MockSession, frame: AudioInputFrame) -> BackendStep:
        if self.step_delay_s:
            await asyncio.sleep(self.step_delay_s)
        session.steps += 1
        session.input_samples += frame.samples_per_channel
        now_ms = session.input_samples * 1000.0 / self._caps.input_sample_rate_hz
        out = BackendStep()
        self._advance(session, now_ms, out)
        return out

    def _advance(self, s: MockSession, now_ms: float, out: BackendStep) -> None:
        if s.turn >= len(self.turns):
            return
        turn = self.turns[s.turn]
        gen = s.turn + 1
        if s.fired_at is None:
            if now_ms < turn.at_ms:
                return
            if turn.fail is not None and gen not in s.failed:
                s.failed.add(gen)
                raise BackendError(
                    f"{self._caps.name}: scripted {turn.fail} failure in turn {gen}",
                    retryable=turn.fail == "retryable",
                )
            s.fired_at = now_ms
            self._emit(s, out, TurnEnd(generation_id=gen, role="user"))
        if not s.asked and now_ms >= s.fired_at + turn.latency_ms:
            s.asked = True
            for i, call in enumerate(turn.tool_calls):
                call_id = call.call_id or f"call-{gen}-{i}"
                if turn.after_tool_ms is not None:
                    s.waiting_tools.add(call_id)
                args = json.dumps(call.arguments)
                self._emit(s, out, ToolCallRequested(call_id, call.name, args, generation_id=gen))
            reply = turn.reply_audio
            if reply is None:
                reply = tone(turn.reply_ms, self._caps.output_sample_rate_hz, turn.tone_hz)
            if reply.shape[0]:
                self._queue(s, turn, reply)
        if turn.interrupt_at_ms is not None and now_ms >= turn.interrupt_at_ms:
            # The user barges in: anything asked in this very step is part of the
            # interrupted generation (its tool calls must never run).
            s.pending_audio.clear()
            s.waiting_tools.clear()
            s.interrupted.add(gen)
            self._emit(s, out, Interruption(reason="barge_in", generation_id=gen))
            self._next_turn(s)
            return
        if not s.asked or s.generated:
            return
        self._flush(s, turn, out)
        if s.waiting_tools:
            return
        if turn.after_tool_ms is not None and turn.tool_calls and not s.after_done:
            s.after_done = True
            rate = self._caps.output_sample_rate_hz
            self._queue(s, turn, tone(turn.after_tool_ms, rate, turn.tone_hz * 1.5))
            self._flush(s, turn, out)
        if not s.pending_audio and not s.generated:
            s.generated = True
            self._emit(s, out, TurnEnd(generation_id=gen, role="assistant"))
        # A scripted barge-in keeps the turn current until it happens: the user
        # interrupts audio that is still playing after the generation finished.
        if s.generated and (turn.interrupt_at_ms is None or now_ms >= turn.interrupt_at_ms):
            self._next_turn(s)

    def _queue(self, s: MockSession, turn: MockTurn, audio: Int16Array) -> None:
        if turn.chunk_ms is None:
            s.pending_audio.append(audio)
            return
        n = max(ms_to_samples(turn.chunk_ms, self._caps.output_sample_rate_hz), 1)
        for i in range(0, int(audio.shape[0]), n):
            s.pending_audio.append(audio[i : i + n])

    def _flush(self, s: MockSession, turn: MockTurn, out: BackendStep) -> None:
        count = len(s.pending_audio) if turn.chunk_ms is None else min(1, len(s.pending_audio))
        rate = self._caps.output_sample_rate_hz
        for _ in range(count):
            audio = s.pending_audio.popleft()
            s.output_samples += int(audio.shape[0])
            out.output_audio.append(AudioOutputFrame(s.steps, rate, 1, audio))

    def _next_turn(self, s: MockSession) -> None:
        s.turn += 1
        s.fired_at = None
        s.asked = False
        s.after_done = False
        s.generated = False

    @staticmethod
    def _emit(s: MockSession, out: BackendStep, event: ControlEvent) -> None:
        s.emitted.append(event)
        out.control_events.append(event)

    async def inject_event(self, session: MockSession, event: ExternalContextEvent) -> None:
        session.injected.append(event)
        if event.kind == "tool_result" and event.call_id is not None:
            session.waiting_tools.discard(event.call_id)

    async def on_interrupt(self, session: MockSession, interruption: Interruption) -> None:
        session.interruptions.append(interruption)

    async def end_session(self, session: MockSession) -> None:
        session.ended = True


def total_reply_samples(turn: MockTurn, rate: int) -> int:
    """Samples of the turn's main reply (tone or given audio) at ``rate``."""
    if turn.reply_audio is not None:
        return int(np.asarray(turn.reply_audio).shape[0])
    return ms_to_samples(turn.reply_ms, rate)
