"""Fuzz the audio-frame parser (vona_audio_frame_parse, csrc/src/audio_frame.c) through
decode_audio_frame(bytes) and FrameReader.feed_audio, which try it before the generic path.

Input layout: byte 0 picks max_bytes (bit 0..3) and whether the body is also fed as a
length-prefixed frame split in two (bit 4); the rest is the CBOR message. The parser's
answer must be the generic one (cbor_loads, then decode_audio_frame of the dict): the
same frame, or the same CodecError message. A frame that comes out re-encodes to a
message that decodes to the same frame.
Run under atheris: ``python fuzz_audio_frame.py -max_total_time=60``.
"""

from __future__ import annotations

import struct
import sys

import numpy as np

from vona.codec import FrameReader, cbor_loads, decode_audio_frame, encode_audio_frame
from vona.errors import CodecError
from vona.frames import AudioInputFrame, AudioOutputFrame

Frame = AudioInputFrame | AudioOutputFrame


def seeds() -> list[bytes]:
    pcm = np.arange(-40, 40, dtype=np.int16)
    frames: list[Frame] = [
        AudioInputFrame(1, 16000, 1, pcm, 123456789),
        AudioInputFrame(2**64 - 1, 48000, 2, pcm, 0),
        AudioInputFrame(0, 8000, 1, pcm[:0], 2**40),
        AudioOutputFrame(7, 24000, 1, pcm, True),
        AudioOutputFrame(8, 24000, 4, pcm, False),
    ]
    bodies = [encode_audio_frame(f) for f in frames]
    return [bytes([c]) + b for b in bodies for c in (0x00, 0x1F)] + [
        b"\x10" + bodies[0][:-1],
        b"\x00" + bodies[3].replace(b"\xf5", b"\xf6"),
    ]


def fields(frame: Frame) -> tuple[object, ...]:
    extra = frame.timestamp_ns if isinstance(frame, AudioInputFrame) else frame.is_filler
    return (
        type(frame),
        frame.sequence,
        frame.sample_rate_hz,
        frame.channels,
        frame.samples.dtype.str,
        frame.samples.tobytes(),
        extra,
    )


def outcome(fn: object, *args: object, **kwargs: object) -> tuple[str, object]:
    try:
        frame = fn(*args, **kwargs)  # type: ignore[operator]
    except CodecError as exc:
        return "error", str(exc)
    return "ok", fields(frame)


def generic(body: bytes, max_bytes: int) -> tuple[str, object]:
    """decode_audio_frame(bytes) the generic way, under its own limits (max_depth 2)."""
    try:
        msg = cbor_loads(body, max_depth=2, max_bytes=max_bytes)
    except CodecError as exc:
        return "error", str(exc)
    if type(msg) is not dict:  # (bytes would be decoded a second time)
        return "error", f"an audio message must be a CBOR map, got {type(msg).__name__}"
    return outcome(decode_audio_frame, msg)


def reader_generic(body: bytes) -> tuple[str, object]:
    """FrameReader.feed_audio's generic path: its own limits, then decode_audio_frame of
    whatever the payload decoded to."""
    try:
        msg = cbor_loads(body, max_bytes=len(body))
    except CodecError as exc:
        return "error", str(exc)
    return outcome(decode_audio_frame, msg)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    control, body = data[0], data[1:]
    max_bytes = 1 << (4 + (control & 0x0F))
    got = outcome(decode_audio_frame, body, max_bytes=max_bytes)
    want = generic(body, max_bytes)
    assert got == want, (got, want)
    if got[0] == "ok":
        frame = decode_audio_frame(body)
        assert fields(decode_audio_frame(encode_audio_frame(frame))) == fields(frame)
    if control & 0x10 and body:
        reader = FrameReader(len(body))
        full = reader_generic(body)
        stream = struct.pack(">I", len(body)) + body
        cut = len(stream) // 2
        try:
            frames = reader.feed_audio(stream[:cut]) + reader.feed_audio(stream[cut:])
            seen = ("ok", [fields(f) for f in frames])
        except CodecError as exc:
            seen = ("error", str(exc))
        if full[0] == "ok":
            assert seen == ("ok", [full[1]]), (seen, full)
        else:
            # the reader prefixes the frame's position; the rest is the generic message
            assert seen[0] == "error", (seen, full)
            assert str(seen[1]).endswith(str(full[1])), (seen, full)


def main() -> None:
    import atheris

    for fn in (TestOneInput, generic, reader_generic, outcome):
        atheris.instrument_func(fn)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
