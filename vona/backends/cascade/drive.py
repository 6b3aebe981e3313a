"""Drive a CascadeBackend with recorded audio: for files, tests, the demo and benchmarks.

``drive_audio`` feeds int16 audio (at the backend's input rate) frame by frame (as fast as
the backend takes it, or paced in real time), then feeds silence until every reply has
been spoken. Between silent steps it waits on the session instead of spinning, so it costs
no CPU while the engines work. Tool calls run through a ``SkillExecutor`` over ``skills``
(validated, timed out, audited); its results are injected back into the session, and an
interruption cancels the interrupted generation's calls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from vona.backends.cascade.backend import CascadeBackend, CascadeSession
from vona.dsp import Reframer
from vona.errors import AudioFormatError, BackendError
from vona.events import ControlEvent, ExternalContextEvent, Interruption, ToolCallRequested
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.skills import SkillAuditEvent, SkillExecutor, SkillRegistry

__all__ = ["DriveResult", "drive_audio"]


@dataclass(slots=True)
class DriveResult:
    """Everything the backend produced, in order; ``output_at_step`` maps each output frame
    to the input step that returned it."""

    output: list[AudioOutputFrame] = field(default_factory=list)
    events: list[tuple[int, ControlEvent]] = field(default_factory=list)
    output_at_step: list[int] = field(default_factory=list)
    audit: list[SkillAuditEvent] = field(default_factory=list)
    steps: int = 0

    def pcm(self) -> npt.NDArray[np.int16]:
        if not self.output:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate([f.samples for f in self.output])


async def drive_audio(
    backend: CascadeBackend,
    session: CascadeSession,
    audio: npt.NDArray[np.int16],
    *,
    skills: SkillRegistry | None = None,
    tool_timeout_s: float = 10.0,
    realtime: bool = False,
    idle: Literal["step", "wait"] = "step",
    tail_silence_ms: int = 1000,
    timeout_s: float = 120.0,
    on_step: Callable[[int, AudioInputFrame], None] | None = None,
) -> DriveResult:
    """Feed ``audio`` (mono int16 at the backend's input rate), then silence until all
    replies are done.

    After the input, ``idle="step"`` keeps stepping silent frames once per frame period
    while the engines work, as a live session would (the VAD keeps running); ``"wait"``
    steps only when the session has news (cheaper; for files). Either way the reply audio
    drains as fast as the pacing allows when ``realtime`` is False.
    """
    if audio.dtype != np.int16 or audio.ndim != 1:
        raise AudioFormatError(
            f"drive_audio wants 1-D int16 audio, got {audio.dtype} {audio.shape}"
        )
    caps = backend.capabilities()
    n, rate = caps.frame_samples, caps.input_sample_rate_hz
    frame_s = n / rate
    reframer = Reframer(n)
    feed = reframer.push(np.ascontiguousarray(audio))
    feed += reframer.push(np.zeros(tail_silence_ms * rate // 1000, np.int16))
    feed += reframer.flush(pad=True)  # the tail's last frame, padded with silence
    result = DriveResult()
    start = time.monotonic()

    async def deliver(ev: ExternalContextEvent) -> None:
        await backend.inject_event(session, ev)

    executor = (
        SkillExecutor(
            skills,
            default_timeout_s=tool_timeout_s,
            on_result=deliver,
            on_audit=result.audit.append,
        )
        if skills is not None
        else None
    )

    async def one(samples: npt.NDArray[np.int16]) -> None:
        frame = AudioInputFrame(result.steps, rate, 1, samples)
        if on_step is not None:
            on_step(result.steps, frame)
        out = await backend.step(session, frame)
        for f in out.output_audio:
            result.output.append(f)
            result.output_at_step.append(result.steps)
        for ev in out.control_events:
            result.events.append((result.steps, ev))
            if executor is None:
                continue
            if isinstance(ev, ToolCallRequested):
                await executor.submit(ev)
            elif isinstance(ev, Interruption):
                executor.cancel_generation(ev.generation_id)
        result.steps += 1

    silence = np.zeros(n, dtype=np.int16)
    try:
        for samples in feed:
            t0 = time.monotonic()
            await one(samples)
            if realtime:
                await asyncio.sleep(max(0.0, frame_s - (time.monotonic() - t0)))
            else:
                await asyncio.sleep(0)
        # In real time the input goes on (silence) until the reply has been heard.
        while session.busy or session.user_active or (realtime and session.out.unplayed()):
            if time.monotonic() - start > timeout_s:
                raise BackendError(f"replies not finished after {timeout_s} s", retryable=True)
            if realtime:
                await asyncio.sleep(frame_s)
            elif session.pending_samples == 0:
                woke = await backend.wait(session, frame_s)
                quiet = not session.events and not session.user_active
                if not woke and idle == "wait" and quiet:
                    continue
            await one(silence)
        # One more step flushes the final events (TurnEnd, transcripts).
        await one(silence)
    finally:
        if executor is not None:
            await executor.aclose()
    return result
