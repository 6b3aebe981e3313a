"""The MLX engine facade on mlx[cpu]: device and dtype selection, the memory report, model
folders, ``vona info``'s MLX lines, and MLX Whisper on the streaming STT contract (a tiny
random Whisper built with CTranslate2's own writer and converted, as in the local tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from vona.backends.cascade.streaming import (
    StreamingSpeechToText,
    SttEndOfTurn,
    SttSpeechStarted,
    SttTranscript,
)
from vona.errors import AudioFormatError, ConfigError, ProvisioningError

mx = pytest.importorskip("mlx.core", reason="mlx is a dev dependency on Linux and macOS arm64")

from vona.adapters.mlx import (  # noqa: E402
    default_device,
    load_safetensors,
    memory_report,
    model_folder,
    select_device,
    select_dtype,
)


def test_device_selection_on_this_machine() -> None:
    device = select_device("auto")
    assert device.kind == ("gpu" if mx.metal.is_available() else "cpu")
    cpu = select_device("cpu")
    assert cpu.kind == "cpu"
    assert str(cpu).startswith("cpu (")
    assert mx.default_device() == mx.cpu
    assert default_device() == cpu
    if not mx.metal.is_available():
        with pytest.raises(ConfigError, match="needs Metal"):
            select_device("gpu")
    with pytest.raises(ConfigError, match="device must be"):
        select_device("tpu")  # type: ignore[arg-type]


def test_dtype_selection() -> None:
    cpu = select_device("cpu")
    assert select_dtype(None, cpu) == mx.float32
    assert select_dtype("bfloat16") == mx.bfloat16
    with pytest.raises(ConfigError, match="dtype must be one of"):
        select_dtype("int4")


def test_memory_report_counts_what_mlx_holds() -> None:
    select_device("cpu")
    before = memory_report()
    held = mx.ones((1024, 1024), dtype=mx.float32)
    mx.eval(held)
    after = memory_report()
    assert after.active_bytes >= before.active_bytes + 4 * 1024 * 1024
    assert after.peak_bytes >= after.active_bytes
    assert set(after.as_dict()) == {"active_bytes", "peak_bytes", "cache_bytes", "limit_bytes"}
    del held


def test_model_folders_and_weights(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ProvisioningError, match=r"no \*\.safetensors weights"):
        load_safetensors(tmp_path)
    mx.save_safetensors(str(tmp_path / "w.safetensors"), {"a": mx.arange(3)})
    assert model_folder(tmp_path) == tmp_path
    weights = load_safetensors(tmp_path)
    assert np.array(weights["a"]).tolist() == [0, 1, 2]
    with pytest.raises(ProvisioningError, match=r"lacks tokenizer\.json"):
        model_folder(tmp_path, required=("config.json", "tokenizer.json"))
    with pytest.raises(ProvisioningError, match="not installed"):
        model_folder("whisper-base", cache_dir=tmp_path / "empty")
    (tmp_path / "bad.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ProvisioningError, match="cannot read weights"):
        load_safetensors(tmp_path, "bad.safetensors")


def test_vona_info_shows_the_mlx_device_and_version() -> None:
    from vona.cli.info import collect

    info = collect()
    assert info["mlx version"] == mx.__version__
    assert info["mlx device"].startswith(("cpu", "gpu"))
    assert info["mlx metal"] in ("yes", "no")


# -- MLX Whisper, streaming ---------------------------------------------------------------


def _tiny_whisper_builder():  # type: ignore[no-untyped-def]
    path = Path(__file__).resolve().parents[1] / "local" / "test_mlx_whisper.py"
    spec = importlib.util.spec_from_file_location("_vona_tiny_whisper", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module._build_tiny_ct2


@pytest.fixture(scope="module")
def whisper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("ctranslate2.specs")
    pytest.importorskip("mlx_whisper")
    from vona.adapters.mlx_whisper.convert import convert_ct2_whisper_to_mlx

    root = tmp_path_factory.mktemp("tiny-whisper")
    ct2 = _tiny_whisper_builder()(root / "ct2")
    return convert_ct2_whisper_to_mlx(ct2, root / "mlx", dtype="float32")


async def test_mlx_whisper_streams_interims_and_a_final_turn(whisper_dir: Path) -> None:
    from vona.adapters.mlx_whisper import MlxWhisperStt
    from vona.adapters.mlx_whisper.streaming import MlxWhisperStreaming

    stt = MlxWhisperStt(whisper_dir, max_tokens=4)
    streaming = MlxWhisperStreaming(stt, interim_every_ms=500)
    assert isinstance(streaming, StreamingSpeechToText)
    assert streaming.sample_rate_hz == 16_000
    stream = await streaming.open()
    await stream.push(np.zeros(3200, np.int16))  # silence before the turn is not kept
    tone = (3000 * np.sin(np.arange(16_000) * 0.05)).astype(np.int16)
    for start in range(0, tone.shape[0], 1600):
        await stream.push(tone[start : start + 1600])
    await stream.finalize()
    await stream.close()
    events = [e async for e in stream.events()]
    assert isinstance(events[0], SttSpeechStarted)
    assert events[0].at_ms == pytest.approx(200.0)
    interims = [e for e in events if isinstance(e, SttTranscript) and not e.final]
    expected = stt.transcribe(tone.astype(np.float32) / 32768.0)
    assert isinstance(events[-1], SttEndOfTurn)
    assert events[-1].transcript == expected
    assert expected  # the tiny random model does say something
    assert len(interims) == 2  # at 500 ms and 1000 ms of speech
    final = [e for e in events if isinstance(e, SttTranscript) and e.final]
    assert final[0].text == expected
    assert final[0].start_ms == pytest.approx(200.0)
    assert final[0].end_ms == pytest.approx(1200.0)
    with pytest.raises(ConfigError, match="closed"):
        await stream.push(tone[:160])
    with pytest.raises(ConfigError, match="interim_every_ms"):
        MlxWhisperStreaming(stt, interim_every_ms=10)


async def test_mlx_whisper_stream_checks_the_audio(whisper_dir: Path) -> None:
    from vona.adapters.mlx_whisper import MlxWhisperStt
    from vona.adapters.mlx_whisper.streaming import MlxWhisperStreaming

    stream = await MlxWhisperStreaming(MlxWhisperStt(whisper_dir)).open()
    with pytest.raises(AudioFormatError, match="int16"):
        await stream.push(np.zeros(160, np.float32))  # type: ignore[arg-type]
    await stream.finalize()  # nothing heard: no turn to end
    await stream.close()
    assert [e async for e in stream.events()] == []
