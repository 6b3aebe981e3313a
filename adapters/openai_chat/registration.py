"""What this adapter registers: the ``openai-chat`` responder."""

from __future__ import annotations

from vona.adapters.openai_chat import OpenAIChat
from vona.registry import EngineEntry

__all__ = ["RESPONDER"]

RESPONDER = EngineEntry(
    "responder", OpenAIChat, "any /v1/chat/completions server (OpenAI, vLLM, llama.cpp, ...)"
)
