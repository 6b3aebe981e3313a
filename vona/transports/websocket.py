"""``WebSocketTransport``: the ``/ws`` protocol of ``vona serve`` as an ``AudioTransport``.

Binary messages both ways are PCM16 mono little-endian at the session rate (``?rate=``).
Text messages are JSON: the server sends ``transcript``, ``clear`` (barge-in),
``metrics`` (session end) and ``error`` (before closing on bad input); the client sends
``playback`` with ``played_ms``, how much reply audio it has actually played, which
``played_samples()`` reports so a barge-in is truncated at what was heard, and ``end``
when it has no more audio to send (the reply finishes, then ``metrics`` and a close).
docs/websocket-protocol.md is the reference.

The transport works over any ``MessageConnection`` (receive a message or ``None`` when
closed, send one, close with a code); ``vona.serve`` adapts its server's connections,
``websockets_connection`` adapts a ``websockets`` connection. A client that vanishes
mid-reply ends the session cleanly: later sends are dropped and ``recv`` returns None.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from vona.clock import Clock, default_clock
from vona.errors import ConfigError, ProtocolError
from vona.frames import AudioInputFrame, AudioOutputFrame

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "RATES",
    "MessageConnection",
    "WebSocketTransport",
    "parse_rate",
    "websockets_connection",
]

RATES = (8000, 16000, 24000, 48000)
# One second of audio at the highest rate, with room for JSON: far above any sane frame.
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024

# Close codes (RFC 6455): 1003 unsupported data, 1008 policy violation, 1009 too big.
CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009


class MessageConnection(Protocol):
    """One WebSocket connection as the transport needs it."""

    async def recv(self) -> str | bytes | None:
        """The next message; ``None`` once the peer closed or vanished."""
        ...

    async def send(self, message: str | bytes) -> None:
        """Send one message; raises ``ConnectionError`` when the connection is gone."""
        ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


def parse_rate(query: Mapping[str, str]) -> int:
    """The ``rate`` query parameter (default 16000); ``ConfigError`` names it when bad."""
    raw = query.get("rate", "16000")
    try:
        rate = int(raw)
    except ValueError:
        raise ConfigError(f"rate must be one of {RATES}, got {raw!r}") from None
    if rate not in RATES:
        raise ConfigError(f"rate must be one of {RATES}, got {rate}")
    return rate


class WebSocketTransport:
    """``AudioTransport`` over one ``MessageConnection`` at ``sample_rate_hz``.

    ``max_message_bytes`` bounds one incoming message (the server's connection should
    enforce it too, before reading the message). ``paces_output=False`` (default): the
    driver sends one frame per period, so the client's queue stays a jitter buffer;
    True sends reply audio as soon as it exists and relies on ``clear`` and the client's
    playback reports. ``clock`` (default: the running loop's) times the real-time
    playback estimate used before the client reports.
    """

    channels = 1

    def __init__(
        self,
        connection: MessageConnection,
        sample_rate_hz: int = 16000,
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        paces_output: bool = False,
        clock: Clock | None = None,
    ) -> None:
        if sample_rate_hz not in RATES:
            raise ConfigError(f"sample_rate_hz must be one of {RATES}, got {sample_rate_hz}")
        if max_message_bytes < 2:
            raise ConfigError(f"max_message_bytes must be >= 2, got {max_message_bytes}")
        self.connection = connection
        self.sample_rate_hz = sample_rate_hz
        self.max_message_bytes = max_message_bytes
        self.paces_output = paces_output
        self.closed = False
        self.ended = False  # the client said it sends no more audio
        self.error: str | None = None
        self._seq = 0
        self._sent = 0  # samples sent since the session started
        self._dropped = 0  # samples the client was told to drop (estimated)
        self._reported: int | None = None  # samples the client says it played
        self._clock = clock
        self._mark: int | None = None  # clock ns when _modeled was last advanced
        self._modeled = 0  # samples a real-time player would have played by _mark

    # -- AudioTransport --------------------------------------------------------------

    async def recv(self) -> AudioInputFrame | None:
        while not self.closed and not self.ended:
            message = await self.connection.recv()
            if message is None:
                self.closed = True
                return None
            if isinstance(message, bytes):
                frame = await self._audio(message)
                if frame is not None:
                    return frame
            else:
                await self._text(message)
        return None

    async def send(self, frame: AudioOutputFrame) -> None:
        if frame.sample_rate_hz != self.sample_rate_hz or frame.channels != 1:
            raise ProtocolError(
                f"output frame is {frame.sample_rate_hz} Hz x{frame.channels}; the "
                f"connection carries {self.sample_rate_hz} Hz mono"
            )
        if self.closed:
            return
        samples = frame.samples
        self._played()  # advance the model before the backlog grows
        self._sent += samples.shape[0]
        await self._send(samples.astype("<i2", copy=False).tobytes())

    async def clear(self) -> int:
        """Tell the client to drop its queue; returns the samples it is estimated to drop
        (sent, less what it played by its last report or by real time)."""
        unplayed = max(self._sent - self._dropped - self._played(), 0)
        self._dropped += unplayed
        await self.event({"type": "clear"})
        return unplayed

    def played_samples(self) -> int | None:
        """Reply samples the client reported as played (None before its first report)."""
        return self._reported

    # -- events ----------------------------------------------------------------------

    async def event(self, message: dict[str, Any]) -> None:
        """Send one JSON text message (dropped once the client is gone)."""
        if not self.closed:
            await self._send(json.dumps(message, separators=(",", ":")))

    async def transcript(self, role: str, text: str, final: bool) -> None:
        await self.event({"type": "transcript", "role": role, "text": text, "final": final})

    async def fail(self, message: str, code: int = CLOSE_POLICY) -> None:
        """Send an ``error`` event and close the connection with ``code``."""
        self.error = message
        await self.event({"type": "error", "message": message})
        await self.close(code, message[:120])

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = True
        with contextlib.suppress(Exception):
            await self.connection.close(code, reason)

    # -- internals -------------------------------------------------------------------

    async def _send(self, message: str | bytes) -> None:
        try:
            await self.connection.send(message)
        except (ConnectionError, OSError, RuntimeError):
            # The client vanished: the session ends through recv() returning None.
            self.closed = True

    async def _audio(self, message: bytes) -> AudioInputFrame | None:
        if len(message) > self.max_message_bytes:
            await self.fail(
                f"message of {len(message)} bytes exceeds {self.max_message_bytes}",
                CLOSE_TOO_BIG,
            )
            return None
        if len(message) % 2:
            await self.fail(f"binary message of {len(message)} bytes is not whole PCM16")
            return None
        if not message:
            return None
        self._seq += 1
        samples = np.frombuffer(message, dtype="<i2").astype(np.int16, copy=True)
        return AudioInputFrame(self._seq, self.sample_rate_hz, 1, samples)

    async def _text(self, message: str) -> None:
        if len(message) > self.max_message_bytes:
            await self.fail(f"message of {len(message)} characters is too long", CLOSE_TOO_BIG)
            return
        try:
            data = json.loads(message)
        except ValueError:
            await self.fail("text message is not JSON", CLOSE_UNSUPPORTED)
            return
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "end":
            self.ended = True
            return
        if kind != "playback":
            await self.fail(f"unknown message type {kind!r} (expected 'playback' or 'end')")
            return
        played = data.get("played_ms")
        if isinstance(played, bool) or not isinstance(played, (int, float)) or played < 0:
            await self.fail(f"played_ms must be a number >= 0, got {played!r}")
            return
        samples = min(int(played * self.sample_rate_hz // 1000), self._sent - self._dropped)
        self._reported = max(self._reported or 0, samples)

    def _played(self) -> int:
        """Samples played: the client's last report, else real-time drain of what was
        sent (never more than was sent and not dropped)."""
        live = self._sent - self._dropped
        if self._clock is None:
            self._clock = default_clock()
        now = self._clock.now_ns()
        if self._mark is not None:
            advance = (now - self._mark) * self.sample_rate_hz // 1_000_000_000
            self._modeled = min(self._modeled + advance, live)
        self._mark = now
        if self._reported is not None:
            return min(self._reported, live)
        return self._modeled


class _WebsocketsConnection:
    """``MessageConnection`` over a ``websockets`` connection (client or server)."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    async def recv(self) -> str | bytes | None:
        from websockets.exceptions import ConnectionClosed

        try:
            message: str | bytes = await self._ws.recv()
        except ConnectionClosed:
            return None
        return message

    async def send(self, message: str | bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(message)
        except ConnectionClosed as exc:
            raise ConnectionError(str(exc)) from None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self._ws.close(code, reason)


def websockets_connection(ws: Any) -> MessageConnection:
    """Adapt a ``websockets`` connection (extra ``cloud``) to ``MessageConnection``."""
    return _WebsocketsConnection(ws)
