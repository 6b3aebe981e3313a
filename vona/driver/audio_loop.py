"""The audio path the driver uses: the native ``vona.loop.StepLoop``.

``AudioLoop`` is the part of the step loop's API the driver relies on; ``make_loop`` builds
the native one. The driver holds two loop objects when a backend's input and output rates
differ (the input side of one, the output side of the other); one otherwise.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol, TypeAlias

from vona.errors import ConfigError
from vona.frames import Int16Array

__all__ = ["AudioLoop", "LoopFactory", "make_loop"]


class AudioLoop(Protocol):
    """Transport-rate chunks in, backend frames out; backend audio in, paced playout out.

    Sample counts are per channel; ``interrupt`` returns ``(dropped_samples,
    played_samples, played_ms)`` for the current assistant turn at the transport rate.
    Times are nanoseconds; None means "not known yet".
    """

    def push_input(self, chunk: Int16Array) -> list[Int16Array]: ...

    def push_output(self, samples: Int16Array) -> int: ...

    def pull_playout(self, n: int) -> Int16Array: ...

    @property
    def playout_buffered(self) -> int: ...

    def interrupt(self) -> tuple[int, int, float]:
        """``(dropped_samples, played_samples, played_ms)`` (a NamedTuple natively)."""
        ...

    def begin_turn(self, now_ns: int | None = None) -> None: ...

    def end_turn(self) -> None: ...

    def mark_user_speech_end(self, ns: int | None = None) -> None: ...

    @property
    def first_audio_ns(self) -> int | None: ...

    @property
    def turn_latency_ns(self) -> int | None: ...

    @property
    def underruns(self) -> int: ...

    def set_clock(self, virtual: bool) -> None: ...

    def set_time(self, ns: int) -> None: ...


LoopFactory: TypeAlias = Callable[[int, int, int, int, int, str], AudioLoop]
"""``(transport_rate, backend_rate, backend_frame_samples, channels,
playout_capacity_samples, quality) -> AudioLoop``."""


def make_loop(
    transport_rate: int,
    backend_rate: int,
    backend_frame_samples: int,
    channels: int,
    playout_capacity_samples: int,
    quality: str,
) -> AudioLoop:
    """Build the native ``vona.loop.StepLoop``."""
    try:
        step_loop = importlib.import_module("vona.loop").StepLoop
    except ImportError:
        # The compiled module itself, for builds that predate the vona.loop re-export.
        try:
            step_loop = importlib.import_module("vona._native._step_loop").StepLoop
        except ImportError as exc:  # pragma: no cover - only without the compiled module
            raise ConfigError(f"the native step loop is not available: {exc}") from exc
    loop: AudioLoop = step_loop(
        transport_rate,
        backend_rate,
        backend_frame_samples,
        channels=channels,
        playout_capacity_samples=playout_capacity_samples,
        quality=quality,
    )
    return loop
