# cython: auto_pickle=False, autotestdict=False, binding=True
"""Ogg Opus (RFC 7845) writer and streaming reader over csrc/src/ogg.c and ogg_reader.c.

Objects are not shared between threads (a second thread entering while the first is inside
raises VonaError instead of racing). Page work runs with the GIL released.
"""
import os

from vona._native.argcheck cimport float_arg, int_arg
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint32_t
from libc.stdlib cimport free, malloc

cimport vona._native.cogg as c
cimport vona._native.cvona_opus as copus
from vona._native.cbuffer cimport ByteView, release_bytes, view_bytes
from vona._native.cstatus cimport VONA_E_STATE, VONA_OK, check, vona_status
from vona._native.cvona_opus cimport check_opus

from vona import errors

MAX_PAGE_BYTES = c.VONA_OGG_MAX_PAGE_BYTES


def ogg_crc32(data, unsigned int crc=0):
    """Ogg's CRC-32 (polynomial 0x04C11DB7, initial 0, unreflected) of a bytes-like object."""
    cdef ByteView v
    cdef uint32_t r = crc
    view_bytes(data, &v)
    try:
        with nogil:
            r = c.vona_ogg_crc32(r, v.data, <size_t>v.size)
    finally:
        release_bytes(&v)
    return r


cdef class OggOpusWriter:
    """Wrap Opus packets in Ogg pages (RFC 7845): ``write(packet)`` returns completed pages.

    The first output starts with the OpusHead and OpusTags header pages. With
    ``flush_every_packet=True`` (realtime) each packet is sent in its own page at once;
    otherwise pages are filled to about ``page_target_bytes``. ``close()`` returns the final
    page, flagged end-of-stream. ``sample_rate`` is the original input rate recorded in
    OpusHead; granule positions always count 48 kHz samples.
    """

    cdef c.vona_ogg_writer *_w
    cdef uint8_t *_out
    cdef size_t _out_cap
    cdef readonly int sample_rate
    cdef readonly int channels
    cdef readonly int pre_skip
    cdef readonly unsigned int serial
    cdef readonly bint flush_every_packet
    cdef bint _busy

    def __cinit__(self):
        self._w = NULL
        self._out = NULL
        self._busy = False

    def __init__(self, sample_rate, channels, *, pre_skip=312,
                 bint flush_every_packet=True, serial=None, output_gain=0,
                 page_target_bytes=c.VONA_OGG_DEFAULT_PAGE_TARGET):
        cdef int sample_rate_c = int_arg(sample_rate, "sample_rate", -2147483648, 2147483647)
        cdef int channels_c = int_arg(channels, "channels", -2147483648, 2147483647)
        cdef int pre_skip_c = int_arg(pre_skip, "pre_skip", -2147483648, 2147483647)
        cdef int output_gain_c = int_arg(output_gain, "output_gain", -2147483648, 2147483647)
        cdef int page_target_bytes_c = int_arg(page_target_bytes, "page_target_bytes", -2147483648, 2147483647)
        if self._w != NULL:
            raise errors.VonaError("OggOpusWriter.__init__ called twice")
        if sample_rate_c <= 0:
            raise errors.ConfigError(f"sample_rate must be positive, got {sample_rate_c}")
        if channels_c != 1 and channels_c != 2:
            raise errors.ConfigError(
                f"channels must be 1 or 2 (Ogg Opus mapping family 0), got {channels_c}")
        if not 0 <= pre_skip_c <= 65535:
            raise errors.ConfigError(f"pre_skip must be 0..65535 samples at 48 kHz, got {pre_skip_c}")
        if not -32768 <= output_gain_c <= 32767:
            raise errors.ConfigError(f"output_gain must be -32768..32767 (Q7.8 dB), got {output_gain_c}")
        if not 255 <= page_target_bytes_c <= 32768:
            raise errors.ConfigError(
                f"page_target_bytes must be 255..32768, got {page_target_bytes_c}")
        if serial is None:
            serial = int.from_bytes(os.urandom(4), "little")
        if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < 1 << 32:
            raise errors.ConfigError(f"serial must be an int in 0..2**32-1, got {serial!r}")
        cdef c.vona_ogg_writer_config cfg
        cfg.serial = serial
        cfg.channels = channels_c
        cfg.input_sample_rate = sample_rate_c
        cfg.pre_skip = pre_skip_c
        cfg.output_gain = output_gain_c
        cfg.flush_every_packet = flush_every_packet
        cfg.page_target_bytes = page_target_bytes_c
        check(c.vona_ogg_writer_create(&self._w, &cfg), "creating the Ogg Opus writer")
        self._out_cap = c.vona_ogg_writer_output_bound(self._w, copus.VONA_OPUS_MAX_PACKET_BYTES)
        self._out = <uint8_t *>malloc(self._out_cap)
        if self._out == NULL:
            raise MemoryError("Ogg Opus writer output buffer")
        self.sample_rate = sample_rate_c
        self.channels = channels_c
        self.pre_skip = pre_skip_c
        self.serial = serial
        self.flush_every_packet = flush_every_packet

    def __dealloc__(self):
        c.vona_ogg_writer_destroy(self._w)
        free(self._out)

    cdef inline int _enter(self) except -1:
        if self._w == NULL:
            raise errors.VonaError("OggOpusWriter is not initialised")
        if self._busy:
            raise errors.VonaError("OggOpusWriter is in use by another thread")
        self._busy = True
        return 0

    def write(self, packet):
        """Add one Opus packet; return the pages it completed (b"" if none yet)."""
        cdef ByteView v
        view_bytes(packet, &v)
        try:
            return self._write(v.data, <size_t>v.size)
        finally:
            release_bytes(&v)

    cdef object _write(self, const uint8_t *data, size_t length):
        if length == 0:
            raise errors.CodecError("empty Opus packet (a packet has at least its TOC byte)")
        if length > copus.VONA_OPUS_MAX_PACKET_BYTES:
            raise errors.CodecError(
                f"Opus packet of {length} bytes exceeds the "
                f"{copus.VONA_OPUS_MAX_PACKET_BYTES}-byte limit")
        self._enter()
        cdef size_t n = 0
        cdef int oerr = 0
        cdef vona_status st
        with nogil:
            st = c.vona_ogg_writer_write(self._w, data, length, self._out, self._out_cap, &n,
                                         &oerr)
        self._busy = False
        if st == VONA_E_STATE:
            raise errors.CodecError("OggOpusWriter.write after close()")
        check_opus(st, oerr, "Ogg Opus write (packet duration from its TOC)")
        return PyBytes_FromStringAndSize(<char *>self._out, <Py_ssize_t>n)

    def close(self):
        """Finish the stream: return the last page (end-of-stream). Later calls return b""."""
        self._enter()
        cdef size_t n = 0
        cdef vona_status st
        with nogil:
            st = c.vona_ogg_writer_close(self._w, self._out, self._out_cap, &n)
        self._busy = False
        check(st, "Ogg Opus close")
        return PyBytes_FromStringAndSize(<char *>self._out, <Py_ssize_t>n)

    @property
    def granule_position(self):
        """48 kHz samples (pre-skip included) of all packets written so far."""
        return c.vona_ogg_writer_granule(self._w)

    @property
    def pages_written(self):
        """Pages emitted so far, header pages included."""
        return c.vona_ogg_writer_pages(self._w)


