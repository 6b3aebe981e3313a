"""Audio primitives with a native hot path: resampling (and, as they land, ring, pcm, reframe)."""

from __future__ import annotations

from vona._native._resample import Resampler

__all__ = [
    "Resampler",
]
