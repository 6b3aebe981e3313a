"""Local IPC: a backend served over a Unix socket, and ``IpcStsBackend`` to use it.

Both sides speak length-prefixed CBOR frames (``vona.codec.FrameWriter``/``FrameReader``).
Every request carries an integer ``id`` that its reply echoes, so one connection carries
many sessions and many requests in flight; requests of one session run in the order they
were sent, different sessions run concurrently. The messages (docs/architecture.md):

    {"id", "op": "hello"}                          -> {"protocol": 1, "capabilities": {...}}
    {"id", "op": "start", "config": {...}}         -> {"session": str}
    {"id", "op": "step", "session", "frame": {...}} -> {"audio": [...], "events": [...]}
    {"id", "op": "event", "session", "event": {...}} -> None
    {"id", "op": "end", "session"}                 -> None

A reply is ``{"id", "result": ...}`` or ``{"id", "error": {"type", "message",
"retryable"}}``; the client raises the latter as ``BackendError`` with that flag.
Sessions started on a connection end when it closes, and only that connection may use
them. A server with a token wants ``{"op": "hello", "token": str}`` first. The server
lives in ``vona.remote.ipc_server`` (re-exported here).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from vona.backends.step import BackendCapabilities, BackendStep
from vona.codec import FrameReader, FrameWriter
from vona.config import SessionConfig
from vona.errors import BackendError, CodecError, ConfigError, ProtocolError
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame
from vona.remote.ipc_server import DEFAULT_MAX_FRAME_BYTES, IPC_PROTOCOL, IpcServer
from vona.remote.wire import (
    RemoteSession,
    capabilities_from_msg,
    context_to_msg,
    error_from_msg,
    input_frame_to_msg,
    step_from_msg,
)

__all__ = ["IPC_PROTOCOL", "IpcServer", "IpcStsBackend"]

log = logging.getLogger("vona.ipc")


class _ClientProtocol(asyncio.Protocol):
    def __init__(self, client: IpcStsBackend) -> None:
        self._client = client
        self._reader = FrameReader(client.max_frame_bytes)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            messages = self._reader.feed(data)
        except CodecError as exc:
            self._client._fail_all(BackendError(f"IPC server sent a bad frame: {exc}"))
            if self.transport is not None:
                self.transport.close()
            return
        for msg in messages:
            self._client._deliver(msg)

    def connection_lost(self, exc: Exception | None) -> None:
        self._client._fail_all(BackendError("IPC connection lost", retryable=True))


class IpcStsBackend:
    """A ``SpeechToSpeechBackend`` whose sessions live in another process (an
    ``IpcServer``, e.g. ``vona sidecar --ipc PATH``), reached over a Unix socket.

    ``await connect()`` (or the first ``start_session``) opens the connection and fetches
    the far backend's capabilities. Each call waits at most ``timeout_s``; a timeout or a
    lost connection raises ``BackendError(retryable=True)``, and errors raised on the far
    side arrive as ``BackendError`` with their retryable flag. ``token`` is sent in the
    hello when the server wants one.
    """

    vona_contract = "step"  # a step backend, although it has a connect() method

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout_s: float = 10.0,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        token: str | None = None,
    ) -> None:
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or timeout_s <= 0:
            raise ConfigError(f"timeout_s must be a positive number, got {timeout_s!r}")
        if not isinstance(path, str | os.PathLike):
            raise ConfigError(f"path must be a socket path, got {type(path).__name__}")
        self.path = os.fspath(path)
        self.timeout_s = timeout_s
        self.max_frame_bytes = max_frame_bytes
        self._token = token
        self._writer = FrameWriter(max_frame_bytes)
        self._protocol: _ClientProtocol | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._caps: BackendCapabilities | None = None
        self._connecting: asyncio.Lock | None = None

    async def connect(self) -> None:
        """Open the connection (again, after a loss) and fetch the capabilities."""
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._connected():
                return
            loop = asyncio.get_running_loop()
            try:
                _, protocol = await asyncio.wait_for(
                    loop.create_unix_connection(lambda: _ClientProtocol(self), self.path),
                    self.timeout_s,
                )
            except (OSError, asyncio.TimeoutError) as exc:
                raise BackendError(
                    f"cannot connect to IPC socket {self.path!r}: {exc}", retryable=True
                ) from exc
            self._protocol = protocol
            greeting: dict[str, Any] = {"op": "hello"}
            if self._token:
                greeting["token"] = self._token
            hello = await self._request(greeting, "hello")
            if not isinstance(hello, dict) or hello.get("protocol") != IPC_PROTOCOL:
                await self.close()
                raise BackendError(f"IPC server speaks another protocol: {hello!r}"[:300])
            self._caps = capabilities_from_msg(hello.get("capabilities"))

    def _connected(self) -> bool:
        p = self._protocol
        return p is not None and p.transport is not None and not p.transport.is_closing()

    def capabilities(self) -> BackendCapabilities:
        if self._caps is None:
            raise ConfigError("IpcStsBackend: await connect() before asking for capabilities")
        return self._caps

    async def start_session(self, config: SessionConfig) -> RemoteSession:
        if not self._connected():
            await self.connect()
        config_msg = config.model_dump(mode="json")
        result = await self._request({"op": "start", "config": config_msg}, "start_session")
        if not isinstance(result, dict) or not isinstance(result.get("session"), str):
            raise BackendError(f"IPC start_session returned {result!r}"[:300])
        return RemoteSession(result["session"])

    async def step(self, session: RemoteSession, frame: AudioInputFrame) -> BackendStep:
        msg = {"op": "step", "session": session.session_id, "frame": input_frame_to_msg(frame)}
        result = await self._request(msg, "step")
        try:
            return step_from_msg(result)
        except ProtocolError as exc:
            raise BackendError(f"IPC step returned a bad result: {exc}") from None

    async def inject_event(self, session: RemoteSession, event: ExternalContextEvent) -> None:
        msg = {"op": "event", "session": session.session_id, "event": context_to_msg(event)}
        await self._request(msg, "inject_event")

    async def end_session(self, session: RemoteSession) -> None:
        if session.ended:
            return
        session.ended = True
        await self._request({"op": "end", "session": session.session_id}, "end_session")

    async def close(self) -> None:
        """Close the connection; the server ends the sessions it carried."""
        p = self._protocol
        self._protocol = None
        if p is not None and p.transport is not None:
            p.transport.close()
        self._fail_all(BackendError("IPC client closed", retryable=False))

    async def __aenter__(self) -> IpcStsBackend:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _request(self, msg: dict[str, Any], what: str) -> Any:
        p = self._protocol
        if p is None or p.transport is None or p.transport.is_closing():
            raise BackendError(f"IPC {what}: not connected", retryable=True)
        self._next_id += 1
        rid = msg["id"] = self._next_id
        try:
            data = self._writer.write(msg)
        except CodecError as exc:
            raise BackendError(f"IPC {what}: request too large: {exc}") from None
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending[rid] = fut
        timer = loop.call_later(self.timeout_s, self._expire, rid, what)
        p.transport.write(data)
        try:
            return await fut
        finally:
            timer.cancel()
            self._pending.pop(rid, None)

    def _expire(self, rid: int, what: str) -> None:
        fut = self._pending.pop(rid, None)
        if fut is not None and not fut.done():
            msg = f"IPC {what} timed out after {self.timeout_s} s"
            fut.set_exception(BackendError(msg, retryable=True))

    def _deliver(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            self._fail_all(BackendError("IPC server sent a non-map reply"))
            return
        rid = msg.get("id")
        if rid is None and "error" in msg:  # the server rejected the stream itself
            self._fail_all(error_from_msg(msg["error"], where="IPC"))
            return
        fut = self._pending.pop(rid, None) if type(rid) is int else None
        if fut is None or fut.done():
            return  # a reply that arrived after its timeout
        if "error" in msg:
            fut.set_exception(error_from_msg(msg["error"], where="IPC"))
        else:
            fut.set_result(msg.get("result"))

    def _fail_all(self, error: BackendError) -> None:
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(BackendError(str(error), retryable=error.retryable))
