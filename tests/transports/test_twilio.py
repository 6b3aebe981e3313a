"""Twilio Media Streams on a real loopback WebSocket server (``websockets``) against a
Twilio-shaped client: audio both ways at 8 kHz, marks, clear, DTMF, TwiML, and every way
a peer can break the protocol (each closes the socket with a clear reason)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from vona.adapters.twilio import TwilioMediaStreamTransport, serve_twilio, twiml
from vona.adapters.twilio.fake import FakeTwilio
from vona.backends.passthrough import PassthroughStsBackend
from vona.driver import run_session
from vona.errors import AudioFormatError, ConfigError, TransportError
from vona.frames import AudioOutputFrame
from vona.metrics import SessionMetrics
from vona.transports.base import AudioTransport

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402


class Server:
    """serve_twilio behind a loopback websockets server; records each session's transport."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.transports: list[TwilioMediaStreamTransport] = []
        self.metrics: list[SessionMetrics] = []
        self.url = ""

    async def run(self, transport: AudioTransport) -> SessionMetrics:
        assert isinstance(transport, TwilioMediaStreamTransport)
        self.transports.append(transport)
        metrics = await run_session(transport, self.backend)
        self.metrics.append(metrics)
        return metrics

    async def handler(self, ws: Any) -> None:
        await serve_twilio(ws, self.run)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server(PassthroughStsBackend(16_000))
    async with serve(srv.handler, "127.0.0.1", 0) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        srv.url = f"ws://127.0.0.1:{port}/telephony/twilio"
        yield srv


def tone(seconds: float, hz: float = 440.0, rate: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (9000 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def test_twiml_connects_the_call_to_the_stream() -> None:
    xml = twiml("wss://example.test/telephony/twilio?a=1&b=2")
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
        '<Stream url="wss://example.test/telephony/twilio?a=1&amp;b=2"/>'
        "</Connect></Response>"
    )
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml.split("?>", 1)[1])
    assert root.find("./Connect/Stream").get("url").endswith("a=1&b=2")  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="stream_url"):
        twiml("https://example.test/x")


async def test_a_call_echoes_through_the_driver_at_8k_with_marks(server: Server) -> None:
    async with connect(server.url) as ws:
        phone = FakeTwilio(ws)
        await phone.begin()
        await phone.speak(tone(1.0))
        await phone.speak(np.zeros(8000, np.int16))  # let the echo play out
        await asyncio.sleep(0.3)
        await phone.send(
            {
                "event": "dtmf",
                "streamSid": phone.sid,
                "dtmf": {"track": "inbound_track", "digit": "5"},
            }
        )
        await phone.stop()
        await phone.done()
    [transport] = server.transports
    [metrics] = server.metrics
    assert metrics.ok, metrics.error
    assert phone.close_code == 1000
    assert transport.info is not None
    assert transport.info.custom_parameters == {"caller": "test"}
    assert transport.dtmf == ["5"]
    media, marks = phone.events("media"), phone.events("mark")
    assert media
    assert len(marks) == len(media)  # a mark after each reply segment
    # What came back is the tone (through 8k -> 16k -> 8k and G.711 twice).
    heard = phone.heard().astype(np.float64)
    loud = heard[np.abs(heard) > 2000]
    assert loud.size > 6000
    spectrum = np.abs(np.fft.rfft(heard))
    assert abs(np.argmax(spectrum) * 8000 / heard.size - 440) < 5
    # The marks that came back tell what was heard (the last ones may miss the hang-up).
    played = transport.played_samples()
    assert played is not None
    assert heard.size - 2400 <= played <= heard.size <= transport.sent_samples
    assert metrics.frames_in >= 90


