"""The MLX engine facade: device and dtype selection, a memory report, model folders.

MLX engines (``vona.adapters.mlx_whisper``, ``vona.adapters.qwen3_tts_mlx``) build on this
instead of each choosing devices and reading folders their own way. It runs on Apple
Silicon with Metal and, with ``mlx[cpu]``, on Linux. ``registration.INFO`` adds the MLX
device and version to ``vona info`` (entry-point group ``vona.info``).
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("mlx", "mlx", feature=__name__)

from vona.adapters.mlx.device import (
    DeviceChoice,
    MlxDevice,
    MlxMemory,
    default_device,
    import_mlx,
    memory_report,
    mlx_version,
    select_device,
    select_dtype,
)
from vona.adapters.mlx.folders import load_safetensors, model_folder

__all__ = [
    "DeviceChoice",
    "MlxDevice",
    "MlxMemory",
    "default_device",
    "import_mlx",
    "load_safetensors",
    "memory_report",
    "mlx_version",
    "model_folder",
    "select_device",
    "select_dtype",
]
