"""The contracts as plain data: round trips and refusals of malformed peer data."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from vona import (
    AudioInputFrame,
    AudioOutputFrame,
    BackendCapabilities,
    BackendStep,
    ControlEvent,
    ExternalContextEvent,
    FallbackRequested,
    Interruption,
    LatencyMark,
    ToolCallRequested,
    TurnEnd,
)
from vona.codec import cbor_loads, encode_audio_frame
from vona.errors import BackendError, ProtocolError, SessionLimitError
from vona.remote import wire


@pytest.mark.parametrize(("n", "ch"), [(0, 1), (1, 1), (320, 1), (321, 1), (640, 2)])
def test_input_frame_round_trip(n: int, ch: int) -> None:
    samples = np.arange(-n // 2, n - n // 2, dtype=np.int16)
    frame = AudioInputFrame(5, 48_000, ch, samples, timestamp_ns=123)
    msg = wire.input_frame_to_msg(frame)
    assert msg["pcm"] == samples.astype("<i2").tobytes()
    assert cbor_loads(encode_audio_frame(frame)) == msg  # the codec's audio message
    back = wire.input_frame_from_msg(msg)
    assert (back.sequence, back.sample_rate_hz, back.channels, back.timestamp_ns) == (
        5,
        48_000,
        ch,
        123,
    )
    np.testing.assert_array_equal(back.samples, samples)
    assert back.samples.dtype == np.int16


def test_input_frame_accepts_base64_pcm() -> None:
    pcm = np.array([1, -2, 3], dtype="<i2").tobytes()
    msg = {"seq": 0, "rate": 16_000, "ch": 1, "pcm": base64.b64encode(pcm).decode()}
    assert wire.input_frame_from_msg(msg).samples.tolist() == [1, -2, 3]


@pytest.mark.parametrize(
    ("msg", "match"),
    [
        ([1, 2], "must be a map"),
        ({"rate": 1, "ch": 1, "pcm": b""}, "no 'seq'"),
        ({"seq": "1", "rate": 1, "ch": 1, "pcm": b""}, "'seq' must be an int"),
        ({"seq": True, "rate": 1, "ch": 1, "pcm": b""}, "'seq' must be an int"),
        ({"seq": 0, "rate": 0, "ch": 1, "pcm": b""}, "'rate' must be an int >= 1"),
        ({"seq": 0, "rate": 10**9, "ch": 1, "pcm": b""}, r"'rate'=1000000000 is over"),
        ({"seq": 0, "rate": 8000, "ch": 9, "pcm": b""}, r"'ch'=9 is over 8"),
        ({"seq": 0, "rate": 8000, "ch": 0, "pcm": b""}, "'ch' must be an int >= 1"),
        ({"seq": -1, "rate": 8000, "ch": 1, "pcm": b""}, "'seq' must be an int >= 0"),
        ({"seq": 0, "rate": 8000, "ch": 1}, "no 'pcm'"),
        ({"seq": 0, "rate": 8000, "ch": 1, "pcm": 5}, "'pcm' must be bytes"),
        ({"seq": 0, "rate": 8000, "ch": 1, "pcm": b"\x00"}, "not a whole number"),
        ({"seq": 0, "rate": 8000, "ch": 2, "pcm": b"\x00\x00"}, "not a whole number"),
        ({"seq": 0, "rate": 8000, "ch": 1, "pcm": "!!"}, "not valid base64"),
        ({"type": "out", "seq": 0, "rate": 8000, "ch": 1, "pcm": b""}, "'type' must be 'in'"),
    ],
)
def test_input_frame_refusals(msg: object, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        wire.input_frame_from_msg(msg)


EVENTS: list[ControlEvent] = [
    ToolCallRequested("c1", "weather", {"city": "Oslo"}, generation_id=2),
    ToolCallRequested("c2", "weather", '{"city": "Oslo"}'),
    Interruption(played_ms=120, played_samples=1920, dropped_samples=5),
    TurnEnd(3, role="user"),
    FallbackRequested("overloaded"),
    LatencyMark("first_audio", 12345),
]


def test_step_round_trip_with_every_control_event() -> None:
    out = [
        AudioOutputFrame(1, 24_000, 1, np.arange(10, dtype=np.int16)),
        AudioOutputFrame(2, 24_000, 2, np.zeros(0, np.int16), is_filler=True),
    ]
    msg = wire.step_to_msg(BackendStep(out, list(EVENTS)))
    assert msg["audio"][1]["filler"] is True
    back = wire.step_from_msg(msg)
    assert back.control_events == EVENTS
    assert [(f.sequence, f.channels, f.is_filler) for f in back.output_audio] == [
        (1, 1, False),
        (2, 2, True),
    ]
    np.testing.assert_array_equal(back.output_audio[0].samples, out[0].samples)


def test_control_event_refusals() -> None:
    with pytest.raises(ProtocolError, match="unknown control event type 'nope'"):
        wire.control_from_msg({"type": "nope"})
    with pytest.raises(ProtocolError, match="unknown fields"):
        wire.control_from_msg({"type": "turn_end", "colour": 1})
    with pytest.raises(ProtocolError, match="latency_mark"):
        wire.control_from_msg({"type": "latency_mark"})

    class Custom(ControlEvent):
        pass

    with pytest.raises(ProtocolError, match="Custom has no wire form"):
        wire.control_to_msg(Custom())
    with pytest.raises(ProtocolError, match="must be lists"):
        wire.step_from_msg({"audio": {}, "events": []})


def test_context_round_trip_and_refusals() -> None:
    for event in (
        ExternalContextEvent.tool_result("c1", "weather", {"t": 3}, generation_id=4),
        ExternalContextEvent.transcript_override("hello"),
        ExternalContextEvent("app", {"k": [1, 2]}),
    ):
        assert wire.context_from_msg(wire.context_to_msg(event)) == event
    with pytest.raises(ProtocolError, match="'kind' must be one of"):
        wire.context_from_msg({"kind": "gossip"})
    with pytest.raises(ProtocolError, match="'payload' must be a map"):
        wire.context_from_msg({"kind": "app", "payload": []})
    with pytest.raises(ProtocolError, match="'call_id'"):
        wire.context_from_msg({"kind": "app", "call_id": 3})
    with pytest.raises(ProtocolError, match="'generation_id'"):
        wire.context_from_msg({"kind": "app", "generation_id": "x"})
    with pytest.raises(ProtocolError, match="unknown fields"):
        wire.context_from_msg({"kind": "app", "extra": 1})


def test_capabilities_and_errors() -> None:
    caps = BackendCapabilities(name="x", input_sample_rate_hz=24_000, extra={"a": 1})
    assert wire.capabilities_from_msg(wire.capabilities_to_msg(caps)) == caps
    msg = wire.error_to_msg(BackendError("down", retryable=True))
    assert msg == {"type": "BackendError", "message": "down", "retryable": True}
    err = wire.error_from_msg(msg, where="IPC")
    assert isinstance(err, BackendError)
    assert err.retryable
    assert "down" in str(err)
    assert wire.error_to_msg(SessionLimitError("full"))["retryable"] is False
    assert wire.error_to_msg(RuntimeError("x"))["retryable"] is False
    assert wire.error_from_msg("junk", where="IPC").retryable is False
