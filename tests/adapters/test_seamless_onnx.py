"""SeamlessOnnxBackend on small ONNX models built here: exact numbers, refused mismatches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper  # noqa: E402

from vona import AudioInputFrame, ExternalContextEvent, SessionConfig  # noqa: E402
from vona.adapters.seamless_onnx import SeamlessOnnxBackend  # noqa: E402
from vona.errors import AudioFormatError, ConfigError, ProvisioningError  # noqa: E402

RNG = np.random.default_rng(7)


def _save(tmp_path: Path, graph: onnx.GraphProto, name: str) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, str(path))
    return path


def _io(name: str, shape: list[int | str], elem: int = TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def gain_model(tmp_path: Path, gain: float, *, inp: str = "input", out: str = "output") -> Path:
    g = helper.make_tensor("g", TensorProto.FLOAT, [], [gain])
    node = helper.make_node("Mul", [inp, "g"], [out])
    graph = helper.make_graph([node], "gain", [_io(inp, [1, "N"])], [_io(out, [1, "N"])], [g])
    return _save(tmp_path, graph, "gain")


def delay_model(tmp_path: Path, delay: int) -> Path:
    """y[n] = x[n - delay] within the frame (zeros shifted in)."""
    inits = [
        helper.make_tensor("pads", TensorProto.INT64, [4], [0, delay, 0, 0]),
        helper.make_tensor("starts", TensorProto.INT64, [1], [0]),
        helper.make_tensor("ends", TensorProto.INT64, [1], [-delay]),
        helper.make_tensor("axes", TensorProto.INT64, [1], [1]),
    ]
    nodes = [
        helper.make_node("Pad", ["input", "pads"], ["padded"]),
        helper.make_node("Slice", ["padded", "starts", "ends", "axes"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "delay", [_io("input", [1, "N"])], [_io("output", [1, "N"])], inits
    )
    return _save(tmp_path, graph, "delay")


def conv_model(tmp_path: Path, taps: list[float]) -> Path:
    """A causal FIR over [1, 1, N]: y[n] = sum_k taps[k] * x[n - k]."""
    k = len(taps)
    w = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, k], list(reversed(taps)))
    node = helper.make_node("Conv", ["input", "w"], ["output"], pads=[k - 1, 0])
    graph = helper.make_graph(
        [node], "fir", [_io("input", [1, 1, "N"])], [_io("output", [1, 1, "N"])], [w]
    )
    return _save(tmp_path, graph, "fir")


def _frame(samples: np.ndarray, rate: int = 16_000, seq: int = 0) -> AudioInputFrame:
    return AudioInputFrame(seq, rate, 1, samples.astype(np.int16))


def _to_int16(y: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(y * 32768.0, -32768, 32767)).astype(np.int16)


@pytest.mark.parametrize("n", [1, 319, 320, 321, 4800])
async def test_gain_model_is_exact(tmp_path: Path, n: int) -> None:
    backend = SeamlessOnnxBackend(gain_model(tmp_path, 0.5))
    session = await backend.start_session(SessionConfig())
    x = RNG.integers(-32768, 32768, n).astype(np.int16)
    step = await backend.step(session, _frame(x, seq=9))
    (out,) = step.output_audio
    assert out.sequence == 9
    assert out.sample_rate_hz == 16_000
    np.testing.assert_array_equal(out.samples, np.rint(x / 2.0).astype(np.int16))


async def test_gain_saturates_and_rounds_half_to_even(tmp_path: Path) -> None:
    backend = SeamlessOnnxBackend(gain_model(tmp_path, 3.0))
    session = await backend.start_session(SessionConfig())
    x = np.array([0, 1, -1, 20000, -20000, 32767, -32768], dtype=np.int16)
    (out,) = (await backend.step(session, _frame(x))).output_audio
    assert out.samples.tolist() == [0, 3, -3, 32767, -32768, 32767, -32768]
    half = SeamlessOnnxBackend(gain_model(tmp_path, 0.5))
    s2 = await half.start_session(SessionConfig())
    y = np.array([1, 3, 5, -1, -3], dtype=np.int16)  # halves: 0.5, 1.5, 2.5, ...
    (out2,) = (await half.step(s2, _frame(y))).output_audio
    assert out2.samples.tolist() == [0, 2, 2, 0, -2]


@pytest.mark.parametrize("delay", [1, 7])
async def test_delay_model_is_exact(tmp_path: Path, delay: int) -> None:
    backend = SeamlessOnnxBackend(delay_model(tmp_path, delay))
    session = await backend.start_session(SessionConfig())
    x = RNG.integers(-32768, 32768, 320).astype(np.int16)
    (out,) = (await backend.step(session, _frame(x))).output_audio
    expected = np.concatenate([np.zeros(delay, np.int16), x[:-delay]])
    np.testing.assert_array_equal(out.samples, expected)


async def test_convolution_model_is_exact(tmp_path: Path) -> None:
    taps = [0.5, 0.25, -0.125]
    backend = SeamlessOnnxBackend(conv_model(tmp_path, taps))
    session = await backend.start_session(SessionConfig())
    x = RNG.integers(-32768, 32768, 320).astype(np.int16)
    (out,) = (await backend.step(session, _frame(x))).output_audio
    reference = np.convolve(x.astype(np.float64) / 32768.0, taps)[: x.size]
    np.testing.assert_array_equal(out.samples, _to_int16(reference))


async def test_session_at_another_rate_is_resampled_both_ways(tmp_path: Path) -> None:
    from vona.dsp import Resampler

    backend = SeamlessOnnxBackend(gain_model(tmp_path, 1.0), sample_rate_hz=16_000)
    session = await backend.start_session(SessionConfig())
    to_model, from_model = Resampler(48_000, 16_000), Resampler(16_000, 48_000)
    for seq in range(5):
        x = RNG.integers(-8000, 8000, 960).astype(np.int16)
        (out,) = (await backend.step(session, _frame(x, rate=48_000, seq=seq))).output_audio
        assert out.sample_rate_hz == 48_000
        mid = to_model.process(x.astype(np.float32) / np.float32(32768.0))
        expected = _to_int16(from_model.process(mid)) if mid.size else np.zeros(0, np.int16)
        np.testing.assert_array_equal(out.samples, expected)
    with pytest.raises(AudioFormatError, match="differs from the session"):
        await backend.step(session, _frame(np.zeros(320), rate=16_000))


async def test_context_is_kept_and_wrong_channels_refused(tmp_path: Path) -> None:
    backend = SeamlessOnnxBackend(gain_model(tmp_path, 1.0))
    session = await backend.start_session(SessionConfig())
    event = ExternalContextEvent.transcript_override("hi")
    await backend.inject_event(session, event)
    assert list(session.context) == [event]
    stereo = AudioInputFrame(0, 16_000, 2, np.zeros(640, np.int16))
    with pytest.raises(AudioFormatError, match="channel"):
        await backend.step(session, stereo)
    caps = backend.capabilities()
    assert (caps.input_sample_rate_hz, caps.frame_samples, caps.name) == (
        16_000,
        320,
        "seamless-onnx",
    )


def test_mismatched_names_are_refused_with_the_names(tmp_path: Path) -> None:
    path = gain_model(tmp_path, 1.0, inp="audio_in", out="audio_out")
    with pytest.raises(ConfigError, match=r"no input 'input'.*\['audio_in'\]"):
        SeamlessOnnxBackend(path)
    with pytest.raises(ConfigError, match=r"no output 'output'.*\['audio_out'\]"):
        SeamlessOnnxBackend(path, input_name="audio_in")
    SeamlessOnnxBackend(path, input_name="audio_in", output_name="audio_out")


def test_extra_inputs_wrong_types_and_shapes_are_refused(tmp_path: Path) -> None:
    add = helper.make_node("Add", ["input", "state"], ["output"])
    two = helper.make_graph(
        [add], "two", [_io("input", [1, "N"]), _io("state", [1, "N"])], [_io("output", [1, "N"])]
    )
    with pytest.raises(ConfigError, match=r"inputs \['input', 'state'\]"):
        SeamlessOnnxBackend(_save(tmp_path, two, "two"))
    ident = helper.make_node("Identity", ["input"], ["output"])
    ints = helper.make_graph(
        [ident],
        "ints",
        [_io("input", [1, "N"], TensorProto.INT16)],
        [_io("output", [1, "N"], TensorProto.INT16)],
    )
    with pytest.raises(ConfigError, match=r"tensor\(int16\)"):
        SeamlessOnnxBackend(_save(tmp_path, ints, "ints"))
    batch = helper.make_graph([ident], "b", [_io("input", [4, "N"])], [_io("output", [4, "N"])])
    with pytest.raises(ConfigError, match="batch dimension is 4"):
        SeamlessOnnxBackend(_save(tmp_path, batch, "batch"))
    stereo = helper.make_graph(
        [ident], "s", [_io("input", [1, 2, "N"])], [_io("output", [1, 2, "N"])]
    )
    with pytest.raises(ConfigError, match="2 channel"):
        SeamlessOnnxBackend(_save(tmp_path, stereo, "stereo"))


async def test_fixed_frame_model_sets_frame_size_and_checks_it(tmp_path: Path) -> None:
    ident = helper.make_node("Identity", ["input"], ["output"])
    graph = helper.make_graph([ident], "f", [_io("input", [1, 160])], [_io("output", [1, 160])])
    backend = SeamlessOnnxBackend(_save(tmp_path, graph, "fixed"))
    assert backend.capabilities().frame_samples == 160
    session = await backend.start_session(SessionConfig())
    x = RNG.integers(-32768, 32768, 160).astype(np.int16)
    (out,) = (await backend.step(session, _frame(x))).output_audio
    np.testing.assert_array_equal(out.samples, x)
    with pytest.raises(AudioFormatError, match="exactly 160"):
        await backend.step(session, _frame(np.zeros(161)))


def test_missing_or_corrupt_model_is_a_provisioning_error(tmp_path: Path) -> None:
    with pytest.raises(ProvisioningError, match="does not exist"):
        SeamlessOnnxBackend(tmp_path / "nope.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ProvisioningError, match="failed to load"):
        SeamlessOnnxBackend(bad)
