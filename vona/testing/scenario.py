"""Scripted sessions as JSON: who says what, how the mock backend answers, what must happen.

A scenario file (see ``fixtures/scenarios/*.json``) is one object::

    {
      "name": "weather_tool",
      "transport": {"sample_rate_hz": 48000, "chunk_ms": 20},
      "backend": {"sample_rate_hz": 16000, "step_delay_ms": 0},
      "skills": [{"name": "weather", "result": {"temp_c": 14}, "latency_ms": 250}],
      "turns": [
        {"user": {"fixture": "speech_weather_question"}, "pause_ms": 1500,
         "reply": {"ms": 600, "latency_ms": 200, "transcript": "Let me check."},
         "tool_calls": [{"name": "weather", "arguments": {"city": "Paris"}}],
         "after_tool_ms": 800}
      ],
      "expect": {"events": ["user_speech_end", "tool_succeeded", "first_audio"],
                 "tool_calls": {"call-1-0": "succeeded"}, "interruptions": 0}
    }

The user's audio is the turns' ``user`` clips laid end to end, each followed by
``pause_ms`` of silence. A clip is a fixture WAV by name (``fixtures/audio``, or the
``fixtures_dir`` given to the runner) or a generated waveform (``{"waveform": "utterance",
"ms": 1500, "seed": 3}``; also ``tone``, ``chirp``, ``noise``, ``silence``). A turn's reply
starts ``latency_ms`` (input time) after its clip ends; ``interrupt_after_ms`` makes the
*next* turn's clip barge in, noticed that far into it. ``fail`` makes the backend raise
when the turn fires (``retryable`` switches to the ``fallback`` backend, ``fatal`` ends
the session). ``transcript`` labels a reply (the mock speaks a tone, or ``audio``).

``run_scenario`` plays it through ``run_session`` on the virtual clock with a
``MockBackend`` and returns a ``ScenarioResult``; ``check()`` raises
``HarnessAssertionError`` listing every expectation that failed.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vona.backends.passthrough import PassthroughStsBackend
from vona.errors import ConfigError, SkillError
from vona.frames import Int16Array
from vona.metrics import SessionMetrics
from vona.runtime import VonaRuntime
from vona.skills import SkillRegistry
from vona.testing.harness import HarnessAssertionError, ScriptedRun, run_scripted
from vona.testing.mock_backend import MockBackend, MockToolCall, MockTurn
from vona.testing.waveforms import (
    chirp,
    concat,
    gaussian_noise,
    ms_to_samples,
    silence,
    tone,
    utterance,
)

__all__ = [
    "Scenario",
    "ScenarioResult",
    "load_scenario",
    "run_scenario",
]

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audio"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AudioSpec(_Strict):
    """A fixture WAV by name, or a generated waveform."""

    fixture: str | None = None
    waveform: Literal["utterance", "tone", "chirp", "noise", "silence"] | None = None
    ms: float = Field(default=1000.0, gt=0, le=600_000)
    seed: int = 0
    hz: float = Field(default=440.0, gt=0)
    to_hz: float = Field(default=4000.0, gt=0)
    amplitude: float = Field(default=8000.0, gt=0, le=32767)


class ToolCallSpec(_Strict):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    call_id: str | None = None


class ReplySpec(_Strict):
    ms: float = Field(default=500.0, ge=0)
    audio: AudioSpec | None = None
    tone_hz: float = Field(default=440.0, gt=0)
    latency_ms: float = Field(default=0.0, ge=0)
    chunk_ms: float | None = Field(default=20.0, gt=0)
    transcript: str = ""


class TurnSpec(_Strict):
    user: AudioSpec
    pause_ms: float = Field(default=1000.0, ge=0)
    reply: ReplySpec = Field(default_factory=ReplySpec)
    tool_calls: list[ToolCallSpec] = Field(default_factory=list)
    after_tool_ms: float | None = Field(default=None, ge=0)
    interrupt_after_ms: float | None = Field(default=None, ge=0)
    fail: Literal["retryable", "fatal"] | None = None


class SkillSpec(_Strict):
    """A skill that returns ``result`` (or raises ``error``) after ``latency_ms``."""

    name: str
    result: Any = None
    error: str | None = None
    latency_ms: float = Field(default=0.0, ge=0)
    timeout_ms: float | None = Field(default=None, gt=0)


class TransportSpec(_Strict):
    sample_rate_hz: int = Field(default=16_000, gt=0)
    chunk_ms: float = Field(default=20.0, gt=0)
    hold_open_ms: float = Field(default=0.0, ge=0)


class BackendSpec(_Strict):
    name: str = "mock"
    sample_rate_hz: int = Field(default=16_000, gt=0)
    frame_samples: int | None = Field(default=None, gt=0)
    step_delay_ms: float = Field(default=0.0, ge=0)
    fail_on_start: Literal["retryable", "fatal"] | None = None


class ExpectSpec(_Strict):
    events: list[str] = Field(default_factory=list)
    tool_calls: dict[str, str] = Field(default_factory=dict)
    interruptions: int | None = Field(default=None, ge=0)
    fallbacks: int | None = Field(default=None, ge=0)
    end_reason: str | None = "input_ended"
    ok: bool | None = True


class Scenario(_Strict):
    """A whole scripted session (see the module docstring for the format)."""

    name: str
    description: str = ""
    transport: TransportSpec = Field(default_factory=TransportSpec)
    backend: BackendSpec = Field(default_factory=BackendSpec)
    fallback: Literal["passthrough"] | None = None
    skills: list[SkillSpec] = Field(default_factory=list)
    turns: list[TurnSpec] = Field(min_length=1)
    tail_ms: float = Field(default=1000.0, ge=0)
    expect: ExpectSpec = Field(default_factory=ExpectSpec)


@dataclass
class ScenarioResult:
    """The outcome: metrics, the harness run, and the expectations that failed."""

    scenario: Scenario
    run: ScriptedRun
    failures: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> SessionMetrics:
        return self.run.metrics

    def check(self) -> ScenarioResult:
        """Raise ``HarnessAssertionError`` if any expectation failed; else return self."""
        if self.failures:
            lines = "\n  ".join(self.failures)
            raise HarnessAssertionError(f"scenario {self.scenario.name!r} failed:\n  {lines}")
        return self


def load_scenario(source: str | Path | dict[str, Any]) -> Scenario:
    """Parse a scenario from a JSON file path, JSON text or a dict."""
    try:
        if isinstance(source, dict):
            return Scenario.model_validate(source)
        text = source
        if isinstance(source, Path) or not str(source).lstrip().startswith("{"):
            path = Path(source)
            if not path.is_file():
                raise ConfigError(f"scenario file not found: {path}")
            text = path.read_text()
        return Scenario.model_validate_json(str(text))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid scenario: {problems}") from None


def render_audio(spec: AudioSpec, rate: int, fixtures_dir: Path | None = None) -> Int16Array:
    """The int16 mono samples a spec describes, at ``rate``."""
    if (spec.fixture is None) == (spec.waveform is None):
        raise ConfigError("an audio spec needs exactly one of 'fixture' or 'waveform'")
    if spec.fixture is not None:
        return _read_fixture(spec.fixture, rate, fixtures_dir or DEFAULT_FIXTURES)
    makers: dict[str, Callable[[], Int16Array]] = {
        "utterance": lambda: utterance(spec.ms, rate, seed=spec.seed, amplitude=spec.amplitude),
        "tone": lambda: tone(spec.ms, rate, spec.hz, spec.amplitude),
        "chirp": lambda: chirp(spec.ms, rate, spec.hz, spec.to_hz, spec.amplitude),
        "noise": lambda: gaussian_noise(spec.ms, rate, seed=spec.seed),
        "silence": lambda: silence(spec.ms, rate),
    }
    return makers[str(spec.waveform)]()


def _read_fixture(name: str, rate: int, directory: Path) -> Int16Array:
    path = directory / (name if name.endswith(".wav") else f"{name}.wav")
    if not path.is_file():
        raise ConfigError(f"fixture {name!r} not found in {directory}")
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ConfigError(f"fixture {name!r} must be mono 16-bit PCM")
        file_rate = w.getframerate()
        data: Int16Array = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)
    if file_rate != rate:
        from vona.dsp import Resampler

        rs = Resampler(file_rate, rate)
        data = np.concatenate([rs.process(data), rs.flush()]).astype(np.int16)
    return data


def _skills(specs: list[SkillSpec]) -> SkillRegistry:
    registry = SkillRegistry()
    for spec in specs:

        async def fn(_spec: SkillSpec = spec, **_kwargs: Any) -> Any:
            await asyncio.sleep(_spec.latency_ms / 1000)
            if _spec.error is not None:
                raise SkillError(_spec.error)
            return _spec.result

        timeout = None if spec.timeout_ms is None else spec.timeout_ms / 1000
        schema = {"type": "object", "additionalProperties": True}
        registry.register(spec.name, fn, schema=schema, timeout_s=timeout)
    return registry


def build_session(
    scenario: Scenario, fixtures_dir: Path | None = None
) -> tuple[Int16Array, MockBackend]:
    """The input audio (transport rate) and the scripted backend of a scenario."""
    rate = scenario.transport.sample_rate_hz
    out_rate = scenario.backend.sample_rate_hz
    clips = [render_audio(t.user, rate, fixtures_dir) for t in scenario.turns]
    starts_ms: list[float] = []
    pos = 0.0
    pieces: list[Int16Array] = []
    for turn, clip in zip(scenario.turns, clips, strict=True):
        starts_ms.append(pos)
        pieces += [clip, silence(turn.pause_ms, rate)]
        pos += clip.shape[0] * 1000 / rate + ms_to_samples(turn.pause_ms, rate) * 1000 / rate
    pieces.append(silence(scenario.tail_ms, rate))
    turns = []
    for i, (turn, clip) in enumerate(zip(scenario.turns, clips, strict=True)):
        interrupt_at = None
        if turn.interrupt_after_ms is not None:
            if i + 1 >= len(scenario.turns):
                raise ConfigError(f"turn {i + 1}: interrupt_after_ms needs a next turn")
            interrupt_at = starts_ms[i + 1] + turn.interrupt_after_ms
        reply = turn.reply
        audio = None if reply.audio is None else render_audio(reply.audio, out_rate, fixtures_dir)
        calls = tuple(MockToolCall(c.name, c.arguments, c.call_id) for c in turn.tool_calls)
        turns.append(
            MockTurn(
                at_ms=starts_ms[i] + clip.shape[0] * 1000 / rate,
                latency_ms=reply.latency_ms,
                reply_ms=reply.ms,
                reply_audio=audio,
                tone_hz=reply.tone_hz,
                tool_calls=calls,
                after_tool_ms=turn.after_tool_ms,
                chunk_ms=reply.chunk_ms,
                interrupt_at_ms=interrupt_at,
                fail=turn.fail,
            )
        )
    b = scenario.backend
    backend = MockBackend(
        turns,
        name=b.name,
        sample_rate_hz=b.sample_rate_hz,
        frame_samples=b.frame_samples or b.sample_rate_hz // 50,
        fail_on_start=b.fail_on_start,
        step_delay_ms=b.step_delay_ms,
    )
    return concat(*pieces), backend


def run_scenario(
    source: Scenario | str | Path | dict[str, Any], *, fixtures_dir: Path | None = None
) -> ScenarioResult:
    """Play a scenario through ``run_session`` on virtual time and check its expectations."""
    scenario = source if isinstance(source, Scenario) else load_scenario(source)
    audio, backend = build_session(scenario, fixtures_dir)
    runtime = VonaRuntime(
        fallback=PassthroughStsBackend() if scenario.fallback == "passthrough" else None
    )
    run = run_scripted(
        audio,
        backend,
        sample_rate_hz=scenario.transport.sample_rate_hz,
        chunk_ms=scenario.transport.chunk_ms,
        hold_open_ms=scenario.transport.hold_open_ms,
        skills=_skills(scenario.skills),
        runtime=runtime,
    )
    return ScenarioResult(scenario, run, _failures(scenario, run))


def _failures(scenario: Scenario, run: ScriptedRun) -> list[str]:
    exp, m = scenario.expect, run.metrics
    out: list[str] = []
    try:
        run.assert_event_order(*exp.events)
    except HarnessAssertionError as exc:
        out.append(str(exc))
    states = {r.call_id: r.state for r in m.tool_calls}
    for call_id, want in exp.tool_calls.items():
        if states.get(call_id) != want:
            out.append(f"tool call {call_id!r}: expected {want}, got {states.get(call_id)}")
    if exp.interruptions is not None and len(m.interruptions) != exp.interruptions:
        out.append(f"interruptions: expected {exp.interruptions}, got {len(m.interruptions)}")
    if exp.fallbacks is not None and len(m.fallbacks) != exp.fallbacks:
        out.append(f"fallbacks: expected {exp.fallbacks}, got {len(m.fallbacks)}")
    if exp.end_reason is not None and m.end_reason != exp.end_reason:
        out.append(f"end_reason: expected {exp.end_reason}, got {m.end_reason}")
    if exp.ok is not None and m.ok != exp.ok:
        out.append(f"ok: expected {exp.ok}, got {m.ok} (error: {m.error})")
    return out
