"""A cheap load generator for the sidecar capacity rows: pre-encoded requests, raw
``asyncio.Protocol`` connections, one timer for all sessions.

The capacity question is how many sessions the *server's* core holds, so the client on
the other core must not be what gives out first. A coroutine per session with its own
sleep, timeout and result decoding costs the client about as much per step as the
server; here each step is a due time in one shared schedule, its request bytes are
encoded once up front, requests due together go out in one write per connection, and a
reply only has its id (IPC) or its end (HTTP) looked at. The schedule ticks at most once
a millisecond (``TICK_S``), so a step may leave up to 1 ms after its due time; that delay
is counted in its latency. Each session keeps at most one
step in flight, as a real pipeline does; a step that falls due while the previous one
is outstanding waits, and its latency still counts from its due time (no coordinated
omission). Loopback and temporary Unix sockets only; every run is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

import cbor2
from _sidecar_load import FRAME_PCM, LoadResult, http_request, percentiles, session_of

from vona.codec import FrameReader, FrameWriter

TICK_S = 0.001
_STEP_FRAME = {"type": "in", "seq": 1, "rate": 16000, "ch": 1, "pcm": FRAME_PCM, "ts": 0}


class _Conn(asyncio.Protocol):
    """One connection carrying some sessions; ``done(k)`` is called per reply."""

    def __init__(self, pacer: Pacer, http: bool) -> None:
        self.pacer = pacer
        self.http = http
        self.reader = FrameReader(1 << 20)
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.out: list[bytes] = []
        self.http_session = -1  # the one session of an HTTP connection
        self.replies: dict[int, asyncio.Future[object]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.http:
            self._http_data(data)
            return
        for msg in self.reader.feed(data):
            rid = msg.get("id")
            if "error" in msg or type(rid) is not int:
                self.pacer.errors += 1
                continue
            fut = self.replies.pop(rid, None)
            if fut is not None:
                fut.set_result(msg.get("result"))
            else:
                self.pacer.done(rid)
        self.pacer.flush()

    def _http_data(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            i = self.buf.find(b"Content-Length: ", 0, end)
            n = int(self.buf[i + 16 : self.buf.find(b"\r\n", i)]) if i >= 0 else 0
            if len(self.buf) < end + 4 + n:
                return
            if not self.buf.startswith(b"HTTP/1.1 2"):
                self.pacer.errors += 1
            body = bytes(self.buf[end + 4 : end + 4 + n])
            del self.buf[: end + 4 + n]
            fut = self.replies.pop(0, None)
            if fut is not None:
                fut.set_result(body)
            else:
                self.pacer.done(self.http_session)
                self.pacer.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in self.replies.values():
            if not fut.done():
                fut.set_exception(ConnectionError("closed"))

    async def call(self, rid: int, data: bytes) -> object:
        assert self.transport is not None
        fut = asyncio.get_running_loop().create_future()
        self.replies[rid] = fut
        self.transport.write(data)
        return await asyncio.wait_for(fut, 10.0)


class Pacer:
    """Steps ``n`` sessions at ``rate_hz`` each, staggered evenly over the period."""

    def __init__(self) -> None:
        self.conns: list[_Conn] = []
        self.owner: list[int] = []
        self.requests: list[bytes] = []
        self.waiting: list[deque[float]] = []
        self.in_flight: list[float | None] = []
        self.lat: list[float] = []
        self.errors = 0
        self.dirty: set[_Conn] = set()
        self.loop = asyncio.get_running_loop()
        self.total = 0
        self.all_done = asyncio.Event()

    def load(self, conns: list[_Conn], owner: list[int], requests: list[bytes]) -> None:
        """Session k sends ``requests[k]`` on ``conns[owner[k]]``."""
        self.conns, self.owner, self.requests = conns, owner, requests
        n = len(requests)
        self.waiting = [deque() for _ in range(n)]
        self.in_flight = [None] * n

    def _send(self, k: int, due: float) -> None:
        self.in_flight[k] = due
        conn = self.conns[self.owner[k]]
        conn.out.append(self.requests[k])
        self.dirty.add(conn)

    def done(self, k: int) -> None:
        due = self.in_flight[k]
        if due is None:
            return
        self.lat.append(self.loop.time() - due)
        if len(self.lat) >= self.total:
            self.all_done.set()
        self.in_flight[k] = None
        if self.waiting[k]:
            self._send(k, self.waiting[k].popleft())

    def flush(self) -> None:
        for conn in self.dirty:
            if conn.transport is not None and not conn.transport.is_closing():
                conn.transport.write(b"".join(conn.out))
            conn.out.clear()
        self.dirty.clear()

    async def run(self, rate_hz: float, seconds: float) -> LoadResult:
        n = len(self.requests)
        period = 1.0 / rate_hz
        total = self.total = int(seconds * rate_hz) * n
        loop = self.loop
        start = loop.time() + 0.2
        cpu0, wall0 = time.process_time(), time.perf_counter()
        j = 0

        def tick() -> None:
            nonlocal j
            now = loop.time()
            while j < total and start + period * j / n <= now:
                k = j % n
                due = start + period * j / n
                if self.in_flight[k] is None:
                    self._send(k, due)
                else:
                    self.waiting[k].append(due)
                j += 1
            self.flush()
            if j < total:
                # At most one tick a millisecond: steps due within it go out together.
                loop.call_at(max(start + period * j / n, now + TICK_S), tick)

        loop.call_at(start, tick)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.all_done.wait(), seconds * 4 + 10)
        cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        lost = total - len(self.lat)
        p50, p99 = percentiles(self.lat) if self.lat else (float("inf"), float("inf"))
        return LoadResult(n, len(self.lat), self.errors + lost, p50 * 1e3, p99 * 1e3, cpu)


async def ipc_capacity_load(
    path: str, sessions: int, seconds: float, nconns: int = 4
) -> LoadResult:
    """``sessions`` sessions over ``nconns`` Unix-socket connections."""
    loop = asyncio.get_running_loop()
    pacer = Pacer()
    conns = []
    for _ in range(nconns):
        _, c = await loop.create_unix_connection(lambda: _Conn(pacer, False), path)
        conns.append(c)
    writer = FrameWriter(1 << 20)
    try:
        owner, requests = [], []
        for k in range(sessions):
            c = conns[k % nconns]
            res = await c.call(-1, writer.write({"id": -1, "op": "start", "config": {}}))
            assert isinstance(res, dict), res
            msg = {"id": k, "op": "step", "session": res["session"], "frame": _STEP_FRAME}
            owner.append(k % nconns)
            requests.append(writer.write(msg))
        pacer.load(conns, owner, requests)
        return await pacer.run(50.0, seconds)
    finally:
        for c in conns:
            if c.transport is not None:
                c.transport.close()


async def http_capacity_load(port: int, sessions: int, seconds: float) -> LoadResult:
    """``sessions`` sessions, each on its own keep-alive connection."""
    loop = asyncio.get_running_loop()
    pacer = Pacer()
    conns: list[_Conn] = []
    step = cbor2.dumps({"seq": 1, "rate": 16000, "ch": 1, "pcm": FRAME_PCM})
    try:
        requests = []
        for k in range(sessions):
            _, c = await loop.create_connection(lambda: _Conn(pacer, True), "127.0.0.1", port)
            conns.append(c)
            c.http_session = k
            body = await c.call(0, http_request("POST", "/v1/sessions", b"{}", "application/json"))
            assert isinstance(body, bytes)
            sid, key = session_of(body)
            requests.append(http_request("POST", f"/v1/sessions/{sid}/step", step, key=key))
        pacer.load(conns, list(range(sessions)), requests)
        return await pacer.run(50.0, seconds)
    finally:
        for c in conns:
            if c.transport is not None:
                c.transport.close()
