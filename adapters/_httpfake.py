"""The loopback HTTP/1.1 server the hosted REST fakes build on (h11 parses the wire).

A fake listens on 127.0.0.1 at an ephemeral port while its ``async with`` block runs,
records every request, and answers each with ``reply(request)``: a status, headers and
a body given as chunks (an async iterator streams them with chunked transfer encoding, as
the providers stream). A client that hangs up before the body is complete is counted in
``aborted`` (that is how tests see a cancelled LLM stream being closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import h11

__all__ = ["HttpReply", "HttpRequest", "LoopbackHttp", "json_reply"]


@dataclass(frozen=True)
class HttpRequest:
    """One request the fake received (header names lower-case)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReply:
    """An answer: ``body`` is bytes, or an async iterator of chunks (streamed chunked).
    ``drop_after``: hang up after that many chunks (a dropped connection)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | AsyncIterator[bytes] = b""
    drop_after: int | None = None


def json_reply(status: int, obj: Any) -> HttpReply:
    return HttpReply(status, {"content-type": "application/json"}, json.dumps(obj).encode())


class LoopbackHttp(ABC):
    """Base of the REST fakes: ``async with Fake() as fake: fake.base_url``."""

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []
        self.aborted = 0
        self.completed = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> LoopbackHttp:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)
            self._server = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not running (use it in 'async with')")
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    @abstractmethod
    async def reply(self, request: HttpRequest) -> HttpReply:
        """The answer to one request."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request = await self._read_request(conn, reader)
                if request is None:
                    return
                self.requests.append(request)
                answer = await self.reply(request)
                if not await self._write(conn, reader, writer, answer):
                    return
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            return
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> HttpRequest | None:
        head: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and conn.their_state is h11.IDLE:
                    return None
                continue
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert head is not None
                parts = urlsplit(head.target.decode())
                headers = {k.decode().lower(): v.decode() for k, v in head.headers}
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                return HttpRequest(head.method.decode(), parts.path, query, headers, bytes(body))
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _write(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        answer: HttpReply,
    ) -> bool:
        headers = [(k, v) for k, v in answer.headers.items()]
        if isinstance(answer.body, bytes):
            headers.append(("content-length", str(len(answer.body))))
            writer.write(conn.send(h11.Response(status_code=answer.status, headers=headers)))
            writer.write(conn.send(h11.Data(data=answer.body)))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            self.completed += 1
            return True
        headers.append(("transfer-encoding", "chunked"))
        writer.write(conn.send(h11.Response(status_code=answer.status, headers=headers)))
        await writer.drain()
        # the client hanging up mid-body ends the stream: watch the read side meanwhile
        hangup = asyncio.ensure_future(reader.read(65536))
        sent = 0
        try:
            async for chunk in _until(answer.body, hangup):
                if answer.drop_after is not None and sent >= answer.drop_after:
                    writer.transport.abort()
                    return False
                writer.write(conn.send(h11.Data(data=chunk)))
                await writer.drain()
                sent += 1
            if hangup.done():
                self.aborted += 1
                return False
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            self.completed += 1
            return True
        except ConnectionError:
            self.aborted += 1
            return False
        finally:
            if not hangup.done():
                hangup.cancel()
                # the read must be over before the next request is read
                with contextlib.suppress(asyncio.CancelledError):
                    await hangup
            elif not hangup.cancelled() and hangup.exception() is None and hangup.result():
                conn.receive_data(hangup.result())  # a pipelined next request


async def _until(chunks: AsyncIterator[bytes], stop: asyncio.Future[bytes]) -> AsyncIterator[bytes]:
    """The chunks until ``stop`` completes (the client hung up)."""
    it = chunks.__aiter__()
    while True:
        nxt = asyncio.ensure_future(it.__anext__())
        await asyncio.wait({nxt, stop}, return_when=asyncio.FIRST_COMPLETED)
        if not nxt.done():
            nxt.cancel()
            with contextlib.suppress(BaseException):
                await nxt
            return
        try:
            yield nxt.result()
        except StopAsyncIteration:
            return