async def test_clear_drops_queued_audio_and_played_samples_counts_only_heard(
    server: Server,
) -> None:
    async with connect(server.url) as ws:
        phone = FakeTwilio(ws)
        await phone.begin()
        await phone.speak(tone(0.5))
        await asyncio.sleep(0.05)
        [transport] = server.transports
        # Queue a second of audio straight into the call, then barge in.
        for _ in range(50):
            await transport.send(AudioOutputFrame(0, 8000, 1, tone(0.02, 300)))
        await asyncio.sleep(0.2)
        dropped = await transport.clear()
        await asyncio.sleep(0.3)
        await phone.stop()
        await phone.done()
    assert phone.clears == 1
    assert [e["event"] for e in phone.received].count("clear") == 1
    heard_by_phone = phone.heard().size
    assert transport.played_samples() is not None
    # Everything the phone played had its mark back; nothing cleared counts as heard.
    assert transport.played_samples() <= heard_by_phone
    assert transport.sent_samples - dropped <= heard_by_phone + 320
    assert dropped >= phone.cleared_samples > 0


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        (["not json"], "not JSON"),
        (['{"event": "hangup", "streamSid": "MZ1"}'], "unknown media stream event 'hangup'"),
        (["[1, 2]"], "no 'event'"),
        (
            ['{"event": "media", "streamSid": "MZ1", "media": {"payload": "@@@"}}'],
            "not valid base64",
        ),
        (['{"event": "media", "streamSid": "MZ1", "media": {}}'], "media.payload"),
        (['{"event": "start", "streamSid": "MZ1", "start": {}}'], "second 'start'"),
    ],
)
async def test_bad_messages_mid_call_close_with_a_clear_reason(
    server: Server, messages: list[str], reason: str
) -> None:
    async with connect(server.url) as ws:
        phone = FakeTwilio(ws)
        await phone.begin()
        await phone.speak(tone(0.1), realtime=False)
        for m in messages:
            await ws.send(m)
        await phone.done()
    assert phone.close_code == 1008
    assert reason in phone.close_reason
    [metrics] = server.metrics
    assert metrics.error is not None
    assert metrics.error["type"] == "ProtocolError"


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        ({"event": "media", "media": {"payload": ""}}, "'media' before 'start'"),
        (
            {
                "event": "start",
                "streamSid": "MZ1",
                "start": {"mediaFormat": {"encoding": "audio/x-l16", "sampleRate": 16000}},
            },
            "audio/x-mulaw at 8000 Hz",
        ),
        ({"event": "start", "start": {"mediaFormat": {}}}, "streamSid"),
    ],
)
async def test_a_bad_stream_start_is_refused(
    server: Server, first: dict[str, Any], reason: str
) -> None:
    async with connect(server.url) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps(first))
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 1008
        assert reason in (ws.close_reason or "")
    assert server.metrics == []  # no session ran


async def test_oversized_message_is_refused(server: Server) -> None:
    async with connect(server.url) as ws:
        phone = FakeTwilio(ws)
        await phone.begin()
        big = base64.b64encode(bytes(60_000)).decode()
        await ws.send(
            json.dumps({"event": "media", "streamSid": phone.sid, "media": {"payload": big}})
        )
        await phone.done()
    assert phone.close_code == 1008
    assert "max_message_bytes" in phone.close_reason


async def test_hang_up_mid_reply_ends_the_session_cleanly(server: Server) -> None:
    async with connect(server.url) as ws:
        phone = FakeTwilio(ws)
        await phone.begin()
        await phone.speak(tone(0.6))
        await phone.stop()  # the echo of the last frames is still on its way
        await phone.done()
    [metrics] = server.metrics
    assert metrics.ok, metrics.error
    assert phone.close_code == 1000


async def test_caller_vanishing_frees_the_session(server: Server) -> None:
    ws = await connect(server.url)
    phone = FakeTwilio(ws)
    await phone.begin()
    await phone.speak(tone(0.3))
    ws.transport.abort()  # no close frame: the peer is just gone
    for _ in range(200):
        if server.metrics:
            break
        await asyncio.sleep(0.05)
    [metrics] = server.metrics
    assert metrics.end_reason
    [transport] = server.transports
    assert transport.stopped
    # The server still takes calls.
    async with connect(server.url) as ws2:
        phone2 = FakeTwilio(ws2)
        await phone2.begin()
        await phone2.speak(tone(0.2))
        await phone2.stop()
        await phone2.done()
    assert len(server.metrics) == 2


