"""Sentence splitting, the rule responder and word error rate."""

from __future__ import annotations

import json
import random

import pytest

from vona.backends.cascade import ChatMessage, TextDelta, ToolCallRequest
from vona.backends.cascade.rules import Rule, RuleResponder
from vona.backends.cascade.sentences import SentenceSplitter
from vona.backends.cascade.wer import normalize_words, word_error_rate
from vona.config import ToolSpec
from vona.errors import ConfigError

TEXT = (
    "Right now in Paris it is 21.5 degrees. Dr. Smith says hi! J. K. Rowling wrote it… "
    'Is that so? "Yes." Fine'
)
EXPECTED = [
    "Right now in Paris it is 21.5 degrees.",
    "Dr. Smith says hi!",
    "J. K. Rowling wrote it…",
    "Is that so?",
    '"Yes."',
    "Fine",
]


@pytest.mark.parametrize("seed", range(5))
def test_splitter_is_independent_of_fragmenting(seed):
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(TEXT)), 12))
    parts = [TEXT[a:b] for a, b in zip([0, *cuts], [*cuts, len(TEXT)], strict=True)]
    s = SentenceSplitter()
    out = [x for p in parts for x in s.push(p)]
    assert [*out, *s.flush()] == EXPECTED


def test_splitter_edges():
    s = SentenceSplitter(max_chars=40)
    long = "one, two, three, four, five, six, seven, eight, nine, ten, eleven"
    out = s.push(long + " ")
    assert out
    assert all(len(x) <= 40 for x in out)
    assert " ".join([*out, *s.flush()]) == long
    assert SentenceSplitter().flush() == []
    s2 = SentenceSplitter()
    assert s2.push("Wait. the rest") == []  # lowercase after a period: not a boundary
    s2.clear()
    assert s2.flush() == []


TOOLS = [ToolSpec(name="get_weather"), ToolSpec(name="get_time")]


async def test_rule_responder_streams_words_and_calls_tools():
    r = RuleResponder()
    words = [ev async for ev in r.respond([ChatMessage("user", "hello")], TOOLS)]
    assert all(isinstance(w, TextDelta) for w in words)
    assert "".join(w.text for w in words) == "Hello! How can I help you?"  # type: ignore[union-attr]
    [call] = [ev async for ev in r.respond([ChatMessage("user", "What time is it?")], TOOLS)]
    assert isinstance(call, ToolCallRequest)
    assert call.name == "get_time"
    result = json.dumps({"name": "get_time", "ok": True, "result": {"time": "10:30"}})
    history = [ChatMessage("user", "What time is it?"), ChatMessage("tool", result)]
    assert r.reply_for(history, TOOLS) == "It is 10:30. Anything else?"
    failed = json.dumps({"name": "get_weather", "ok": False, "error": "down"})
    history = [ChatMessage("user", "weather in Oslo?"), ChatMessage("tool", failed)]
    assert r.reply_for(history, TOOLS) == "Sorry, I could not get the weather for Oslo."


def test_rules_without_their_tool_fall_back_and_names_must_be_unique():
    r = RuleResponder()
    assert r.reply_for([ChatMessage("user", "weather in Oslo")], []) == (
        "You said: weather in Oslo. I can tell you the weather or the time."
    )
    assert r.reply_for([], TOOLS) == ""
    with pytest.raises(ConfigError, match="unique"):
        RuleResponder([Rule("a", "x", "y"), Rule("a", "z", "w")])
    custom = RuleResponder([Rule("add", r"add (?P<a>\d+) and (?P<b>\d+)", "{a} plus {b}.")])
    assert custom.reply_for([ChatMessage("user", "add 2 and 3")], []) == "2 plus 3."


def test_word_error_rate():
    assert word_error_rate("What is the weather?", "what is the weather") == 0.0
    assert word_error_rate("a b c d", "a x c") == 0.5
    assert word_error_rate("a b", "a b c d") == 1.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "x") == 1.0
    assert normalize_words("It’s 21, OK?") == ["it's", "21", "ok"]


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("Can you hear me?", "You said: Can you hear me? I can tell you the weather or the time."),
        ("Hello there.", "Hello! How can I help you?"),
        ("Nothing much", "You said: Nothing much. I can tell you the weather or the time."),
        ("Really!", "You said: Really! I can tell you the weather or the time."),
    ],
)
def test_replies_never_double_sentence_marks(said: str, reply: str) -> None:
    text = RuleResponder().reply_for([ChatMessage("user", said)], TOOLS)
    assert text == reply
    assert "?." not in text
    assert ".." not in text


@pytest.mark.parametrize(
    ("said", "tool", "arguments"),
    [
        ("What's the temperature in Tokyo?", "get_weather", {"city": "Tokyo"}),
        ("Is it raining in London today?", "get_weather", {"city": "London"}),
        ("What is the forecast in New York tomorrow?", "get_weather", {"city": "New York"}),
        ("How cold is it in Oslo right now?", "get_weather", {"city": "Oslo"}),
        ("Tell me the time, please.", "get_time", {}),
        ("Do you know what the time is?", "get_time", {}),
        ("What's the current time?", "get_time", {}),
    ],
)
def test_rules_know_common_phrasings_of_their_questions(said, tool, arguments) -> None:
    decision = RuleResponder().reply_for([ChatMessage("user", said)], TOOLS)
    assert isinstance(decision, ToolCallRequest), decision
    assert decision.name == tool
    assert decision.arguments == arguments


def test_tool_error_reply_has_one_full_stop() -> None:
    messages = [
        ChatMessage("user", "What is the weather in Paris?"),
        ChatMessage("tool", json.dumps({"ok": False, "error": "service down."}), "get_weather"),
    ]
    text = RuleResponder().reply_for(messages, TOOLS)
    assert text == "Sorry, I could not get the weather for Paris."
