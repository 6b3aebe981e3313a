"""What this adapter registers: the ``smart-turn`` end-of-turn engine and its model artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vona.adapters.smart_turn import MODEL_FILE, SmartTurn
from vona.provisioning import Artifact, ArtifactFile, ModelStore, PackageSource, UrlSource
from vona.registry import EngineEntry

__all__ = ["SMART_TURN", "TURN"]

SMART_TURN = Artifact(
    "smart-turn",
    "Smart Turn v3.2 ONNX, CPU int8 (end-of-turn from the turn's audio)",
    (
        ArtifactFile(
            MODEL_FILE,
            "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f",
            8_679_182,
            (
                PackageSource(
                    "pipecat-ai", (("pipecat", f"audio/turn/smart_turn/data/{MODEL_FILE}"),)
                ),
                UrlSource(
                    f"https://huggingface.co/pipecat-ai/smart-turn-v3/resolve/main/{MODEL_FILE}"
                ),
            ),
        ),
    ),
    license="BSD-2-Clause",
)


def _turn(*, cache_dir: str | Path | None = None, **options: Any) -> SmartTurn:
    # the model is stateless, so sessions share this one instance (its calls are serialised)
    return SmartTurn(ModelStore(cache_dir).resolve(SMART_TURN.name) / MODEL_FILE, **options)


TURN = EngineEntry(
    "turn", _turn, "Smart Turn v3.2 end-of-turn model through onnxruntime (no torch)"
)
