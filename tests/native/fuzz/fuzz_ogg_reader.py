"""Fuzz OggOpusReader.feed: any bytes, split anywhere, must return packets or raise CodecError.

Input layout: byte 0 picks the split size and whether page CRCs are repaired first (so that
mutated valid streams get past the CRC check and reach header and packet parsing); the rest
is the stream. Run under atheris: ``python fuzz_ogg_reader.py -max_total_time=60``.
"""

from __future__ import annotations

import struct
import sys

from vona.codec import OggOpusReader, OggOpusWriter, ogg_crc32
from vona.errors import CodecError

MAX_PACKET = 4096


def repair_crcs(data: bytes) -> bytes:
    """Recompute the CRC of every complete page-shaped run that starts with "OggS"."""
    buf = bytearray(data)
    pos = buf.find(b"OggS")
    while pos >= 0 and pos + 27 <= len(buf):
        nseg = buf[pos + 26]
        if pos + 27 + nseg <= len(buf):
            size = 27 + nseg + sum(buf[pos + 27 : pos + 27 + nseg])
            if pos + size <= len(buf):
                buf[pos + 22 : pos + 26] = b"\0\0\0\0"
                crc = ogg_crc32(bytes(buf[pos : pos + size]))
                buf[pos + 22 : pos + 26] = struct.pack("<I", crc)
        pos = buf.find(b"OggS", pos + 4)
    return bytes(buf)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    control, stream = data[0], data[1:]
    if control & 0x80:
        stream = repair_crcs(stream)
    split = (control & 0x7F) * 37 + 1
    reader = OggOpusReader(max_page_bytes=8192, max_packet_bytes=MAX_PACKET, max_tags_bytes=2048)
    try:
        for i in range(0, len(stream), split):
            for packet in reader.feed(stream[i : i + split]):
                assert isinstance(packet, bytes)
                assert len(packet) <= MAX_PACKET
    except CodecError as exc:
        if not str(exc):
            raise AssertionError("CodecError without a message") from exc
        try:
            reader.feed(b"OggS")
        except CodecError:
            pass  # sticky, as documented
        else:
            raise AssertionError("a fatal reader error must be sticky") from exc
    assert reader.corrupt_pages >= 0
    assert reader.lost_packets >= 0
    if reader.eos:
        assert reader.headers_read
    if reader.headers_read:
        assert reader.channels in (1, 2)


def seeds() -> list[bytes]:
    """Valid streams (realtime and filled pages) to start mutating from."""
    out = []
    for flush in (True, False):
        w = OggOpusWriter(48000, 2, serial=77, flush_every_packet=flush, page_target_bytes=300)
        packets = [bytes([0xFC]) + bytes([i]) * (i * 40 % 700) for i in range(12)]
        stream = b"".join(w.write(p) for p in packets) + w.close()
        out.append(bytes([0x80 | 3]) + stream)
        out.append(bytes([1]) + stream)
    return out


def main() -> None:
    import atheris

    atheris.instrument_func(TestOneInput)
    atheris.instrument_func(repair_crcs)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
