"""Native codecs: Opus and Ogg Opus (RFC 6716 / RFC 7845)."""

from __future__ import annotations

from vona._native._ogg import OggOpusReader, OggOpusWriter, ogg_crc32
from vona._native._opus import OpusDecoder, OpusEncoder, frame_sizes, packet_samples_48k

__all__ = [
    "OggOpusReader",
    "OggOpusWriter",
    "OpusDecoder",
    "OpusEncoder",
    "frame_sizes",
    "ogg_crc32",
    "packet_samples_48k",
]
