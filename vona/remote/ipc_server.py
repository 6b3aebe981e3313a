"""The IPC server: a ``SessionHost`` served on a Unix socket (protocol: ``vona.remote.ipc``).

Hardened against local clients that misbehave:

- the socket is created private (mode 0600 set on the socket before ``bind``, so it is
  never connectable by others, whatever the umask) inside a directory only its owner can
  enter (created 0700 if missing; a directory others can enter is refused);
- with a ``token`` the first request must be ``hello`` carrying it;
- at most ``max_connections`` connections; a frame must arrive whole within
  ``frame_timeout_s`` of its first byte, and a connection that sends nothing for
  ``idle_timeout_s`` is closed, so partial frames cannot pin memory;
- a connection runs at most ``_TURN`` requests per event-loop turn, so one pipelining
  client cannot delay the steps of the others;
- sessions belong to the connection that started them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import logging
import os
import socket
import stat
from typing import Any

from pydantic import ValidationError

from vona._eager import start_eagerly
from vona.backends.step import SpeechToSpeechBackend
from vona.codec import FrameReader, FrameWriter
from vona.config import SessionConfig
from vona.errors import BackendError, CodecError, ConfigError, ProtocolError, VonaError
from vona.remote.session_host import SessionHost
from vona.remote.wire import (
    capabilities_to_msg,
    context_from_msg,
    error_to_msg,
    input_frame_from_msg,
    step_to_msg,
)

__all__ = ["DEFAULT_MAX_FRAME_BYTES", "IPC_PROTOCOL", "IpcServer"]

log = logging.getLogger("vona.ipc")

IPC_PROTOCOL = 1
DEFAULT_MAX_FRAME_BYTES = 1 << 20
_MAX_IN_FLIGHT = 1024  # requests per connection before the server stops reading
_TURN = 8  # requests one connection may run per event-loop turn (fairness)


class _Refused(ProtocolError):
    """The server turned a connection away for a reason a later retry may not meet."""

    retryable = True


def _session_id(msg: dict[Any, Any]) -> str:
    sid = msg.get("session")
    if not isinstance(sid, str):
        raise ProtocolError("request is missing its 'session' id")
    return sid


class _ServerConnection(asyncio.Protocol):
    def __init__(self, server: IpcServer) -> None:
        self._server = server
        self._host = server.host
        self._loop = asyncio.get_running_loop()
        self._reader = FrameReader(server.max_frame_bytes)
        self._writer = FrameWriter(server.max_frame_bytes)
        self._transport: asyncio.Transport | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._queue: collections.deque[Any] = collections.deque()
        self._paused = False  # by us: too many requests in flight or queued
        self._batch: list[bytes] | None = None  # replies held while a batch runs
        self._authed = server.token is None
        self._timer: asyncio.TimerHandle | None = None
        self._deadline: float | None = None
        self._partial = False
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if len(self._server._conns) >= self._server.max_connections:
            self._protocol_violation("too many IPC connections", retryable=True)
            return
        self._server._conns.add(self)
        self._rearm()

    # -- reading ----------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        try:
            messages = self._reader.feed(data)
        except CodecError as exc:
            self._protocol_violation(f"bad frame: {exc}")
            return
        if messages:
            self._queue.extend(messages)
            self._run_queue()
        self._rearm()

    def _rearm(self) -> None:
        """A deadline for the frame in progress, or for the next frame when idle. One
        lazily re-armed timer: a request only moves the deadline (no new TimerHandle)."""
        if self.closed:
            return
        partial = self._reader.pending_bytes > 0 or not self._authed
        limit = self._server.frame_timeout_s if partial else self._server.idle_timeout_s
        if not limit:
            self._deadline = None
            return
        self._partial = partial
        self._deadline = deadline = self._loop.time() + limit
        timer = self._timer
        if timer is None or deadline < timer.when():
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(deadline, self._on_timeout)

    def _on_timeout(self) -> None:
        self._timer = None
        deadline = self._deadline
        if self.closed or deadline is None:
            return
        if self._loop.time() < deadline:  # the deadline moved on: sleep until it
            self._timer = self._loop.call_at(deadline, self._on_timeout)
            return
        if self._tasks or self._queue:
            self._rearm()  # busy on our side: not the client's fault
            return
        what = "a frame or the hello" if self._partial else "any request"
        self._protocol_violation(f"no {what} within the timeout", retryable=True)

    def _run_queue(self) -> None:
        """Run up to ``_TURN`` queued requests; the rest wait for the next loop turn."""
        if self.closed:
            return
        queue = self._queue
        batch: list[bytes] = []
        self._batch = batch
        try:
            for _ in range(min(_TURN, len(queue))):
                msg = queue.popleft()
                if not isinstance(msg, dict) or type(msg.get("id")) is not int:
                    self._batch = None  # replies so far go out before the error reply
                    self._flush(batch)
                    self._protocol_violation("every request must be a map with an integer 'id'")
                    return
                if not self._authed and not self._hello_ok(msg):
                    self._batch = None
                    self._flush(batch)
                    self._protocol_violation("the first request must be hello with the token")
                    return
                # Run each request now; only one that has to wait becomes a task. Requests
                # of one session still run in order: SessionHost's per-session lock is FIFO.
                task = start_eagerly(self._run(msg), self._loop)
                if task is not None:
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        finally:
            self._batch = None
            self._flush(batch)
        self._throttle()
        if queue and not self.closed:
            self._loop.call_soon(self._run_queue)

    def _hello_ok(self, msg: dict[Any, Any]) -> bool:
        token = msg.get("token")
        want = self._server.token
        if msg.get("op") != "hello" or not isinstance(token, str) or want is None:
            return False
        if hmac.compare_digest(token.encode(), want.encode()):
            self._authed = True
            return True
        return False

    def _throttle(self) -> None:
        t = self._transport
        if t is None:
            return
        busy = len(self._tasks) > _MAX_IN_FLIGHT or len(self._queue) > _MAX_IN_FLIGHT
        if busy and not self._paused:
            self._paused = True
            t.pause_reading()
        elif self._paused and not busy and len(self._tasks) <= _MAX_IN_FLIGHT // 2:
            self._paused = False
            t.resume_reading()

    def _protocol_violation(self, message: str, *, retryable: bool = False) -> None:
        err = _Refused(message) if retryable else ProtocolError(message)
        self._send({"id": None, "error": error_to_msg(err)})
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._queue.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self in self._server._conns:
            self._server._conns.discard(self)
            self._server._spawn(self._host.end_owned(self))

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None and not self._paused:
            self._transport.resume_reading()

    # -- replies ----------------------------------------------------------------------
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
        except RecursionError:
            err = ProtocolError("request nested too deeply")
            reply = {"id": rid, "error": error_to_msg(err)}
        except Exception as exc:
            log.exception("IPC request failed")
            reply = {"id": rid, "error": error_to_msg(BackendError(f"internal error: {exc}"))}
        self._send(reply)
        if self._paused:
            self._throttle()

    async def _call(self, msg: dict[Any, Any]) -> Any:
        op = msg.get("op")
        host = self._host
        if op == "step":
            frame = input_frame_from_msg(msg.get("frame"))
            return step_to_msg(await host.step(_session_id(msg), frame, owner=self))
        if op == "event":
            event = context_from_msg(msg.get("event"))
            await host.inject(_session_id(msg), event, owner=self)
            return None
        if op == "start":
            raw = msg.get("config") or {}
            try:
                config = SessionConfig.model_validate(raw)
            except ValidationError as exc:
                raise ConfigError(f"invalid SessionConfig: {exc}"[:1000]) from None
            sid = await host.create(config, owner=self, client=self)
            if self.closed:  # the client left while the session started
                await host.end(sid, reason="connection_closed")
            return {"session": sid}
        if op == "end":
            await host.end(_session_id(msg), owner=self)
            return None
        if op == "hello":
            caps = capabilities_to_msg(host.capabilities())
            return {"protocol": IPC_PROTOCOL, "capabilities": caps}
        raise ProtocolError(f"unknown op {str(op)[:40]!r}")


class IpcServer:
    """Serve a ``SessionHost`` (or a bare backend) on the Unix socket at ``path``.

    The socket is private to its owner (see the module docstring); a stale socket file
    left by a dead server is replaced, a live one or any other file is refused.
    """

    def __init__(
        self,
        host: SessionHost | SpeechToSpeechBackend,
        path: str | os.PathLike[str],
        *,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        token: str | None = None,
        max_connections: int = 256,
        frame_timeout_s: float = 10.0,
        idle_timeout_s: float = 600.0,
    ) -> None:
        if not hasattr(socket, "AF_UNIX"):
            raise ConfigError("IPC needs Unix sockets, which this platform lacks")
        if max_connections < 1:
            raise ConfigError(f"max_connections must be at least 1, got {max_connections}")
        if frame_timeout_s <= 0 or idle_timeout_s < 0:
            raise ConfigError("frame_timeout_s must be positive and idle_timeout_s >= 0")
        self.host = host if isinstance(host, SessionHost) else SessionHost(host)
        self.path = os.fspath(path)
        self.max_frame_bytes = max_frame_bytes
        self.token = token or None
        self.max_connections = max_connections
        self.frame_timeout_s = frame_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self._server: asyncio.AbstractServer | None = None
        self._conns: set[_ServerConnection] = set()
        self._background: set[asyncio.Task[Any]] = set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def start(self) -> None:
        _private_dir(_parent(self.path))
        _clear_stale_socket(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # The socket inode's mode, masked by the umask, becomes the file's mode at
            # bind(2): the file is never connectable by others, not even for an instant.
            os.fchmod(sock.fileno(), 0o600)
            sock.bind(self.path)
            sock.listen(512)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _ServerConnection(self), sock=sock)
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


def _parent(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def _private_dir(path: str) -> None:
    """Make sure ``path`` is a directory that only this user can enter (create it 0700)."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"IPC socket directory {path!r} is not a directory")
    if st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise ConfigError(
            f"IPC socket directory {path!r} must be owned by this user with mode 0700 "
            f"(it is {stat.S_IMODE(st.st_mode):04o}); use a private directory such as "
            "$XDG_RUNTIME_DIR or systemd's RuntimeDirectory="
        )


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
