"""A websocket session base for realtime voice APIs: dial, read, reconnect, events out.

``WebSocketSession`` owns one client websocket (``websockets`` asyncio client) and a
reader task that turns every server message into ``RealtimeEvent``s on a queue, which
``events()`` yields. Subclasses supply three things: ``on_open`` (send the provider's
setup on every (re)connection), ``handle_message`` (one decoded JSON object to events)
and, optionally, ``on_close`` (a graceful goodbye).

Failure rules, the same for every provider:

* a handshake refused with HTTP 401/403 (or 400/404: bad model or config) raises a
  non-retryable ``BackendError`` carrying the provider's message; 408/429/5xx and network
  errors raise a retryable one;
* a close with a transient code (1001, 1006, 1011-1014 by default) or a provider's
  "going away" notice (``request_reconnect``) reconnects with exponential backoff and a
  ``RealtimeError(code="reconnected", fatal=False)`` marks the seam in the event log;
* any other close ends the stream with a fatal ``RealtimeError``;
* a message that is not JSON (or not an object, or malformed inside) becomes a non-fatal
  ``RealtimeError(code="protocol_error")`` and the session continues.

Every message that can reach a log, an exception or an event goes through ``redact`` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
    WebSocketException,
)

from vona.errors import BackendError, ConfigError, ProtocolError
from vona.realtime.events import RealtimeError, RealtimeEvent
from vona.realtime.secrets import ApiKey, RedactingLogger, redact

__all__ = ["ReconnectPolicy", "WebSocketSession"]

log = logging.getLogger("vona.realtime")

_NON_RETRYABLE_HTTP = frozenset({400, 401, 403, 404, 422})


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How a dropped connection is retried: exponential backoff with jitter.

    ``max_attempts`` 0 disables reconnection. Delays run ``initial_delay_s``,
    ``initial_delay_s * multiplier``, ... capped at ``max_delay_s``, each spread by
    ``jitter`` (a fraction) so many sessions do not reconnect in lockstep. The attempts
    are shared by consecutive outages until a connection stays up ``stable_after_s``, so a
    server that accepts and drops at once cannot keep a session reconnecting forever.
    """

    max_attempts: int = 5
    stable_after_s: float = 10.0
    initial_delay_s: float = 0.25
    max_delay_s: float = 8.0
    multiplier: float = 2.0
    jitter: float = 0.2
    transient_close_codes: frozenset[int] = field(
        default_factory=lambda: frozenset({1001, 1006, 1011, 1012, 1013, 1014})
    )

    def delays(self) -> Iterator[float]:
        """The wait before each attempt (``max_attempts`` values)."""
        delay = self.initial_delay_s
        for _ in range(self.max_attempts):
            spread = delay * self.jitter
            yield max(0.0, delay + random.uniform(-spread, spread))
            delay = min(self.max_delay_s, delay * self.multiplier)


