"""Audio frames as CBOR messages: layout (checked with cbor2), round trips, one-copy decode,
and refusals."""

from __future__ import annotations

import cbor2
import numpy as np
import pytest

from vona.codec import FrameReader, FrameWriter, decode_audio_frame, encode_audio_frame
from vona.errors import AudioFormatError, CodecError
from vona.frames import AudioInputFrame, AudioOutputFrame


def samples(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-32768, 32768, n, dtype=np.int16)


@pytest.mark.parametrize("n", [0, 1, 159, 160, 161, 320, 960, 48000])
def test_input_frame_round_trip_and_layout(n: int) -> None:
    frame = AudioInputFrame(7, 16000, 1, samples(n), timestamp_ns=123_456_789)
    data = encode_audio_frame(frame)
    assert cbor2.loads(data) == {
        "type": "in",
        "seq": 7,
        "rate": 16000,
        "ch": 1,
        "pcm": frame.samples.astype("<i2").tobytes(),
        "ts": 123_456_789,
    }
    assert data == cbor2.dumps(cbor2.loads(data), canonical=True)  # deterministic key order
    back = decode_audio_frame(data)
    assert isinstance(back, AudioInputFrame)
    assert (back.sequence, back.sample_rate_hz, back.channels, back.timestamp_ns) == (
        7,
        16000,
        1,
        123_456_789,
    )
    assert back.samples.dtype == np.int16
    np.testing.assert_array_equal(back.samples, frame.samples)


@pytest.mark.parametrize("filler", [False, True])
def test_output_frame_round_trip_stereo(filler: bool) -> None:
    frame = AudioOutputFrame(2**40, 48000, 2, samples(1920, 3), is_filler=filler)
    data = encode_audio_frame(frame)
    msg = cbor2.loads(data)
    assert msg["type"] == "out"
    assert msg["filler"] is filler
    assert msg["ch"] == 2
    assert "ts" not in msg
    back = decode_audio_frame(msg)
    assert isinstance(back, AudioOutputFrame)
    assert back.is_filler is filler
    assert back.sequence == 2**40
    np.testing.assert_array_equal(back.samples, frame.samples)


def test_through_frames() -> None:
    w, r = FrameWriter(), FrameReader()
    frames_in = [AudioInputFrame(i, 16000, 1, samples(320, i), i * 20_000_000) for i in range(5)]
    stream = b"".join(w.write_audio(f) for f in frames_in)
    assert stream[4:].startswith(encode_audio_frame(frames_in[0]))
    out = [decode_audio_frame(m) for m in r.feed(stream)]
    for a, b in zip(frames_in, out, strict=True):
        assert isinstance(b, AudioInputFrame)
        assert (a.sequence, a.timestamp_ns) == (b.sequence, b.timestamp_ns)
        np.testing.assert_array_equal(a.samples, b.samples)
    with pytest.raises(CodecError, match="max_frame_bytes=100"):
        FrameWriter(100).write_audio(frames_in[0])


def test_decoded_samples_are_a_read_only_view_of_the_pcm_bytes() -> None:
    msg = cbor2.loads(encode_audio_frame(AudioInputFrame(0, 8000, 1, samples(16))))
    back = decode_audio_frame(msg)
    assert back.samples.base is msg["pcm"]  # no copy beyond the one out of the wire bytes
    assert not back.samples.flags.writeable


def test_non_contiguous_and_byte_swapped_samples_encode_as_little_endian() -> None:
    base = samples(64)
    strided = AudioInputFrame(0, 16000, 1, base[::2])
    swapped = AudioInputFrame(0, 16000, 1, base.astype(">i2"))  # type: ignore[arg-type]
    assert cbor2.loads(encode_audio_frame(strided))["pcm"] == base[::2].astype("<i2").tobytes()
    assert cbor2.loads(encode_audio_frame(swapped))["pcm"] == base.astype("<i2").tobytes()


def test_sidecar_style_messages_decode() -> None:
    pcm = samples(6).astype("<i2").tobytes()
    msg = {"type": "out", "seq": 1, "rate": 24000, "ch": 2, "pcm": pcm, "extra": [1]}
    back = decode_audio_frame(cbor2.dumps(msg))
    assert isinstance(back, AudioOutputFrame)
    assert back.is_filler is False  # optional fields default
    back_in = decode_audio_frame({"type": "in", "seq": 0, "rate": 16000, "ch": 1, "pcm": b""})
    assert isinstance(back_in, AudioInputFrame)
    assert back_in.timestamp_ns == 0


