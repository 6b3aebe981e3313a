"""``vona serve``: a web page, the ``/ws`` WebSocket protocol and the routes other
transports mount, serving one backend to many sessions (extra ``serve``).

``VonaServer`` (``vona.serve.app``) owns the routes and the session runner;
``ServerConnection`` is an accepted WebSocket as route handlers see it; ``tap_transcripts``
lets a transport show the transcripts of a shared backend's session. The page's files
live in ``static/`` and ship in the package.
"""

from __future__ import annotations

from vona.serve.app import RequestInfo, SessionRunner, VonaServer, serve_forever
from vona.serve.connection import ServerConnection
from vona.serve.tap import tap_transcripts

__all__ = [
    "RequestInfo",
    "ServerConnection",
    "SessionRunner",
    "VonaServer",
    "serve_forever",
    "tap_transcripts",
]
