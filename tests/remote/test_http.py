"""HttpStsBackend against a real sidecar on 127.0.0.1, and its failure mapping."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import numpy as np
import pytest

from vona import (
    AudioInputFrame,
    ExternalContextEvent,
    Interruption,
    PassthroughStsBackend,
    SessionConfig,
    SpeechToSpeechBackend,
)
from vona.errors import BackendError, ConfigError
from vona.remote.http import HttpStsBackend
from vona.sidecar import Sidecar, SidecarSettings
from vona.sidecar.http11 import HttpServer, Request, Response, error_response


class _Scripted(PassthroughStsBackend):
    async def step(self, session, frame):  # type: ignore[no-untyped-def]
        if frame.sequence == 1000:
            raise BackendError("busy", retryable=True)
        if frame.sequence == 1001:
            raise BackendError("bad key", retryable=False)
        if frame.sequence == 1002:
            await asyncio.sleep(3.0)
        step = await super().step(session, frame)
        step.control_events = [Interruption(played_ms=5)]
        return step


@pytest.fixture
async def sidecar() -> AsyncIterator[Sidecar]:
    async with Sidecar(_Scripted(), SidecarSettings(port=0, max_sessions=3)) as sc:
        yield sc


def _frame(seq: int, n: int = 320) -> AudioInputFrame:
    rng = np.random.default_rng(seq)
    return AudioInputFrame(seq, 16_000, 1, rng.integers(-32768, 32768, n).astype(np.int16))


async def test_round_trip(sidecar: Sidecar) -> None:
    async with HttpStsBackend(sidecar.url, timeout_s=10) as backend:
        assert isinstance(backend, SpeechToSpeechBackend)
        assert backend.capabilities().name == "passthrough"
        session = await backend.start_session(SessionConfig(voice="x"))
        for seq, n in enumerate([0, 1, 320, 321, 4800]):
            step = await backend.step(session, _frame(seq, n))
            np.testing.assert_array_equal(step.output_audio[0].samples, _frame(seq, n).samples)
            assert step.control_events == [Interruption(played_ms=5)]
        event = ExternalContextEvent.precomputed_reply("hello")
        await backend.inject_event(session, event)
        assert sidecar.host._sessions[session.session_id].session.context == [event]
        await backend.end_session(session)
        assert len(sidecar.host) == 0


async def test_concurrent_sessions_over_keep_alive(sidecar: Sidecar) -> None:
    async with HttpStsBackend(sidecar.url) as backend:
        sessions = [await backend.start_session(SessionConfig()) for _ in range(3)]

        async def run(s: object, base: int) -> list[int]:
            return [
                (await backend.step(s, _frame(base + i))).output_audio[0].sequence  # type: ignore[arg-type]
                for i in range(10)
            ]

        got = await asyncio.gather(*(run(s, 100 * k) for k, s in enumerate(sessions)))
        assert got == [[100 * k + i for i in range(10)] for k in range(3)]
        assert len(sidecar.http._conns) <= 3  # connections were reused


async def test_failures_map_to_retryable(sidecar: Sidecar) -> None:
    async with HttpStsBackend(sidecar.url, timeout_s=1.5) as backend:  # 1002 sleeps 3 s
        session = await backend.start_session(SessionConfig())
        cases = [(1000, True, "HTTP 503"), (1001, False, "HTTP 422"), (1002, True, "timed out")]
        for seq, retryable, match in cases:
            with pytest.raises(BackendError, match=match) as info:
                await backend.step(session, _frame(seq))
            assert info.value.retryable is retryable
        with pytest.raises(BackendError, match="HTTP 404") as info:
            await backend.step(type(session)("gone"), _frame(1))
        assert info.value.retryable is False
        for _ in range(2):
            await backend.start_session(SessionConfig())
        with pytest.raises(BackendError, match="HTTP 503") as info:  # session limit
            await backend.start_session(SessionConfig())
        assert info.value.retryable is True


async def test_auth_failure_is_not_retryable() -> None:
    async with Sidecar(PassthroughStsBackend(), SidecarSettings(port=0, token="tok")) as sc:
        with pytest.raises(BackendError, match="HTTP 401") as info:
            await HttpStsBackend(sc.url).connect()
        assert info.value.retryable is False
        async with HttpStsBackend(sc.url, token="tok") as ok:
            await ok.start_session(SessionConfig())


async def test_connect_error_and_429_are_retryable() -> None:
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = HttpStsBackend(f"http://127.0.0.1:{port}", connect_timeout_s=0.5)
    with pytest.raises(BackendError) as info:
        await backend.connect()
    assert info.value.retryable is True
    await backend.close()

    async def limited(req: Request) -> Response:
        return error_response(429, "slow down")

    srv = HttpServer(limited)
    _, port = await srv.start("127.0.0.1", 0)
    try:
        with pytest.raises(BackendError, match="HTTP 429") as info:
            await HttpStsBackend(f"http://127.0.0.1:{port}").connect()
        assert info.value.retryable is True
    finally:
        await srv.close()


def test_client_settings() -> None:
    with pytest.raises(ConfigError, match="connect"):
        HttpStsBackend("http://127.0.0.1:1").capabilities()
    with pytest.raises(ConfigError, match="positive"):
        HttpStsBackend("http://127.0.0.1:1", timeout_s=0)
