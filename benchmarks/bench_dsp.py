"""DSP primitives and the native step loop against what a Python user has today.

Each row is a function returning a ``Row``; ``ROWS`` lists them in table order, so a
new layer (e.g. resampling) adds its functions to the list. Run as a script:
``python benchmarks/bench_dsp.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, print_table, render, time_ns_per_call, write_section

from vona.dsp import RingBuffer, to_float32, to_int16
from vona.step_loop import StepLoop

FRAME_16K = 320  # 20 ms at 16 kHz: 640 B
FRAME_48K = 960  # 20 ms at 48 kHz


def paired(
    vona: Callable[[], object], anchor: Callable[[], object], rounds: int = 3
) -> tuple[float, float]:
    """Time both sides in alternating rounds; keep each side's best round.

    On a shared machine a burst of load can land on one side's measurement; taking
    the best of a few alternating rounds treats both sides the same way.
    """
    v: list[float] = []
    a: list[float] = []
    for _ in range(rounds):
        v.append(time_ns_per_call(vona, batches=100))
        a.append(time_ns_per_call(anchor, batches=100))
    return min(v), min(a)


class NumpyRing:
    """The ring buffer a Python user writes: numpy storage, slice copies, wraparound."""

    def __init__(self, capacity: int) -> None:
        self.buf = np.zeros(capacity, np.int16)
        self.capacity = capacity
        self.head = 0
        self.tail = 0

    def write(self, x: npt.NDArray[np.int16]) -> int:
        n = min(x.size, self.capacity - (self.head - self.tail))
        off = self.head % self.capacity
        first = min(n, self.capacity - off)
        self.buf[off : off + first] = x[:first]
        if n > first:
            self.buf[: n - first] = x[first:n]
        self.head += n
        return n

    def read(self, n: int) -> npt.NDArray[np.int16]:
        n = min(n, self.head - self.tail)
        off = self.tail % self.capacity
        first = min(n, self.capacity - off)
        if n > first:
            out = np.concatenate((self.buf[off : off + first], self.buf[: n - first]))
        else:
            out = self.buf[off : off + first].copy()
        self.tail += n
        return out


def row_ring() -> Row:
    x = np.arange(FRAME_16K, dtype=np.int16)
    # 4096 is not a multiple of 320, so both rings wrap around regularly.
    rb, nr = RingBuffer(4096), NumpyRing(4096)

    def vona() -> None:
        rb.write(x)
        rb.read(FRAME_16K)

    def anchor() -> None:
        nr.write(x)
        nr.read(FRAME_16K)

    v, a = paired(vona, anchor)
    return Row("ring write + read, 320 samples (640 B)", v, "numpy ring buffer", a,
               "<= 1/3 of anchor", v <= a / 3)  # fmt: skip


def row_to_float32() -> Row:
    x = (np.sin(np.arange(FRAME_48K) * 0.05) * 20000).astype(np.int16)
    v, a = paired(lambda: to_float32(x), lambda: x.astype(np.float32) / np.float32(32768))
    return Row("int16 -> float32, 960 samples", v, "numpy astype / 32768", a,
               ">= 5x faster", v * 5 <= a)  # fmt: skip


def row_to_int16() -> Row:
    f = (np.sin(np.arange(FRAME_48K) * 0.05) * 0.9).astype(np.float32)
    v, a = paired(
        lambda: to_int16(f),
        lambda: np.clip(np.rint(f * np.float32(32768)), -32768, 32767).astype(np.int16),
    )
    return Row("float32 -> int16 (round, saturate), 960 samples", v,
               "numpy rint + clip + astype", a, ">= 5x faster", v * 5 <= a)  # fmt: skip


def asyncio_queue_hop_ns(items: int = 4000, runs: int = 7) -> float:
    """Median ns for one item to pass between two tasks through an asyncio.Queue."""

    async def once() -> float:
        q: asyncio.Queue[int] = asyncio.Queue(maxsize=1)  # forces a task switch per item

        async def consumer() -> None:
            for _ in range(items):
                await q.get()

        task = asyncio.create_task(consumer())
        t0 = time.perf_counter_ns()
        for i in range(items):
            await q.put(i)
        await task
        return (time.perf_counter_ns() - t0) / items

    return statistics.median(asyncio.run(once()) for _ in range(runs))


_QUEUE_HOP: list[float] = []


def queue_hop() -> float:
    """The anchor for the loop rows, measured once per run."""
    if not _QUEUE_HOP:
        _QUEUE_HOP.append(asyncio_queue_hop_ns())
    return _QUEUE_HOP[0]


def row_loop_glue_native() -> Row:
    """C-side cost per frame: many 20 ms frames per process() call, passthrough, no resampling."""
    frames = 500
    chunk = (np.arange(FRAME_16K * frames) % 2000 - 1000).astype(np.int16)
    loop = StepLoop(16000, 16000, FRAME_16K, playout_capacity_samples=chunk.size * 2)
    loop.set_native_backend("passthrough")

    def call() -> None:
        loop.process(chunk)
        loop.interrupt()  # O(1) clear so the playout ring never fills

    per_call = time_ns_per_call(call, batch=5, batches=60, warmup=5)
    v = per_call / frames
    return Row("native loop glue per frame (C side: reframe, backend, playout)", v,
               "one asyncio.Queue hop", queue_hop(), "< 1 µs per frame", v < 1000)  # fmt: skip


def row_loop_glue_single_call() -> Row:
    """The whole Python-visible cost of one frame: process() it and pull it back out."""
    frame = (np.arange(FRAME_16K) % 2000 - 1000).astype(np.int16)
    loop = StepLoop(16000, 16000, FRAME_16K, playout_capacity_samples=FRAME_16K * 8)
    loop.set_native_backend("passthrough")

    def call() -> None:
        loop.process(frame)
        loop.pull_playout(FRAME_16K)

    v = time_ns_per_call(call)
    return Row("native loop, one frame per call (process + pull_playout)", v,
               "one asyncio.Queue hop", queue_hop(), "< anchor", v < queue_hop())  # fmt: skip


ROWS: list[Callable[[], Row]] = [
    row_ring,
    row_to_float32,
    row_to_int16,
    row_loop_glue_native,
    row_loop_glue_single_call,
]


def main() -> None:
    rows = [make() for make in ROWS]
    print_table("DSP primitives and the native step loop", rows)
    write_section("dsp", "DSP primitives and the native step loop", render(rows))


if __name__ == "__main__":
    main()
