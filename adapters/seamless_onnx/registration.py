"""What this adapter registers: the ``onnx`` step backend (``model_path`` is required)."""

from __future__ import annotations

from vona.adapters.seamless_onnx.backend import SeamlessOnnxBackend
from vona.registry import BackendEntry

__all__ = ["BACKEND"]

BACKEND = BackendEntry("step", SeamlessOnnxBackend, "a waveform-to-waveform ONNX model")
