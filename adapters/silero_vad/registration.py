"""What this adapter registers: the ``silero-vad`` VAD engine and its model artifact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vona.adapters.silero_vad import SileroVad
from vona.provisioning import Artifact, ArtifactFile, ModelStore, PackageSource, UrlSource
from vona.registry import EngineEntry

__all__ = ["SILERO_VAD", "VAD"]

SILERO_VAD = Artifact(
    "silero-vad",
    "Silero VAD v6 ONNX (16/8 kHz voice activity)",
    (
        ArtifactFile(
            "silero_vad.onnx",
            "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
            2_327_524,
            (
                PackageSource("silero-vad", (("silero_vad", "data/silero_vad.onnx"),)),
                UrlSource(
                    "https://github.com/snakers4/silero-vad/raw/v6.2.3/src/silero_vad/data/"
                    "silero_vad.onnx"
                ),
            ),
        ),
    ),
    license="MIT",
)


def _vad(*, cache_dir: str | Path | None = None, **options: Any) -> Callable[[], SileroVad]:
    # resolve (and check) the provisioned file once; each session gets its own model state
    path = ModelStore(cache_dir).resolve(SILERO_VAD.name) / "silero_vad.onnx"
    return lambda: SileroVad(path, **options)


VAD = EngineEntry("vad", _vad, "Silero VAD v6 through onnxruntime (no torch)")
