"""A loopback fake of ``POST /v1/chat/completions`` streaming (Server-Sent Events).

Each request takes the next ``ChatReply`` of ``replies`` (the last one repeats): text
pieces streamed as ``delta.content``, then tool calls whose JSON arguments go out in
several pieces per ``index`` (as OpenAI streams them), then ``finish_reason`` and
``data: [DONE]``. A wrong key gets OpenAI's 401 body; ``status`` answers with an error;
``drop_after`` hangs up mid-stream; ``delay_s`` spaces the chunks (a slow model)::

    async with OpenAIChatFake(replies=[ChatReply(["Hi ", "there."])]) as fake:
        llm = OpenAIChat("gpt-4o-mini", base_url=fake.base_url + "/v1", api_key="test-key")
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from vona.adapters._httpfake import HttpReply, HttpRequest, LoopbackHttp, json_reply

__all__ = ["ChatReply", "FakeCall", "OpenAIChatFake", "sse_chunks"]


@dataclass(frozen=True)
class FakeCall:
    """A tool call the fake model makes."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = "call_1"


@dataclass(frozen=True)
class ChatReply:
    """One streamed answer (see the module docstring)."""

    text: list[str] = field(default_factory=lambda: ["Hello ", "there."])
    tool_calls: list[FakeCall] = field(default_factory=list)
    status: int = 200
    drop_after: int | None = None
    delay_s: float = 0.0


def sse_chunks(reply: ChatReply, model: str) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of ``reply``."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1735689600,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": piece}) for piece in reply.text]
    for index, call in enumerate(reply.tool_calls):
        text = json.dumps(call.arguments)
        third = max(1, len(text) // 3)
        pieces = [text[i : i + third] for i in range(0, len(text), third)]
        head = {"index": index, "id": call.call_id, "type": "function"}
        out.append(
            chunk({"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]})
        )
        out += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": p}}]}) for p in pieces
        ]
    out.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
    return out


class OpenAIChatFake(LoopbackHttp):
    """The fake server; see the module docstring."""

    def __init__(
        self, *, api_key: str = "test-key", replies: list[ChatReply] | None = None
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.replies = list(replies or [ChatReply()])
        self.served = 0

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat requests received."""
        return [r.json() for r in self.requests if r.path.endswith("/chat/completions")]

    async def reply(self, request: HttpRequest) -> HttpReply:
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            return json_reply(
                404, {"error": {"message": "Not found", "type": "invalid_request_error"}}
            )
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        key = key or request.headers.get("api-key", "")
        if key != self.api_key:
            return json_reply(
                401,
                {
                    "error": {
                        "message": "Incorrect API key provided.",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            )
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        if reply.status != 200:
            kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
            return json_reply(reply.status, {"error": {"message": f"fake {kind}", "type": kind}})
        model = str(request.json().get("model", "fake"))
        return HttpReply(
            200,
            {"content-type": "text/event-stream"},
            self._stream(sse_chunks(reply, model), reply.delay_s),
            drop_after=reply.drop_after,
        )

    async def _stream(self, chunks: list[dict[str, Any]], delay_s: float) -> AsyncIterator[bytes]:
        for c in chunks:
            if delay_s:
                await asyncio.sleep(delay_s)
            yield f"data: {json.dumps(c)}\n\n".encode()
        yield b"data: [DONE]\n\n"
