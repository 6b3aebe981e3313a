"""Ogg Opus interop: sphn (Kyutai's implementation, used by Moshi) both ways, opusenc-style
files built two independent ways, and opus-tools (opusinfo/opusdec/opusenc) when installed."""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import sphn

from vona.codec import OggOpusReader, OggOpusWriter, OpusDecoder, OpusEncoder

Tone = Callable[..., np.ndarray]
FRAME = 960  # 20 ms at 48 kHz


def encode_tone(make_tone: Tone, frames: int, channels: int = 1) -> tuple[list[bytes], int]:
    enc = OpusEncoder(48000, channels, "audio")
    pcm = make_tone(FRAME * frames, channels)
    step = FRAME * channels
    return [enc.encode(pcm[i * step : (i + 1) * step]) for i in range(frames)], enc.lookahead


def decode_all(packets: list[bytes], channels: int = 1) -> np.ndarray:
    dec = OpusDecoder(48000, channels)
    return np.concatenate([dec.decode(p) for p in packets])


def to_float(pcm: np.ndarray) -> np.ndarray:
    return pcm.astype(np.float32) / 32768.0


@pytest.mark.parametrize("flush", [True, False])
def test_sphn_reads_our_stream(make_tone: Tone, flush: bool) -> None:
    packets, lookahead = encode_tone(make_tone, 50)
    w = OggOpusWriter(48000, 1, pre_skip=lookahead, flush_every_packet=flush)
    data = b"".join(w.write(p) for p in packets) + w.close()
    ours = to_float(decode_all(packets))
    theirs, rate = sphn.read_opus_bytes(data)
    assert rate == 48000
    assert theirs.shape[0] == 1
    n = min(theirs.shape[1], ours.shape[0])
    assert n >= ours.shape[0] - lookahead
    # sphn decodes to float with the same libopus; int16 rounding is the only difference.
    offset = ours.shape[0] - theirs.shape[1]  # sphn may drop the pre-skip
    np.testing.assert_allclose(theirs[0, :n], ours[offset : offset + n], atol=2e-4)
    stream = sphn.OpusStreamReader(48000)
    streamed = np.concatenate(
        [stream.append_bytes(data[i : i + 333]) for i in range(0, len(data), 333)]
    )
    assert streamed.shape[0] > 0.9 * ours.shape[0]
    np.testing.assert_allclose(streamed, ours[: streamed.shape[0]], atol=2e-4)


def test_we_read_sphn_stream(make_tone: Tone) -> None:
    pcm = to_float(make_tone(FRAME * 40))
    writer = sphn.OpusStreamWriter(48000)
    data = b"".join(writer.append_pcm(pcm[i * FRAME : (i + 1) * FRAME]) for i in range(40))
    reader = OggOpusReader()
    packets = []
    for i in range(0, len(data), 101):  # arbitrary split points
        packets += reader.feed(data[i : i + 101])
    assert len(packets) == 40
    assert reader.channels == 1
    assert reader.corrupt_pages == 0
    assert reader.pre_skip == 3840
    assert reader.input_sample_rate == 48000
    assert reader.granule_position == 40 * FRAME
    ours = to_float(decode_all(packets))
    theirs, _ = sphn.read_opus_bytes(data)
    np.testing.assert_allclose(ours[-theirs.shape[1] :], theirs[0], atol=2e-4)
    # And the audio survives the round trip: at the codec's delay it matches what went in.
    seg = pcm[FRAME * 5 : FRAME * 25]
    best = max(
        np.corrcoef(ours[FRAME * 5 + lag : FRAME * 25 + lag], seg)[0, 1]
        for lag in range(0, 4000, 8)
    )
    assert best > 0.9


def opusenc_style_files(
    make_tone: Tone, oggpy: SimpleNamespace, channels: int
) -> tuple[list[bytes], dict[str, bytes]]:
    packets, lookahead = encode_tone(make_tone, 120, channels)
    w = OggOpusWriter(48000, channels, pre_skip=lookahead, flush_every_packet=False)
    ours = b"".join(w.write(p) for p in packets) + w.close()
    built = oggpy.build_stream(packets, channels=channels, pre_skip=lookahead)
    return packets, {"vona-filled": ours, "python-builder": built}


@pytest.mark.parametrize("channels", [1, 2])
def test_opusenc_style_files_read_back(
    make_tone: Tone, oggpy: SimpleNamespace, channels: int
) -> None:
    packets, files = opusenc_style_files(make_tone, oggpy, channels)
    for name, data in files.items():
        pages = oggpy.parse_pages(data)
        assert pages[-1].flags & oggpy.EOS, name
        assert pages[-1].granule == 120 * FRAME, name
        assert len(pages) < 30, name  # filled pages, not one per packet
        reader = OggOpusReader()
        assert reader.feed(data) == packets, name
        assert reader.eos
        assert reader.granule_position == 120 * FRAME
        theirs, _ = sphn.read_opus_bytes(data)
        assert theirs.shape[0] == channels, name
        assert 119 * FRAME <= theirs.shape[1] <= 120 * FRAME, name


