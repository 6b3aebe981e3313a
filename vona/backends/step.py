"""The step-oriented backend contract: frames in, frames and control events out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from vona.config import SessionConfig
from vona.errors import ConfigError
from vona.events import ControlEvent, ExternalContextEvent
from vona.frames import AudioInputFrame, AudioOutputFrame

if TYPE_CHECKING:
    from vona.step_loop import NativeBackend

__all__ = [
    "BackendCapabilities",
    "BackendStep",
    "NativeSlot",
    "NativeSlotBackend",
    "SpeechToSpeechBackend",
]


@dataclass(slots=True, frozen=True)
class BackendCapabilities:
    """What a backend consumes and offers. The runtime adapts transports to it.

    ``frame_samples`` is samples per channel per input frame at ``input_sample_rate_hz``
    (0: any size). ``streaming``: output may arrive in later steps than its input.
    ``full_duplex``: the backend listens while it speaks and handles overlapping speech
    itself, so the runtime does not take the user's speech over it for a barge-in (unless
    ``VonaRuntime.interrupt_full_duplex``).
    """

    name: str = "backend"
    input_sample_rate_hz: int = 16_000
    output_sample_rate_hz: int = 16_000
    channels: int = 1
    frame_samples: int = 320
    supports_tools: bool = False
    supports_interruption: bool = True
    streaming: bool = False
    full_duplex: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def frame_ms(self) -> float:
        return 1000.0 * self.frame_samples / self.input_sample_rate_hz


@dataclass(slots=True)
class BackendStep:
    """What one step produced: audio for the user and control events for the runtime."""

    output_audio: list[AudioOutputFrame] = field(default_factory=list)
    control_events: list[ControlEvent] = field(default_factory=list)


@runtime_checkable
class SpeechToSpeechBackend(Protocol):
    """A backend driven frame by frame.

    ``start_session`` returns an opaque session object that the backend gets back in every
    other call; one backend object may serve many sessions at once. ``step`` gets frames of
    exactly ``capabilities().frame_samples`` at the backend's input rate. Failures raise
    ``vona.errors.BackendError`` with ``retryable`` set truthfully.
    """

    def capabilities(self) -> BackendCapabilities: ...

    async def start_session(self, config: SessionConfig) -> Any: ...

    async def step(self, session: Any, frame: AudioInputFrame) -> BackendStep: ...

    async def inject_event(self, session: Any, event: ExternalContextEvent) -> None: ...

    async def end_session(self, session: Any) -> None: ...


@dataclass(slots=True, frozen=True)
class NativeSlot:
    """Per-frame work the native step loop can do by itself.

    The core's two: ``NativeSlot("passthrough")`` (output = input) and
    ``NativeSlot("gain", gain_db)`` (input times ``gain_db``, rounded and saturated).
    Any other native stage (a model or an echo canceller compiled against
    ``vona/native_backend.h``) comes as its ``vona.step_loop.NativeBackend`` object:
    ``NativeSlot(kind, backend=obj)``; ``kind`` then only names it in the event log.
    """

    kind: Literal["passthrough", "gain"] | str
    gain_db: float = 0.0
    backend: NativeBackend | None = field(default=None, compare=False)

    def native(self) -> NativeBackend:
        """The ``NativeBackend`` the loop runs for this slot."""
        if self.backend is not None:
            return self.backend
        from vona.step_loop import native_backend  # the compiled loop, on first use

        made = native_backend(self.kind, self.gain_db)
        if made is None:
            raise ConfigError(f"native slot {self.kind!r} names no native backend")
        return made


@runtime_checkable
class NativeSlotBackend(Protocol):
    """A step backend whose per-frame work fits the native loop's backend slot.

    When ``native_slot()`` returns a ``NativeSlot`` (and ``VonaRuntime.native_backends``
    is on), the driver runs every frame through the native loop in one C call per
    transport chunk and never calls ``step``, whether or not the backend's input and
    output rates match; ``start_session``, ``inject_event``, ``on_interrupt`` and
    ``end_session`` are still called. The output must be exactly what ``step`` would have
    produced (a frame at the input rate answered with audio at the output rate).
    """

    def native_slot(self) -> NativeSlot | None: ...
