"""The Twilio-named entry points over the media-stream transport, and TwiML."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from xml.sax.saxutils import quoteattr

from vona.errors import ConfigError
from vona.metrics import SessionMetrics
from vona.transports.base import AudioTransport
from vona.transports.media_stream import (
    MediaStreamConnection,
    MediaStreamTransport,
    serve_media_stream,
)

__all__ = ["TwilioMediaStreamTransport", "serve_twilio", "twiml"]


class TwilioMediaStreamTransport(MediaStreamTransport):
    """One Twilio Media Stream (one call) as an ``AudioTransport``: ``connected``,
    ``start``, ``media``, ``mark``, ``dtmf`` and ``stop`` in; ``media``, ``mark`` and
    ``clear`` out, mu-law at 8 kHz. See ``MediaStreamTransport``."""


async def serve_twilio(
    connection: MediaStreamConnection,
    run: Callable[[AudioTransport], Awaitable[SessionMetrics]],
    *,
    start_timeout_s: float = 30.0,
) -> None:
    """Serve one Twilio Media Stream WebSocket (``/telephony/twilio``): wait for
    ``start`` (up to ``start_timeout_s``), run ``run(transport)``, close the socket (1008
    with the reason on a protocol error or a missing start, 1000 otherwise)."""
    await serve_media_stream(
        connection,
        run,
        make_transport=TwilioMediaStreamTransport,
        start_timeout_s=start_timeout_s,
    )


def twiml(stream_url: str) -> str:
    """The TwiML that connects a call to the Media Stream at ``stream_url`` (ws:// or wss://)."""
    if not isinstance(stream_url, str) or not stream_url.startswith(("wss://", "ws://")):
        raise ConfigError(f"stream_url must be a ws:// or wss:// URL, got {stream_url!r}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Connect><Stream url={quoteattr(stream_url)}/></Connect></Response>"
    )
