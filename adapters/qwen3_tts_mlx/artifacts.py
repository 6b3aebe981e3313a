"""The upstream Qwen3-TTS model folders (MLX conversions), for ``vona models fetch``.

Provisioning pins every file by sha256 and size. Those digests could not be read or
verified where this adapter was written (no access to the model hub), and an invented
digest would be worse than none, so no artifact is registered under ``vona.models`` yet.
``manifest(...)`` turns digests recorded at a first verified fetch into a manifest that
``vona models fetch --manifest FILE NAME`` accepts; once recorded in this repository they
become registered entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vona.errors import ConfigError

__all__ = ["UPSTREAM", "UpstreamModel", "manifest", "write_manifest"]

_HF = "https://huggingface.co/{repo}/resolve/main/{name}"


@dataclass(frozen=True, slots=True)
class UpstreamModel:
    """An upstream model folder: its hub repository and the files the loader reads."""

    repo: str
    files: tuple[str, ...]
    license: str = "Apache-2.0"


_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer_config.json",
    "vocab.json",
    "merges.txt",
    "speech_tokenizer/config.json",
    "speech_tokenizer/model.safetensors",
)

UPSTREAM: dict[str, UpstreamModel] = {
    "qwen3-tts-12hz-0.6b-base": UpstreamModel(
        "mlx-community/Qwen3-TTS-12Hz-0.6B-Base-bf16", _FILES
    ),
    "qwen3-tts-12hz-0.6b-customvoice": UpstreamModel(
        "mlx-community/Qwen3-TTS-12Hz-0.6B-CustomVoice-bf16", _FILES
    ),
    "qwen3-tts-12hz-1.7b-customvoice": UpstreamModel(
        "mlx-community/Qwen3-TTS-12Hz-1.7B-CustomVoice-bf16", _FILES
    ),
}


def manifest(recorded: Mapping[str, Mapping[str, tuple[str, int]]]) -> dict[str, object]:
    """A provisioning manifest for the models in ``recorded``: artifact name -> file name ->
    ``(sha256, size)``, every file of the model listed."""
    artifacts = []
    for name, digests in recorded.items():
        model = UPSTREAM.get(name)
        if model is None:
            known = ", ".join(sorted(UPSTREAM))
            raise ConfigError(f"unknown Qwen3-TTS model {name!r} (known: {known})")
        missing = [f for f in model.files if f not in digests]
        if missing:
            raise ConfigError(f"{name}: no recorded digest for {', '.join(missing)}")
        files = []
        for file in model.files:
            sha, size = digests[file]
            files.append(
                {
                    "name": file,
                    "sha256": sha,
                    "size": int(size),
                    "sources": [{"url": _HF.format(repo=model.repo, name=file)}],
                }
            )
        artifacts.append({"name": name, "description": f"{model.repo} (MLX)", "files": files})
    return {"artifacts": artifacts}


def write_manifest(path: str | Path, recorded: Mapping[str, Mapping[str, tuple[str, int]]]) -> Path:
    """Write ``manifest(recorded)`` as JSON to ``path``."""
    out = Path(path)
    out.write_text(json.dumps(manifest(recorded), indent=1))
    return out
