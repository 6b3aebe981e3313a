"""``SeamlessOnnxBackend``: a waveform-to-waveform ONNX model as a step backend.

Each step converts the frame to float32 in [-1, 1), runs the model once through
onnxruntime, and converts the output back to int16 (round half to even, saturating).
A session whose audio arrives at another rate than the model's is resampled in and out
with ``vona.dsp.Resampler``, so the session gets audio back at its own rate.

The model must have exactly one input (named by ``input_name``) and an output named by
``output_name``, both float tensors shaped ``[samples]``, ``[1, samples]`` or
``[1, channels, samples]``. A fixed sample axis becomes the backend's frame size.
Anything else is refused at load with a ``ConfigError`` naming the mismatch.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vona import (
    AudioInputFrame,
    AudioOutputFrame,
    BackendCapabilities,
    BackendStep,
    ExternalContextEvent,
    SessionConfig,
)
from vona.errors import AudioFormatError, BackendError, ConfigError, ProvisioningError

__all__ = ["SeamlessOnnxBackend"]

_FLOAT_TYPES = ("tensor(float)",)
_MAX_CONTEXT = 64  # context events kept per session for inspection


@dataclass(slots=True)
class _OnnxSession:
    config: SessionConfig
    rate: int = 0
    to_model: Any = None
    from_model: Any = None
    context: deque[ExternalContextEvent] = field(default_factory=lambda: deque(maxlen=_MAX_CONTEXT))
    ended: bool = False


def _dims(shape: list[Any]) -> list[int | None]:
    return [d if isinstance(d, int) and d >= 0 else None for d in shape]


class SeamlessOnnxBackend:
    """Run the ONNX model at ``model_path`` on every step (see the module docstring).

    ``sample_rate_hz`` is the model's rate; ``frame_samples`` the frame size it wants when
    its sample axis is dynamic; ``threads`` the onnxruntime intra-op threads.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None,
        *,
        input_name: str = "input",
        output_name: str = "output",
        sample_rate_hz: int = 16_000,
        frame_samples: int = 320,
        channels: int = 1,
        threads: int = 1,
    ) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ConfigError(
                f"SeamlessOnnxBackend needs onnxruntime (vona[onnx]): {exc}"
            ) from None
        if model_path is None:
            raise ConfigError("SeamlessOnnxBackend needs a model path")
        path = os.fspath(model_path)
        if sample_rate_hz <= 0 or frame_samples <= 0 or channels not in (1, 2) or threads < 1:
            raise ConfigError(
                f"bad ONNX backend settings: sample_rate_hz={sample_rate_hz}, "
                f"frame_samples={frame_samples}, channels={channels}, threads={threads}"
            )
        if not os.path.isfile(path):
            raise ProvisioningError(f"ONNX model {path!r} does not exist")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ProvisioningError(f"ONNX model {path!r} failed to load: {exc}") from None
        self.model_path = path
        self.input_name = input_name
        self.output_name = output_name
        self.channels = channels
        self._in_rank, fixed = self._check_io(path, input_name, output_name, channels)
        self.frame_samples = fixed if fixed is not None else frame_samples
        self._fixed = fixed
        self._caps = BackendCapabilities(
            name="seamless-onnx",
            input_sample_rate_hz=sample_rate_hz,
            output_sample_rate_hz=sample_rate_hz,
            channels=channels,
            frame_samples=self.frame_samples,
            supports_interruption=True,
            extra={"model_path": path, "input_name": input_name, "output_name": output_name},
        )

    def _check_io(
        self, path: str, input_name: str, output_name: str, channels: int
    ) -> tuple[int, int | None]:
        inputs = {i.name: i for i in self._session.get_inputs()}
        outputs = {o.name: o for o in self._session.get_outputs()}
        if input_name not in inputs:
            raise ConfigError(
                f"ONNX model {path!r} has no input {input_name!r}; its inputs are {sorted(inputs)}"
            )
        if len(inputs) > 1:
            raise ConfigError(
                f"ONNX model {path!r} has inputs {sorted(inputs)}; the backend feeds only "
                f"{input_name!r}, so every input must be named by the config"
            )
        if output_name not in outputs:
            raise ConfigError(
                f"ONNX model {path!r} has no output {output_name!r}; "
                f"its outputs are {sorted(outputs)}"
            )
        inp, out = inputs[input_name], outputs[output_name]
        for what, arg in (("input", inp), ("output", out)):
            if arg.type not in _FLOAT_TYPES:
                raise ConfigError(
                    f"ONNX model {path!r} {what} {arg.name!r} is {arg.type}; a waveform model "
                    "takes and returns tensor(float)"
                )
        dims = _dims(inp.shape)
        if not 1 <= len(dims) <= 3:
            raise ConfigError(
                f"ONNX model {path!r} input {input_name!r} has shape {inp.shape}; expected "
                "[samples], [1, samples] or [1, channels, samples]"
            )
        if len(dims) >= 2 and dims[0] not in (None, 1):
            raise ConfigError(f"ONNX model {path!r} input batch dimension is {dims[0]}, not 1")
        model_channels = dims[1] if len(dims) == 3 else 1
        if model_channels is not None and model_channels != channels:
            raise ConfigError(
                f"ONNX model {path!r} input {input_name!r} has {model_channels} channel(s) "
                f"but the config asks for {channels}"
            )
        if channels > 1 and len(dims) != 3:
            raise ConfigError(f"a {channels}-channel ONNX model needs input [1, channels, samples]")
        return len(dims), dims[-1]

    def capabilities(self) -> BackendCapabilities:
        return self._caps

    async def start_session(self, config: SessionConfig) -> _OnnxSession:
        return _OnnxSession(config=config)

    def _open_rate(self, session: _OnnxSession, rate: int) -> None:
        model_rate = self._caps.input_sample_rate_hz
        session.rate = rate
        if rate != model_rate:
            from vona.dsp import Resampler

            session.to_model = Resampler(rate, model_rate, channels=self.channels)
            session.from_model = Resampler(model_rate, rate, channels=self.channels)

    async def step(self, session: _OnnxSession, frame: AudioInputFrame) -> BackendStep:
        if session.ended:
            raise BackendError("step on an ended ONNX session")
        if frame.channels != self.channels:
            raise AudioFormatError(
                f"frame has {frame.channels} channel(s); the ONNX model takes {self.channels}"
            )
        if session.rate == 0:
            self._open_rate(session, frame.sample_rate_hz)
        elif frame.sample_rate_hz != session.rate:
            raise AudioFormatError(
                f"frame rate {frame.sample_rate_hz} Hz differs from the session's {session.rate} Hz"
            )
        x = frame.samples.astype(np.float32) * np.float32(1.0 / 32768.0)
        if session.to_model is not None:
            x = session.to_model.process(x)
        y = self._run(x) if x.size else x
        if session.from_model is not None:
            y = session.from_model.process(y)
        pcm = np.rint(np.clip(y * np.float32(32768.0), -32768.0, 32767.0)).astype(np.int16)
        out = AudioOutputFrame(frame.sequence, session.rate, self.channels, pcm)
        return BackendStep(output_audio=[out])

    def _run(self, x: np.ndarray[Any, np.dtype[np.float32]]) -> np.ndarray[Any, Any]:
        ch = self.channels
        n = x.size // ch
        if self._fixed is not None and n != self._fixed:
            raise AudioFormatError(
                f"the ONNX model takes exactly {self._fixed} samples per channel; got {n}"
            )
        if self._in_rank == 1:
            feed = x
        elif self._in_rank == 2:
            feed = x.reshape(1, n)
        else:
            feed = np.ascontiguousarray(x.reshape(n, ch).T).reshape(1, ch, n)
        try:
            (y,) = self._session.run([self.output_name], {self.input_name: feed})
        except Exception as exc:  # onnxruntime's own exception types
            raise BackendError(f"ONNX model run failed: {exc}") from None
        y = np.asarray(y, dtype=np.float32)
        if y.ndim == 3:
            if y.shape[0] != 1 or y.shape[1] != ch:
                raise BackendError(f"ONNX model output shape {y.shape} is not [1, {ch}, samples]")
            return np.ascontiguousarray(y[0].T).reshape(-1)
        return y.reshape(-1)

    async def inject_event(self, session: _OnnxSession, event: ExternalContextEvent) -> None:
        # A waveform model has no text context; keep the events for the application.
        session.context.append(event)

    async def end_session(self, session: _OnnxSession) -> None:
        session.ended = True
        session.to_model = session.from_model = None
