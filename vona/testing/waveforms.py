"""Deterministic test audio: tones, chirps, seeded noise, silence and a speech-like
babble (``utterance``).

``tone`` and ``noise`` avoid zero samples by default, so inserted silence or lost samples
are easy to spot; ``fixtures/make_fixtures.py`` builds the committed fixture WAVs from
these same functions (``avoid_zero=False``, ``phase_samples=0``), so their bytes depend
only on numpy.
"""

from __future__ import annotations

import numpy as np

from vona.errors import ConfigError
from vona.frames import Int16Array

__all__ = [
    "chirp",
    "concat",
    "gaussian_noise",
    "ms_to_samples",
    "noise",
    "silence",
    "tone",
    "utterance",
]


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
    amplitude: float = 8000,
    channels: int = 1,
    *,
    phase_samples: float = 0.25,
    avoid_zero: bool = True,
) -> Int16Array:
    """A sine tone of peak ``amplitude`` (int16 units, may be fractional), interleaved over
    ``channels``. ``phase_samples`` shifts the time origin (the default 0.25 makes the
    first sample non-zero); ``avoid_zero`` turns remaining zeros into 1."""
    _check_amplitude(amplitude)
    n = ms_to_samples(ms, sample_rate_hz)
    t = (np.arange(n) + phase_samples) / sample_rate_hz
    mono = _rint16(amplitude * np.sin(2 * np.pi * hz * t))
    if avoid_zero:
        mono[mono == 0] = 1
    return np.repeat(mono, channels) if channels > 1 else mono


def chirp(
    ms: float, sample_rate_hz: int, f0: float, f1: float, amplitude: float = 16383.5
) -> Int16Array:
    """A linear sweep from ``f0`` to ``f1`` Hz over ``ms`` milliseconds (mono)."""
    _check_amplitude(amplitude)
    if ms <= 0:
        raise ConfigError(f"a chirp needs ms > 0, got {ms}")
    n = ms_to_samples(ms, sample_rate_hz)
    t = np.arange(n) / sample_rate_hz
    k = (f1 - f0) / (ms / 1000)
    return _rint16(amplitude * np.sin(2 * np.pi * (f0 * t + 0.5 * k * t * t)))


def gaussian_noise(ms: float, sample_rate_hz: int, *, seed: int, level: float = 0.1) -> Int16Array:
    """Seeded Gaussian noise clipped at 4 sigma; ``level`` is the clip point as a fraction
    of full scale (0 < level <= 1)."""
    if not 0 < level <= 1:
        raise ConfigError(f"level must be in (0, 1], got {level}")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(ms_to_samples(ms, sample_rate_hz))
    return _rint16(level * (z.clip(-4, 4) / 4) * 32767.0)


def utterance(
    ms: float,
    sample_rate_hz: int,
    *,
    seed: int = 0,
    pitch_hz: float = 140.0,
    syllables_per_s: float = 4.0,
    amplitude: float = 9000,
) -> Int16Array:
    """Speech-like babble: voiced syllables (a harmonic series on a wandering pitch under a
    raised-cosine envelope) separated by short gaps, with 60 ms of silence at each end.

    Not speech, but it has speech's shape (energy in syllables, pitch harmonics up to
    4 kHz, pauses), is deterministic for a seed and needs no data files.
    """
    _check_amplitude(amplitude)
    n = ms_to_samples(ms, sample_rate_hz)
    out = np.zeros(n, dtype=np.float64)
    rng = np.random.default_rng(seed)
    edge = ms_to_samples(60, sample_rate_hz)
    pos = edge
    syllable = max(int(sample_rate_hz / syllables_per_s), 1)
    while pos + syllable // 2 < n - edge:
        length = min(int(syllable * rng.uniform(0.55, 0.9)), n - edge - pos)
        t = np.arange(length) / sample_rate_hz
        f0 = pitch_hz * rng.uniform(0.85, 1.2) * (1 + 0.08 * np.sin(2 * np.pi * 3 * t))
        phase = 2 * np.pi * np.cumsum(f0) / sample_rate_hz
        voiced = np.zeros(length)
        for h in range(1, int(min(4000, sample_rate_hz / 2 - 1) // (pitch_hz * 1.2)) + 1):
            # A falling spectrum with one vowel-like bump that moves per syllable.
            formant = rng.uniform(500, 1500)
            gain = (1 / h) * (1 + 2 * np.exp(-(((h * pitch_hz - formant) / 300) ** 2)))
            voiced += gain * np.sin(h * phase)
        envelope = np.sin(np.pi * np.arange(length) / max(length, 1)) ** 2
        out[pos : pos + length] = voiced * envelope
        pos += syllable
    peak = float(np.max(np.abs(out))) if n else 0.0
    if peak > 0:
        out *= amplitude / peak
    return _rint16(out)


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


def _check_amplitude(amplitude: float) -> None:
    if not 0 < amplitude <= 32767:
        raise ConfigError(f"amplitude must be in (0, 32767], got {amplitude}")


def _rint16(x: np.ndarray) -> Int16Array:
    """Round half to even and saturate to int16."""
    out: Int16Array = np.clip(np.rint(x), -32768, 32767).astype(np.int16)
    return out
