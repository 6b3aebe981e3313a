"""What this adapter registers: the ``ollama`` responder (``model`` is required)."""

from __future__ import annotations

from vona.adapters.ollama import OllamaLlm
from vona.registry import EngineEntry

__all__ = ["RESPONDER"]

RESPONDER = EngineEntry("responder", OllamaLlm, "a local Ollama server's /api/chat, streamed")
