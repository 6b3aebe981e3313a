"""Fuzz FrameReader.feed: any byte stream, split anywhere, must yield objects or raise
CodecError; after an error the reader stays failed until reset().

Input layout: byte 0 picks the split size and max_frame_bytes; the rest is the stream.
Frames that come out must equal decoding the same stream parsed by hand (struct + cbor_loads).
Run under atheris: ``python fuzz_frame_reader.py -max_total_time=60``.
"""

from __future__ import annotations

import struct
import sys

from vona.codec import FrameReader, FrameWriter, cbor_dumps, cbor_loads
from vona.errors import CodecError


def seeds() -> list[bytes]:
    w = FrameWriter()
    msgs: list[object] = [
        {"type": "in", "seq": 1, "rate": 16000, "ch": 1, "pcm": bytes(64)},
        [1, 2],
        "x",
        b"",
        None,
        {"a": [1.5, -3]},
    ]
    stream = b"".join(w.write(m) for m in msgs)
    return [bytes([c]) + stream for c in (0x00, 0x13, 0x47, 0xF1)] + [
        b"\x05\x00\x00\x00\x00",
        b"\x05\xff\xff\xff\xff",
        b"\x02\x00\x00\x00\x02\x00\x00",
    ]


def by_hand(stream: bytes, max_frame: int) -> tuple[list[object], bool]:
    """The objects before the first bad frame, and whether a bad frame was met."""
    out: list[object] = []
    pos = 0
    while len(stream) - pos >= 4:
        (n,) = struct.unpack_from(">I", stream, pos)
        if n > max_frame:
            return out, True
        if len(stream) - pos - 4 < n:
            break
        try:
            out.append(cbor_loads(stream[pos + 4 : pos + 4 + n], max_bytes=max(n, 1)))
        except CodecError:
            return out, True
        pos += 4 + n
    return out, False


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    control, stream = data[0], data[1:]
    step = 1 + (control & 0x0F) * 7
    max_frame = 16 << (control >> 4)
    reader = FrameReader(max_frame)
    got: list[object] = []
    failed = False
    for i in range(0, max(len(stream), 1), step):
        try:
            got += reader.feed(stream[i : i + step])
        except CodecError:
            failed = True
            break
    want, bad = by_hand(stream, max_frame)
    assert failed == bad
    if failed:
        assert reader.failed
        try:
            reader.feed(b"")
        except CodecError:
            pass
        else:
            raise AssertionError("a failed reader accepted more input")
        reader.reset()
        assert reader.feed(FrameWriter().write(1)) == [1]
        return
    try:
        assert [cbor_dumps(x) for x in got] == [cbor_dumps(x) for x in want]
    except CodecError:
        assert len(got) == len(want)  # e.g. two NaN keys cannot be re-encoded


def main() -> None:
    import atheris

    atheris.instrument_func(TestOneInput)
    atheris.instrument_func(by_hand)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
