"""Model provisioning: manifests of pinned artifacts, a cache, and explicit fetching.

Nothing is fetched when a session starts: engines call ``ModelStore.resolve`` (or
``resolve``), which raises ``ProvisioningError`` naming the ``vona models fetch`` command
when an artifact is missing. ``models_main`` is the ``vona models`` command line.
"""

from __future__ import annotations

from vona.provisioning.fetch import FetchResult, fetch_artifact, locate_package_file
from vona.provisioning.manifest import (
    Artifact,
    ArtifactFile,
    Manifest,
    PackageSource,
    PathSource,
    UrlSource,
    load_manifest,
    registered_manifest,
)
from vona.provisioning.store import ModelStore, default_cache_dir, resolve, sha256_file

__all__ = [
    "DEFAULT_MANIFEST",
    "Artifact",
    "ArtifactFile",
    "FetchResult",
    "Manifest",
    "ModelStore",
    "PackageSource",
    "PathSource",
    "UrlSource",
    "default_cache_dir",
    "fetch_artifact",
    "load_manifest",
    "locate_package_file",
    "models_main",
    "registered_manifest",
    "resolve",
    "sha256_file",
]


def __getattr__(name: str) -> Manifest:
    if name == "DEFAULT_MANIFEST":  # assembled from the adapters' registrations on first use
        return registered_manifest()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def models_main(argv: list[str] | None = None) -> int:
    """``vona models list|plan|fetch|verify|gc``; returns the exit status."""
    from vona.provisioning.cli import main

    return main(argv)
