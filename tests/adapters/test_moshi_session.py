"""A whole Moshi session through ``run_session`` and the realtime driver, on the real clock:
a paced 24 kHz microphone keeps streaming while the model speaks, the model's audio is
played, its text is logged as a transcript, and the user's speech over it is no barge-in."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from vona import AudioInputFrame, AudioOutputFrame
from vona.adapters.moshi import MoshiBackend
from vona.adapters.moshi.fake import MoshiFake
from vona.driver import run_session
from vona.realtime import ReconnectPolicy
from vona.runtime import VonaRuntime

pytest.importorskip("sphn")

RATE = 24_000
FRAME = RATE // 50


class Mic:
    """20 ms frames of a tone (the user talking all along), paced by the wall clock."""

    def __init__(self, total_ms: int) -> None:
        self.frames = total_ms // 20
        self.sent: list[AudioOutputFrame] = []
        self.cleared = 0
        self._i = 0

    async def recv(self) -> AudioInputFrame | None:
        if self._i >= self.frames:
            return None
        if self._i:
            await asyncio.sleep(0.02)
        t = np.arange(self._i * FRAME, (self._i + 1) * FRAME)
        samples = (3000 * np.sin(2 * np.pi * 220 * t / RATE)).astype(np.int16)
        self._i += 1
        return AudioInputFrame(self._i, RATE, 1, samples)

    async def send(self, frame: AudioOutputFrame) -> None:
        self.sent.append(frame)

    async def clear(self) -> int:
        self.cleared += 1
        return 0


async def test_full_duplex_session_through_the_driver() -> None:
    async with MoshiFake(reply_after_steps=3) as fake:
        mic = Mic(total_ms=2400)
        metrics = await asyncio.wait_for(
            run_session(
                mic,
                MoshiBackend(fake.url, quiet_steps=4),
                runtime=VonaRuntime(drain_timeout_s=0.5),
            ),
            30,
        )
        steps = fake.steps
    assert metrics.error is None, metrics.error
    # the mic streamed the whole time: the server stepped once per 80 ms it heard
    assert steps >= 2400 // 80 - 3
    assert metrics.samples_out > 0
    assert all(f.sample_rate_hz == RATE for f in mic.sent)
    transcripts = [e.data["text"] for e in metrics.events if e.kind == "transcript"]
    assert transcripts == ["Hello, how are you?"]
    # the user spoke over the model the whole time: nothing was cleared or interrupted
    assert metrics.interruptions == []
    assert mic.cleared == 0


async def test_a_lost_server_ends_the_session_with_a_retryable_error() -> None:
    async with MoshiFake(close_after_steps=5) as fake:
        metrics = await asyncio.wait_for(
            run_session(
                Mic(total_ms=2000),
                MoshiBackend(fake.url, reconnect=ReconnectPolicy(max_attempts=0)),
                runtime=VonaRuntime(drain_timeout_s=0.5),
            ),
            30,
        )
    assert metrics.error is not None
    assert "1011" in str(metrics.error)
