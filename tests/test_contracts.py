"""The public contracts: defaults, protocol conformance, and the reference backend."""

import numpy as np
import pytest
from pydantic import ValidationError

import vona
from vona import (
    AudioInputFrame,
    ExternalContextEvent,
    PassthroughStsBackend,
    SessionConfig,
    SpeechToSpeechBackend,
    ToolSpec,
)


def test_session_config_defaults_are_valid() -> None:
    cfg = SessionConfig()
    assert cfg.tools == []
    assert cfg.turn_detection.mode == "server_vad"
    assert SessionConfig.model_validate_json(cfg.model_dump_json()) == cfg


def test_session_config_rejects_unknown_fields_and_bad_tool_names() -> None:
    with pytest.raises(ValidationError):
        SessionConfig.model_validate({"instructionz": "x"})
    with pytest.raises(ValidationError):
        ToolSpec(name="has space")


def test_frame_durations() -> None:
    f = AudioInputFrame(0, 16_000, 2, np.zeros(640, dtype=np.int16))
    assert f.samples_per_channel == 320
    assert f.duration_ns == 20_000_000


def test_tool_result_event_shapes() -> None:
    ok = ExternalContextEvent.tool_result("c1", "weather", {"t": 3})
    bad = ExternalContextEvent.tool_result("c2", "weather", error="timed out")
    assert ok.payload == {"name": "weather", "ok": True, "result": {"t": 3}}
    assert bad.payload == {"name": "weather", "ok": False, "error": "timed out"}


async def test_passthrough_echoes_frames_and_keeps_context() -> None:
    backend = PassthroughStsBackend()
    assert isinstance(backend, SpeechToSpeechBackend)
    session = await backend.start_session(SessionConfig())
    samples = np.arange(320, dtype=np.int16)
    step = await backend.step(session, AudioInputFrame(7, 16_000, 1, samples))
    assert len(step.output_audio) == 1
    out = step.output_audio[0]
    assert out.sequence == 7
    np.testing.assert_array_equal(out.samples, samples)
    event = ExternalContextEvent.transcript_override("hello")
    await backend.inject_event(session, event)
    assert session.context == [event]
    await backend.end_session(session)


def test_every_public_name_resolves() -> None:
    for name in vona.__all__:
        assert getattr(vona, name) is not None
