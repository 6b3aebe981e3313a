"""What this adapter registers: the ``gemini-live`` realtime backend."""

from __future__ import annotations

from vona.adapters.gemini_live.backend import GeminiLiveBackend
from vona.registry import BackendEntry

__all__ = ["BACKEND"]

BACKEND = BackendEntry("realtime", GeminiLiveBackend, "Gemini Live API (BidiGenerateContent)")
