"""WebRTC: an aiortc client posts its offer to ``answer_offer`` behind a loopback HTTP
server, sends a tone over Opus, hears it echoed through the session driver (Opus by
Vona's encoder), and gets the data channel's JSON events (clear, transcript, metrics)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from vona.backends.passthrough import PassthroughStsBackend
from vona.driver import run_session
from vona.errors import ConfigError
from vona.frames import AudioOutputFrame
from vona.metrics import SessionMetrics
from vona.runtime import VonaRuntime
from vona.transports.base import AudioTransport
from vona.transports.webrtc import WebRtcTransport, answer_offer, close_sessions

aiortc = pytest.importorskip("aiortc")
av = pytest.importorskip("av")
httpx = pytest.importorskip("httpx")
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack  # noqa: E402

Run = Callable[[AudioTransport], Awaitable[SessionMetrics]]


class OfferServer:
    """``POST /webrtc/offer`` on asyncio streams: a JSON offer in, the JSON answer out."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.transports: list[WebRtcTransport] = []

    async def _recorded_run(self, transport: AudioTransport) -> SessionMetrics:
        assert isinstance(transport, WebRtcTransport)
        self.transports.append(transport)
        return await self.run(transport)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        length = next(
            int(v)
            for k, _, v in (ln.partition(": ") for ln in lines)
            if k.lower() == "content-length"
        )
        body = json.loads(await reader.readexactly(length))
        status, reply = "200 OK", {}
        try:
            reply = await answer_offer(body, self._recorded_run)
        except ConfigError as exc:
            status, reply = "400 Bad Request", {"error": str(exc)}
        data = json.dumps(reply).encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def serve_offers() -> AsyncIterator[Callable[[Run], Awaitable[tuple[str, OfferServer]]]]:
    servers: list[asyncio.Server] = []

    async def start(run: Run) -> tuple[str, OfferServer]:
        handler = OfferServer(run)
        server = await asyncio.start_server(handler.handle, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/webrtc/offer", handler

    yield start
    await close_sessions()
    for s in servers:
        s.close()
        await s.wait_closed()


class ToneTrack(MediaStreamTrack):  # type: ignore[misc]
    """A microphone playing a 48 kHz tone for ``seconds``, then silence, in real time."""

    kind = "audio"

    def __init__(self, hz: float, seconds: float) -> None:
        super().__init__()
        self.hz, self.total = hz, int(seconds * 48_000)
        self.n = 0
        self.t0: float | None = None

    async def recv(self) -> Any:
        if self.readyState != "live":
            raise MediaStreamError
        if self.t0 is None:
            self.t0 = time.monotonic()
        await asyncio.sleep(max(self.t0 + self.n / 48_000 - time.monotonic(), 0))
        idx = np.arange(self.n, self.n + 960)
        pcm = np.where(idx < self.total, 9000 * np.sin(2 * np.pi * self.hz * idx / 48_000), 0)
        frame = av.AudioFrame.from_ndarray(
            pcm.astype(np.int16)[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = 48_000
        frame.pts = self.n
        frame.time_base = Fraction(1, 48_000)
        self.n += 960
        return frame


class Client:
    """An aiortc peer: a tone in its microphone, what it hears, and the channel's events."""

    def __init__(self, hz: float = 500.0, seconds: float = 1.0) -> None:
        # no STUN server: the test stays on loopback
        self.pc = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
        self.channel = self.pc.createDataChannel("vona")
        self.events: list[dict[str, Any]] = []
        self.heard: list[np.ndarray] = []
        self.pc.addTrack(ToneTrack(hz, seconds))
        self.channel.on("message", lambda m: self.events.append(json.loads(m)))
        self.pc.on("track", self._on_track)
        self._reader: asyncio.Task[None] | None = None

    def _on_track(self, track: Any) -> None:
        async def read() -> None:
            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    return
                pcm = frame.to_ndarray().reshape(-1)
                if len(frame.layout.channels) == 2:
                    pcm = pcm[::2]
                self.heard.append(pcm.astype(np.int16))

        self._reader = asyncio.ensure_future(read())

    async def connect(self, url: str) -> dict[str, Any]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = {"sdp": self.pc.localDescription.sdp, "type": self.pc.localDescription.type}
        async with httpx.AsyncClient() as http:
            reply = await http.post(url, json=offer, timeout=30)
        answer: dict[str, Any] = reply.json()
        assert reply.status_code == 200, answer
        await self.pc.setRemoteDescription(aiortc.RTCSessionDescription(**answer))
        return answer

    async def wait_for(self, kind: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events:
                if e["type"] == kind:
                    return e
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {kind!r} event; got {self.events}")

    def audio(self) -> np.ndarray:
        return np.concatenate(self.heard) if self.heard else np.zeros(0, np.int16)

    async def close(self) -> None:
        await self.pc.close()
        if self._reader is not None:
            self._reader.cancel()


def dominant_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.argmax(spectrum) * rate / pcm.size)


async def test_a_peer_hears_its_tone_echoed_through_the_driver(serve_offers) -> None:
    backend = PassthroughStsBackend(16_000)

    async def run(transport: AudioTransport) -> SessionMetrics:
        return await run_session(transport, backend, runtime=VonaRuntime(max_session_s=4.0))

    url, server = await serve_offers(run)
    client = Client(hz=500.0, seconds=1.5)
    answer = await client.connect(url)
    assert answer["type"] == "answer"
    assert "opus/48000/2" in answer["sdp"].lower()
    metrics = await client.wait_for("metrics", timeout=40)
    assert metrics["frames_in"] > 50
    assert metrics["samples_out"] > 16_000
    [transport] = server.transports
    assert transport.sample_rate_hz == 16_000
    heard = client.audio()
    loud = heard[np.abs(heard.astype(np.int32)) > 2000]
    assert loud.size > 48_000  # over a second of the tone came back
    start = int(np.argmax(np.abs(heard.astype(np.int32)) > 2000)) + 4_800
    assert abs(dominant_hz(heard[start : start + 24_000], 48_000) - 500) < 5
    played = transport.played_samples()
    assert played is not None
    assert played >= 16_000
    await client.close()


async def test_data_channel_carries_clear_transcript_and_metrics(serve_offers) -> None:
    async def run(transport: AudioTransport) -> SessionMetrics:
        assert isinstance(transport, WebRtcTransport)
        first = await transport.recv()
        assert first is not None
        assert first.sample_rate_hz == 16_000
        await transport.transcript("user", "hello there", True)
        for _ in range(100):  # two seconds of reply queued at once
            await transport.send(AudioOutputFrame(0, 16_000, 1, np.full(320, 8000, np.int16)))
        await asyncio.sleep(0.5)
        dropped = await transport.clear()
        metrics = SessionMetrics(session_id="webrtc-test")
        metrics.dropped_samples = dropped
        return metrics

    url, _server = await serve_offers(run)
    client = Client()
    await client.connect(url)
    clear = await client.wait_for("clear")
    assert clear == {"type": "clear"}
    metrics = await client.wait_for("metrics")
    assert metrics["session_id"] == "webrtc-test"
    # Half a second of two played before the clear: the rest was dropped, not sent.
    assert 16_000 < metrics["dropped_samples"] < 32_000 - 4_000
    transcript = await client.wait_for("transcript")
    assert transcript == {
        "type": "transcript",
        "role": "user",
        "text": "hello there",
        "final": True,
    }
    kinds = [e["type"] for e in client.events]
    assert kinds.index("transcript") < kinds.index("clear") < kinds.index("metrics")
    await client.close()


async def test_playback_reports_cap_played_samples_and_bad_events_end_the_session(
    serve_offers,
) -> None:
    ended = asyncio.Event()

    async def run(transport: AudioTransport) -> SessionMetrics:
        assert isinstance(transport, WebRtcTransport)
        for _ in range(25):
            await transport.send(AudioOutputFrame(0, 16_000, 1, np.zeros(320, np.int16)))
        while await transport.recv() is not None:
            pass
        ended.set()
        return SessionMetrics(session_id="x")

    url, server = await serve_offers(run)
    client = Client()
    await client.connect(url)
    await asyncio.sleep(1.0)
    client.channel.send(json.dumps({"type": "playback", "played_ms": 100}))
    await asyncio.sleep(0.3)
    [transport] = server.transports
    assert transport.played_samples() == 1600  # the listener heard 100 ms of the 500 sent
    client.channel.send("not json")
    error = await client.wait_for("error")
    assert "not a JSON event" in error["message"]
    await asyncio.wait_for(ended.wait(), 10)
    await client.close()


@pytest.mark.parametrize(
    ("offer", "match"),
    [
        ("v=0", "JSON object"),
        ({"type": "answer", "sdp": "v=0\r\n"}, "offer.type"),
        ({"type": "offer", "sdp": 5}, "offer.sdp"),
        (
            {"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"},
            "offer.sdp",
        ),
    ],
)
async def test_bad_offers_raise_config_errors(offer: Any, match: str) -> None:
    async def run(transport: AudioTransport) -> SessionMetrics:
        raise AssertionError("no session for a bad offer")

    with pytest.raises(ConfigError, match=match):
        await answer_offer(offer, run)


def test_transport_rejects_rates_opus_cannot_encode() -> None:
    with pytest.raises(ConfigError, match="sample_rate_hz"):
        WebRtcTransport(44_100)
