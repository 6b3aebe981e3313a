"""Property tests of the HTTP/1.1 parser: split invariance and no crash on any bytes."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vona.sidecar.http11 import HttpLimits, HttpServer, Request, Response, _Connection


class _FakeTransport(asyncio.Transport):
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

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _echo(req: Request) -> Response:
    return Response(200, f"{req.method} {req.path} {req.body!r}".encode())


def _feed(chunks: list[bytes]) -> tuple[bytes, bool]:
    async def run() -> tuple[bytes, bool]:
        server = HttpServer(_echo, HttpLimits(max_body_bytes=256, max_header_bytes=512))
        conn = _Connection(server)
        t = _FakeTransport()
        conn.connection_made(t)
        for c in chunks:
            if t.closed:
                break
            conn.data_received(c)
        conn.connection_lost(None)
        return bytes(t.out), t.closed

    return asyncio.run(run())


def _requests(bodies: list[bytes]) -> bytes:
    return b"".join(
        b"POST /p%d HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (i, len(b), b)
        for i, b in enumerate(bodies)
    )


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=False)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=4), st.lists(st.integers(0, 400)))
def test_any_split_gives_the_same_responses(bodies: list[bytes], cuts: list[int]) -> None:
    data = _requests(bodies)
    whole, _ = _feed([data])
    assert whole.count(b"HTTP/1.1 200 OK") == len(bodies)
    assert _feed(_split(data, cuts))[0] == whole


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=4))
def test_garbage_never_crashes(chunks: list[bytes]) -> None:
    out, closed = _feed([b"POST /x HTTP/1.1\r\n", *chunks])
    # Either still waiting for more bytes, or answered: every answer is a status line.
    assert not out or out.startswith(b"HTTP/1.1 ")
    if closed and out:
        assert b"HTTP/1.1 4" in out or b"HTTP/1.1 5" in out or b"HTTP/1.1 200" in out
