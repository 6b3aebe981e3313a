"""A deterministic echo path: what a laptop's microphone hears of the runtime's own reply.

The reply comes back ``delay_ms`` later (80 ms), ``gain_db`` quieter (-6 dB), through a
short room reverb (the direct sound plus an exponentially decaying noise tail, RT60
about 150 ms, fixed seed). Used by the echo-cancellation tests and benchmark.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vona.errors import ConfigError

__all__ = ["echo_of", "erle_db", "room_response", "speech"]

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audio"

Int16Array = npt.NDArray[np.int16]


def room_response(
    rate: int, *, rt60_s: float = 0.15, length_s: float = 0.12
) -> npt.NDArray[np.float64]:
    """Impulse response of the room: 1.0 at the direct path, then a decaying tail."""
    rng = np.random.default_rng(16)
    n = int(length_s * rate)
    t = np.arange(n) / rate
    h: npt.NDArray[np.float64] = rng.standard_normal(n) * np.exp(-6.9 * t / rt60_s) * 0.25
    h[: int(0.003 * rate)] = 0.0  # first reflections arrive a few ms after the direct sound
    h[0] = 1.0
    return h


def echo_of(
    far: Int16Array, rate: int, *, delay_ms: float = 80.0, gain_db: float = -6.0
) -> Int16Array:
    """What the microphone hears of ``far`` (int16 mono): delayed, attenuated, reverberated;
    the same length as ``far``."""
    h = room_response(rate) * 10 ** (gain_db / 20)
    delay = int(delay_ms * rate / 1000)
    x = np.concatenate([np.zeros(delay), far.astype(np.float64)])[: len(far)]
    y = np.convolve(x, h)[: len(far)]
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def erle_db(near: npt.NDArray[np.generic], out: npt.NDArray[np.generic]) -> float:
    """Echo return loss enhancement: the echo's energy in over the energy left out (dB)."""
    num = float(np.sum(near.astype(np.float64) ** 2))
    den = float(np.sum(out.astype(np.float64) ** 2))
    return float(10 * np.log10((num + 1e-9) / (den + 1e-9)))


def speech(*names: str, rate: int = 16_000, fixtures_dir: Path | None = None) -> Int16Array:
    """The named mono 16-bit WAV fixtures back to back at ``rate`` (int16)."""
    from vona.dsp import Resampler

    directory = fixtures_dir or _FIXTURES
    clips = []
    for name in names:
        path = directory / (name if name.endswith(".wav") else f"{name}.wav")
        if not path.is_file():
            raise ConfigError(f"fixture {name!r} not found in {directory}")
        with wave.open(str(path)) as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise ConfigError(f"fixture {name!r} must be mono 16-bit PCM")
            file_rate = w.getframerate()
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)
        if file_rate != rate:
            rs = Resampler(file_rate, rate)
            data = np.concatenate([rs.process(data), rs.flush()]).astype(np.int16)
        clips.append(data)
    return np.concatenate(clips).astype(np.int16)
