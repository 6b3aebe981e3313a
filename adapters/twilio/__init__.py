"""Twilio Media Streams: phone calls into any Vona backend.

``serve_twilio(connection, run)`` serves the Media Stream WebSocket of one call (the
route ``/telephony/twilio``), ``twiml(stream_url)`` is the TwiML that connects a call to
it, and ``TwilioMediaStreamTransport`` is the call's ``AudioTransport`` (8 kHz, G.711
mu-law by Vona's native codec). The protocol itself is ``vona.transports.media_stream``.
"""

from __future__ import annotations

from vona.adapters.twilio.media_streams import TwilioMediaStreamTransport, serve_twilio, twiml

__all__ = ["TwilioMediaStreamTransport", "serve_twilio", "twiml"]
