"""Backend runners: one per backend contract, each reporting to a ``RunnerSink``.

A runner owns one backend session (start, feed, inject, interrupt notice, close) and
turns what the backend produces into sink calls. ``StepRunner`` awaits ``step``
directly for every backend frame (no task or queue hop) and hands its audio, then its
control events in order, to the sink. ``RealtimeRunner`` sends audio with
``send_audio`` and pumps ``events()`` in its own task, mapping each ``RealtimeEvent``
to the same sink calls; it also owns the mapping from provider response ids to
generations. Generation ids themselves live in ``TurnState``.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from typing import Any, Protocol

from vona.backends.step import BackendCapabilities, NativeSlot, SpeechToSpeechBackend
from vona.config import SessionConfig
from vona.driver.turn import TurnState
from vona.errors import BackendError
from vona.events import (
    ControlEvent,
    ExternalContextEvent,
    FallbackRequested,
    Interruption,
    LatencyMark,
    PlayoutPause,
    PlayoutResume,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame, Int16Array
from vona.metrics import InterruptionRecord, SessionMetrics
from vona.realtime.events import (
    AudioDelta,
    Interrupted,
    RealtimeError,
    RealtimeEvent,
    RealtimeSession,
    RealtimeVoiceBackend,
    ResponseDone,
    SpeechStarted,
    SpeechStopped,
    ToolCall,
    TranscriptDelta,
    UnknownEvent,
    Usage,
)
from vona.runtime import AnyBackend, is_realtime_backend

__all__ = ["BackendRunner", "RealtimeRunner", "RunnerSink", "StepRunner", "make_runner"]


class RunnerSink(Protocol):
    """Where a runner sends what its backend produced (the session implements it)."""

    @property
    def done(self) -> bool:
        """True once the session is ending: runners stop handing it events."""
        ...

    def log(self, kind: str, /, **data: Any) -> None: ...

    def on_backend_audio(self, samples: Int16Array, rate: int, channels: int) -> None:
        """Backend-rate audio for the playout (opens a turn when none is open)."""
        ...

    def flush_output(self) -> None:
        """Backend audio arrived outside a step: send what can go out now."""
        ...

    async def on_tool_call(self, request: ToolCallRequested) -> None: ...

    async def interrupt(
        self, reason: str = "app", generation_id: int | None = None
    ) -> InterruptionRecord: ...

    def on_user_speech_end(self) -> None: ...

    def on_assistant_done(self) -> None: ...

    def pause_playout(self, paused: bool) -> None:
        """Hold (or resume) the reply's playout where it is; the ring keeps it."""
        ...

    def assistant_active(self) -> bool: ...

    async def backend_failed(self, runner: BackendRunner, exc: BackendError) -> None:
        """Switch to a fallback or end the session (see ``BackendChain``)."""
        ...

    def is_current(self, runner: BackendRunner) -> bool:
        """False once the session switched to another runner."""
        ...

    def end(self, reason: str, error: dict[str, Any] | None = None) -> None: ...

    def fail(self, exc: BaseException) -> None: ...


class BackendRunner(abc.ABC):
    """What the session needs from a backend, whichever contract it implements.

    ``sink`` receives its output, ``turns`` holds the generation ids, ``metrics`` takes
    the counters a backend reports (tokens, stale audio), ``config`` starts its session.
    """

    __slots__ = ("backend", "caps", "config", "metrics", "name", "native", "sink", "turns")

    realtime: bool = False

    def __init__(
        self,
        backend: Any,
        sink: RunnerSink,
        turns: TurnState,
        metrics: SessionMetrics,
        config: SessionConfig,
    ) -> None:
        self.backend = backend
        self.sink = sink
        self.turns = turns
        self.metrics = metrics
        self.config = config
        self.caps: BackendCapabilities = backend.capabilities()
        self.name = self.caps.name
        self.native: NativeSlot | None = None  # per-frame work the native loop can do

    @abc.abstractmethod
    async def start(self) -> None:
        """Open the backend session."""

    @abc.abstractmethod
    async def feed(self, frame: AudioInputFrame) -> None:
        """Give the backend one frame of user audio at its input rate."""

    @abc.abstractmethod
    async def inject(self, event: ExternalContextEvent) -> None:
        """Send application context to the backend."""

    @abc.abstractmethod
    async def notify_interrupt(self, interruption: Interruption) -> None:
        """Tell the backend what the user heard of an interrupted answer."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the backend session (idempotent)."""

    def busy(self) -> bool:
        """True while the backend still owes output (a realtime response in flight)."""
        return False


