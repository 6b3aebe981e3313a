"""Fuzz the G.711 decoders (and the encoders on what they decode): any bytes decode to
one int16 per byte, re-encode to the same codes (mu-law's -0 to +0), and input beyond
``max_samples`` raises CodecError. Run under atheris:
``python fuzz_g711.py -max_total_time=60``.
"""

from __future__ import annotations

import sys

import numpy as np

from vona.codec import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from vona.errors import CodecError


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    control = data[0]
    alaw = bool(control & 1)
    limit = (control >> 1) * 64 + 1  # 1 .. 8129: inputs both under and over the limit
    body = data[1:]
    decode, encode = (alaw_decode, alaw_encode) if alaw else (ulaw_decode, ulaw_encode)
    try:
        pcm = decode(body, limit)
    except CodecError as exc:
        if len(body) <= limit or "max_samples" not in str(exc):
            raise AssertionError(f"unexpected CodecError for {len(body)} bytes: {exc}") from exc
        return
    assert len(body) <= limit
    assert pcm.dtype == np.int16
    assert pcm.shape == (len(body),)
    codes = np.frombuffer(body, np.uint8)
    again = encode(pcm)
    want = codes if alaw else np.where(codes == 0x7F, 0xFF, codes).astype(np.uint8)
    assert np.array_equal(again, want)
    # odd views decode the same as bytes
    assert np.array_equal(decode(memoryview(bytearray(body)), limit), pcm)


def seeds() -> list[bytes]:
    """Every code once, silence and a tone, for both laws."""
    tone = (8000 * np.sin(np.arange(160) * 0.3)).astype(np.int16)
    out = []
    for alaw in (0, 1):
        out.append(bytes([0xFE | alaw]) + bytes(range(256)))
        enc = alaw_encode if alaw else ulaw_encode
        out.append(bytes([0x20 | alaw]) + enc(tone).tobytes())
        out.append(bytes([0x02 | alaw]) + enc(np.zeros(200, np.int16)).tobytes())
    return out


def main() -> None:
    import atheris

    atheris.instrument_func(TestOneInput)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
