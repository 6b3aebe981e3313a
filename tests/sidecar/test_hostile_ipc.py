"""The IPC server against hostile local clients (issue 13), on real Unix sockets."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import cbor2
import pytest

from vona import AudioInputFrame, PassthroughStsBackend, SessionConfig
from vona.errors import BackendError, ConfigError
from vona.remote.ipc import IpcServer, IpcStsBackend
from vona.remote.session_host import SessionHost

FRAME = AudioInputFrame(1, 16_000, 1, __import__("numpy").zeros(320, dtype="int16"))


def _frame(msg: object) -> bytes:
    body = cbor2.dumps(msg)
    return struct.pack(">I", len(body)) + body


async def _read_frame(reader: asyncio.StreamReader) -> object:
    (n,) = struct.unpack(">I", await asyncio.wait_for(reader.readexactly(4), 10))
    return cbor2.loads(await reader.readexactly(n))


@pytest.fixture
async def server(ipc_path: str) -> AsyncIterator[IpcServer]:
    srv = IpcServer(
        SessionHost(PassthroughStsBackend()),
        ipc_path,
        token="t" * 20,
        max_connections=4,
        frame_timeout_s=0.3,
    )
    await srv.start()
    yield srv
    await srv.close()


async def test_token_is_required(server: IpcServer, ipc_path: str) -> None:
    async with IpcStsBackend(ipc_path, token="t" * 20) as good:
        session = await good.start_session(SessionConfig())
        assert (await good.step(session, FRAME)).output_audio
    for token in (None, "wrong-token-wrong"):
        with pytest.raises(BackendError, match="hello with the token"):
            async with IpcStsBackend(ipc_path, token=token) as bad:
                await bad.start_session(SessionConfig())
    # A raw client that skips the hello is dropped without an answer to its request.
    reader, writer = await asyncio.open_unix_connection(ipc_path)
    writer.write(_frame({"id": 1, "op": "start", "config": {}}))
    reply = await _read_frame(reader)
    assert isinstance(reply, dict)
    assert reply["id"] is None
    assert await reader.read() == b""
    writer.close()
    await asyncio.sleep(0.05)  # the good client's session ends with its connection
    assert len(server.host) == 0
    assert server.host.ended_reasons == {"connection_closed": 1}


async def test_sessions_belong_to_their_connection(server: IpcServer, ipc_path: str) -> None:
    async with (
        IpcStsBackend(ipc_path, token="t" * 20) as owner,
        IpcStsBackend(ipc_path, token="t" * 20) as thief,
    ):
        session = await owner.start_session(SessionConfig())
        with pytest.raises(BackendError, match="unknown session"):
            await thief.step(session, FRAME)
        with pytest.raises(BackendError, match="unknown session"):
            await thief.end_session(type(session)(session.session_id))
        assert (await owner.step(session, FRAME)).output_audio


async def test_partial_frames_time_out_and_connections_are_capped(
    server: IpcServer, ipc_path: str
) -> None:
    # A frame announced at 1 MiB that never completes is dropped after frame_timeout_s.
    reader, writer = await asyncio.open_unix_connection(ipc_path)
    writer.write(struct.pack(">I", 1 << 19) + b"x" * 1000)
    t0 = time.monotonic()
    reply = await _read_frame(reader)
    assert isinstance(reply, dict)
    assert "within the timeout" in reply["error"]["message"]
    assert reply["error"]["retryable"] is True
    assert await asyncio.wait_for(reader.read(), 10) == b""
    assert time.monotonic() - t0 < 10
    writer.close()
    # At most max_connections=4 connections: the fifth is told and closed.
    held = [await asyncio.open_unix_connection(ipc_path) for _ in range(4)]
    await asyncio.sleep(0.05)
    r5, w5 = await asyncio.open_unix_connection(ipc_path)
    refused = await _read_frame(r5)
    assert isinstance(refused, dict)
    assert "too many IPC connections" in refused["error"]["message"]
    w5.close()
    for _, w in held:
        w.close()


def test_directory_must_be_private(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir(mode=0o755)
    open_dir.chmod(0o755)

    async def start(path: Path) -> None:
        srv = IpcServer(PassthroughStsBackend(), path)
        await srv.start()
        await srv.close()

    with pytest.raises(ConfigError, match="mode 0700"):
        asyncio.run(start(open_dir / "s.sock"))
    made = tmp_path / "made"
    asyncio.run(start(made / "s.sock"))
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


_UMASK_SERVER = """
import asyncio, os, sys
os.umask(0)
from vona import PassthroughStsBackend
from vona.remote.ipc import IpcServer

async def main():
    srv = IpcServer(PassthroughStsBackend(), sys.argv[1])
    await srv.start()
    await asyncio.sleep(0.3)
    await srv.close()

asyncio.run(main())
"""


def test_socket_is_private_from_its_first_instant_under_umask_000() -> None:
    with tempfile.TemporaryDirectory(prefix="vona-") as d:
        path = Path(d) / "s.sock"
        for _ in range(3):
            proc = subprocess.Popen([sys.executable, "-c", _UMASK_SERVER, str(path)])
            seen: set[int] = set()
            while proc.poll() is None:
                with contextlib.suppress(FileNotFoundError):
                    seen.add(stat.S_IMODE(os.lstat(path).st_mode))
            assert proc.returncode == 0
            assert seen == {0o600}
