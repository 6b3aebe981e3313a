"""Smart Turn v3.2 end-of-turn model through onnxruntime, without torch.

Smart Turn (BSD-2-Clause, by Daily for Pipecat) reads the last 8 s of a user's turn and
says how likely the turn is complete. Its CPU ONNX file ships inside the ``pipecat-ai``
wheel (install it with ``--no-deps``; nothing of pipecat is imported): ``find_model``
locates it with ``importlib.util.find_spec``. Audio at any supported transport rate is
resampled to the model's 16 kHz with ``vona.dsp.Resampler``; the features are computed with
numpy (``features.py``).
"""

from __future__ import annotations

from vona.extras import require_extra

require_extra("local", "onnxruntime", feature=__name__)

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vona.adapters.smart_turn.features import RATE, fit_window, log_mel
from vona.errors import AudioFormatError, ConfigError, ProvisioningError

__all__ = ["MODEL_FILE", "SmartTurn", "find_model"]

MODEL_FILE = "smart-turn-v3.2-cpu.onnx"
_PACKAGE_PATH = ("audio", "turn", "smart_turn", "data", MODEL_FILE)
_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)


def find_model() -> Path:
    """Path of the model file inside the installed ``pipecat-ai`` wheel (not imported)."""
    spec = importlib.util.find_spec("pipecat")
    if spec is None or not spec.submodule_search_locations:
        raise ProvisioningError(
            "the pipecat-ai package is not installed: run "
            "`pip install --no-deps pipecat-ai==1.14.0` or `vona models fetch smart-turn`"
        )
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*_PACKAGE_PATH)
        if path.is_file():
            return path
    raise ProvisioningError(f"the pipecat-ai package has no {'/'.join(_PACKAGE_PATH)}")


class SmartTurn:
    """End-of-turn probability of a turn's audio (the ``TurnModel`` contract).

    ``end_of_turn_probability(audio)`` takes the turn so far, mono float32 at
    ``sample_rate_hz``; only the last 8 s matter. Calls are serialised by a lock, so one
    instance may be shared by sessions and called from worker threads.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        sample_rate_hz: int = RATE,
        intra_op_threads: int = 2,
    ) -> None:
        if isinstance(sample_rate_hz, bool) or sample_rate_hz not in _RATES:
            raise ConfigError(f"sample_rate_hz must be one of {_RATES}, got {sample_rate_hz!r}")
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigError("SmartTurn needs onnxruntime: pip install 'vona[onnx]'") from exc
        path = Path(model_path) if model_path is not None else find_model()
        if not path.is_file():
            raise ProvisioningError(f"Smart Turn model file not found: {path}")
        options = ort.SessionOptions()
        # Two threads by default: a judgement takes ~25 ms instead of ~45 on this kind of
        # CPU, so the one made as the voice drops is in before the transcription starts.
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._rate = sample_rate_hz
        self._lock = threading.Lock()
        self.path = path

    @property
    def sample_rate_hz(self) -> int:
        return self._rate

    def to_model_rate(self, audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The audio at 16 kHz (the model's rate), time-aligned, whole stream flushed."""
        if self._rate == RATE:
            return audio
        from vona.dsp import Resampler

        with Resampler(self._rate, RATE, 1, "hq") as r:
            head = r.process(audio)
            return np.concatenate([head, r.flush()]).astype(np.float32, copy=False)

    def end_of_turn_probability(self, audio: npt.NDArray[np.float32]) -> float:
        if not isinstance(audio, np.ndarray) or audio.ndim != 1:
            raise AudioFormatError("audio must be a 1-D numpy array of mono samples")
        if audio.dtype != np.float32:
            raise AudioFormatError(f"audio must be float32 in [-1, 1], got dtype {audio.dtype}")
        # the model reads 8 s: resample only what it will see (plus filter margin)
        keep = self._rate * 8 + self._rate // 10
        clip = np.ascontiguousarray(audio[-keep:])
        features = log_mel(fit_window(self.to_model_rate(clip)))[None, :, :]
        with self._lock:
            (out,) = self._session.run(None, {self._input: features})
        return float(np.asarray(out).reshape(-1)[0])
