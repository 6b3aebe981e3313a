"""OllamaLlm against its loopback fake of /api/chat (vona.adapters.ollama.fake)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vona.adapters.ollama import OllamaLlm
from vona.adapters.ollama.fake import OllamaFake
from vona.adapters.ollama.fake import chat_line as _line
from vona.backends.cascade import ChatMessage, TextDelta, ToolCallRequest
from vona.config import ToolSpec
from vona.errors import BackendError, ConfigError, ProtocolError


@pytest.fixture
def ollama() -> Iterator[OllamaFake]:
    with OllamaFake() as fake:
        yield fake


async def _collect(
    llm: OllamaLlm, messages: list[ChatMessage], tools: list[ToolSpec] | None = None
):
    return [ev async for ev in llm.respond(messages, tools or [])]


async def test_streams_text_deltas(ollama):
    ollama.lines = [_line("Hel"), _line("lo! "), _line("Bye."), _line(done=True)]
    llm = OllamaLlm(
        "llama3.2", host=ollama.base_url, options={"temperature": 0}, system="Be brief."
    )
    events = await _collect(llm, [ChatMessage("user", "Say hello")])
    assert events == [TextDelta("Hel"), TextDelta("lo! "), TextDelta("Bye.")]
    [req] = ollama.requests
    assert req["path"] == "/api/chat"
    body = req["body"]
    assert body["stream"] is True
    assert body["options"] == {"temperature": 0}
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello"},
    ]
    assert "tools" not in body


async def test_tool_calls_and_tool_results_round_trip(ollama):
    call = {
        "id": "call_1",
        "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}},
    }
    ollama.lines = [_line("", tool_calls=[call]), _line(done=True)]
    tool = ToolSpec(
        name="get_weather",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    llm = OllamaLlm("llama3.2", host=ollama.base_url)
    events = await _collect(llm, [ChatMessage("user", "Weather in Paris?")], [tool])
    assert events == [ToolCallRequest("call_1", "get_weather", {"city": "Paris"})]
    assert ollama.requests[0]["body"]["tools"][0]["function"]["name"] == "get_weather"
    ollama.lines = [_line("It is sunny."), _line(done=True)]
    history = [
        ChatMessage("user", "Weather in Paris?"),
        ChatMessage("assistant", "", tool_calls=[events[0]]),  # type: ignore[list-item]
        ChatMessage("tool", '{"temp": 21}', name="get_weather", call_id="call_1"),
    ]
    assert await _collect(llm, history, [tool]) == [TextDelta("It is sunny.")]
    sent = ollama.requests[1]["body"]["messages"]
    assert sent[1]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    assert sent[2] == {"role": "tool", "content": '{"temp": 21}', "tool_name": "get_weather"}


async def test_string_arguments_are_decoded_and_ids_generated(ollama):
    call = {"function": {"name": "get_time", "arguments": '{"tz": "UTC"}'}}
    ollama.lines = [_line("", tool_calls=[call]), _line(done=True)]
    [ev] = await _collect(OllamaLlm("m", host=ollama.base_url), [ChatMessage("user", "t")])
    assert ev == ToolCallRequest("ollama_call_1", "get_time", {"tz": "UTC"})


async def test_error_line_after_200_raises(ollama):
    ollama.lines = [_line("Par"), {"error": "model runner has unexpectedly stopped"}]
    llm = OllamaLlm("m", host=ollama.base_url)
    seen: list[object] = []

    async def consume() -> None:
        async for ev in llm.respond([ChatMessage("user", "x")], []):
            seen.append(ev)

    with pytest.raises(BackendError, match="unexpectedly stopped") as info:
        await consume()
    assert seen == [TextDelta("Par")]
    assert info.value.retryable


async def test_http_errors_map_to_backend_errors(ollama):
    ollama.status = 404
    with pytest.raises(BackendError, match="HTTP 404: model 'nope' not found") as info:
        await _collect(OllamaLlm("nope", host=ollama.base_url), [ChatMessage("user", "x")])
    assert not info.value.retryable
    ollama.status = 500
    with pytest.raises(BackendError) as info5:
        await _collect(OllamaLlm("nope", host=ollama.base_url), [ChatMessage("user", "x")])
    assert info5.value.retryable


async def test_protocol_violations(ollama):
    ollama.lines = ["not json"]
    with pytest.raises(ProtocolError, match="non-JSON"):
        await _collect(OllamaLlm("m", host=ollama.base_url), [ChatMessage("user", "x")])
    ollama.lines = [_line("partial")]
    with pytest.raises(ProtocolError, match="without a done line"):
        await _collect(OllamaLlm("m", host=ollama.base_url), [ChatMessage("user", "x")])
    ollama.lines = [_line("", tool_calls=[{"function": {"name": "f", "arguments": "{bad"}}])]
    with pytest.raises(ProtocolError, match="bad arguments"):
        await _collect(OllamaLlm("m", host=ollama.base_url), [ChatMessage("user", "x")])


async def test_unreachable_server_is_retryable():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = OllamaLlm("m", host=f"127.0.0.1:{port}", timeout=2.0)
    with pytest.raises(BackendError, match="unreachable") as info:
        await _collect(llm, [ChatMessage("user", "x")])
    assert info.value.retryable


def test_needs_a_model_name():
    with pytest.raises(ConfigError):
        OllamaLlm("")
