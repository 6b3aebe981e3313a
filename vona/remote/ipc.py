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
Sessions started on a connection end when it closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
from typing import Any

from pydantic import ValidationError

from vona._eager import start_eagerly
from vona.backends.step import BackendCapabilities, BackendStep, SpeechToSpeechBackend
from vona.codec import FrameReader, FrameWriter
from vona.config import SessionConfig
from vona.errors import BackendError, CodecError, ConfigError, ProtocolError, VonaError
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame
from vona.remote.session_host import SessionHost
from vona.remote.wire import (
    RemoteSession,
    capabilities_from_msg,
    capabilities_to_msg,
    context_from_msg,
    context_to_msg,
    error_from_msg,
    error_to_msg,
    input_frame_from_msg,
    input_frame_to_msg,
    step_from_msg,
    step_to_msg,
)

__all__ = ["IPC_PROTOCOL", "IpcServer", "IpcStsBackend"]

log = logging.getLogger("vona.ipc")

IPC_PROTOCOL = 1
DEFAULT_MAX_FRAME_BYTES = 1 << 20
_MAX_IN_FLIGHT = 1024  # requests per connection before the server stops reading


def _session_id(msg: dict[Any, Any]) -> str:
    sid = msg.get("session")
    if not isinstance(sid, str):
        raise ProtocolError("request is missing its 'session' id")
    return sid


class _ServerConnection(asyncio.Protocol):
    def __init__(self, server: IpcServer) -> None:
        self._server = server
        self._host = server.host
        self._reader = FrameReader(server.max_frame_bytes)
        self._writer = FrameWriter(server.max_frame_bytes)
        self._transport: asyncio.Transport | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._paused = False
        self._batch: list[bytes] | None = None  # replies held while in data_received
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._server._conns.add(self)

    def data_received(self, data: bytes) -> None:
        try:
            messages = self._reader.feed(data)
        except CodecError as exc:
            self._protocol_violation(f"bad frame: {exc}")
            return
        if not messages:
            return
        loop = asyncio.get_running_loop()
        # Replies to requests answered in this call go out in one write (one send(2) for
        # a whole pipelined batch instead of one per reply).
        batch: list[bytes] = []
        self._batch = batch
        try:
            for msg in messages:
                if not isinstance(msg, dict) or type(msg.get("id")) is not int:
                    self._batch = None  # replies so far go out before the error reply
                    self._flush(batch)
                    self._protocol_violation("every request must be a map with an integer 'id'")
                    return
                # Run each request now; only one that has to wait becomes a task. Requests
                # of one session still run in order: SessionHost's per-session lock is FIFO.
                task = start_eagerly(self._run(msg), loop)
                if task is not None:
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        finally:
            self._batch = None
            self._flush(batch)
        if len(self._tasks) > _MAX_IN_FLIGHT and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _protocol_violation(self, message: str) -> None:
        self._send({"id": None, "error": error_to_msg(ProtocolError(message))})
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._server._conns.discard(self)
        self._server._spawn(self._host.end_owned(self))

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None and not self._paused:
            self._transport.resume_reading()

    def _flush(self, batch: list[bytes]) -> None:
        t = self._transport
        if batch and t is not None and not t.is_closing():
            t.write(batch[0] if len(batch) == 1 else b"".join(batch))
        batch.clear()

    def _send(self, reply: dict[str, Any]) -> None:
        try:
            data = self._writer.write(reply)
        except CodecError as exc:  # a reply over max_frame_bytes
            err = error_to_msg(BackendError(f"reply too large: {exc}"))
            data = self._writer.write({"id": reply.get("id"), "error": err})
        if self._batch is not None:
            self._batch.append(data)
            return
        t = self._transport
        if t is not None and not t.is_closing():
            t.write(data)

    async def _run(self, msg: dict[Any, Any]) -> None:
        rid = msg["id"]
        try:
            result = await self._call(msg)
            reply: dict[str, Any] = {"id": rid, "result": result}
        except VonaError as exc:
            reply = {"id": rid, "error": error_to_msg(exc)}
        except Exception as exc:
            log.exception("IPC request failed")
            reply = {"id": rid, "error": error_to_msg(BackendError(f"internal error: {exc}"))}
        self._send(reply)
        if self._paused and len(self._tasks) <= _MAX_IN_FLIGHT // 2 and self._transport:
            self._paused = False
            self._transport.resume_reading()

    async def _call(self, msg: dict[Any, Any]) -> Any:
        op = msg.get("op")
        host = self._host
        if op == "step":
            frame = input_frame_from_msg(msg.get("frame"))
            return step_to_msg(await host.step(_session_id(msg), frame))
        if op == "event":
            await host.inject(_session_id(msg), context_from_msg(msg.get("event")))
            return None
        if op == "start":
            raw = msg.get("config") or {}
            try:
                config = SessionConfig.model_validate(raw)
            except ValidationError as exc:
                raise ConfigError(f"invalid SessionConfig: {exc}"[:1000]) from None
            sid = await host.create(config, owner=self)
            if self.closed:  # the client left while the session started
                await host.end(sid)
            return {"session": sid}
        if op == "end":
            await host.end(_session_id(msg))
            return None
        if op == "hello":
            caps = capabilities_to_msg(host.capabilities())
            return {"protocol": IPC_PROTOCOL, "capabilities": caps}
        raise ProtocolError(f"unknown op {op!r}")


class IpcServer:
    """Serve a ``SessionHost`` (or a bare backend) on the Unix socket at ``path``.

    The socket file is made private to its owner (mode 0600); a stale socket file left
    by a dead server is replaced, a live one or any other file is refused.
    """

    def __init__(
        self,
        host: SessionHost | SpeechToSpeechBackend,
        path: str | os.PathLike[str],
        *,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        if not hasattr(socket, "AF_UNIX"):
            raise ConfigError("IPC needs Unix sockets, which this platform lacks")
        self.host = host if isinstance(host, SessionHost) else SessionHost(host)
        self.path = os.fspath(path)
        self.max_frame_bytes = max_frame_bytes
        self._server: asyncio.AbstractServer | None = None
        self._conns: set[_ServerConnection] = set()
        self._background: set[asyncio.Task[Any]] = set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def start(self) -> None:
        _clear_stale_socket(self.path)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(
            lambda: _ServerConnection(self), self.path, backlog=512
        )
        os.chmod(self.path, 0o600)
        self.host.start()

    async def close(self) -> None:
        """Stop listening, drop connections (their sessions end), remove the socket file."""
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            if conn._transport is not None:
                conn._transport.close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def _clear_stale_socket(path: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ConfigError(f"IPC path {path!r} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        os.unlink(path)
        return
    finally:
        probe.close()
    raise ConfigError(f"IPC path {path!r} is in use by a running server")


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
    side arrive as ``BackendError`` with their retryable flag.
    """

    vona_contract = "step"  # a step backend, although it has a connect() method

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout_s: float = 10.0,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or timeout_s <= 0:
            raise ConfigError(f"timeout_s must be a positive number, got {timeout_s!r}")
        if not isinstance(path, str | os.PathLike):
            raise ConfigError(f"path must be a socket path, got {type(path).__name__}")
        self.path = os.fspath(path)
        self.timeout_s = timeout_s
        self.max_frame_bytes = max_frame_bytes
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
            hello = await self._request({"op": "hello"}, "hello")
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
