"""Adapters from the two backend contracts to the driver: one engine per backend kind.

``StepEngine`` awaits ``step`` directly for every backend frame (no task or queue hop)
and hands its audio, then its control events in order, to the driver. ``RealtimeEngine``
sends audio with ``send_audio`` and pumps ``events()`` in its own task, mapping each
``RealtimeEvent`` to the same driver actions.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from vona.backends.step import BackendCapabilities, NativeSlot, SpeechToSpeechBackend
from vona.errors import BackendError
from vona.events import (
    ControlEvent,
    ExternalContextEvent,
    FallbackRequested,
    Interruption,
    LatencyMark,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame
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

if TYPE_CHECKING:
    from vona.driver.session import SessionDriver

__all__ = ["Engine", "RealtimeEngine", "StepEngine"]


class Engine(abc.ABC):
    """What the driver needs from a backend, whichever contract it implements."""

    __slots__ = ("backend", "caps", "driver", "name", "native")

    realtime: bool = False

    def __init__(self, driver: SessionDriver, backend: Any) -> None:
        self.driver = driver
        self.backend = backend
        self.caps: BackendCapabilities = backend.capabilities()
        self.name = self.caps.name
        self.native: NativeSlot | None = None  # per-frame work the native loop can do

    @abc.abstractmethod
    async def start(self) -> None:
        """Implemented by StepEngine and RealtimeEngine."""

    @abc.abstractmethod
    async def feed(self, frame: AudioInputFrame) -> None:
        """Implemented by StepEngine and RealtimeEngine."""

    @abc.abstractmethod
    async def inject(self, event: ExternalContextEvent) -> None:
        """Implemented by StepEngine and RealtimeEngine."""

    @abc.abstractmethod
    async def notify_interrupt(self, interruption: Interruption) -> None:
        """Implemented by StepEngine and RealtimeEngine."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Implemented by StepEngine and RealtimeEngine."""

    def busy(self) -> bool:
        """True while the backend still owes output (a realtime response in flight)."""
        return False


