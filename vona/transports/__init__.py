"""Transports: where user audio comes from and assistant audio goes.

``AudioTransport`` (``vona.transports.base``) is the contract; every module beside it is
one implementation of it (``scripted``: fixture audio in, output recorded and played
through a simulated device buffer; ``websocket``: the ``/ws`` protocol of ``vona serve``;
``device``: the local microphone and speaker through sounddevice). Remote backends are
not transports: see ``vona.remote``.
"""

from __future__ import annotations

from vona.transports.base import AudioTransport

__all__ = ["AudioTransport"]
