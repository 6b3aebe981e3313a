"""Full sessions through ``run_session``: a paced microphone transport at 16 kHz, the
runtime's skills and barge-in handling, each adapter against its loopback fake."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from vona import AudioInputFrame, AudioOutputFrame, SessionConfig
from vona.driver import run_session
from vona.runtime import VonaRuntime
from vona.skills import SkillRegistry
from vona.testing.loopback import FakeScript, FakeToolCall, FakeTurn

RATE = 16_000
FRAME = RATE // 50


class MicTransport:
    """A real-time microphone: ``speech_ms`` of tone then silence, 20 ms frames paced by
    the wall clock; records what is played and can be told to stop."""

    def __init__(self, total_ms: int) -> None:
        self.frames = total_ms // 20
        self.sent: list[AudioOutputFrame] = []
        self.cleared = 0
        self._i = 0
        self.stop = asyncio.Event()

    async def recv(self) -> AudioInputFrame | None:
        if self._i >= self.frames or self.stop.is_set():
            return None
        if self._i:
            await asyncio.sleep(0.02)
        t = np.arange(self._i * FRAME, (self._i + 1) * FRAME)
        samples = (1500 * np.sin(2 * np.pi * 200 * t / RATE)).astype(np.int16)
        self._i += 1
        return AudioInputFrame(self._i, RATE, 1, samples)

    async def send(self, frame: AudioOutputFrame) -> None:
        self.sent.append(frame)

    async def clear(self) -> int:
        self.cleared += 1
        return 0


def skills() -> SkillRegistry:
    registry = SkillRegistry()

    def get_weather(city: str) -> dict[str, Any]:
        return {"city": city, "temp_c": 18}

    registry.register(
        "get_weather",
        get_weather,
        schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        description="Current weather for a city",
    )
    return registry


def kinds(metrics: Any) -> list[str]:
    return [e.kind for e in metrics.events]


async def test_full_session_with_tool_call_and_barge_in(provider):
    script = FakeScript(
        turns=[
            FakeTurn(tool_call=FakeToolCall("get_weather", {"city": "Paris"}), reply_ms=300),
            FakeTurn(reply_ms=2000, chunk_ms=100, barge_in_after_chunks=10),
        ],
        trigger_ms=300,
        repeat=False,
    )
    async with provider.fake(script) as fake:
        backend = provider.backend(fake)
        transport = MicTransport(total_ms=1600)
        metrics = await asyncio.wait_for(
            run_session(
                transport,
                backend,
                skills=skills(),
                config=SessionConfig(instructions="Be brief."),
                runtime=VonaRuntime(drain_timeout_s=2.0),
            ),
            30,
        )
        truncates = fake.messages("conversation.item.truncate")
        results = [
            m
            for m in fake.messages()
            if m.get("type") == "conversation.item.create" or "toolResponse" in m
        ]
    assert metrics.error is None, metrics.error
    # the tool ran through the runtime's executor and its result reached the provider
    assert [(c.name, c.state) for c in metrics.tool_calls] == [("get_weather", "succeeded")]
    assert len(results) == 1
    assert "18" in str(results[0])
    # audio came back and was played at the transport's rate
    assert metrics.samples_out > 0
    assert all(f.sample_rate_hz == RATE for f in transport.sent)
    assert metrics.first_audio_latency_ns is not None
    # the server's barge-in interrupted the second answer
    assert metrics.interruptions
    record = metrics.interruptions[-1]
    if provider.truncates:
        assert len(truncates) == 1
        # truncated to exactly what the runtime says was heard, at the provider's rate
        assert truncates[0]["audio_end_ms"] == min(record.played_ms, 1000)
    else:
        assert truncates == []
    assert "transcript" in kinds(metrics)
    assert metrics.input_tokens > 0


async def test_session_survives_a_transient_close(provider):
    script = FakeScript(
        turns=[FakeTurn(reply_ms=200)], trigger_ms=200, transient_close_after_turns=1
    )
    async with provider.fake(script) as fake:
        backend = provider.backend(fake)
        metrics = await asyncio.wait_for(
            run_session(
                MicTransport(total_ms=1200), backend, runtime=VonaRuntime(drain_timeout_s=2)
            ),
            30,
        )
        connections = len(fake.connections)
    assert metrics.error is None, metrics.error
    errors = [e for e in metrics.events if e.kind == "realtime_error"]
    assert [e.data["code"] for e in errors] == ["reconnected"]
    assert connections == 2
    assert fake.turns_done >= 2


async def test_auth_failure_ends_the_session_with_a_clear_error(provider):
    async with provider.fake() as fake:
        backend = provider.backend(fake, api_key="wrong-key-0000")
        metrics = await asyncio.wait_for(run_session(MicTransport(total_ms=200), backend), 10)
    assert metrics.error is not None
    text = str(metrics.error)
    assert "wrong-key-0000" not in text
    assert "retryable" in str(metrics.to_dict()) or metrics.fallbacks
