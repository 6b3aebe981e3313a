"""Runtime policy: what a session does when control events happen.

``VonaRuntime`` holds the knobs ``SessionDriver`` applies: on an interruption it clears
the native playout ring and the transport, cancels the interrupted generation and its
tool calls, and tells the backend the position the user actually heard; on a retryable
``BackendError`` it switches to the next fallback backend with the same
``SessionConfig``; on a fatal one it ends the session with the error in the metrics; it
plays filler audio while a tool runs and nothing else plays; it caps a session's length.

Step-oriented backends learn about interruptions through the optional
``InterruptibleBackend.on_interrupt`` method; realtime sessions get the same
``Interruption`` through ``RealtimeSession.send_event``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

import numpy as np

from vona.backends.step import SpeechToSpeechBackend
from vona.errors import ConfigError
from vona.events import Interruption
from vona.frames import Int16Array
from vona.realtime.events import RealtimeVoiceBackend

__all__ = ["AnyBackend", "InterruptibleBackend", "VonaRuntime", "is_realtime_backend"]

AnyBackend: TypeAlias = SpeechToSpeechBackend | RealtimeVoiceBackend


@runtime_checkable
class InterruptibleBackend(Protocol):
    """A step-oriented backend that wants to hear about interruptions.

    ``on_interrupt`` is optional on a ``SpeechToSpeechBackend``: when present, the driver
    awaits it after every interruption (a barge-in the backend reported, one the app
    asked for, or one the runtime decided on) with ``played_ms``/``played_samples`` set
    to the audio the user actually heard (samples at the backend's output rate), so the
    backend can truncate its history and stop the generation.
    """

    async def on_interrupt(self, session: Any, interruption: Interruption) -> None: ...


def is_realtime_backend(backend: object) -> bool:
    """True for event-stream backends (``connect``), False for step backends (``step``)."""
    if callable(getattr(backend, "connect", None)):
        return True
    if callable(getattr(backend, "step", None)):
        return False
    raise ConfigError(
        f"{type(backend).__name__} is neither a SpeechToSpeechBackend (step) "
        "nor a RealtimeVoiceBackend (connect)"
    )


@dataclass
class VonaRuntime:
    """Session policy. Every field has a default.

    - ``fallback`` / ``fallbacks``: backends to switch to, in order (``fallback`` first),
      on a retryable ``BackendError`` or a ``FallbackRequested`` event (step or realtime,
      any mix); ``backend_chain`` lists them.
    - ``filler_audio``: int16 audio at the transport rate, looped while a tool call runs
      and nothing else plays, sent as ``AudioOutputFrame(is_filler=True)``;
      ``filler_after_ms``: wait this long into a tool call before starting it.
    - ``max_session_s``: end the session (``end_reason="max_duration"``) after this long.
    - ``playout_frame_ms``: size and pace of the frames sent to the transport.
    - ``pacing``: who paces playout. ``"driver"``: the driver sends one
      ``playout_frame_ms`` frame per period from its playout ring (for transports that
      play what they get at once). ``"transport"``: the driver sends whole frames as
      soon as the backend makes them and the transport queues and plays them at real
      time itself (WebRTC sources, telephony sockets with a client buffer, device
      streams with a queue); its ``clear()`` must then report what it dropped, which is
      what the user did not hear. ``"auto"`` (default): ``"transport"`` when the
      transport has a true ``paces_output`` attribute, else ``"driver"``.
    - ``playout_capacity_s``: playout ring size; audio beyond it is refused and counted.
    - ``drain_timeout_s``: after the input ends, how long to wait for playout, running
      tools and an in-flight realtime response to finish.
    - ``tool_timeout_s`` / ``max_concurrent_tools``: defaults for the ``SkillExecutor``.
    - ``interrupt_on_speech``: treat a realtime ``SpeechStarted`` during assistant audio
      as a barge-in (also requires ``TurnDetection.interrupt_response``).
    - ``interrupt_full_duplex``: do so for a backend declaring ``full_duplex`` too (off:
      such a backend handles overlapping speech itself; its own ``Interrupted`` still counts).
    - ``resample_quality``: quality preset of the native loop's resamplers.
    - ``echo_cancellation``: cancel the echo of the assistant's audio in the user's
      input, in the native loop (mono; the far end is exactly what was played).
      ``"auto"`` (default): on when the transport says its input holds the echo and
      nothing cancels it (``echo_cancelled = False``: a microphone, a telephone line)
      and the audio is mono; off for a transport that cancels (``True``: a browser) or
      says nothing; ``"on"``: always (a ConfigError where it cannot run);
      ``"off"``: never. ``echo_filter_ms``: the longest echo path (delay plus reverb) it
      learns; ``noise_suppression``: also remove stationary noise there.
    - ``native_backends``: run a step backend that offers a ``NativeSlot`` (see
      ``vona.backends.step.NativeSlotBackend``, e.g. ``PassthroughStsBackend``) inside the
      native loop, without Python per frame. Off: always await its ``step``.
    """

    fallback: AnyBackend | None = None
    fallbacks: Sequence[AnyBackend] = ()
    filler_audio: Int16Array | None = None
    filler_after_ms: int = 0
    max_session_s: float | None = None
    playout_frame_ms: int = 20
    playout_capacity_s: float = 120.0
    pacing: Literal["auto", "driver", "transport"] = "auto"
    drain_timeout_s: float = 5.0
    tool_timeout_s: float = 10.0
    max_concurrent_tools: int = 4
    interrupt_on_speech: bool = True
    interrupt_full_duplex: bool = False
    resample_quality: Literal["low", "hq", "vhq"] = "hq"
    native_backends: bool = True
    echo_cancellation: Literal["auto", "on", "off"] = "auto"
    echo_filter_ms: int = 200
    noise_suppression: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.playout_frame_ms <= 1000:
            raise ConfigError(f"playout_frame_ms must be 1..1000, got {self.playout_frame_ms}")
        if self.max_session_s is not None and not self.max_session_s > 0:
            raise ConfigError(f"max_session_s must be > 0, got {self.max_session_s}")
        if self.pacing not in ("auto", "driver", "transport"):
            raise ConfigError(
                f"pacing must be 'auto', 'driver' or 'transport', got {self.pacing!r}"
            )
        if self.echo_cancellation not in ("auto", "on", "off"):
            raise ConfigError(
                f"echo_cancellation must be 'auto', 'on' or 'off', got {self.echo_cancellation!r}"
            )
        if not 10 <= self.echo_filter_ms <= 1000:
            raise ConfigError(f"echo_filter_ms must be 10..1000, got {self.echo_filter_ms}")
        if not self.playout_capacity_s > 0:
            raise ConfigError(f"playout_capacity_s must be > 0, got {self.playout_capacity_s}")
        if self.drain_timeout_s < 0:
            raise ConfigError(f"drain_timeout_s must be >= 0, got {self.drain_timeout_s}")
        if self.filler_after_ms < 0:
            raise ConfigError(f"filler_after_ms must be >= 0, got {self.filler_after_ms}")
        if self.filler_audio is not None:
            audio = np.asarray(self.filler_audio)
            if audio.dtype != np.int16 or audio.ndim != 1 or audio.size == 0:
                raise ConfigError(
                    "filler_audio must be a non-empty 1-D int16 array at the transport rate, "
                    f"got dtype {audio.dtype} shape {audio.shape}"
                )
        for b in self.backend_chain:
            is_realtime_backend(b)

    @property
    def backend_chain(self) -> list[AnyBackend]:
        """The fallback backends in the order they are tried."""
        first = [self.fallback] if self.fallback is not None else []
        return [*first, *self.fallbacks]
