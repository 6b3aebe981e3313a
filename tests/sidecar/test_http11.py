"""The sidecar's HTTP/1.1 server over real loopback sockets: framing, limits, timeouts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from vona.errors import ConfigError
from vona.sidecar.http11 import HttpLimits, HttpServer, Request, Response


async def _echo(req: Request) -> Response:
    if req.path == "/boom":
        raise RuntimeError("handler bug")
    if req.path == "/slow":
        await asyncio.sleep(0.2)
    body = json.dumps(
        {"method": req.method, "path": req.path, "query": req.query, "len": len(req.body)}
    ).encode()
    return Response(200, body)


@pytest.fixture
async def server() -> AsyncIterator[tuple[HttpServer, int]]:
    srv = HttpServer(
        _echo,
        HttpLimits(
            max_body_bytes=1000, max_header_bytes=600, request_timeout_s=0.3, max_connections=8
        ),
    )
    _, port = await srv.start("127.0.0.1", 0)
    yield srv, port
    await srv.close(timeout_s=1)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if line:
            k, _, v = line.partition(":")
            headers[k.lower()] = v.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def _open(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


def _req(method: str, path: str, body: bytes = b"", extra: str = "") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


async def _closed(reader: asyncio.StreamReader) -> bool:
    return await asyncio.wait_for(reader.read(1), 5) == b""


async def test_keep_alive_and_pipelining(server: tuple[HttpServer, int]) -> None:
    _, port = server
    reader, writer = await _open(port)
    writer.write(_req("POST", "/a?x=1", b"hello"))
    status, headers, body = await _read_response(reader)
    assert status == 200
    assert "connection" not in headers
    assert json.loads(body) == {"method": "POST", "path": "/a", "query": "x=1", "len": 5}
    # Three pipelined requests in one write, split mid-way: answered in order.
    data = _req("POST", "/1", b"a") + _req("GET", "/2") + _req("POST", "/3", b"abc")
    writer.write(data[:7])
    await writer.drain()
    await asyncio.sleep(0.01)
    writer.write(data[7:])
    paths = [json.loads((await _read_response(reader))[2])["path"] for _ in range(3)]
    assert paths == ["/1", "/2", "/3"]
    writer.close()


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (_req("POST", "/x", b"x" * 1001), 413),
        (b"GET /x HTTP/1.1\r\nX-Big: " + b"a" * 700 + b"\r\n\r\n", 431),
        (b"GET /x HTTP/1.1\r\nX-Big: " + b"a" * 700, 431),
        (b"NOT A REQUEST\r\n\r\n", 400),
        (b"GET x HTTP/1.1\r\n\r\n", 400),
        (b"GET /x HTTP/2.0\r\n\r\n", 505),
        (b"GET /x HTTP/1.1\r\nbad header\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
    ],
)
async def test_malformed_requests_get_an_error_and_are_closed(
    server: tuple[HttpServer, int], raw: bytes, status: int
) -> None:
    _, port = server
    reader, writer = await _open(port)
    writer.write(raw)
    got, headers, body = await _read_response(reader)
    assert got == status
    assert headers["connection"] == "close"
    assert json.loads(body)["error"]["message"]
    assert await _closed(reader)
    writer.close()


async def test_slow_request_times_out_with_408(server: tuple[HttpServer, int]) -> None:
    _, port = server
    reader, writer = await _open(port)
    writer.write(b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
    status, _, _ = await _read_response(reader)
    assert status == 408
    assert await _closed(reader)
    writer.close()


async def test_trickled_request_still_times_out(server: tuple[HttpServer, int]) -> None:
    _, port = server
    reader, writer = await _open(port)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    # One byte every 50 ms of a valid request line (httptools refuses "GG..." at once as
    # a bad method): the 0.3 s deadline must not move.
    trickle = b"GET /" + b"a" * 20
    for i in range(20):
        writer.write(trickle[i : i + 1])
        await asyncio.sleep(0.05)
        if reader.at_eof() or reader._buffer:  # type: ignore[attr-defined]
            break
    status, _, _ = await _read_response(reader)
    assert status == 408
    assert loop.time() - t0 < 0.8
    writer.close()


async def test_handler_failure_is_500_and_connection_survives(
    server: tuple[HttpServer, int],
) -> None:
    _, port = server
    reader, writer = await _open(port)
    writer.write(_req("GET", "/boom"))
    assert (await _read_response(reader))[0] == 500
    writer.write(_req("GET", "/ok"))
    assert (await _read_response(reader))[0] == 200
    writer.close()


async def test_connection_close_and_http10(server: tuple[HttpServer, int]) -> None:
    _, port = server
    reader, writer = await _open(port)
    writer.write(_req("GET", "/a", extra="Connection: close\r\n"))
    _, headers, _ = await _read_response(reader)
    assert headers["connection"] == "close"
    assert await _closed(reader)
    reader, writer = await _open(port)
    writer.write(b"GET /a HTTP/1.0\r\n\r\n")
    assert (await _read_response(reader))[0] == 200
    assert await _closed(reader)


async def test_expect_continue(server: tuple[HttpServer, int]) -> None:
    _, port = server
    reader, writer = await _open(port)
    writer.write(b"POST /c HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    assert (
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == b"HTTP/1.1 100 Continue\r\n\r\n"
    )
    writer.write(b"abc")
    status, _, body = await _read_response(reader)
    assert status == 200
    assert json.loads(body)["len"] == 3
    writer.close()


async def test_a_bad_client_does_not_disturb_others(server: tuple[HttpServer, int]) -> None:
    _, port = server
    good_r, good_w = await _open(port)
    bad_r, bad_w = await _open(port)
    _half_r, half_w = await _open(port)
    half_w.write(b"POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial")  # stalls
    bad_w.write(b"\x00\xff garbage\r\n\r\n")
    for i in range(5):
        good_w.write(_req("POST", f"/g{i}", b"x" * i))
        status, _, body = await _read_response(good_r)
        assert status == 200
        assert json.loads(body)["path"] == f"/g{i}"
    assert (await _read_response(bad_r))[0] == 400
    for w in (good_w, bad_w, half_w):
        w.close()


async def test_connection_limit(server: tuple[HttpServer, int]) -> None:
    _, port = server
    conns = [await _open(port) for _ in range(8)]
    for r, w in conns:
        w.write(_req("GET", "/ok"))
        assert (await _read_response(r))[0] == 200
    # Issue 13: at the cap a new connection sheds the oldest idle one instead of being
    # refused (idle keep-alive connections must not starve new clients).
    reader, writer = await _open(port)
    writer.write(_req("GET", "/ok"))
    assert (await _read_response(reader))[0] == 200
    assert await _closed(conns[0][0])
    # With every connection in the middle of a request none can be shed: a newcomer is
    # admitted for the probe paths only.
    live = [*conns[1:], (reader, writer)]
    for _, w in live:
        w.write(b"GET /ok HTTP/1.1\r\n")
    await asyncio.sleep(0.05)
    r9, w9 = await _open(port)
    w9.write(_req("GET", "/ok"))
    assert (await _read_response(r9))[0] == 503
    for _, w in [*conns, (reader, writer), (r9, w9)]:
        w.close()


async def test_close_finishes_requests_in_flight() -> None:
    srv = HttpServer(_echo)
    _, port = await srv.start("127.0.0.1", 0)
    reader, writer = await _open(port)
    idle_r, idle_w = await _open(port)
    writer.write(_req("GET", "/slow"))
    await asyncio.sleep(0.05)
    closing = asyncio.create_task(srv.close(timeout_s=2))
    status, headers, _ = await _read_response(reader)
    assert status == 200
    assert headers["connection"] == "close"
    await closing
    assert await _closed(idle_r)
    with pytest.raises(ConnectionRefusedError):
        await _open(port)
    writer.close()
    idle_w.close()


def test_limits_are_validated() -> None:
    with pytest.raises(ConfigError, match="max_body_bytes"):
        HttpLimits(max_body_bytes=0)
    with pytest.raises(ConfigError, match="timeouts"):
        HttpLimits(request_timeout_s=0)


async def test_idle_keep_alive_connection_is_closed() -> None:
    srv = HttpServer(_echo, HttpLimits(keepalive_timeout_s=0.2, request_timeout_s=5))
    _, port = await srv.start("127.0.0.1", 0)
    try:
        reader, writer = await _open(port)
        for _ in range(3):  # requests well inside the idle time keep it open
            writer.write(_req("GET", "/a"))
            assert (await _read_response(reader))[0] == 200
            await asyncio.sleep(0.1)
        assert await _closed(reader)  # then 0.2 s of silence closes it
        writer.close()
    finally:
        await srv.close(timeout_s=1)