needs_opus_tools = pytest.mark.skipif(
    shutil.which("opusinfo") is None or shutil.which("opusdec") is None,
    reason="opus-tools not installed (apt-get install opus-tools); sphn and the "
    "pure-Python page parser still check these files",
)


@needs_opus_tools
@pytest.mark.parametrize("flush", [True, False])
def test_opusinfo_and_opusdec_accept_our_files(
    make_tone: Tone, tmp_path: Path, flush: bool
) -> None:
    packets, lookahead = encode_tone(make_tone, 50, 2)
    w = OggOpusWriter(48000, 2, pre_skip=lookahead, flush_every_packet=flush)
    path = tmp_path / "vona.opus"
    path.write_bytes(b"".join(w.write(p) for p in packets) + w.close())
    info = subprocess.run(["opusinfo", str(path)], capture_output=True, text=True, timeout=30)
    assert info.returncode == 0, info.stdout + info.stderr
    assert "WARNING" not in info.stdout
    assert "ERROR" not in info.stdout
    assert "Encoded with vona" in info.stdout
    assert "Channels: 2" in info.stdout
    wav = tmp_path / "out.wav"
    dec = subprocess.run(
        ["opusdec", "--quiet", "--rate", "48000", str(path), str(wav)],
        capture_output=True,
        timeout=30,
    )
    assert dec.returncode == 0, dec.stderr
    with wave.open(str(wav)) as f:
        # opusdec drops the pre-skip: exactly the stream's playable length.
        assert f.getnframes() == 50 * FRAME - lookahead
        assert f.getnchannels() == 2


@needs_opus_tools
def test_opusinfo_accepts_python_builder_file(
    make_tone: Tone, oggpy: SimpleNamespace, tmp_path: Path
) -> None:
    _, files = opusenc_style_files(make_tone, oggpy, 1)
    path = tmp_path / "built.opus"
    path.write_bytes(files["python-builder"])
    info = subprocess.run(["opusinfo", str(path)], capture_output=True, text=True, timeout=30)
    assert info.returncode == 0, info.stdout
    assert "WARNING" not in info.stdout, info.stdout


@pytest.mark.skipif(shutil.which("opusenc") is None, reason="opusenc (opus-tools) not installed")
def test_we_read_opusenc_output(make_tone: Tone, tmp_path: Path) -> None:
    pcm = make_tone(48000, 2)
    src = tmp_path / "in.wav"
    with wave.open(str(src), "wb") as f:
        f.setnchannels(2)
        f.setsampwidth(2)
        f.setframerate(48000)
        f.writeframes(pcm.tobytes())
    out = tmp_path / "out.opus"
    run = subprocess.run(
        ["opusenc", "--quiet", "--comment", "TITLE=vona test", str(src), str(out)],
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    data = out.read_bytes()
    reader = OggOpusReader()
    packets = []
    for i in range(0, len(data), 777):
        packets += reader.feed(data[i : i + 777])
    assert reader.eos
    assert reader.channels == 2
    assert reader.corrupt_pages == 0
    assert reader.input_sample_rate == 48000
    assert reader.pre_skip > 0
    decoded = decode_all(packets, 2)
    # The last granule position marks the end: pre-skip plus the input's length.
    assert reader.granule_position == reader.pre_skip + 48000
    assert decoded.shape[0] >= 2 * reader.granule_position
    theirs, _ = sphn.read_opus_bytes(data)
    n = min(theirs.shape[1], 48000)
    ours = to_float(decoded.reshape(-1, 2).T)
    offset = ours.shape[1] - theirs.shape[1] if theirs.shape[1] < ours.shape[1] else 0
    np.testing.assert_allclose(theirs[:, :n], ours[:, offset : offset + n], atol=2e-4)


@pytest.mark.skipif(shutil.which("ogginfo") is None, reason="ogginfo (vorbis-tools) not installed")
@pytest.mark.parametrize("flush", [True, False])
def test_ogginfo_accepts_our_files(make_tone: Tone, tmp_path: Path, flush: bool) -> None:
    packets, lookahead = encode_tone(make_tone, 30, 2)
    w = OggOpusWriter(48000, 2, pre_skip=lookahead, flush_every_packet=flush)
    path = tmp_path / "vona.opus"
    path.write_bytes(b"".join(w.write(p) for p in packets) + w.close())
    info = subprocess.run(["ogginfo", str(path)], capture_output=True, text=True, timeout=30)
    assert info.returncode == 0, info.stdout + info.stderr
    assert "WARNING" not in info.stdout
    assert "ERROR" not in info.stdout
    assert "type Opus" in info.stdout
    assert "Vendor: vona" in info.stdout
