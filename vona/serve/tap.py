"""Transcript taps: a per-session view of a shared backend that reports transcripts.

The session driver consumes a backend's control events (step backends) and realtime
events itself; a tap sits between the two and hands each transcript to a callback on
the way, changing nothing else. Step backends report ``TranscriptUpdate`` (partials
replace each other); realtime backends report ``TranscriptDelta`` pieces, which the tap
joins so a partial always carries the whole utterance so far. Everything else (native
slots, interruption notices, names) is the wrapped backend's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from vona.backends.cascade.events import TranscriptUpdate
from vona.backends.step import BackendStep
from vona.config import SessionConfig
from vona.frames import AudioInputFrame
from vona.realtime.events import RealtimeEvent, TranscriptDelta
from vona.runtime import AnyBackend, is_realtime_backend

__all__ = ["OnTranscript", "tap_transcripts"]

# (role, text, final)
OnTranscript = Callable[[str, str, bool], Awaitable[None]]


class _StepTap:
    """A step backend whose transcript control events also go to ``on_transcript``."""

    def __init__(self, inner: Any, on_transcript: OnTranscript) -> None:
        self._inner = inner
        self._inner_step = inner.step
        self._on = on_transcript

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def step(self, session: Any, frame: AudioInputFrame) -> BackendStep:
        step: BackendStep = await self._inner_step(session, frame)
        if step.control_events:
            for event in step.control_events:
                if isinstance(event, TranscriptUpdate):
                    await self._on(event.role, event.text, event.final)
        return step


class _RealtimeSessionTap:
    def __init__(self, inner: Any, on_transcript: OnTranscript) -> None:
        self._inner = inner
        self._on = on_transcript
        self._text: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def events(self) -> AsyncIterator[RealtimeEvent]:
        async for event in self._inner.events():
            if isinstance(event, TranscriptDelta):
                if event.final:
                    # A final carries the whole text; a bare end marker keeps the pieces.
                    text = event.text or self._text.get(event.role, "")
                    self._text.pop(event.role, None)
                else:
                    text = self._text.get(event.role, "") + event.text
                    self._text[event.role] = text
                await self._on(event.role, text, event.final)
            yield event


class _RealtimeTap:
    """A realtime backend whose sessions' transcript deltas also go to ``on_transcript``."""

    def __init__(self, inner: Any, on_transcript: OnTranscript) -> None:
        self._inner = inner
        self._on = on_transcript

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def connect(self, config: SessionConfig) -> Any:
        return _RealtimeSessionTap(await self._inner.connect(config), self._on)


def tap_transcripts(backend: AnyBackend, on_transcript: OnTranscript) -> AnyBackend:
    """``backend`` seen through a tap that awaits ``on_transcript(role, text, final)``
    for every transcript it produces (one tap per session; the backend stays shared)."""
    if is_realtime_backend(backend):
        return _RealtimeTap(backend, on_transcript)
    return _StepTap(backend, on_transcript)
