"""vona.dsp.RingBuffer: semantics, counters, validation, and two threads without the GIL."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from vona import errors
from vona.dsp import RingBuffer


def _seq(start: int, n: int) -> np.ndarray:
    """A running counter wrapped to int16: easy to check for gaps and repeats."""
    return ((np.arange(start, start + n, dtype=np.int64) + 32768) % 65536 - 32768).astype(np.int16)


def test_write_read_peek_clear_and_counters() -> None:
    rb = RingBuffer(5)
    assert (rb.capacity, len(rb), rb.len(), rb.channels) == (5, 0, 0, 1)
    assert rb.read(3).size == 0  # short by 3
    assert rb.write(_seq(0, 7)) == 5  # 2 refused, never overwriting
    assert np.array_equal(rb.peek(2), _seq(0, 2))
    assert len(rb) == 5
    assert np.array_equal(rb.read(3), _seq(0, 3))
    assert rb.write(_seq(5, 3)) == 3  # wraps around the end
    out = rb.read(7)  # 5 buffered, short by 2
    assert np.array_equal(out, _seq(3, 5))
    assert rb.write(_seq(8, 4)) == 4
    assert rb.clear() == 4
    assert rb.clear() == 0
    assert rb.stats() == {
        "written": 12,
        "consumed": 8,
        "dropped": 4,
        "overflows": 2,
        "underflows": 5,
        "buffered": 0,
    }
    assert (rb.written, rb.consumed, rb.dropped, rb.overflows, rb.underflows) == (12, 8, 4, 2, 5)


def test_edge_sizes_against_a_deque_model() -> None:
    rng = np.random.default_rng(3)
    cap = 320
    rb = RingBuffer(cap)
    model: list[int] = []
    pos = 0
    for _ in range(3000):
        n = int(rng.choice([0, 1, cap - 1, cap, cap + 1, int(rng.integers(0, 2 * cap))]))
        if rng.random() < 0.5:
            chunk = _seq(pos, n)
            took = rb.write(chunk)
            assert took == min(n, cap - len(model))
            model.extend(chunk[:took].tolist())
            pos += took
        else:
            got = rb.read(n)
            assert got.dtype == np.int16
            assert got.tolist() == model[: min(n, len(model))]
            del model[: got.size]
        assert len(rb) == len(model)
    assert rb.written == rb.consumed + rb.dropped + len(rb)


def test_read_into_and_multichannel() -> None:
    rb = RingBuffer(4, channels=2)
    x = np.arange(10, dtype=np.int16)  # 5 stereo samples, 4 fit
    assert rb.write(x) == 4
    assert len(rb) == 4
    out = np.full(6, -1, dtype=np.int16)
    assert rb.read_into(out) == 3
    assert np.array_equal(out, x[:6])
    assert np.array_equal(rb.read(5), x[6:8])
    assert rb.underflows == 4
    with pytest.raises(errors.AudioFormatError, match="multiple of channels=2"):
        rb.write(np.zeros(3, np.int16))
    with pytest.raises(errors.AudioFormatError, match="multiple of channels=2"):
        rb.read_into(np.zeros(3, np.int16))


def test_buffer_protocol_objects_are_accepted() -> None:
    import array

    rb = RingBuffer(8)
    assert rb.write(array.array("h", [1, 2, 3])) == 3
    assert rb.write(memoryview(np.array([4], np.int16))) == 1
    assert rb.read(8).tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(4, np.float32), "dtype int16"),
        (np.zeros(4, np.int32), "dtype int16"),
        (np.zeros(8, np.int16)[::2], "C-contiguous"),
        (np.zeros(4, ">i2"), "native byte order"),
        (b"\x00\x00", "numpy.frombuffer"),
        ([1, 2, 3], "numpy int16 array"),
    ],
)
def test_bad_input_names_the_problem(bad: object, message: str) -> None:
    rb = RingBuffer(8)
    with pytest.raises(errors.AudioFormatError, match=message):
        rb.write(bad)  # type: ignore[arg-type]


def test_bad_sizes_and_closed() -> None:
    with pytest.raises(errors.ConfigError, match="capacity must be > 0"):
        RingBuffer(0)
    with pytest.raises(errors.ConfigError, match=r"channels must be 1\.\.64"):
        RingBuffer(8, channels=0)
    with pytest.raises(errors.ConfigError, match="capacity \\* channels"):
        RingBuffer(1 << 31, channels=2)
    rb = RingBuffer(8)
    with pytest.raises(errors.ConfigError, match="n >= 0"):
        rb.read(-1)
    read_only = np.zeros(4, np.int16)
    read_only.flags.writeable = False
    with pytest.raises(errors.AudioFormatError, match="writable"):
        rb.read_into(read_only)
    with rb:
        rb.write(np.ones(2, np.int16))
    assert rb.closed
    with pytest.raises(errors.VonaError, match="closed"):
        rb.read(1)
    with pytest.raises(errors.VonaError, match="closed"):
        len(rb)


def test_two_threads_hammering_keep_order_and_invariant() -> None:
    """Producer writes a running counter; consumer reads and sometimes clears.

    What the consumer reads must be the written sequence minus the dropped spans,
    and written == consumed + dropped + buffered at the end.
    """
    rb = RingBuffer(700)
    total = 1_000_000
    done = threading.Event()
    errors_seen: list[str] = []

    def producer() -> None:
        rng = np.random.default_rng(1)
        pos = 0
        while pos < total:
            n = min(int(rng.integers(0, 500)), total - pos)
            took = rb.write(_seq(pos, n))
            pos += took  # refused samples are re-offered next time: no gaps
            if took < n:
                time.sleep(0)  # full: let the consumer run (the machine may be busy)
        done.set()

    def consumer() -> None:
        rng = np.random.default_rng(2)
        expect = 0
        out = np.empty(600, np.int16)
        while True:
            finished = done.is_set()
            roll = int(rng.integers(0, 100))
            if roll == 0:
                expect += rb.clear()
            elif roll < 50:
                got = rb.read(int(rng.integers(0, 600)))
                if not np.array_equal(got, _seq(expect, got.size)):
                    errors_seen.append(f"read mismatch at {expect}")
                expect += got.size
            else:
                k = rb.read_into(out[: int(rng.integers(0, 600))])
                if not np.array_equal(out[:k], _seq(expect, k)):
                    errors_seen.append(f"read_into mismatch at {expect}")
                expect += k
            if finished and len(rb) == 0:
                break
            if len(rb) == 0:
                time.sleep(0)

    threads = [threading.Thread(target=consumer), threading.Thread(target=producer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors_seen == []
    assert rb.written == total
    assert rb.written == rb.consumed + rb.dropped + len(rb)
    assert rb.dropped > 0
