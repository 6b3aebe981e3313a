"""The audio path the driver uses: the native ``vona.step_loop.StepLoop``.

``AudioLoop`` is the part of the step loop's API the driver relies on; ``make_loop`` builds
the native one. ``SessionLoop`` holds the one loop a session uses, whatever the backend's
input and output rates, and rebuilds it when a fallback changes the backend's audio shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from vona.backends.step import BackendCapabilities
from vona.errors import ConfigError
from vona.frames import Int16Array
from vona.metrics import SessionMetrics
from vona.step_loop import NativeBackend, StepLoop

__all__ = ["AudioLoop", "EchoSetting", "LoopFactory", "SessionLoop", "echo_setting", "make_loop"]

# rates the native echo canceller takes (the resampler's)
_ECHO_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)


class AudioLoop(Protocol):
    """Transport-rate chunks in, backend frames out; backend audio in, paced playout out.

    Sample counts are per channel; ``interrupt`` returns ``(dropped_samples,
    played_samples, played_ms)`` for the current assistant turn at the transport rate.
    Times are nanoseconds; None means "not known yet".
    """

    def push_input(self, chunk: Int16Array) -> list[Int16Array]: ...

    def flush_input(self) -> list[Int16Array]:
        """Input ended: the resampler's tail and the last partial frame, zero padded."""
        ...

    def process_flush(self) -> int:
        """``flush_input`` through the native backend into playout; samples queued."""
        ...

    def stats(self) -> dict[str, int]:
        """Counters, among them ``samples_queued`` and ``overflows`` (refused samples)."""
        ...

    def push_output(self, samples: Int16Array) -> int: ...

    def pull_playout(self, n: int) -> Int16Array: ...

    def echo_reference(self, samples: Int16Array) -> None:
        """Audio played around the ring (filler): the echo canceller's reference too."""
        ...

    @property
    def playout_buffered(self) -> int: ...

    def interrupt(self) -> tuple[int, int, float]:
        """``(dropped_samples, played_samples, played_ms)`` (a ``PlayoutCut`` natively)."""
        ...

    def begin_turn(self, now_ns: int | None = None) -> None: ...

    def end_turn(self) -> int:
        """The turn's audio is complete: flush the resampler's tail into playout."""
        ...

    def mark_user_speech_end(self, ns: int | None = None) -> None: ...

    @property
    def first_audio_ns(self) -> int | None: ...

    @property
    def turn_latency_ns(self) -> int | None: ...

    @property
    def underruns(self) -> int: ...

    def set_clock(self, virtual: bool) -> None: ...

    def set_native_backend(
        self, kind: str | NativeBackend | None, gain_db: float = 0.0
    ) -> None: ...

    def process(self, chunk: Int16Array) -> int:
        """Transport chunk in, through the native backend, into playout; samples queued."""
        ...

    @property
    def frames_in(self) -> int: ...

    def set_time(self, ns: int) -> None: ...


class LoopFactory(Protocol):
    """``(transport_rate, backend_rate, backend_frame_samples, channels,
    playout_capacity_samples, quality, backend_output_rate=None) -> AudioLoop``;
    ``backend_rate`` is the backend's input rate, and ``backend_output_rate`` is passed
    only when the backend answers at another rate; ``echo_cancel_ms`` and
    ``noise_suppression`` only when the loop is to cancel echo (``make_loop``)."""

    def __call__(
        self,
        transport_rate: int,
        backend_rate: int,
        backend_frame_samples: int,
        channels: int,
        playout_capacity_samples: int,
        quality: str,
        backend_output_rate: int | None = None,
        *,
        echo_cancel_ms: int = 0,
        noise_suppression: bool = False,
    ) -> AudioLoop: ...


def make_loop(
    transport_rate: int,
    backend_rate: int,
    backend_frame_samples: int,
    channels: int,
    playout_capacity_samples: int,
    quality: str,
    backend_output_rate: int | None = None,
    *,
    echo_cancel_ms: int = 0,
    noise_suppression: bool = False,
) -> AudioLoop:
    """Build the native ``vona.step_loop.StepLoop`` (``echo_cancel_ms`` > 0: with the echo
    canceller on its input, see ``StepLoop``)."""
    loop: AudioLoop = StepLoop(
        transport_rate,
        backend_rate,
        backend_frame_samples,
        channels=channels,
        playout_capacity_samples=playout_capacity_samples,
        quality=quality,
        backend_output_rate=backend_output_rate,
        echo_cancel_ms=echo_cancel_ms,
        noise_suppression=noise_suppression,
    )
    return loop


class EchoSetting(NamedTuple):
    """The echo canceller a session's loop gets: ``filter_ms`` 0 means none."""

    filter_ms: int = 0
    noise_suppression: bool = False


