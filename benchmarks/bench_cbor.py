"""CBOR and length-prefixed frames: vona.codec against cbor2 (+ struct) in the same run.

The message is the sidecar's audio message, ``{"type", "seq", "rate", "ch", "pcm"}``
with 640 B of pcm (20 ms of 16 kHz mono int16). Targets: at least 5x faster than the
anchor (ratio <= 0.20). cbor2 runs in its default (non-canonical) mode, as a Python user
would call it; Vona always produces the deterministic encoding.

    python benchmarks/bench_cbor.py
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Row, print_table, render, time_ns_per_call, write_section

from vona.codec import (
    FrameReader,
    FrameWriter,
    cbor_dumps,
    cbor_loads,
    decode_audio_frame,
)
from vona.frames import AudioInputFrame

TARGET = "≥5x faster (ratio ≤ 0.20)"
TARGET_RATIO = 0.20


def _row(name: str, vona_ns: float, anchor: str, anchor_ns: float) -> Row:
    row = Row(name, vona_ns, anchor, anchor_ns, TARGET)
    row.met = row.ratio <= TARGET_RATIO
    return row


def rows() -> list[Row]:
    import cbor2

    pcm = np.arange(320, dtype=np.int16).tobytes()
    msg = {"type": "in", "seq": 12345, "rate": 16000, "ch": 1, "pcm": pcm}
    ours = cbor_dumps(msg)
    theirs = cbor2.dumps(msg)
    assert cbor2.loads(ours) == msg
    assert cbor_loads(theirs) == msg

    pack, unpack = struct.Struct(">I").pack, struct.Struct(">I").unpack_from
    writer, reader = FrameWriter(), FrameReader()
    frame = writer.write(msg)

    def c2_frame_encode() -> bytes:
        payload = cbor2.dumps(msg)
        return pack(len(payload)) + payload

    def c2_frame_decode() -> list[object]:
        (n,) = unpack(frame, 0)
        return [cbor2.loads(frame[4 : 4 + n])]

    assert reader.feed(frame) == c2_frame_decode()

    audio = AudioInputFrame(12345, 16000, 1, np.arange(320, dtype=np.int16), 987_654_321)
    audio_frame = writer.write_audio(audio)

    def c2_audio_encode() -> bytes:
        payload = cbor2.dumps(
            {
                "type": "in",
                "seq": audio.sequence,
                "rate": audio.sample_rate_hz,
                "ch": audio.channels,
                "pcm": audio.samples.tobytes(),
                "ts": audio.timestamp_ns,
            }
        )
        return pack(len(payload)) + payload

    def c2_audio_decode() -> AudioInputFrame:
        (n,) = unpack(audio_frame, 0)
        m = cbor2.loads(audio_frame[4 : 4 + n])
        samples = np.frombuffer(m["pcm"], dtype="<i2")
        return AudioInputFrame(m["seq"], m["rate"], m["ch"], samples, m["ts"])

    def vona_audio_decode() -> object:
        return decode_audio_frame(reader.feed(audio_frame)[0])

    def vona_feed_audio() -> object:
        return reader.feed_audio(audio_frame)[0]

    c2_back = c2_audio_decode()
    for ours_back in (vona_audio_decode(), vona_feed_audio()):
        assert isinstance(ours_back, AudioInputFrame)
        assert np.array_equal(ours_back.samples, c2_back.samples)
        assert ours_back.timestamp_ns == c2_back.timestamp_ns

    t = time_ns_per_call
    enc, c2enc = t(lambda: writer.write(msg)), t(c2_frame_encode)
    dec, c2dec = t(lambda: reader.feed(frame)), t(c2_frame_decode)
    aenc, c2aenc = t(lambda: writer.write_audio(audio)), t(c2_audio_encode)
    adec, c2adec = t(vona_audio_decode), t(c2_audio_decode)
    fdec = t(vona_feed_audio)
    return [
        _row(
            "CBOR dumps, audio message (640 B pcm)",
            t(lambda: cbor_dumps(msg)),
            "cbor2.dumps",
            t(lambda: cbor2.dumps(msg)),
        ),
        _row(
            "CBOR loads, audio message (640 B pcm)",
            t(lambda: cbor_loads(ours)),
            "cbor2.loads",
            t(lambda: cbor2.loads(theirs)),
        ),
        _row("frame encode (FrameWriter.write)", enc, "cbor2.dumps + struct", c2enc),
        _row("frame decode (FrameReader.feed)", dec, "struct + cbor2.loads", c2dec),
        _row("frame encode + decode", enc + dec, "cbor2 + struct", c2enc + c2dec),
        _row(
            "AudioInputFrame -> frame (write_audio)",
            aenc,
            "dict + tobytes + cbor2 + struct",
            c2aenc,
        ),
        _row(
            "frame -> AudioInputFrame (feed + decode_audio_frame)",
            adec,
            "struct + cbor2 + frombuffer",
            c2adec,
        ),
        _row(
            "frame -> AudioInputFrame (feed_audio)",
            fdec,
            "struct + cbor2 + frombuffer",
            c2adec,
        ),
        _row(
            "AudioInputFrame round trip (write_audio + feed_audio)",
            aenc + fdec,
            "cbor2 + struct + frombuffer",
            c2aenc + c2adec,
        ),
    ]


def main() -> None:
    result = rows()
    print_table("CBOR and length-prefixed frames", result)
    write_section(
        "cbor",
        "CBOR and length-prefixed frames (vona.codec vs cbor2)",
        "Message: `{type, seq, rate, ch, pcm}` with 640 B pcm (20 ms, 16 kHz mono). "
        "cbor2 in its default mode; Vona's output is the RFC 8949 deterministic encoding.\n\n"
        + render(result),
    )


if __name__ == "__main__":
    main()
