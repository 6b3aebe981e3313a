"""The nogil entry points under a thread pool: same results as serial, no crash; one object
used from two threads at once refuses instead of racing."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from vona import errors
from vona.codec import OggOpusReader, OggOpusWriter, OpusDecoder, OpusEncoder

Tone = Callable[..., np.ndarray]


def pipeline(pcm: np.ndarray) -> tuple[list[bytes], np.ndarray, list[bytes]]:
    enc, dec = OpusEncoder(48000, 1, complexity=2), OpusDecoder(48000, 1)
    packets = [enc.encode(pcm[i * 960 : (i + 1) * 960]) for i in range(len(pcm) // 960)]
    decoded = np.concatenate([dec.decode(p) for p in packets])
    w = OggOpusWriter(48000, 1, serial=9)
    data = b"".join(w.write(p) for p in packets) + w.close()
    reader = OggOpusReader()
    read = [p for i in range(0, len(data), 500) for p in reader.feed(data[i : i + 500])]
    return packets, decoded, read


def test_thread_pool_matches_serial(make_tone: Tone) -> None:
    inputs = [make_tone(960 * 25, 1, freq=200.0 + 50 * k) for k in range(8)]
    serial = [pipeline(x) for x in inputs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(pipeline, inputs))
    for (p1, d1, r1), (p2, d2, r2) in zip(serial, threaded, strict=True):
        assert p1 == p2 == r1 == r2
        np.testing.assert_array_equal(d1, d2)


def test_shared_decoder_refuses_concurrent_use(make_tone: Tone) -> None:
    enc = OpusEncoder(48000, 1, bitrate="max")
    packet = enc.encode(make_tone(5760, 1)[:2880])
    dec = OpusDecoder(48000, 1)

    def hammer(_: int) -> tuple[int, int]:
        ok = refused = 0
        for _ in range(200):
            try:
                assert dec.decode(packet).shape == (2880,)
                ok += 1
            except errors.VonaError as exc:
                if "in use by another thread" not in str(exc):
                    raise
                refused += 1
        return ok, refused

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(hammer, range(2)))
    assert sum(ok for ok, _ in results) > 0