class MemoryConnection:
    """An in-memory socket: the transport's accounting without a network or a clock."""

    def __init__(self, incoming: list[str]) -> None:
        self.incoming = list(incoming)
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None

    async def recv(self) -> str | None:
        return self.incoming.pop(0) if self.incoming else None

    async def send(self, message: str) -> None:
        if self.closed:
            raise ConnectionError("closed")
        self.sent.append(json.loads(message))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)


START = json.dumps(
    {
        "event": "start",
        "streamSid": "MZ9",
        "start": {"mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}},
    }
)


async def test_marks_coming_back_count_heard_samples_in_order() -> None:
    conn = MemoryConnection([START])
    t = TwilioMediaStreamTransport(conn)
    assert t.played_samples() is None
    with pytest.raises(TransportError, match="start"):
        await t.send(AudioOutputFrame(0, 8000, 1, np.zeros(160, np.int16)))
    assert await t.start() is not None
    assert t.played_samples() == 0
    for n in (160, 80, 240):
        await t.send(AudioOutputFrame(0, 8000, 1, np.zeros(n, np.int16)))
    names = [m["mark"]["name"] for m in conn.sent if m["event"] == "mark"]
    assert [m["event"] for m in conn.sent] == ["media", "mark"] * 3
    assert all(m["streamSid"] == "MZ9" for m in conn.sent)
    # The second mark back implies the first played too.
    conn.incoming.append(
        json.dumps({"event": "mark", "streamSid": "MZ9", "mark": {"name": names[1]}})
    )
    payload = base64.b64encode(bytes([0xFF] * 160)).decode()
    conn.incoming.append(
        json.dumps({"event": "media", "streamSid": "MZ9", "media": {"payload": payload}})
    )
    frame = await t.recv()
    assert frame is not None
    assert frame.sample_rate_hz == 8000
    assert frame.samples.tolist() == [0] * 160
    assert t.played_samples() == 240
    assert await t.clear() == 240
    assert conn.sent[-1] == {"event": "clear", "streamSid": "MZ9"}
    conn.incoming.append(json.dumps({"event": "stop", "streamSid": "MZ9", "stop": {}}))
    assert await t.recv() is None
    assert t.stopped
    with pytest.raises(AudioFormatError, match="8000 Hz mono"):
        await t.send(AudioOutputFrame(0, 16000, 1, np.zeros(320, np.int16)))


async def test_late_marks_of_cleared_audio_do_not_count_and_sends_after_hangup_are_dropped() -> (
    None
):
    conn = MemoryConnection([START])
    t = TwilioMediaStreamTransport(conn)
    await t.start()
    await t.send(AudioOutputFrame(0, 8000, 1, np.zeros(160, np.int16)))
    name = conn.sent[1]["mark"]["name"]
    assert await t.clear() == 160
    conn.incoming.append(json.dumps({"event": "mark", "streamSid": "MZ9", "mark": {"name": name}}))
    assert await t.recv() is None  # the mark, then the socket's end
    assert t.played_samples() == 0
    await t.close()
    await t.send(AudioOutputFrame(0, 8000, 1, np.zeros(160, np.int16)))
    assert t.discarded_samples == 160


async def test_a_socket_that_never_starts_is_closed() -> None:
    ran: list[AudioTransport] = []

    async def run(transport: AudioTransport) -> SessionMetrics:
        ran.append(transport)
        return SessionMetrics(session_id="never")

    async def handler(ws: Any) -> None:
        await serve_twilio(ws, run, start_timeout_s=0.3)

    async with serve(handler, "127.0.0.1", 0) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/telephony/twilio") as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call"}))
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1008
            assert "no 'start' event within 0.3 s" in (ws.close_reason or "")
    assert ran == []
