"""A client written from docs/websocket-protocol.md against ``vona serve``'s server with the
real offline cascade (Silero, faster-whisper, the rule responder with its skills,
Hibari): a spoken question in, an intelligible spoken answer out (transcribed back with
Whisper), the transcripts of both sides, and a spoken barge-in that clears playback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import websockets

from vona.backends.cascade.local import build_local_cascade
from vona.backends.cascade.skills import demo_skills
from vona.backends.cascade.wer import word_error_rate
from vona.serve import VonaServer

QUESTION = "What is the weather in Paris today?"
ANSWER = "Right now in Paris it is sunny and 21 degrees."
FULL_REPLY = ANSWER + " Is there anything else I can do for you?"
FRAME = 320  # 20 ms at 16 kHz


@pytest.fixture(scope="module")
def cascade(model_cache, whisper, hibari) -> Any:
    return build_local_cascade(cache_dir=model_cache, stt=whisper, tts=hibari, vad="silero-vad")


@pytest.fixture
async def server(cascade) -> AsyncIterator[VonaServer]:
    server = VonaServer(cascade, skills_factory=demo_skills)
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


def spoken(hibari: Any, text: str, to_16k: Any, pcm16: Any) -> np.ndarray:
    return pcm16(to_16k(hibari.synthesize(text), hibari.sample_rate_hz))


async def send_realtime(ws: Any, audio: np.ndarray) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    for n, i in enumerate(range(0, audio.shape[0], FRAME)):
        await ws.send(audio[i : i + FRAME].astype("<i2").tobytes())
        await asyncio.sleep(max(start + (n + 1) * 0.02 - loop.time(), 0))


async def test_question_in_answer_out_over_ws(server, hibari, whisper, client):
    question = spoken(hibari, QUESTION, client.to_16k, client.pcm16)
    silence = np.zeros(16000 * 6, np.int16)
    got = client.Collected()
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws?rate=16000") as ws:
        reader = asyncio.create_task(client.collect(ws, got))
        await send_realtime(ws, np.concatenate([np.zeros(8000, np.int16), question, silence]))
        await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(reader, 60)
    finals = [(e["role"], e["text"]) for e in got.of("transcript") if e["final"]]
    assert [r for r, _ in finals] == ["user", "assistant"], finals
    assert word_error_rate(QUESTION, finals[0][1]) <= 0.1, finals
    assert finals[1][1].startswith(ANSWER), finals
    [metrics] = got.of("metrics")
    assert metrics["error"] is None
    assert metrics["end_reason"] == "input_ended"
    assert [c["state"] for c in metrics["tool_calls"]] == ["succeeded"]
    reply = got.pcm().astype(np.float32) / 32768.0
    assert reply.shape[0] > 16000  # more than a second of answer
    heard = whisper.transcribe(reply)
    assert word_error_rate(finals[1][1], heard) <= 0.15, heard
    # Reply audio came after the user's final transcript and before the metrics.
    kinds = [k for k, _ in got.order]
    assert kinds.index("metrics") == len(kinds) - 1


async def test_spoken_barge_in_clears_playback(server, hibari, client):
    question = spoken(hibari, QUESTION, client.to_16k, client.pcm16)
    stop = spoken(hibari, "Stop, please. Wait a moment.", client.to_16k, client.pcm16)
    got = client.Collected()
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws?rate=16000") as ws:
        reader = asyncio.create_task(client.collect(ws, got))
        await send_realtime(ws, np.concatenate([np.zeros(8000, np.int16), question]))
        # silence until the answer is heard, then talk over it
        while len(got.audio) < 16000 * 2 * 0.5:  # half a second of reply received
            await send_realtime(ws, np.zeros(FRAME, np.int16))
        await ws.send(json.dumps({"type": "playback", "played_ms": 400}))
        await send_realtime(ws, np.concatenate([stop, np.zeros(16000 * 3, np.int16)]))
        await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(reader, 60)
    assert got.of("clear"), [e["type"] for e in got.events]
    [metrics] = got.of("metrics")
    cuts = [i for i in metrics["interruptions"] if i["reason"] == "barge_in"]
    assert cuts, metrics["interruptions"]
    assert cuts[0]["dropped_samples"] > 0, cuts
    # the first clear came while the answer was playing, after some of it was received
    first_clear = next(at for kind, at in got.order if kind == "clear")
    assert first_clear >= 16000
    # The assistant's final transcript ends up as what was spoken: the reply, cut short
    # (a final sent when the reply was complete is corrected by a later one).
    assistant = [e["text"] for e in got.of("transcript") if e["role"] == "assistant" and e["final"]]
    cut = [t for t in assistant if t and len(t) < len(FULL_REPLY) and FULL_REPLY.startswith(t)]
    assert cut, assistant
