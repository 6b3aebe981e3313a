"""Length-prefixed CBOR frames: a 4-byte big-endian payload length, then one CBOR item.

FrameWriter encodes straight into one buffer with room for the header (no intermediate
bytes object). FrameReader decodes frames that arrive whole directly from the input
(zero copy before the CBOR decode) and gathers split frames in a buffer that never
exceeds max_frame_bytes. Neither object may be used from two threads at once.
"""
from vona._native.argcheck cimport float_arg, int_arg
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_Append
from libc.stdint cimport uint8_t

cimport vona._native.cframing as cf
cimport vona._native.ccbor as ccbor
from vona._native._audio_message cimport decode_audio_payload, put_audio
from vona._native._cbor cimport ENC_STACK_BYTES, Enc, enc_check, enc_init, encode_obj
from vona._native._cbor_decode cimport decode_payload, limits_from_args
from vona._native.cstatus cimport (
    VONA_E_INCOMPLETE,
    VONA_E_LIMIT,
    VONA_E_NOMEM,
    VONA_E_STATE,
    VONA_OK,
    vona_status,
)

from vona._native._audio_message import decode_audio_frame
from vona._native._cbor_decode import DEFAULT_MAX_DEPTH, DEFAULT_MAX_ITEMS
from vona.errors import CodecError, ConfigError, VonaError

DEFAULT_MAX_FRAME_BYTES = 1024 * 1024
MAX_FRAME_BYTES_LIMIT = 0xFFFFFFFF  # VONA_FRAME_MAX_PAYLOAD: the 4-byte header


cdef Py_ssize_t _check_max(Py_ssize_t max_frame_bytes) except -1:
    if max_frame_bytes < 1 or max_frame_bytes > MAX_FRAME_BYTES_LIMIT:
        raise ConfigError(
            f"max_frame_bytes must be in 1..{MAX_FRAME_BYTES_LIMIT}, got {max_frame_bytes}")
    return max_frame_bytes


cdef class FrameWriter:
    """Encode objects as length-prefixed CBOR frames of at most max_frame_bytes payload."""

    cdef readonly Py_ssize_t max_frame_bytes
    cdef Py_ssize_t _max_depth

    def __init__(self, max_frame_bytes=DEFAULT_MAX_FRAME_BYTES, *,
                 max_depth=DEFAULT_MAX_DEPTH):
        cdef Py_ssize_t max_frame_bytes_c = int_arg(max_frame_bytes, "max_frame_bytes", -9223372036854775808, 9223372036854775807)
        cdef Py_ssize_t max_depth_c = int_arg(max_depth, "max_depth", -9223372036854775808, 9223372036854775807)
        self.max_frame_bytes = _check_max(max_frame_bytes_c)
        if max_depth_c < 0 or max_depth_c > 1000:
            raise ConfigError(f"max_depth must be in 0..1000, got {max_depth_c}")
        self._max_depth = max_depth_c

    cdef bytes _finish(self, Enc *e):
        enc_check(e, cf.vona_frame_put_header(
            e.buf.data, e.buf.len - cf.VONA_FRAME_HEADER_BYTES, <size_t>self.max_frame_bytes))
        return PyBytes_FromStringAndSize(<char *>e.buf.data, <Py_ssize_t>e.buf.len)

    def write(self, obj):
        """The frame (header + deterministic CBOR) for obj.

        Raises CodecError if obj cannot be encoded or its encoding exceeds max_frame_bytes.
        """
        cdef Enc e
        cdef uint8_t storage[ENC_STACK_BYTES]
        enc_init(&e, storage, ENC_STACK_BYTES, <size_t>self.max_frame_bytes,
                 cf.VONA_FRAME_HEADER_BYTES, "max_frame_bytes", self._max_depth)
        e.buf.len = cf.VONA_FRAME_HEADER_BYTES
        try:
            encode_obj(&e, obj, 0)
            return self._finish(&e)
        finally:
            ccbor.vona_cbor_buf_free(&e.buf)

    def write_audio(self, frame):
        """The frame for an AudioInputFrame/AudioOutputFrame message (see encode_audio_frame)."""
        cdef Enc e
        cdef uint8_t storage[ENC_STACK_BYTES]
        enc_init(&e, storage, ENC_STACK_BYTES, <size_t>self.max_frame_bytes,
                 cf.VONA_FRAME_HEADER_BYTES, "max_frame_bytes", 2)
        e.buf.len = cf.VONA_FRAME_HEADER_BYTES
        try:
            put_audio(&e, frame)
            return self._finish(&e)
        finally:
            ccbor.vona_cbor_buf_free(&e.buf)


