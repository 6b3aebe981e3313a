"""``Qwen3TtsMlx``: Qwen3-TTS (12 Hz models, 24 kHz) on MLX through mlx-audio's loader and
generation loop, on the streaming text-to-speech contract.

mlx-audio fits the contract as it is: its ``generate(..., stream=True)`` yields audio every
``streaming_interval`` of generated codec frames, decoded incrementally by the speech
tokenizer's streaming decoder (conv buffers and a KV cache), so the first chunk of a
sentence leaves while the rest is still being generated, and the concatenated chunks equal
the one-shot decode. Vona adds what the contract needs around it: a dedicated worker thread
(MLX work, loading included, stays on one thread), sentence splitting of streamed text,
cancellation between chunks, and folder checks without any download.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from vona.adapters.mlx.device import DeviceChoice, MlxDevice, select_device
from vona.adapters.mlx.folders import model_folder
from vona.backends.cascade.protocols import Float32Array
from vona.errors import ConfigError, ProvisioningError

__all__ = ["FRAME_HZ", "SAMPLE_RATE_HZ", "Qwen3TtsMlx"]

SAMPLE_RATE_HZ = 24_000
FRAME_HZ = 12.5  # codec frames per second of the 12 Hz models
REQUIRED = ("config.json", "model.safetensors", "speech_tokenizer/config.json")


def _import_loader() -> Any:
    try:
        from mlx_audio.tts.utils import load_model
    except ImportError as exc:
        raise ConfigError(
            "Qwen3TtsMlx needs mlx-audio: pip install 'vona[qwen3-tts]' "
            "(see docs/mlx.md for the --no-deps install that keeps torch out)"
        ) from exc
    return load_model


class Qwen3TtsMlx:
    """Qwen3-TTS on MLX; ``open()`` a stream per reply, or ``synthesize(text)`` at once.

    ``model``: an installed artifact's name or a model folder (upstream MLX layout).
    ``voice``: a preset speaker of a CustomVoice model (Base models take none).
    ``chunk_frames``: codec frames (80 ms each) per streamed chunk. ``seed``: reseed MLX's
    sampler before every sentence (reproducible output); ``None`` leaves it running.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        voice: str | None = None,
        language: str = "auto",
        cache_dir: str | Path | None = None,
        device: DeviceChoice = "auto",
        chunk_frames: int = 4,
        max_frames: int | None = None,
        temperature: float | None = None,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
    ) -> None:
        if chunk_frames < 1:
            raise ConfigError(f"chunk_frames must be >= 1, got {chunk_frames}")
        if max_frames is not None and max_frames < 1:
            raise ConfigError(f"max_frames must be >= 1, got {max_frames}")
        folder = model_folder(model, cache_dir=cache_dir, required=REQUIRED)
        load_model = _import_loader()
        self.folder = folder
        self.voice = voice
        self.language = language
        self.chunk_frames = chunk_frames
        self.max_frames = max_frames
        self.seed = seed
        self._sampling = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="vona-qwen3-tts")
        self._closed = False
        self.device: MlxDevice
        self._model = self._worker.submit(self._load, load_model, folder, device).result()

    def _load(self, load_model: Any, folder: Path, device: DeviceChoice) -> Any:
        os.environ["HF_HUB_OFFLINE"] = "1"  # never a download at session time
        self.device = select_device(device)
        try:
            # mlx-audio prints progress and warnings while loading; keep stdout clean
            with contextlib.redirect_stdout(io.StringIO()):
                model = load_model(Path(folder))
        except (ValueError, FileNotFoundError, KeyError) as exc:
            raise ProvisioningError(f"cannot load Qwen3-TTS from {folder}: {exc}") from exc
        if getattr(model, "speech_tokenizer", None) is None or model.tokenizer is None:
            raise ProvisioningError(
                f"{folder} lacks a usable speech_tokenizer/ or text tokenizer files"
            )
        if int(model.sample_rate) != SAMPLE_RATE_HZ:
            raise ProvisioningError(f"{folder}: expected 24 kHz output, got {model.sample_rate}")
        return model

    @property
    def sample_rate_hz(self) -> int:
        return SAMPLE_RATE_HZ

    @property
    def speakers(self) -> list[str]:
        return list(self._model.get_supported_speakers())

    # -- generation (on the worker thread) --------------------------------------------------

    def _results(self, text: str, *, stream: bool) -> Iterator[Any]:
        import mlx.core as mx

        if self.seed is not None:
            mx.random.seed(self.seed)
        options: dict[str, Any] = {k: v for k, v in self._sampling.items() if v is not None}
        if self.max_frames is not None:
            options["max_tokens"] = self.max_frames
        return iter(
            self._model.generate(
                text,
                voice=self.voice,
                lang_code=self.language,
                split_pattern="",
                stream=stream,
                streaming_interval=self.chunk_frames / FRAME_HZ,
                **options,
            )
        )

    def stream_sentence(self, text: str, cancelled: threading.Event) -> Iterator[Float32Array]:
        """Chunks of one sentence as they are decoded (call on the worker thread); stops
        between chunks once ``cancelled`` is set."""
        results = self._results(text, stream=True)
        try:
            for result in results:
                if cancelled.is_set():
                    return
                yield np.asarray(result.audio, dtype=np.float32)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
            self._model.speech_tokenizer.decoder.reset_streaming_state()

    def synthesize(self, text: str) -> Float32Array:
        """One sentence at once (the whole-utterance ``TextToSpeech`` contract)."""
        if not text.strip():
            return np.zeros(0, np.float32)
        return self._worker.submit(self._synthesize, text).result()

    def _synthesize(self, text: str) -> Float32Array:
        pieces = [np.asarray(r.audio, dtype=np.float32) for r in self._results(text, stream=False)]
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)

    def submit(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the worker thread (a concurrent Future)."""
        if self._closed:
            raise ConfigError("Qwen3TtsMlx is closed")
        return self._worker.submit(fn, *args)

    # -- streaming contract ---------------------------------------------------------------

    async def open(self) -> Any:
        from vona.adapters.qwen3_tts_mlx.stream import Qwen3TtsStream

        return Qwen3TtsStream(self)

    def close(self) -> None:
        self._closed = True
        self._worker.shutdown(wait=True)
