"""Anchor: a 20 ms frame through two pass-through processors in pipecat (run in the bench venv).

    $VONA_BENCH_PYTHON benchmarks/anchors/pipecat_passthrough.py [--frames 3000] [--runs 5]

``Pipeline([PassThrough(), PassThrough(), CountingSink()])`` in a ``PipelineWorker`` run by
a ``WorkerRunner``, with the minimal worker of docs/anchors (RTVI, turn tracking, idle
timeout and dangling-task checks off; loguru at WARNING). Prints one JSON line:
``throughput_ns`` (frames queued back to back until the sink has seen them all, ns per
frame) and ``latency_ns`` (one frame in flight at a time, ``queue_frame`` to the sink),
each the median of ``--runs`` runs, plus the pipecat version.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

import pipecat  # noqa: E402
from pipecat.frames.frames import EndFrame, Frame, InputAudioRawFrame  # noqa: E402
from pipecat.pipeline.pipeline import Pipeline  # noqa: E402
from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: E402
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: E402
from pipecat.workers.runner import WorkerRunner  # noqa: E402

PCM = bytes(640)  # 20 ms of 16 kHz mono int16


class PassThrough(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


class CountingSink(FrameProcessor):
    """Counts audio frames; wakes a waiter when ``target`` have arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.target = 0
        self.done = asyncio.Event()

    def expect(self, n: int) -> None:
        self.count, self.target = 0, n
        self.done.clear()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self.count += 1
            if self.count >= self.target:
                self.done.set()
        else:
            await self.push_frame(frame, direction)


def frame() -> InputAudioRawFrame:
    return InputAudioRawFrame(audio=PCM, sample_rate=16000, num_channels=1)


async def measure(frames: int, latency_frames: int) -> tuple[float, float]:
    sink = CountingSink()
    worker = PipelineWorker(
        Pipeline([PassThrough(), PassThrough(), sink]),
        params=PipelineParams(audio_in_sample_rate=16000, audio_out_sample_rate=16000),
        enable_rtvi=False,
        enable_turn_tracking=False,
        idle_timeout_secs=None,
        check_dangling_tasks=False,
    )
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def _started(_worker: object, _frame: object) -> None:
        started.set()

    runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
    await runner.add_workers(worker)
    run = asyncio.create_task(runner.run())
    await asyncio.wait_for(started.wait(), 30)
    # warm-up
    sink.expect(200)
    await worker.queue_frames([frame() for _ in range(200)])
    await asyncio.wait_for(sink.done.wait(), 60)
    # throughput: back to back
    batch = [frame() for _ in range(frames)]
    sink.expect(frames)
    t0 = time.perf_counter_ns()
    await worker.queue_frames(batch)
    await asyncio.wait_for(sink.done.wait(), 120)
    throughput = (time.perf_counter_ns() - t0) / frames
    # latency: one frame in flight at a time
    times = []
    for _ in range(latency_frames):
        f = frame()
        sink.expect(1)
        t0 = time.perf_counter_ns()
        await worker.queue_frame(f)
        await sink.done.wait()
        times.append(time.perf_counter_ns() - t0)
    await worker.queue_frame(EndFrame())
    await asyncio.wait_for(run, 30)
    return throughput, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--latency-frames", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = [asyncio.run(measure(args.frames, args.latency_frames)) for _ in range(args.runs)]
    out = {
        "pipecat": pipecat.__version__ if hasattr(pipecat, "__version__") else "unknown",
        "throughput_ns": statistics.median(r[0] for r in results),
        "latency_ns": statistics.median(r[1] for r in results),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