GOOD = {"type": "in", "seq": 1, "rate": 16000, "ch": 1, "pcm": b"\x00\x00", "ts": 5}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "both"}, "'type' must be 'in' or 'out'"),
        ({"type": None}, "'type' must be"),
        ({"seq": -1}, "'seq' must be an int >= 0"),
        ({"seq": 1.0}, "'seq' must be an int"),
        ({"seq": True}, "'seq' must be an int"),
        ({"rate": 0}, "'rate' must be an int >= 1"),
        ({"ch": 0}, "'ch' must be an int >= 1"),
        ({"pcm": "text"}, "'pcm' must be bytes"),
        ({"pcm": b"\x00"}, "not a whole number of int16"),
        ({"ch": 2}, "not a whole number of int16 2-channel"),
        ({"ts": "now"}, "'ts' must be an int"),
    ],
)
def test_bad_messages_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_audio_frame({**GOOD, **change})


@pytest.mark.parametrize("missing", ["type", "seq", "rate", "ch", "pcm"])
def test_missing_fields_are_named(missing: str) -> None:
    msg = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(CodecError, match=f"no '{missing}' field"):
        decode_audio_frame(msg)


def test_not_a_map() -> None:
    with pytest.raises(CodecError, match="must be a CBOR map"):
        decode_audio_frame(cbor2.dumps([1, 2]))
    with pytest.raises(CodecError, match="must be a CBOR map"):
        decode_audio_frame(42)  # type: ignore[arg-type]
    with pytest.raises(CodecError, match="filler"):
        decode_audio_frame({**GOOD, "type": "out", "filler": 1})


def test_bad_frames_are_refused_on_encode() -> None:
    with pytest.raises(AudioFormatError, match="int16 numpy array"):
        encode_audio_frame(AudioInputFrame(0, 16000, 1, np.zeros(4, np.float32)))  # type: ignore[arg-type]
    with pytest.raises(AudioFormatError, match="whole number of 2-channel"):
        encode_audio_frame(AudioOutputFrame(0, 16000, 2, samples(3)))
    with pytest.raises(AudioFormatError, match="sample_rate_hz"):
        encode_audio_frame(AudioOutputFrame(0, 0, 1, samples(3)))
    with pytest.raises(AudioFormatError, match="sequence"):
        encode_audio_frame(AudioOutputFrame("1", 16000, 1, samples(3)))  # type: ignore[arg-type]
    with pytest.raises(AudioFormatError, match="AudioInputFrame or AudioOutputFrame"):
        encode_audio_frame({"type": "in"})  # type: ignore[arg-type]


def test_bytes_in_the_exact_layout_decode_like_their_map() -> None:
    """decode_audio_frame(bytes) reads write_audio's layout with the C parser; the result
    is the frame the decoded map gives, and max_bytes still applies."""
    from vona.codec import cbor_loads

    def fields(f: AudioInputFrame | AudioOutputFrame) -> tuple[object, ...]:
        extra = f.timestamp_ns if isinstance(f, AudioInputFrame) else f.is_filler
        return type(f), f.sequence, f.sample_rate_hz, f.channels, f.samples.tobytes(), extra

    pcm = np.arange(-8, 8, dtype=np.int16)
    frames: list[AudioInputFrame | AudioOutputFrame] = [
        AudioInputFrame(2**64 - 1, 16000, 2, pcm, 2**63),
        AudioOutputFrame(3, 24000, 1, pcm, True),
    ]
    for frame in frames:
        data = encode_audio_frame(frame)
        fast, slow = decode_audio_frame(data), decode_audio_frame(cbor_loads(data))
        assert fields(fast) == fields(slow) == fields(frame)
        assert fast.samples.dtype == np.int16
        assert not fast.samples.flags.writeable
        with pytest.raises(CodecError, match="exceeds max_bytes"):
            decode_audio_frame(data, max_bytes=len(data) - 1)
    # the same message in another key order (as cbor2 writes it) takes the generic path
    other = cbor2.dumps({"type": "in", "seq": 1, "rate": 8000, "ch": 1, "pcm": pcm.tobytes()})
    assert fields(decode_audio_frame(other)) == fields(AudioInputFrame(1, 8000, 1, pcm, 0))
