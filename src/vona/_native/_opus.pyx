# cython: auto_pickle=False, autotestdict=False, binding=True
"""Opus encoder and decoder over libopus (csrc/src/opus_codec.c).

Each object owns one libopus state: share it between threads only with your own lock
(a second thread entering while the first is inside raises VonaError instead of racing).
Encoding and decoding run with the GIL released.
"""
from vona._native.argcheck cimport float_arg, int_arg
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdint cimport int16_t, int32_t, uint8_t

cimport numpy as cnp

cimport vona._native.cvona_opus as c
from vona._native.cbuffer cimport ByteView, release_bytes, view_bytes
from vona._native.cvona_opus cimport check_opus
from vona._native.cstatus cimport vona_status

import numpy as np

from vona import errors

cnp.import_array()

MAX_PACKET_BYTES = c.VONA_OPUS_MAX_PACKET_BYTES
SAMPLE_RATES = (8000, 12000, 16000, 24000, 48000)
FRAME_MS = (2.5, 5.0, 10.0, 20.0, 40.0, 60.0, 80.0, 100.0, 120.0)
_APPLICATIONS = {
    "voip": c.VONA_OPUS_APP_VOIP,
    "audio": c.VONA_OPUS_APP_AUDIO,
    "lowdelay": c.VONA_OPUS_APP_LOWDELAY,
}
_OPUS_AUTO = -1000
_OPUS_BITRATE_MAX = -1


