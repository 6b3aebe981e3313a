"""Native codecs: Opus and Ogg Opus (RFC 6716 / RFC 7845), CBOR (RFC 8949),
length-prefixed CBOR frames and audio-frame messages."""

from __future__ import annotations

from vona._native._audio_message import decode_audio_frame, encode_audio_frame
from vona._native._cbor import cbor_dumps
from vona._native._cbor_decode import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_ITEMS,
    cbor_loads,
)
from vona._native._framing import DEFAULT_MAX_FRAME_BYTES, FrameReader, FrameWriter
from vona._native._ogg import OggOpusReader, OggOpusWriter, ogg_crc32
from vona._native._opus import OpusDecoder, OpusEncoder, frame_sizes, packet_samples_48k

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_FRAME_BYTES",
    "DEFAULT_MAX_ITEMS",
    "FrameReader",
    "FrameWriter",
    "OggOpusReader",
    "OggOpusWriter",
    "OpusDecoder",
    "OpusEncoder",
    "cbor_dumps",
    "cbor_loads",
    "decode_audio_frame",
    "encode_audio_frame",
    "frame_sizes",
    "ogg_crc32",
    "packet_samples_48k",
]
