"""Native codecs: CBOR (RFC 8949), length-prefixed CBOR frames, audio-frame messages."""

from __future__ import annotations

from vona._native._audio_message import decode_audio_frame, encode_audio_frame
from vona._native._cbor import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_ITEMS,
    cbor_dumps,
    cbor_loads,
)
from vona._native._framing import DEFAULT_MAX_FRAME_BYTES, FrameReader, FrameWriter

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_FRAME_BYTES",
    "DEFAULT_MAX_ITEMS",
    "FrameReader",
    "FrameWriter",
    "cbor_dumps",
    "cbor_loads",
    "decode_audio_frame",
    "encode_audio_frame",
]
