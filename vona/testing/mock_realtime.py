"""``MockRealtimeBackend``: a scripted ``RealtimeVoiceBackend`` for deterministic tests.

A script is a list of steps run in order by the session's ``events()`` stream:
``Emit`` an event, ``WaitInput`` until enough user audio arrived, ``WaitToolResult``
until the runtime sent a tool's result back, ``WaitInterruption`` until it reported a
barge-in, ``Sleep`` on the session clock, ``Fail`` with a ``BackendError`` or ``Close``
the stream. ``reply(...)`` and ``tool_call(...)`` build the usual step sequences.
Everything the runtime sends is recorded with its session time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from vona.backends.step import BackendCapabilities
from vona.clock import default_clock
from vona.config import SessionConfig
from vona.errors import BackendError, ConfigError
from vona.events import ControlEvent, ExternalContextEvent, Interruption
from vona.frames import AudioInputFrame
from vona.realtime.events import AudioDelta, RealtimeEvent, ResponseDone, ToolCall
from vona.testing.waveforms import ms_to_samples, tone

__all__ = [
    "Close",
    "Emit",
    "Fail",
    "MockRealtimeBackend",
    "MockRealtimeSession",
    "ScriptStep",
    "Sleep",
    "WaitInput",
    "WaitInterruption",
    "WaitToolResult",
    "reply",
    "tool_call",
]


@dataclass(frozen=True)
class Emit:
    event: RealtimeEvent


@dataclass(frozen=True)
class WaitInput:
    """Wait until the session has received ``ms`` of user audio in total."""

    ms: float


@dataclass(frozen=True)
class WaitToolResult:
    call_id: str


@dataclass(frozen=True)
class WaitInterruption:
    """Wait until the runtime sent an ``Interruption`` (count: how many in total)."""

    count: int = 1


@dataclass(frozen=True)
class Sleep:
    ms: float


@dataclass(frozen=True)
class Fail:
    message: str = "scripted failure"
    retryable: bool = True


@dataclass(frozen=True)
class Close:
    """End the event stream (the provider hung up)."""


ScriptStep: TypeAlias = Emit | WaitInput | WaitToolResult | WaitInterruption | Sleep | Fail | Close


def reply(
    response_id: str,
    ms: float,
    *,
    sample_rate_hz: int = 24_000,
    chunk_ms: float = 100.0,
    interval_ms: float = 0.0,
    hz: float = 440.0,
    done: bool = True,
) -> list[ScriptStep]:
    """An assistant response: ``ms`` of tone in ``chunk_ms`` deltas (``interval_ms``
    apart on the session clock), then ``ResponseDone`` if ``done``."""
    audio = tone(ms, sample_rate_hz, hz)
    n = max(ms_to_samples(chunk_ms, sample_rate_hz), 1)
    steps: list[ScriptStep] = []
    for i in range(0, int(audio.shape[0]), n):
        if i and interval_ms:
            steps.append(Sleep(interval_ms))
        delta = AudioDelta(audio[i : i + n], sample_rate_hz, response_id=response_id)
        steps.append(Emit(delta))
    if done:
        steps.append(Emit(ResponseDone(response_id)))
    return steps


def tool_call(
    call_id: str, name: str, arguments: str = "{}", *, response_id: str | None = None
) -> list[ScriptStep]:
    """A response that only asks for a tool (then ends)."""
    return [
        Emit(ToolCall(call_id, name, arguments, response_id=response_id)),
        Emit(ResponseDone(response_id)),
    ]


@dataclass
class MockRealtimeSession:
    """One scripted connection; ``sent_events`` holds ``(t_ns, event)`` pairs."""

    config: SessionConfig
    script: list[ScriptStep]
    sample_rate_hz: int
    input_samples: int = 0
    audio_frames: int = 0
    sent_events: list[tuple[int, ExternalContextEvent | ControlEvent]] = field(default_factory=list)
    emitted: list[tuple[int, RealtimeEvent]] = field(default_factory=list)
    closed: bool = False
    _waiters: list[asyncio.Future[None]] = field(default_factory=list)

    @property
    def input_ms(self) -> float:
        return self.input_samples * 1000.0 / self.sample_rate_hz

    def tool_results(self) -> list[ExternalContextEvent]:
        return [
            e
            for _, e in self.sent_events
            if isinstance(e, ExternalContextEvent) and e.kind == "tool_result"
        ]

    def interruptions(self) -> list[Interruption]:
        return [e for _, e in self.sent_events if isinstance(e, Interruption)]

    async def send_audio(self, frame: AudioInputFrame) -> None:
        if self.closed:
            raise BackendError("mock realtime session is closed", retryable=True)
        if frame.sample_rate_hz != self.sample_rate_hz:
            raise BackendError(
                f"mock realtime session takes {self.sample_rate_hz} Hz, got {frame.sample_rate_hz}"
            )
        self.input_samples += frame.samples_per_channel
        self.audio_frames += 1
        self._notify()

    async def send_event(self, event: ExternalContextEvent | ControlEvent) -> None:
        if self.closed:
            raise BackendError("mock realtime session is closed", retryable=True)
        self.sent_events.append((default_clock().now_ns(), event))
        self._notify()

    async def events(self) -> AsyncIterator[RealtimeEvent]:
        clock = default_clock()
        for step in self.script:
            if isinstance(step, Emit):
                self.emitted.append((clock.now_ns(), step.event))
                yield step.event
            elif isinstance(step, WaitInput | WaitToolResult | WaitInterruption):
                await self._wait(step)
            elif isinstance(step, Sleep):
                await clock.sleep(int(step.ms * 1_000_000))
            elif isinstance(step, Fail):
                raise BackendError(step.message, retryable=step.retryable)
            elif isinstance(step, Close):
                return
            if self.closed:
                return
        await self._wait(None)

    async def close(self) -> None:
        self.closed = True
        self._notify()

    def _ready(self, step: WaitInput | WaitToolResult | WaitInterruption | None) -> bool:
        if isinstance(step, WaitInput):
            return self.input_ms >= step.ms
        if isinstance(step, WaitToolResult):
            return any(e.call_id == step.call_id for e in self.tool_results())
        if isinstance(step, WaitInterruption):
            return len(self.interruptions()) >= step.count
        return False  # None: wait until closed

    async def _wait(self, step: WaitInput | WaitToolResult | WaitInterruption | None) -> None:
        while not self._ready(step):
            if self.closed:
                if step is None:
                    return
                raise BackendError("mock realtime session closed while waiting", retryable=True)
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            await fut

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)


class MockRealtimeBackend:
    """Connects ``MockRealtimeSession``s that each run a copy of ``script``."""

    vona_contract = "realtime"

    def __init__(
        self,
        script: list[ScriptStep] | tuple[ScriptStep, ...] = (),
        *,
        name: str = "mock-realtime",
        sample_rate_hz: int = 24_000,
        frame_samples: int = 480,
        fail_on_connect: Literal["retryable", "fatal"] | None = None,
    ) -> None:
        if sample_rate_hz <= 0 or frame_samples <= 0:
            raise ConfigError("MockRealtimeBackend needs a positive rate and frame size")
        self.script = list(script)
        self._caps = BackendCapabilities(
            name=name,
            input_sample_rate_hz=sample_rate_hz,
            output_sample_rate_hz=sample_rate_hz,
            frame_samples=frame_samples,
            supports_tools=True,
            streaming=True,
        )
        self.fail_on_connect = fail_on_connect
        self.sessions: list[MockRealtimeSession] = []

    @property
    def session(self) -> MockRealtimeSession:
        if not self.sessions:
            raise ConfigError("MockRealtimeBackend has not connected a session")
        return self.sessions[-1]

    def capabilities(self) -> BackendCapabilities:
        return self._caps

    async def connect(self, config: SessionConfig) -> MockRealtimeSession:
        if self.fail_on_connect is not None:
            raise BackendError(
                f"{self._caps.name}: scripted connect failure",
                retryable=self.fail_on_connect == "retryable",
            )
        session = MockRealtimeSession(config, list(self.script), self._caps.input_sample_rate_hz)
        self.sessions.append(session)
        return session
