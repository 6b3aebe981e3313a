"""The CTranslate2 -> mlx-whisper converter and MlxWhisperStt, on a tiny random Whisper.

The test builds a tiny Whisper with CTranslate2's own spec writer (an independent
implementation of the model.bin format), converts it, loads it with mlx-whisper's real
loader and checks the encoder against CTranslate2's on the same mel features; then the
real mlx-whisper decoding runs on it through MlxWhisperStt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vona.adapters.mlx_whisper.convert import convert_ct2_whisper_to_mlx, whisper_sinusoids
from vona.adapters.mlx_whisper.ct2_reader import read_ct2_model
from vona.errors import AudioFormatError, ProvisioningError

pytest.importorskip("mlx.core", reason="mlx is a dev dependency on Linux and macOS arm64")
ct2_specs = pytest.importorskip("ctranslate2.specs")

D, HEADS, VOCAB, N_MELS = 64, 2, 51865, 80


def _build_tiny_ct2(out: Path, key_bias: float = 0.0) -> Path:
    from ctranslate2.specs import model_spec, whisper_spec

    rng = np.random.default_rng(0)
    spec = whisper_spec.WhisperSpec(1, HEADS, 1, HEADS)

    def rand(*shape: int, scale: float = 0.1) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def shape_for(name: str) -> tuple[int, ...] | None:
        leaf = name.split("/")[-1]
        if leaf in ("gamma", "beta"):
            return (D,)
        if "conv1/weight" in name:
            return (D, N_MELS, 3)
        if "conv2/weight" in name:
            return (D, D, 3)
        if name == "decoder/embeddings/weight" or name == "decoder/projection/weight":
            return (VOCAB, D)
        if "self_attention/linear_0" in name:
            return (3 * D, D) if leaf == "weight" else (3 * D,)
        if "/attention/linear_1" in name:
            return (2 * D, D) if leaf == "weight" else (2 * D,)
        if "ffn/linear_0" in name:
            return (4 * D, D) if leaf == "weight" else (4 * D,)
        if "ffn/linear_1" in name:
            return (D, 4 * D) if leaf == "weight" else (D,)
        if "linear_" in name or "conv" in name:
            return (D, D) if leaf == "weight" else (D,)
        return None

    values: dict[str, np.ndarray] = {}

    def fill(layer: object, name: str, value: object) -> None:
        leaf = name.split("/")[-1]
        wanted = value is None or (leaf == "bias" and value == model_spec.OPTIONAL)
        if name == "encoder/position_encodings/encodings":
            arr = whisper_sinusoids(1500, D)  # Whisper's encoder positions are fixed
        elif name == "decoder/position_encodings/encodings":
            arr = rand(448, D)
        elif wanted and (shape := shape_for(name)) is not None:
            arr = rand(*shape) + (1.0 if leaf == "gamma" else 0.0)
        else:
            return
        if name == "decoder/projection/weight":
            arr = values["decoder/embeddings/weight"]  # tied, as in Whisper
        if "self_attention/linear_0/bias" in name:
            arr[D : 2 * D] = key_bias
        if "/attention/linear_1/bias" in name:
            arr[:D] = key_bias
        values[name] = arr
        setattr(layer, leaf, arr)

    model_spec.visit_spec(spec, fill)
    spec.register_vocabulary([f"tok{i}" for i in range(VOCAB)])
    spec.validate()
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("tiny-whisper")
    ct2 = _build_tiny_ct2(root / "ct2")
    mlx_dir = convert_ct2_whisper_to_mlx(ct2, root / "mlx", dtype="float32")
    return ct2, mlx_dir


def test_reader_matches_ctranslate2_writer(tiny):
    ct2, _ = tiny
    spec, v = read_ct2_model(ct2 / "model.bin")
    assert spec == "WhisperSpec"
    assert v["encoder/conv1/weight"].shape == (D, N_MELS, 3)
    assert v["decoder/embeddings/weight"].shape == (VOCAB, D)
    assert int(v["encoder/num_heads"]) == HEADS


def test_converted_model_matches_ctranslate2_encoder(tiny):
    import ctranslate2
    import mlx.core as mx
    from mlx_whisper.load_models import load_model

    ct2, mlx_dir = tiny
    model = load_model(str(mlx_dir), dtype=mx.float32)
    assert model.dims.n_audio_state == D
    assert model.dims.n_vocab == VOCAB
    mel = np.random.default_rng(1).standard_normal((1, N_MELS, 3000)).astype(np.float32)
    ours = np.array(model.embed_audio(mx.array(mel.transpose(0, 2, 1))))
    reference = ctranslate2.models.Whisper(str(ct2), device="cpu", compute_type="float32")
    theirs = np.array(reference.encode(ctranslate2.StorageView.from_array(mel)))
    assert ours.shape == theirs.shape == (1, 1500, D)
    np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=2e-3)


def test_mlx_whisper_stt_decodes_with_the_real_pipeline(tiny):
    from vona.adapters.mlx_whisper import MlxWhisperStt

    _, mlx_dir = tiny
    stt = MlxWhisperStt(mlx_dir, max_tokens=6)
    audio = (0.1 * np.sin(np.arange(16_000) * 0.05)).astype(np.float32)
    first = stt.transcribe(audio)
    assert isinstance(first, str)
    assert stt.transcribe(audio) == first  # greedy decoding is deterministic
    assert stt.transcribe(np.zeros(0, np.float32)) == ""
    with pytest.raises(AudioFormatError, match="float32"):
        stt.transcribe(audio.astype(np.float64))


def test_nonzero_key_bias_is_refused(tmp_path):
    ct2 = _build_tiny_ct2(tmp_path / "ct2", key_bias=0.5)
    with pytest.raises(ProvisioningError, match="key bias is not zero"):
        convert_ct2_whisper_to_mlx(ct2, tmp_path / "mlx")
    assert not (tmp_path / "mlx" / "weights.npz").exists()


def test_bad_folders_are_explained(tmp_path):
    from vona.adapters.mlx_whisper import MlxWhisperStt

    with pytest.raises(ProvisioningError, match="not an mlx-whisper folder"):
        MlxWhisperStt(tmp_path)
    (tmp_path / "model.bin").write_bytes(b"\x06\x00\x00\x00\x05\x00abc")
    with pytest.raises(ProvisioningError, match="truncated"):
        read_ct2_model(tmp_path / "model.bin")
