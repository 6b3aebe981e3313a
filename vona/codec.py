"""Native codecs: Opus and Ogg Opus (RFC 6716 / RFC 7845), G.711 mu-law and A-law,
CBOR (RFC 8949), length-prefixed CBOR frames and audio-frame messages."""

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
from vona._native._g711 import MAX_SAMPLES as G711_MAX_SAMPLES
from vona._native._g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from vona._native._ogg import OggOpusReader, OggOpusWriter, ogg_crc32
from vona._native._opus import OpusDecoder, OpusEncoder, frame_sizes, packet_samples_48k

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_FRAME_BYTES",
    "DEFAULT_MAX_ITEMS",
    "G711_MAX_SAMPLES",
    "FrameReader",
    "FrameWriter",
    "OggOpusReader",
    "OggOpusWriter",
    "OpusDecoder",
    "OpusEncoder",
    "alaw_decode",
    "alaw_encode",
    "cbor_dumps",
    "cbor_loads",
    "decode_audio_frame",
    "encode_audio_frame",
    "frame_sizes",
    "ogg_crc32",
    "packet_samples_48k",
    "ulaw_decode",
    "ulaw_encode",
]
