"""Realtime adapter cost per 20 ms chunk, against the official ``openai`` SDK.

Both clients talk to the same loopback ``OpenAIRealtimeFake`` (run in a child process so
its work is not timed), with compression off on both sides, in the same run:

* send: Vona's ``session.send_audio(frame)`` (int16 frame -> base64 -> JSON -> websocket)
  vs the SDK's ``connection.input_audio_buffer.append(audio=base64(pcm))`` (the base64
  step is included: an SDK user has to do it).
* decode: Vona's ``session.decode(raw)`` (JSON text -> ``AudioDelta`` with int16 samples)
  vs the SDK's ``connection.parse_event(raw)`` plus the base64 decode to int16 an SDK user
  has to do to get samples.

Target: Vona at most half the SDK's cost (ratio <= 0.5).
Run: ``python benchmarks/bench_realtime.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing as mp
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, print_table, render, time_async_per_call, time_ns_per_call, write_section

KEY = "sk-bench-key"
RATE = 24_000
CHUNK = RATE // 50  # 20 ms
TARGET = 0.5


def _serve(port_queue: Any, stop: Any) -> None:
    from vona.adapters.openai_realtime.fake import OpenAIRealtimeFake

    async def main() -> None:
        async with OpenAIRealtimeFake(api_key=KEY, compression=None, record=False) as fake:
            port_queue.put(fake.port)
            await asyncio.to_thread(stop.wait)

    asyncio.run(main())


async def run(port: int, *, batch: int, rounds: int) -> list[Row]:
    from openai import AsyncOpenAI

    from vona import AudioInputFrame, SessionConfig, TurnDetection
    from vona.adapters.openai_realtime import OpenAIRealtimeBackend

    base = f"ws://127.0.0.1:{port}/v1"
    rng = np.random.default_rng(0)
    pcm = rng.integers(-8000, 8000, CHUNK, dtype=np.int16)
    frame = AudioInputFrame(0, RATE, 1, pcm)

    backend = OpenAIRealtimeBackend(api_key=KEY, base_url=base)
    session = await backend.connect(SessionConfig(turn_detection=TurnDetection(mode="manual")))
    client = AsyncOpenAI(api_key=KEY, websocket_base_url=base)
    async with client.realtime.connect(model="gpt-realtime") as conn:
        # No server VAD on the SDK's session either: the fake only buffers the audio.
        await conn.session.update(
            session={"type": "realtime", "audio": {"input": {"turn_detection": None}}}
        )

        async def vona_send() -> None:
            await session.send_audio(frame)

        async def sdk_send() -> None:
            await conn.input_audio_buffer.append(audio=base64.b64encode(pcm.tobytes()).decode())

        vona_s: list[float] = []
        sdk_s: list[float] = []
        for _ in range(rounds):  # interleaved so drift hits both alike
            vona_s += await time_async_per_call(vona_send, batch=batch, batches=5)
            sdk_s += await time_async_per_call(sdk_send, batch=batch, batches=5)

    await session.close()

    # Decoding needs no I/O: timed after the sockets close, so no keepalive can starve.
    delta = {
        "type": "response.output_audio.delta",
        "event_id": "event_123",
        "response_id": "resp_1",
        "item_id": "item_1",
        "output_index": 0,
        "content_index": 0,
        "delta": base64.b64encode(pcm.tobytes()).decode(),
    }
    raw = json.dumps(delta)
    got = session.decode(raw)[0]
    assert np.array_equal(got.samples, pcm)  # same output from both paths

    def sdk_decode() -> Any:
        event = conn.parse_event(raw)
        return np.frombuffer(base64.b64decode(event.delta), dtype=np.int16)  # type: ignore[union-attr]

    assert np.array_equal(sdk_decode(), pcm)
    vona_d = time_ns_per_call(lambda: session.decode(raw), batch=200, batches=60)
    sdk_d = time_ns_per_call(sdk_decode, batch=200, batches=60)

    send_v, send_a = statistics.median(vona_s), statistics.median(sdk_s)
    rows = [
        Row("send_audio, 20 ms @ 24 kHz", send_v, "openai SDK append", send_a, "<= 0.5x"),
        Row("decode delta -> int16, 20 ms", vona_d, "openai SDK parse_event", sdk_d, "<= 0.5x"),
    ]
    for r in rows:
        r.met = r.ratio <= TARGET
    return rows


def main() -> None:
    quick = "--quick" in sys.argv
    ctx = mp.get_context("spawn")
    port_queue, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(port_queue, stop), daemon=True)
    server.start()
    try:
        port = port_queue.get(timeout=30)
        rows = asyncio.run(run(port, batch=50 if quick else 100, rounds=4 if quick else 10))
    finally:
        stop.set()
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    title = "Realtime adapters: cost per 20 ms chunk (OpenAI GA wire, loopback fake)"
    print_table(title, rows)
    body = (
        "Both clients send to / parse from the same loopback fake in the same run (fake in a "
        "child process, compression off on both). The SDK rows include the base64 step an SDK "
        "user performs (encode before `append`, decode after `parse_event`).\n\n" + render(rows)
    )
    write_section("realtime", title, body)


if __name__ == "__main__":
    main()
