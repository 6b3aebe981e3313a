"""When speech over a reply is a real interruption.

A cough, an "mm-hm" or a chair creaking must not cut a reply. With both minimums at zero,
any speech the STT stream reports over a reply stops it at once (the VAD's word). Otherwise
the reply plays on for ``min_speech_ms`` of the user's speech, then pauses (the output is
held, not dropped); the barge-in is confirmed, and the reply stopped and cleared, once the
user has spoken ``min_words`` words for at least ``min_speech_ms``. If the user's turn ends
(its eager end counts) with fewer words, it was a false interruption: the paused reply
resumes where it stopped. ``false_interruption_ms`` is the safety net for streams that
never end the turn: no word by then since the speech started, and the reply resumes (not
while the stream says a transcription is in flight, its ``busy``: a slow engine under load
is not a stream that never ends the turn).
Backchannels ("mm-hmm", "uh-huh", "yeah": ``backchannels``) are not words here: a listener
saying them over a reply is listening, not interrupting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from vona.errors import ConfigError

__all__ = ["BACKCHANNELS", "BargeIn", "BargeInParams", "words_that_interrupt"]

BACKCHANNELS = frozenset(
    [
        "mm",
        "mmm",
        "mhm",
        "mm-hmm",
        "mm-hm",
        "hmm",
        "hm",
        "uh-huh",
        "uh",
        "huh",
        "um",
        "ah",
        "oh",
        "aha",
        "yeah",
        "yep",
        "okay",
        "ok",
        "right",
    ]
)
_WORD = re.compile(r"[a-z0-9'-]+")


def words_that_interrupt(text: str, backchannels: frozenset[str] = BACKCHANNELS) -> int:
    """How many words of ``text`` are not backchannels (case and punctuation ignored)."""
    return sum(w.strip("'-") not in backchannels for w in _WORD.findall(text.lower()))


@dataclass(slots=True, frozen=True)
class BargeInParams:
    """Minimum speech (ms) and words before speech over a reply stops it, and how long a
    paused reply waits for a word before it resumes; ``pause_ms`` is the speech after which
    the reply pauses meanwhile (None: ``min_speech_ms``; a pause is undone by a resume, a
    stop is not); ``backchannels`` are the words that do not count (lowercase; empty: every
    word counts)."""

    min_speech_ms: int = 0
    min_words: int = 0
    false_interruption_ms: int = 5000
    backchannels: frozenset[str] = BACKCHANNELS
    pause_ms: int | None = None

    def __post_init__(self) -> None:
        for name in ("min_speech_ms", "min_words", "false_interruption_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(f"barge-in {name} must be >= 0, got {getattr(self, name)}")
        if self.pause_ms is not None and self.pause_ms < 0:
            raise ConfigError(f"barge-in pause_ms must be >= 0, got {self.pause_ms}")

    @property
    def immediate(self) -> bool:
        """Any speech stops the reply at once (the VAD-only behaviour)."""
        return self.min_speech_ms == 0 and self.min_words == 0


@dataclass(slots=True)
class BargeIn:
    """A candidate interruption, on the STT stream's clock (ms of input audio)."""

    start_ms: float
    words: int = 0
    paused: bool = False

    def hear(self, text: str, backchannels: frozenset[str] = BACKCHANNELS) -> None:
        self.words = max(self.words, words_that_interrupt(text, backchannels))

    def decide(
        self, params: BargeInParams, now_ms: float, ended: bool, transcribing: bool = False
    ) -> Literal["pause", "confirm", "resume"] | None:
        """What to do now: pause the reply, confirm the barge-in (stop it), resume it (a
        false interruption; the caller resumes only a paused reply), or nothing yet.
        ``ended``: the user's turn is over; ``transcribing``: its words are on their way
        (a slow engine is not a stream that never ends the turn)."""
        spoken = now_ms - self.start_ms
        if self.words >= max(1, params.min_words) and spoken >= params.min_speech_ms:
            return "confirm"
        timed_out = spoken >= params.false_interruption_ms and not transcribing
        if ended or (self.words == 0 and timed_out):
            return "resume"
        pause_at = params.min_speech_ms if params.pause_ms is None else params.pause_ms
        if not self.paused and spoken >= pause_at:
            return "pause"
        return None
