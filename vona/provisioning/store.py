"""The model cache: where artifacts live, whether they are installed, and resolving them.

Layout: ``<cache>/models/<artifact>/<file>``, plus ``.vona-verified.json`` in each artifact
folder recording the size, mtime and sha256 of every file verified at install time, so
``resolve`` can confirm an artifact cheaply at session start (no hashing of 145 MB). A
download in progress is ``<file>.partial`` next to its final name. Nothing here fetches:
a missing artifact is a ``ProvisioningError`` naming the command that fetches it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from vona.errors import ProvisioningError
from vona.provisioning.manifest import Artifact, ArtifactFile, Manifest, registered_manifest

__all__ = [
    "FileStatus",
    "ModelStore",
    "default_cache_dir",
    "resolve",
    "sha256_file",
]

STAMP = ".vona-verified.json"
_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """``$VONA_CACHE_DIR``, else the platform's user cache folder + ``/vona``."""
    env = os.environ.get("VONA_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "vona"
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "vona" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "vona"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class FileStatus:
    """``state`` is ``installed``, ``partial`` (``have`` bytes downloaded) or ``missing``."""

    artifact: str
    file: ArtifactFile
    state: str
    have: int
    path: Path


class ModelStore:
    """One cache folder and the manifest that says what belongs in it."""

    def __init__(self, root: str | Path | None = None, manifest: Manifest | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.manifest = manifest or registered_manifest()

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    def artifact_dir(self, name: str) -> Path:
        return self.models_dir / name

    def file_path(self, artifact: Artifact, f: ArtifactFile) -> Path:
        return self.artifact_dir(artifact.name) / f.name

    # -- the verification stamp -------------------------------------------------------
    def _stamp(self, artifact: Artifact) -> dict[str, dict[str, object]]:
        path = self.artifact_dir(artifact.name) / STAMP
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def record_verified(self, artifact: Artifact, f: ArtifactFile) -> None:
        """Note that ``f`` was hashed and matched; atomically rewrite the stamp."""
        stamp = self._stamp(artifact)
        st = self.file_path(artifact, f).stat()
        stamp[f.name] = {"sha256": f.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        path = self.artifact_dir(artifact.name) / STAMP
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True))
        os.replace(tmp, path)

    def forget(self, artifact: Artifact, f: ArtifactFile) -> None:
        stamp = self._stamp(artifact)
        if stamp.pop(f.name, None) is not None:
            path = self.artifact_dir(artifact.name) / STAMP
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True))
            os.replace(tmp, path)

    # -- status -----------------------------------------------------------------------
    def file_status(self, artifact: Artifact, f: ArtifactFile) -> FileStatus:
        path = self.file_path(artifact, f)
        entry = self._stamp(artifact).get(f.name)
        try:
            st = path.stat()
        except OSError:
            partial = path.with_name(path.name + ".partial")
            have = partial.stat().st_size if partial.exists() else 0
            return FileStatus(artifact.name, f, "partial" if have else "missing", have, path)
        ok = (
            entry is not None
            and entry.get("sha256") == f.sha256
            and entry.get("size") == st.st_size == f.size
            and entry.get("mtime_ns") == st.st_mtime_ns
        )
        return FileStatus(artifact.name, f, "installed" if ok else "unverified", st.st_size, path)

    def status(self, artifact: Artifact) -> list[FileStatus]:
        return [self.file_status(artifact, f) for f in artifact.files]

    def is_installed(self, artifact: Artifact) -> bool:
        return all(s.state == "installed" for s in self.status(artifact))

    def resolve(self, name: str) -> Path:
        """The folder of an installed artifact, or a ProvisioningError saying how to get it."""
        artifact = self.manifest.get(name)
        bad = [s for s in self.status(artifact) if s.state != "installed"]
        if bad:
            what = ", ".join(f"{s.file.name} ({s.state})" for s in bad)
            raise ProvisioningError(
                f"model {name!r} is not installed in {self.models_dir} ({what}); "
                f"run `vona models fetch {name}` (nothing is downloaded implicitly)"
            )
        return self.artifact_dir(name)

    def verify(self, artifact: Artifact) -> list[tuple[ArtifactFile, str]]:
        """Re-hash every file; return ``(file, problem)`` pairs (empty: all good)."""
        problems = []
        for f in artifact.files:
            path = self.file_path(artifact, f)
            if not path.is_file():
                problems.append((f, "missing"))
                continue
            size = path.stat().st_size
            if size != f.size:
                problems.append((f, f"size {size} != {f.size}"))
                self.forget(artifact, f)
                continue
            digest = sha256_file(path)
            if digest != f.sha256:
                problems.append((f, f"sha256 {digest} != {f.sha256}"))
                self.forget(artifact, f)
                continue
            self.record_verified(artifact, f)
        return problems

    def garbage(self) -> list[Path]:
        """Paths under the cache that no manifest file accounts for (incl. partials)."""
        found: list[Path] = []
        if not self.models_dir.is_dir():
            return found
        for entry in sorted(self.models_dir.iterdir()):
            artifact = self.manifest.artifacts.get(entry.name)
            if artifact is None or not entry.is_dir():
                found.append(entry)
                continue
            keep = {STAMP} | {f.name for f in artifact.files}
            for path in sorted(entry.rglob("*")):
                rel = path.relative_to(entry).as_posix()
                if path.is_file() and rel not in keep:
                    found.append(path)
        return found


def resolve(name: str, cache_dir: str | Path | None = None) -> Path:
    """Folder of the installed artifact ``name`` from the default manifest."""
    return ModelStore(cache_dir).resolve(name)
