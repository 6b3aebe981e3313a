"""What this adapter registers: the ``openai-realtime`` realtime backend."""

from __future__ import annotations

from vona.adapters.openai_realtime.backend import OpenAIRealtimeBackend
from vona.registry import BackendEntry

__all__ = ["BACKEND"]

BACKEND = BackendEntry(
    "realtime", OpenAIRealtimeBackend, "OpenAI Realtime (GA shape, or beta by a setting)"
)
