"""Any server speaking OpenAI's ``/v1/chat/completions`` streaming shape as a ``Responder``:
OpenAI, Azure OpenAI, Groq, vLLM, llama.cpp's server, LM Studio, Ollama's ``/v1``.

The reply streams as Server-Sent Events; text deltas are yielded as they arrive, and tool
calls, whose JSON arguments arrive in pieces keyed by ``index``, are assembled and yielded
once the choice finishes. Closing the iterator (a barge-in, a withdrawn eager turn) closes
the HTTP stream, so the server stops generating.
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("openai", "httpx", feature=__name__)

import asyncio
import json
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from vona.adapters._hosted import (
    Backoff,
    LoopClient,
    base_url_from,
    optional_key,
    redacted,
    require,
    status_error,
)
from vona.backends.cascade.protocols import ChatMessage, ResponderEvent, TextDelta, ToolCallRequest
from vona.config import ToolSpec
from vona.errors import BackendError, ConfigError, ProtocolError
from vona.realtime.secrets import ApiKey

__all__ = ["OpenAIChat", "to_openai_messages"]

PROVIDER = "openai-chat"
DEFAULT_BASE_URL = "https://api.openai.com/v1"


def to_openai_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Vona chat messages in the chat-completions shape."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "tool":
            out.append({"role": "tool", "tool_call_id": m.call_id or "", "content": m.content})
            continue
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["content"] = m.content or None
            item["tool_calls"] = [
                {
                    "id": c.call_id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in m.tool_calls
            ]
        out.append(item)
    return out


@dataclass
class _PartialCall:
    call_id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def done(self, index: int) -> ToolCallRequest:
        text = "".join(self.arguments).strip()
        if not self.name:
            raise ProtocolError(f"{PROVIDER}: tool call {index} has no function name")
        try:
            args = json.loads(text) if text else {}
        except ValueError as exc:
            raise ProtocolError(f"{PROVIDER}: tool call {self.name}: bad arguments") from exc
        if not isinstance(args, dict):
            raise ProtocolError(f"{PROVIDER}: tool call {self.name}: arguments not an object")
        return ToolCallRequest(self.call_id or f"call_{index}", self.name, args)


class OpenAIChat:
    """A chat-completions ``Responder``.

    ``model`` defaults to ``$OPENAI_MODEL``; ``base_url`` to ``$OPENAI_BASE_URL`` or
    OpenAI's; ``api_key`` to ``$OPENAI_API_KEY`` (optional for self-hosted servers).
    Azure OpenAI: ``base_url`` = the deployment's URL, ``api_key_header="api-key"`` and
    ``query={"api-version": ...}``. ``extra_body`` merges into every request body.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | ApiKey | None = None,
        system: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        api_key_header: str = "Authorization",
        query: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout_s: float = 60.0,
        backoff: Backoff | None = None,
    ) -> None:
        self.model = model or os.environ.get("OPENAI_MODEL") or ""
        if not self.model:
            raise ConfigError(
                f"{PROVIDER}: no model; pass model=... (--llm-model) or set OPENAI_MODEL"
            )
        self.base_url = base_url_from(base_url, "OPENAI_BASE_URL", DEFAULT_BASE_URL)
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{PROVIDER}: base_url must be http(s)://, got {self.base_url!r}")
        self._key = optional_key(api_key, "OPENAI_API_KEY")
        if self._key is None and self.base_url == DEFAULT_BASE_URL:
            raise ConfigError(f"{PROVIDER}: no API key; pass api_key=... or set OPENAI_API_KEY")
        if timeout_s <= 0:
            raise ConfigError(f"{PROVIDER}: timeout_s must be > 0")
        self.system = system
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.api_key_header = api_key_header
        self.query = dict(query or {})
        self.extra_body = dict(extra_body or {})
        self.timeout_s = timeout_s
        self.backoff = backoff or Backoff()
        self._http = LoopClient(timeout_s)

    def __repr__(self) -> str:
        return (
            f"OpenAIChat(model={self.model!r}, base_url={self.base_url!r}, api_key={self._key!r})"
        )

    def _secrets(self) -> list[ApiKey]:
        return [self._key] if self._key is not None else []

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self._key is not None:
            value = self._key.reveal()
            bearer = self.api_key_header.lower() == "authorization"
            headers[self.api_key_header] = f"Bearer {value}" if bearer else value
        return headers

    def body(self, messages: list[ChatMessage], tools: list[ToolSpec]) -> dict[str, Any]:
        """The JSON body of one request."""
        msgs = to_openai_messages(messages)
        if self.system and not any(m["role"] == "system" for m in msgs):
            msgs.insert(0, {"role": "system", "content": self.system})
        body: dict[str, Any] = {"model": self.model, "messages": msgs, "stream": True}
        if tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in tools
            ]
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        body.update(self.extra_body)
        return body

    async def respond(
        self, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[ResponderEvent]:
        httpx = require("httpx", "openai", PROVIDER)
        body = self.body(messages, tools)
        url = self.base_url + "/chat/completions"
        delays = self.backoff.delays()
        client = self._http.get()  # one per loop, kept across replies
        while True:
            produced = False
            try:
                async with client.stream(
                    "POST", url, json=body, headers=self._headers(), params=self.query
                ) as resp:
                    if resp.status_code != 200:
                        await resp.aread()
                        raise status_error(PROVIDER, resp.status_code, resp.text, self._secrets())
                    async for event in self._events(resp.aiter_lines()):
                        produced = True
                        yield event
                    return
            except httpx.TransportError as exc:
                error = redacted(exc, PROVIDER, self._secrets())
            except BackendError as exc:
                error = exc
            # a reply already partly delivered cannot be replayed: the caller decides
            delay = next(delays, None) if error.retryable and not produced else None
            if delay is None:
                raise error
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        """Close the kept HTTP client (connections are otherwise reused across replies)."""
        await self._http.aclose()

    async def _events(self, lines: AsyncIterator[str]) -> AsyncIterator[ResponderEvent]:
        calls: dict[int, _PartialCall] = {}
        finished = False
        async for line in lines:
            if not line.startswith("data:"):
                continue  # comments (": keep-alive"), event names, blank separators
            data = line[5:].strip()
            if data == "[DONE]":
                break
            chunk = _decode(data)
            if isinstance(chunk.get("error"), dict):
                message = str(chunk["error"].get("message", chunk["error"]))
                raise BackendError(f"{PROVIDER}: server error: {message}", retryable=True)
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta") or {}
                content = delta.get("content")
                if content:
                    yield TextDelta(str(content))
                for raw in delta.get("tool_calls") or []:
                    _merge(calls, raw)
                if choice.get("finish_reason"):
                    finished = True
                    for index in sorted(calls):
                        yield calls[index].done(index)
                    calls.clear()
        else:
            if not finished:
                raise BackendError(f"{PROVIDER}: the stream ended early", retryable=True)
        for index in sorted(calls):  # servers that end with [DONE] and no finish_reason
            yield calls[index].done(index)


def _decode(data: str) -> dict[str, Any]:
    try:
        chunk = json.loads(data)
    except ValueError as exc:
        raise ProtocolError(f"{PROVIDER}: a stream event is not JSON: {data[:200]!r}") from exc
    if not isinstance(chunk, dict):
        raise ProtocolError(f"{PROVIDER}: a stream event is not an object: {data[:200]!r}")
    return chunk


def _merge(calls: dict[int, _PartialCall], raw: Any) -> None:
    if not isinstance(raw, dict):
        raise ProtocolError(f"{PROVIDER}: a tool-call delta is not an object")
    index = raw.get("index", len(calls))
    if not isinstance(index, int):
        raise ProtocolError(f"{PROVIDER}: a tool-call delta has no integer index")
    call = calls.setdefault(index, _PartialCall())
    if raw.get("id"):
        call.call_id = str(raw["id"])
    fn = raw.get("function") or {}
    if fn.get("name") and not call.name:  # some servers repeat the name in every delta
        call.name = str(fn["name"])
    if fn.get("arguments"):
        call.arguments.append(str(fn["arguments"]))
