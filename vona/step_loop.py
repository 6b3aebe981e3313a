"""The native step loop: the per-frame path between a transport and a backend.

``StepLoop`` reframes and resamples transport audio into backend frames at the backend's
input rate, resamples backend output from its output rate back to the transport rate into
a playout ring, and keeps the turn accounting a session driver needs (first audio, turn
latency, underruns, and the position actually played when the user interrupts, as a
``PlayoutCut``). With a native backend (``NativePassthrough``, ``NativeGain``, or any
``NativeBackend`` a native module defines) the whole path runs in one C call per chunk.
See ``StepLoop``'s docstring for the full API.
"""

from __future__ import annotations

from vona._native._native_backend import (
    NativeBackend,
    NativeGain,
    NativePassthrough,
    native_backend,
)
from vona._native._step_loop import PlayoutCut, StepLoop

__all__ = [
    "NativeBackend",
    "NativeGain",
    "NativePassthrough",
    "PlayoutCut",
    "StepLoop",
    "native_backend",
]
