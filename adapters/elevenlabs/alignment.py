"""ElevenLabs character alignment to word timings.

An audio chunk carries ``chars``, ``charStartTimesMs`` and ``charDurationsMs`` relative to
that chunk; a word may start in one chunk and end in the next, so the unfinished word is
carried over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vona.backends.cascade.streaming import WordTiming

__all__ = ["WordAligner"]


@dataclass
class WordAligner:
    """Turns per-chunk character alignments into words timed from the stream's start."""

    _chars: list[str] = field(default_factory=list)
    _start: float = 0.0
    _end: float = 0.0

    def feed(self, alignment: Any, offset_ms: float) -> tuple[WordTiming, ...]:
        """The words completed by one chunk's alignment (``offset_ms``: the chunk's start)."""
        if not isinstance(alignment, dict):
            return ()
        chars = alignment.get("chars") or []
        starts = alignment.get("charStartTimesMs") or []
        durations = alignment.get("charDurationsMs") or []
        words: list[WordTiming] = []
        chars_now = self._chars
        for ch, start, dur in zip(chars, starts, durations, strict=False):
            if ch == " " or ch.isspace():
                if chars_now:
                    words.append(self._word())
                    chars_now = self._chars
                continue
            if not chars_now:
                self._start = offset_ms + start
            chars_now.append(ch)
            self._end = offset_ms + start + dur
        return tuple(words)

    def finish(self) -> tuple[WordTiming, ...]:
        """The last word, when the text did not end with a space."""
        return (self._word(),) if self._chars else ()

    def _word(self) -> WordTiming:
        word = WordTiming("".join(self._chars), self._start, self._end)
        self._chars = []
        return word
