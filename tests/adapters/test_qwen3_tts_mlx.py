"""Qwen3-TTS on MLX, on a tiny random model of the real architecture that the test builds
in the upstream folder layout: it loads through mlx-audio's real loader, streams chunks whose
concatenation is the one-shot synthesis with the same seed, the first chunk arrives while
the sentence is still being generated, and a stream cancels mid-sentence."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from vona.errors import ConfigError, ProvisioningError

pytest.importorskip("mlx.core", reason="mlx is a dev dependency on Linux and macOS arm64")
pytest.importorskip("mlx_audio", reason="mlx-audio is installed by `make` (--no-deps)")

from vona.adapters.qwen3_tts_mlx import Qwen3TtsMlx
from vona.adapters.qwen3_tts_mlx.artifacts import UPSTREAM, manifest, write_manifest
from vona.adapters.qwen3_tts_mlx.stream import _to_int16
from vona.adapters.qwen3_tts_mlx.tiny import SPEAKER, build_tiny_qwen3_tts
from vona.provisioning import load_manifest

FRAME = 1920  # samples per 12.5 Hz codec frame at 24 kHz


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen3_tts(tmp_path_factory.mktemp("qwen3-tts") / "tiny")


@pytest.fixture(scope="module")
def tts(folder: Path):  # type: ignore[no-untyped-def]
    engine = Qwen3TtsMlx(folder, voice=SPEAKER, seed=7, chunk_frames=2, max_frames=6, device="cpu")
    yield engine
    engine.close()


async def _stream(tts: Qwen3TtsMlx, *pieces: str) -> tuple[list[np.ndarray], bool]:
    stream = await tts.open()
    for piece in pieces:
        await stream.push_text(piece)
    await stream.flush()
    chunks: list[np.ndarray] = []
    running_at_first = False
    async for audio in stream.audio():
        if not chunks:
            running_at_first = not stream._task.done()
        chunks.append(audio.samples)
    return chunks, running_at_first


def test_loads_through_the_real_loader(tts: Qwen3TtsMlx) -> None:
    assert tts.sample_rate_hz == 24_000
    assert tts.speakers == [SPEAKER]
    assert tts.device.kind == "cpu"


async def test_stream_equals_one_shot_and_starts_before_the_sentence_ends(tts: Qwen3TtsMlx) -> None:
    one_shot = tts.synthesize("Hello there.")
    assert one_shot.dtype == np.float32
    assert one_shot.shape[0] == 6 * FRAME
    chunks, running_at_first = await _stream(tts, "Hel", "lo the", "re.")
    assert len(chunks) == 3
    assert all(c.shape[0] == 2 * FRAME for c in chunks)
    # the first chunk was delivered while the sentence was still being generated
    assert running_at_first
    streamed = np.concatenate(chunks)
    expected = _to_int16(one_shot)
    assert np.abs(streamed.astype(np.int32) - expected.astype(np.int32)).max() <= 1
    assert np.any(expected != 0)


async def test_cancel_mid_sentence(tts: Qwen3TtsMlx) -> None:
    stream = await tts.open()
    await stream.push_text("Hello there.")
    await stream.flush()
    got = []
    async for audio in stream.audio():
        got.append(audio)
        await stream.cancel()
    assert len(got) == 1
    assert [a async for a in stream.audio()] == []
    # the engine is free and its streaming decoder reset: the next sentence is whole
    chunks, _ = await asyncio.wait_for(_stream(tts, "Hello there."), 120)
    assert sum(c.shape[0] for c in chunks) == 6 * FRAME


async def test_two_sentences_in_one_reply(tts: Qwen3TtsMlx) -> None:
    chunks, _ = await _stream(tts, "Hi. Bye", ".")
    total = np.concatenate(chunks)
    expected = np.concatenate([_to_int16(tts.synthesize("Hi.")), _to_int16(tts.synthesize("Bye."))])
    assert total.shape == expected.shape
    assert np.abs(total.astype(np.int32) - expected.astype(np.int32)).max() <= 1


async def test_push_after_flush_is_refused(tts: Qwen3TtsMlx) -> None:
    stream = await tts.open()
    await stream.flush()
    with pytest.raises(ConfigError, match="after flush"):
        await stream.push_text("more")
    assert [a async for a in stream.audio()] == []


def test_folders_are_checked_and_never_downloaded(tmp_path: Path) -> None:
    with pytest.raises(ProvisioningError, match=r"lacks config\.json"):
        Qwen3TtsMlx(tmp_path)
    # not registered (no verified digests yet): a name resolves only through a manifest
    with pytest.raises(ConfigError, match=r"unknown model artifact 'qwen3-tts-12hz-0\.6b-base'"):
        Qwen3TtsMlx("qwen3-tts-12hz-0.6b-base", cache_dir=tmp_path)
    with pytest.raises(ProvisioningError, match="does not exist"):
        Qwen3TtsMlx(tmp_path / "missing" / "model")
    with pytest.raises(ConfigError, match="chunk_frames"):
        Qwen3TtsMlx(tmp_path, chunk_frames=0)


def test_manifest_from_recorded_digests(tmp_path: Path) -> None:
    name = "qwen3-tts-12hz-0.6b-base"
    digests = {f: ("ab" * 32, 10 + i) for i, f in enumerate(UPSTREAM[name].files)}
    path = write_manifest(tmp_path / "qwen3.json", {name: digests})
    artifact = load_manifest(path).get(name)
    assert [f.name for f in artifact.files] == list(UPSTREAM[name].files)
    assert artifact.files[2].sources[0].url.endswith("Base-bf16/resolve/main/model.safetensors")
    with pytest.raises(ConfigError, match="no recorded digest"):
        manifest({name: {}})
    with pytest.raises(ConfigError, match="unknown Qwen3-TTS model"):
        manifest({"nope": {}})
