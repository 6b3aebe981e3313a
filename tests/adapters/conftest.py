"""Fixtures for the realtime adapter tests: one ``Provider`` per adapter + fake pairing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from vona import AudioInputFrame, RealtimeEvent, SessionConfig
from vona.adapters.azure_voice_live import AzureVoiceLiveBackend
from vona.adapters.azure_voice_live.fake import AzureVoiceLiveFake
from vona.adapters.gemini_live import GeminiLiveBackend
from vona.adapters.gemini_live.fake import GeminiLiveFake
from vona.adapters.openai_realtime import OpenAIRealtimeBackend
from vona.adapters.openai_realtime.fake import OpenAIRealtimeFake
from vona.adapters.qwen_realtime import QwenRealtimeBackend
from vona.adapters.qwen_realtime.fake import QwenRealtimeFake
from vona.realtime import ReconnectPolicy
from vona.testing.loopback import FakeScript, LoopbackFake

FAST_RETRY = ReconnectPolicy(max_attempts=3, initial_delay_s=0.01, max_delay_s=0.05)


@dataclass(frozen=True)
class Provider:
    """How to build one provider's fake and a backend pointed at it."""

    name: str
    input_rate_hz: int
    output_rate_hz: int
    truncates: bool
    make_fake: Callable[[FakeScript], LoopbackFake]
    make_backend: Callable[[LoopbackFake, str | None], Any]

    def fake(self, script: FakeScript | None = None) -> LoopbackFake:
        return self.make_fake(script or FakeScript())

    def backend(self, fake: LoopbackFake, api_key: str | None = None) -> Any:
        return self.make_backend(fake, api_key)

    async def connect(self, fake: LoopbackFake, config: SessionConfig | None = None) -> Any:
        return await self.backend(fake).connect(config or SessionConfig())


PROVIDERS = {
    "openai-ga": Provider(
        "openai-ga",
        24_000,
        24_000,
        True,
        lambda s: OpenAIRealtimeFake(script=s),
        lambda f, k: OpenAIRealtimeBackend(
            api_key=k or f.api_key, base_url=f.base_url, reconnect=FAST_RETRY
        ),
    ),
    "openai-beta": Provider(
        "openai-beta",
        24_000,
        24_000,
        True,
        lambda s: OpenAIRealtimeFake(script=s, shape="beta"),
        lambda f, k: OpenAIRealtimeBackend(
            api_key=k or f.api_key, base_url=f.base_url, api_shape="beta", reconnect=FAST_RETRY
        ),
    ),
    "azure": Provider(
        "azure",
        24_000,
        24_000,
        True,
        lambda s: AzureVoiceLiveFake(script=s),
        lambda f, k: AzureVoiceLiveBackend(
            api_key=k or f.api_key, base_url=f.base_url, reconnect=FAST_RETRY
        ),
    ),
    "qwen": Provider(
        "qwen",
        16_000,
        24_000,
        False,
        lambda s: QwenRealtimeFake(script=s),
        lambda f, k: QwenRealtimeBackend(
            api_key=k or f.api_key, base_url=f.base_url, reconnect=FAST_RETRY
        ),
    ),
    "gemini": Provider(
        "gemini",
        16_000,
        24_000,
        False,
        lambda s: GeminiLiveFake(script=s),
        lambda f, k: GeminiLiveBackend(
            api_key=k or f.api_key, base_url=f.base_url, reconnect=FAST_RETRY
        ),
    ),
}

OPENAI_SHAPED = ["openai-ga", "openai-beta", "azure", "qwen"]


@pytest.fixture
def providers() -> dict[str, Provider]:
    return PROVIDERS


@pytest.fixture(params=list(PROVIDERS))
def provider(request: pytest.FixtureRequest) -> Provider:
    return PROVIDERS[request.param]


@pytest.fixture(params=[name for name in OPENAI_SHAPED if PROVIDERS[name].truncates])
def truncating(request: pytest.FixtureRequest) -> Provider:
    return PROVIDERS[request.param]


@pytest.fixture(params=OPENAI_SHAPED)
def openai_shaped(request: pytest.FixtureRequest) -> Provider:
    return PROVIDERS[request.param]


def frames(ms: int, rate: int, *, frame_ms: int = 20) -> list[AudioInputFrame]:
    """``ms`` of a quiet tone as frames of ``frame_ms`` at ``rate``."""
    n = rate * frame_ms // 1000
    out = []
    for i in range(ms // frame_ms):
        t = np.arange(i * n, (i + 1) * n)
        samples = (1000 * np.sin(2 * np.pi * 220 * t / rate)).astype(np.int16)
        out.append(AudioInputFrame(i, rate, 1, samples))
    return out


async def send_speech(session: Any, ms: int, rate: int) -> None:
    for frame in frames(ms, rate):
        await session.send_audio(frame)


async def collect(
    session: Any,
    until: Callable[[RealtimeEvent], bool],
    *,
    timeout: float = 5.0,
) -> list[RealtimeEvent]:
    """Events from ``session`` up to and including the first one ``until`` accepts."""
    out: list[RealtimeEvent] = []

    async def run() -> None:
        async for event in session.events():
            out.append(event)
            if until(event):
                return
        raise AssertionError(f"event stream ended before the condition; got {out}")

    await asyncio.wait_for(run(), timeout)
    return out


async def until_true(condition: Callable[[], Any], *, timeout: float = 5.0) -> Any:
    """Poll ``condition`` (e.g. "the fake has received X") until it is truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)
    return value


async def collect_answer(session: Any, *, timeout: float = 5.0) -> list[RealtimeEvent]:
    """Events up to the end of the next response that carried audio."""
    out: list[RealtimeEvent] = []
    while True:
        out += await collect(session, lambda e: type(e).__name__ == "ResponseDone", timeout=timeout)
        if any(type(e).__name__ == "AudioDelta" for e in out):
            return out


@pytest.fixture
def helpers() -> Any:
    class H:
        frames = staticmethod(frames)
        send_speech = staticmethod(send_speech)
        collect = staticmethod(collect)
        collect_answer = staticmethod(collect_answer)
        until_true = staticmethod(until_true)

    return H
