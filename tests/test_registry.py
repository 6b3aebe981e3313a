"""The registry: names resolve through entry points, unknown names explain themselves, every
backend declares its contract, the default manifest comes from the adapters, and no core
module outside ``vona/cli`` names a provider or loads an adapter by string."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from vona import registry
from vona.backends.step import SpeechToSpeechBackend
from vona.errors import ConfigError
from vona.provisioning import Artifact, ModelStore, registered_manifest
from vona.realtime.events import RealtimeVoiceBackend

ROOT = Path(__file__).resolve().parents[1]

STEP = {"passthrough", "gain", "cascade", "onnx"}
REALTIME = {"openai-realtime", "azure-voice-live", "qwen-realtime", "gemini-live"}
DUPLEX = {"moshi"}  # realtime, on a self-hosted server (a URL, no key)
ENGINES = {
    "energy": "vad",
    "silero-vad": "vad",
    "smart-turn": "turn",
    "faster-whisper": "stt",
    "mlx-whisper": "stt",
    "hibari": "tts",
    "qwen3-tts-mlx": "tts",
    "rules": "responder",
    "ollama": "responder",
    "openai-chat": "responder",
    "deepgram": "stt",
    "deepgram-flux": "stt",
    "deepgram-aura": "tts",
    "elevenlabs": "tts",
    "azure-speech": "tts",
    "azure-speech-stt": "stt",
}


@pytest.fixture
def fresh_registry():
    registry.clear_cache()
    yield
    registry.clear_cache()


def test_known_names_of_every_group() -> None:
    assert set(registry.names(registry.BACKENDS)) == STEP | REALTIME | DUPLEX
    assert set(registry.names(registry.ENGINES)) == set(ENGINES)
    assert set(registry.names(registry.MODELS)) == {"whisper-base", "silero-vad", "smart-turn"}
    assert registry.names(registry.CONVERTERS) == ("mlx",)


def test_every_backend_declares_the_contract_it_implements() -> None:
    for name in STEP:
        assert registry.backend(name).contract == "step"
    for name in REALTIME:
        assert registry.backend(name).contract == "realtime"
        built = registry.build_backend(
            name, "realtime", api_key="test-key", base_url="ws://127.0.0.1:9"
        )
        assert isinstance(built, RealtimeVoiceBackend)
        assert not isinstance(built, SpeechToSpeechBackend)
    for name in DUPLEX:
        built = registry.build_backend(name, "realtime", url="ws://127.0.0.1:9/api/chat")
        assert isinstance(built, RealtimeVoiceBackend)
        assert built.capabilities().full_duplex
    for built in (
        registry.build_backend("passthrough", "step"),
        registry.build_backend("gain", "step", gain_db=6.0),
    ):
        assert isinstance(built, SpeechToSpeechBackend)
        assert not isinstance(built, RealtimeVoiceBackend)
    with pytest.raises(ConfigError, match="implements the realtime contract, not step"):
        registry.backend("openai-realtime", "step")


def test_every_engine_declares_its_kind() -> None:
    for name, kind in ENGINES.items():
        assert registry.engine(name).kind == kind
    with pytest.raises(
        ConfigError, match=r"of kind tts, not stt \(stt engines: [^)]*faster-whisper"
    ):
        registry.engine("hibari", "stt")
    make = registry.build_engine("energy", "vad")
    assert make() is not make()  # one VAD model per session


def test_unknown_name_lists_the_known_ones_and_the_extras() -> None:
    with pytest.raises(ConfigError) as err:
        registry.build_backend("nope")
    text = str(err.value)
    assert "unknown backend 'nope'" in text
    assert "known: azure-voice-live, cascade, gain, gemini-live, moshi, onnx" in text
    assert "vona[openai]" in text  # the extras the entries declare, read from the metadata
    assert "vona[onnx]" in text
    assert "'vona.backends'" in text
    with pytest.raises(ConfigError, match=r"unknown engine 'whisper' \(known: [^)]*energy, "):
        registry.engine("whisper")
    with pytest.raises(
        ConfigError,
        match=r"unknown stt engine 'whisper' \(known: [^)]*faster-whisper, mlx-whisper\)",
    ):
        registry.engine("whisper", "stt")
    with pytest.raises(ConfigError, match="unknown model artifact 'nope'"):
        registry_model("nope")


def registry_model(name: str) -> Artifact:
    return registered_manifest().get(name)


def test_missing_dependency_names_the_extra(fresh_registry, monkeypatch) -> None:
    ghost = EntryPoint("ghost", "vona_no_such_module.registration:BACKEND [onnx]", "vona.backends")
    monkeypatch.setattr(registry, "entry_points", lambda group: [ghost] if group else [])
    assert registry.names(registry.BACKENDS) == ("ghost",)
    assert registry.entry_extra(registry.BACKENDS, "ghost") == "onnx"
    with pytest.raises(
        ConfigError, match=r"'ghost' needs the onnx extra \(pip install 'vona\[onnx\]'\)"
    ):
        registry.backend("ghost")


def test_lookups_are_cached(fresh_registry, monkeypatch) -> None:
    calls: list[str] = []
    real = registry.entry_points

    def counting(group: str):  # type: ignore[no-untyped-def]
        calls.append(group)
        return real(group=group)

    monkeypatch.setattr(registry, "entry_points", counting)
    first = registry.backend("passthrough")
    for _ in range(3):
        registry.names(registry.BACKENDS)
        assert registry.backend("passthrough") is first
    assert calls == [registry.BACKENDS]


def test_import_vona_loads_no_entry_point() -> None:
    code = (
        "import sys, vona\n"
        "loaded = [m for m in sys.modules\n"
        "          if m == 'vona.registry' or m.startswith('vona.adapters')]\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_default_manifest_is_assembled_from_the_adapters() -> None:
    from vona.adapters.faster_whisper.registration import WHISPER_BASE
    from vona.adapters.silero_vad.registration import SILERO_VAD
    from vona.adapters.smart_turn.registration import SMART_TURN
    from vona.provisioning import DEFAULT_MANIFEST

    manifest = registered_manifest()
    assert DEFAULT_MANIFEST is manifest
    assert manifest.artifacts == {
        "whisper-base": WHISPER_BASE,
        "silero-vad": SILERO_VAD,
        "smart-turn": SMART_TURN,
    }
    assert ModelStore("/nonexistent").manifest is manifest
    silero = manifest.get("silero-vad").files[0]
    assert silero.sha256 == "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3"
    assert [s.kind for s in silero.sources] == ["package", "url"]
    # the core manifest module itself holds no artifact
    source = (ROOT / "vona" / "provisioning" / "manifest.py").read_text()
    assert "sha256" not in source.split("def registered_manifest")[1].split("def __getattr__")[0]
    assert not re.search(r"\b[0-9a-f]{64}\b", source)


def test_models_command_offers_each_registered_converter(capsys) -> None:
    from vona.provisioning.cli import main

    with pytest.raises(SystemExit):
        main(["convert-mlx", "--help"])
    out = capsys.readouterr().out
    assert "convert an installed Whisper for mlx-whisper" in out
    assert "float16" in out


def test_sidecar_builds_registered_step_backends_by_name() -> None:
    from vona.backends.passthrough import PassthroughStsBackend
    from vona.sidecar import SidecarSettings, build_backend

    assert isinstance(build_backend(SidecarSettings()), PassthroughStsBackend)


# The same rule as the project's structure check: identifiers, imports and non-docstring
# strings of vona/ (outside vona/cli) name no provider, and nothing imports an adapter by
# a string.
_PROVIDERS = re.compile(
    r"openai|gemini|azure|qwen|dashscope|deepgram|elevenlabs|moshi|kyutai|ollama|hibari"
    r"|whisper|silero|twilio|cartesia|pipecat|smart.?turn",
    re.I,
)


def _words(tree: ast.AST) -> list[str]:
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            docstrings.add(id(first.value))
    words: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.alias)):
            words.append(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.append("" if id(node) in docstrings or len(node.value) >= 200 else node.value)
    return words


def test_the_core_names_no_provider_and_loads_no_adapter_by_string() -> None:
    naming, loading = [], []
    for path in sorted((ROOT / "vona").rglob("*.py")):
        rel = path.relative_to(ROOT / "vona").parts
        if rel[0] in ("cli", "_native"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hits = {m.group(0).lower() for w in _words(tree) if (m := _PROVIDERS.search(w))}
        if hits:
            naming.append(f"{'/'.join(rel)}: {sorted(hits)}")
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(m.startswith("vona.adapters") for m in mods):
                    loading.append("/".join(rel))
            is_str = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_str and node.value.startswith("vona.adapters"):
                loading.append("/".join(rel))
    assert naming == []
    assert loading == []


def test_sidecar_refuses_what_it_cannot_serve() -> None:
    from vona.sidecar import SidecarSettings, build_backend

    with pytest.raises(ConfigError, match="implements the realtime contract, not step"):
        build_backend(SidecarSettings(backend="openai-realtime"))
    with pytest.raises(ConfigError, match="backend 'gain': missing a required argument: 'gain_db'"):
        build_backend(SidecarSettings(backend="gain"))
    with pytest.raises(ConfigError, match="is not one of"):
        SidecarSettings(backend="magic")
    with pytest.raises(ConfigError, match="backend 'cascade': missing a required argument: 'stt'"):
        build_backend(SidecarSettings(backend="cascade"))
