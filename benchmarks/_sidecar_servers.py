"""Servers for the sidecar benchmarks, each run in its own process pinned to one core.

``python benchmarks/_sidecar_servers.py KIND --core N [--ipc PATH]`` serves the
passthrough backend and prints ``READY <http port>``; it stops when stdin closes.

- ``vona``: the real sidecar (``vona.sidecar.Sidecar``: own HTTP/1.1 server + IPC).
- ``baseline``: the plain-Python way: asyncio streams + cbor2 + struct, speaking the
  same IPC messages and HTTP routes, so the same clients drive both.
- ``uvicorn``: uvicorn (httptools) with a minimal ASGI app over the same routes (only
  for the HTTP server choice; needs uvicorn installed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import struct
import sys
from typing import Any

import numpy as np

from vona import AudioInputFrame, PassthroughStsBackend, SessionConfig


class _BaselineSessions:
    def __init__(self) -> None:
        self.backend = PassthroughStsBackend()
        self.sessions: dict[str, Any] = {}
        self.next = 0

    async def start(self) -> str:
        self.next += 1
        sid = f"s{self.next}"
        self.sessions[sid] = await self.backend.start_session(SessionConfig())
        return sid

    async def step(self, sid: str, f: dict[str, Any]) -> dict[str, Any]:
        samples = np.frombuffer(f["pcm"], dtype="<i2")
        frame = AudioInputFrame(f["seq"], f["rate"], f["ch"], samples)
        step = await self.backend.step(self.sessions[sid], frame)
        audio = [
            {
                "seq": o.sequence,
                "rate": o.sample_rate_hz,
                "ch": o.channels,
                "pcm": o.samples.tobytes(),
                "filler": o.is_filler,
            }
            for o in step.output_audio
        ]
        return {"audio": audio, "events": []}


async def _baseline(ipc: str | None) -> int:
    import cbor2

    table = _BaselineSessions()
    caps = {"name": "passthrough", "input_sample_rate_hz": 16000, "frame_samples": 320}

    async def ipc_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (n,) = struct.unpack(">I", await reader.readexactly(4))
                msg = cbor2.loads(await reader.readexactly(n))
                op = msg["op"]
                if op == "step":
                    result: Any = await table.step(msg["session"], msg["frame"])
                elif op == "start":
                    result = {"session": await table.start()}
                elif op == "hello":
                    result = {"protocol": 1, "capabilities": caps}
                else:
                    table.sessions.pop(msg.get("session"), None)
                    result = None
                body = cbor2.dumps({"id": msg["id"], "result": result})
                writer.write(struct.pack(">I", len(body)) + body)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def http_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                _method, path, _ = head[0].split(" ")
                headers = {}
                for line in head[1:]:
                    if line:
                        k, _, v = line.partition(":")
                        headers[k.lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                ctype = "application/json"
                if path.endswith("/step"):
                    sid = path.split("/")[3]
                    out = cbor2.dumps(await table.step(sid, cbor2.loads(body)))
                    status, ctype = "200 OK", "application/cbor"
                elif path == "/v1/sessions":
                    # A key like the sidecar's, so both get the same step requests.
                    sid = (await table.start()).encode()
                    out = b'{"session_id": "%s", "session_key": "%s"}' % (sid, sid * 2)
                    status = "201 Created"
                elif path == "/v1/capabilities":
                    import json

                    out, status = json.dumps(caps).encode(), "200 OK"
                else:
                    table.sessions.pop(path.rsplit("/", 1)[-1], None)
                    out, status = b"", "204 No Content"
                hdr = (
                    f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(out)}\r\n\r\n"
                )
                writer.write(hdr.encode() + out)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            writer.close()

    http = await asyncio.start_server(http_conn, "127.0.0.1", 0)
    if ipc:
        await asyncio.start_unix_server(ipc_conn, ipc)
    return int(http.sockets[0].getsockname()[1])


async def _vona(ipc: str | None) -> tuple[int, Any]:
    from vona.sidecar import Sidecar, SidecarSettings

    settings = SidecarSettings(
        port=0, ipc_path=ipc, max_sessions=4096, idle_timeout_s=0, max_creates_per_s=0
    )
    sidecar = Sidecar(PassthroughStsBackend(), settings)
    await sidecar.start()
    assert sidecar.address is not None
    return sidecar.address[1], sidecar


def _uvicorn_app() -> Any:
    """A minimal ASGI app over the sidecar's own routes (SidecarApp)."""
    from vona.remote.session_host import SessionHost
    from vona.sidecar.app import SidecarApp
    from vona.sidecar.http11 import Request

    app = SidecarApp(SessionHost(PassthroughStsBackend(), max_sessions=4096, idle_timeout_s=0))

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        req = Request(scope["method"], scope["path"], "", headers, b"".join(chunks))
        resp = await app(req)
        out_headers = [
            (b"content-type", resp.content_type.encode()),
            (b"content-length", str(len(resp.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": resp.status, "headers": out_headers})
        await send({"type": "http.response.body", "body": resp.body})

    return asgi


async def _main(kind: str, ipc: str | None) -> None:
    keep: Any = None
    if kind == "vona":
        port, keep = await _vona(ipc)
    elif kind == "baseline":
        port = await _baseline(ipc)
    else:
        import socket

        import uvicorn

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        # host/port, not sockets=[...]: asyncio sets TCP_NODELAY only on sockets it makes
        # with proto IPPROTO_TCP, and Nagle + delayed ACK would add ~40 ms per response.
        config = uvicorn.Config(
            _uvicorn_app(),
            host="127.0.0.1",
            port=port,
            http="httptools",
            loop="asyncio",
            log_level="error",
            lifespan="off",
        )
        server = uvicorn.Server(config)
        keep = asyncio.get_running_loop().create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
            await asyncio.sleep(0.01)
    print(f"READY {port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    del keep


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["vona", "baseline", "uvicorn"])
    p.add_argument("--core", type=int, default=0)
    p.add_argument("--ipc")
    a = p.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {a.core})
    asyncio.run(_main(a.kind, a.ipc))
