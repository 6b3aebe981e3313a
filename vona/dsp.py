"""Audio primitives with a native hot path: ring, PCM, reframing, resampling, echo cancelling.

Conventions shared by everything here: audio is interleaved int16 (or float32 where
a function says so) in 1-D C-contiguous numpy arrays; counts and sizes are in
samples per channel; bad input raises ``vona.errors.AudioFormatError`` (wrong dtype,
layout or size) or ``ConfigError`` (bad sizes, channels or options), naming what was
wrong. The checks live in the compiled modules so each call pays for them once.
Every kernel releases the GIL.
"""

from __future__ import annotations

from vona._native._aec import EchoCanceller
from vona._native._pcm import (
    db_to_gain,
    deinterleave,
    downmix,
    gain_db,
    interleave,
    peak_dbfs,
    rms_dbfs,
    to_float32,
    to_int16,
)
from vona._native._reframe import Reframer
from vona._native._resample import Resampler
from vona._native._ring import RingBuffer

__all__ = [
    "EchoCanceller",
    "Reframer",
    "Resampler",
    "RingBuffer",
    "db_to_gain",
    "deinterleave",
    "downmix",
    "gain_db",
    "interleave",
    "peak_dbfs",
    "rms_dbfs",
    "to_float32",
    "to_int16",
]
