"""Telephony media streams: a phone call as an ``AudioTransport``.

This is the JSON media-stream protocol of Twilio Media Streams; the provider-named entry
points (``TwilioMediaStreamTransport``, ``serve_twilio``, ``twiml``) live in
``vona.adapters.twilio``. The telephony service connects a call to a WebSocket and speaks
JSON text messages on it: ``connected``, then ``start`` (the ``streamSid`` and the
``mediaFormat``, always ``audio/x-mulaw`` at 8000 Hz mono), ``media`` (base64 mu-law,
20 ms each), ``dtmf`` (a key press), ``mark`` (a mark we sent has been played) and
``stop`` (the call ended). We send ``media`` (base64 mu-law with the ``streamSid``), a
``mark`` after each reply segment and ``clear`` on barge-in, which drops what Twilio
has queued.

The transport runs at 8 kHz: the session driver resamples between it and each model's
own rate. Twilio queues what it is sent and plays it in real time, so the transport
``paces_output``; the marks coming back tell what the caller has actually heard
(``played_samples()``), which is what barge-in truncation needs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from vona.clock import Clock, default_clock
from vona.codec import ulaw_decode, ulaw_encode
from vona.errors import AudioFormatError, ConfigError, ProtocolError, TransportError
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.metrics import SessionMetrics
from vona.transports.base import AudioTransport

__all__ = [
    "MEDIA_STREAM_RATE_HZ",
    "MediaStreamConnection",
    "MediaStreamStart",
    "MediaStreamTransport",
    "serve_media_stream",
]

MEDIA_STREAM_RATE_HZ = 8000
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024  # a 20 ms media message is about 300 bytes
# RFC 6455 close codes: 1000 normal, 1008 policy violation (the peer broke the protocol).
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008


class MediaStreamConnection(Protocol):
    """The WebSocket as the transport needs it: a ``websockets`` server connection, or
    any object whose ``recv`` returns ``None`` (or raises ``ConnectionError``) at the end."""

    async def recv(self) -> str | bytes | None: ...

    async def send(self, message: str) -> None: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(slots=True, frozen=True)
class MediaStreamStart:
    """What the ``start`` event said about the stream."""

    stream_sid: str
    call_sid: str = ""
    account_sid: str = ""
    tracks: tuple[str, ...] = ()
    custom_parameters: dict[str, Any] = field(default_factory=dict)


def _closed_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "the peer is gone" (websockets' own if it is installed)."""
    try:
        from websockets.exceptions import ConnectionClosed
    except ImportError:
        return (ConnectionError,)
    return (ConnectionError, ConnectionClosed)


def _field(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind):
        raise ProtocolError(f"media stream {where}.{key} must be a {kind.__name__}, got {value!r}")
    return value


