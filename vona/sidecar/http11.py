"""A small, strict asyncio HTTP/1.1 server: keep-alive, Content-Length bodies only.

Built on ``asyncio.Protocol`` (no stream wrappers) because the sidecar's unit of work is
one small step request every 20 ms per session: the fixed cost per request is what
matters (docs/architecture.md has the measurement against uvicorn). What it accepts:

- ``HTTP/1.1`` and ``HTTP/1.0`` requests with a body only through ``Content-Length``
  (``Transfer-Encoding`` is refused with 501), request heads up to ``max_header_bytes``,
  bodies up to ``max_body_bytes`` (413), pipelined requests answered in order;
- a whole request must arrive within ``request_timeout_s`` once started (408), a new
  connection must send its first request within the same time, and an idle keep-alive
  connection is closed after ``keepalive_timeout_s``;
- header values with a bare CR, LF or NUL, and a ``Content-Length`` that is not ASCII
  digits, are refused (400): a proxy in front must never see another request boundary;
- at ``max_connections`` a new connection sheds the oldest idle one; when none is idle,
  up to ``probe_connections`` more are admitted for probe paths only, so health checks
  always answer;
- one connection runs at most ``_TURN`` pipelined requests per event-loop turn, so a
  pipelining client cannot delay the steps of others.

Any malformed request gets a JSON error body and the connection is closed; other
connections never notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from vona._eager import start_eagerly
from vona.errors import ConfigError

__all__ = ["HttpLimits", "HttpServer", "Request", "Response", "error_response"]

log = logging.getLogger("vona.sidecar.http")

_HEAD_200 = b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
_REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are lower-case; ``body`` is the whole body."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    peer: str = ""  # the client's address (host only)


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Awaitable[Response]]


def error_response(
    status: int, message: str, *, retryable: bool = False, kind: str = ""
) -> Response:
    """A JSON error body: ``{"error": {"type", "message", "retryable"}}``."""
    err = {
        "type": kind or _REASONS.get(status, "Error"),
        "message": message,
        "retryable": retryable,
    }
    return Response(status, json.dumps({"error": err}).encode())


@dataclass(frozen=True, slots=True)
class HttpLimits:
    max_header_bytes: int = 16 * 1024
    max_headers: int = 64
    max_body_bytes: int = 1 << 20
    request_timeout_s: float = 10.0
    keepalive_timeout_s: float = 75.0
    max_connections: int = 1024
    probe_connections: int = 16
    probe_paths: frozenset[str] = frozenset({"/healthz", "/readyz", "/metrics"})

    def __post_init__(self) -> None:
        for name in ("max_header_bytes", "max_headers", "max_body_bytes", "max_connections"):
            if getattr(self, name) < 1:
                raise ConfigError(f"HttpLimits.{name} must be at least 1")
        if self.request_timeout_s <= 0 or self.keepalive_timeout_s <= 0:
            raise ConfigError("HttpLimits timeouts must be positive")


_TURN = 4  # pipelined requests one connection may run per event-loop turn


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Connection(asyncio.Protocol):
    def __init__(self, server: HttpServer) -> None:
        self._server = server
        self._limits = server.limits
        self._loop = asyncio.get_running_loop()
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None
        self._busy = False
        self._closing = False
        self._sent_continue = False
        # One lazily re-armed timer per connection: requests only move the deadline, so
        # the hot path creates no TimerHandle (see _arm / _on_timer).
        self._timer: asyncio.TimerHandle | None = None
        self._deadline: float | None = None
        self._in_request = False  # the request timeout runs from a request's first byte
        self._task: asyncio.Task[None] | None = None
        self._deferred = False  # a call_soon will go on with the pipelined requests
        self._probe_only = False
        self.peer = ""

    # -- asyncio.Protocol -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        server = self._server
        limits = self._limits
        if len(server._conns) >= limits.max_connections and not server._shed_idle():
            if len(server._conns) >= limits.max_connections + limits.probe_connections:
                self._fail(503, "too many connections")
                return
            self._probe_only = True
        server._conns.add(self)
        server._idle_conns[self] = None
        # The first request is due within the request timeout, not the keep-alive one.
        self._arm(limits.request_timeout_s)

    def data_received(self, data: bytes) -> None:
        self._buf += data
        self._server._idle_conns.pop(self, None)
        if self._busy or self._deferred:
            # Pipelined bytes while a handler runs: stop reading past one more request.
            limit = self._limits.max_header_bytes + self._limits.max_body_bytes
            if len(self._buf) > limit and self._transport is not None:
                self._transport.pause_reading()
            return
        self._process()

    def eof_received(self) -> bool | None:
        if not self._busy:
            self._close()
        self._closing = True
        return True  # keep the write side open to answer a request in flight

    def connection_lost(self, exc: Exception | None) -> None:
        self._server._conns.discard(self)
        self._server._idle_conns.pop(self, None)
        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._server._maybe_idle()

    # -- request cycle ----------------------------------------------------------------
    def _process(self) -> None:
        served = 0
        while not self._busy and not self._closing:
            if not self._buf:
                self._server._idle_conns[self] = None
                self._arm(self._limits.keepalive_timeout_s)
                return
            if served == _TURN:  # let other connections' requests run first
                self._deferred = True
                self._loop.call_soon(self._go_on)
                return
            served += 1
            try:
                req, keep_alive = self._parse()
            except _BadRequest as exc:
                self._fail(exc.status, str(exc))
                return
            if req is None:
                if not self._in_request:  # trickling bytes must not extend the deadline
                    self._in_request = True
                    self._arm(self._limits.request_timeout_s)
                return
            self._in_request = False
            self._busy = True
            self._disarm()
            self._task = None
            # Most steps never wait: answer them in this loop turn, without a task.
            self._task = start_eagerly(self._serve(req, keep_alive), self._loop)
            if self._task is not None:
                return  # _serve goes on with the next request when it is done

    def _go_on(self) -> None:
        self._deferred = False
        if not self._busy:
            self._process()

    async def _serve(self, req: Request, keep_alive: bool) -> None:
        if self._probe_only:
            keep_alive = False
            if req.path not in self._limits.probe_paths:
                self._write(error_response(503, "too many connections"), False)
                self._busy = False
                self._close()
                return
        try:
            resp = await self._server.handler(req)
        except asyncio.CancelledError:
            return
        except Exception:
            log.exception("handler failed on %s %s", req.method, req.path)
            resp = error_response(500, "internal error")
        keep_alive = keep_alive and not self._closing and not self._server._stopping
        self._write(resp, keep_alive)
        self._busy = False
        resumed, self._task = self._task is not None, None
        if not keep_alive:
            self._close()
            return
        if self._transport is not None:
            self._transport.resume_reading()
        if resumed:  # ran as a task: _process is not on the stack, so carry on here
            self._process()
        self._server._maybe_idle()

    def _parse(self) -> tuple[Request | None, bool]:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > self._limits.max_header_bytes:
                raise _BadRequest(
                    431, f"request head exceeds {self._limits.max_header_bytes} bytes"
                )
            return None, False
        if end > self._limits.max_header_bytes:
            raise _BadRequest(431, f"request head exceeds {self._limits.max_header_bytes} bytes")
        head = bytes(buf[:end])
        lines = head.decode("latin-1").split("\r\n")
        # Every CR and LF must belong to a CRLF line end, and no NUL anywhere: a bare one
        # is where a proxy and this parser could disagree on the request's boundaries.
        n = len(lines) - 1
        if head.count(b"\n") != n or head.count(b"\r") != n or b"\0" in head:
            raise _BadRequest(400, "bare CR, LF or NUL in the request head")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[0].isalpha() or not parts[1].startswith("/"):
            raise _BadRequest(400, "malformed request line")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _BadRequest(505, f"unsupported HTTP version {version[:16]!r}")
        if len(lines) - 1 > self._limits.max_headers:
            raise _BadRequest(431, f"more than {self._limits.max_headers} header fields")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip() or " " in name:
                raise _BadRequest(400, "malformed header field")
            key = name.lower()
            value = value.strip()
            if key == "content-length" and key in headers and headers[key] != value:
                raise _BadRequest(400, "conflicting Content-Length headers")
            headers[key] = value
        if "transfer-encoding" in headers:
            raise _BadRequest(501, "Transfer-Encoding is not supported; send Content-Length")
        length_text = headers.get("content-length", "0")
        if not (length_text.isascii() and length_text.isdigit()) or len(length_text) > 18:
            raise _BadRequest(400, "malformed Content-Length")
        length = int(length_text)
        if length > self._limits.max_body_bytes:
            raise _BadRequest(413, f"body exceeds max_body_bytes={self._limits.max_body_bytes}")
        total = end + 4 + length
        if len(buf) < total:
            expect = headers.get("expect", "").lower() == "100-continue"
            if expect and not self._sent_continue and self._transport is not None:
                self._sent_continue = True
                self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return None, False
        body = bytes(buf[end + 4 : total])
        del buf[:total]
        self._sent_continue = False
        conn = headers.get("connection", "").lower()
        keep_alive = conn != "close" if version == "HTTP/1.1" else conn == "keep-alive"
        path, _, query = target.partition("?")
        return Request(method, path, query, headers, body, self.peer), keep_alive

    # -- output and lifetime ----------------------------------------------------------
    def _write(self, resp: Response, keep_alive: bool) -> None:
        t = self._transport
        if t is None or t.is_closing():
            return
        if resp.status == 200 and keep_alive and not resp.headers:
            # The step reply: one preformatted head, no list of header strings.
            t.write(_HEAD_200 % (resp.content_type.encode("latin-1"), len(resp.body)) + resp.body)
            if t.get_write_buffer_size() > 4 * self._limits.max_body_bytes:
                t.abort()
            return
        head = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Status')}"]
        if resp.status != 204:
            head.append(f"Content-Type: {resp.content_type}")
            head.append(f"Content-Length: {len(resp.body)}")
        head.extend(f"{k}: {v}" for k, v in resp.headers)
        if not keep_alive:
            head.append("Connection: close")
        t.write("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + resp.body)
        if t.get_write_buffer_size() > 4 * self._limits.max_body_bytes:
            # The client is not reading its responses: drop it rather than buffer forever.
            t.abort()

    def _fail(self, status: int, message: str) -> None:
        self._write(error_response(status, message), keep_alive=False)
        self._close()

    def _close(self) -> None:
        self._closing = True
        self._disarm()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def _arm(self, seconds: float) -> None:
        deadline = self._deadline = self._loop.time() + seconds
        timer = self._timer
        if timer is None or deadline < timer.when():
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(deadline, self._on_timer)

    def _disarm(self) -> None:
        self._deadline = None

    def _on_timer(self) -> None:
        self._timer = None
        if self._closing or self._deadline is None:
            return
        if self._loop.time() < self._deadline:  # the deadline moved on: sleep until it
            self._timer = self._loop.call_at(self._deadline, self._on_timer)
            return
        self._deadline = None
        if self._busy:
            return
        if self._buf:
            self._fail(408, f"request not received within {self._limits.request_timeout_s} s")
        else:
            self._close()

    def close_if_idle(self) -> None:
        if not self._busy:
            self._close()

    @property
    def busy(self) -> bool:
        return self._busy


class HttpServer:
    """Serve ``handler`` over HTTP/1.1 on a TCP address (see the module docstring)."""

    def __init__(self, handler: Handler, limits: HttpLimits | None = None) -> None:
        self.handler = handler
        self.limits = limits or HttpLimits()
        self._server: asyncio.Server | None = None
        self._conns: set[_Connection] = set()
        self._idle_conns: dict[_Connection, None] = {}  # idle connections, oldest first
        self._stopping = False
        self._idle = asyncio.Event()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0: any free port); returns the bound address."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), host, port, reuse_address=True, backlog=512
        )
        sock = self._server.sockets[0].getsockname()
        return str(sock[0]), int(sock[1])

    def _shed_idle(self) -> bool:
        """Close the oldest idle connection to make room; False if none is idle."""
        for conn in self._idle_conns:
            del self._idle_conns[conn]
            conn._close()
            self._conns.discard(conn)
            return True
        return False

    @property
    def connections(self) -> int:
        return len(self._conns)

    def _maybe_idle(self) -> None:
        if self._stopping and not any(c.busy for c in self._conns):
            self._idle.set()

    async def close(self, timeout_s: float = 10.0) -> None:
        """Stop listening, finish requests in flight (up to the timeout), close all."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            conn.close_if_idle()
        self._maybe_idle()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        for conn in list(self._conns):
            conn._close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
