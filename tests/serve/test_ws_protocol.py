"""The /ws protocol against a real server on loopback (echo backend): audio both ways at
every rate, metrics at the end, and the limits: bad rate, non-JSON text, unknown
messages, odd and oversized messages, a client vanishing mid-reply. Sessions around a
failing one carry on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import numpy as np
import pytest
import websockets

from vona.serve import VonaServer


def url(server: VonaServer, query: str = "rate=16000") -> str:
    return f"ws://127.0.0.1:{server.port}/ws?{query}"


def tone(rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


async def stream(ws: Any, audio: np.ndarray, rate: int, realtime: bool = True) -> None:
    step = rate // 50
    for i in range(0, audio.shape[0], step):
        await ws.send(audio[i : i + step].astype("<i2").tobytes())
        if realtime:
            await asyncio.sleep(0.02)


async def closed_with(ws: Any, client: Any) -> tuple[Any, int | None]:
    got = client.Collected()
    await asyncio.wait_for(client.collect(ws, got), 10)
    return got, ws.close_code


@pytest.mark.parametrize("rate", [8000, 16000, 24000, 48000])
async def test_echo_round_trip_at_each_rate_then_metrics(echo_server, client, rate):
    audio = tone(rate, 0.6)
    async with websockets.connect(url(echo_server, f"rate={rate}")) as ws:
        got = client.Collected()
        reader = asyncio.create_task(client.collect(ws, got))
        await stream(ws, audio, rate)
        await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(reader, 10)
    assert ws.close_code == 1000
    [metrics] = got.of("metrics")
    assert metrics["end_reason"] == "input_ended"
    assert metrics["samples_in"] == audio.shape[0]
    assert metrics["error"] is None
    echoed = got.pcm()
    if rate == 16000:  # the echo backend's own rate: the audio comes back bit-exact
        start = int(np.flatnonzero(echoed)[0]) - 1  # the tone starts at 0
        assert np.array_equal(echoed[start : start + audio.shape[0]], audio)
    else:  # resampled there and back: the same tone, nearly all of it
        assert echoed.shape[0] >= 0.8 * audio.shape[0]
        spectrum = np.abs(np.fft.rfft(echoed.astype(np.float64)))
        peak_hz = np.argmax(spectrum) * rate / echoed.shape[0]
        assert abs(peak_hz - 440) < 5
    assert got.order[-1][0] == "metrics"


async def test_unsupported_rate_is_an_error_then_close(echo_server, client):
    async with websockets.connect(url(echo_server, "rate=44100")) as ws:
        got, code = await closed_with(ws, client)
    assert code == 1008
    [error] = got.of("error")
    assert "rate" in error["message"]
    assert "44100" in error["message"]
    assert echo_server.sessions == 0


@pytest.mark.parametrize(
    ("message", "code", "needle"),
    [
        ("not json", 1003, "not JSON"),
        (json.dumps({"type": "dance"}), 1008, "unknown message type"),
        (json.dumps([1, 2]), 1008, "unknown message type"),
        (json.dumps({"type": "playback", "played_ms": -5}), 1008, "played_ms"),
        (b"\x01\x02\x03", 1008, "PCM16"),
    ],
)
async def test_bad_message_errors_and_other_sessions_carry_on(
    echo_server, client, message, code, needle
):
    async with websockets.connect(url(echo_server)) as good:
        await stream(good, tone(16000, 0.2), 16000, realtime=False)
        async with websockets.connect(url(echo_server)) as bad:
            await bad.send(message)
            got, close_code = await closed_with(bad, client)
        assert close_code == code
        [error] = got.of("error")
        assert needle in error["message"]
        # The neighbour still echoes, and the server still answers HTTP.
        await stream(good, tone(16000, 0.2), 16000, realtime=False)
        await good.send(json.dumps({"type": "end"}))
        kept, good_code = await closed_with(good, client)
    assert good_code == 1000
    assert kept.of("metrics")[0]["samples_in"] == 6400
    async with httpx.AsyncClient() as http:
        health = (await http.get(f"http://127.0.0.1:{echo_server.port}/healthz")).json()
    assert health == {"ok": True, "sessions": 0}


async def test_oversized_message_closes_1009(client):
    from vona.backends.passthrough import PassthroughStsBackend

    server = VonaServer(PassthroughStsBackend(), max_message_bytes=4096)
    await server.start("127.0.0.1", 0)
    try:
        async with websockets.connect(url(server), max_size=None) as ws:
            await ws.send(b"\x00" * 8192)
            _, code = await closed_with(ws, client)
        assert code == 1009
        assert server.sessions == 0
        [metrics] = server.finished
        assert metrics.samples_in == 0
    finally:
        await server.stop()


async def test_client_vanishing_mid_reply_ends_the_session_cleanly(echo_server):
    ws = await websockets.connect(url(echo_server))
    await stream(ws, tone(16000, 1.0), 16000)
    await asyncio.sleep(0.05)
    ws.transport.abort()  # no close handshake: the peer is just gone
    for _ in range(200):
        if echo_server.finished:
            break
        await asyncio.sleep(0.02)
    [metrics] = echo_server.finished
    assert metrics.end_reason == "input_ended"
    assert metrics.error is None
    assert metrics.samples_in == 16000
    assert echo_server.sessions == 0
    # A new session works as before.
    async with websockets.connect(url(echo_server)) as again:
        await stream(again, tone(16000, 0.1), 16000, realtime=False)
        await again.send(json.dumps({"type": "end"}))
        async for _ in again:
            pass
    assert again.close_code == 1000


async def test_page_and_static_files_are_served_and_nothing_from_elsewhere(echo_server):
    base = f"http://127.0.0.1:{echo_server.port}"
    async with httpx.AsyncClient() as http:
        page = await http.get(base + "/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        for name in ("app.js", "capture.js", "player.js", "style.css"):
            res = await http.get(f"{base}/static/{name}")
            assert res.status_code == 200, name
            # nothing is fetched from another host (no CDN)
            assert "http://" not in res.text, name
            assert "https://" not in res.text, name
        assert (await http.get(base + "/static/..%2Fapp.py")).status_code == 404
        assert (await http.get(base + "/static/nothing.js")).status_code == 404
    assert "http://" not in page.text
    assert "https://" not in page.text
