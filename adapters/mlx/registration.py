"""What this adapter registers: ``INFO``, the MLX lines of ``vona info``."""

from __future__ import annotations

from vona.adapters.mlx.device import default_device, memory_report, mlx_version

__all__ = ["INFO"]


def INFO() -> dict[str, str]:
    """The MLX version, device and memory in use (``ConfigError`` without the extra)."""
    device = default_device()
    memory = memory_report()
    return {
        "mlx version": mlx_version(),
        "mlx device": str(device),
        "mlx metal": "yes" if device.metal else "no",
        "mlx memory": f"{memory.active_bytes} B active, {memory.peak_bytes} B peak",
    }
