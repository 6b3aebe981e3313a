"""Client side of the sidecar benchmarks: server processes, a lean HTTP client, load loops.

Every loop here is bounded in count and in time, and talks only to 127.0.0.1 or a Unix
socket in a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import cbor2
import numpy as np

HERE = Path(__file__).resolve().parent
FRAME_PCM = np.arange(-160, 160, dtype="<i2").tobytes()  # 20 ms at 16 kHz, 640 B


class ServerProcess:
    """``_sidecar_servers.py KIND`` in a subprocess pinned to ``core``."""

    def __init__(self, kind: str, *, core: int = 0, ipc: str | None = None) -> None:
        args = [sys.executable, str(HERE / "_sidecar_servers.py"), kind, "--core", str(core)]
        if ipc:
            args += ["--ipc", ipc]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            self.close()
            raise RuntimeError(f"{kind} server did not start: {line!r}")
        self.port = int(line.split()[1])

    def cpu_ns(self) -> int:
        """CPU time the server has used so far (all threads), in ns: a measure of its cost
        that other processes' load on a shared machine does not distort."""
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
        return total

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class RawHttp(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time, minimal parsing (so
    the client costs little next to the server under test)."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None
        self.transport: asyncio.Transport | None = None

    @classmethod
    async def open(cls, port: int) -> RawHttp:
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(cls, "127.0.0.1", port)
        return proto

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        head = bytes(self.buf[:end]).lower()
        i = head.find(b"content-length:")
        n = (
            int(head[i + 15 : head.find(b"\r\n", i) if head.find(b"\r\n", i) > 0 else end])
            if i >= 0
            else 0
        )
        if len(self.buf) >= end + 4 + n:
            body = bytes(self.buf[end + 4 : end + 4 + n])
            del self.buf[: end + 4 + n]
            self.waiter.set_result(body)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("closed"))

    async def request(self, data: bytes) -> bytes:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        try:
            return await asyncio.wait_for(self.waiter, 5.0)
        finally:
            self.waiter = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def http_request(
    method: str, path: str, body: bytes = b"", ctype: str = "application/cbor", key: str = ""
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: b\r\nContent-Type: {ctype}\r\n"
    if key:
        head += f"X-Vona-Session-Key: {key}\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def session_of(body: bytes) -> tuple[str, str]:
    """The session id and key of a ``POST /v1/sessions`` reply (the key may be absent)."""
    sid = body.split(b'"session_id": "')[1].split(b'"')[0].decode()
    if b"session_key" not in body:
        return sid, ""
    return sid, body.split(b'"session_key": "')[1].split(b'"')[0].decode()


async def http_session(port: int) -> tuple[RawHttp, bytes]:
    """A new session on its own connection, and the bytes of one step request for it."""
    conn = await RawHttp.open(port)
    body = await conn.request(http_request("POST", "/v1/sessions", b"{}", "application/json"))
    sid, key = session_of(body)
    step = cbor2.dumps({"seq": 1, "rate": 16000, "ch": 1, "pcm": FRAME_PCM})
    return conn, http_request("POST", f"/v1/sessions/{sid}/step", step, key=key)


def percentiles(ns: list[float]) -> tuple[float, float]:
    s = sorted(ns)
    return statistics.median(s), s[min(len(s) - 1, int(len(s) * 0.99))]


async def sequential(call: Callable[[], Awaitable[object]], n: int = 2000) -> tuple[float, float]:
    """p50 and p99 ns of ``n`` calls one after another (after a warm-up)."""
    for _ in range(200):
        await call()
    lat = []
    perf = time.perf_counter_ns
    for _ in range(n):
        t0 = perf()
        await call()
        lat.append(perf() - t0)
    return percentiles(lat)


@dataclass
class LoadResult:
    sessions: int
    steps: int
    errors: int
    p50_ms: float
    p99_ms: float
    client_cpu: float = 0.0  # the load generator's CPU time / wall time (1.0 = a full core)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.p99_ms < 20.0


def pin_client(core: int = 1) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > core:
        os.sched_setaffinity(0, {core})
