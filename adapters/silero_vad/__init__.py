"""Silero VAD through onnxruntime, without torch.

The ONNX file ships inside the ``silero-vad`` wheel (install it with ``--no-deps``: it
declares torch and ``import silero_vad`` imports it). ``find_model`` locates the file with
``importlib.util.find_spec`` without importing the package; ``SileroVad`` runs it with its
recurrent state and the 64-sample context the model expects in front of each 512-sample
chunk at 16 kHz (32 + 256 at 8 kHz).
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("local", "onnxruntime", feature=__name__)

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from vona.errors import ConfigError, ProvisioningError
from vona.vad import Float32Array, as_float_chunk

__all__ = ["SileroVad", "find_model"]

_CHUNK = {16_000: 512, 8_000: 256}
_CONTEXT = {16_000: 64, 8_000: 32}


def find_model() -> Path:
    """Path of ``silero_vad/data/silero_vad.onnx`` from the installed wheel (not imported)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise ProvisioningError(
            "the silero-vad package is not installed: run "
            "`pip install --no-deps silero-vad==6.2.3` or `vona models fetch silero-vad`"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "silero_vad.onnx"
        if path.is_file():
            return path
    raise ProvisioningError("the silero-vad package has no data/silero_vad.onnx file")


class SileroVad:
    """Silero VAD v5/v6 ONNX model. One instance holds one stream's state: make one per
    session (they can share nothing but the file). Not thread-safe."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        sample_rate_hz: int = 16_000,
        intra_op_threads: int = 1,
    ) -> None:
        if sample_rate_hz not in _CHUNK:
            raise ConfigError(f"SileroVad supports 8000 or 16000 Hz, got {sample_rate_hz}")
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ProvisioningError(
                "SileroVad needs onnxruntime: pip install 'vona[onnx]'"
            ) from exc
        path = Path(model_path) if model_path is not None else find_model()
        if not path.is_file():
            raise ProvisioningError(f"Silero model file not found: {path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._rate = sample_rate_hz
        self._chunk_samples = _CHUNK[sample_rate_hz]
        ctx = _CONTEXT[sample_rate_hz]
        self._ctx = ctx
        self.path = path
        # Every tensor lives in a buffer allocated here and bound once (io_binding): a
        # call copies the chunk in and runs, with no feed dict, no output arrays and no
        # conversions. The recurrent state ping-pongs between two buffers, one binding
        # each way, so the state read and the state written are never the same memory.
        self._input = np.zeros((1, ctx + self._chunk_samples), dtype=np.float32)
        self._sr = np.array(sample_rate_hz, dtype=np.int64)
        self._states = (np.zeros((2, 1, 128), np.float32), np.zeros((2, 1, 128), np.float32))
        self._prob = np.zeros((1, 1), dtype=np.float32)
        self._bindings = (self._bind(0, 1), self._bind(1, 0))
        self._turn = 0
        # views made once: the chunk's place, the context's place, the next context
        self._chunk_view = self._input[0, ctx:]
        self._head = self._input[0, :ctx]
        self._tail = self._input[0, -ctx:]

    def _bind(self, state_in: int, state_out: int) -> Any:
        binding = self._session.io_binding()
        binding.bind_cpu_input("input", self._input)
        binding.bind_cpu_input("state", self._states[state_in])
        binding.bind_cpu_input("sr", self._sr)
        out = self._states[state_out]
        binding.bind_output("output", "cpu", 0, np.float32, [1, 1], self._prob.ctypes.data)
        binding.bind_output("stateN", "cpu", 0, np.float32, list(out.shape), out.ctypes.data)
        return binding

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    @property
    def chunk_samples(self) -> int:
        return self._chunk_samples

    def reset(self) -> None:
        """Zero the recurrent state and the carried context."""
        for state in self._states:
            state.fill(0.0)
        self._input.fill(0.0)

    def probability(self, chunk: Float32Array) -> float:
        np.copyto(self._chunk_view, as_float_chunk(chunk, self._chunk_samples))
        turn = self._turn
        self._session.run_with_iobinding(self._bindings[turn])
        self._turn = turn ^ 1  # the state just written is the next call's input
        # The last ctx samples of this input are the context of the next one.
        np.copyto(self._head, self._tail)
        return float(self._prob[0, 0])
