"""The websocket speech-to-text stream both Deepgram listen APIs share.

Audio goes out as binary frames, server JSON comes back through ``handle`` (one subclass
per API) as ``SttEvent``s on a queue. A socket that drops (abnormal or transient close)
is redialled with backoff; audio pushed meanwhile waits for the new socket, and server
times (which restart at zero on a new socket) are shifted by the audio sent before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from vona.adapters._hosted import Backoff, dial, redacted, write_binary
from vona.backends.cascade.streaming import Int16Array, SttEvent
from vona.errors import AudioFormatError, BackendError
from vona.realtime.secrets import ApiKey, redact

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["DeepgramStream"]

log = logging.getLogger("vona.adapters.deepgram")

_TRANSIENT = frozenset({1001, 1006, 1011, 1012, 1013, 1014})
_INT16 = np.dtype(np.int16)
_MAX_PENDING_S = 10  # audio kept while redialling; older speech is not worth a late answer


class DeepgramStream(ABC):
    """One open listen socket; see the module docstring."""

    provider = "deepgram"
    end_message: ClassVar[dict[str, str]] = {"type": "CloseStream"}

    def __init__(
        self,
        url: str,
        *,
        key: ApiKey,
        sample_rate_hz: int,
        backoff: Backoff,
        keepalive_s: float | None = None,
    ) -> None:
        self._url = url
        self._key = key
        self._rate = sample_rate_hz
        self._backoff = backoff
        self._keepalive_s = keepalive_s
        self._queue: asyncio.Queue[SttEvent | None] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._up = asyncio.Event()
        self._closing = False
        self._failure: BackendError | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._sent = 0  # samples sent on earlier sockets and this one
        self._offset_ms = 0.0  # server time zero of the current socket, in stream ms
        self._last_send = 0.0
        self._loop: asyncio.AbstractEventLoop  # set by start()
        self._pending: list[bytes] = []  # audio a dropped socket did not take
        self.reconnects = 0

    # -- the API-specific part ------------------------------------------------------------

    @abstractmethod
    def handle(self, message: dict[str, Any]) -> list[SttEvent]:
        """The events one server message makes."""

    def ms(self, seconds: Any) -> float:
        """A server time (s, on the current socket) in stream ms."""
        return self._offset_ms + float(seconds or 0.0) * 1000.0

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._ws = await self._dial()
        self._up.set()
        self._loop = asyncio.get_running_loop()
        self._last_send = self._loop.time()
        self._tasks.append(asyncio.create_task(self._read_loop()))
        if self._keepalive_s:
            self._tasks.append(asyncio.create_task(self._keepalive(self._keepalive_s)))

    async def _dial(self) -> ClientConnection:
        return await dial(
            self._url,
            provider=self.provider,
            extra="deepgram",
            headers={"Authorization": f"Token {self._key.reveal()}"},
            secrets=[self._key],
            backoff=self._backoff,
        )

    async def push(self, audio: Int16Array) -> None:
        if (
            not isinstance(audio, np.ndarray)
            or audio.ndim != 1
            or (audio.dtype is not _INT16 and audio.dtype != _INT16)
        ):
            raise AudioFormatError("audio must be a 1-D int16 array (mono PCM16)")
        if self._failure is not None:
            raise self._failure
        if self._closing:
            raise BackendError(f"{self.provider}: push after close")
        if not self._up.is_set():
            await self._up.wait()
            if self._failure is not None:
                raise self._failure
        ws = self._ws
        assert ws is not None
        data = audio.tobytes()
        if not write_binary(ws, data) and not await self._send_slow(ws, data):
            return
        self._sent += len(audio)
        self._last_send = self._loop.time()

    async def _send_slow(self, ws: ClientConnection, data: bytes) -> bool:
        """The library's send (flow control, closing); False when the audio was kept for
        the next socket instead."""
        from websockets.exceptions import ConnectionClosed

        try:
            await ws.send(data)
            return True
        except ConnectionClosed:  # kept for the next socket; the reader redials or fails
            if self._ws is not ws and self._ws is not None:  # already redialled
                return await self._send_slow(self._ws, data)
            self._up.clear()
            if sum(map(len, self._pending)) + len(data) <= _MAX_PENDING_S * self._rate * 2:
                self._pending.append(data)
            return False

    async def send_json(self, message: Mapping[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed

        await self._up.wait()
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps(message))

    async def events(self) -> AsyncIterator[SttEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                if self._failure is not None:
                    raise self._failure
                return
            yield event

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        ws = self._ws
        if ws is not None and self._up.is_set():
            from websockets.exceptions import ConnectionClosed

            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.send(json.dumps(self.end_message))
            # the server flushes its last results and closes; do not wait forever
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._tasks[0]), timeout=2.0)
            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._queue.put_nowait(None)

    # -- reading and reconnecting ---------------------------------------------------------

    async def _read_loop(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                ws = self._ws
                assert ws is not None
                code: int | None = None
                try:
                    async for raw in ws:
                        self._dispatch(raw)
                    code = ws.close_code
                except ConnectionClosed as exc:
                    code = exc.rcvd.code if exc.rcvd is not None else None
                if self._closing or code == 1000:
                    break
                if code not in _TRANSIENT and code is not None:
                    reason = redact(ws.close_reason or "", [self._key])
                    retry = code != 1008  # 1008: bad audio or parameters (DATA-xxxx)
                    self._failure = BackendError(
                        f"{self.provider}: closed by the server ({code} {reason})".strip(),
                        retryable=retry,
                    )
                    break
                self._up.clear()
                self._offset_ms = self._sent * 1000.0 / self._rate
                try:
                    self._ws = await self._dial()
                    pending, self._pending = self._pending, []
                    for data in pending:
                        await self._ws.send(data)
                        self._sent += len(data) // 2
                except BackendError as exc:
                    self._failure = exc
                    break
                self.reconnects += 1
                log.info("%s: reconnected after close %s", self.provider, code)
                self._up.set()
        except Exception as exc:  # a decoding bug must end the stream, not hang it
            self._failure = (
                exc if isinstance(exc, BackendError) else redacted(exc, self.provider, [self._key])
            )
        finally:
            self._up.set()  # release pushers (they see the failure)
            self._queue.put_nowait(None)

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("%s: a server frame is not JSON", self.provider)
            return
        if not isinstance(message, dict):
            return
        for event in self.handle(message):
            self._queue.put_nowait(event)

    async def _keepalive(self, every_s: float) -> None:
        loop = asyncio.get_running_loop()
        while not self._closing:
            wait = self._last_send + every_s - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            await self.send_json({"type": "KeepAlive"})
            self._last_send = loop.time()