def frame_sizes(sample_rate):
    """Frame lengths (samples per channel) Opus accepts at sample_rate, 2.5 ms to 120 ms."""
    cdef int sample_rate_c = int_arg(sample_rate, "sample_rate", -2147483648, 2147483647)
    _check_rate(sample_rate_c)
    return tuple(int(sample_rate_c * ms) // 1000 for ms in FRAME_MS)


cdef int _check_rate(int sample_rate) except -1:
    if not c.vona_opus_rate_ok(sample_rate):
        raise errors.ConfigError(
            f"Opus sample_rate must be one of {SAMPLE_RATES}, got {sample_rate}")
    return 0


cdef int _check_channels(int channels) except -1:
    if channels != 1 and channels != 2:
        raise errors.ConfigError(f"Opus channels must be 1 or 2, got {channels}")
    return 0


cdef str _sizes_text(int sample_rate):
    return ", ".join(
        f"{n} ({ms:g} ms)" for n, ms in zip(frame_sizes(sample_rate), FRAME_MS))


cdef object _pcm_array(object frame, int channels):
    """frame as a C-contiguous 1-D int16 array (interleaved), or a friendly error."""
    arr = np.asarray(frame)
    if arr.dtype != np.int16:
        raise errors.AudioFormatError(f"Opus encode expects int16 PCM, got dtype {arr.dtype}")
    if arr.ndim == 2 and arr.shape[1] == channels:
        return np.ascontiguousarray(arr).reshape(-1)
    if arr.ndim != 1:
        raise errors.AudioFormatError(
            f"Opus encode expects interleaved 1-D int16 PCM (or shape (n, {channels})), "
            f"got shape {arr.shape}")
    return np.ascontiguousarray(arr)


cdef class OpusEncoder:
    """Encode int16 PCM frames to Opus packets.

    ``application`` is "voip", "audio" or "lowdelay". ``bitrate`` in bit/s (None = libopus's
    automatic choice, "max" = as high as allowed), ``complexity`` 0..10, ``fec`` enables
    in-band forward error correction, ``dtx`` discontinuous transmission and
    ``packet_loss_perc`` tells the encoder how much loss to expect (0..100).
    """

    cdef c.vona_opus_encoder *_enc
    cdef readonly int sample_rate
    cdef readonly int channels
    cdef readonly str application
    cdef bint _busy
    cdef uint8_t _out[c.VONA_OPUS_MAX_PACKET_BYTES]

    def __cinit__(self):
        self._enc = NULL
        self._busy = False

    def __init__(self, sample_rate, channels, application="voip", bitrate=None,
                 complexity=None, *, fec=False, dtx=False, packet_loss_perc=0):
        cdef int sample_rate_c = int_arg(sample_rate, "sample_rate", -2147483648, 2147483647)
        cdef int channels_c = int_arg(channels, "channels", -2147483648, 2147483647)
        _check_rate(sample_rate_c)
        _check_channels(channels_c)
        if application not in _APPLICATIONS:
            raise errors.ConfigError(
                f"Opus application must be one of {tuple(_APPLICATIONS)}, got {application!r}")
        if self._enc != NULL:
            raise errors.VonaError("OpusEncoder.__init__ called twice")
        cdef int oerr = 0
        cdef vona_status st = c.vona_opus_encoder_create(
            &self._enc, sample_rate_c, channels_c, _APPLICATIONS[application], &oerr)
        check_opus(st, oerr, "creating the Opus encoder")
        self.sample_rate = sample_rate_c
        self.channels = channels_c
        self.application = application
        self.bitrate = bitrate
        if complexity is not None:
            self.complexity = complexity
        self.fec = fec
        self.dtx = dtx
        self.packet_loss_perc = packet_loss_perc

    def __dealloc__(self):
        c.vona_opus_encoder_destroy(self._enc)

    cdef inline int _ready(self) except -1:
        if self._enc == NULL:
            raise errors.VonaError("OpusEncoder is closed")
        if self._busy:
            raise errors.VonaError("OpusEncoder is in use by another thread")
        return 0

    cdef int32_t _get(self, c.vona_opus_setting setting, str name) except? -1:
        self._ready()
        cdef int32_t value = 0
        cdef int oerr = 0
        cdef vona_status _st
        _st = c.vona_opus_encoder_get(self._enc, setting, &value, &oerr)
        check_opus(_st, oerr,
                   f"reading Opus {name}")
        return value

    cdef int _set(self, c.vona_opus_setting setting, int32_t value, str name) except -1:
        self._ready()
        cdef int oerr = 0
        cdef vona_status _st
        _st = c.vona_opus_encoder_set(self._enc, setting, value, &oerr)
        check_opus(_st, oerr,
                   f"setting Opus {name} to {value}")
        return 0

    def encode(self, frame):
        """Encode one frame of interleaved int16 PCM (2.5 to 120 ms) and return the packet."""
        self._ready()
        cdef int ch = self.channels
        cdef cnp.ndarray arr
        if (cnp.PyArray_CheckExact(frame)
                and cnp.PyArray_TYPE(<cnp.ndarray>frame) == cnp.NPY_INT16
                and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>frame)
                and (cnp.PyArray_NDIM(<cnp.ndarray>frame) == 1
                     or (cnp.PyArray_NDIM(<cnp.ndarray>frame) == 2
                         and cnp.PyArray_DIMS(<cnp.ndarray>frame)[1] == ch))):
            arr = <cnp.ndarray>frame
        else:
            arr = _pcm_array(frame, ch)
        cdef Py_ssize_t total = cnp.PyArray_SIZE(arr)
        if total % ch:
            raise errors.AudioFormatError(
                f"Opus encode got {total} samples, not a multiple of {ch} channels")
        cdef int n = <int>(total // ch) if total // ch < 1 << 30 else 0
        if not c.vona_opus_frame_ok(self.sample_rate, n):
            raise errors.CodecError(
                f"Opus cannot encode a frame of {total // ch} samples per channel at "
                f"{self.sample_rate} Hz; allowed frame sizes: {_sizes_text(self.sample_rate)}")
        cdef const int16_t *pcm = <const int16_t *>cnp.PyArray_DATA(arr)
        cdef size_t out_len = 0
        cdef int oerr = 0
        cdef vona_status st
        self._busy = True
        with nogil:
            st = c.vona_opus_encoder_encode(self._enc, pcm, n, self._out,
                                            c.VONA_OPUS_MAX_PACKET_BYTES, &out_len, &oerr)
        self._busy = False
        check_opus(st, oerr, "Opus encode")
        return PyBytes_FromStringAndSize(<char *>self._out, <Py_ssize_t>out_len)

    def reset(self):
        """Forget the encoder's history (start of a new, unrelated stream)."""
        self._ready()
        cdef int oerr = 0
        cdef vona_status _st
        _st = c.vona_opus_encoder_reset(self._enc, &oerr)
        check_opus(_st, oerr, "resetting the encoder")

    def close(self):
        """Free the libopus state now (also done when the object is collected)."""
        if self._busy:
            raise errors.VonaError("OpusEncoder is in use by another thread")
        c.vona_opus_encoder_destroy(self._enc)
        self._enc = NULL

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @property
    def closed(self):
        return self._enc == NULL

    @property
    def bitrate(self):
        """Target bit rate in bit/s (what libopus reports, also when automatic)."""
        return self._get(c.VONA_OPUS_BITRATE, "bitrate")

    @bitrate.setter
    def bitrate(self, value):
        if value is None:
            self._set(c.VONA_OPUS_BITRATE, _OPUS_AUTO, "bitrate")
        elif value == "max":
            self._set(c.VONA_OPUS_BITRATE, _OPUS_BITRATE_MAX, "bitrate")
        elif isinstance(value, int) and not isinstance(value, bool) and 500 <= value <= 512000:
            self._set(c.VONA_OPUS_BITRATE, value, "bitrate")
        else:
            raise errors.ConfigError(
                f"Opus bitrate must be None (auto), 'max' or 500..512000 bit/s, got {value!r}")

    @property
    def complexity(self):
        """Encoder complexity, 0 (fastest) to 10 (best)."""
        return self._get(c.VONA_OPUS_COMPLEXITY, "complexity")

    @complexity.setter
    def complexity(self, value):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
            raise errors.ConfigError(f"Opus complexity must be 0..10, got {value!r}")
        self._set(c.VONA_OPUS_COMPLEXITY, value, "complexity")

    @property
    def fec(self):
        """In-band forward error correction (needs packet_loss_perc > 0 to take effect)."""
        return self._get(c.VONA_OPUS_INBAND_FEC, "inband FEC") != 0

    @fec.setter
    def fec(self, value):
        self._set(c.VONA_OPUS_INBAND_FEC, 1 if value else 0, "inband FEC")

    @property
    def dtx(self):
        """Discontinuous transmission: tiny packets during silence."""
        return self._get(c.VONA_OPUS_DTX, "DTX") != 0

    @dtx.setter
    def dtx(self, value):
        self._set(c.VONA_OPUS_DTX, 1 if value else 0, "DTX")

    @property
    def packet_loss_perc(self):
        """Expected packet loss in percent (0..100); drives how much FEC is spent."""
        return self._get(c.VONA_OPUS_PACKET_LOSS_PERC, "packet loss percentage")

    @packet_loss_perc.setter
    def packet_loss_perc(self, value):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise errors.ConfigError(f"Opus packet_loss_perc must be 0..100, got {value!r}")
        self._set(c.VONA_OPUS_PACKET_LOSS_PERC, value, "packet loss percentage")

    @property
    def vbr(self):
        """Variable bit rate (libopus's default) or constant bit rate when False."""
        return self._get(c.VONA_OPUS_VBR, "VBR") != 0

    @vbr.setter
    def vbr(self, value):
        self._set(c.VONA_OPUS_VBR, 1 if value else 0, "VBR")

    @property
    def lookahead(self):
        """Encoder delay in samples at sample_rate (the Ogg pre-skip, scaled to 48 kHz)."""
        return self._get(c.VONA_OPUS_LOOKAHEAD, "lookahead")

    @property
    def frame_sizes(self):
        """Frame lengths (samples per channel) encode accepts."""
        return frame_sizes(self.sample_rate)


cdef class OpusDecoder:
    """Decode Opus packets to interleaved int16 PCM numpy arrays.

    ``decode(None)`` conceals a lost packet; ``decode(packet, fec=True)`` rebuilds the lost
    packet *before* ``packet`` from its forward error correction data. Both produce
    ``frame_samples`` per channel, by default the length of the last packet decoded
    (for concealment) or of ``packet`` (for FEC); a normal decode takes no frame_samples.
    """

    cdef c.vona_opus_decoder *_dec
    cdef readonly int sample_rate
    cdef readonly int channels
    cdef bint _busy

    def __cinit__(self):
        self._dec = NULL
        self._busy = False

    def __init__(self, sample_rate, channels):
        cdef int sample_rate_c = int_arg(sample_rate, "sample_rate", -2147483648, 2147483647)
        cdef int channels_c = int_arg(channels, "channels", -2147483648, 2147483647)
        _check_rate(sample_rate_c)
        _check_channels(channels_c)
        if self._dec != NULL:
            raise errors.VonaError("OpusDecoder.__init__ called twice")
        cdef int oerr = 0
        cdef vona_status _st
        _st = c.vona_opus_decoder_create(&self._dec, sample_rate_c, channels_c, &oerr)
        check_opus(_st, oerr,
                   "creating the Opus decoder")
        self.sample_rate = sample_rate_c
        self.channels = channels_c

    def __dealloc__(self):
        c.vona_opus_decoder_destroy(self._dec)

    cdef inline int _ready(self) except -1:
        if self._dec == NULL:
            raise errors.VonaError("OpusDecoder is closed")
        if self._busy:
            raise errors.VonaError("OpusDecoder is in use by another thread")
        return 0

    cdef int _conceal_samples(self, object frame_samples) except -1:
        cdef int rate = self.sample_rate
        if frame_samples is None:
            n = c.vona_opus_decoder_last_samples(self._dec)
            return n if n > 0 else rate // 50
        if isinstance(frame_samples, bool) or not isinstance(frame_samples, int) or not (
                0 < frame_samples <= rate // 25 * 3 and frame_samples % (rate // 400) == 0):
            raise errors.CodecError(
                f"frame_samples for concealment or FEC must be a multiple of 2.5 ms "
                f"({rate // 400} samples) up to 120 ms ({rate // 25 * 3}) at {rate} Hz, "
                f"got {frame_samples!r}")
        return frame_samples

    def decode(self, packet, *, bint fec=False, frame_samples=None):
        """Decode one packet (bytes-like) to int16 PCM; None conceals a lost packet."""
        return self._decode_any(packet, fec, frame_samples, False)

    def decode_float(self, packet, *, bint fec=False, frame_samples=None):
        """Like decode, but float32 samples (nominally -1..1) from libopus's float path."""
        return self._decode_any(packet, fec, frame_samples, True)

    cdef object _decode_any(self, object packet, bint fec, object frame_samples, bint as_float):
        self._ready()
        cdef ByteView v
        cdef int n = 0
        if packet is None:
            if fec:
                raise errors.CodecError("decode(None, fec=True): FEC needs the next packet")
            return self._decode(NULL, 0, False, self._conceal_samples(frame_samples), as_float)
        view_bytes(packet, &v)
        try:
            if v.size == 0:
                raise errors.CodecError(
                    "empty Opus packet (a packet has at least its TOC byte); "
                    "pass None to conceal a lost packet")
            if v.size > c.VONA_OPUS_MAX_PACKET_BYTES:
                raise errors.CodecError(
                    f"Opus packet of {v.size} bytes exceeds the {c.VONA_OPUS_MAX_PACKET_BYTES}"
                    f"-byte limit (RFC 6716: 120 ms of 1275-byte frames)")
            if fec and frame_samples is not None:
                n = self._conceal_samples(frame_samples)
            elif frame_samples is not None:
                raise errors.CodecError(
                    "frame_samples applies to concealment (packet None) and FEC decodes only; "
                    "a packet decodes to its own length")
            else:
                n = self._packet_samples(v.data, <size_t>v.size)
            return self._decode(v.data, <size_t>v.size, fec, n, as_float)
        finally:
            release_bytes(&v)

    cdef int _packet_samples(self, const uint8_t *data, size_t length) except -1:
        cdef int n = 0, oerr = 0
        cdef vona_status _st
        _st = c.vona_opus_decoder_packet_samples(self._dec, data, length, &n, &oerr)
        check_opus(_st, oerr,
                   "Opus decode")
        return n

    cdef object _decode(self, const uint8_t *data, size_t length, bint fec, int n,
                        bint as_float):
        """Decode into a new array of exactly n * channels samples (one allocation)."""
        cdef cnp.npy_intp dims = n * self.channels
        cdef cnp.ndarray out = cnp.PyArray_EMPTY(
            1, &dims, cnp.NPY_FLOAT32 if as_float else cnp.NPY_INT16, 0)
        cdef void *pcm = cnp.PyArray_DATA(out)
        cdef int got = 0, oerr = 0
        cdef vona_status st
        self._busy = True
        with nogil:
            if as_float:
                st = c.vona_opus_decoder_decode_float(self._dec, data, length, <float *>pcm, n,
                                                      fec, &got, &oerr)
            else:
                st = c.vona_opus_decoder_decode(self._dec, data, length, <int16_t *>pcm, n, fec,
                                                &got, &oerr)
        self._busy = False
        check_opus(st, oerr, "Opus decode")
        if got != n:
            return out[:got * self.channels]
        return out

    def packet_samples(self, packet):
        """Samples per channel that packet decodes to at this decoder's rate."""
        self._ready()
        cdef ByteView v
        view_bytes(packet, &v)
        try:
            if v.size == 0:
                raise errors.CodecError("empty Opus packet (a packet has at least its TOC byte)")
            return self._packet_samples(v.data, <size_t>v.size)
        finally:
            release_bytes(&v)

    @property
    def last_frame_samples(self):
        """Samples per channel of the last packet decoded (0 before the first)."""
        return c.vona_opus_decoder_last_samples(self._dec) if self._dec != NULL else 0

    def reset(self):
        """Forget the decoder's history (start of a new, unrelated stream)."""
        self._ready()
        cdef int oerr = 0
        cdef vona_status _st
        _st = c.vona_opus_decoder_reset(self._dec, &oerr)
        check_opus(_st, oerr, "resetting the decoder")

    def close(self):
        """Free the libopus state now (also done when the object is collected)."""
        if self._busy:
            raise errors.VonaError("OpusDecoder is in use by another thread")
        c.vona_opus_decoder_destroy(self._dec)
        self._dec = NULL

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @property
    def closed(self):
        return self._dec == NULL


def packet_samples_48k(packet):
    """Samples at 48 kHz that an Opus packet holds, from its TOC (RFC 6716 3.1)."""
    cdef ByteView v
    cdef int n = 0, oerr = 0
    cdef vona_status _st
    view_bytes(packet, &v)
    try:
        if v.size == 0:
            raise errors.CodecError("empty Opus packet (a packet has at least its TOC byte)")
        _st = c.vona_opus_packet_samples_48k(v.data, <size_t>v.size, &n, &oerr)
        check_opus(_st, oerr,
                   "reading the Opus TOC")
    finally:
        release_bytes(&v)
    return n
