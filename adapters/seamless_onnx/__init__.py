"""Seamless-style waveform-to-waveform ONNX models as a Vona step backend.

Installed as ``vona.adapters.seamless_onnx``; needs the ``onnx`` extra (onnxruntime).
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("onnx", "onnxruntime", feature=__name__)

from vona.adapters.seamless_onnx.backend import SeamlessOnnxBackend

__all__ = ["SeamlessOnnxBackend"]
