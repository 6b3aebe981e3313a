"""Anchor: pipecat's WebSocket server transport with a pass-through pipeline (bench venv).

    $VONA_BENCH_PYTHON benchmarks/anchors/pipecat_websocket.py

``Pipeline([transport.input(), Echo(), transport.output()])`` on
``WebsocketServerTransport`` (port 0 is not supported there, so a free port is picked
first) with a raw PCM16 serializer (binary message = one audio frame at 16 kHz), the
minimal worker of benchmarks/anchors/pipecat_passthrough.py. Prints the port; then each
``cpu`` line on stdin is answered with the process's CPU seconds so far (user + system).
"""

from __future__ import annotations

import asyncio
import resource
import socket
import sys

from loguru import logger

logger.remove()
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import (  # noqa: E402
    Frame,
    InputAudioRawFrame,
    OutputAudioRawFrame,
)
from pipecat.pipeline.pipeline import Pipeline  # noqa: E402
from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: E402
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: E402
from pipecat.serializers.base_serializer import FrameSerializer  # noqa: E402
from pipecat.transports.websocket.server import (  # noqa: E402
    WebsocketServerParams,
    WebsocketServerTransport,
)
from pipecat.workers.runner import WorkerRunner  # noqa: E402


class RawPcm(FrameSerializer):
    """Binary message <-> one 16 kHz mono PCM16 audio frame."""

    async def serialize(self, frame: Frame) -> bytes | None:
        return frame.audio if isinstance(frame, OutputAudioRawFrame) else None

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if isinstance(data, bytes):
            return InputAudioRawFrame(audio=data, sample_rate=16000, num_channels=1)
        return None


class Echo(FrameProcessor):
    """The pass-through: input audio goes back out as output audio."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            out = OutputAudioRawFrame(audio=frame.audio, sample_rate=16000, num_channels=1)
            await self.push_frame(out, direction)
        else:
            await self.push_frame(frame, direction)


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = WebsocketServerTransport(
        params=WebsocketServerParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            audio_in_sample_rate=16000,
            audio_out_sample_rate=16000,
            serializer=RawPcm(),
        ),
        host="127.0.0.1",
        port=port,
    )
    worker = PipelineWorker(
        Pipeline([transport.input(), Echo(), transport.output()]),
        params=PipelineParams(audio_in_sample_rate=16000, audio_out_sample_rate=16000),
        enable_rtvi=False,
        enable_turn_tracking=False,
        idle_timeout_secs=None,
        check_dangling_tasks=False,
    )
    runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
    await runner.add_workers(worker)
    run = asyncio.create_task(runner.run())
    await asyncio.sleep(1.0)  # the server starts with the pipeline
    print(port, flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        if line.strip() == "cpu":
            print(f"{cpu_s():.6f}", flush=True)
    run.cancel()


if __name__ == "__main__":
    asyncio.run(main())
