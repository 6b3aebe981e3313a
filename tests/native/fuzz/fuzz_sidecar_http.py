"""Fuzz the sidecar's request path: bytes from a client, split anywhere, through the HTTP
server (httptools) and the sidecar's routes to a passthrough backend.

Input layout: byte 0 picks the split size; the rest is the byte stream of one
connection, in which ``{SID}`` stands for the id of a session that exists. Every
response must be well-formed HTTP/1.1 with a known status, never a 500 (a 5xx tells a
client to retry), and nothing may raise out of the server.
Run under atheris: ``python fuzz_sidecar_http.py -max_total_time=60``.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from vona import PassthroughStsBackend, SessionConfig
from vona.remote.session_host import SessionHost
from vona.sidecar.app import SidecarApp
from vona.sidecar.http11 import HttpLimits, HttpServer, _Connection

_STATUSES = {100, 200, 201, 204, 400, 401, 404, 405, 408, 413, 415, 422, 429, 431, 501, 503, 505}
_STEP = b"\xa4cseq\x01drate\x19>\x80bch\x01cpcmX\x04\x01\x00\x02\x00"  # CBOR {seq, rate, ch, pcm}


def _req(method: str, path: str, body: bytes = b"", ctype: str = "application/json") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: h\r\nContent-Type: {ctype}\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def seeds() -> list[bytes]:
    step = _req("POST", "/v1/sessions/{SID}/step", _STEP, "application/cbor")
    streams = [
        _req("GET", "/healthz") + _req("GET", "/readyz"),
        _req("POST", "/v1/sessions", b'{"instructions": "hi"}') + step + step,
        step + _req("POST", "/v1/sessions/{SID}/events", b'{"kind": "app"}'),
        _req("DELETE", "/v1/sessions/{SID}") + _req("GET", "/v1/capabilities"),
        _req("POST", "/v1/sessions/{SID}/step", b'{"seq":1,"rate":16000,"ch":1,"pcm":"AQA="}'),
        _req("POST", "/v1/sessions", b"[" * 3000),
        b"GET / HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
        b"POST /v1/sessions HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n{}{}",
    ]
    return [bytes([c]) + s for s in streams for c in (0x00, 0x07, 0x3F)]


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False

    def write(self, data: Any) -> None:
        self.out += data

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


_LOOP = asyncio.new_event_loop()
_ERRORS: list[dict[str, Any]] = []
_LOOP.set_exception_handler(lambda _loop, ctx: _ERRORS.append(ctx))


def _responses(out: bytes) -> list[int]:
    """The statuses of the responses in ``out``; asserts each is well-formed."""
    statuses = []
    pos = 0
    while pos < len(out):
        end = out.index(b"\r\n\r\n", pos)
        lines = out[pos:end].decode("latin-1").split("\r\n")
        version, status, _ = lines[0].split(" ", 2)
        assert version == "HTTP/1.1", lines[0]
        statuses.append(int(status))
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        pos = end + 4 + length
        assert pos <= len(out)
    return statuses


async def _drive(control: int, stream: bytes) -> bytes:
    host = SessionHost(PassthroughStsBackend(), max_sessions=4, idle_timeout_s=0)
    sid = await host.create(SessionConfig())
    stream = stream.replace(b"{SID}", sid.encode())
    limits = HttpLimits(max_body_bytes=4096, max_header_bytes=2048, request_timeout_s=5)
    server = HttpServer(SidecarApp(host), limits)
    conn = _Connection(server)
    transport = _Transport()
    conn.connection_made(transport)
    step = 1 + (control & 0x3F) * 3
    for i in range(0, len(stream), step):
        if transport.closed:
            break
        conn.data_received(stream[i : i + step])
        for _ in range(3):  # let a deferred turn or a task run
            await asyncio.sleep(0)
    for _ in range(10):
        await asyncio.sleep(0)
    conn.connection_lost(None)
    await host.close(drain_timeout_s=0)
    return bytes(transport.out)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    out = _LOOP.run_until_complete(_drive(data[0], data[1:]))
    assert not _ERRORS, _ERRORS.pop()
    for status in _responses(out):
        assert status in _STATUSES, status


def main() -> None:
    import atheris

    atheris.instrument_func(TestOneInput)
    atheris.instrument_func(_responses)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
