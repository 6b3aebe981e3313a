"""Bringing artifact files into the cache: resumable downloads and package copies.

Every file is written to ``<name>.partial``, hashed, and renamed over its final name only
when size and sha256 match, so a crash or a bad source never leaves a half file where a
model is expected. HTTP downloads resume from the partial file's size with a Range request
(a server that ignores Range restarts the file); a connection that closes early is resumed
up to ``retries`` times.
"""

from __future__ import annotations

import importlib.util
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import BinaryIO, Protocol

from vona.errors import ProvisioningError
from vona.provisioning.manifest import (
    Artifact,
    ArtifactFile,
    PackageSource,
    PathSource,
    Source,
    UrlSource,
)
from vona.provisioning.store import ModelStore, sha256_file

__all__ = ["FetchResult", "Progress", "fetch_artifact", "locate_package_file", "source_available"]

_CHUNK = 1 << 20


class Progress(Protocol):
    """Receives progress; the CLI implements it with rich, tests with a list."""

    def start(self, label: str, total: int, done: int) -> None: ...

    def advance(self, n: int) -> None: ...

    def finish(self) -> None: ...


class _NoProgress:
    def start(self, label: str, total: int, done: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What happened to one file: ``skipped`` (already installed) or ``installed`` from a
    source (``url``/``package``/``path``), with the number of bytes transferred."""

    artifact: str
    file: str
    action: str
    source: str
    transferred: int


def locate_package_file(module: str, rel: str) -> Path | None:
    """A file inside an installed package, found without importing the package."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / rel
        if path.is_file():
            return path
    return None


def source_available(source: Source) -> bool:
    """True when a local source (path or package) is present; URLs are assumed reachable."""
    if isinstance(source, PathSource):
        return Path(os.path.expandvars(source.path)).expanduser().is_file()
    if isinstance(source, PackageSource):
        return all(locate_package_file(m, p) is not None for m, p in source.parts)
    return True


def _local_chunks(source: PathSource | PackageSource) -> Iterator[bytes]:
    if isinstance(source, PathSource):
        paths = [Path(os.path.expandvars(source.path)).expanduser()]
    else:
        paths = []
        for module, rel in source.parts:
            found = locate_package_file(module, rel)
            if found is None:
                raise ProvisioningError(
                    f"package file {module}/{rel} not found: pip install {source.distribution}"
                )
            paths.append(found)
    for path in paths:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk


def _copy_local(source: PathSource | PackageSource, partial: Path, progress: Progress) -> int:
    n = 0
    with partial.open("wb") as out:
        for chunk in _local_chunks(source):
            out.write(chunk)
            n += len(chunk)
            progress.advance(len(chunk))
    return n


def _http_resume(
    url: str, partial: Path, f: ArtifactFile, progress: Progress, timeout: float
) -> int:
    """One request: append to ``partial`` from its current size. Returns bytes received."""
    have = partial.stat().st_size if partial.exists() else 0
    if have > f.size:
        partial.unlink()
        have = 0
    if have == f.size:
        return 0
    req = urllib.request.Request(url, headers={"User-Agent": "vona-provisioning"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    got = 0
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        status = resp.status
        mode = "ab"
        if have and status == 200:
            # Range ignored: the server sends the whole file again.
            mode = "wb"
            progress.advance(-have)
        elif status == 206:
            expected = f"bytes {have}-"
            content_range = resp.headers.get("Content-Range", "")
            if not content_range.startswith(expected):
                raise ProvisioningError(
                    f"{url}: server answered Range bytes={have}- with {content_range!r}"
                )
        elif status != 200:
            raise ProvisioningError(f"{url}: HTTP {status}")
        out: BinaryIO
        with partial.open(mode) as out:  # type: ignore[assignment]
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                got += len(chunk)
                progress.advance(len(chunk))
    return got


def _download(
    url: str, partial: Path, f: ArtifactFile, progress: Progress, retries: int, timeout: float
) -> int:
    total = 0
    last_error: Exception | None = None
    for _ in range(retries + 1):
        try:
            total += _http_resume(url, partial, f, progress, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 416:  # our partial is not a prefix the server knows: restart
                partial.unlink(missing_ok=True)
                last_error = exc
                continue
            raise ProvisioningError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, HTTPException, OSError) as exc:
            last_error = exc  # dropped connection or short body: resume from what we have
            continue
        have = partial.stat().st_size if partial.exists() else 0
        if have >= f.size:
            return total
    raise ProvisioningError(
        f"{url}: download of {f.name} incomplete after {retries + 1} attempts "
        f"({partial.stat().st_size if partial.exists() else 0} of {f.size} bytes): {last_error}"
    )


def _install_one(
    store: ModelStore,
    artifact: Artifact,
    f: ArtifactFile,
    sources: list[Source],
    progress: Progress,
    retries: int,
    timeout: float,
) -> FetchResult:
    dest = store.file_path(artifact, f)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    errors: list[str] = []
    for source in sources:
        if not source_available(source):
            errors.append(f"{source.kind}: not available")
            continue
        have = partial.stat().st_size if partial.exists() else 0
        progress.start(f"{artifact.name}/{f.name}", f.size, have if source.kind == "url" else 0)
        try:
            if isinstance(source, UrlSource):
                moved = _download(source.url, partial, f, progress, retries, timeout)
            else:
                moved = _copy_local(source, partial, progress)
        except ProvisioningError as exc:
            errors.append(f"{source.kind}: {exc}")
            continue
        finally:
            progress.finish()
        size = partial.stat().st_size
        digest = sha256_file(partial) if size == f.size else ""
        if size != f.size or digest != f.sha256:
            # Corrupt or wrong bytes: never resume from them.
            partial.unlink(missing_ok=True)
            got = f"size {size}" if size != f.size else f"sha256 {digest}"
            errors.append(f"{source.kind}: checksum mismatch ({got}, want {f.size} B {f.sha256})")
            continue
        os.replace(partial, dest)
        store.record_verified(artifact, f)
        return FetchResult(artifact.name, f.name, "installed", source.kind, moved)
    raise ProvisioningError(
        f"could not fetch {artifact.name}/{f.name}: " + "; ".join(errors or ["no source"])
    )


def fetch_artifact(
    store: ModelStore,
    artifact: Artifact,
    *,
    source_kind: str | None = None,
    progress: Progress | None = None,
    retries: int = 3,
    timeout: float = 60.0,
) -> list[FetchResult]:
    """Install every missing file of ``artifact``. ``source_kind`` (``url``, ``package``,
    ``path``) restricts the sources tried; otherwise local sources come before URLs."""
    prog = progress or _NoProgress()
    results = []
    order = {"path": 0, "package": 1, "url": 2}
    for f in artifact.files:
        if store.file_status(artifact, f).state == "installed":
            results.append(FetchResult(artifact.name, f.name, "skipped", "", 0))
            continue
        sources = [s for s in f.sources if source_kind in (None, s.kind)]
        sources.sort(key=lambda s: order.get(s.kind, 3))
        if not sources:
            raise ProvisioningError(
                f"{artifact.name}/{f.name} has no {source_kind!r} source "
                f"(has: {', '.join(s.kind for s in f.sources)})"
            )
        dest = store.file_path(artifact, f)
        if dest.exists() and dest.stat().st_size == f.size and sha256_file(dest) == f.sha256:
            store.record_verified(artifact, f)
            results.append(FetchResult(artifact.name, f.name, "skipped", "", 0))
            continue
        results.append(_install_one(store, artifact, f, sources, prog, retries, timeout))
    return results
