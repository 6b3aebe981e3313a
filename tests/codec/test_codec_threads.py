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


def cbor_workload(seed: int) -> list[tuple[bytes, object]]:
    """Messages whose short keys and values churn the per-thread string and key-order
    caches (thousands of distinct 1..16-byte keys, so slots are evicted and refilled),
    each encoded then decoded."""
    from vona.codec import cbor_dumps, cbor_loads

    out: list[tuple[bytes, object]] = []
    for i in range(400):
        k = (seed * 7919 + i * 104729) % 5000
        msg = {
            f"k{k}": i,
            f"key{k % 97}x{seed}": [f"v{k % 13}", "in", "out", {f"n{k % 31}": b"\x01" * (k % 7)}],
            "type": "in" if i % 2 else "out",
            f"{k:016d}": k * 1.5,
        }
        data = cbor_dumps(msg)
        out.append((data, cbor_loads(data)))
    return out


def test_cbor_dumps_loads_concurrently_match_serial() -> None:
    import sys

    from vona.codec import cbor_dumps

    serial = [cbor_workload(s) for s in range(8)]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(4) as pool:
            threaded = list(pool.map(cbor_workload, range(8)))
    finally:
        sys.setswitchinterval(old)
    for want, got in zip(serial, threaded, strict=True):
        assert [d for d, _ in got] == [d for d, _ in want]
        assert [v for _, v in got] == [v for _, v in want]
        # each decoded value re-encodes to the bytes it came from (deterministic encoding)
        assert all(cbor_dumps(v) == d for d, v in got)


def test_cbor_state_of_finished_threads_is_released() -> None:
    import sys
    import threading

    from vona.codec import cbor_dumps, cbor_loads

    # Decoded short keys are interned, so each worker's string cache holds a reference
    # to this very object while the worker lives; its thread-state dict (and the cache
    # in it) goes when the worker ends, and the count comes back.
    key = sys.intern("".join(["only", "threads"]))
    data = cbor_dumps({key: 1, "b": 2})
    before = sys.getrefcount(key)
    held: list[int] = []
    ready = threading.Barrier(5)

    def work() -> None:
        for _ in range(3):
            assert [k for k in cbor_loads(data) if k != "b"] == [key]
        ready.wait()  # every worker has decoded: four caches hold the key
        ready.wait()  # the main thread has counted

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    ready.wait()
    held.append(sys.getrefcount(key))
    ready.wait()
    for t in threads:
        t.join()
    assert held == [before + 4]
    assert sys.getrefcount(key) == before