class StepRunner(BackendRunner):
    """Drives a ``SpeechToSpeechBackend``. A step's audio is queued before its control
    events are handled, so audio in a step that ends with an ``Interruption`` is part
    of what gets cleared, and audio in a step with ``TurnEnd`` belongs to that turn."""

    __slots__ = ("_on_interrupt", "_step", "session")

    def __init__(
        self,
        backend: SpeechToSpeechBackend,
        sink: RunnerSink,
        turns: TurnState,
        metrics: SessionMetrics,
        config: SessionConfig,
    ) -> None:
        super().__init__(backend, sink, turns, metrics, config)
        self.session: Any = None
        self._on_interrupt = getattr(backend, "on_interrupt", None)
        self._step = backend.step
        slot_of = getattr(backend, "native_slot", None)
        self.native = slot_of() if callable(slot_of) else None

    async def start(self) -> None:
        self.session = await self.backend.start_session(self.config)

    async def feed(self, frame: AudioInputFrame) -> None:
        step = await self._step(self.session, frame)
        sink = self.sink
        for out in step.output_audio:
            sink.on_backend_audio(out.samples, out.sample_rate_hz, out.channels)
        events = step.control_events
        if events:
            for event in events:
                await self._control(event)
                if sink.done:
                    return

    async def _control(self, event: ControlEvent) -> None:
        sink, turns = self.sink, self.turns
        if isinstance(event, ToolCallRequested):
            turns.note_generation(event.generation_id)
            await sink.on_tool_call(event)
        elif isinstance(event, Interruption):
            turns.note_generation(event.generation_id)
            await sink.interrupt(event.reason, event.generation_id or None)
        elif isinstance(event, TurnEnd):
            turns.note_generation(event.generation_id)
            if event.role == "user":
                sink.on_user_speech_end()
            else:
                sink.on_assistant_done()
        elif isinstance(event, PlayoutPause | PlayoutResume):
            sink.pause_playout(isinstance(event, PlayoutPause))
        elif isinstance(event, FallbackRequested):
            await sink.backend_failed(
                self, BackendError(f"fallback requested: {event.reason}", retryable=True)
            )
        elif isinstance(event, LatencyMark):
            at_ns = event.timestamp_ns - self.metrics.started_ns
            sink.log("latency_mark", name=event.name, at_ns=at_ns)
        else:
            sink.log("control_event", type=type(event).__name__)

    async def inject(self, event: ExternalContextEvent) -> None:
        await self.backend.inject_event(self.session, event)

    async def notify_interrupt(self, interruption: Interruption) -> None:
        if self._on_interrupt is not None:
            await self._on_interrupt(self.session, interruption)

    async def close(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            await self.backend.end_session(session)


class RealtimeRunner(BackendRunner):
    """Drives a ``RealtimeVoiceBackend``; one generation per provider response.

    ``barge_in``: a ``SpeechStarted`` while the assistant is active interrupts it.
    """

    __slots__ = (
        "_generation_of",
        "_interrupted",
        "_pump_task",
        "_response_id",
        "barge_in",
        "session",
    )

    realtime = True

    def __init__(
        self,
        backend: RealtimeVoiceBackend,
        sink: RunnerSink,
        turns: TurnState,
        metrics: SessionMetrics,
        config: SessionConfig,
        *,
        barge_in: bool = True,
    ) -> None:
        super().__init__(backend, sink, turns, metrics, config)
        self.barge_in = barge_in
        self.session: RealtimeSession | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._response_id: str | None = None
        self._interrupted: set[str] = set()
        self._generation_of: dict[str, int] = {}

    async def start(self) -> None:
        self.session = await self.backend.connect(self.config)
        self._pump_task = asyncio.get_running_loop().create_task(
            self._pump(self.session), name=f"vona-realtime-events-{self.name}"
        )

    async def _pump(self, session: RealtimeSession) -> None:
        sink = self.sink
        try:
            async for event in session.events():
                await self._handle(event)
                if type(event) is AudioDelta:
                    sink.flush_output()
                if sink.done or not sink.is_current(self):
                    return
            if sink.is_current(self):
                sink.log("backend_closed", backend=self.name)
                sink.end("backend_closed")
        except BackendError as exc:
            await sink.backend_failed(self, exc)
        except Exception as exc:
            if sink.is_current(self):
                sink.fail(exc)

    def busy(self) -> bool:
        return self.turns.generation_open

    def _open(self, response_id: str | None) -> int:
        turns = self.turns
        if not turns.generation_open or (
            response_id is not None and response_id != self._response_id
        ):
            self._response_id = response_id
            gen = turns.open_generation()
            if response_id is not None:
                self._generation_of[response_id] = gen
        return turns.generation_id

    async def _handle(self, event: RealtimeEvent) -> None:
        sink = self.sink
        if isinstance(event, AudioDelta):
            if event.response_id is not None and event.response_id in self._interrupted:
                stale = int(event.samples.shape[0]) // event.channels
                self.metrics.stale_audio_samples += stale
                return
            self._open(event.response_id)
            sink.on_backend_audio(event.samples, event.sample_rate_hz, event.channels)
        elif isinstance(event, ToolCall):
            if event.response_id is not None and event.response_id in self._interrupted:
                # A late call of an interrupted response: submitted under its own
                # (cancelled) generation, so the executor cancels it on arrival.
                gen = self._generation_of[event.response_id]
            else:
                gen = self._open(event.response_id)
            await sink.on_tool_call(
                ToolCallRequested(event.call_id, event.name, event.arguments, generation_id=gen)
            )
        elif isinstance(event, ResponseDone):
            sink.log("response_done", response_id=event.response_id, status=event.status)
            if event.response_id is None or event.response_id == self._response_id:
                sink.on_assistant_done()
        elif isinstance(event, SpeechStarted):
            sink.log("user_speech_start")
            if self.barge_in and sink.assistant_active():
                self._mark_interrupted()
                await sink.interrupt("barge_in", self.turns.generation_id)
        elif isinstance(event, SpeechStopped):
            sink.on_user_speech_end()
        elif isinstance(event, Interrupted):
            # Often an echo of a barge-in already handled (SpeechStarted): act only if
            # assistant audio is still live.
            sink.log("provider_interrupted", reason=event.reason)
            if sink.assistant_active():
                self._mark_interrupted()
                await sink.interrupt(f"server:{event.reason}", self.turns.generation_id)
        elif isinstance(event, TranscriptDelta):
            if event.final:
                sink.log("transcript", role=event.role, text=event.text)
        elif isinstance(event, RealtimeError):
            sink.log("realtime_error", message=event.message, code=event.code, fatal=event.fatal)
            if event.fatal:
                sink.end(
                    "error",
                    {
                        "type": "RealtimeError",
                        "message": event.message,
                        "code": event.code,
                        "backend": self.name,
                    },
                )
        elif isinstance(event, Usage):
            self.metrics.input_tokens += event.input_tokens
            self.metrics.output_tokens += event.output_tokens
        elif isinstance(event, UnknownEvent):
            sink.log("unknown_event", event_type=event.event_type)

    def _mark_interrupted(self) -> None:
        # The response being heard may have finished generating (ResponseDone) while
        # its audio still plays; late deltas of it are stale either way.
        if self._response_id is not None:
            self._interrupted.add(self._response_id)

    async def feed(self, frame: AudioInputFrame) -> None:
        assert self.session is not None
        await self.session.send_audio(frame)

    async def inject(self, event: ExternalContextEvent) -> None:
        assert self.session is not None
        await self.session.send_event(event)

    async def notify_interrupt(self, interruption: Interruption) -> None:
        assert self.session is not None
        await self.session.send_event(interruption)

    async def close(self) -> None:
        task, self._pump_task = self._pump_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.session is not None:
            session, self.session = self.session, None
            await session.close()


def make_runner(
    backend: AnyBackend,
    sink: RunnerSink,
    turns: TurnState,
    metrics: SessionMetrics,
    config: SessionConfig,
    *,
    barge_in: bool = True,
) -> BackendRunner:
    """The runner for ``backend``'s contract (``barge_in`` applies to realtime ones)."""
    if is_realtime_backend(backend):
        return RealtimeRunner(
            backend,  # type: ignore[arg-type]
            sink,
            turns,
            metrics,
            config,
            barge_in=barge_in,
        )
    return StepRunner(backend, sink, turns, metrics, config)  # type: ignore[arg-type]
