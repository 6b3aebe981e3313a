from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

from vona._native._native_backend import NATIVE_BACKENDS as NATIVE_BACKENDS
from vona._native._native_backend import NativeBackend
from vona._native._native_backend import native_backend as native_backend

SUPPORTED_RATES: tuple[int, ...]
QUALITIES: tuple[str, ...]
DEFAULT_PLAYOUT_SECONDS: int

class PlayoutCut(NamedTuple):
    """What an interrupt cleared and how much of the turn the user heard."""

    dropped_samples: int
    played_samples: int
    played_ms: float

@disjoint_base
class StepLoop:
    """The native per-frame path between a transport and a backend.

    Rates: the backend takes ``backend_rate`` (``backend_input_rate``) and answers at
    ``backend_output_rate`` (default: the same), so a backend that takes 16 kHz and
    answers at 24 kHz runs in one loop.

    Input: ``push_input(chunk)`` takes transport-rate int16 (any size), resamples it
    to ``backend_input_rate`` and returns the whole backend frames completed, each a
    new int16 array of ``backend_frame_samples * channels`` values.

    Output: ``push_output(samples)`` takes int16 at ``backend_output_rate`` (any size),
    resamples it to ``transport_rate`` and queues it in the playout ring; it returns the
    transport-rate samples queued (what does not fit is refused and counted in
    ``overflows``). ``pull_playout(n)`` returns up to n of them; the driver calls it
    once per transport frame period (pacing is the driver's job).

    Turns: ``begin_turn()`` starts an assistant turn. ``played_samples`` counts
    transport-rate samples pulled since then; ``first_audio_ns`` is stamped when the
    turn's first non-silent sample is pulled (pull time plus its offset in the pulled
    chunk); ``turn_latency_ns`` is that minus ``mark_user_speech_end(ns)`` (each mark
    is used by one turn). A pull that comes back short after playback started and
    before ``end_turn()`` / ``interrupt()`` counts in ``underruns``. ``interrupt()``
    clears unplayed output in O(1), resets the output resampler and returns
    ``PlayoutCut(dropped_samples, played_samples, played_ms)``.

    Native backend: ``set_native_backend("passthrough" | "gain", gain_db)`` (or a
    ``NativeBackend`` object) then ``process(chunk)`` runs input -> resample -> reframe
    -> backend -> resample -> playout in one C call without the GIL; it returns
    transport-rate samples queued.

    Resampling (only where a backend rate differs from the transport rate): libsoxr at ``quality``; ``low_latency``
    uses smaller resampler blocks (about 15 ms instead of up to 37 ms at "hq") for
    about 1.5x the resampling CPU.

    Echo cancellation: ``echo_cancel_ms`` > 0 (mono only) runs an acoustic echo
    canceller on the input at the transport rate before anything else, with every
    sample ``pull_playout`` hands out (and ``echo_reference(samples)``, for audio played
    around the ring) as the far-end reference; the filter learns an echo path up to
    that long. It delays the input by 10-20 ms. ``noise_suppression`` also removes
    stationary noise there.

    Clock: CLOCK_MONOTONIC ns by default (``time.monotonic_ns()`` on Linux);
    ``set_clock(True)`` switches to a virtual clock at 0 driven by
    ``advance_clock(ns)`` / ``set_time(ns)``.

    Counts are samples per channel; arrays are interleaved int16. Use one StepLoop
    from one thread at a time (a concurrent call raises VonaError).
    """

    @property
    def transport_rate(self) -> int: ...
    @property
    def backend_rate(self) -> int: ...
    @property
    def backend_input_rate(self) -> int: ...
    @property
    def backend_output_rate(self) -> int: ...
    @property
    def backend_frame_samples(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def playout_capacity_samples(self) -> int: ...
    @property
    def quality(self) -> str: ...
    @property
    def low_latency(self) -> bool: ...
    def __init__(
        self,
        transport_rate: int,
        backend_rate: int,
        backend_frame_samples: int,
        channels: int = 1,
        playout_capacity_samples: int | None = None,
        quality: Literal["low", "hq", "vhq"] | str = "hq",
        low_latency: bool = False,
        backend_output_rate: int | None = None,
        echo_cancel_ms: int = 0,
        noise_suppression: bool = False,
    ) -> None: ...
    def push_input(self, chunk: npt.NDArray[np.int16]) -> list[npt.NDArray[np.int16]]: ...
    def push_output(self, samples: npt.NDArray[np.int16]) -> int: ...
    def pull_playout(self, n: int) -> npt.NDArray[np.int16]: ...
    def interrupt(self) -> PlayoutCut: ...
    def begin_turn(self, now_ns: int | None = None) -> None: ...
    def end_turn(self) -> int: ...
    def mark_user_speech_end(self, ns: int | None = None) -> None: ...
    def set_clock(self, virtual: bool) -> None: ...
    def advance_clock(self, ns: int) -> None: ...
    def set_time(self, ns: int) -> None: ...
    def now_ns(self) -> int: ...
    def set_native_backend(
        self,
        kind: Literal["passthrough", "gain", "none"] | str | NativeBackend | None,
        gain_db: float = 0.0,
    ) -> None: ...
    @property
    def native_backend(self) -> NativeBackend | None: ...
    def process(self, chunk: npt.NDArray[np.int16]) -> int: ...
    def echo_reference(self, samples: npt.NDArray[np.int16]) -> None: ...
    @property
    def echo_cancelling(self) -> bool: ...
    @property
    def first_audio_ns(self) -> int | None: ...
    @property
    def turn_latency_ns(self) -> int | None: ...
    @property
    def turn_start_ns(self) -> int | None: ...
    @property
    def played_samples(self) -> int: ...
    @property
    def playout_buffered(self) -> int: ...
    @property
    def clock_is_virtual(self) -> bool: ...
    def stats(self) -> dict[str, int]: ...
    @property
    def frames_in(self) -> int: ...
    @property
    def frames_out(self) -> int: ...
    @property
    def dropped_samples(self) -> int: ...
    @property
    def underruns(self) -> int: ...
    @property
    def overflows(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> StepLoop: ...
    def __exit__(self, *exc_info: object) -> Literal[False]: ...
