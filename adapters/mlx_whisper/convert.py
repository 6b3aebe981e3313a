"""Convert a CTranslate2 Whisper model into mlx-whisper's folder format.

mlx-whisper loads ``config.json`` (its ``ModelDimensions``) and ``weights.npz`` named after
its modules. CTranslate2 fuses projections that mlx-whisper keeps apart: self-attention
Q/K/V live in one ``linear_0`` and cross-attention K/V in one ``linear_1``; Whisper's key
projection has no bias, so CTranslate2's key bias slice is all zeros and is dropped (a
non-zero one is an error: the model is not Whisper). Conv weights go from CTranslate2's
(out, in, kernel) to MLX's (out, kernel, in).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vona.adapters.mlx_whisper.ct2_reader import read_ct2_model
from vona.errors import ProvisioningError

__all__ = ["convert_ct2_whisper_to_mlx", "convert_variables", "whisper_sinusoids"]

Array = npt.NDArray[np.generic]


def whisper_sinusoids(length: int, channels: int) -> npt.NDArray[np.float32]:
    """Whisper's fixed encoder position embedding (sin half, then cos half)."""
    step = np.log(10_000.0) / (channels // 2 - 1)
    inv = np.exp(-step * np.arange(channels // 2))
    t = np.arange(length)[:, None] * inv[None, :]
    return np.concatenate([np.sin(t), np.cos(t)], axis=1).astype(np.float32)


def _layers(v: dict[str, Array], prefix: str) -> int:
    pat = re.compile(rf"^{prefix}/layer_(\d+)/")
    found = {int(m.group(1)) for k in v if (m := pat.match(k))}
    if not found or found != set(range(len(found))):
        raise ProvisioningError(f"CTranslate2 model has no contiguous {prefix} layers")
    return len(found)


def _split(w: Array, n: int) -> list[Array]:
    if w.shape[0] % n:
        raise ProvisioningError(f"fused projection of {w.shape[0]} rows is not {n} equal parts")
    return list(np.split(w, n, axis=0))


def _check_zero_key_bias(b: Array, where: str) -> None:
    if np.any(b != 0):
        raise ProvisioningError(f"{where}: key bias is not zero; not a Whisper model")


def _ln(out: dict[str, Array], v: dict[str, Array], src: str, dst: str) -> None:
    out[f"{dst}.weight"] = v[f"{src}/gamma"]
    out[f"{dst}.bias"] = v[f"{src}/beta"]


def _linear(out: dict[str, Array], v: dict[str, Array], src: str, dst: str) -> None:
    out[f"{dst}.weight"] = v[f"{src}/weight"]
    if f"{src}/bias" in v:
        out[f"{dst}.bias"] = v[f"{src}/bias"]


def _self_attention(out: dict[str, Array], v: dict[str, Array], src: str, dst: str) -> None:
    q, k, val = _split(v[f"{src}/linear_0/weight"], 3)
    qb, kb, vb = _split(v[f"{src}/linear_0/bias"], 3)
    _check_zero_key_bias(kb, src)
    out.update({f"{dst}.query.weight": q, f"{dst}.query.bias": qb, f"{dst}.key.weight": k})
    out.update({f"{dst}.value.weight": val, f"{dst}.value.bias": vb})
    _linear(out, v, f"{src}/linear_1", f"{dst}.out")


def _cross_attention(out: dict[str, Array], v: dict[str, Array], src: str, dst: str) -> None:
    _linear(out, v, f"{src}/linear_0", f"{dst}.query")
    k, val = _split(v[f"{src}/linear_1/weight"], 2)
    kb, vb = _split(v[f"{src}/linear_1/bias"], 2)
    _check_zero_key_bias(kb, src)
    out.update({f"{dst}.key.weight": k, f"{dst}.value.weight": val, f"{dst}.value.bias": vb})
    _linear(out, v, f"{src}/linear_2", f"{dst}.out")


def _ffn(out: dict[str, Array], v: dict[str, Array], src: str, dst: str) -> None:
    _ln(out, v, f"{src}/layer_norm", f"{dst}.mlp_ln")
    _linear(out, v, f"{src}/linear_0", f"{dst}.mlp1")
    _linear(out, v, f"{src}/linear_1", f"{dst}.mlp2")


def convert_variables(v: dict[str, Array]) -> tuple[dict[str, int], dict[str, Array]]:
    """``(mlx config, {mlx parameter name: array})`` from CTranslate2 Whisper variables."""
    try:
        n_enc = _layers(v, "encoder")
        n_dec = _layers(v, "decoder")
        out: dict[str, Array] = {}
        for i in (1, 2):
            out[f"encoder.conv{i}.weight"] = np.transpose(v[f"encoder/conv{i}/weight"], (0, 2, 1))
            out[f"encoder.conv{i}.bias"] = v[f"encoder/conv{i}/bias"]
        for i in range(n_enc):
            src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
            _ln(out, v, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
            _self_attention(out, v, f"{src}/self_attention", f"{dst}.attn")
            _ffn(out, v, f"{src}/ffn", dst)
        _ln(out, v, "encoder/layer_norm", "encoder.ln_post")
        # mlx-whisper computes the encoder positions itself: they must be the sinusoids.
        enc_pos = v["encoder/position_encodings/encodings"].astype(np.float32)
        if np.abs(enc_pos - whisper_sinusoids(*enc_pos.shape)).max() > 1e-2:
            raise ProvisioningError("encoder position encodings are not Whisper's sinusoids")
        out["decoder.token_embedding.weight"] = v["decoder/embeddings/weight"]
        out["decoder.positional_embedding"] = v["decoder/position_encodings/encodings"]
        for i in range(n_dec):
            src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
            _ln(out, v, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
            _self_attention(out, v, f"{src}/self_attention", f"{dst}.attn")
            _ln(out, v, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
            _cross_attention(out, v, f"{src}/attention", f"{dst}.cross_attn")
            _ffn(out, v, f"{src}/ffn", dst)
        _ln(out, v, "decoder/layer_norm", "decoder.ln")
        conv1 = v["encoder/conv1/weight"]
        config = {
            "n_mels": int(conv1.shape[1]),
            "n_audio_ctx": int(v["encoder/position_encodings/encodings"].shape[0]),
            "n_audio_state": int(conv1.shape[0]),
            "n_audio_head": int(v["encoder/num_heads"]),
            "n_audio_layer": n_enc,
            "n_vocab": int(v["decoder/embeddings/weight"].shape[0]),
            "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
            "n_text_state": int(v["decoder/embeddings/weight"].shape[1]),
            "n_text_head": int(v.get("decoder/num_heads", v["encoder/num_heads"])),
            "n_text_layer": n_dec,
        }
    except KeyError as exc:
        raise ProvisioningError(f"CTranslate2 Whisper model lacks variable {exc}") from None
    return config, out


def convert_ct2_whisper_to_mlx(
    ct2_dir: str | Path, out_dir: str | Path, *, dtype: str = "float16"
) -> Path:
    """Write ``config.json`` + ``weights.npz`` for mlx-whisper into ``out_dir``.

    ``dtype`` is ``float16`` (as shipped) or ``float32``. Files are written to temporary
    names and renamed, so a failed conversion leaves no half model behind.
    """
    if dtype not in ("float16", "float32"):
        raise ProvisioningError(f"dtype must be float16 or float32, got {dtype!r}")
    spec, variables = read_ct2_model(Path(ct2_dir) / "model.bin")
    if spec != "WhisperSpec":
        raise ProvisioningError(f"{ct2_dir} holds a {spec}, not a WhisperSpec model")
    config, weights = convert_variables(variables)
    config_full: dict[str, object] = {"model_type": "whisper", **config}
    dst = Path(out_dir)
    dst.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.ascontiguousarray(a.astype(dtype)) for k, a in weights.items()}
    tmp_weights = dst / "weights.tmp.npz"
    np.savez(tmp_weights, **arrays)  # type: ignore[arg-type]
    tmp_config = dst / "config.json.tmp"
    tmp_config.write_text(json.dumps(config_full, indent=2) + "\n")
    os.replace(tmp_weights, dst / "weights.npz")
    os.replace(tmp_config, dst / "config.json")
    return dst
