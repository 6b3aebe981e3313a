"""Step backends whose per-frame work runs in the native loop's backend slot."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from vona import GainStsBackend, NativeSlot, PassthroughStsBackend
from vona.backends.step import BackendCapabilities, BackendStep
from vona.driver import SessionDriver
from vona.dsp import gain_db
from vona.errors import BackendError, ConfigError
from vona.frames import AudioInputFrame, AudioOutputFrame
from vona.runtime import VonaRuntime
from vona.step_loop import NativeGain
from vona.testing import ScriptedTransport, VirtualClock, noise, run_scripted, run_virtual, tone

PYTHON_STEPS = VonaRuntime(native_backends=False)


class RecordingPassthrough(PassthroughStsBackend):
    """Keeps its last session, to count the Python steps that ran."""

    session: Any = None

    async def start_session(self, config: Any) -> Any:
        self.session = await super().start_session(config)
        return self.session


def native_used(events: list[Any]) -> list[bool]:
    return [e.data["used"] for e in events if e.kind == "native_backend"]


@pytest.mark.parametrize(
    ("transport_rate", "backend_rate", "chunks"),
    [(16_000, 16_000, (1, 900)), (48_000, 16_000, (13, 2000)), (24_000, 16_000, (480, 480))],
)
def test_native_passthrough_equals_the_python_step(
    transport_rate: int, backend_rate: int, chunks: tuple[int, int]
) -> None:
    audio = noise(5_000, transport_rate, seed=transport_rate)

    def run(runtime: VonaRuntime | None) -> tuple[Any, RecordingPassthrough]:
        backend = RecordingPassthrough(backend_rate, backend_rate // 50)
        result = run_scripted(
            audio,
            backend,
            sample_rate_hz=transport_rate,
            chunk_samples=chunks,
            seed=5,
            runtime=runtime,
        )
        return result, backend

    native, native_backend = run(None)
    python, python_backend = run(PYTHON_STEPS)
    assert native_used(native.metrics.events) == [True]
    assert native_used(python.metrics.events) == [False]
    np.testing.assert_array_equal(native.transport.output_audio(), python.transport.output_audio())
    n, p = native.metrics, python.metrics
    assert n.backend_frames == p.backend_frames > 200
    assert (n.frames_in, n.samples_in, n.samples_out) == (p.frames_in, p.samples_in, p.samples_out)
    # The Python step never ran in the native session, and ran once per frame otherwise.
    assert native_backend.session.steps == 0
    assert python_backend.session.steps == p.backend_frames


def test_native_gain_equals_the_python_step() -> None:
    audio = tone(2_000, 16_000, 300.0, amplitude=20_000)
    outs = []
    for runtime in (None, PYTHON_STEPS):
        run = run_scripted(audio, GainStsBackend(4.5), sample_rate_hz=16_000, runtime=runtime)
        outs.append(run.transport.output_audio())
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], gain_db(audio, 4.5))
    assert outs[0].max() == 32767  # saturated, not wrapped


def test_app_interrupt_clears_native_output() -> None:
    clock = VirtualClock()
    audio = tone(3_000, 16_000, 440.0)
    transport = ScriptedTransport(audio, 16_000, clock=clock)
    driver = SessionDriver(transport, PassthroughStsBackend(), clock=clock)

    async def main() -> Any:
        async def later() -> None:
            await clock.sleep(1_000_000_000)
            await driver.interrupt("app")

        task = asyncio.get_running_loop().create_task(later())
        metrics = await driver.run()
        await task
        return metrics

    m = run_virtual(main(), clock=clock)
    rec = m.interruptions[0]
    assert 0 < rec.played_samples <= 16_000
    # What was heard is a prefix of the echo.
    played = transport.played_audio()
    np.testing.assert_array_equal(played[: rec.played_samples], audio[: rec.played_samples])


class FailingBackend(PassthroughStsBackend):
    """A Python-only backend (no native slot) that fails on its 20th step."""

    def native_slot(self) -> None:  # type: ignore[override]
        return None

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(name="flaky", input_sample_rate_hz=16_000)

    async def step(self, session: Any, frame: AudioInputFrame) -> BackendStep:
        if session.steps == 19:
            raise BackendError("gone", retryable=True)
        return await super().step(session, frame)


def test_fallback_to_a_native_backend_keeps_the_stream_whole() -> None:
    audio = noise(2_000, 16_000, seed=3)
    runtime = VonaRuntime(fallback=PassthroughStsBackend())
    run = run_scripted(audio, FailingBackend(), sample_rate_hz=16_000, runtime=runtime)
    m = run.metrics
    assert m.ok, m.error
    assert [f.to_backend for f in m.fallbacks] == ["passthrough"]
    assert native_used(m.events) == [True]
    # 19 frames through the Python step, frame 20 lost with the failing step, the rest
    # through the native slot; every frame counted once.
    assert m.backend_frames == 100
    out = run.transport.output_audio()
    np.testing.assert_array_equal(out[: 19 * 320], audio[: 19 * 320])
    np.testing.assert_array_equal(out[19 * 320 :], audio[20 * 320 :])


class TwoRates(RecordingPassthrough):
    """Takes 16 kHz, answers each frame with its samples as 24 kHz audio (the shape of a
    provider that listens at 16 kHz and speaks at 24 kHz), natively or in ``step``."""

    def capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(
            name="two-rates", input_sample_rate_hz=16_000, output_sample_rate_hz=24_000
        )

    async def step(self, session: Any, frame: AudioInputFrame) -> BackendStep:
        session.steps += 1
        return BackendStep(
            output_audio=[AudioOutputFrame(frame.sequence, 24_000, frame.channels, frame.samples)]
        )


@pytest.mark.parametrize("transport_rate", [16_000, 24_000, 48_000])
def test_a_slot_is_used_when_the_rates_differ(transport_rate: int) -> None:
    audio = noise(1_500, transport_rate, seed=7)
    runs = []
    for runtime in (None, PYTHON_STEPS):
        backend = TwoRates()
        assert backend.native_slot() == NativeSlot("passthrough")
        run = run_scripted(
            audio,
            backend,
            sample_rate_hz=transport_rate,
            chunk_samples=(7, 900),
            seed=2,
            runtime=runtime,
        )
        assert run.metrics.ok, run.metrics.error
        runs.append((run, backend))
    (native, native_backend), (python, python_backend) = runs
    assert native_used(native.metrics.events) == [True]
    assert native_used(python.metrics.events) == [False]
    out = native.transport.output_audio()
    np.testing.assert_array_equal(out, python.transport.output_audio())
    assert native.metrics.backend_frames == python.metrics.backend_frames >= 70
    assert native_backend.session.steps == 0
    assert python_backend.session.steps == python.metrics.backend_frames
    # 16 kHz frames played as 24 kHz audio last 2/3 as long: 1.5 s in, about 1 s out.
    assert abs(out.shape[0] - transport_rate) < transport_rate // 20


class ObjectSlotGain(GainStsBackend):
    """Offers its slot as a NativeBackend object, the way a stage the core does not know
    (compiled against vona/native_backend.h) would."""

    def native_slot(self) -> NativeSlot | None:
        return NativeSlot("my-gain", backend=NativeGain(self.gain_db))


def test_a_slot_may_carry_any_native_backend_object() -> None:
    audio = noise(3_000, 16_000, seed=11)
    native = run_scripted(audio, ObjectSlotGain(-6.0), sample_rate_hz=16_000, seed=2)
    python = run_scripted(
        audio, ObjectSlotGain(-6.0), sample_rate_hz=16_000, seed=2, runtime=PYTHON_STEPS
    )
    events = [e for e in native.metrics.events if e.kind == "native_backend"]
    assert [(e.data["used"], e.data["slot"]) for e in events] == [(True, "my-gain")]
    np.testing.assert_array_equal(native.transport.output_audio(), python.transport.output_audio())
    assert native.transport.output_audio().size == audio.size


def test_a_slot_naming_no_native_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no-such-stage"):
        NativeSlot("no-such-stage").native()
    assert isinstance(NativeSlot("gain", 3.0).native(), NativeGain)
    assert NativeSlot("gain", 3.0) == NativeSlot("gain", 3.0, backend=NativeGain(3.0))
