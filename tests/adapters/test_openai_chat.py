"""openai-chat: a chat-completions Responder against its loopback fake (and the openai SDK)."""

from __future__ import annotations

import asyncio

import pydantic
import pytest

from vona.adapters._hosted import Backoff
from vona.adapters.openai_chat import OpenAIChat
from vona.adapters.openai_chat.fake import ChatReply, FakeCall, OpenAIChatFake
from vona.backends.cascade.protocols import ChatMessage, TextDelta, ToolCallRequest
from vona.config import ToolSpec
from vona.errors import BackendError, ConfigError
from vona.testing.virtual_time import run_virtual

FAST = Backoff(attempts=2, initial_s=0.01, max_s=0.02)
WEATHER = ToolSpec(
    name="get_weather",
    description="Weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)


def _llm(fake: OpenAIChatFake, **kw: object) -> OpenAIChat:
    return OpenAIChat(
        "gpt-4o-mini", base_url=fake.base_url + "/v1", api_key="test-key", backoff=FAST, **kw
    )  # type: ignore[arg-type]


async def _collect(
    llm: OpenAIChat, messages: list[ChatMessage], tools: list[ToolSpec] | None = None
) -> list[object]:
    if tools is None:
        tools = []
    return [e async for e in llm.respond(messages, tools)]


async def test_text_streams_as_deltas_and_tool_calls_are_assembled() -> None:
    replies = [
        ChatReply(
            ["Let me ", "check. "],
            [FakeCall("get_weather", {"city": "Paris", "unit": "c"}, "call_9")],
        ),
    ]
    async with OpenAIChatFake(replies=replies) as fake:
        events = await _collect(_llm(fake), [ChatMessage("user", "Weather in Paris?")], [WEATHER])
    assert events == [
        TextDelta("Let me "),
        TextDelta("check. "),
        ToolCallRequest("call_9", "get_weather", {"city": "Paris", "unit": "c"}),
    ]
    body = fake.bodies()[0]
    assert body["stream"] is True
    assert body["model"] == "gpt-4o-mini"
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert fake.requests[0].headers["authorization"] == "Bearer test-key"


async def test_two_parallel_tool_calls_keep_their_index_order() -> None:
    calls = [FakeCall("a", {"x": 1}, "c1"), FakeCall("b", {"y": [1, 2, 3]}, "c2")]
    async with OpenAIChatFake(replies=[ChatReply([], calls)]) as fake:
        events = await _collect(_llm(fake), [ChatMessage("user", "go")])
    assert events == [
        ToolCallRequest("c1", "a", {"x": 1}),
        ToolCallRequest("c2", "b", {"y": [1, 2, 3]}),
    ]


async def test_tool_round_trip_messages_have_the_chat_completions_shape() -> None:
    from openai.types.chat import ChatCompletionMessageParam

    history = [
        ChatMessage("user", "Weather in Paris?"),
        ChatMessage(
            "assistant",
            "",
            tool_calls=[ToolCallRequest("call_1", "get_weather", {"city": "Paris"})],
        ),
        ChatMessage("tool", '{"temp_c": 18}', name="get_weather", call_id="call_1"),
    ]
    async with OpenAIChatFake() as fake:
        await _collect(_llm(fake, system="Be brief."), history)
    messages = fake.bodies()[0]["messages"]
    adapter = pydantic.TypeAdapter(ChatCompletionMessageParam)
    for m in messages:
        adapter.validate_python(m)
    assert messages[0] == {"role": "system", "content": "Be brief."}
    assert messages[2]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert messages[3] == {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 18}'}


async def test_request_body_validates_against_the_sdk_params() -> None:
    from openai.types.chat.completion_create_params import CompletionCreateParamsStreaming

    async with OpenAIChatFake() as fake:
        await _collect(
            _llm(fake, temperature=0.2, max_tokens=50), [ChatMessage("user", "hi")], [WEATHER]
        )
    pydantic.TypeAdapter(CompletionCreateParamsStreaming).validate_python(fake.bodies()[0])


async def test_fake_stream_parses_with_the_official_sdk_like_our_client() -> None:
    import openai

    reply = ChatReply(["Hi ", "there."], [FakeCall("get_weather", {"city": "Rome"})])
    async with OpenAIChatFake(replies=[reply]) as fake:
        sdk = openai.AsyncOpenAI(api_key="test-key", base_url=fake.base_url + "/v1", max_retries=0)
        stream = await sdk.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text, args = "", ""
        async for chunk in stream:
            delta = chunk.choices[0].delta
            text += delta.content or ""
            for tc in delta.tool_calls or []:
                args += tc.function.arguments or "" if tc.function else ""
        await sdk.close()
        ours = await _collect(_llm(fake), [ChatMessage("user", "hi")])
    assert text == "Hi there."
    assert args == '{"city": "Rome"}'
    assert ours == [
        TextDelta("Hi "),
        TextDelta("there."),
        ToolCallRequest("call_1", "get_weather", {"city": "Rome"}),
    ]
    assert fake.requests[0].path == fake.requests[1].path == "/v1/chat/completions"


async def test_bad_key_is_a_non_retryable_error_without_the_key() -> None:
    async with OpenAIChatFake(api_key="right") as fake:
        llm = OpenAIChat(
            "m", base_url=fake.base_url + "/v1", api_key="sk-wrong-secret", backoff=FAST
        )
        with pytest.raises(BackendError) as info:
            await _collect(llm, [ChatMessage("user", "hi")])
    assert info.value.retryable is False
    assert "401" in str(info.value)
    assert "sk-wrong-secret" not in str(info.value)
    assert "sk-wrong-secret" not in repr(llm)
    assert len(fake.requests) == 1  # not retried


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_overload_is_retried_with_backoff_then_succeeds(status: int) -> None:
    async with OpenAIChatFake(replies=[ChatReply(status=status), ChatReply(["ok"])]) as fake:
        events = await _collect(_llm(fake), [ChatMessage("user", "hi")])
    assert events == [TextDelta("ok")]
    assert len(fake.requests) == 2


async def test_overload_that_persists_is_a_retryable_error() -> None:
    async with OpenAIChatFake(replies=[ChatReply(status=429)]) as fake:
        with pytest.raises(BackendError) as info:
            await _collect(_llm(fake), [ChatMessage("user", "hi")])
    assert info.value.retryable is True
    assert len(fake.requests) == 1 + FAST.attempts


async def test_dropped_stream_mid_reply_is_a_retryable_error_after_the_text_so_far() -> None:
    async with OpenAIChatFake(replies=[ChatReply(["a ", "b ", "c ", "d "], drop_after=3)]) as fake:
        got: list[object] = []

        async def drain() -> None:
            async for e in _llm(fake).respond([ChatMessage("user", "hi")], []):
                got.append(e)

        with pytest.raises(BackendError) as info:
            await drain()
    assert info.value.retryable is True
    assert got == [TextDelta("a "), TextDelta("b ")]  # role chunk + 2 pieces, then the drop
    assert len(fake.requests) == 1  # a partly delivered reply is not replayed


async def test_closing_the_reply_early_closes_the_http_stream() -> None:
    async with OpenAIChatFake(
        replies=[ChatReply([f"w{i} " for i in range(50)], delay_s=0.01)]
    ) as fake:
        it = _llm(fake).respond([ChatMessage("user", "hi")], [])
        first = await it.__anext__()
        await it.aclose()  # type: ignore[attr-defined]
        for _ in range(200):
            if fake.aborted:
                break
            await asyncio.sleep(0.01)
    assert first == TextDelta("w0 ")
    assert fake.aborted == 1
    assert fake.completed == 0


def test_config_from_environment_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("OPENAI_MODEL", "llama3")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-secret")
    llm = OpenAIChat()
    assert llm.base_url == "http://127.0.0.1:9/v1"
    assert llm.model == "llama3"
    assert "sk-env-secret" not in repr(llm)
    assert "sk-env-secret" not in str(vars(llm))
    monkeypatch.delenv("OPENAI_MODEL")
    with pytest.raises(ConfigError, match="OPENAI_MODEL"):
        OpenAIChat()
    monkeypatch.delenv("OPENAI_API_KEY")
    OpenAIChat("m")  # a self-hosted server needs no key
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIChat("m")
    with pytest.raises(ConfigError, match="base_url"):
        OpenAIChat("m", base_url="ftp://x")


def test_virtual_clock_retry_waits_the_backoff() -> None:
    async def main() -> tuple[float, list[object]]:
        loop = asyncio.get_running_loop()
        async with OpenAIChatFake(replies=[ChatReply(status=503), ChatReply(["fine"])]) as fake:
            llm = OpenAIChat(
                "m",
                base_url=fake.base_url + "/v1",
                api_key="test-key",
                backoff=Backoff(attempts=1, initial_s=2.0, jitter=0.0),
            )
            t0 = loop.time()
            events = await _collect(llm, [ChatMessage("user", "hi")])
            return loop.time() - t0, events

    waited, events = run_virtual(main())
    assert events == [TextDelta("fine")]
    assert 2.0 <= waited < 2.5


async def test_azure_style_api_key_header_and_query() -> None:
    async with OpenAIChatFake() as fake:
        llm = OpenAIChat(
            "gpt",
            base_url=fake.base_url + "/openai/deployments/gpt",
            api_key="test-key",
            api_key_header="api-key",
            query={"api-version": "2024-10-21"},
        )
        await _collect(llm, [ChatMessage("user", "hi")])
    req = fake.requests[0]
    assert req.headers["api-key"] == "test-key"
    assert "authorization" not in req.headers
    assert req.query == {"api-version": "2024-10-21"}
