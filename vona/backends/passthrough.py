"""The reference backends: echo every input frame back as output, or scaled by a gain."""

from __future__ import annotations

from dataclasses import dataclass, replace

from vona.backends.step import BackendCapabilities, BackendStep, NativeSlot
from vona.config import SessionConfig
from vona.dsp import gain_db
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame, AudioOutputFrame

__all__ = ["GainStsBackend", "PassthroughStsBackend"]

_NATIVE = NativeSlot("passthrough")


@dataclass(slots=True)
class _PassthroughSession:
    config: SessionConfig
    steps: int = 0
    context: list[ExternalContextEvent] | None = None


class PassthroughStsBackend:
    """Echo backend: output frame i is input frame i, unchanged. Injected context is kept
    on the session (``session.context``) so tests can see it arrive.

    Its per-frame work fits the native loop's passthrough slot (``native_slot``), so a
    session driver runs it without Python per frame; ``step`` is what runs otherwise
    (``VonaRuntime(native_backends=False)`` or a direct call)."""

    vona_contract = "step"

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

    def native_slot(self) -> NativeSlot:
        return _NATIVE

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


class GainStsBackend(PassthroughStsBackend):
    """Echo backend with a gain: output frame i is input frame i times ``gain_db``
    (rounded half to even, saturated), in ``step`` and in the native slot alike."""

    def __init__(
        self, gain_db: float, sample_rate_hz: int = 16_000, frame_samples: int = 320
    ) -> None:
        super().__init__(sample_rate_hz, frame_samples)
        self.gain_db = float(gain_db)
        self._caps = replace(self._caps, name="gain")
        self._slot = NativeSlot("gain", self.gain_db)

    def native_slot(self) -> NativeSlot:
        return self._slot

    async def step(self, session: _PassthroughSession, frame: AudioInputFrame) -> BackendStep:
        session.steps += 1
        samples = gain_db(frame.samples, self.gain_db)
        out = AudioOutputFrame(frame.sequence, frame.sample_rate_hz, frame.channels, samples)
        return BackendStep(output_audio=[out])
