"""Test-only pure-Python Ogg page builder and parser (RFC 3533), independent of csrc/.

Used as an oracle: the CRC is computed bit by bit (no table), pages are built and split
the way opusenc-style tools write them, and parsing checks every header field.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pytest

from vona.testing.oracles import import_opuslib

# opuslib must bind to the libopus Vona links before any test module imports it
import_opuslib()

CONTINUED, BOS, EOS = 0x01, 0x02, 0x04


def _crc_bit_by_bit(value: int) -> int:
    crc = value << 24
    for _ in range(8):
        crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
    return crc & 0xFFFFFFFF


_TABLE = [_crc_bit_by_bit(i) for i in range(256)]


def crc32_bitwise(data: bytes) -> int:
    """Ogg CRC-32: poly 0x04C11DB7, init 0, MSB first, no final xor (table built bit by bit
    here, independently of csrc/)."""
    crc = 0
    table = _TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[(crc >> 24) ^ byte]
    return crc


def build_page(
    flags: int, granule: int, serial: int, seq: int, lacing: list[int], body: bytes
) -> bytes:
    """One page with a correct CRC."""
    assert len(lacing) <= 255
    assert sum(lacing) == len(body)
    head = struct.pack("<4sBBqIII", b"OggS", 0, flags, granule, serial, seq, 0)
    page = head + bytes([len(lacing)]) + bytes(lacing) + body
    crc = crc32_bitwise(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def lacing_for(packet_len: int) -> list[int]:
    """Lacing values of one packet: 255s then the remainder (0 for exact multiples of 255)."""
    return [255] * (packet_len // 255) + [packet_len % 255]


def opus_head(channels: int, pre_skip: int, rate: int, gain: int = 0, family: int = 0) -> bytes:
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, pre_skip, rate, gain, family)


def opus_tags(vendor: bytes = b"test-builder", comments: tuple[bytes, ...] = ()) -> bytes:
    out = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    for c in comments:
        out += struct.pack("<I", len(c)) + c
    return out


def packet_samples_48k(packet: bytes) -> int:
    """Duration from the TOC byte (RFC 6716 3.1), written independently of libopus."""
    toc = packet[0]
    config = toc >> 3
    if config < 12:
        per_frame = (10, 20, 40, 60)[config % 4] * 48
    elif config < 16:
        per_frame = (10, 20)[config % 2] * 48
    else:
        per_frame = (120, 240, 480, 960)[config % 4]
    code = toc & 3
    frames = 1 if code == 0 else 2 if code < 3 else packet[1] & 0x3F
    return per_frame * frames


def build_stream(
    packets: list[bytes],
    *,
    channels: int = 1,
    pre_skip: int = 312,
    rate: int = 48000,
    serial: int = 0x5EED,
    page_target: int = 4096,
    tags: bytes | None = None,
) -> bytes:
    """A whole Ogg Opus stream written like opusenc: header pages, filled data pages split
    at 255 segments or about page_target bytes, granule positions, EOS on the last page."""
    out = [build_page(BOS, 0, serial, 0, [19], opus_head(channels, pre_skip, rate))]
    tags = opus_tags() if tags is None else tags
    seq = 1
    # OpusTags may span pages; it ends its last page.
    tag_lacing = lacing_for(len(tags))
    pos = 0
    first = True
    while tag_lacing:
        chunk, tag_lacing = tag_lacing[:255], tag_lacing[255:]
        body = tags[pos : pos + sum(chunk)]
        pos += len(body)
        out.append(build_page(0 if first else CONTINUED, 0, serial, seq, chunk, body))
        seq += 1
        first = False
    lacing: list[int] = []
    body = b""
    granule = 0
    page_granule = -1
    continued = False
    for index, pkt in enumerate(packets):
        granule += packet_samples_48k(pkt)
        segs = lacing_for(len(pkt))
        off = 0
        for k, seg in enumerate(segs):
            if len(lacing) == 255 or len(body) >= page_target:
                out.append(
                    build_page(
                        CONTINUED if continued else 0, page_granule, serial, seq, lacing, body
                    )
                )
                seq += 1
                continued = k > 0
                lacing, body, page_granule = [], b"", -1
            lacing.append(seg)
            body += pkt[off : off + seg]
            off += seg
        page_granule = granule
        if index == len(packets) - 1:
            flags = (CONTINUED if continued else 0) | EOS
            out.append(build_page(flags, page_granule, serial, seq, lacing, body))
    return b"".join(out)


@dataclass
class Page:
    flags: int
    granule: int
    serial: int
    seq: int
    lacing: list[int]
    body: bytes
    raw: bytes = field(repr=False)


def parse_pages(data: bytes) -> list[Page]:
    """Split a stream into pages, checking capture pattern, version and CRC of each."""
    pages = []
    pos = 0
    while pos < len(data):
        assert data[pos : pos + 4] == b"OggS", f"no capture pattern at {pos}"
        _, version, flags, granule, serial, seq, crc = struct.unpack_from("<4sBBqIII", data, pos)
        assert version == 0
        nseg = data[pos + 26]
        lacing = list(data[pos + 27 : pos + 27 + nseg])
        size = 27 + nseg + sum(lacing)
        raw = data[pos : pos + size]
        assert len(raw) == size, "truncated page"
        assert crc32_bitwise(raw[:22] + b"\0\0\0\0" + raw[26:]) == crc, f"bad CRC at {pos}"
        pages.append(Page(flags, granule, serial, seq, lacing, raw[27 + nseg :], raw))
        pos += size
    return pages


def packets_of(pages: list[Page]) -> list[bytes]:
    """Reassemble packets from pages (header packets included)."""
    packets, partial = [], b""
    for page in pages:
        off = 0
        for seg in page.lacing:
            partial += page.body[off : off + seg]
            off += seg
            if seg < 255:
                packets.append(partial)
                partial = b""
    assert partial == b"", "stream ends inside a packet"
    return packets


def tone(samples: int, channels: int = 1, freq: float = 440.0, rate: int = 48000) -> np.ndarray:
    """Interleaved int16 test signal: a tone plus a little deterministic noise."""
    t = np.arange(samples) / rate
    rng = np.random.default_rng(samples * channels)
    chans = [
        0.4 * np.sin(2 * np.pi * freq * (c + 1) * t) + 0.02 * rng.standard_normal(samples)
        for c in range(channels)
    ]
    return (np.stack(chans, axis=1).reshape(-1) * 32767).astype(np.int16)


@pytest.fixture
def oggpy() -> SimpleNamespace:
    return SimpleNamespace(
        crc32=crc32_bitwise,
        build_page=build_page,
        build_stream=build_stream,
        lacing_for=lacing_for,
        opus_head=opus_head,
        opus_tags=opus_tags,
        parse_pages=parse_pages,
        packets_of=packets_of,
        packet_samples_48k=packet_samples_48k,
        CONTINUED=CONTINUED,
        BOS=BOS,
        EOS=EOS,
    )


@pytest.fixture
def make_tone() -> object:
    return tone
