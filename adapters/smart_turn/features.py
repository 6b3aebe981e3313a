"""Whisper-style log-mel features for Smart Turn, with numpy only (no torch, no transformers).

The model was trained on the features of Hugging Face's ``WhisperFeatureExtractor`` with
``chunk_length=8``: 8 s at 16 kHz, the waveform normalised to zero mean and unit
variance, a centred 400-point periodic-Hann STFT with a 160-sample hop (reflect padding),
the power spectrum through 80 Slaney-normalised mel filters (0-8 kHz), log10 with a floor
of 1e-10, the last frame dropped, values clamped to 8 decades below the maximum, then
``(x + 4) / 4``. The result is an ``(80, 800)`` float32 matrix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["HOP", "N_FFT", "N_MELS", "RATE", "SECONDS", "fit_window", "log_mel", "mel_filters"]

RATE = 16_000
SECONDS = 8
N_FFT = 400
HOP = 160
N_MELS = 80
_WINDOW_SAMPLES = RATE * SECONDS


def _hz_to_mel(f: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # Slaney: linear below 1 kHz (3 mels per 200 Hz), logarithmic above
    step = np.log(6.4) / 27.0
    return np.where(f < 1000.0, f * 3.0 / 200.0, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) / step)


def _mel_to_hz(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    step = np.log(6.4) / 27.0
    return np.where(m < 15.0, m * 200.0 / 3.0, 1000.0 * np.exp(step * (m - 15.0)))


def mel_filters() -> npt.NDArray[np.float64]:
    """The ``(N_MELS, N_FFT // 2 + 1)`` Slaney-normalised triangular filterbank."""
    edges = _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(np.array(RATE / 2.0))), N_MELS + 2))
    bins = np.linspace(0.0, RATE // 2, N_FFT // 2 + 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - lower) / (centre - lower)
    falling = (upper - bins[None, :]) / (upper - centre)
    tri = np.clip(np.minimum(rising, falling), 0.0, None)
    return tri * (2.0 / (upper - lower))  # equal area per filter


_FILTERS = mel_filters()
_HANN = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic


def fit_window(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The last 8 s of ``audio`` (16 kHz), zeros in front when it is shorter."""
    if audio.shape[0] >= _WINDOW_SAMPLES:
        return np.ascontiguousarray(audio[-_WINDOW_SAMPLES:], dtype=np.float32)
    out = np.zeros(_WINDOW_SAMPLES, dtype=np.float32)
    out[_WINDOW_SAMPLES - audio.shape[0] :] = audio
    return out


def log_mel(window: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Features of exactly 8 s of 16 kHz audio (see the module docstring)."""
    x = window.astype(np.float32)
    # normalised in float32, as the reference extractor does before its float64 STFT
    x = (x - x.mean()) / np.sqrt(x.var() + np.float32(1e-7))
    padded = np.pad(x.astype(np.float64), N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _HANN, axis=-1)) ** 2  # (frames, bins)
    mel = np.log10(np.maximum(power @ _FILTERS.T, 1e-10)).T[:, :-1]
    mel = np.maximum(mel, mel.max() - 8.0)
    out: npt.NDArray[np.float32] = ((mel + 4.0) / 4.0).astype(np.float32)
    return out
