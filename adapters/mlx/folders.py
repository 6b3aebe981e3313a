"""Model folders for MLX engines: a provisioned artifact by name, or a folder by path.

Nothing is downloaded here: a name resolves through the model store (``vona models fetch``
installs it), and a missing or incomplete folder is a ``ProvisioningError`` that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vona.adapters.mlx.device import import_mlx
from vona.errors import ProvisioningError
from vona.provisioning import ModelStore

__all__ = ["load_safetensors", "model_folder"]


def model_folder(
    model: str | Path,
    *,
    cache_dir: str | Path | None = None,
    required: Sequence[str] = ("config.json",),
) -> Path:
    """The folder of ``model``: an existing directory path, else the installed artifact of
    that name. Every file of ``required`` (relative paths) must be in it."""
    path = Path(model).expanduser()
    if not path.is_dir():
        if isinstance(model, Path) or "/" in str(model) or "\\" in str(model):
            raise ProvisioningError(f"model folder {path} does not exist")
        path = ModelStore(cache_dir).resolve(str(model))
    missing = [name for name in required if not (path / name).is_file()]
    if missing:
        raise ProvisioningError(f"model folder {path} lacks {', '.join(missing)}")
    return path


def load_safetensors(folder: Path, pattern: str = "*.safetensors") -> dict[str, Any]:
    """Every tensor of the ``pattern`` files of ``folder`` as MLX arrays (by name)."""
    mx = import_mlx()
    files = sorted(folder.glob(pattern))
    if not files:
        raise ProvisioningError(f"model folder {folder} has no {pattern} weights")
    weights: dict[str, Any] = {}
    for file in files:
        try:
            weights.update(mx.load(str(file)))
        except (RuntimeError, ValueError) as exc:
            raise ProvisioningError(f"cannot read weights {file}: {exc}") from None
    return weights
