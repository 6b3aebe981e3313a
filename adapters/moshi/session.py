"""``MoshiSession``: ``moshi.server``'s binary protocol mapped to Vona's realtime events.

Server message -> event:

* ``0x00`` handshake: awaited before ``start()`` returns (the Rust server's version words
  are kept in ``protocol_version`` / ``model_version``)
* ``0x01`` Ogg Opus -> ``AudioDelta`` (24 kHz mono)
* ``0x02`` text piece (``0x07``: coloured text) -> assistant ``TranscriptDelta``; after
  ``quiet_steps`` audio frames without text, the piece run so far becomes a final
  ``TranscriptDelta`` and a ``ResponseDone``
* ``0x04`` metadata -> ``UnknownEvent("metadata")``; ``0x05`` -> non-fatal ``RealtimeError``
* kinds defined but unused in a chat (control, ping, image, codes) -> ``UnknownEvent``
* an unknown kind, an empty or text frame, bad Ogg or Opus -> a non-fatal ``protocol_error``

Moshi is full duplex: it produces one 80 ms frame per 80 ms it receives, so the client
streams audio without pause and the model handles overlapping speech itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from vona.adapters.moshi.wire import (
    KIND_AUDIO,
    KIND_COLORED_TEXT,
    KIND_ERROR,
    KIND_HANDSHAKE,
    KIND_METADATA,
    KIND_TEXT,
    KNOWN_UNUSED,
    SAMPLE_RATE_HZ,
    OggOpusDownlink,
    OggOpusUplink,
)
from vona.errors import AudioFormatError, BackendError, ConfigError, ProtocolError
from vona.events import ControlEvent, ExternalContextEvent
from vona.frames import AudioInputFrame
from vona.realtime import (
    ApiKey,
    AudioDelta,
    RealtimeError,
    RealtimeEvent,
    ReconnectPolicy,
    ResponseDone,
    TranscriptDelta,
    UnknownEvent,
    WebSocketSession,
)

__all__ = ["MoshiSession"]

log = logging.getLogger("vona.adapters.moshi")


class MoshiSession(WebSocketSession):
    """A live Moshi conversation (see the module docstring for the mapping)."""

    provider = "moshi"

    def __init__(
        self,
        *,
        url: str,
        secrets: Sequence[ApiKey] = (),
        reconnect: ReconnectPolicy | None = None,
        open_timeout_s: float = 10.0,
        bitrate: int | None = None,
        quiet_steps: int = 12,
    ) -> None:
        super().__init__(
            url=url, secrets=secrets, reconnect=reconnect, open_timeout_s=open_timeout_s
        )
        if quiet_steps < 1:
            raise ConfigError(f"moshi: quiet_steps must be at least 1, got {quiet_steps}")
        self._uplink = OggOpusUplink(bitrate=bitrate)
        self._downlink = OggOpusDownlink()
        self._uplink_ws: ClientConnection | None = None
        self._quiet_steps = quiet_steps
        self._quiet = 0
        self._pieces: list[str] = []
        self._responses = 0
        self.protocol_version: int | None = None
        self.model_version: int | None = None

    # -- connection hooks -----------------------------------------------------------------

    async def on_open(self, ws: ClientConnection, *, resumed: bool) -> None:
        """Wait for the ``0x00`` handshake; a fresh Ogg stream each way per connection."""
        self._downlink.restart()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._open_timeout_s
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise BackendError(f"{self.provider}: no handshake", retryable=True) from None
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                reason = self.redact(exc.rcvd.reason if exc.rcvd else "")
                raise BackendError(
                    f"{self.provider}: closed before the handshake (close {code}): {reason}".rstrip(
                        ": "
                    ),
                    retryable=code != 1008,
                ) from None
            if isinstance(raw, bytes) and raw[:1] == bytes([KIND_HANDSHAKE]):
                self._handshake(raw[1:])
                return
            for event in self.decode(raw):
                self._queue.put_nowait(event)

    def _handshake(self, payload: bytes) -> None:
        if len(payload) >= 8:  # the Rust server: u32 protocol version, u32 model version (LE)
            self.protocol_version = int.from_bytes(payload[0:4], "little")
            self.model_version = int.from_bytes(payload[4:8], "little")

    def on_reconnected(self) -> None:
        self._quiet = 0
        self._pieces.clear()

    def handle_message(self, message: dict[str, Any]) -> list[RealtimeEvent]:
        raise ProtocolError(f"{self.provider}: the server speaks binary frames, not JSON")

    # -- RealtimeSession ------------------------------------------------------------------

    async def send_audio(self, frame: AudioInputFrame) -> None:
        """Send mono 24 kHz audio as Ogg Opus (40 ms packets, one page each, at once)."""
        if frame.sample_rate_hz != SAMPLE_RATE_HZ or frame.channels != 1:
            raise AudioFormatError(
                f"{self.provider}: audio must be mono at {SAMPLE_RATE_HZ} Hz, got "
                f"{frame.channels} channel(s) at {frame.sample_rate_hz} Hz"
            )
        ws = self._ws
        if ws is None or not self._connected.is_set():
            ws = await self._wait_connected()
        if ws is not self._uplink_ws:  # a new connection hears a new Ogg stream
            self._uplink.restart()
            self._uplink_ws = ws
        message = self._uplink.encode(frame.samples)
        if not message:
            return
        try:
            await ws.send(message)
        except ConnectionClosed:
            # 80 ms lost with the connection; the reader reconnects if the close was
            # transient and the next frame starts a new stream there.
            await self._wait_connected(stale=ws)

    async def send_event(self, event: ExternalContextEvent | ControlEvent) -> None:
        """Moshi takes no text, tools or turn commands: control events are no-ops (it
        handles overlap itself); context raises ``ConfigError``."""
        if isinstance(event, ExternalContextEvent):
            raise ConfigError(f"{self.provider}: cannot send {event.kind} context to Moshi")

    # -- server messages ------------------------------------------------------------------

    def decode(self, raw: str | bytes) -> list[RealtimeEvent]:
        """One websocket message to events; never raises for bad input."""
        if isinstance(raw, str):
            return [self._protocol_error("server sent a text frame (Moshi frames are binary)")]
        if not raw:
            return [self._protocol_error("server sent an empty frame")]
        kind = raw[0]
        payload = raw[1:]
        try:
            if kind == KIND_AUDIO:
                return self._audio(payload)
            if kind == KIND_TEXT:
                return self._text(payload.decode("utf-8"))
            if kind == KIND_COLORED_TEXT:
                return self._text(payload[1:].decode("utf-8"))
            if kind == KIND_ERROR:
                text = self.redact(payload.decode("utf-8", "replace"))
                return [RealtimeError(message=f"{self.provider}: {text}", code="server_error")]
            if kind == KIND_METADATA:
                return [UnknownEvent("metadata", {"metadata": json.loads(payload)})]
            if kind == KIND_HANDSHAKE:
                self._handshake(payload)
                return [UnknownEvent("handshake", {"bytes": payload.hex()})]
            if kind in KNOWN_UNUSED:
                return [UnknownEvent(f"kind_{kind:#04x}", {"bytes": payload[:64].hex()})]
        except ProtocolError as exc:
            return [self._protocol_error(str(exc).removeprefix(f"{self.provider}: "))]
        except (UnicodeDecodeError, ValueError) as exc:
            return [self._protocol_error(f"malformed kind {kind:#04x} frame ({exc})")]
        return [self._protocol_error(f"unknown message kind {kind:#04x}")]

    def _audio(self, payload: bytes) -> list[RealtimeEvent]:
        pcm = self._downlink.decode(payload)
        if not pcm.shape[0]:
            return []
        events: list[RealtimeEvent] = [AudioDelta(samples=pcm, sample_rate_hz=SAMPLE_RATE_HZ)]
        if self._pieces:
            self._quiet += 1
            if self._quiet >= self._quiet_steps:
                events.extend(self._end_response())
        return events

    def _text(self, piece: str) -> list[RealtimeEvent]:
        if not self._pieces:
            self._responses += 1
        self._pieces.append(piece)
        self._quiet = 0
        return [TranscriptDelta(text=piece, item_id=f"moshi-{self._responses}")]

    def _end_response(self) -> list[RealtimeEvent]:
        text = "".join(self._pieces).strip()
        self._pieces.clear()
        self._quiet = 0
        item = f"moshi-{self._responses}"
        return [TranscriptDelta(text=text, final=True, item_id=item), ResponseDone()]