cdef class OggOpusReader:
    """Read an Ogg Opus stream from bytes split anywhere: ``feed(data)`` returns packets.

    The OpusHead and OpusTags headers are validated and not returned. Pages with a bad CRC
    or a malformed header are skipped (counted in ``corrupt_pages``) and the reader
    resynchronises on the next "OggS". Chained or multiplexed streams, headers out of order
    and packets over ``max_packet_bytes`` raise CodecError; the error is sticky, and the
    packets completed earlier in the same feed are on the exception as ``packets``.
    """

    cdef c.vona_ogg_reader *_r
    cdef bint _busy

    def __cinit__(self):
        self._r = NULL
        self._busy = False

    def __init__(self, max_page_bytes=c.VONA_OGG_MAX_PAGE_BYTES,
                 max_packet_bytes=copus.VONA_OPUS_MAX_PACKET_BYTES,
                 max_tags_bytes=1 << 20):
        cdef int max_page_bytes_c = int_arg(max_page_bytes, "max_page_bytes", -2147483648, 2147483647)
        cdef int max_packet_bytes_c = int_arg(max_packet_bytes, "max_packet_bytes", -2147483648, 2147483647)
        cdef int max_tags_bytes_c = int_arg(max_tags_bytes, "max_tags_bytes", -2147483648, 2147483647)
        if self._r != NULL:
            raise errors.VonaError("OggOpusReader.__init__ called twice")
        if not 64 <= max_page_bytes_c <= c.VONA_OGG_MAX_PAGE_BYTES:
            raise errors.ConfigError(
                f"max_page_bytes must be 64..{c.VONA_OGG_MAX_PAGE_BYTES}, got {max_page_bytes_c}")
        if not 1 <= max_packet_bytes_c <= 1 << 24:
            raise errors.ConfigError(f"max_packet_bytes must be 1..2**24, got {max_packet_bytes_c}")
        if not 20 <= max_tags_bytes_c <= 1 << 24:
            raise errors.ConfigError(f"max_tags_bytes must be 20..2**24, got {max_tags_bytes_c}")
        cdef c.vona_ogg_reader_config cfg
        cfg.max_page_bytes = max_page_bytes_c
        cfg.max_packet_bytes = max_packet_bytes_c
        cfg.max_tags_bytes = max_tags_bytes_c
        check(c.vona_ogg_reader_create(&self._r, &cfg), "creating the Ogg Opus reader")

    def __dealloc__(self):
        c.vona_ogg_reader_destroy(self._r)

    def feed(self, data):
        """Consume bytes; return the audio packets completed (a list of bytes, maybe empty)."""
        if self._r == NULL:
            raise errors.VonaError("OggOpusReader is not initialised")
        if self._busy:
            raise errors.VonaError("OggOpusReader is in use by another thread")
        cdef ByteView v
        view_bytes(data, &v)
        self._busy = True
        try:
            return self._feed(v.data, <size_t>v.size)
        finally:
            self._busy = False
            release_bytes(&v)

    cdef list _feed(self, const uint8_t *base, size_t total):
        cdef size_t off = 0, used = 0, i, count, plen
        cdef const uint8_t *pkt
        cdef vona_status st = VONA_OK
        cdef list packets = []
        while True:
            with nogil:
                st = c.vona_ogg_reader_feed(self._r, base + off, total - off, &used)
            off += used
            if st != VONA_OK:
                break
            count = c.vona_ogg_reader_packet_count(self._r)
            for i in range(count):
                c.vona_ogg_reader_packet(self._r, i, &pkt, &plen)
                packets.append(PyBytes_FromStringAndSize(<const char *>pkt, <Py_ssize_t>plen))
            if off >= total:
                break
        if st != VONA_OK:
            reason = c.vona_ogg_reader_error(self._r).decode()
            try:
                check(st, f"Ogg Opus stream: {reason}" if reason else "Ogg Opus stream")
            except errors.CodecError as exc:
                exc.packets = packets
                raise
        return packets

    cdef const c.vona_ogg_opus_head *_head(self):
        return c.vona_ogg_reader_head(self._r) if self._r != NULL else NULL

    @property
    def headers_read(self):
        """True once OpusHead has been read."""
        return self._head() != NULL

    @property
    def channels(self):
        """Channel count from OpusHead (None until it has been read)."""
        h = self._head()
        return h.channels if h != NULL else None

    @property
    def pre_skip(self):
        """Samples at 48 kHz to drop from the start of the decoded audio (None before OpusHead)."""
        h = self._head()
        return h.pre_skip if h != NULL else None

    @property
    def input_sample_rate(self):
        """The original input rate recorded in OpusHead (informational; None before it)."""
        h = self._head()
        return h.input_sample_rate if h != NULL else None

    @property
    def output_gain(self):
        """Output gain from OpusHead, Q7.8 dB (None before it)."""
        h = self._head()
        return h.output_gain if h != NULL else None

    @property
    def granule_position(self):
        """Granule position (48 kHz samples) of the last page that completed a packet, or -1."""
        return c.vona_ogg_reader_granule(self._r) if self._r != NULL else -1

    @property
    def eos(self):
        """True once the end-of-stream page has been read."""
        return self._r != NULL and c.vona_ogg_reader_eos(self._r) != 0

    @property
    def corrupt_pages(self):
        """How many times bytes were discarded: bad CRCs, malformed pages, junk."""
        return c.vona_ogg_reader_corrupt_pages(self._r) if self._r != NULL else 0

    @property
    def lost_packets(self):
        """Partial packets dropped because a page carrying part of them was lost."""
        return c.vona_ogg_reader_lost_packets(self._r) if self._r != NULL else 0
