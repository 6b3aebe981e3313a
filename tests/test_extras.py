"""Without its extra, an adapter says which extra to install (a MissingExtraError, which is
both a ConfigError and an ImportError), at import and through the registry."""

from __future__ import annotations

import importlib
import sys

import pytest

from vona import registry
from vona.errors import ConfigError, MissingExtraError

# adapter package -> (the extra its entry points declare, a dependency that extra installs)
ADAPTERS = {
    "openai_realtime": ("openai", "websockets"),
    "azure_voice_live": ("azure", "websockets"),
    "qwen_realtime": ("qwen", "websockets"),
    "gemini_live": ("gemini", "websockets"),
    "moshi": ("moshi", "websockets"),
    "faster_whisper": ("local", "faster_whisper"),
    "hibari_tts": ("local", "hibari"),
    "silero_vad": ("local", "onnxruntime"),
    "smart_turn": ("local", "onnxruntime"),
    "seamless_onnx": ("onnx", "onnxruntime"),
    "ollama": ("local", "httpx"),
    "openai_chat": ("openai", "httpx"),
    "deepgram": ("deepgram", "websockets"),
    "elevenlabs": ("elevenlabs", "websockets"),
    "azure_speech": ("azure", "httpx"),
    "mlx_whisper": ("mlx", "mlx"),
    "qwen3_tts_mlx": ("qwen3tts", "mlx_audio"),
}


def _forget(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    for name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.parametrize("package", sorted(ADAPTERS))
def test_import_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    extra, dependency = ADAPTERS[package]
    _forget(monkeypatch, f"vona.adapters.{package}")
    monkeypatch.setitem(sys.modules, dependency, None)  # as if not installed
    with pytest.raises(MissingExtraError, match=rf"pip install 'vona\[{extra}\]'") as info:
        importlib.import_module(f"vona.adapters.{package}")
    assert isinstance(info.value, ConfigError)
    assert isinstance(info.value, ImportError)
    assert dependency in str(info.value)


def test_the_registry_names_the_extra_too(monkeypatch: pytest.MonkeyPatch) -> None:
    _forget(monkeypatch, "vona.adapters.openai_realtime")
    _forget(monkeypatch, "vona.adapters.azure_voice_live")
    _forget(monkeypatch, "vona.adapters.qwen_realtime")
    monkeypatch.setitem(sys.modules, "websockets", None)
    registry._load.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"vona\[openai\]"):
            registry.build_backend("openai-realtime", api_key="sk-test")
    finally:
        registry._load.cache_clear()


@pytest.mark.parametrize("package", sorted(ADAPTERS))
def test_declared_extra_matches_the_entry_points(package: str) -> None:
    """The extra an adapter asks for is the one its registry entries declare."""
    extra, _ = ADAPTERS[package]
    declared = {
        registry.entry_extra(group, name)
        for group in (registry.BACKENDS, registry.ENGINES, registry.MODELS, registry.CONVERTERS)
        for name in registry.names(group)
        if _entry_module(group, name).startswith(f"vona.adapters.{package}.")
    }
    assert declared <= {extra}, declared


def _entry_module(group: str, name: str) -> str:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group=group) if e.name == name]
    return ep.value.split(":")[0]
