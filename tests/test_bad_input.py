"""Bad input at public entry points: a ``vona.errors`` type naming the argument, never a
bare ``OverflowError``, ``TypeError`` or ``AttributeError``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from vona import AudioInputFrame, PassthroughStsBackend
from vona.codec import (
    FrameReader,
    FrameWriter,
    OggOpusReader,
    OggOpusWriter,
    OpusDecoder,
    OpusEncoder,
    frame_sizes,
)
from vona.driver import run_session
from vona.dsp import Reframer, RingBuffer
from vona.errors import AudioFormatError, ConfigError
from vona.runtime import VonaRuntime
from vona.step_loop import NativeGain, StepLoop
from vona.testing import VirtualClock, run_virtual

HUGE = 2**40
CASES: list[tuple[str, Callable[[], Any]]] = [
    ("sample_rate", lambda: OpusDecoder(HUGE, 1)),
    ("channels", lambda: OpusDecoder(48_000, -(2**70))),
    ("sample_rate", lambda: OpusEncoder("48000", 1)),  # type: ignore[arg-type]
    ("sample_rate", lambda: frame_sizes(HUGE)),
    ("channels", lambda: OggOpusWriter(48_000, None)),  # type: ignore[arg-type]
    ("pre_skip", lambda: OggOpusWriter(48_000, 1, pre_skip=2**64)),
    ("max_page_bytes", lambda: OggOpusReader(max_page_bytes=HUGE)),
    ("max_frame_bytes", lambda: FrameReader(2**80)),
    ("max_depth", lambda: FrameWriter(max_depth="deep")),  # type: ignore[arg-type]
    ("capacity", lambda: RingBuffer(2**70)),
    ("n", lambda: RingBuffer(16).read(2**70)),
    ("n", lambda: RingBuffer(16).peek(1.5)),  # type: ignore[arg-type]
    ("frame_samples", lambda: Reframer("320")),  # type: ignore[arg-type]
    ("n", lambda: Reframer(320).frames_after(None)),  # type: ignore[arg-type]
    ("backend_rate", lambda: StepLoop(16_000, HUGE, 320)),
    ("backend_output_rate", lambda: StepLoop(16_000, 16_000, 320, backend_output_rate=HUGE)),
    ("n", lambda: StepLoop(16_000, 16_000, 320).pull_playout(2**70)),
    ("gain_db", lambda: NativeGain("loud")),  # type: ignore[arg-type]
    ("step_timeout_s", lambda: VonaRuntime(step_timeout_s=-1)),
]


@pytest.mark.parametrize(("name", "call"), CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)])
def test_native_entry_points_name_the_argument(name: str, call: Callable[[], Any]) -> None:
    with pytest.raises(ConfigError, match=name):
        call()


def test_numpy_integers_are_accepted() -> None:
    assert OpusDecoder(np.int64(48_000), np.int32(1)).sample_rate == 48_000
    assert RingBuffer(np.int64(8)).read(np.int16(2)).shape == (0,)


class BadFrames:
    """A transport that delivers one frame whose samples are not an int16 array."""

    sample_rate_hz = 16_000

    def __init__(self, samples: Any) -> None:
        self.samples = samples
        self.done = False

    async def recv(self) -> AudioInputFrame | None:
        if self.done:
            return None
        self.done = True
        return AudioInputFrame(1, 16_000, 1, self.samples)

    async def send(self, frame: Any) -> None:
        return None

    async def clear(self) -> int:
        return 0


@pytest.mark.parametrize(
    "samples", [[0] * 320, b"\x00" * 640, None, np.zeros(320, np.float32)], ids=str
)
def test_bad_samples_end_the_session_with_an_audio_format_error(samples: Any) -> None:
    clock = VirtualClock()
    m = run_virtual(
        run_session(BadFrames(samples), PassthroughStsBackend(), clock=clock), clock=clock
    )
    assert m.end_reason == "error"
    assert m.error is not None
    assert m.error["type"] == "AudioFormatError"
    assert "samples" in m.error["message"] or "chunk" in m.error["message"]
    clock = VirtualClock()
    transport = BadFrames(samples)
    session = run_session(transport, PassthroughStsBackend(), clock=clock, raise_errors=True)
    with pytest.raises(AudioFormatError):
        run_virtual(session, clock=clock)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("playout_frame_ms", "20"),
        ("drain_timeout_s", None),
        ("max_session_s", float("nan")),
        ("send_timeout_s", True),
        ("input_timeout_s", float("inf")),
    ],
)
def test_runtime_fields_are_checked(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=field):
        VonaRuntime(**{field: value})


def test_remote_clients_check_their_arguments() -> None:
    from vona import HttpStsBackend, IpcStsBackend

    with pytest.raises(ConfigError, match="base_url"):
        HttpStsBackend("127.0.0.1:9090")
    with pytest.raises(ConfigError, match="timeout_s"):
        HttpStsBackend("http://127.0.0.1:9090", timeout_s="10")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="timeout_s"):
        IpcStsBackend("/tmp/x.sock", timeout_s=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="path"):
        IpcStsBackend(None)  # type: ignore[arg-type]


def test_run_session_checks_its_arguments() -> None:
    from vona.driver import SessionDriver
    from vona.testing import ScriptedTransport

    transport = ScriptedTransport(np.zeros(320, np.int16), 16_000)
    with pytest.raises(ConfigError, match="transport"):
        SessionDriver(None, PassthroughStsBackend())  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="neither"):
        SessionDriver(transport, object())  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="runtime"):
        SessionDriver(transport, PassthroughStsBackend(), runtime={})  # type: ignore[arg-type]
