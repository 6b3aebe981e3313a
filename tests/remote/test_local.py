"""Local IPC over real Unix sockets: IpcServer + IpcStsBackend."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

from vona import (
    AudioInputFrame,
    BackendStep,
    ExternalContextEvent,
    PassthroughStsBackend,
    SessionConfig,
    SpeechToSpeechBackend,
    ToolCallRequested,
    TurnEnd,
)
from vona.codec import FrameReader, FrameWriter
from vona.errors import BackendError, ConfigError
from vona.remote.ipc import IpcServer, IpcStsBackend
from vona.remote.session_host import SessionHost


class _Scripted(PassthroughStsBackend):
    """Echo, plus: seq 1000 fails retryably, 1001 fails for good, 1002 sleeps 2 s,
    and every frame with seq % 10 == 9 also returns a tool call and a turn end."""

    async def step(self, session, frame):  # type: ignore[no-untyped-def]
        if frame.sequence == 1000:
            raise BackendError("busy", retryable=True)
        if frame.sequence == 1001:
            raise BackendError("bad key", retryable=False)
        if frame.sequence == 1002:
            await asyncio.sleep(2.0)
        await asyncio.sleep(0.001 * (frame.sequence % 3))  # finish out of order if unordered
        step: BackendStep = await super().step(session, frame)
        if frame.sequence % 10 == 9:
            step.control_events = [ToolCallRequested("c", "t", {"x": 1}), TurnEnd()]
        return step


@pytest.fixture
def sock_path() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="vona-") as d:
        yield str(Path(d) / "ipc.sock")


@pytest.fixture
async def server(sock_path: str) -> AsyncIterator[IpcServer]:
    srv = IpcServer(SessionHost(_Scripted(), max_sessions=8), sock_path, max_frame_bytes=64 * 1024)
    await srv.start()
    yield srv
    await srv.close()


@pytest.fixture
async def client(server: IpcServer) -> AsyncIterator[IpcStsBackend]:
    # generous: CI machines are shared; the timeout path has its own short-timeout client
    async with IpcStsBackend(server.path, timeout_s=10) as c:
        yield c


def _frame(seq: int, n: int = 320) -> AudioInputFrame:
    rng = np.random.default_rng(seq)
    return AudioInputFrame(seq, 16_000, 1, rng.integers(-32768, 32768, n).astype(np.int16), 77)


async def test_round_trip(server: IpcServer, client: IpcStsBackend) -> None:
    assert isinstance(client, SpeechToSpeechBackend)
    assert client.capabilities().name == "passthrough"
    assert stat.S_IMODE(os.stat(server.path).st_mode) == 0o600
    session = await client.start_session(SessionConfig(instructions="x"))
    for seq, n in enumerate([0, 1, 319, 320, 321, 4800]):
        step = await client.step(session, _frame(seq, n))
        (out,) = step.output_audio
        assert out.sequence == seq
        np.testing.assert_array_equal(out.samples, _frame(seq, n).samples)
    step = await client.step(session, _frame(9))
    assert step.control_events == [ToolCallRequested("c", "t", {"x": 1}), TurnEnd()]
    event = ExternalContextEvent.tool_result("c", "t", {"ok": 1})
    await client.inject_event(session, event)
    hosted = server.host._sessions[session.session_id].session
    assert hosted.context == [event]
    await client.end_session(session)
    await client.end_session(session)  # idempotent on the client
    assert len(server.host) == 0


async def test_sessions_share_a_connection_and_keep_order(
    server: IpcServer, client: IpcStsBackend
) -> None:
    sessions = [await client.start_session(SessionConfig()) for _ in range(4)]
    calls = [client.step(s, _frame(i)) for i in range(30) for s in sessions]
    results = await asyncio.gather(*calls)
    assert [r.output_audio[0].sequence for r in results] == [i for i in range(30) for _ in sessions]
    assert len(server._conns) == 1


async def test_far_errors_keep_their_retryable_flag(client: IpcStsBackend) -> None:
    session = await client.start_session(SessionConfig())
    with pytest.raises(BackendError, match="busy") as info:
        await client.step(session, _frame(1000))
    assert info.value.retryable is True
    with pytest.raises(BackendError, match="bad key") as info:
        await client.step(session, _frame(1001))
    assert info.value.retryable is False
    with pytest.raises(BackendError, match="unknown session") as info:
        await client.step(type(session)("missing"), _frame(1))
    assert info.value.retryable is False
    with pytest.raises(BackendError, match="invalid SessionConfig") as info:
        await client._request({"op": "start", "config": {"temperature": 5}}, "start")
    with pytest.raises(BackendError, match="unknown op"):
        await client._request({"op": "dance"}, "dance")
    frame = {"seq": 0, "rate": 16_000, "ch": 1, "pcm": b""}
    with pytest.raises(BackendError, match="'session'"):
        await client._request({"op": "step", "frame": frame}, "step")
    # The connection survived all of that.
    assert (await client.step(session, _frame(3))).output_audio[0].sequence == 3


async def test_timeout_is_retryable_and_late_reply_is_dropped(server: IpcServer) -> None:
    async with IpcStsBackend(server.path, timeout_s=1.0) as client:
        session = await client.start_session(SessionConfig())
        with pytest.raises(BackendError, match="timed out") as info:
            await client.step(session, _frame(1002))  # the backend sleeps 2 s
        assert info.value.retryable is True
        await asyncio.sleep(1.5)  # the late reply arrives and is ignored
        late_ok = await client.step(session, _frame(4))
    assert late_ok.output_audio[0].sequence == 4


async def test_session_limit_is_retryable_on_the_client(server: IpcServer) -> None:
    async with IpcStsBackend(server.path) as c:
        for _ in range(8):
            await c.start_session(SessionConfig())
        with pytest.raises(BackendError, match="max_sessions=8"):
            await c.start_session(SessionConfig())


async def test_closing_a_connection_ends_its_sessions(server: IpcServer) -> None:
    a = IpcStsBackend(server.path)
    b = IpcStsBackend(server.path)
    sa = await a.start_session(SessionConfig())
    sb = await b.start_session(SessionConfig())
    await a.close()
    for _ in range(50):
        if len(server.host) == 1:
            break
        await asyncio.sleep(0.01)
    assert len(server.host) == 1
    assert (await b.step(sb, _frame(1))).output_audio[0].sequence == 1
    with pytest.raises(BackendError, match="not connected"):
        await a.step(sa, _frame(1))
    await b.close()


async def test_garbage_gets_an_error_and_others_are_untouched(
    server: IpcServer, client: IpcStsBackend
) -> None:
    session = await client.start_session(SessionConfig())
    reader, writer = await asyncio.open_unix_connection(server.path)
    writer.write(b"\x7f\xff\xff\xff")  # a frame far over max_frame_bytes
    replies = FrameReader(1 << 16).feed(await asyncio.wait_for(reader.read(65536), 5))
    assert replies[0]["id"] is None
    assert "frame" in replies[0]["error"]["message"]
    assert await asyncio.wait_for(reader.read(1), 5) == b""
    reader, writer = await asyncio.open_unix_connection(server.path)
    writer.write(FrameWriter(1 << 16).write([1, 2, 3]))  # valid CBOR, not a request
    replies = FrameReader(1 << 16).feed(await asyncio.wait_for(reader.read(65536), 5))
    assert "integer 'id'" in replies[0]["error"]["message"]
    writer.close()
    assert (await client.step(session, _frame(5))).output_audio[0].sequence == 5


async def test_server_going_away_is_retryable(sock_path: str) -> None:
    srv = IpcServer(_Scripted(), sock_path)
    await srv.start()
    client = IpcStsBackend(sock_path, timeout_s=2)
    session = await client.start_session(SessionConfig())
    pending = asyncio.create_task(client.step(session, _frame(1002)))
    await asyncio.sleep(0.05)
    await srv.close()
    with pytest.raises(BackendError, match="connection lost") as info:
        await pending
    assert info.value.retryable is True
    assert not os.path.exists(sock_path)  # noqa: ASYNC240
    with pytest.raises(BackendError, match="cannot connect") as info:
        await client.connect()
    assert info.value.retryable is True


async def test_socket_path_rules(sock_path: str) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(sock_path)  # bound, never listening: what a crashed server leaves
    stale.close()
    srv = IpcServer(PassthroughStsBackend(), sock_path)
    await srv.start()
    with pytest.raises(ConfigError, match="in use"):
        await IpcServer(PassthroughStsBackend(), sock_path).start()
    await srv.close()
    Path(sock_path).write_text("not a socket")  # noqa: ASYNC240
    with pytest.raises(ConfigError, match="not a socket"):
        await IpcServer(PassthroughStsBackend(), sock_path).start()


def test_client_needs_connect_for_capabilities(sock_path: str) -> None:
    with pytest.raises(ConfigError, match="connect"):
        IpcStsBackend(sock_path).capabilities()
    with pytest.raises(ConfigError, match="timeout_s"):
        IpcStsBackend(sock_path, timeout_s=0)


async def test_pipelined_requests_in_one_write_get_every_reply_in_order(
    sock_path: str,
) -> None:
    server = IpcServer(PassthroughStsBackend(), sock_path)  # answers without suspending
    await server.start()
    reader, writer = await asyncio.open_unix_connection(server.path)
    fw = FrameWriter(1 << 16)
    writer.write(fw.write({"id": 1, "op": "start", "config": {}}))
    fr = FrameReader(1 << 16)
    started: list[object] = []
    while not started:
        started = fr.feed(await asyncio.wait_for(reader.read(65536), 5))
    sid = started[0]["result"]["session"]  # type: ignore[index]
    pcm = np.arange(7, dtype="<i2").tobytes()
    steps = [
        {
            "id": 10 + k,
            "op": "step",
            "session": sid,
            "frame": {"seq": k, "rate": 16000, "ch": 1, "pcm": pcm, "type": "in"},
        }
        for k in (0, 3, 6, 12, 15)
    ]
    # Five steps and then garbage, all in one write: the five replies come first.
    writer.write(b"".join(fw.write(m) for m in steps) + fw.write([1, 2, 3]))
    replies: list[object] = []
    while len(replies) < 6:
        data = await asyncio.wait_for(reader.read(65536), 5)
        assert data, f"connection closed after {replies}"
        replies += fr.feed(data)
    assert [r["id"] for r in replies[:5]] == [10, 13, 16, 22, 25]  # type: ignore[index]
    seqs = [r["result"]["audio"][0]["seq"] for r in replies[:5]]  # type: ignore[index]
    assert seqs == [0, 3, 6, 12, 15]
    assert replies[5]["id"] is None  # type: ignore[index]
    assert "integer 'id'" in replies[5]["error"]["message"]  # type: ignore[index]
    writer.close()
    await server.close()
