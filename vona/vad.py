"""Voice activity detection: a model protocol, speech start/end hysteresis, and an energy VAD.

A ``VadModel`` turns one fixed-size chunk of mono float32 audio into a speech probability.
``VadSegmenter`` wraps any model with the hysteresis every turn detector needs: speech
starts when the probability reaches ``threshold`` for ``min_speech_ms``, and ends only after
``min_silence_ms`` below ``neg_threshold``; both edges are padded by ``speech_pad_ms``.
``EnergyVad`` is the dependency-free model (RMS level through a logistic curve); the Silero
model lives in ``vona.adapters.silero_vad``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from vona.errors import AudioFormatError, ConfigError

__all__ = [
    "EnergyVad",
    "Float32Array",
    "VadEvent",
    "VadModel",
    "VadParams",
    "VadSegmenter",
    "as_float_chunk",
]

Float32Array = npt.NDArray[np.float32]


@runtime_checkable
class VadModel(Protocol):
    """A per-chunk speech probability model with recurrent state.

    ``probability`` takes exactly ``chunk_samples`` mono float32 samples in [-1, 1] at
    ``sample_rate_hz`` and returns a probability in [0, 1]; ``reset`` forgets the state.
    """

    @property
    def sample_rate_hz(self) -> int: ...

    @property
    def chunk_samples(self) -> int: ...

    def probability(self, chunk: Float32Array) -> float: ...

    def reset(self) -> None: ...


def as_float_chunk(chunk: npt.NDArray[np.generic], expected: int) -> Float32Array:
    """Validate one mono chunk of ``expected`` samples and return it as float32 in [-1, 1]."""
    if chunk.ndim != 1:
        raise AudioFormatError(f"VAD chunk must be 1-D mono audio, got shape {chunk.shape}")
    if chunk.shape[0] != expected:
        raise AudioFormatError(
            f"VAD chunk must have exactly {expected} samples, got {chunk.shape[0]}"
        )
    if chunk.dtype == np.int16:
        return chunk.astype(np.float32) * np.float32(1.0 / 32768.0)
    if chunk.dtype == np.float32:
        return chunk.astype(np.float32, copy=False)
    raise AudioFormatError(f"VAD chunk must be int16 or float32, got {chunk.dtype}")


@dataclass(slots=True, frozen=True)
class VadParams:
    """Hysteresis settings. ``neg_threshold`` defaults to ``threshold - 0.15`` (floored at
    0.01), so a probability hovering at the threshold does not flap."""

    threshold: float = 0.5
    neg_threshold: float | None = None
    min_speech_ms: int = 64
    min_silence_ms: int = 400
    speech_pad_ms: int = 96

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"VAD threshold must be in (0, 1], got {self.threshold}")
        neg = self.negative_threshold
        if not 0.0 <= neg <= self.threshold:
            raise ConfigError(f"VAD neg_threshold must be in [0, threshold], got {neg}")
        for name in ("min_speech_ms", "min_silence_ms", "speech_pad_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(f"VAD {name} must be >= 0, got {getattr(self, name)}")

    @property
    def negative_threshold(self) -> float:
        if self.neg_threshold is not None:
            return self.neg_threshold
        return max(0.01, self.threshold - 0.15)


@dataclass(slots=True, frozen=True)
class VadEvent:
    """A speech edge. ``sample`` is the padded position on the segmenter's sample clock
    (samples pushed since the last reset); ``probability`` is the chunk's probability."""

    kind: Literal["start", "end"]
    sample: int
    probability: float


class VadSegmenter:
    """Turns per-chunk probabilities into speech start/end events with hysteresis.

    Push chunks of exactly ``model.chunk_samples``; ``push`` returns the event the chunk
    completed (or None). ``speaking`` says whether the segmenter is inside speech.
    """

    def __init__(self, model: VadModel, params: VadParams | None = None) -> None:
        self.model = model
        self.params = params or VadParams()
        rate = model.sample_rate_hz
        chunk = model.chunk_samples
        self._chunk = chunk
        self._min_speech_chunks = max(1, math.ceil(self.params.min_speech_ms * rate / 1000 / chunk))
        self._min_silence = self.params.min_silence_ms * rate // 1000
        self._pad = self.params.speech_pad_ms * rate // 1000
        self.reset()

    def reset(self) -> None:
        """Forget the model state, the sample clock and any speech in progress."""
        self.model.reset()
        self.speaking = False
        self.last_probability = 0.0
        self._pos = 0
        self._run = 0  # consecutive chunks above threshold while silent
        self._silence_start: int | None = None
        self._last_voiced_end = 0

    @property
    def position(self) -> int:
        """Samples pushed since the last reset."""
        return self._pos

    def push(self, chunk: npt.NDArray[np.generic]) -> VadEvent | None:
        audio = as_float_chunk(chunk, self._chunk)
        p = float(self.model.probability(audio))
        self.last_probability = p
        start, end = self._pos, self._pos + self._chunk
        self._pos = end
        params = self.params
        if not self.speaking:
            self._run = self._run + 1 if p >= params.threshold else 0
            if self._run >= self._min_speech_chunks:
                self.speaking = True
                self._silence_start = None
                self._last_voiced_end = end
                first = end - self._run * self._chunk
                self._run = 0
                return VadEvent("start", max(0, first - self._pad), p)
            return None
        if p >= params.negative_threshold:
            # Anything above the low threshold keeps the turn open (hysteresis).
            self._silence_start = None
            self._last_voiced_end = end
            return None
        if self._silence_start is None:
            self._silence_start = start
        if end - self._silence_start >= self._min_silence:
            self.speaking = False
            self._silence_start = None
            return VadEvent("end", min(end, self._last_voiced_end + self._pad), p)
        return None


class EnergyVad:
    """Dependency-free VAD: the chunk's RMS level in dBFS through a logistic curve.

    ``speech_dbfs`` is the level that maps to probability 0.5 and ``width_db`` how sharp
    the transition is. Good enough for clean close-talk audio; use Silero for real rooms.
    """

    def __init__(
        self,
        sample_rate_hz: int = 16_000,
        chunk_samples: int = 512,
        *,
        speech_dbfs: float = -38.0,
        width_db: float = 3.0,
    ) -> None:
        if sample_rate_hz <= 0 or chunk_samples <= 0:
            raise ConfigError("EnergyVad needs a positive sample rate and chunk size")
        if width_db <= 0:
            raise ConfigError(f"EnergyVad width_db must be > 0, got {width_db}")
        self._rate = sample_rate_hz
        self._chunk_samples = chunk_samples
        self.speech_dbfs = speech_dbfs
        self.width_db = width_db

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    @property
    def chunk_samples(self) -> int:
        return self._chunk_samples

    def probability(self, chunk: Float32Array) -> float:
        audio = as_float_chunk(chunk, self._chunk_samples)
        energy = float(np.dot(audio, audio)) / audio.shape[0]
        dbfs = 10.0 * math.log10(energy + 1e-12)
        x = (dbfs - self.speech_dbfs) / self.width_db
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))

    def reset(self) -> None:
        """Stateless: nothing to forget."""
