"""Audio files in and out.

``read_audio`` (also ``read_wav``) reads any file libsndfile reads, through ``soundfile``:
WAV of any sample format (8/16/24/32-bit integer, float, WAVE_FORMAT_EXTENSIBLE), FLAC,
Ogg Vorbis and Opus, MP3, AIFF... and returns interleaved int16 plus the rate and channel
count (float audio is converted with saturation). Without ``soundfile`` installed (the
``local`` and ``cli`` extras bring it), integer PCM WAV is still read with the standard
library. ``to_mono`` downmixes, ``resample_int16`` resamples with the native
``vona.dsp.Resampler``; ``write_wav`` writes 16-bit PCM.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vona.errors import AudioFormatError, ConfigError

__all__ = ["read_audio", "read_wav", "resample_int16", "to_mono", "write_wav"]

Int16Array = npt.NDArray[np.int16]
MAX_WAV_SECONDS = 600
# libsndfile subtypes whose samples are integers: read as int16 directly (24/32-bit keep
# their top 16 bits, as the standard-library path does); the rest go through float32
_INTEGER_SUBTYPES = {"PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32"}


def read_audio(path: str | Path) -> tuple[Int16Array, int, int]:
    """``(interleaved int16 samples, sample_rate_hz, channels)`` of an audio file."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise AudioFormatError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if not p.is_file():
        raise AudioFormatError(f"{p}: not a file")
    if size == 0:
        raise AudioFormatError(f"{p}: empty file, no audio in it")
    try:
        import soundfile
    except ImportError:
        return _read_pcm_wav(p)
    return _read_with_libsndfile(soundfile, p)


read_wav = read_audio


def _read_with_libsndfile(sf: Any, path: Path) -> tuple[Int16Array, int, int]:
    try:
        info = sf.info(str(path))
    except (RuntimeError, TypeError) as exc:  # LibsndfileError is a RuntimeError
        raise AudioFormatError(f"{path}: not an audio file libsndfile can read ({exc})") from None
    rate, channels = int(info.samplerate), int(info.channels)
    if rate <= 0 or channels <= 0:
        raise AudioFormatError(f"{path}: invalid header ({rate} Hz, {channels} ch)")
    if info.frames > MAX_WAV_SECONDS * rate:
        raise AudioFormatError(f"{path}: longer than {MAX_WAV_SECONDS} s")
    try:
        if info.subtype in _INTEGER_SUBTYPES:
            data = sf.read(str(path), dtype="int16", always_2d=True)[0]
            pcm = np.ascontiguousarray(data, dtype=np.int16).reshape(-1)
        else:
            from vona.dsp import to_int16

            data = sf.read(str(path), dtype="float32", always_2d=True)[0]
            pcm = to_int16(np.ascontiguousarray(data, dtype=np.float32).reshape(-1))
    except (RuntimeError, TypeError, ValueError) as exc:
        raise AudioFormatError(f"{path}: cannot decode ({exc})") from None
    return pcm, rate, channels


def _read_pcm_wav(path: Path) -> tuple[Int16Array, int, int]:
    """Integer PCM WAV with the standard library (no ``soundfile`` installed)."""
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
        raise ConfigError(
            f"{path}: not an integer PCM WAV ({exc}); other formats (float WAV, FLAC, Ogg, "
            "MP3) need libsndfile: pip install 'vona[cli]'"
        ) from None
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
