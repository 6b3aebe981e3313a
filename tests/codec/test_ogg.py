"""OggOpusWriter / OggOpusReader: page structure checked by a pure-Python parser, round trips
at random split points, corruption, limits, and streams the reader must refuse."""

from __future__ import annotations

import random
import struct
from types import SimpleNamespace

import numpy as np
import pytest

from vona import errors
from vona.codec import OggOpusReader, OggOpusWriter, OpusEncoder, ogg_crc32

# CELT fullband 20 ms mono, one frame: any payload after this TOC has a known duration.
TOC_20MS = 0xF8
SIZES = [1, 2, 3, 254, 255, 256, 509, 510, 511, 765, 1000, 4000, 7650]


def fake_packets(count: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    return [bytes([TOC_20MS]) + rng.randbytes(rng.choice(SIZES) - 1) for _ in range(count)]


def write_all(packets: list[bytes], **kwargs: object) -> bytes:
    w = OggOpusWriter(48000, 1, serial=1234, **kwargs)  # type: ignore[arg-type]
    return b"".join(w.write(p) for p in packets) + w.close()


def read_in_pieces(data: bytes, rng: random.Random, max_piece: int, **kw: int) -> tuple:
    r = OggOpusReader(**kw)
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        n = rng.randint(0, max_piece)
        out += r.feed(data[pos : pos + n])
        pos += n
    return r, out


def test_crc_known_answers(oggpy: SimpleNamespace) -> None:
    assert ogg_crc32(b"123456789") == 0x89A1897F == oggpy.crc32(b"123456789")
    assert ogg_crc32(b"") == 0
    data = random.Random(5).randbytes(3000)
    assert ogg_crc32(data) == oggpy.crc32(data)
    assert ogg_crc32(data[1000:], ogg_crc32(data[:1000])) == ogg_crc32(data)


@pytest.mark.parametrize("flush", [True, False])
def test_page_structure(oggpy: SimpleNamespace, flush: bool) -> None:
    packets = fake_packets(100, seed=1)
    data = write_all(packets, flush_every_packet=flush, pre_skip=3840)
    pages = oggpy.parse_pages(data)  # checks capture pattern, version and every CRC
    head, tags = pages[0], pages[1]
    assert head.flags == oggpy.BOS
    assert head.granule == 0
    assert head.lacing == [19]
    assert head.body == oggpy.opus_head(1, 3840, 48000)
    assert tags.flags == 0
    assert tags.granule == 0
    assert tags.body == oggpy.opus_tags(b"vona")
    assert [p.seq for p in pages] == list(range(len(pages)))
    assert {p.serial for p in pages} == {1234}
    assert pages[-1].flags & oggpy.EOS
    assert not any(p.flags & oggpy.EOS for p in pages[:-1])
    assert not any(p.flags & oggpy.BOS for p in pages[1:])
    assert oggpy.packets_of(pages[2:]) == packets
    # Granule positions: 48 kHz samples of every packet completed so far; -1 if none ends.
    done, total = 0, 0
    for page in pages[2:]:
        ends = sum(1 for seg in page.lacing if seg < 255)
        done += ends
        total = 960 * done
        assert page.granule == (total if ends else -1)
    if flush:
        assert len(pages) == 2 + len(packets) + 1  # one page per packet, then an empty EOS page
        # Empty, so no packet ends on it: granule -1 (what opusinfo expects).
        assert pages[-1].lacing == []
        assert pages[-1].granule == -1
    else:
        assert len(pages) < 2 + len(packets) // 2
        for page in pages[2:]:
            assert len(page.lacing) <= 255
            assert len(page.body) < 4096 + 255
        assert any(p.flags & oggpy.CONTINUED for p in pages)


def test_lacing_of_exact_multiples_of_255(oggpy: SimpleNamespace) -> None:
    packets = [bytes([TOC_20MS]) + bytes(n - 1) for n in (255, 510, 1)]
    pages = oggpy.parse_pages(write_all(packets))
    assert pages[2].lacing == [255, 0]
    assert pages[3].lacing == [255, 255, 0]
    assert pages[4].lacing == [1]


@pytest.mark.parametrize("flush", [True, False])
@pytest.mark.parametrize("max_piece", [1, 2, 7, 300, 70_000])
def test_round_trip_random_splits(flush: bool, max_piece: int) -> None:
    packets = fake_packets(120 if max_piece > 2 else 25, seed=max_piece)
    data = write_all(packets, flush_every_packet=flush, pre_skip=100)
    r, out = read_in_pieces(data, random.Random(max_piece), max_piece)
    assert out == packets
    assert (r.channels, r.pre_skip, r.input_sample_rate, r.output_gain) == (1, 100, 48000, 0)
    assert r.eos
    assert r.granule_position == 960 * len(packets)
    assert r.corrupt_pages == 0
    assert r.lost_packets == 0


def test_small_page_target_splits_packets(oggpy: SimpleNamespace) -> None:
    packets = fake_packets(40, seed=9)
    data = write_all(packets, flush_every_packet=False, page_target_bytes=255)
    pages = oggpy.parse_pages(data)
    assert sum(1 for p in pages if p.flags & oggpy.CONTINUED) > 5
    assert OggOpusReader().feed(data) == packets


def test_real_opus_and_writer_properties(make_tone: object) -> None:
    enc = OpusEncoder(16000, 2)
    w = OggOpusWriter(16000, 2, pre_skip=enc.lookahead * 3)
    pcm = make_tone(320 * 10, 2, rate=16000)  # type: ignore[operator]
    packets = [enc.encode(pcm[i * 640 : (i + 1) * 640]) for i in range(10)]
    first = w.write(packets[0])
    assert first.startswith(b"OggS")
    assert first.count(b"OggS") == 3
    data = first + b"".join(w.write(p) for p in packets[1:]) + w.close()
    assert w.granule_position == 9600
    assert w.pages_written == 13
    assert w.close() == b""
    with pytest.raises(errors.CodecError, match="after close"):
        w.write(packets[0])
    r = OggOpusReader()
    assert r.channels is None
    assert r.granule_position == -1
    assert not r.headers_read
    assert r.feed(data) == packets
    assert (r.channels, r.pre_skip, r.input_sample_rate) == (2, enc.lookahead * 3, 16000)


def test_writer_rejects_bad_packets_and_config() -> None:
    w = OggOpusWriter(48000, 1)
    with pytest.raises(errors.CodecError, match="empty"):
        w.write(b"")
    with pytest.raises(errors.CodecError, match="7650"):
        w.write(bytes([TOC_20MS]) * 7651)
    with pytest.raises(errors.CodecError, match="libopus"):
        w.write(b"\x03")  # code 3 without the frame count byte
    assert w.pages_written == 0  # nothing was emitted for refused packets
    for kwargs in [
        {"channels": 3},
        {"pre_skip": -1},
        {"serial": 1 << 32},
        {"page_target_bytes": 10},
    ]:
        args = {"sample_rate": 48000, "channels": 1} | kwargs
        with pytest.raises(errors.ConfigError):
            OggOpusWriter(**args)  # type: ignore[arg-type]
    with pytest.raises(errors.ConfigError):
        OggOpusReader(max_page_bytes=10)


def test_empty_stream_has_headers_and_eos(oggpy: SimpleNamespace) -> None:
    w = OggOpusWriter(24000, 2, serial=5)
    pages = oggpy.parse_pages(w.close())
    assert len(pages) == 3
    assert pages[2].flags == oggpy.EOS
    assert pages[2].granule == -1
    r = OggOpusReader()
    assert r.feed(b"".join(p.raw for p in pages)) == []
    assert r.eos
    assert r.channels == 2


def test_corrupt_page_is_skipped_and_counted() -> None:
    packets = fake_packets(60, seed=3)
    data = bytearray(write_all(packets))
    # Damage the 11th page's body: that page is dropped, the rest reads.
    pos = -1
    for _ in range(12):
        pos = data.index(b"OggS", pos + 1)
    data[pos + 40] ^= 0xFF
    r, out = read_in_pieces(bytes(data), random.Random(1), 500)
    assert r.corrupt_pages == 1
    assert r.eos
    assert len(out) == 59
    assert packets[9] not in out


@pytest.mark.parametrize("where", ["crc", "version", "junk-before", "junk-between"])
def test_resync_after_damage(where: str) -> None:
    packets = fake_packets(30, seed=4)
    data = bytearray(write_all(packets))
    third = data.index(b"OggS", data.index(b"OggS", 1) + 1)
    if where == "crc":
        data[third + 22] ^= 1
    elif where == "version":
        data[third + 4] = 1
    elif where == "junk-before":
        data[0:0] = b"garbage OggS OgOgg"
    else:
        data[third:third] = b"Og\x00OggS\xff" * 3
    r = OggOpusReader()
    out = r.feed(bytes(data))
    assert r.corrupt_pages >= 1
    assert r.eos
    expect = packets[1:] if where in ("crc", "version") else packets
    assert out == expect


def test_truncated_stream_returns_what_is_complete() -> None:
    packets = fake_packets(20, seed=6)
    data = write_all(packets)
    for cut in (0, 1, 26, 27, 47, 48, len(data) // 2, len(data) - 1):
        r = OggOpusReader()
        out = r.feed(data[:cut])
        assert out == packets[: len(out)]
        assert not r.eos
        assert r.corrupt_pages == 0


def test_giant_lacing_and_limits(oggpy: SimpleNamespace) -> None:
    head = oggpy.build_page(oggpy.BOS, 0, 1, 0, [19], oggpy.opus_head(1, 0, 48000))
    tags = oggpy.build_page(0, 0, 1, 1, [20], oggpy.opus_tags(b"test"))
    # 255 segments of 255 bytes: a 65025-byte packet that continues; then its end.
    big = oggpy.build_page(0, -1, 1, 2, [255] * 255, bytes(255 * 255))
    end = oggpy.build_page(oggpy.CONTINUED, 960, 1, 3, [10], bytes(10))
    r = OggOpusReader()
    with pytest.raises(errors.CodecError, match="max_packet_bytes") as info:
        r.feed(head + tags + big + end)
    assert info.value.packets == []  # type: ignore[attr-defined]
    with pytest.raises(errors.CodecError, match="max_packet_bytes"):
        r.feed(b"more")  # the failure is sticky
    r = OggOpusReader(max_packet_bytes=70_000)
    assert r.feed(head + tags + big + end) == [bytes(65035)]
    # A page larger than max_page_bytes counts as corrupt.
    r = OggOpusReader(max_page_bytes=4096)
    assert r.feed(head + tags + big + end) == []
    assert r.corrupt_pages == 1
    assert r.lost_packets == 1  # the tail on the next page is skipped and counted


def test_zero_length_packets_are_returned(oggpy: SimpleNamespace) -> None:
    head = oggpy.build_page(oggpy.BOS, 0, 1, 0, [19], oggpy.opus_head(2, 0, 48000))
    tags = oggpy.build_page(0, 0, 1, 1, [20], oggpy.opus_tags(b"test"))
    audio = oggpy.build_page(oggpy.EOS, 960, 1, 2, [0, 3, 0], b"\xf8ab")
    r = OggOpusReader()
    assert r.feed(head + tags + audio) == [b"", b"\xf8ab", b""]


def test_lost_page_drops_the_split_packet(oggpy: SimpleNamespace) -> None:
    head = oggpy.build_page(oggpy.BOS, 0, 1, 0, [19], oggpy.opus_head(1, 0, 48000))
    tags = oggpy.build_page(0, 0, 1, 1, [20], oggpy.opus_tags(b"test"))
    p1 = oggpy.build_page(0, 960, 1, 2, [5, 255], b"\xf8abcd" + bytes(255))
    p3 = oggpy.build_page(oggpy.CONTINUED, 2880, 1, 4, [7, 2], bytes(7) + b"\xf8z")
    r = OggOpusReader()
    out = r.feed(head + tags + p1 + p3)  # page 3 is missing
    assert out == [b"\xf8abcd", b"\xf8z"]
    assert r.lost_packets == 1


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("tags-first", "beginning-of-stream"),
        ("no-tags", "OpusTags"),
        ("head-twice", "beginning-of-stream flag"),
        ("family-1", "mapping family"),
        ("three-channels", "1 or 2 channels"),
        ("version-16", "major version"),
        ("head-not-alone", "alone on the first page"),
        ("bad-vendor-length", "vendor string"),
        ("eos-in-headers", "end of stream before"),
    ],
)
def test_bad_headers(oggpy: SimpleNamespace, case: str, match: str) -> None:
    def page(flags: int, seq: int, *packets: bytes, serial: int = 1) -> bytes:
        lacing = [v for p in packets for v in oggpy.lacing_for(len(p))]
        return oggpy.build_page(flags, 0, serial, seq, lacing, b"".join(packets))

    head = oggpy.opus_head(1, 0, 48000)
    tags = oggpy.opus_tags()
    audio = page(0, 2, b"\xf8x")
    streams = {
        "tags-first": page(0, 0, tags) + page(oggpy.BOS, 1, head),
        "no-tags": page(oggpy.BOS, 0, head) + audio,
        "head-twice": page(oggpy.BOS, 0, head) + page(oggpy.BOS, 1, head),
        "family-1": page(oggpy.BOS, 0, oggpy.opus_head(1, 0, 48000, family=1) + b"\x01\x00\x00"),
        "three-channels": page(oggpy.BOS, 0, oggpy.opus_head(3, 0, 48000)),
        "version-16": page(oggpy.BOS, 0, b"OpusHead\x10" + head[9:]),
        "head-not-alone": page(oggpy.BOS, 0, head, tags),
        "bad-vendor-length": page(oggpy.BOS, 0, head)
        + page(0, 1, b"OpusTags" + struct.pack("<I", 99) + b"abc\0\0\0\0"),
        "eos-in-headers": page(oggpy.BOS | oggpy.EOS, 0, head),
    }
    with pytest.raises(errors.CodecError, match=match):
        OggOpusReader().feed(streams[case])


