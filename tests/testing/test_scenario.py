"""JSON scenarios: the committed ones pass, and the runner reports what went wrong."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vona.errors import ConfigError
from vona.testing import HarnessAssertionError
from vona.testing.scenario import build_session, load_scenario, render_audio, run_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


def test_weather_tool_scenario() -> None:
    result = run_scenario(SCENARIOS / "weather_tool.json").check()
    m = result.metrics
    (call,) = m.tool_calls
    assert call.state == "succeeded"
    assert call.duration_ns == 300_000_000
    result.run.assert_tool_round_trip("wx")
    # The fixture question (16 kHz) was resampled to the 48 kHz transport; the user's
    # turn ends after the clip, and the answer comes 200 ms (input time) later.
    (end,) = [e.t_ns for e in m.events if e.kind == "user_speech_end"]
    clip_ms = 81446 / 2 / 16  # data bytes of the WAV / 2 bytes / 16 samples per ms
    assert clip_ms * 1e6 <= end <= (clip_ms + 60) * 1e6
    assert m.turn_latencies_ns[0] >= 200_000_000


def test_barge_in_scenario() -> None:
    result = run_scenario(SCENARIOS / "barge_in.json").check()
    m = result.metrics
    (cut,) = m.interruptions
    assert cut.cancelled_calls == ["s1"]
    # It had started (the search takes 1.5 s); it was cancelled and no result came back.
    assert "tool_started" in m.event_kinds()
    assert all(e.call_id != "s1" for e in result.run.backend.session.injected)
    # Barge-in noticed 300 ms into the second clip: 1400 + 1200 + 300 ms of input.
    t_cut = next(e.t_ns for e in m.events if e.kind == "interruption")
    assert 2_900_000_000 <= t_cut <= 2_960_000_000
    assert cut.dropped_samples > 0
    assert len(m.turn_latencies_ns) == 2


def test_retryable_failure_falls_back() -> None:
    result = run_scenario(SCENARIOS / "retryable_failure.json").check()
    (fb,) = result.metrics.fallbacks
    assert (fb.from_backend, fb.to_backend, fb.retryable) == ("flaky", "passthrough", True)
    # The passthrough echoed the second clip (the tone), so the user heard it.
    heard = result.run.transport.played_audio()
    assert np.abs(heard.astype(np.int32)).max() > 4000


def test_scenarios_are_deterministic() -> None:
    a = run_scenario(SCENARIOS / "barge_in.json").metrics.to_dict()
    b = run_scenario(SCENARIOS / "barge_in.json").metrics.to_dict()
    assert a == b


def test_failed_expectations_are_listed() -> None:
    data = json.loads((SCENARIOS / "weather_tool.json").read_text())
    data["expect"]["tool_calls"] = {"wx": "failed"}
    data["expect"]["interruptions"] = 2
    data["expect"]["events"] = ["tool_result", "tool_requested"]
    result = run_scenario(data)
    assert len(result.failures) == 3
    with pytest.raises(HarnessAssertionError, match="weather_tool") as info:
        result.check()
    assert "expected failed, got succeeded" in str(info.value)
    assert "interruptions: expected 2, got 0" in str(info.value)


def test_skill_error_and_timeout() -> None:
    data = json.loads((SCENARIOS / "weather_tool.json").read_text())
    data["skills"] = [{"name": "weather", "error": "service down"}]
    data["expect"] = {"tool_calls": {"wx": "failed"}, "events": ["tool_failed"]}
    run_scenario(data).check()
    data["skills"] = [{"name": "weather", "result": 1, "latency_ms": 500, "timeout_ms": 100}]
    data["expect"] = {"tool_calls": {"wx": "timed_out"}}
    run_scenario(data).check()


def test_generated_audio_lengths_and_rates() -> None:
    for wf in ("utterance", "tone", "chirp", "noise", "silence"):
        spec = load_scenario({"name": "x", "turns": [{"user": {"waveform": wf, "ms": 250}}]}).turns[
            0
        ]
        assert render_audio(spec.user, 24_000).shape == (6000,)
    scenario = load_scenario(
        {
            "name": "x",
            "transport": {"sample_rate_hz": 8000},
            "turns": [{"user": {"waveform": "tone", "ms": 500}, "pause_ms": 250}],
            "tail_ms": 250,
        }
    )
    audio, backend = build_session(scenario)
    assert audio.shape == (8000,)
    assert backend.turns[0].at_ms == 500


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "turns": []}, "turns"),
        ({"name": "x", "turns": [{"user": {}}]}, "exactly one"),
        ({"name": "x", "turns": [{"user": {"fixture": "nope"}}]}, "not found"),
        ({"name": "x", "turns": [{"user": {"waveform": "hum"}}]}, "waveform"),
        ({"name": "x", "bogus": 1, "turns": [{"user": {"waveform": "tone"}}]}, "bogus"),
        (
            {"name": "x", "turns": [{"user": {"waveform": "tone"}, "interrupt_after_ms": 5}]},
            "next turn",
        ),
    ],
)
def test_bad_scenarios_raise_config_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        run_scenario(data)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_scenario(SCENARIOS / "missing.json")
