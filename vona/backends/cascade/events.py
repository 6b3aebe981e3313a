"""Control events the cascade adds to the standard ones: transcripts as they form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vona.events import ControlEvent

__all__ = ["TranscriptUpdate"]


@dataclass(slots=True, frozen=True)
class TranscriptUpdate(ControlEvent):
    """What the user said (``role="user"``) or the assistant is saying.

    ``final=False`` marks a partial transcript of speech still in progress; a later update
    replaces it. The assistant's final update carries the text actually spoken (cut at the
    sentence where a barge-in stopped it).
    """

    text: str
    role: Literal["user", "assistant"] = "user"
    final: bool = True
    generation_id: int = 0