class MediaStreamTransport:
    """One Media Stream (one call). ``await start()`` reads up to the ``start`` event;
    then ``recv`` yields the caller's audio (8 kHz int16) until ``stop`` or the socket
    closes, and ``send`` plays replies. ``dtmf`` lists the keys pressed so far, and
    ``on_dtmf`` (if given) is called with each one."""

    sample_rate_hz = MEDIA_STREAM_RATE_HZ
    channels = 1
    paces_output = True
    # a phone on speaker hears the reply: the runtime cancels its echo (vona.transports.base)
    echo_cancelled = False

    def __init__(
        self,
        connection: MediaStreamConnection,
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        on_dtmf: Callable[[str], None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        if max_message_bytes < 1024:
            raise ConfigError(f"max_message_bytes must be >= 1024, got {max_message_bytes}")
        self._conn = connection
        self._closed_errors = _closed_errors()
        self.max_message_bytes = max_message_bytes
        self.on_dtmf = on_dtmf
        self._clock = clock
        self.info: MediaStreamStart | None = None
        self.dtmf: list[str] = []
        self.stopped = False  # Twilio sent stop, or the socket closed
        self._seq = 0
        self._marks: OrderedDict[str, int] = OrderedDict()  # sent, not yet played: name -> n
        self._mark_no = 0
        self._sent = 0
        self._heard = 0
        self.discarded_samples = 0  # reply audio sent after the call ended
        self._send_lock = asyncio.Lock()

    @property
    def stream_sid(self) -> str:
        if self.info is None:
            raise TransportError("the media stream has not started (await start() first)")
        return self.info.stream_sid

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = default_clock()
        return self._clock

    # -- the socket --------------------------------------------------------------------

    async def _message(self) -> dict[str, Any] | None:
        """The next JSON event, or None once the socket is closed."""
        try:
            raw = await self._conn.recv()
        except self._closed_errors:
            raw = None
        if raw is None:
            self.stopped = True
            return None
        if len(raw) > self.max_message_bytes:
            raise ProtocolError(
                f"media stream message of {len(raw)} bytes exceeds max_message_bytes="
                f"{self.max_message_bytes}"
            )
        if isinstance(raw, bytes):
            raise ProtocolError("media streams carry JSON text messages, got a binary message")
        try:
            event = json.loads(raw)
        except ValueError:
            raise ProtocolError(f"media stream message is not JSON: {raw[:80]!r}") from None
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise ProtocolError(f"media stream message has no 'event' name: {raw[:80]!r}")
        return event

    async def _send_json(self, message: dict[str, Any]) -> bool:
        """Send one event; False if the call is gone."""
        if self.stopped:
            return False
        try:
            await self._conn.send(json.dumps(message, separators=(",", ":")))
        except self._closed_errors:
            self.stopped = True
            return False
        return True

    async def start(self) -> MediaStreamStart | None:
        """Read ``connected`` and ``start``; None if the socket closed before ``start``."""
        while self.info is None:
            event = await self._message()
            if event is None:
                return None
            name = event["event"]
            if name == "connected":
                continue
            if name != "start":
                raise ProtocolError(f"media stream sent {name!r} before 'start'")
            self.info = self._parse_start(event)
        return self.info

    @staticmethod
    def _parse_start(event: dict[str, Any]) -> MediaStreamStart:
        start = _field(event, "start", dict, "start")
        sid = event.get("streamSid") or start.get("streamSid")
        if not isinstance(sid, str) or not sid:
            raise ProtocolError("media stream start event carries no streamSid")
        fmt = _field(start, "mediaFormat", dict, "start")
        encoding, rate = fmt.get("encoding"), fmt.get("sampleRate")
        channels = fmt.get("channels", 1)
        if encoding != "audio/x-mulaw" or rate != MEDIA_STREAM_RATE_HZ or channels != 1:
            raise ProtocolError(
                "media stream mediaFormat must be audio/x-mulaw at 8000 Hz mono, got "
                f"{encoding!r} at {rate!r} Hz x{channels!r}"
            )
        params = start.get("customParameters") or {}
        return MediaStreamStart(
            stream_sid=sid,
            call_sid=str(start.get("callSid", "")),
            account_sid=str(start.get("accountSid", "")),
            tracks=tuple(str(t) for t in start.get("tracks", ()) or ()),
            custom_parameters=dict(params) if isinstance(params, dict) else {},
        )

    # -- AudioTransport ----------------------------------------------------------------

    async def recv(self) -> AudioInputFrame | None:
        if self.info is None and await self.start() is None:
            return None
        while not self.stopped:
            event = await self._message()
            if event is None:
                return None
            name = event["event"]
            if name == "media":
                frame = self._media(event)
                if frame is not None:
                    return frame
            elif name == "mark":
                self._mark_played(event)
            elif name == "dtmf":
                self._dtmf(event)
            elif name == "stop":
                self.stopped = True
                return None
            elif name in ("connected", "start"):
                raise ProtocolError(f"media stream sent a second {name!r} event")
            else:
                raise ProtocolError(f"unknown media stream event {name!r}")
        return None

    def _media(self, event: dict[str, Any]) -> AudioInputFrame | None:
        media = _field(event, "media", dict, "media")
        if media.get("track", "inbound") not in ("inbound", "inbound_track"):
            return None  # a both-tracks stream also echoes our own audio: not the caller
        payload = _field(media, "payload", str, "media")
        try:
            codes = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError("media stream media.payload is not valid base64") from None
        if not codes:
            return None
        self._seq += 1
        pcm = ulaw_decode(codes)
        return AudioInputFrame(self._seq, MEDIA_STREAM_RATE_HZ, 1, pcm, self.clock.now_ns())

    def _mark_played(self, event: dict[str, Any]) -> None:
        mark = _field(event, "mark", dict, "mark")
        name = mark.get("name")
        # Marks play in order; one we no longer hold was cleared (Twilio returns those too).
        if name in self._marks:
            while self._marks:
                key, n = self._marks.popitem(last=False)
                self._heard += n
                if key == name:
                    break

    def _dtmf(self, event: dict[str, Any]) -> None:
        dtmf = _field(event, "dtmf", dict, "dtmf")
        digit = _field(dtmf, "digit", str, "dtmf")
        self.dtmf.append(digit)
        if self.on_dtmf is not None:
            self.on_dtmf(digit)

    async def send(self, frame: AudioOutputFrame) -> None:
        if frame.sample_rate_hz != MEDIA_STREAM_RATE_HZ or frame.channels != 1:
            raise AudioFormatError(
                f"a media stream plays 8000 Hz mono; got a {frame.sample_rate_hz} Hz "
                f"x{frame.channels} frame"
            )
        n = frame.samples_per_channel
        if n == 0:
            return
        sid = self.stream_sid
        codes = ulaw_encode(np.ascontiguousarray(frame.samples)).tobytes()
        payload = base64.b64encode(codes).decode()
        async with self._send_lock:  # a media message and its mark stay together
            self._mark_no += 1
            name = f"vona-{self._mark_no}"
            ok = await self._send_json(
                {"event": "media", "streamSid": sid, "media": {"payload": payload}}
            )
            if ok:
                self._marks[name] = n
                self._sent += n
                ok = await self._send_json(
                    {"event": "mark", "streamSid": sid, "mark": {"name": name}}
                )
            if not ok:
                # The caller hung up mid-reply: nobody can hear it; the session ends on recv.
                self._marks.pop(name, None)
                self.discarded_samples += n

    async def clear(self) -> int:
        """Send ``clear``; returns the samples sent whose marks have not come back."""
        dropped = sum(self._marks.values())
        self._marks.clear()
        if self.info is not None:
            await self._send_json({"event": "clear", "streamSid": self.info.stream_sid})
        return dropped

    def played_samples(self) -> int | None:
        """Reply samples the caller has heard (their marks came back), at 8 kHz."""
        return None if self.info is None else self._heard

    @property
    def sent_samples(self) -> int:
        return self._sent

    async def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        """Close the socket (a reason is cut to the 123 bytes a close frame allows)."""
        self.stopped = True
        reason = reason.encode()[:123].decode(errors="ignore")
        with contextlib.suppress(*self._closed_errors):
            await self._conn.close(code, reason)


async def serve_media_stream(
    connection: MediaStreamConnection,
    run: Callable[[AudioTransport], Awaitable[SessionMetrics]],
    *,
    make_transport: Callable[[MediaStreamConnection], MediaStreamTransport] | None = None,
    start_timeout_s: float = 30.0,
) -> None:
    """Serve one media-stream WebSocket: wait for ``start``, run the session, close the
    socket. A protocol error closes it with 1008 and the error's text; a call that ends
    mid-reply ends the session cleanly, and so does a socket with no ``start`` within
    ``start_timeout_s``. ``make_transport`` builds the transport (default
    ``MediaStreamTransport(connection)``)."""
    transport = (make_transport or MediaStreamTransport)(connection)
    try:
        if await asyncio.wait_for(transport.start(), start_timeout_s) is None:
            return
    except ProtocolError as exc:
        await transport.close(CLOSE_POLICY, str(exc))
        return
    except asyncio.TimeoutError:
        await transport.close(CLOSE_POLICY, f"no 'start' event within {start_timeout_s:g} s")
        return
    metrics = await run(transport)
    error = metrics.error
    if error:
        await transport.close(CLOSE_POLICY, str(error.get("message") or error))
    else:
        await transport.close(CLOSE_NORMAL)
