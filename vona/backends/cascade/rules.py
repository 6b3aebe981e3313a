"""A deterministic, offline responder: intents by pattern, tools through skills, templated
replies. It is the offline demo's "brain" and a reproducible stand-in for an LLM in tests.

A ``Rule`` matches the user's last message with a regular expression. Without a tool its
``reply`` template is filled from the named groups. With a tool, the responder first asks
for the tool (arguments from the named groups), and when the result comes back as a
``tool`` message it fills ``reply`` from the groups and the result's fields (or
``on_error`` when the tool failed). Replies are streamed word by word, like a model.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from vona.backends.cascade.protocols import ChatMessage, ResponderEvent, TextDelta, ToolCallRequest
from vona.config import ToolSpec
from vona.errors import ConfigError

__all__ = ["DEFAULT_RULES", "Rule", "RuleResponder"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One intent. ``pattern`` is searched case-insensitively in the user's words."""

    name: str
    pattern: str
    reply: str
    tool: str | None = None
    on_error: str = "Sorry, I could not do that: {error}."
    arguments: Mapping[str, str] = field(default_factory=dict)

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


class _Fields(dict[str, Any]):
    """Format fields; a missing one renders as an empty string rather than raising."""

    def __missing__(self, key: str) -> str:
        return ""


def _render(template: str, fields: Mapping[str, Any]) -> str:
    return _tidy(string.Formatter().vformat(template, (), _Fields(fields)))


# a field that ends a sentence ("Paris?") followed by the template's own full stop
_DOUBLED_STOP = re.compile(r"([.?!])\.+(?=\s|$)")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.?!,])")


def _tidy(text: str) -> str:
    """One sentence mark where a filled-in field and the template both end a sentence."""
    return _DOUBLED_STOP.sub(r"\1", _SPACE_BEFORE_STOP.sub(r"\1", text.strip()))


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "weather",
        r"\b(?:weather|temperature|forecast|hot|cold|warm|raining|snowing|sunny)\b"
        r".*?\bin\s+(?P<city>[a-z][a-z .'-]*?)"
        r"(?:\s+(?:today|tonight|right now|now|tomorrow|please))*\s*[?.!]*$",
        "Right now in {city} it is {conditions} and {temperature_c} degrees. "
        "Is there anything else I can do for you?",
        tool="get_weather",
        on_error="Sorry, I could not get the weather for {city}.",
    ),
    Rule(
        "time",
        r"\bwhat(?:'s| is)? the (?:current )?time\b|\bwhat time is it\b"
        r"|\b(?:tell|give) me the time\b|\b(?:do you )?know (?:what )?the time\b"
        r"|\bwhat time(?:'s| is) it\b|\bcurrent time\b",
        "It is {time}. Anything else?",
        tool="get_time",
    ),
    Rule(
        "greeting",
        r"^\s*(?:hello|hi|hey|good (?:morning|afternoon|evening))\b",
        "Hello! How can I help you?",
    ),
    Rule("thanks", r"\bthank(?:s| you)\b", "You are welcome. Goodbye!"),
)


class RuleResponder:
    """Deterministic responder over ``rules`` (first match wins) with a ``fallback``
    template (``{text}`` is what the user said). Rules whose tool is not offered in the
    ``tools`` passed to ``respond`` are skipped."""

    def __init__(
        self,
        rules: tuple[Rule, ...] | list[Rule] = DEFAULT_RULES,
        *,
        fallback: str = "You said: {text}. I can tell you the weather or the time.",
    ) -> None:
        self._rules = [(r, r.compiled()) for r in rules]
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ConfigError("RuleResponder rule names must be unique")
        self.fallback = fallback
        self._counter = 0

    def _match(self, text: str, tools: list[ToolSpec]) -> tuple[Rule, dict[str, str]] | None:
        offered = {t.name for t in tools}
        for rule, rx in self._rules:
            if rule.tool is not None and rule.tool not in offered:
                continue
            m = rx.search(text)
            if m:
                groups = {k: v.strip() for k, v in m.groupdict().items() if v is not None}
                return rule, groups
        return None

    @staticmethod
    def _words(text: str) -> list[TextDelta]:
        return [TextDelta(w) for w in re.findall(r"\S+\s*", text)]

    def reply_for(self, messages: list[ChatMessage], tools: list[ToolSpec]) -> ResponderEvent | str:
        """The whole decision, synchronously: a tool call, or the reply text."""
        if not messages:
            return ""
        last = messages[-1]
        if last.role == "tool":
            user = next((m for m in reversed(messages) if m.role == "user"), None)
            found = self._match(user.content, tools) if user else None
            if found is None:
                return ""
            rule, groups = found
            try:
                payload = json.loads(last.content) if last.content else {}
            except ValueError:
                payload = {"ok": True, "result": last.content}
            if not isinstance(payload, dict):
                payload = {"ok": True, "result": payload}
            fields: dict[str, Any] = dict(groups)
            if payload.get("ok", True):
                result = payload.get("result", payload)
                if isinstance(result, dict):
                    fields.update(result)
                else:
                    fields["result"] = result
                return _render(rule.reply, fields)
            fields["error"] = payload.get("error", "unknown error")
            return _render(rule.on_error, fields)
        if last.role != "user":
            return ""
        found = self._match(last.content, tools)
        if found is None:
            return _render(self.fallback, {"text": last.content.strip()})
        rule, groups = found
        if rule.tool is None:
            return _render(rule.reply, groups)
        self._counter += 1
        arguments = {k: _render(v, groups) for k, v in rule.arguments.items()} or dict(groups)
        return ToolCallRequest(f"rule_{rule.name}_{self._counter}", rule.tool, arguments)

    async def respond(
        self, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[ResponderEvent]:
        decision = self.reply_for(messages, tools)
        if isinstance(decision, str):
            for delta in self._words(decision):
                yield delta
        else:
            yield decision
