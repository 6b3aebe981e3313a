"""The reference backend: echoes every input frame back as output."""

from __future__ import annotations

from dataclasses import dataclass

from vona.backend import BackendCapabilities, BackendStep
from vona.config import SessionConfig
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame, AudioOutputFrame

__all__ = ["PassthroughStsBackend"]


@dataclass(slots=True)
class _PassthroughSession:
    config: SessionConfig
    steps: int = 0
    context: list[ExternalContextEvent] | None = None


class PassthroughStsBackend:
    """Echo backend: output frame i is input frame i, unchanged. Injected context is kept
    on the session (``session.context``) so tests can see it arrive."""

    def __init__(self, sample_rate_hz: int = 16_000, frame_samples: int = 320) -> None:
        self._caps = BackendCapabilities(
            name="passthrough",
            input_sample_rate_hz=sample_rate_hz,
            output_sample_rate_hz=sample_rate_hz,
            frame_samples=frame_samples,
            supports_interruption=True,
        )

    def capabilities(self) -> BackendCapabilities:
        return self._caps

    async def start_session(self, config: SessionConfig) -> _PassthroughSession:
        return _PassthroughSession(config=config, context=[])

    async def step(self, session: _PassthroughSession, frame: AudioInputFrame) -> BackendStep:
        session.steps += 1
        out = AudioOutputFrame(frame.sequence, frame.sample_rate_hz, frame.channels, frame.samples)
        return BackendStep(output_audio=[out])

    async def inject_event(self, session: _PassthroughSession, event: ExternalContextEvent) -> None:
        if session.context is not None:
            session.context.append(event)

    async def end_session(self, session: _PassthroughSession) -> None:
        session.context = None
