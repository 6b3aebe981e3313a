"""``vona demo --mock``: timeline order, interruption accounting, the tool call, the WAV."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from vona.cli import demo
from vona.cli.main import main

RATE = demo.TRANSPORT_RATE


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> demo.DemoResult:
    return demo.run_mock_demo(tmp_path_factory.mktemp("demo") / "out.wav")


def _index(kinds: list[str], kind: str, start: int = 0) -> int:
    return kinds.index(kind, start)


def test_timeline_order(result: demo.DemoResult) -> None:
    m = result.metrics
    assert m.ok
    assert m.end_reason == "input_ended"
    kinds = m.event_kinds()
    order = [
        "session_start",
        "backend_started",
        "user_speech_end",
        "tool_requested",
        "tool_validated",
        "tool_started",
        "first_audio",
        "tool_succeeded",
        "tool_result",
        "interruption",
        "user_speech_end",
        "assistant_audio_start",
        "session_end",
    ]
    pos = 0
    for kind in order:
        pos = _index(kinds, kind, pos) + 1
    # Both user turns ended where the script says (input time plus loop delay).
    ends = [e.t_ns for e in m.events if e.kind == "user_speech_end"]
    assert len(ends) == 2
    assert ends[0] >= demo.QUESTION_MS * 1_000_000
    second_at = demo.QUESTION_MS + demo.GAP_MS + demo.BARGE_IN_MS
    assert ends[1] >= second_at * 1_000_000
    assert len(m.turn_latencies_ns) == 2


def test_tool_call_ran_the_registered_skill(result: demo.DemoResult) -> None:
    (call,) = result.metrics.tool_calls
    assert (call.call_id, call.name, call.state) == ("weather-1", "weather", "succeeded")
    assert call.duration_ns == int(demo.TOOL_LATENCY_S * 1e9)
    injected = result.backend.session.injected
    assert [e.call_id for e in injected] == ["weather-1"]
    assert injected[0].payload["result"] == demo.WEATHER["paris"]


def test_interruption_accounting(result: demo.DemoResult) -> None:
    m = result.metrics
    (cut,) = m.interruptions
    assert cut.reason == "barge_in"
    assert cut.generation_id == 1
    assert cut.dropped_samples > 0
    assert m.dropped_samples == cut.dropped_samples
    # The backend heard the same position the runtime measured.
    (told,) = result.backend.session.interruptions
    assert told.played_ms == cut.played_ms
    # What was heard of the first answer: from its first audio to the interruption.
    first_audio = m.first_audio_latency_ns
    assert first_audio is not None
    heard_ms = (next(e.t_ns for e in m.events if e.kind == "interruption") - first_audio) / 1e6
    assert abs(cut.played_ms - heard_ms) <= 40
    # Every sample sent was either played or dropped by the interruption.
    t = result.transport
    dropped = sum(c.dropped_samples for c in t.clears)
    assert dropped == cut.dropped_transport_samples
    assert t.sent_samples == t.played_samples() + t.buffered_samples + dropped


def test_wav_is_the_conversation(result: demo.DemoResult) -> None:
    assert result.output is not None
    with wave.open(str(result.output)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, RATE)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    user, assistant = data[:, 0], data[:, 1]
    audio, _ = demo.demo_script()
    np.testing.assert_array_equal(user[: audio.shape[0]], audio)

    def active(x: np.ndarray, ms0: float, ms1: float) -> bool:
        seg = x[int(ms0 * RATE / 1000) : int(ms1 * RATE / 1000)]
        return bool(np.abs(seg.astype(np.int32)).max(initial=0) > 1000)

    m = result.metrics
    first = (m.first_audio_latency_ns or 0) / 1e6
    cut_ms = next(e.t_ns for e in m.events if e.kind == "interruption") / 1e6
    assert not active(assistant, 0, first - 25)  # silent while the user asks
    assert active(assistant, first + 20, cut_ms - 40)  # the first answer plays
    second = next(e.t_ns for e in m.events if e.kind == "user_speech_end" and e.t_ns > cut_ms * 1e6)
    assert not active(assistant, cut_ms + 25, second / 1e6)  # cut off, silence
    assert active(assistant, second / 1e6 + 300, second / 1e6 + 1000)  # the second answer


def test_deterministic(result: demo.DemoResult) -> None:
    again = demo.run_mock_demo(None)
    assert again.metrics.to_dict() == result.metrics.to_dict()
    np.testing.assert_array_equal(again.conversation, result.conversation)


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.wav"
    assert main(["demo", "--mock", "--json", "--output", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["demo"] == "mock"
    assert data["summary"]["interruptions"] == 1
    assert data["summary"]["tool_calls"] == ["weather(weather-1): succeeded"]
    assert data["metrics"]["end_reason"] == "input_ended"
    assert out.stat().st_size > 44


def test_cli_mock_prints_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--mock", "--output", str(tmp_path / "y.wav")]) == 0
    text = capsys.readouterr().out
    assert "session timeline" in text
    assert "session metrics" in text
    assert "interruption" in text
    assert "tool_succeeded" in text
