"""``moshi.server``'s framing and its Ogg Opus audio, on Vona's own codecs.

Every websocket message is binary: one kind byte, then the payload. Audio (``0x01``) is a
continuous Ogg Opus stream per direction and per connection, 24 kHz mono; text (``0x02``)
is a UTF-8 piece of the model's inner monologue.
"""

from __future__ import annotations

import numpy as np

from vona.codec import OggOpusReader, OggOpusWriter, OpusDecoder, OpusEncoder
from vona.errors import CodecError, ConfigError, ProtocolError
from vona.frames import Int16Array

__all__ = [
    "FRAME_SAMPLES",
    "KIND_AUDIO",
    "KIND_COLORED_TEXT",
    "KIND_CONTROL",
    "KIND_ERROR",
    "KIND_HANDSHAKE",
    "KIND_METADATA",
    "KIND_TEXT",
    "KNOWN_UNUSED",
    "PACKET_SAMPLES",
    "SAMPLE_RATE_HZ",
    "OggOpusDownlink",
    "OggOpusUplink",
]

SAMPLE_RATE_HZ = 24_000
FRAME_SAMPLES = 1920  # one Mimi step: 80 ms
PACKET_SAMPLES = 960  # 40 ms Opus packets, as Kyutai's own client sends

KIND_HANDSHAKE = 0x00
KIND_AUDIO = 0x01
KIND_TEXT = 0x02
KIND_CONTROL = 0x03
KIND_METADATA = 0x04
KIND_ERROR = 0x05
KIND_COLORED_TEXT = 0x07
# Defined by the protocol but not used in a full-duplex chat (control, ping, image, codes).
KNOWN_UNUSED = frozenset({0x03, 0x06, 0x08, 0x09})

_AUDIO_PREFIX = bytes([KIND_AUDIO])


class OggOpusUplink:
    """Mic PCM -> ``0x01`` messages: 40 ms Opus packets (the VoIP application, libopus'
    default bitrate, as Kyutai's client), one Ogg page per packet, each flushed at once.
    ``restart()`` begins a new Ogg stream (a new connection)."""

    __slots__ = ("_bitrate", "_encoder", "_pending", "_writer")

    def __init__(self, *, bitrate: int | None = None) -> None:
        if bitrate is not None and not 6_000 <= bitrate <= 510_000:
            raise ConfigError(f"moshi: bitrate must be 6000..510000 bit/s, got {bitrate}")
        self._bitrate = bitrate
        self._encoder = OpusEncoder(SAMPLE_RATE_HZ, 1, "voip", bitrate=bitrate)
        self._writer = self._new_writer()
        self._pending: Int16Array = np.zeros(0, dtype=np.int16)

    def _new_writer(self) -> OggOpusWriter:
        # pre-skip counts 48 kHz samples; the encoder's lookahead is at 24 kHz.
        pre_skip = self._encoder.lookahead * (48_000 // SAMPLE_RATE_HZ)
        return OggOpusWriter(SAMPLE_RATE_HZ, 1, pre_skip=pre_skip, flush_every_packet=True)

    def restart(self) -> None:
        """Start a fresh stream: the next message begins with OpusHead and OpusTags."""
        self._encoder.reset()
        self._writer = self._new_writer()
        self._pending = np.zeros(0, dtype=np.int16)

    def encode(self, samples: Int16Array) -> bytes:
        """The ``0x01`` message for ``samples`` (b"" while under one 40 ms packet)."""
        if self._pending.shape[0]:
            samples = np.concatenate((self._pending, samples))
        whole = samples.shape[0] - samples.shape[0] % PACKET_SAMPLES
        self._pending = samples[whole:].copy()
        if not whole:
            return b""
        encode = self._encoder.encode
        write = self._writer.write
        pages = [_AUDIO_PREFIX]
        for start in range(0, whole, PACKET_SAMPLES):
            pages.append(write(encode(samples[start : start + PACKET_SAMPLES])))
        return b"".join(pages)


class OggOpusDownlink:
    """``0x01`` payloads -> int16 PCM at 24 kHz, the stream's pre-skip removed.

    Junk bytes and corrupt pages raise ``ProtocolError`` (the reader resynchronises, so the
    stream goes on); a structural error (a second stream, headers out of order) also raises
    and audio is ignored until a new stream begins. ``restart()`` expects a new stream.
    """

    __slots__ = ("_broken", "_corrupt", "_decoder", "_reader", "_skip")

    def __init__(self) -> None:
        self._reader = OggOpusReader()
        self._decoder = OpusDecoder(SAMPLE_RATE_HZ, 1)
        self._corrupt = 0
        self._skip: int | None = None
        self._broken = False

    def restart(self) -> None:
        self._reader = OggOpusReader()
        self._decoder.reset()
        self._corrupt = 0
        self._skip = None
        self._broken = False

    def decode(self, payload: bytes) -> Int16Array:
        """PCM decoded from one payload (maybe empty: pages may end mid-packet)."""
        if self._broken:
            if not (payload[:4] == b"OggS" and len(payload) > 5 and payload[5] & 0x02):
                return np.zeros(0, dtype=np.int16)
            self.restart()  # a new stream begins (beginning-of-stream flag)
        reader = self._reader
        try:
            packets = reader.feed(payload)
        except CodecError as exc:
            self._broken = True
            raise ProtocolError(f"moshi: bad Ogg Opus audio: {exc}") from None
        corrupt = reader.corrupt_pages
        if corrupt != self._corrupt:
            self._corrupt = corrupt
            raise ProtocolError(
                f"moshi: bad Ogg Opus audio: {corrupt} corrupt page(s) or junk bytes skipped"
            )
        if not packets:
            return np.zeros(0, dtype=np.int16)
        if self._skip is None:
            self._skip = (reader.pre_skip or 0) * SAMPLE_RATE_HZ // 48_000
        try:
            pcm = [self._decoder.decode(p) for p in packets]
        except CodecError as exc:
            raise ProtocolError(f"moshi: undecodable Opus packet: {exc}") from None
        out = pcm[0] if len(pcm) == 1 else np.concatenate(pcm)
        if self._skip:
            cut = min(self._skip, out.shape[0])
            self._skip -= cut
            out = out[cut:]
        return out
