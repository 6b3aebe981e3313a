"""Base64 PCM16 helpers for JSON audio protocols.

Realtime APIs carry raw PCM16 (signed 16-bit little-endian, mono) as base64 text inside
JSON. These helpers do the conversion with one C-level call each way and no per-sample
Python work; they accept both base64 alphabets on decode because some peers (the
google-genai SDK, for one) send the URL-safe one.
"""

from __future__ import annotations

import binascii
import re
import sys

import numpy as np

from vona.errors import AudioFormatError, ProtocolError
from vona.frames import Int16Array

__all__ = [
    "b64_to_pcm16",
    "pcm16_duration_ms",
    "pcm16_to_b64",
    "samples_to_ms",
]

_URLSAFE = str.maketrans("-_", "+/")
_URLSAFE_BYTES = bytes.maketrans(b"-_", b"+/")
_LITTLE = sys.byteorder == "little"


def _a2b_strict(data: str | bytes) -> bytes:
    return binascii.a2b_base64(data, strict_mode=True)


_B64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


def _a2b_lenient(data: str | bytes) -> bytes:  # Python 3.10 has no strict mode
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    if _B64.fullmatch(raw) is None:
        raise binascii.Error("characters outside the base64 alphabet")
    return binascii.a2b_base64(raw)


_a2b = _a2b_strict if sys.version_info >= (3, 11) else _a2b_lenient


def pcm16_to_b64(samples: Int16Array) -> str:
    """Encode int16 samples as standard, padded base64 text (PCM16 little-endian)."""
    if samples.dtype != np.int16:
        raise AudioFormatError(f"audio must be int16 samples, got dtype {samples.dtype}")
    if not _LITTLE:  # pragma: no cover - big-endian hosts only
        samples = samples.astype("<i2")
    if not samples.flags.c_contiguous:
        samples = np.ascontiguousarray(samples)
    return binascii.b2a_base64(samples.data, newline=False).decode("ascii")


def b64_to_pcm16(text: str | bytes) -> Int16Array:
    """Decode base64 PCM16 (standard or URL-safe alphabet) into an int16 array.

    Raises ``ProtocolError`` for text that is not base64 or has an odd byte count.
    """
    if isinstance(text, str):
        if "-" in text or "_" in text:
            text = text.translate(_URLSAFE)
    elif isinstance(text, (bytes, bytearray)):
        text = bytes(text).translate(_URLSAFE_BYTES)
    else:
        raise ProtocolError(f"audio must be base64 text, got {type(text).__name__}")
    try:
        raw = _a2b(text)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError(f"audio is not valid base64: {exc}") from None
    if len(raw) % 2:
        raise ProtocolError(f"PCM16 audio must have an even byte count, got {len(raw)} bytes")
    out = np.frombuffer(raw, dtype="<i2")
    return out if _LITTLE else out.astype(np.int16)


def pcm16_duration_ms(nbytes: int, sample_rate_hz: int) -> float:
    """Duration in ms of ``nbytes`` of mono PCM16 at ``sample_rate_hz``."""
    return nbytes / (2 * sample_rate_hz / 1000)


def samples_to_ms(samples: int, sample_rate_hz: int) -> int:
    """Whole milliseconds covered by ``samples`` mono samples (rounded down)."""
    return samples * 1000 // sample_rate_hz
