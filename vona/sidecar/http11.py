"""A small, strict asyncio HTTP/1.1 server: keep-alive, Content-Length bodies only.

Built on ``asyncio.Protocol`` (no stream wrappers) because the sidecar's unit of work is
one small step request every 20 ms per session: the fixed cost per request is what
matters (docs/architecture.md has the measurement against uvicorn). Requests are parsed
by httptools (llhttp, the parser of Node.js and uvicorn: strict about line ends, header
characters and ``Content-Length``). Needs the ``sidecar`` extra. What it accepts:

- ``HTTP/1.1`` and ``HTTP/1.0`` requests with a body only through ``Content-Length``
  (``Transfer-Encoding`` is refused with 501), request heads up to ``max_header_bytes``,
  bodies up to ``max_body_bytes`` (413), pipelined requests answered in order;
- a whole request must arrive within ``request_timeout_s`` once started (408), a new
  connection must send its first request within the same time, and an idle keep-alive
  connection is closed after ``keepalive_timeout_s``;
- header values with a bare CR, LF or NUL, a ``Content-Length`` that is not ASCII
  digits or is given twice, are refused (400): a proxy in front must never see another
  request boundary;
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
import collections
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from vona._eager import start_eagerly
from vona.errors import ConfigError

httptools: Any
try:
    import httptools
except ImportError:  # pragma: no cover - exercised only without the extra
    httptools = None

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


def _head_too_large(limits: HttpLimits) -> _BadRequest:
    return _BadRequest(431, f"request head exceeds {limits.max_header_bytes} bytes")


class _Connection(asyncio.Protocol):
    """One client connection: httptools parses, requests run one at a time in order."""

    def __init__(self, server: HttpServer) -> None:
        self._server = server
        self._limits = server.limits
        self._loop = asyncio.get_running_loop()
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        # Parsed requests (or a parse error, last) waiting for their turn.
        self._ready: collections.deque[tuple[Request, bool] | _BadRequest] = collections.deque()
        self._busy = False
        self._closing = False
        self._failed = False  # the parser met an error: no more input is parsed
        # One lazily re-armed timer per connection: requests only move the deadline, so
        # the hot path creates no TimerHandle (see _arm / _on_timer).
        self._timer: asyncio.TimerHandle | None = None
        self._deadline: float | None = None
        self._in_request = False  # the request timeout runs from a request's first byte
        self._task: asyncio.Task[None] | None = None
        self._deferred = False  # a call_soon will go on with the pipelined requests
        self._probe_only = False
        self.peer = ""
        # The message being parsed (httptools callbacks fill these in).
        self._in_message = False
        self._in_head = False
        self._url = b""
        self._headers: dict[str, str] = {}
        self._raw_headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._head_spill = 0  # bytes of an unfinished head seen by earlier reads
        self._consumed = 0  # bytes of this read that callbacks accounted for
        self._feed_len = 0  # bytes of this read

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
        self._server._idle_conns.pop(self, None)
        if self._failed:
            return
        self._consumed = 0
        self._feed_len = len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            ctx = exc.__context__
            self._parse_failed(ctx if isinstance(ctx, _BadRequest) else _BadRequest(400, str(exc)))
        except httptools.HttpParserError as exc:
            self._parse_failed(_BadRequest(400, f"malformed request: {exc}"))
        else:
            if self._in_head:
                # An unfinished head: count its bytes across reads (httptools buffers a
                # header it has not finished), so a never-ending head is refused.
                self._head_spill += len(data) - self._consumed
                if self._head_spill > self._limits.max_header_bytes:
                    self._parse_failed(_head_too_large(self._limits))
        t = self._transport
        if len(self._ready) > 64 and t is not None:
            t.pause_reading()  # a deep pipeline: parse more once it has drained
        if not self._busy and not self._deferred:
            self._process()

    def _parse_failed(self, err: _BadRequest) -> None:
        self._failed = True
        self._ready.append(err)

    def eof_received(self) -> bool | None:
        if not self._busy and not self._ready:
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

    # -- httptools callbacks ----------------------------------------------------------
    def on_message_begin(self) -> None:
        self._in_message = self._in_head = True
        self._url = b""
        self._raw_headers = []
        self._body = []
        self._head_spill = 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        # Only collect here (one call per header on the hot path); on_headers_complete
        # checks the limits. Until then the spill count in data_received bounds memory.
        self._raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._in_head = False
        raw = self._raw_headers
        limits = self._limits
        if len(raw) > limits.max_headers:
            raise _BadRequest(431, f"more than {limits.max_headers} header fields")
        if self._head_spill + self._feed_len > limits.max_header_bytes:
            # Only a head spread over reads or a big read can be too large: count it.
            head_len = len(self._url) + 16 + sum(len(n) + len(v) + 4 for n, v in raw)
            if head_len > limits.max_header_bytes:
                raise _head_too_large(limits)
            self._consumed += head_len - self._head_spill
        self._headers = headers = {n.decode("latin-1").lower(): v.decode("latin-1") for n, v in raw}
        if "transfer-encoding" in headers:
            raise _BadRequest(501, "Transfer-Encoding is not supported; send Content-Length")
        length = headers.get("content-length")
        # (httptools has checked that it is a plain number, given once)
        if length is not None and int(length) > limits.max_body_bytes:
            raise _BadRequest(413, f"body exceeds max_body_bytes={limits.max_body_bytes}")
        version = self._parser.get_http_version()
        if version != "1.1" and version != "1.0":
            raise _BadRequest(505, f"unsupported HTTP version {version[:16]!r}")
        if not self._url.startswith(b"/"):
            raise _BadRequest(400, "malformed request line")
        if (
            "expect" in headers
            and headers["expect"].lower() == "100-continue"
            and length not in (None, "0")
            and self._transport is not None
        ):
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._consumed += len(body)

    def on_message_complete(self) -> None:
        self._in_message = False
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        target = self._url.decode("latin-1")
        path, _, query = target.partition("?")
        method = self._parser.get_method().decode("ascii")
        req = Request(method, path, query, self._headers, body, self.peer)
        self._ready.append((req, self._parser.should_keep_alive()))

    # -- request cycle ----------------------------------------------------------------
    def _process(self) -> None:
        served = 0
        ready = self._ready
        while not self._busy and not self._closing:
            if not ready:
                if self._in_message:
                    if not self._in_request:  # trickling bytes must not extend the deadline
                        self._in_request = True
                        self._arm(self._limits.request_timeout_s)
                else:
                    self._server._idle_conns[self] = None
                    self._arm(self._limits.keepalive_timeout_s)
                    if self._transport is not None:
                        self._transport.resume_reading()
                return
            if served == _TURN:  # let other connections' requests run first
                self._deferred = True
                self._loop.call_soon(self._go_on)
                return
            served += 1
            item = ready.popleft()
            if isinstance(item, _BadRequest):
                self._fail(item.status, str(item))
                return
            req, keep_alive = item
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
        keep_alive = (
            keep_alive and not self._server._stopping and not (self._closing and not self._ready)
        )
        self._write(resp, keep_alive)
        self._busy = False
        resumed, self._task = self._task is not None, None
        if not keep_alive:
            self._close()
            return
        if resumed:  # ran as a task: _process is not on the stack, so carry on here
            self._process()
        self._server._maybe_idle()

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
        if self._in_message:
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
        if httptools is None:
            raise ConfigError("the HTTP server needs httptools: pip install 'vona[sidecar]'")
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
