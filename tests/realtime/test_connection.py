"""The websocket session base: handshake errors, backoff, close handling, redacted logs."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import pytest
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from vona import RealtimeError, SessionConfig, UnknownEvent
from vona.adapters.openai_realtime import OpenAIRealtimeBackend
from vona.adapters.openai_realtime.fake import OpenAIRealtimeFake
from vona.errors import BackendError, ConfigError
from vona.realtime import ReconnectPolicy, WebSocketSession
from vona.testing.loopback import FakeScript


class EchoSession(WebSocketSession):
    """A minimal protocol: every JSON object comes back as an UnknownEvent."""

    provider = "echo"

    async def on_open(self, ws: Any, *, resumed: bool) -> None:
        await ws.send(json.dumps({"hello": resumed}))

    def handle_message(self, message: dict[str, Any]) -> list[Any]:
        return [UnknownEvent(event_type="echo", raw=message)]


def test_policy_delays_grow_and_cap():
    policy = ReconnectPolicy(max_attempts=6, initial_delay_s=1, max_delay_s=4, jitter=0)
    assert list(policy.delays()) == [1, 2, 4, 4, 4, 4]
    jittered = list(ReconnectPolicy(max_attempts=50, initial_delay_s=1, jitter=0.2).delays())
    assert all(0.8 <= d <= 1.2 for d in jittered[:1])
    assert list(ReconnectPolicy(max_attempts=0).delays()) == []


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(401, False), (403, False), (404, False), (429, True), (500, True), (503, True)],
)
async def test_handshake_status_maps_to_retryable(status, retryable):
    def reject(connection: Any, request: Any) -> Response:
        body = json.dumps({"error": {"message": f"status {status} for key sk-123"}}).encode()
        return Response(status, "x", Headers({"Content-Length": str(len(body))}), body)

    async with serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_request=reject) as srv:
        port = srv.sockets[0].getsockname()[1]
        from vona.realtime import ApiKey

        session = EchoSession(url=f"ws://127.0.0.1:{port}/", secrets=(ApiKey("sk-123"),))
        with pytest.raises(BackendError) as info:
            await session.start()
    assert info.value.retryable is retryable
    assert f"HTTP {status}" in str(info.value)
    assert "sk-123" not in str(info.value)
    assert "***" in str(info.value)


async def test_connection_refused_is_retryable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    session = EchoSession(url=f"ws://127.0.0.1:{port}/", open_timeout_s=2)
    with pytest.raises(BackendError) as info:
        await session.start()
    assert info.value.retryable is True


async def test_bad_url_is_a_config_error():
    with pytest.raises(ConfigError, match="URL"):
        await EchoSession(url="not a url").start()


async def test_normal_server_close_ends_events_and_a_policy_close_is_fatal():
    async def handler(ws: Any) -> None:
        await ws.recv()
        await ws.send(json.dumps({"n": 1}))
        await ws.close(1008, "policy")

    async with serve(handler, "127.0.0.1", 0) as srv:
        port = srv.sockets[0].getsockname()[1]
        session = EchoSession(url=f"ws://127.0.0.1:{port}/")
        await session.start()
        events = [e async for e in session.events()]
    assert isinstance(events[0], UnknownEvent)
    assert isinstance(events[1], RealtimeError)
    assert events[1].fatal
    assert "1008" in events[1].message
    with pytest.raises(BackendError):
        await session.send_json({"x": 1})


async def test_reconnect_gives_up_after_max_attempts():
    connections = 0

    async def handler(ws: Any) -> None:
        nonlocal connections
        connections += 1
        await ws.recv()
        if connections == 1:
            await ws.close(1011, "boom")
        else:
            await ws.close(1011, "still broken")

    async with serve(handler, "127.0.0.1", 0) as srv:
        port = srv.sockets[0].getsockname()[1]
        policy = ReconnectPolicy(max_attempts=2, initial_delay_s=0.01)
        session = EchoSession(url=f"ws://127.0.0.1:{port}/", reconnect=policy)
        await session.start()
        events = await asyncio.wait_for(_all(session), 5)
    kinds = [(type(e).__name__, getattr(e, "code", None)) for e in events]
    assert kinds.count(("RealtimeError", "reconnected")) == 2
    assert kinds[-1] == ("RealtimeError", "connection_closed")
    assert events[-1].fatal


async def _all(session: Any) -> list[Any]:
    return [e async for e in session.events()]


async def test_keys_never_reach_logs_errors_or_reprs(caplog):
    secret = "sk-never-print-me"
    caplog.set_level(logging.DEBUG)
    async with OpenAIRealtimeFake(
        api_key=secret, script=FakeScript(malformed_after_setup=True)
    ) as fake:
        backend = OpenAIRealtimeBackend(api_key=secret, base_url=fake.base_url)
        session = await backend.connect(SessionConfig())
        events = []
        async for event in session.events():
            events.append(event)
            if isinstance(event, RealtimeError):
                break
        await session.close()
        wrong = OpenAIRealtimeBackend(api_key=secret + "x", base_url=fake.base_url)
        with pytest.raises(BackendError) as info:
            await wrong.connect(SessionConfig())
    assert "> Authorization: Bearer ***" in caplog.text  # websockets' debug log, redacted
    assert secret not in caplog.text
    assert secret not in repr(backend)
    assert secret not in repr(wrong)
    assert secret not in str(info.value)
    assert all(secret not in repr(e) for e in events)
