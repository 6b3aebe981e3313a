"""Deterministic test audio: tones, silence, and noise with no zero samples (so inserted
silence or lost samples are easy to spot)."""

from __future__ import annotations

import numpy as np

from vona.errors import ConfigError
from vona.frames import Int16Array

__all__ = ["concat", "ms_to_samples", "noise", "silence", "tone"]


def ms_to_samples(ms: float, sample_rate_hz: int) -> int:
    """Samples per channel in ``ms`` milliseconds (rounded down)."""
    if ms < 0 or sample_rate_hz <= 0:
        raise ConfigError(f"need ms >= 0 and a positive rate, got {ms} ms at {sample_rate_hz} Hz")
    return int(ms * sample_rate_hz // 1000)


def silence(ms: float, sample_rate_hz: int, channels: int = 1) -> Int16Array:
    return np.zeros(ms_to_samples(ms, sample_rate_hz) * channels, dtype=np.int16)


def tone(
    ms: float,
    sample_rate_hz: int,
    hz: float = 440.0,
    amplitude: int = 8000,
    channels: int = 1,
) -> Int16Array:
    """A sine tone, interleaved over ``channels``; the first sample is non-zero."""
    if not 0 < amplitude <= 32767:
        raise ConfigError(f"amplitude must be 1..32767, got {amplitude}")
    n = ms_to_samples(ms, sample_rate_hz)
    t = (np.arange(n) + 0.25) / sample_rate_hz
    mono = np.round(amplitude * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    mono[mono == 0] = 1
    return np.repeat(mono, channels) if channels > 1 else mono


def noise(
    ms: float, sample_rate_hz: int, *, seed: int = 0, amplitude: int = 12000, channels: int = 1
) -> Int16Array:
    """Uniform noise in ``[-amplitude, amplitude]`` without zeros, reproducible by seed."""
    if not 1 <= amplitude <= 32767:
        raise ConfigError(f"amplitude must be 1..32767, got {amplitude}")
    n = ms_to_samples(ms, sample_rate_hz) * channels
    rng = np.random.default_rng(seed)
    values = rng.integers(1, amplitude + 1, size=n, dtype=np.int32)
    signs = rng.choice(np.array([-1, 1], dtype=np.int32), size=n)
    out: Int16Array = (values * signs).astype(np.int16)
    return out


def concat(*parts: Int16Array) -> Int16Array:
    """Join pieces of audio (all int16, same channel layout)."""
    if not parts:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate([np.asarray(p, dtype=np.int16) for p in parts])
