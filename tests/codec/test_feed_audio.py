"""FrameReader.feed_audio: the in-place audio-message decode agrees with the generic path
(feed + decode_audio_frame) and with cbor2, for any split points, mutations and shapes."""

from __future__ import annotations

import re
import struct
from typing import Any

import cbor2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vona.codec import FrameReader, FrameWriter, decode_audio_frame
from vona.errors import CodecError
from vona.frames import AudioInputFrame, AudioOutputFrame

Frame = AudioInputFrame | AudioOutputFrame


def samples(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-32768, 32768, n, dtype=np.int16)


def framed(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def same(a: Frame, b: Frame) -> bool:
    fields = ("sequence", "sample_rate_hz", "channels")
    extra = "timestamp_ns" if isinstance(a, AudioInputFrame) else "is_filler"
    return (
        type(a) is type(b)
        and all(getattr(a, f) == getattr(b, f) for f in (*fields, extra))
        and type(getattr(a, extra)) is type(getattr(b, extra))
        and a.samples.dtype == np.int16
        and np.array_equal(a.samples, b.samples)
    )


def generic(payload: bytes) -> Frame | str:
    """What feed + decode_audio_frame make of one payload: the frame or the error text."""
    try:
        (msg,) = FrameReader().feed(framed(payload))
        return decode_audio_frame(msg)
    except CodecError as exc:
        return str(exc)


def fast(payload: bytes) -> Frame | str:
    try:
        (frame,) = FrameReader().feed_audio(framed(payload))
        return frame
    except CodecError as exc:
        return str(exc)


def agree(payload: bytes) -> None:
    want, got = generic(payload), fast(payload)
    if isinstance(want, str):
        assert isinstance(got, str), payload.hex()
        assert want in got  # feed_audio prefixes "frame 0 of this feed: "
    else:
        assert not isinstance(got, str), got
        assert same(got, want), payload.hex()


IN = AudioInputFrame(7, 16000, 1, samples(320), 987_654_321)
OUT = AudioOutputFrame(8, 24000, 2, samples(480, 1), True)


@pytest.mark.parametrize("n", [0, 1, 159, 160, 161, 320, 48000])
def test_input_round_trip(n: int) -> None:
    frame = AudioInputFrame(2**64 - 1, 16000, 1, samples(n), 2**64 - 1)
    (back,) = FrameReader().feed_audio(FrameWriter().write_audio(frame))
    assert same(back, frame)
    assert not back.samples.flags.writeable
    assert isinstance(back.samples.base, bytes)


@pytest.mark.parametrize(("filler", "ch"), [(False, 1), (True, 2), (True, 6)])
def test_output_round_trip(filler: bool, ch: int) -> None:
    frame = AudioOutputFrame(0, 48000, ch, samples(ch * 10), filler)
    (back,) = FrameReader().feed_audio(FrameWriter().write_audio(frame))
    assert same(back, frame)


def test_negative_timestamp_goes_through_the_generic_path() -> None:
    frame = AudioInputFrame(1, 16000, 1, samples(4), -5)
    (back,) = FrameReader().feed_audio(FrameWriter().write_audio(frame))
    assert same(back, frame)


def test_any_split_points() -> None:
    w = FrameWriter()
    frames = [IN, OUT, AudioInputFrame(9, 8000, 1, samples(3), 0), OUT]
    stream = b"".join(w.write_audio(f) for f in frames)
    rng = np.random.default_rng(3)
    for trial in range(40):
        cuts = sorted(rng.integers(0, len(stream), 1 + trial % 7).tolist())
        reader, got = FrameReader(), []
        for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
            got += reader.feed_audio(stream[a:b])
        assert len(got) == len(frames)
        assert all(same(g, f) for g, f in zip(got, frames, strict=True))
        assert reader.pending_bytes == 0
    small = w.write_audio(AudioInputFrame(1, 16000, 1, samples(2), 3)) * 2
    reader, got = FrameReader(), []
    for i in range(len(small)):
        got += reader.feed_audio(memoryview(small)[i : i + 1])
    assert len(got) == 2


SHORT_IN = AudioInputFrame(300, 16000, 1, samples(2), 70_000)
SHORT_OUT = AudioOutputFrame(1, 24000, 2, samples(4), False)


@pytest.mark.parametrize("frame", [SHORT_IN, SHORT_OUT], ids=["in", "out"])
def test_every_truncation_and_byte_mutation_agrees_with_the_generic_path(frame: Frame) -> None:
    payload = FrameWriter().write_audio(frame)[4:]
    for i in range(len(payload)):
        agree(payload[:i])
        for value in (0x00, 0x17, 0x18, 0x1B, 0x5A, 0x62, 0xF4, 0xF5, 0xFF, payload[i] ^ 1):
            agree(payload[:i] + bytes([value]) + payload[i + 1 :])
    agree(payload + b"\x00")


def test_sidecar_messages_in_any_key_order_decode() -> None:
    pcm = samples(6).astype("<i2").tobytes()
    msg = {"type": "out", "seq": 1, "rate": 24000, "ch": 2, "pcm": pcm, "extra": [1]}
    (back,) = FrameReader().feed_audio(framed(cbor2.dumps(msg)))
    assert isinstance(back, AudioOutputFrame)
    assert back.is_filler is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2], "must be a CBOR map, got list"),
        (42, "must be a CBOR map, got int"),
        ({"type": "in"}, "no 'seq' field"),
        ({"a": 1}, "no 'type' field"),
    ],
)
def test_non_audio_payloads_are_refused_and_fail_the_reader(value: Any, message: str) -> None:
    reader = FrameReader()
    stream = FrameWriter().write_audio(IN) + FrameWriter().write(value)
    with pytest.raises(CodecError, match=f"frame 1 of this feed: .*{re.escape(message)}"):
        reader.feed_audio(stream)
    assert reader.failed
    with pytest.raises(CodecError, match="failed earlier"):
        reader.feed_audio(FrameWriter().write_audio(IN))
    reader.reset()
    assert len(reader.feed_audio(FrameWriter().write_audio(IN))) == 1