def echo_setting(
    mode: str, filter_ms: int, noise_suppression: bool, transport: object, rate: int, channels: int
) -> EchoSetting:
    """Whether the loop cancels echo (``VonaRuntime.echo_cancellation``): ``"auto"`` runs it
    when the transport says its input holds an uncancelled echo (``echo_cancelled`` is
    False) and the audio is mono at a supported rate; ``"on"`` insists (ConfigError where
    it cannot run)."""
    if mode == "off":
        return EchoSetting()
    fits = channels == 1 and rate in _ECHO_RATES
    if mode == "on":
        if not fits:
            raise ConfigError(
                f"echo cancellation needs mono audio at one of {_ECHO_RATES} Hz, "
                f"got {channels} channel(s) at {rate} Hz"
            )
        return EchoSetting(filter_ms, noise_suppression)
    if getattr(transport, "echo_cancelled", None) is False and fits:
        return EchoSetting(filter_ms, noise_suppression)
    return EchoSetting()


class SessionLoop:
    """The session's one native loop, fitted to the current backend (its input rate, output
    rate and frame size). ``configure`` rebuilds it only when that shape changes (e.g. on
    a fallback to a backend with other rates)."""

    def __init__(
        self,
        factory: LoopFactory,
        transport_rate: int,
        channels: int,
        capacity_samples: int,
        quality: str,
        virtual_now: Callable[[], int] | None,
        echo: EchoSetting | None = None,
    ) -> None:
        self._factory = factory
        self.echo = echo if echo is not None else EchoSetting()
        self.transport_rate = transport_rate
        self.channels = channels
        self._capacity = max(capacity_samples, 1)
        self._quality = quality
        self._virtual_now = virtual_now
        self._key: tuple[int, int, int] | None = None
        self._retired_underruns = 0
        self._retired_produced = 0
        self._retired_overflows = 0
        self.retired_left = 0  # audio left in the ring of a loop replaced on a switch
        self.loop: AudioLoop | None = None

    def use_native(self, backend: NativeBackend | None) -> bool:
        """Put ``backend`` into the native backend slot (None empties it); returns whether
        the slot is in use."""
        loop = self.loop
        if loop is None:
            return False
        loop.set_native_backend(backend)
        return backend is not None

    def configure(self, caps: BackendCapabilities) -> None:
        if caps.channels != self.channels:
            raise ConfigError(
                f"backend {caps.name} takes {caps.channels} channel(s) but the transport "
                f"carries {self.channels}"
            )
        frame = caps.frame_samples or max(caps.input_sample_rate_hz // 50, 1)
        key = (caps.input_sample_rate_hz, caps.output_sample_rate_hz, frame)
        if key == self._key:
            return
        rate, ch, cap, quality = self.transport_rate, self.channels, self._capacity, self._quality
        extra: dict[str, Any] = {}
        if key[1] != key[0]:
            extra["backend_output_rate"] = key[1]
        if self.echo.filter_ms:  # only then: factories without echo arguments keep working
            extra["echo_cancel_ms"] = self.echo.filter_ms
            extra["noise_suppression"] = self.echo.noise_suppression
        loop = self._factory(rate, key[0], frame, ch, cap, quality, **extra)
        if self._virtual_now is not None:
            loop.set_clock(True)
            loop.set_time(self._virtual_now())
        self._retired_underruns = self.underruns
        old = self.loop
        if old is not None:
            stats = old.stats()
            self._retired_produced += stats["samples_queued"] + stats["overflows"]
            self._retired_overflows += stats["overflows"]
            self.retired_left += stats["playout_buffered"]
        self.loop, self._key = loop, key

    @property
    def underruns(self) -> int:
        """Underruns of every loop this session used."""
        current = int(self.loop.underruns) if self.loop is not None else 0
        return self._retired_underruns + current

    def books(self) -> tuple[int, int, int]:
        """``(produced, overflowed, left in the ring)``: transport-rate samples of backend
        audio offered to the playout rings of every loop this session used, those refused
        because a ring was full, and those the current ring still holds."""
        produced, overflows, left = self._retired_produced, self._retired_overflows, 0
        if self.loop is not None:
            stats = self.loop.stats()
            produced += stats["samples_queued"] + stats["overflows"]
            overflows += stats["overflows"]
            left = stats["playout_buffered"]
        return produced, overflows, left

    def close_books(self, metrics: SessionMetrics, leftover: str, log: Callable[..., Any]) -> None:
        """At the session's end: record what the backends produced, and count what the
        rings refused (``ring_overflow``), what a replaced loop still held
        (``backend_switch``) and what the current ring still holds (``leftover``)."""
        try:
            produced, overflowed, left = self.books()
        except Exception as exc:  # a closed or broken loop: nothing more to count
            log("books_unavailable", message=str(exc))
            return
        metrics.produced_samples = produced
        metrics.drop("ring_overflow", overflowed)
        metrics.drop("backend_switch", self.retired_left)
        metrics.drop(leftover, left)
        if left or overflowed:
            log("audio_dropped", reason=leftover, queued=left, overflowed=overflowed)
