"""Fair scheduling: one pipelining connection cannot make another wait behind its backlog."""

from __future__ import annotations

import asyncio
import socket
import struct

import cbor2
import numpy as np

from vona import PassthroughStsBackend
from vona.backends.step import BackendStep
from vona.remote.ipc import IpcServer
from vona.remote.session_host import SessionHost
from vona.sidecar.http11 import HttpLimits, HttpServer, Request, Response

BACKLOG = 200


async def test_http_pipelined_backlog_does_not_delay_another_connection() -> None:
    order: list[str] = []

    async def handler(req: Request) -> Response:
        order.append(req.headers["x-who"])
        return Response(200, b"{}")

    srv = HttpServer(handler, HttpLimits())
    _, port = await srv.start("127.0.0.1", 0)
    greedy = socket.create_connection(("127.0.0.1", port))
    quiet = socket.create_connection(("127.0.0.1", port))
    try:
        await asyncio.sleep(0.05)  # both accepted
        req = b"GET /x HTTP/1.1\r\nHost: h\r\nX-Who: %s\r\n\r\n"
        # Both writes land before the server's loop runs again: they are read together.
        greedy.sendall(req % b"greedy" * BACKLOG)
        quiet.sendall(req % b"quiet")
        for _ in range(400):
            await asyncio.sleep(0.01)
            if len(order) == BACKLOG + 1:
                break
        assert len(order) == BACKLOG + 1
        # Without fairness the quiet request would be served after the whole backlog.
        assert order.index("quiet") <= 16
    finally:
        greedy.close()
        quiet.close()
        await srv.close(timeout_s=1)


class _Order:
    def __init__(self) -> None:
        self.steps: list[str] = []

    def session_started(self, session_id: str) -> None: ...

    def step_done(self, session_id: str, step: BackendStep) -> None:
        self.steps.append(session_id)

    def samples_refused(self, samples: int, reason: str) -> None: ...

    def session_ended(self, session_id: str, reason: str) -> None: ...


def _frame(msg: object) -> bytes:
    body = cbor2.dumps(msg)
    return struct.pack(">I", len(body)) + body


def _recv_frame(sock: socket.socket) -> object:
    def exactly(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            assert chunk
            buf += chunk
        return buf

    (n,) = struct.unpack(">I", exactly(4))
    return cbor2.loads(exactly(n))


async def test_ipc_pipelined_backlog_does_not_delay_another_connection(ipc_path: str) -> None:
    order = _Order()
    srv = IpcServer(SessionHost(PassthroughStsBackend(), observers=(order,)), ipc_path)
    await srv.start()
    socks = []
    try:
        sids = []
        for _ in range(2):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(ipc_path)
            s.sendall(_frame({"id": 1, "op": "start", "config": {}}))
            socks.append(s)
        for s in socks:
            await asyncio.sleep(0.05)
            s.setblocking(True)
            reply = await asyncio.to_thread(_recv_frame, s)
            assert isinstance(reply, dict)
            sids.append(reply["result"]["session"])
        pcm = np.zeros(320, dtype="<i2").tobytes()

        def step(i: int, sid: str) -> bytes:
            frame = {"seq": i, "rate": 16_000, "ch": 1, "pcm": pcm}
            return _frame({"id": 10 + i, "op": "step", "session": sid, "frame": frame})

        socks[0].sendall(b"".join(step(i, sids[0]) for i in range(BACKLOG)))
        socks[1].sendall(step(0, sids[1]))
        for _ in range(400):
            await asyncio.sleep(0.01)
            if len(order.steps) == BACKLOG + 1:
                break
        assert len(order.steps) == BACKLOG + 1
        assert order.steps.index(sids[1]) <= 32
    finally:
        for s in socks:
            s.close()
        await srv.close()