class WebSocketSession(ABC):
    """One realtime websocket session with reconnect/backoff and an event queue.

    Construct, then ``await start()`` (which dials and runs ``on_open``). ``url`` and
    ``headers`` may carry the API key: pass it in ``secrets`` so it is redacted.
    """

    provider: ClassVar[str] = "realtime"

    def __init__(
        self,
        *,
        url: str,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[ApiKey] = (),
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
        max_message_bytes: int = 16 * 1024 * 1024,
        compression: str | None = None,
    ) -> None:
        self._url = url
        self._headers = dict(headers or {})
        self._secrets = tuple(secrets)
        self._policy = reconnect or ReconnectPolicy()
        self._open_timeout_s = open_timeout_s
        self._max_message_bytes = max_message_bytes
        self._compression = compression
        self._queue: asyncio.Queue[RealtimeEvent | None] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._failure: BackendError | None = None
        self._lost: BackendError | None = None  # an abnormal loss (not a normal close)
        self._reconnect_reason: str | None = None
        self._reader: asyncio.Task[None] | None = None
        self._outbox: list[dict[str, Any]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.reconnects = 0
        self._strikes = 0  # reconnect attempts since the last stable connection

    # -- subclass hooks -------------------------------------------------------------------

    @abstractmethod
    async def on_open(self, ws: ClientConnection, *, resumed: bool) -> None:
        """Send the provider's setup on a fresh connection (``resumed``: after a reconnect)."""

    @abstractmethod
    def handle_message(self, message: dict[str, Any]) -> list[RealtimeEvent]:
        """Map one server JSON object to events (``UnknownEvent`` for types not understood).

        May raise ``ProtocolError``, ``ValidationError``, ``KeyError``, ``TypeError``,
        ``ValueError``, ``AttributeError`` or ``IndexError`` for a malformed message (a field
        of the wrong JSON type); the base turns those into a non-fatal ``RealtimeError``.
        """

    async def on_close(self, ws: ClientConnection) -> None:  # noqa: B027 - optional hook
        """Say goodbye before the socket closes (default: nothing)."""

    def on_reconnected(self) -> None:  # noqa: B027 - optional hook
        """Reset per-connection state after a reconnect (default: nothing)."""

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Dial and run ``on_open``; raises ``BackendError`` if the provider refuses."""
        self._ws = await self._open(resumed=False)
        self._connected.set()
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())

    async def close(self) -> None:
        """Say goodbye, close the socket and end ``events()``. Safe to call twice."""
        if self._closing:
            return
        self._closing = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(ConnectionClosed, OSError, TimeoutError):
                await asyncio.wait_for(self.on_close(ws), timeout=2.0)
            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._connected.clear()
        self._queue.put_nowait(None)

    async def events(self) -> AsyncIterator[RealtimeEvent]:
        """Every event in arrival order, until the session closes or fails."""
        while True:
            event = await self._queue.get()
            if event is None:
                self._queue.put_nowait(None)  # later iterators end too
                return
            yield event

    def send_later(self, message: Mapping[str, Any]) -> None:
        """Queue a JSON message from synchronous code (a message handler); sent in order."""
        self._outbox.append(dict(message))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_outbox())

    async def _flush_outbox(self) -> None:
        while self._outbox:
            message = self._outbox.pop(0)
            try:
                await self.send_json(message)
            except BackendError as exc:
                log.warning("%s: dropped a queued %s: %s", self.provider, message.get("type"), exc)
                self._outbox.clear()

    def request_reconnect(self, reason: str) -> None:
        """Reconnect as soon as the current message is handled (e.g. a "going away" notice)."""
        self._reconnect_reason = reason

    @property
    def failure(self) -> BackendError | None:
        """Why the connection was lost for good (redacted; retryable by close code), or
        None; the session driver fails over on a retryable one when ``events()`` ends."""
        return None if self._closing else self._lost

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def redact(self, text: str) -> str:
        """``text`` without any of this session's secrets."""
        return redact(text, self._secrets)

    # -- sending --------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Send one text frame; waits out a reconnection in progress."""
        ws = self._ws
        if ws is None or not self._connected.is_set():
            ws = await self._wait_connected()
        try:
            await ws.send(text)
        except ConnectionClosed:
            # The reader notices the close and reconnects if it was transient.
            ws = await self._wait_connected(stale=ws)
            try:
                await ws.send(text)
            except ConnectionClosed as exc:
                raise self.closed_error(exc, "while sending") from None
            except OSError as exc:
                detail = self.redact(f"{type(exc).__name__}: {exc}")
                raise BackendError(
                    f"{self.provider}: send failed: {detail}", retryable=True
                ) from None
        except OSError as exc:
            detail = self.redact(f"{type(exc).__name__}: {exc}")
            raise BackendError(f"{self.provider}: send failed: {detail}", retryable=True) from None

    async def send_json(self, message: Mapping[str, Any]) -> None:
        """Send one JSON object as a text frame."""
        await self.send_text(json.dumps(message, separators=(",", ":")))

    async def _wait_connected(self, stale: ClientConnection | None = None) -> ClientConnection:
        budget = self._open_timeout_s * (self._policy.max_attempts + 1) + sum(
            min(self._policy.max_delay_s, self._policy.initial_delay_s * self._policy.multiplier**i)
            for i in range(self._policy.max_attempts)
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        while True:
            if self._failure is not None:
                raise self._failure
            if self._closing:
                raise BackendError(f"{self.provider}: session is closed", retryable=False)
            ws = self._ws
            if ws is not None and ws is not stale and self._connected.is_set():
                return ws
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise BackendError(f"{self.provider}: not connected", retryable=True)
            if ws is stale:
                self._connected.clear()  # the reader has not noticed the close yet
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._connected.wait(), timeout=min(remaining, 0.05))

    # -- connection -----------------------------------------------------------------------

    async def _open(self, *, resumed: bool) -> ClientConnection:
        ws = await self._dial()
        try:
            await self.on_open(ws, resumed=resumed)
        except BaseException as exc:
            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.close()
            if isinstance(exc, ConnectionClosed):
                raise self.closed_error(exc, "during setup") from None
            if isinstance(exc, OSError | TimeoutError):
                detail = self.redact(f"{type(exc).__name__}: {exc}")
                raise BackendError(
                    f"{self.provider}: connection failed during setup: {detail}", retryable=True
                ) from None
            raise
        return ws

    def closed_error(self, exc: ConnectionClosed, when: str) -> BackendError:
        """A ``BackendError`` for a websocket the server closed: retryable for a transient
        close code (or none at all), the close reason redacted, no secret-bearing cause."""
        frame = exc.rcvd
        code = frame.code if frame is not None else None
        reason = self.redact(frame.reason if frame is not None else "")
        retryable = code is None or code in self._policy.transient_close_codes
        text = f"{self.provider}: connection closed {when} (close {code}) {reason}".rstrip()
        return BackendError(text, retryable=retryable)

    async def _dial(self) -> ClientConnection:
        name = self.provider
        try:
            return await connect(
                self._url,
                additional_headers=self._headers,
                open_timeout=self._open_timeout_s,
                max_size=self._max_message_bytes,
                compression=self._compression,
                logger=RedactingLogger(logging.getLogger("websockets.client"), self._secrets),
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            body = bytes(exc.response.body or b"").decode("utf-8", "replace").strip()[:500]
            detail = self.redact(body or exc.response.reason_phrase)
            retryable = status not in _NON_RETRYABLE_HTTP
            raise BackendError(
                f"{name}: connection refused with HTTP {status}: {detail}", retryable=retryable
            ) from None
        except InvalidURI:
            raise ConfigError(f"{name}: base_url does not make a valid websocket URL") from None
        except (InvalidHandshake, WebSocketException, OSError, TimeoutError, EOFError) as exc:
            detail = self.redact(f"{type(exc).__name__}: {exc}")
            raise BackendError(f"{name}: cannot connect: {detail}", retryable=True) from None

    async def _read_loop(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            while True:
                ws = self._ws
                assert ws is not None
                opened = loop.time()
                code, reason = await self._pump(ws)
                if self._closing:
                    return
                if loop.time() - opened >= self._policy.stable_after_s:
                    self._strikes = 0
                self._connected.clear()
                wanted = self._reconnect_reason
                if wanted is None and code not in self._policy.transient_close_codes:
                    if code not in (1000, None):
                        self._fail(f"connection closed by the server ({code} {reason})".strip())
                    else:
                        self._failure = BackendError(
                            f"{self.provider}: the server ended the session", retryable=False
                        )
                    return
                why = wanted or f"close {code} {reason}".strip()
                self._reconnect_reason = None
                if not await self._reconnect(why):
                    return
        finally:
            self._connected.clear()
            self._queue.put_nowait(None)

    async def _pump(self, ws: ClientConnection) -> tuple[int | None, str]:
        put = self._queue.put_nowait
        try:
            async for raw in ws:
                for event in self.decode(raw):
                    put(event)
                if self._reconnect_reason is not None:
                    with contextlib.suppress(ConnectionClosed, OSError):
                        await ws.close()
                    break
        except ConnectionClosed:
            pass
        rcvd = ws.close_code
        return rcvd, ws.close_reason or ""

    async def _reconnect(self, why: str) -> bool:
        last: BackendError | None = None
        delays = list(self._policy.delays())
        while self._strikes < len(delays):
            delay = delays[self._strikes]
            self._strikes += 1
            attempt = self._strikes
            await asyncio.sleep(delay)
            if self._closing:
                return False
            try:
                ws = await self._open(resumed=True)
            except BackendError as exc:
                last = exc
                log.info("%s reconnect attempt %d failed: %s", self.provider, attempt, exc)
                if not exc.retryable:
                    break
                continue
            self._ws = ws
            self.reconnects += 1
            self.on_reconnected()
            self._connected.set()
            self._queue.put_nowait(
                RealtimeError(
                    message=self.redact(f"{self.provider}: reconnected after {why}"),
                    code="reconnected",
                )
            )
            return True
        detail = str(last) if last else f"gave up after {len(delays)} attempt(s)"
        self._fail(f"connection lost ({why}); {detail}", retryable=last is None or last.retryable)
        return False

    def _fail(self, message: str, *, retryable: bool = False) -> None:
        text = self.redact(f"{self.provider}: {message}")
        self._failure = self._lost = BackendError(text, retryable=retryable)
        self._queue.put_nowait(RealtimeError(message=text, code="connection_closed", fatal=True))

    # -- decoding -------------------------------------------------------------------------

    def decode(self, raw: str | bytes) -> list[RealtimeEvent]:
        """One raw frame (text or binary JSON) to events; never raises for bad input."""
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            return [self._protocol_error(f"server sent malformed JSON ({exc})")]
        if not isinstance(message, dict):
            return [self._protocol_error(f"expected a JSON object, got {type(message).__name__}")]
        try:
            return self.handle_message(message)
        except ProtocolError as exc:
            return [self._protocol_error(str(exc))]
        except ValidationError as exc:
            errors = exc.errors()
            where = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
            what = f"{where}: {errors[0]['msg']}" if errors else str(exc)
            return [self._protocol_error(f"malformed {message.get('type', 'message')}: {what}")]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            return [self._protocol_error(f"malformed message ({type(exc).__name__}: {exc})")]

    def _protocol_error(self, detail: str) -> RealtimeError:
        error = ProtocolError(self.redact(f"{self.provider}: {detail}"))
        log.warning("%s", error)
        return RealtimeError(message=str(error), code="protocol_error")
