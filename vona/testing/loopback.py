"""The loopback websocket server every provider fake builds on, and the script types.

A fake listens on 127.0.0.1 at an ephemeral port while its ``async with`` block runs,
checks the handshake (path and key, answered the way the provider answers a bad key),
records every frame it receives, and plays a ``FakeScript``: what each user turn gets
back (a tool call, a spoken reply, a barge-in part way) and which faults to inject once
(a transient close, a malformed frame, an unknown or error event, a ``goAway``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from vona.frames import Int16Array
from vona.realtime.secrets import RedactingLogger

__all__ = [
    "FakeScript",
    "FakeToolCall",
    "FakeTurn",
    "LoopbackFake",
    "Received",
    "reply_pcm",
]


def reply_pcm(ms: int, sample_rate_hz: int, *, offset: int = 0) -> Int16Array:
    """The deterministic audio a fake speaks: a sawtooth, ``offset`` samples in."""
    n = ms * sample_rate_hz // 1000
    return ((np.arange(offset, offset + n, dtype=np.int64) * 37) % 8000 - 4000).astype(np.int16)


@dataclass(frozen=True)
class FakeToolCall:
    """A function call the fake's model makes before it answers.

    ``withdrawn``: the server cancels the call right after making it (Gemini's
    ``toolCallCancellation``, sent when the user interrupts); no answer follows.
    """

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = "call_1"
    withdrawn: bool = False


@dataclass(frozen=True)
class FakeTurn:
    """What the fake does for one user turn.

    ``tool_call``: call this tool first and answer only after its result arrives.
    ``barge_in_after_chunks``: after that many audio chunks of the answer, act as if the
    server's VAD heard the user (OpenAI: ``speech_started`` + cancelled ``response.done``;
    Gemini: ``interrupted``).
    """

    user_transcript: str = "What's the weather in Paris?"
    reply_text: str = "It's 18 degrees in Paris."
    reply_ms: int = 600
    chunk_ms: int = 100
    tool_call: FakeToolCall | None = None
    barge_in_after_chunks: int | None = None


@dataclass
class FakeScript:
    """The turns to play and the faults to inject, each at most once.

    ``repeat``: cycle through ``turns`` forever; otherwise, once they are played, more
    user audio makes no new turn (and a requested response is answered with an error).

    ``trigger_ms``: input audio that makes a user turn when the server's VAD is on.
    ``transient_close_after_turns``: close with ``transient_close_code`` after that many
    completed turns. ``go_away_after_turns``: Gemini ``goAway`` after that many turns.
    ``malformed_after_setup`` / ``unknown_after_setup`` / ``error_after_setup``: send a
    frame that is not JSON / an event type no client knows / a provider error event right
    after the session is set up. ``close_during_setup``: ``(code, reason)``: on the first
    connection, read the client's setup message and close with it (a provider refusing
    the session; the reason may echo the key).
    """

    turns: list[FakeTurn] = field(default_factory=lambda: [FakeTurn()])
    repeat: bool = True
    trigger_ms: int = 200
    transient_close_after_turns: int | None = None
    transient_close_code: int = 1011
    go_away_after_turns: int | None = None
    malformed_after_setup: bool = False
    unknown_after_setup: bool = False
    error_after_setup: bool = False
    close_during_setup: tuple[int, str] | None = None

    def turn(self, index: int) -> FakeTurn | None:
        """The turn to play as the ``index``-th, or ``None`` when the script is over."""
        if not self.turns or (index >= len(self.turns) and not self.repeat):
            return None
        return self.turns[index % len(self.turns)]


@dataclass(frozen=True)
class Received:
    """One frame the fake received: which connection, text or binary, and its JSON."""

    connection: int
    binary: bool
    data: Any


class LoopbackFake(ABC):
    """Base of the provider fakes: ``async with Fake(...) as fake: fake.base_url``."""

    provider = "fake"

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        script: FakeScript | None = None,
        compression: str | None = "deflate",
        record: bool = True,
    ) -> None:
        self.api_key = api_key
        self.script = script or FakeScript()
        self.received: list[Received] = []
        self.sent: list[dict[str, Any]] = []
        self.connections: list[Request] = []
        self.rejected: list[tuple[str, int]] = []
        self.turns_done = 0
        self._record = record
        self._compression = compression
        self._server: Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._faults_sent: set[str] = set()

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> LoopbackFake:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            compression=self._compression,
            max_size=16 * 1024 * 1024,
            logger=RedactingLogger(logging.getLogger("websockets.server"), [self.api_key]),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)
            self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake is not running (use it in 'async with')")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        """What to pass as an adapter's ``base_url``."""
        return f"ws://127.0.0.1:{self.port}"

    # -- recording helpers ----------------------------------------------------------------

    def messages(self, kind: str | None = None) -> list[Any]:
        """Received JSON messages, optionally only those of ``kind`` (``type`` or top key)."""
        out = []
        for r in self.received:
            if not isinstance(r.data, dict):
                continue
            if kind is None or r.data.get("type") == kind or kind in r.data:
                out.append(r.data)
        return out

    def once(self, fault: str) -> bool:
        """True the first time ``fault`` is asked for (faults are injected once)."""
        if fault in self._faults_sent:
            return False
        self._faults_sent.add(fault)
        return True

    def record(self, connection: int, raw: str | bytes) -> Any:
        """Decode and (if recording) keep one received frame; non-JSON is kept as text."""
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        if self._record:
            self.received.append(Received(connection, isinstance(raw, bytes), data))
        return data

    # -- handshake ------------------------------------------------------------------------

    @abstractmethod
    def check_request(self, path: str, query: dict[str, str], headers: Headers) -> Response | None:
        """Answer a bad path or key with the provider's HTTP error, else ``None``."""

    def http_error(self, status: int, body: dict[str, Any]) -> Response:
        headers = Headers({"Content-Type": "application/json"})
        text = json.dumps(body).encode()
        headers["Content-Length"] = str(len(text))
        return Response(status, HTTPStatus(status).phrase, headers, text)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        response = self.check_request(parts.path, query, request.headers)
        if response is not None:
            self.rejected.append((request.path, response.status_code))
        return response

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        self.connections.append(ws.request)
        index = len(self.connections) - 1
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            close = self.script.close_during_setup
            if close is not None and self.once("close_during_setup"):
                with contextlib.suppress(Exception):
                    self.record(index, await asyncio.wait_for(ws.recv(), timeout=5))
                await ws.close(*close)
                return
            await self.serve_connection(ws, index)
        except Exception:  # a broken client must not take the fake down
            with contextlib.suppress(Exception):
                await ws.close(1011, "fake server error")
            raise
        finally:
            if task is not None:
                self._handlers.discard(task)

    @abstractmethod
    async def serve_connection(self, ws: ServerConnection, index: int) -> None:
        """Speak the provider's protocol on one accepted connection."""
