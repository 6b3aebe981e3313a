"""CascadeBackend under the real session driver (run_session + VonaRuntime + SkillExecutor),
with a ScriptedTransport at real-time pace and scripted engines."""

from __future__ import annotations

from typing import Any

import numpy as np

from vona.backends.cascade.backend import CascadeBackend
from vona.backends.cascade.rules import RuleResponder
from vona.config import SessionConfig
from vona.driver import run_session
from vona.skills import SkillRegistry
from vona.transports.scripted import ScriptedTransport
from vona.vad import VadParams


class ScriptedStt:
    sample_rate_hz = 16_000

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)

    def transcribe(self, audio: np.ndarray) -> str:
        return self.texts.pop(0) if self.texts else ""


class ToneTts:
    sample_rate_hz = 24_000

    def synthesize(self, text: str) -> np.ndarray:
        return (0.2 * np.sin(np.arange(480 * len(text)) * 0.1)).astype(np.float32)


def _tone(seconds: float, rate: int = 48_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)


async def test_run_session_executes_the_tool_and_plays_the_reply():
    skills = SkillRegistry()
    ran: list[dict[str, Any]] = []

    @skills.skill()
    def get_weather(city: str) -> dict[str, Any]:
        """Weather."""
        ran.append({"city": city})
        return {"conditions": "sunny", "temperature_c": 21}

    backend = CascadeBackend(
        stt=ScriptedStt("What is the weather in Paris?"),
        tts=ToneTts(),
        responder=RuleResponder(),
        vad_params=VadParams(min_silence_ms=256, speech_pad_ms=64),
    )
    audio = np.concatenate([_tone(0.6), np.zeros(48_000 // 2, np.int16)])
    transport = ScriptedTransport(audio, 48_000, hold_open_ms=2500)
    config = SessionConfig(tools=skills.tool_specs())
    metrics = await run_session(transport, backend, skills=skills, config=config, raise_errors=True)
    assert ran == [{"city": "Paris"}]
    reply = (
        "Right now in Paris it is sunny and 21 degrees. Is there anything else I can do for you?"
    )
    expected_24k = 480 * (len(reply) - 1)  # two sentences, joined without the space
    played = transport.output_audio()
    assert abs(played.shape[0] - expected_24k * 2) <= 4_800  # resampled to 48 kHz
    data = metrics.to_dict()
    assert data["tool_calls"]
    assert data.get("error") in (None, {})


async def test_barge_in_through_the_runtime_clears_playback():
    backend = CascadeBackend(
        stt=ScriptedStt("tell me a story about the sea please", "stop"),
        tts=ToneTts(),
        responder=RuleResponder(),
        vad_params=VadParams(min_silence_ms=256, speech_pad_ms=64),
    )
    gap = np.zeros(48_000, np.int16)  # the reply starts playing during this second
    audio = np.concatenate([_tone(0.6), gap, _tone(0.6), np.zeros(24_000, np.int16)])
    transport = ScriptedTransport(audio, 48_000, hold_open_ms=3000)
    metrics = await run_session(transport, backend, raise_errors=True)
    data = metrics.to_dict()
    assert data["interruptions"], data
    assert transport.clears, "the runtime never cleared the transport"
    cut = transport.clears[0]
    said = "You said: tell me a story about the sea please. I can tell you the weather or the time."
    full_first_reply = 480 * len(said) * 2
    assert 0 < cut.played_samples < full_first_reply
