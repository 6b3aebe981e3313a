"""What this adapter registers: the ``qwen-realtime`` realtime backend."""

from __future__ import annotations

from vona.adapters.qwen_realtime.backend import QwenRealtimeBackend
from vona.registry import BackendEntry

__all__ = ["BACKEND"]

BACKEND = BackendEntry(
    "realtime", QwenRealtimeBackend, "Qwen-Omni Realtime on DashScope (an OpenAI-shaped dialect)"
)