def test_chained_and_multiplexed_streams_are_refused() -> None:
    a = write_all(fake_packets(5, seed=7))
    r = OggOpusReader()
    with pytest.raises(errors.CodecError, match="chained Ogg streams") as info:
        r.feed(a + a)
    assert len(info.value.packets) == 5  # type: ignore[attr-defined]
    w1, w2 = OggOpusWriter(48000, 1, serial=1), OggOpusWriter(48000, 1, serial=2)
    p = bytes([TOC_20MS, 1, 2])
    with pytest.raises(errors.CodecError, match="multiplexed Ogg streams"):
        OggOpusReader().feed(w1.write(p) + w2.write(p))


def test_reader_accepts_multi_page_tags(oggpy: SimpleNamespace) -> None:
    tags = oggpy.opus_tags(
        b"v" * 100, tuple(b"K=" + bytes([65 + i % 26]) * 300 for i in range(300))
    )
    packets = fake_packets(10, seed=8)
    data = oggpy.build_stream(packets, tags=tags)
    r = OggOpusReader()
    assert r.feed(data) == packets
    assert r.eos
    with pytest.raises(errors.CodecError, match="max_tags_bytes"):
        OggOpusReader(max_tags_bytes=1000).feed(data)


def test_feed_accepts_buffers() -> None:
    data = write_all(fake_packets(5, seed=2))
    arr = np.frombuffer(data, np.uint8)
    assert OggOpusReader().feed(memoryview(data)) == OggOpusReader().feed(arr)
    assert OggOpusReader().feed(bytearray(data)) == fake_packets(5, seed=2)