def test_invalid_cbor_and_limits_are_refused_as_by_feed() -> None:
    with pytest.raises(CodecError, match="frame 0 of this feed"):
        FrameReader().feed_audio(framed(b"\xa6\x62ch"))
    frame = FrameWriter().write_audio(IN)
    with pytest.raises(CodecError, match="max_items=12"):
        FrameReader(max_items=12).feed_audio(frame)
    with pytest.raises(CodecError, match="max_depth=0"):
        FrameReader(max_depth=0).feed_audio(frame)
    assert len(FrameReader(max_items=13, max_depth=1).feed_audio(frame)) == 1
    with pytest.raises(CodecError, match="exceeds max_frame_bytes=100"):
        FrameReader(max_frame_bytes=100).feed_audio(frame)
    with pytest.raises(CodecError, match="feed_audio needs a bytes-like object, got str"):
        FrameReader().feed_audio("text")  # type: ignore[arg-type]


def test_wide_heads_decode_like_the_generic_path() -> None:
    # ch = 1 as a 1-, 2-, 4- and 8-byte head; pcm length as a 4-byte head
    pcm = samples(2).astype("<i2").tobytes()
    for head in (
        b"\x18\x01",
        b"\x19\x00\x01",
        b"\x1a\x00\x00\x00\x01",
        b"\x1b" + bytes(7) + b"\x01",
    ):
        payload = (
            b"\xa6\x62ch" + head + b"\x62ts\x05\x63pcm\x5a\x00\x00\x00\x04" + pcm
            + b"\x63seq\x01\x64rate\x19\x3e\x80\x64type\x62in"
        )  # fmt: skip
        agree(payload)
        assert not isinstance(fast(payload), str)


uint64 = st.integers(0, 2**64 - 1)


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["in", "out"]),
    seq=uint64,
    rate=uint64,
    ch=st.integers(1, 4),
    nframes=st.integers(0, 40),
    ts=st.integers(-(2**64), 2**64 - 1),
    filler=st.booleans(),
    extra=st.booleans(),
    canonical=st.booleans(),
)
def test_against_cbor2(
    kind: str,
    seq: int,
    rate: int,
    ch: int,
    nframes: int,
    ts: int,
    filler: bool,
    extra: bool,
    canonical: bool,
) -> None:
    pcm = np.arange(nframes * ch, dtype="<i2").tobytes()
    msg: dict[str, Any] = {"type": kind, "seq": seq, "rate": rate, "ch": ch, "pcm": pcm}
    msg["ts" if kind == "in" else "filler"] = ts if kind == "in" else filler
    if extra:
        msg["zz"] = [1]
    payload = cbor2.dumps(msg, canonical=canonical)
    got = fast(payload)
    if rate < 1:
        assert isinstance(got, str)
        assert "'rate' must be an int >= 1" in got
        return
    assert not isinstance(got, str), got
    want: Frame
    if kind == "in":
        want = AudioInputFrame(seq, rate, ch, np.frombuffer(pcm, "<i2"), ts)
    else:
        want = AudioOutputFrame(seq, rate, ch, np.frombuffer(pcm, "<i2"), filler)
    assert same(got, want)
    agree(payload)
