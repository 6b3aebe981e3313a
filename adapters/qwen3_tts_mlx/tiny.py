"""A tiny, randomly initialised Qwen3-TTS (12 Hz) in the upstream folder format.

Real weights are gigabytes and not fetchable in tests, so tests and the benchmark build
this instead: the same architecture (talker with multi-codebook code predictor, the 12 Hz
speech tokenizer's decoder, 24 kHz out) at toy sizes, saved as the MLX conversions of the
upstream models are laid out (``config.json``, ``model.safetensors``,
``generation_config.json``, a ``tokenizer.json``, ``speech_tokenizer/config.json`` +
``speech_tokenizer/model.safetensors``, decoder codebooks stored as upstream's
``_codebook.cluster_usage`` / ``_codebook.embedding_sum`` pairs). It is a CustomVoice
variant with one preset speaker, ``tiny``, so no speaker encoder is needed.

Needs mlx-audio (the ``qwen3-tts`` extra) and ``tokenizers``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["SPEAKER", "build_tiny_qwen3_tts"]

SPEAKER = "tiny"

# The ids the chat template and the TTS prefix use (as in the real models).
_IM_START, _IM_END = 151644, 151645
_TTS_PAD, _TTS_BOS, _TTS_EOS = 151671, 151672, 151673

_TALKER = {
    "vocab_size": 3072,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "text_hidden_size": 32,
    "text_vocab_size": 151936,
    "num_code_groups": 4,
    "rope_scaling": {"interleaved": True, "mrope_section": [4, 2, 2], "rope_type": "default"},
    "codec_eos_token_id": 2150,
    "codec_think_id": 2154,
    "codec_nothink_id": 2155,
    "codec_think_bos_id": 2156,
    "codec_think_eos_id": 2157,
    "codec_pad_id": 2148,
    "codec_bos_id": 2149,
    "codec_language_id": {"english": 2050},
    "spk_id": {SPEAKER: [3000]},
    "code_predictor_config": {
        "vocab_size": 2048,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 1,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "num_code_groups": 4,
    },
}

_DECODER = {
    "latent_dim": 128,
    "codebook_dim": 160,
    "codebook_size": 2048,
    "decoder_dim": 288,
    "hidden_size": 64,
    "intermediate_size": 128,
    "head_dim": 16,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "num_hidden_layers": 1,
    "num_quantizers": 4,
    "num_semantic_quantizers": 1,
    "semantic_codebook_size": 2048,
    "sliding_window": 72,
    "upsample_rates": [8, 60],
    "upsampling_ratios": [2, 2],
    "vector_quantization_hidden_dimension": 160,
}


def _tokenizer(folder: Path) -> None:
    """A character-level tokenizer whose special tokens sit at the real models' ids and
    which, like Qwen's, makes one token each of ``<|im_start|>``, ``assistant`` and a
    newline (the TTS prompt is sliced by token counts)."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    chars = [chr(c) for c in range(32, 127)]
    vocab = {"<unk>": 0, "assistant": 1, "user": 2, "\n": 3}
    for ch in chars:
        vocab.setdefault(ch, len(vocab))
    specials = {
        "<|im_start|>": _IM_START,
        "<|im_end|>": _IM_END,
        "<tts_pad>": _TTS_PAD,
        "<tts_text_bos>": _TTS_BOS,
        "<tts_text_eod>": _TTS_EOS,
    }
    vocab.update(specials)
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("assistant|user|\n|."), behavior="isolated")
    tok.add_special_tokens(list(specials))
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "unk_token": "<unk>",
                "model_max_length": 32768,
            }
        )
    )


def _save(weights: dict[str, Any], path: Path) -> None:
    import mlx.core as mx

    mx.save_safetensors(str(path), weights)


def build_tiny_qwen3_tts(folder: str | Path, *, seed: int = 0) -> Path:
    """Write the tiny model into ``folder`` (created) and return it."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_audio.tts.models.qwen3_tts.config import (
        ModelConfig,
        Qwen3TTSTokenizerConfig,
    )
    from mlx_audio.tts.models.qwen3_tts.qwen3_tts import Model
    from mlx_audio.tts.models.qwen3_tts.speech_tokenizer import Qwen3TTSSpeechTokenizer

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    mx.random.seed(seed)
    config = {
        "model_type": "qwen3_tts",
        "tokenizer_type": "qwen3_tts_tokenizer_12hz",
        "tts_model_size": "0b6",
        "tts_model_type": "custom_voice",
        "im_start_token_id": _IM_START,
        "im_end_token_id": _IM_END,
        "tts_pad_token_id": _TTS_PAD,
        "tts_bos_token_id": _TTS_BOS,
        "tts_eos_token_id": _TTS_EOS,
        "sample_rate": 24_000,
        "talker_config": _TALKER,
    }
    model = Model(ModelConfig(**config))
    _save(dict(tree_flatten(model.parameters())), out / "model.safetensors")
    (out / "config.json").write_text(json.dumps(config, indent=1))
    (out / "generation_config.json").write_text(
        json.dumps({"temperature": 0.9, "top_k": 50, "top_p": 1.0, "max_new_tokens": 64})
    )
    _tokenizer(out)

    st = out / "speech_tokenizer"
    st.mkdir(exist_ok=True)
    st_config = {
        "decoder_config": _DECODER,
        "input_sample_rate": 24_000,
        "output_sample_rate": 24_000,
        "decode_upsample_rate": 1920,
        "encode_downsample_rate": 1920,
    }
    tokenizer = Qwen3TTSSpeechTokenizer(Qwen3TTSTokenizerConfig(**st_config))
    weights: dict[str, Any] = {}
    flat: Any = tree_flatten(tokenizer.parameters())
    for name, value in flat:
        if name.endswith(".codebook.embed.weight"):
            # upstream keeps a codebook as usage counts and summed embeddings
            base = name.removesuffix(".codebook.embed.weight")
            weights[f"{base}._codebook.cluster_usage"] = mx.ones((value.shape[0],))
            weights[f"{base}._codebook.embedding_sum"] = value
        else:
            weights[name] = value
    _save(weights, st / "model.safetensors")
    (st / "config.json").write_text(json.dumps(st_config, indent=1))
    return out
