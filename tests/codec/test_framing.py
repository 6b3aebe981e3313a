"""FrameWriter / FrameReader: length-prefixed CBOR frames, split points, limits, failure."""

from __future__ import annotations

import random
import struct
import threading

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vona.codec import DEFAULT_MAX_FRAME_BYTES, FrameReader, FrameWriter, cbor_dumps
from vona.errors import CodecError, ConfigError, VonaError

MESSAGES: list[object] = [
    {"type": "in", "seq": 1, "rate": 16000, "ch": 1, "pcm": bytes(640)},
    [],
    0,
    "x" * 300,
    {"nested": [1, [2, [3, {"k": None}]]], "f": 1.5},
    b"",
    -(2**64),
]


def frames(objs: list[object], max_frame: int = DEFAULT_MAX_FRAME_BYTES) -> bytes:
    w = FrameWriter(max_frame)
    return b"".join(w.write(o) for o in objs)


def test_layout_is_length_prefix_then_cbor() -> None:
    frame = FrameWriter().write({"a": 1})
    payload = cbor_dumps({"a": 1})
    assert frame == struct.pack(">I", len(payload)) + payload
    assert cbor2.loads(frame[4:]) == {"a": 1}


def test_cbor2_and_struct_frames_decode() -> None:
    stream = b"".join(struct.pack(">I", len(p)) + p for p in map(cbor2.dumps, MESSAGES))
    assert FrameReader().feed(stream) == MESSAGES


def test_whole_stream_and_every_split_point() -> None:
    stream = frames(MESSAGES)
    assert FrameReader().feed(stream) == MESSAGES
    for cut in range(len(stream) + 1):
        r = FrameReader()
        got = r.feed(stream[:cut])
        assert r.pending_bytes == cut - sum(len(FrameWriter().write(m)) for m in got)
        got += r.feed(stream[cut:])
        assert got == MESSAGES
        assert r.pending_bytes == 0


def test_one_byte_at_a_time() -> None:
    stream = frames(MESSAGES)
    r = FrameReader()
    got: list[object] = []
    for i in range(len(stream)):
        got += r.feed(stream[i : i + 1])
    assert got == MESSAGES


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2000), max_size=12), st.randoms())
def test_random_splits(cuts: list[int], rnd: random.Random) -> None:
    msgs = [{"i": i, "pcm": bytes(rnd.randrange(0, 700))} for i in range(rnd.randrange(0, 8))]
    stream = frames(msgs)
    points = sorted({min(c, len(stream)) for c in cuts})
    r = FrameReader()
    got: list[object] = []
    prev = 0
    for p in [*points, len(stream)]:
        got += r.feed(stream[prev:p])
        prev = p
    assert got == msgs
    assert r.pending_bytes == 0


def test_bytes_likes_are_accepted() -> None:
    stream = frames(MESSAGES)
    assert FrameReader().feed(bytearray(stream)) == MESSAGES
    assert FrameReader().feed(memoryview(stream)) == MESSAGES
    with pytest.raises(CodecError, match="bytes-like"):
        FrameReader().feed("text")  # type: ignore[arg-type]


def test_writer_size_limit_edges() -> None:
    w = FrameWriter(10)
    assert len(w.write(b"x" * 9)) == 4 + 10  # 1-byte head + 9: exactly the maximum
    with pytest.raises(CodecError, match="max_frame_bytes=10"):
        w.write(b"x" * 10)
    with pytest.raises(CodecError, match="max_frame_bytes=10"):
        w.write(list(range(20)))
    assert w.max_frame_bytes == 10


def test_reader_size_limit_edges() -> None:
    r = FrameReader(10)
    assert r.feed(FrameWriter(10).write(b"x" * 9)) == [b"x" * 9]
    too_big = struct.pack(">I", 11) + cbor_dumps(b"x" * 10)
    with pytest.raises(CodecError, match="frame length 11 exceeds max_frame_bytes=10"):
        r.feed(too_big)
    assert r.failed


def test_oversized_length_is_refused_from_the_header_alone() -> None:
    r = FrameReader(1024)
    assert r.feed(b"\xff\xff") == []
    assert r.pending_bytes == 2
    with pytest.raises(CodecError, match="frame length 4294967295 exceeds max_frame_bytes=1024"):
        r.feed(b"\xff\xff")  # no payload byte needed: nothing allocated for it
    with pytest.raises(CodecError, match=r"FrameReader failed earlier .*call reset"):
        r.feed(FrameWriter().write(1))
    with pytest.raises(CodecError, match="failed earlier"):
        r.feed(b"")
    r.reset()
    assert not r.failed
    assert r.pending_bytes == 0
    assert r.feed(FrameWriter().write(1)) == [1]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "truncated"),
        (b"\x00\x00", "trailing bytes"),
        (b"\xc1\x00", "CBOR tag 1 is not supported"),
        (b"\x62\xc3\x28", "not valid UTF-8"),
    ],
)
def test_bad_payload_fails_the_reader(payload: bytes, message: str) -> None:
    good = FrameWriter().write("ok")
    r = FrameReader()
    with pytest.raises(CodecError, match=f"frame 1 of this feed: .*{message}"):
        r.feed(good + struct.pack(">I", len(payload)) + payload + good)
    assert r.failed
    with pytest.raises(CodecError, match="failed earlier"):
        r.feed(good)
    r.reset()
    assert r.feed(good) == ["ok"]


def test_reader_limits_apply_per_frame() -> None:
    r = FrameReader(1000, max_depth=2, max_items=5)
    assert r.feed(FrameWriter().write([[1]])) == [[[1]]]
    with pytest.raises(CodecError, match="max_depth=2"):
        r.feed(FrameWriter().write([[[1]]]))
    r.reset()
    with pytest.raises(CodecError, match="max_items=5"):
        r.feed(FrameWriter().write(list(range(5))))


def test_bad_arguments() -> None:
    for bad in (0, -1, 2**32):
        with pytest.raises(ConfigError, match="max_frame_bytes"):
            FrameReader(bad)
        with pytest.raises(ConfigError, match="max_frame_bytes"):
            FrameWriter(bad)
    with pytest.raises(ConfigError, match="max_depth"):
        FrameWriter(100, max_depth=5000)
    assert FrameReader(2**32 - 1).max_frame_bytes == 2**32 - 1


def test_reader_is_not_reentrant_but_threads_with_own_readers_work() -> None:
    stream = frames(MESSAGES) * 20
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                r = FrameReader()
                got: list[object] = []
                for i in range(0, len(stream), 97):
                    got += r.feed(stream[i : i + 97])
                assert got == MESSAGES * 20
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert issubclass(CodecError, VonaError)
