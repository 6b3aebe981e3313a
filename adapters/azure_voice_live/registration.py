"""What this adapter registers: the ``azure-voice-live`` realtime backend."""

from __future__ import annotations

from vona.adapters.azure_voice_live.backend import AzureVoiceLiveBackend
from vona.registry import BackendEntry

__all__ = ["BACKEND"]

BACKEND = BackendEntry(
    "realtime", AzureVoiceLiveBackend, "Azure AI Voice Live (an OpenAI-shaped dialect)"
)