cdef class FrameReader:
    """Split a byte stream into length-prefixed CBOR frames and decode each.

    feed() accepts any split points. A declared length over max_frame_bytes, or a
    payload that is not exactly one valid CBOR item, raises CodecError and leaves the
    reader failed (the frames decoded earlier in that same feed() call are dropped with
    the exception): further feeds raise CodecError until reset().
    """

    cdef cf.vona_frame_reader _r
    cdef ccbor.vona_cbor_limits _limits
    cdef bint _busy
    cdef bint _audio_fast  # the limits admit the audio map shape (depth 1, 13 items)
    cdef object _failure

    def __init__(self, max_frame_bytes=DEFAULT_MAX_FRAME_BYTES, *,
                 max_depth=DEFAULT_MAX_DEPTH, max_items=DEFAULT_MAX_ITEMS):
        cdef Py_ssize_t max_frame_bytes_c = int_arg(max_frame_bytes, "max_frame_bytes", -9223372036854775808, 9223372036854775807)
        cdef Py_ssize_t max_depth_c = int_arg(max_depth, "max_depth", -9223372036854775808, 9223372036854775807)
        cdef Py_ssize_t max_items_c = int_arg(max_items, "max_items", -9223372036854775808, 9223372036854775807)
        _check_max(max_frame_bytes_c)
        limits_from_args(&self._limits, max_depth_c, max_items_c, max_frame_bytes_c)
        self._audio_fast = self._limits.max_depth >= 1 and self._limits.max_items >= 13
        cf.vona_frame_reader_free(&self._r)  # __init__ may run twice
        if cf.vona_frame_reader_init(&self._r, <size_t>max_frame_bytes_c) != VONA_OK:
            raise ConfigError(f"max_frame_bytes {max_frame_bytes_c} is out of range")
        self._failure = None

    def __dealloc__(self):
        cf.vona_frame_reader_free(&self._r)

    @property
    def max_frame_bytes(self):
        return self._r.max_frame

    @property
    def pending_bytes(self):
        """Bytes held towards a frame that is not complete yet."""
        return cf.vona_frame_reader_pending(&self._r)

    @property
    def failed(self):
        """True after a refused frame, until reset()."""
        return self._r.failed != 0

    def reset(self):
        """Drop any partial frame and clear a failure."""
        cf.vona_frame_reader_reset(&self._r)
        self._failure = None

    cdef int _refuse(self, str message) except -1:
        cf.vona_frame_reader_fail(&self._r)
        self._failure = message
        raise CodecError(message)

    cdef object _audio(self, const uint8_t *payload, size_t plen):
        if self._audio_fast:
            frame = decode_audio_payload(payload, plen)
            if frame is not None:
                return frame
        return decode_audio_frame(decode_payload(payload, plen, &self._limits))

    cdef list _feed(self, const uint8_t *data, size_t n, bint audio):
        cdef size_t pos = 0
        cdef const uint8_t *payload
        cdef size_t plen
        cdef vona_status st
        cdef Py_ssize_t index = 0
        out = []
        while True:
            st = cf.vona_frame_reader_next(&self._r, data, n, &pos, &payload, &plen)
            if st == VONA_OK:
                try:
                    if audio:
                        obj = self._audio(payload, plen)
                    else:
                        obj = decode_payload(payload, plen, &self._limits)
                except CodecError as exc:
                    self._refuse(f"frame {index} of this feed: {exc}")
                PyList_Append(out, obj)
                index += 1
            elif st == VONA_E_INCOMPLETE:
                return out
            elif st == VONA_E_LIMIT:
                self._failure = (f"frame length {self._r.bad_len} exceeds "
                                 f"max_frame_bytes={self._r.max_frame}")
                raise CodecError(self._failure)
            elif st == VONA_E_STATE:
                raise CodecError(
                    f"FrameReader failed earlier ({self._failure}); call reset() to reuse it")
            elif st == VONA_E_NOMEM:
                self._failure = f"out of memory for a frame of {self._r.bad_len} bytes"
                raise MemoryError(self._failure)
            else:
                self._refuse(f"frame reader failed (status {st})")

    def feed(self, data):
        """Decode every frame completed by data (bytes-like); returns them in order."""
        return self._feed_any(data, False, "feed")

    def feed_audio(self, data):
        """Like feed, for a stream of audio messages: returns their frames in order.

        Each payload in the exact shape FrameWriter.write_audio writes is read in place
        (no intermediate dict); any other payload goes through the generic decode and
        decode_audio_frame. A payload that is not an audio message raises CodecError and
        fails the reader, as an invalid payload does for feed().
        """
        return self._feed_any(data, True, "feed_audio")

    cdef list _feed_any(self, data, bint audio, str name):
        cdef Py_buffer view
        if self._busy:
            raise VonaError(f"FrameReader.{name} is already running (use one reader per thread)")
        self._busy = True
        try:
            if type(data) is bytes:
                return self._feed(<const uint8_t *>PyBytes_AS_STRING(data),
                                  <size_t>PyBytes_GET_SIZE(data), audio)
            try:
                PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
            except (TypeError, BufferError):
                raise CodecError(
                    f"FrameReader.{name} needs a bytes-like object, got {type(data).__name__}"
                ) from None
            try:
                return self._feed(<const uint8_t *>view.buf, <size_t>view.len, audio)
            finally:
                PyBuffer_Release(&view)
        finally:
            self._busy = False
