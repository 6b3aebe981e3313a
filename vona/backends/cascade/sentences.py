"""Incremental sentence splitting for streamed reply text.

The cascade speaks a reply sentence by sentence, so the first sentence can play while the
responder is still producing the rest. ``SentenceSplitter.push`` takes text fragments as
they stream and returns the sentences they completed; ``flush`` returns the remainder.
A sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus closing quotes or brackets) followed by
whitespace, except after a known abbreviation or an initial, or before a lowercase word;
over-long sentences are cut at clause punctuation.
"""

from __future__ import annotations

import re

__all__ = ["SentenceSplitter"]

_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_CLAUSE = re.compile(r"[,;:—]\s+")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "approx",
        "dept",
        "fig",
        "inc",
        "ltd",
        "co",
        "mt",
    ]
)


class SentenceSplitter:
    """Stateful splitter; ``max_chars`` bounds a sentence (cut at a clause if possible)."""

    def __init__(self, max_chars: int = 300) -> None:
        self.max_chars = max_chars
        self._buf = ""

    def _is_boundary(self, text: str, m: re.Match[str]) -> bool:
        rest = text[m.end() :]
        if rest[:1].islower():
            return False
        if text[m.start()] != ".":
            return True
        word = text[: m.start()].rsplit(None, 1)[-1] if text[: m.start()].strip() else ""
        word = word.lstrip("\"'“‘(").lower()
        return not (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()))

    def push(self, fragment: str) -> list[str]:
        """Add a fragment; return the sentences it completed (stripped, non-empty)."""
        self._buf += fragment
        out: list[str] = []
        while True:
            cut = None
            for m in _END.finditer(self._buf):
                # Need the next character to decide (lowercase word = no boundary).
                if m.end() >= len(self._buf):
                    break
                if self._is_boundary(self._buf, m):
                    cut = m.end()
                    break
            if cut is None and len(self._buf) > self.max_chars:
                clause = None
                for c in _CLAUSE.finditer(self._buf, 0, self.max_chars):
                    clause = c
                cut = clause.end() if clause is not None else self.max_chars
            if cut is None:
                return out
            sentence = self._buf[:cut].strip()
            self._buf = self._buf[cut:]
            if sentence:
                out.append(sentence)

    def flush(self) -> list[str]:
        """Whatever is left, as a final sentence (or nothing)."""
        out = self.push("")
        rest = self._buf.strip()
        self._buf = ""
        return [*out, rest] if rest else out

    def clear(self) -> None:
        self._buf = ""
