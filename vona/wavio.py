"""WAV files in and out: integer PCM of any rate, mono or multi-channel.

``read_wav`` returns interleaved int16 plus the rate and channel count (8-, 24- and 32-bit
PCM are converted to 16-bit); ``to_mono_16k`` downmixes and resamples with the native
``vona.dsp.Resampler``; ``write_wav`` writes 16-bit PCM.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vona.errors import AudioFormatError

__all__ = ["read_wav", "resample_int16", "to_mono", "write_wav"]

Int16Array = npt.NDArray[np.int16]
MAX_WAV_SECONDS = 600


def read_wav(path: str | Path) -> tuple[Int16Array, int, int]:
    """``(interleaved int16 samples, sample_rate_hz, channels)`` of a PCM WAV file."""
    try:
        with wave.open(str(path), "rb") as w:
            rate, channels, width, frames = (
                w.getframerate(),
                w.getnchannels(),
                w.getsampwidth(),
                w.getnframes(),
            )
            if rate <= 0 or channels <= 0:
                raise AudioFormatError(f"{path}: invalid WAV header ({rate} Hz, {channels} ch)")
            if frames > MAX_WAV_SECONDS * rate:
                raise AudioFormatError(f"{path}: longer than {MAX_WAV_SECONDS} s")
            raw = w.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path}: not a PCM WAV file ({exc})") from exc
    except OSError as exc:
        raise AudioFormatError(f"{path}: cannot read ({exc})") from exc
    usable = len(raw) - len(raw) % (width * channels)
    raw = raw[:usable]
    if width == 2:
        pcm = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    elif width == 1:  # unsigned 8-bit
        pcm = ((np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        pcm = ((b[:, 2].astype(np.int8).astype(np.int16) << 8) | b[:, 1]).astype(np.int16)
    elif width == 4:
        pcm = (np.frombuffer(raw, dtype="<i4") >> 16).astype(np.int16)
    else:
        raise AudioFormatError(f"{path}: unsupported sample width {width} bytes")
    return pcm, rate, channels


def to_mono(pcm: Int16Array, channels: int) -> Int16Array:
    """Average the channels of interleaved int16 audio (rounding half to even)."""
    if channels == 1:
        return pcm
    frames = pcm.reshape(-1, channels).astype(np.int32)
    out: Int16Array = np.rint(frames.mean(axis=1)).astype(np.int16)
    return out


def resample_int16(pcm: Int16Array, in_rate: int, out_rate: int) -> Int16Array:
    """Resample a whole mono int16 signal (streaming resampler, flushed at the end)."""
    if in_rate == out_rate:
        return pcm
    from vona.dsp import Resampler

    rs = Resampler(in_rate, out_rate, 1, quality="hq")
    result: Int16Array = np.concatenate([rs.process(pcm), rs.flush()])
    return result


def write_wav(path: str | Path, pcm: Int16Array, sample_rate_hz: int, channels: int = 1) -> None:
    """Write interleaved int16 audio as a 16-bit PCM WAV."""
    if pcm.dtype != np.int16:
        raise AudioFormatError(f"write_wav wants int16 samples, got {pcm.dtype}")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate_hz)
        w.writeframes(pcm.astype("<i2").tobytes())
