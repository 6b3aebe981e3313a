"""What this adapter registers: the ``moshi`` realtime backend."""

from __future__ import annotations

from vona.adapters.moshi.backend import MoshiBackend
from vona.registry import BackendEntry

__all__ = ["BACKEND"]

BACKEND = BackendEntry("realtime", MoshiBackend, "Kyutai Moshi (full duplex, Ogg Opus websocket)")
