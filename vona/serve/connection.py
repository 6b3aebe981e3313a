"""``ServerConnection``: one accepted WebSocket of the server, as route handlers see it.

It is a ``MessageConnection`` (``vona.transports.websocket``): ``recv()`` returns the
next text (``str``) or binary (``bytes``) message and ``None`` once the peer closed,
vanished or broke the protocol (``error`` then says why); ``send`` raises
``ConnectionError`` when the peer is gone. ``async for message in connection`` iterates
until the end. ``path`` and ``query`` are the request's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

__all__ = ["ServerConnection"]


class ServerConnection:
    """An ``aiohttp`` WebSocket response seen as a ``MessageConnection``."""

    def __init__(self, ws: Any, path: str, query: Mapping[str, str]) -> None:
        self._ws = ws
        self.path = path
        self.query = dict(query)
        self.error: str | None = None

    async def recv(self) -> str | bytes | None:
        from aiohttp import WSMsgType

        msg = await self._ws.receive()
        if msg.type == WSMsgType.TEXT:
            text: str = msg.data
            return text
        if msg.type == WSMsgType.BINARY:
            data: bytes = msg.data
            return data
        if msg.type == WSMsgType.ERROR:
            self.error = str(msg.data)
        return None

    async def send(self, message: str | bytes) -> None:
        ws = self._ws
        if ws.closed:
            raise ConnectionError("the WebSocket is closed")
        try:
            if isinstance(message, bytes):
                await ws.send_bytes(message)
            else:
                await ws.send_str(message)
        except (ConnectionError, RuntimeError) as exc:
            raise ConnectionError(str(exc)) from None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self._ws.closed:
            await self._ws.close(code=code, message=reason.encode())

    @property
    def closed(self) -> bool:
        return bool(self._ws.closed)

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str | bytes]:
        while (message := await self.recv()) is not None:
            yield message