class StepEngine(Engine):
    """Drives a ``SpeechToSpeechBackend``. A step's audio is queued before its control
    events are handled, so audio in a step that ends with an ``Interruption`` is part
    of what gets cleared, and audio in a step with ``TurnEnd`` belongs to that turn."""

    __slots__ = ("_on_interrupt", "_step", "session")

    def __init__(self, driver: SessionDriver, backend: SpeechToSpeechBackend) -> None:
        super().__init__(driver, backend)
        self.session: Any = None
        self._on_interrupt = getattr(backend, "on_interrupt", None)
        self._step = backend.step
        slot_of = getattr(backend, "native_slot", None)
        self.native = slot_of() if callable(slot_of) else None

    async def start(self) -> None:
        self.session = await self.backend.start_session(self.driver.config)

    async def feed(self, frame: AudioInputFrame) -> None:
        step = await self._step(self.session, frame)
        d = self.driver
        for out in step.output_audio:
            d.on_backend_audio(out.samples, out.sample_rate_hz, out.channels)
        events = step.control_events
        if events:
            for event in events:
                await self._control(event)
                if d.done:
                    return

    async def _control(self, event: ControlEvent) -> None:
        d = self.driver
        if isinstance(event, ToolCallRequested):
            d.note_generation(event.generation_id)
            await d.on_tool_call(event)
        elif isinstance(event, Interruption):
            d.note_generation(event.generation_id)
            await d.interrupt(event.reason, event.generation_id or None)
        elif isinstance(event, TurnEnd):
            d.note_generation(event.generation_id)
            if event.role == "user":
                d.on_user_speech_end()
            else:
                d.on_assistant_done()
        elif isinstance(event, FallbackRequested):
            await d.backend_failed(
                self, BackendError(f"fallback requested: {event.reason}", retryable=True)
            )
        elif isinstance(event, LatencyMark):
            d.log("latency_mark", name=event.name, at_ns=event.timestamp_ns - d.metrics.started_ns)
        else:
            d.log("control_event", type=type(event).__name__)

    async def inject(self, event: ExternalContextEvent) -> None:
        await self.backend.inject_event(self.session, event)

    async def notify_interrupt(self, interruption: Interruption) -> None:
        if self._on_interrupt is not None:
            await self._on_interrupt(self.session, interruption)

    async def close(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            await self.backend.end_session(session)


class RealtimeEngine(Engine):
    """Drives a ``RealtimeVoiceBackend``; one generation per provider response."""

    __slots__ = ("_generation_of", "_interrupted", "_pump_task", "_response_id", "session")

    realtime = True

    def __init__(self, driver: SessionDriver, backend: RealtimeVoiceBackend) -> None:
        super().__init__(driver, backend)
        self.session: RealtimeSession | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._response_id: str | None = None
        self._interrupted: set[str] = set()
        self._generation_of: dict[str, int] = {}

    async def start(self) -> None:
        self.session = await self.backend.connect(self.driver.config)
        self._pump_task = asyncio.get_running_loop().create_task(
            self._pump(self.session), name=f"vona-realtime-events-{self.name}"
        )

    async def _pump(self, session: RealtimeSession) -> None:
        d = self.driver
        try:
            async for event in session.events():
                await self._handle(event)
                if type(event) is AudioDelta:
                    d.flush_output()
                if d.done or d.engine is not self:
                    return
            if d.engine is self:
                d.log("backend_closed", backend=self.name)
                d.end("backend_closed")
        except BackendError as exc:
            await d.backend_failed(self, exc)
        except Exception as exc:
            if d.engine is self:
                d.fail(exc)

    def busy(self) -> bool:
        return self.driver.generation_open

    def _new_generation_needed(self, response_id: str | None) -> bool:
        if not self.driver.generation_open:
            return True
        return response_id is not None and response_id != self._response_id

    def _open(self, response_id: str | None) -> int:
        d = self.driver
        if self._new_generation_needed(response_id):
            self._response_id = response_id
            gen = d.open_generation()
            if response_id is not None:
                self._generation_of[response_id] = gen
        return d.generation_id

    async def _handle(self, event: RealtimeEvent) -> None:
        d = self.driver
        if isinstance(event, AudioDelta):
            if event.response_id is not None and event.response_id in self._interrupted:
                d.metrics.stale_audio_samples += int(event.samples.shape[0]) // event.channels
                return
            self._open(event.response_id)
            d.on_backend_audio(event.samples, event.sample_rate_hz, event.channels)
        elif isinstance(event, ToolCall):
            if event.response_id is not None and event.response_id in self._interrupted:
                # A late call of an interrupted response: submitted under its own
                # (cancelled) generation, so the executor cancels it on arrival.
                gen = self._generation_of[event.response_id]
            else:
                gen = self._open(event.response_id)
            await d.on_tool_call(
                ToolCallRequested(event.call_id, event.name, event.arguments, generation_id=gen)
            )
        elif isinstance(event, ResponseDone):
            d.log("response_done", response_id=event.response_id, status=event.status)
            if event.response_id is None or event.response_id == self._response_id:
                d.on_assistant_done()
        elif isinstance(event, SpeechStarted):
            d.log("user_speech_start")
            rt = d.runtime
            if (
                rt.interrupt_on_speech
                and d.config.turn_detection.interrupt_response
                and d.assistant_active()
            ):
                self._mark_interrupted()
                await d.interrupt("barge_in", d.generation_id)
        elif isinstance(event, SpeechStopped):
            d.on_user_speech_end()
        elif isinstance(event, Interrupted):
            # Often an echo of a barge-in already handled (SpeechStarted): act only if
            # assistant audio is still live.
            d.log("provider_interrupted", reason=event.reason)
            if d.assistant_active():
                self._mark_interrupted()
                await d.interrupt(f"server:{event.reason}", d.generation_id)
        elif isinstance(event, TranscriptDelta):
            if event.final:
                d.log("transcript", role=event.role, text=event.text)
        elif isinstance(event, RealtimeError):
            d.log("realtime_error", message=event.message, code=event.code, fatal=event.fatal)
            if event.fatal:
                d.end(
                    "error",
                    {
                        "type": "RealtimeError",
                        "message": event.message,
                        "code": event.code,
                        "backend": self.name,
                    },
                )
        elif isinstance(event, Usage):
            d.metrics.input_tokens += event.input_tokens
            d.metrics.output_tokens += event.output_tokens
        elif isinstance(event, UnknownEvent):
            d.log("unknown_event", event_type=event.event_type)

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
