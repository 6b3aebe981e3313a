"""`vona serve` mounts phone calls and WebRTC offers beside /ws (real server, real clock)."""

from __future__ import annotations

import json

import aiohttp
import numpy as np
import websockets

from vona import PassthroughStsBackend
from vona.adapters.twilio.fake import FakeTwilio
from vona.cli.serve import mount_call_routes
from vona.serve import VonaServer


async def test_twiml_points_the_call_at_the_stream_route() -> None:
    server = VonaServer(PassthroughStsBackend())
    mount_call_routes(server)
    port = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/telephony/twilio/twiml"
            async with http.post(url, data=b"CallSid=CA1") as resp:
                assert resp.status == 200
                assert resp.content_type == "text/xml"
                body = await resp.text()
    finally:
        await server.stop()
    assert f'<Stream url="ws://127.0.0.1:{port}/telephony/twilio"/>' in body


async def test_a_call_through_the_served_route_echoes_back() -> None:
    server = VonaServer(PassthroughStsBackend())
    mount_call_routes(server)
    port = await server.start("127.0.0.1", 0)
    tone = (np.sin(np.arange(8000) * 2 * np.pi * 300 / 8000) * 8000).astype(np.int16)
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/telephony/twilio") as ws:
            call = FakeTwilio(ws)
            await call.begin()
            await call.speak(tone)  # 1 s, paced like a phone call
            await call.speak(np.zeros(4000, np.int16))  # listening while the echo ends
            await call.stop()
            await call.done()
    finally:
        await server.stop()
    import base64

    from vona.codec import ulaw_decode

    sent = np.concatenate(
        [ulaw_decode(base64.b64decode(e["media"]["payload"])) for e in call.events("media")]
    )
    # the passthrough's echo of the whole second, through mu-law both ways
    assert sent.size >= 7680
    ref = tone[:4000].astype(float)
    lag = max(range(1600), key=lambda k: float(np.dot(sent[k : k + 4000].astype(float), ref)))
    n = min(sent.size - lag, tone.size)
    # (the echo canceller phone calls get sees the caller's tone come back as the reply and
    # takes some of it out: a passthrough over a phone line is its worst case)
    assert np.corrcoef(sent[lag : lag + n].astype(float), tone[:n].astype(float))[0, 1] > 0.5
    assert call.heard().size > 0


async def test_a_webrtc_offer_that_is_not_sdp_gets_a_400() -> None:
    server = VonaServer(PassthroughStsBackend())
    mount_call_routes(server)
    port = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/webrtc/offer"
            async with http.post(url, data=json.dumps({"sdp": "nonsense", "type": "offer"})) as r:
                assert r.status == 400
                assert "sdp" in (await r.text()).lower()
    finally:
        await server.stop()
