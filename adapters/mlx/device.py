"""MLX device and dtype selection, and a memory report.

MLX runs on Apple Silicon's GPU through Metal and, with ``mlx[cpu]``, on the CPU of any
Linux machine (every test here runs that way). ``select_device`` picks the GPU when Metal
is there and the CPU otherwise; ``select_dtype`` maps a name (or the device's default) to
an MLX dtype.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Literal

from vona.errors import ConfigError

__all__ = [
    "DeviceChoice",
    "MlxDevice",
    "MlxMemory",
    "default_device",
    "import_mlx",
    "memory_report",
    "mlx_version",
    "select_device",
    "select_dtype",
]

DeviceChoice = Literal["auto", "gpu", "cpu"]
_DTYPES = ("float32", "float16", "bfloat16")


def import_mlx() -> Any:
    """``mlx.core``, or ``ConfigError`` naming the extra that installs it."""
    try:
        import mlx.core as mx
    except ImportError as exc:
        raise ConfigError(
            "MLX engines need mlx: pip install 'vona[mlx]' (mlx[cpu] on Linux)"
        ) from exc
    return mx


def mlx_version() -> str:
    return str(import_mlx().__version__)


@dataclass(frozen=True, slots=True)
class MlxDevice:
    """The device MLX computes on: ``kind`` ``gpu`` (Metal) or ``cpu``, and its name."""

    kind: Literal["gpu", "cpu"]
    name: str
    metal: bool

    def __str__(self) -> str:
        return f"{self.kind} ({self.name})"


def _metal_available(mx: Any) -> bool:
    try:
        return bool(mx.metal.is_available())
    except AttributeError:  # builds without the metal module
        return False


def _describe(mx: Any, kind: Literal["gpu", "cpu"], metal: bool) -> MlxDevice:
    info: dict[str, Any] = {}
    with contextlib.suppress(AttributeError, RuntimeError, ValueError):
        info = dict(mx.device_info())
    name = str(info.get("device_name") or info.get("architecture") or kind)
    return MlxDevice(kind, name, metal)


def default_device() -> MlxDevice:
    """MLX's current default device (nothing changed)."""
    mx = import_mlx()
    kind: Literal["gpu", "cpu"] = "gpu" if mx.default_device() == mx.gpu else "cpu"
    return _describe(mx, kind, _metal_available(mx))


def select_device(choice: DeviceChoice = "auto") -> MlxDevice:
    """Make ``choice`` MLX's default device and describe it.

    ``auto``: the GPU when Metal is available, else the CPU. ``gpu`` without Metal raises
    ``ConfigError``.
    """
    if choice not in ("auto", "gpu", "cpu"):
        raise ConfigError(f"device must be 'auto', 'gpu' or 'cpu', got {choice!r}")
    mx = import_mlx()
    metal = _metal_available(mx)
    if choice == "gpu" and not metal:
        raise ConfigError("device='gpu' needs Metal (Apple Silicon); use 'cpu' or 'auto'")
    kind: Literal["gpu", "cpu"] = "gpu" if metal and choice != "cpu" else "cpu"
    device = mx.gpu if kind == "gpu" else mx.cpu
    mx.set_default_device(device)
    info: dict[str, Any] = {}
    with contextlib.suppress(AttributeError, RuntimeError):
        info = dict(mx.device_info())
    name = str(info.get("device_name") or info.get("architecture") or kind)
    return MlxDevice(kind, name, metal)


def select_dtype(name: str | None = None, device: MlxDevice | None = None) -> Any:
    """The MLX dtype called ``name`` (float32, float16, bfloat16); ``None`` picks the
    device's best: float16 on the GPU, float32 on the CPU (where the half types are
    computed in software and run slower than float32)."""
    if name is None:
        name = "float16" if device is not None and device.kind == "gpu" else "float32"
    if name not in _DTYPES:
        raise ConfigError(f"dtype must be one of {', '.join(_DTYPES)}, got {name!r}")
    return getattr(import_mlx(), name)


@dataclass(frozen=True, slots=True)
class MlxMemory:
    """Bytes MLX holds now, at its peak, in its buffer cache, and its limit."""

    active_bytes: int
    peak_bytes: int
    cache_bytes: int
    limit_bytes: int

    def as_dict(self) -> dict[str, int]:
        return {
            "active_bytes": self.active_bytes,
            "peak_bytes": self.peak_bytes,
            "cache_bytes": self.cache_bytes,
            "limit_bytes": self.limit_bytes,
        }


def memory_report() -> MlxMemory:
    """MLX's allocator counters (the same on Metal and the CPU)."""
    mx = import_mlx()
    return MlxMemory(
        active_bytes=int(mx.get_active_memory()),
        peak_bytes=int(mx.get_peak_memory()),
        cache_bytes=int(mx.get_cache_memory()),
        limit_bytes=int(mx.get_memory_limit()),
    )
