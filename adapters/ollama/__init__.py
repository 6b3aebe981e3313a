"""Ollama as a streaming ``Responder``: ``POST /api/chat`` with NDJSON streaming over httpx.

Every streamed line is checked for an ``error`` key (Ollama reports failures mid-stream
after a 200), text fragments become ``TextDelta``s and ``message.tool_calls`` become
``ToolCallRequest``s with decoded arguments.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("local", "httpx", feature=__name__)

import json
import os
from collections.abc import AsyncIterator
from typing import Any

from vona.backends.cascade.protocols import ChatMessage, ResponderEvent, TextDelta, ToolCallRequest
from vona.config import ToolSpec
from vona.errors import BackendError, ConfigError, ProtocolError

__all__ = ["OllamaLlm", "to_ollama_messages"]

DEFAULT_HOST = "http://localhost:11434"


def to_ollama_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Vona chat messages in Ollama's shape (tool results carry ``tool_name``)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.role == "tool" and m.name:
            item["tool_name"] = m.name
        if m.tool_calls:
            item["tool_calls"] = [
                {"id": c.call_id, "function": {"name": c.name, "arguments": c.arguments}}
                for c in m.tool_calls
            ]
        out.append(item)
    return out


def _tool_payload(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


class OllamaLlm:
    """Chat with a local Ollama server. ``host`` defaults to ``$OLLAMA_HOST`` or
    ``http://localhost:11434``; ``options`` go through as Ollama's ``options``."""

    def __init__(
        self,
        model: str,
        *,
        host: str | None = None,
        system: str | None = None,
        options: dict[str, Any] | None = None,
        keep_alive: str | int | None = None,
        timeout: float = 60.0,
    ) -> None:
        if not model:
            raise ConfigError("OllamaLlm needs a model name, e.g. 'llama3.2'")
        base = host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST
        if "://" not in base:
            base = "http://" + base
        self.host = base.rstrip("/")
        self.model = model
        self.system = system
        self.options = dict(options or {})
        self.keep_alive = keep_alive
        self.timeout = timeout
        self._calls = 0

    def _body(self, messages: list[ChatMessage], tools: list[ToolSpec]) -> dict[str, Any]:
        msgs = to_ollama_messages(messages)
        if self.system and not any(m["role"] == "system" for m in msgs):
            msgs.insert(0, {"role": "system", "content": self.system})
        body: dict[str, Any] = {"model": self.model, "messages": msgs, "stream": True}
        if tools:
            body["tools"] = _tool_payload(tools)
        if self.options:
            body["options"] = self.options
        if self.keep_alive is not None:
            body["keep_alive"] = self.keep_alive
        return body

    def _tool_calls(self, message: dict[str, Any]) -> list[ToolCallRequest]:
        calls = []
        for raw in message.get("tool_calls") or []:
            fn = raw.get("function") or {}
            name = fn.get("name")
            if not isinstance(name, str) or not name:
                raise ProtocolError(f"Ollama tool call without a function name: {raw!r}")
            args = fn.get("arguments", {})
            if isinstance(args, str):  # some servers send a JSON string
                try:
                    args = json.loads(args) if args.strip() else {}
                except ValueError as exc:
                    raise ProtocolError(f"Ollama tool call {name}: bad arguments {args!r}") from exc
            if not isinstance(args, dict):
                raise ProtocolError(f"Ollama tool call {name}: arguments must be an object")
            self._calls += 1
            call_id = raw.get("id") or f"ollama_call_{self._calls}"
            calls.append(ToolCallRequest(str(call_id), name, args))
        return calls

    async def respond(
        self, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[ResponderEvent]:
        import httpx

        body = self._body(messages, tools)
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout) as client,
                client.stream("POST", self.host + "/api/chat", json=body) as resp,
            ):
                if resp.status_code != 200:
                    await resp.aread()
                    raise _http_error(resp.status_code, resp.text)
                async for line in resp.aiter_lines():
                    if not line.strip():
                        continue
                    try:
                        chunk = json.loads(line)
                    except ValueError as exc:
                        raise ProtocolError(f"Ollama sent a non-JSON line: {line[:200]!r}") from exc
                    if not isinstance(chunk, dict):
                        raise ProtocolError(f"Ollama sent a non-object line: {line[:200]!r}")
                    if "error" in chunk:
                        raise BackendError(f"Ollama error: {chunk['error']}", retryable=True)
                    message = chunk.get("message") or {}
                    for call in self._tool_calls(message):
                        yield call
                    content = message.get("content")
                    if content:
                        yield TextDelta(str(content))
                    if chunk.get("done"):
                        return
        except httpx.TransportError as exc:
            raise BackendError(f"Ollama at {self.host} unreachable: {exc}", retryable=True) from exc
        raise ProtocolError("Ollama stream ended without a done line")


def _http_error(status: int, text: str) -> BackendError:
    try:
        message = str(json.loads(text).get("error", text))
    except (ValueError, AttributeError):
        message = text[:200]
    return BackendError(
        f"Ollama HTTP {status}: {message}", retryable=status >= 500 or status == 429
    )
