"""Fuzz OpusDecoder.decode: arbitrary packets (and losses) must decode or raise CodecError.

Input layout: byte 0 picks rate, channels and how FEC / concealment are exercised; then
records of [length byte][packet bytes]; length 0 means "packet lost". Run under atheris:
``python fuzz_opus_decoder.py -max_total_time=60``.
"""

from __future__ import annotations

import sys

import numpy as np

from vona.codec import OpusDecoder, OpusEncoder
from vona.errors import CodecError

RATES = (8000, 12000, 16000, 24000, 48000)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    control = data[0]
    rate = RATES[control % 5]
    channels = 1 + (control >> 3 & 1)
    use_fec = bool(control & 0x10)
    dec = OpusDecoder(rate, channels)
    pos = 1
    while pos < len(data):
        # Lengths above 255 come from a second byte so packets up to the limit and beyond occur.
        n = data[pos]
        pos += 1
        if n == 255 and pos < len(data):
            n = 255 + data[pos] * 40
            pos += 1
        packet = data[pos : pos + n]
        pos += n
        try:
            fec = use_fec and (n & 1) == 1
            out = dec.decode(packet, fec=fec) if packet else dec.decode(None)
        except CodecError as exc:
            if "Opus" not in str(exc):
                raise AssertionError(f"unexpected CodecError text: {exc}") from exc
            continue
        assert out.dtype.itemsize == 2
        assert out.ndim == 1
        assert out.shape[0] % channels == 0
        assert 0 < out.shape[0] <= rate // 25 * 3 * channels


def seeds() -> list[bytes]:
    """Real packets at a few rates, with a loss in the middle."""
    out = []
    for control, rate, channels in ((4, 48000, 1), (12, 48000, 2), (2, 16000, 1), (0x13, 24000, 2)):
        enc = OpusEncoder(rate, channels, bitrate=32000, fec=True, packet_loss_perc=20)
        frame = rate // 50
        body = b""
        for k in range(6):
            pcm = bytes((i * (k + 3)) & 0xFF for i in range(frame * channels * 2))
            p = enc.encode(np.frombuffer(pcm, np.int16))
            assert len(p) < 255
            body += bytes([len(p)]) + p + (b"\0" if k == 2 else b"")
        out.append(bytes([control]) + body)
    return out


def main() -> None:
    import atheris

    atheris.instrument_func(TestOneInput)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
