"""WebSocketTransport over a real ``websockets`` connection on loopback: frames in,
frames out, playback reports as ``played_samples()``, ``clear`` tells the client and
estimates what it drops, and bad arguments are ``ConfigError``s naming them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import websockets

from vona.errors import ConfigError, ProtocolError
from vona.frames import AudioOutputFrame
from vona.transports.base import AudioTransport
from vona.transports.websocket import WebSocketTransport, parse_rate, websockets_connection


@pytest.fixture
async def pair() -> AsyncIterator[tuple[WebSocketTransport, Any]]:
    """(server-side transport at 16 kHz, client connection)."""
    accepted: asyncio.Queue[Any] = asyncio.Queue()
    done = asyncio.Event()

    async def handler(ws: Any) -> None:
        await accepted.put(ws)
        await done.wait()

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with websockets.connect(f"ws://127.0.0.1:{port}") as client:
            ws = await accepted.get()
            yield WebSocketTransport(websockets_connection(ws), 16000), client
            done.set()


def test_parse_rate_and_bad_arguments_name_themselves():
    assert parse_rate({}) == 16000
    assert parse_rate({"rate": "48000"}) == 48000
    with pytest.raises(ConfigError, match="rate"):
        parse_rate({"rate": "11025"})
    with pytest.raises(ConfigError, match="rate"):
        parse_rate({"rate": "fast"})
    with pytest.raises(ConfigError, match="sample_rate_hz"):
        WebSocketTransport(websockets_connection(None), 22050)
    with pytest.raises(ConfigError, match="max_message_bytes"):
        WebSocketTransport(websockets_connection(None), max_message_bytes=0)


async def test_frames_both_ways_and_end(pair):
    transport, client = pair
    assert isinstance(transport, AudioTransport)
    samples = np.arange(-160, 160, dtype=np.int16)
    await client.send(samples.astype("<i2").tobytes())
    frame = await transport.recv()
    assert frame is not None
    assert (frame.sample_rate_hz, frame.channels) == (16000, 1)
    assert np.array_equal(frame.samples, samples)
    await transport.send(AudioOutputFrame(1, 16000, 1, samples[::-1].copy()))
    assert np.frombuffer(await client.recv(), "<i2").tolist() == samples[::-1].tolist()
    with pytest.raises(ProtocolError, match="24000"):
        await transport.send(AudioOutputFrame(2, 24000, 1, samples))
    await client.send(json.dumps({"type": "end"}))
    assert await transport.recv() is None


async def test_playback_reports_are_played_samples_and_clear_uses_them(pair):
    transport, client = pair
    assert transport.played_samples() is None  # no report yet: cannot tell
    for i in range(50):  # one second of reply, sent at once
        await transport.send(AudioOutputFrame(i, 16000, 1, np.full(320, 100, np.int16)))
    await client.send(json.dumps({"type": "playback", "played_ms": 250}))
    await client.send(np.zeros(320, np.int16).tobytes())
    assert await transport.recv() is not None  # the report was read on the way
    assert transport.played_samples() == 4000
    dropped = await transport.clear()
    assert dropped == 16000 - 4000
    while True:
        message = await client.recv()
        if isinstance(message, str):
            break
    assert json.loads(message) == {"type": "clear"}
    # A report never exceeds what was sent and kept.
    await client.send(json.dumps({"type": "playback", "played_ms": 99_000}))
    await client.send(np.zeros(320, np.int16).tobytes())
    await transport.recv()
    assert transport.played_samples() == 4000


async def test_clear_without_reports_assumes_real_time_playback(pair):
    transport, _ = pair
    for i in range(50):
        await transport.send(AudioOutputFrame(i, 16000, 1, np.zeros(320, np.int16)))
    await asyncio.sleep(0.2)
    dropped = await transport.clear()
    # about 0.8 s left of 1 s (generous: the machine may be slow)
    assert 0 < dropped < 16000
    assert dropped >= 16000 - 16000 * 0.2 - 16000 * 0.6


async def test_client_gone_send_is_dropped_and_recv_ends(pair):
    transport, client = pair
    await client.close()
    await asyncio.sleep(0.05)
    assert await transport.recv() is None
    await transport.send(AudioOutputFrame(1, 16000, 1, np.zeros(320, np.int16)))
    await transport.event({"type": "clear"})  # nothing raised: the session just ends
    assert transport.closed


class _Pipe:
    """One side of an in-memory message connection (for the virtual-clock tests)."""

    def __init__(self, inbox: asyncio.Queue[Any], outbox: asyncio.Queue[Any]) -> None:
        self.inbox, self.outbox = inbox, outbox

    async def recv(self) -> str | bytes | None:
        message: str | bytes | None = await self.inbox.get()
        return message

    async def send(self, message: str | bytes) -> None:
        await self.outbox.put(message)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.outbox.put(None)


def test_real_time_playback_estimate_on_a_virtual_clock(vona_run, virtual_clock):
    async def scenario() -> tuple[int, int, list[Any]]:
        to_client: asyncio.Queue[Any] = asyncio.Queue()
        transport = WebSocketTransport(_Pipe(asyncio.Queue(), to_client), 16000)
        for i in range(50):  # one second of reply at once
            await transport.send(AudioOutputFrame(i, 16000, 1, np.zeros(320, np.int16)))
        await asyncio.sleep(0.25)
        first = await transport.clear()  # 0.25 s played, 0.75 s dropped
        for i in range(10):  # 0.2 s more, then 0.1 s later a clear again
            await transport.send(AudioOutputFrame(i, 16000, 1, np.zeros(320, np.int16)))
        await asyncio.sleep(0.1)
        second = await transport.clear()
        return first, second, [to_client.get_nowait() for _ in range(to_client.qsize())]

    first, second, sent = vona_run(scenario())
    assert first == 12000
    assert second == 1600
    assert [m for m in sent if isinstance(m, str)] == ['{"type":"clear"}'] * 2
