"""What this adapter registers: the ``mlx-whisper`` STT engine and the ``mlx`` converter
(a CTranslate2 Whisper artifact into mlx-whisper's folder format)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vona.adapters.mlx_whisper import MlxWhisperStt
from vona.errors import ProvisioningError
from vona.provisioning import ModelStore
from vona.registry import ConverterEntry, EngineEntry

__all__ = ["CONVERTER", "STT"]


def _stt(
    *, cache_dir: str | Path | None = None, model: str = "whisper-base", **options: Any
) -> MlxWhisperStt:
    converted = ModelStore(cache_dir).root / "converted" / f"{model}-mlx"
    if not (converted / "config.json").is_file():
        raise ProvisioningError(
            f"no MLX copy of {model} in {converted}; run `vona models convert-mlx {model}`"
        )
    return MlxWhisperStt(converted, **options)


def _convert(src: Path, dst: Path, *, dtype: str = "float16") -> Path:
    from vona.adapters.mlx_whisper.convert import convert_ct2_whisper_to_mlx

    return convert_ct2_whisper_to_mlx(src, dst, dtype=dtype)


STT = EngineEntry("stt", _stt, "Whisper on MLX (a folder made by `vona models convert-mlx`)")
CONVERTER = ConverterEntry("whisper-base", _convert, "convert an installed Whisper for mlx-whisper")
