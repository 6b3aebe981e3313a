# cython: auto_pickle=False, autotestdict=False
"""Streaming resampler binding: argument checks with the GIL, the C call without it."""
cimport numpy as cnp
from libc.stdint cimport int16_t, uint32_t

cimport vona._native.cresample as c
from vona._native.cstatus cimport check, vona_status

import operator

from vona import errors

cnp.import_array()

SUPPORTED_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
QUALITIES = ("low", "hq", "vhq")


def _whole(str name, value):
    """An int-like argument as int, or AudioFormatError naming it."""
    if isinstance(value, bool):
        raise errors.AudioFormatError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise errors.AudioFormatError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}") from None


cdef class Resampler:
    """Streaming sample-rate converter (libsoxr engine, float32 inside).

    ``process(x)`` takes int16 or float32 samples, interleaved: a 1-D array whose
    length is a multiple of ``channels``, or a C-contiguous ``(frames, channels)``
    array; it returns the same dtype and layout. Each call returns every output
    frame completed so far, which at "hq"/"vhq" comes in engine blocks (a 20 ms
    chunk may yield 0 frames, the next one a block); the output is time-aligned
    and identical for any split of the input. ``flush()`` returns the tail so the
    stream totals ``floor(total_in * out_rate / in_rate + 1/2)`` frames, then
    resets. ``delay`` is the number of output frames held inside right now.

    ``low_latency=True`` uses smaller engine blocks: same filter and output, but
    the held-back latency at "hq" drops from up to ~37 ms to ~15 ms and every
    20 ms chunk yields output, for about 1.5x the CPU time.

    One object must not be used from two threads at once (that raises
    VonaError); separate objects run in parallel with the GIL released.
    """

    cdef c.vona_resampler *_r
    cdef readonly int in_rate
    cdef readonly int out_rate
    cdef readonly int channels
    cdef readonly str quality
    cdef readonly bint low_latency
    cdef bint _busy
    cdef int _dtype  # numpy type number of the stream's last chunk (for flush)
    cdef int _ndim  # layout of the stream's last chunk: 1 interleaved, 2 (frames, ch)

    def __cinit__(self, *args, **kwargs):
        self._r = NULL

    def __init__(self, in_rate, out_rate, channels=1, quality="hq", *, low_latency=False):
        in_rate = _whole("in_rate", in_rate)
        out_rate = _whole("out_rate", out_rate)
        channels = _whole("channels", channels)
        if self._r != NULL:
            raise errors.VonaError("Resampler is already initialised")
        if in_rate not in SUPPORTED_RATES:
            raise errors.AudioFormatError(
                f"in_rate {in_rate} Hz is not supported; use one of {SUPPORTED_RATES}")
        if out_rate not in SUPPORTED_RATES:
            raise errors.AudioFormatError(
                f"out_rate {out_rate} Hz is not supported; use one of {SUPPORTED_RATES}")
        if channels not in (1, 2):
            raise errors.AudioFormatError(f"channels must be 1 or 2, got {channels}")
        if not isinstance(quality, str) or quality not in QUALITIES:
            raise errors.ConfigError(f"quality must be one of {QUALITIES}, got {quality!r}")
        cdef c.vona_resample_quality q
        check(c.vona_resampler_quality_parse(quality.encode(), &q), "resampler quality")
        cdef unsigned flags = c.VONA_RESAMPLE_LOW_LATENCY if bool(low_latency) else 0
        check(c.vona_resampler_create_ex(<uint32_t>in_rate, <uint32_t>out_rate,
                                         <uint32_t>channels, q, flags, &self._r),
              f"create resampler {in_rate}->{out_rate} Hz, {channels} ch")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.channels = channels
        self.quality = quality
        self.low_latency = bool(low_latency)
        self._dtype = cnp.NPY_FLOAT32
        self._ndim = 1

    def __dealloc__(self):
        c.vona_resampler_destroy(self._r)
        self._r = NULL

    cdef int _enter(self) except -1:
        if self._r == NULL:
            raise errors.VonaError("Resampler is closed")
        if self._busy:
            raise errors.VonaError("Resampler is in use by another thread; use one per thread")
        self._busy = True
        return 0

    def process(self, x):
        """Resample a chunk; returns an array of the same dtype (possibly empty)."""
        if not isinstance(x, cnp.ndarray):
            raise errors.AudioFormatError(
                f"samples must be a numpy int16 or float32 array, got {type(x).__name__}")
        cdef cnp.ndarray arr = <cnp.ndarray>x
        cdef int typenum = cnp.PyArray_TYPE(arr)
        if typenum != cnp.NPY_INT16 and typenum != cnp.NPY_FLOAT32:
            raise errors.AudioFormatError(
                f"samples must be int16 or float32, got dtype {x.dtype}")
        if not cnp.PyArray_IS_C_CONTIGUOUS(arr):
            raise errors.AudioFormatError("samples must be C-contiguous (use numpy.ascontiguousarray)")
        if not cnp.PyArray_ISNOTSWAPPED(arr):
            raise errors.AudioFormatError(
                f"samples must be in native byte order, got dtype {x.dtype.str}")
        if not cnp.PyArray_ISALIGNED(arr):
            raise errors.AudioFormatError("samples must be aligned (copy with numpy.array(x))")
        cdef int nd = cnp.PyArray_NDIM(arr)
        cdef size_t n = <size_t>cnp.PyArray_SIZE(arr)
        cdef size_t ch = <size_t>self.channels
        if nd == 2:
            if cnp.PyArray_DIM(arr, 1) != self.channels:
                raise errors.AudioFormatError(
                    f"2-D samples must have shape (frames, {self.channels}), got {x.shape}")
        elif nd != 1:
            raise errors.AudioFormatError(f"samples must be 1-D interleaved or 2-D, got {nd}-D")
        if n % ch:
            raise errors.AudioFormatError(
                f"{n} samples is not a whole number of {self.channels}-channel frames")
        self._enter()
        cdef size_t frames = n // ch, need, got = 0
        cdef vona_status st
        cdef cnp.npy_intp dims[2]
        cdef cnp.ndarray out
        try:
            need = c.vona_resampler_max_output(self._r, frames)
            dims[0] = <cnp.npy_intp>(need * ch)
            out = cnp.PyArray_EMPTY(1, dims, typenum, 0)
            if typenum == cnp.NPY_FLOAT32:
                with nogil:
                    st = c.vona_resampler_process_f32(
                        self._r, <const float *>cnp.PyArray_DATA(arr), frames,
                        <float *>cnp.PyArray_DATA(out), need, &got)
            else:
                with nogil:
                    st = c.vona_resampler_process_i16(
                        self._r, <const int16_t *>cnp.PyArray_DATA(arr), frames,
                        <int16_t *>cnp.PyArray_DATA(out), need, &got)
        finally:
            self._busy = False
        check(st, "resample chunk")
        self._dtype = typenum
        self._ndim = nd
        if got != need:
            out = out[:got * ch]
        if nd == 2:
            return out.reshape(got, ch)
        return out

    def flush(self):
        """Return the rest of the stream (dtype and layout of the last chunk) and reset."""
        self._enter()
        cdef size_t need, got = 0
        cdef vona_status st
        cdef cnp.npy_intp dims[1]
        cdef cnp.ndarray out
        cdef int typenum = self._dtype
        try:
            need = c.vona_resampler_max_output(self._r, 0)
            dims[0] = <cnp.npy_intp>(need * <size_t>self.channels)
            out = cnp.PyArray_EMPTY(1, dims, typenum, 0)
            if typenum == cnp.NPY_FLOAT32:
                with nogil:
                    st = c.vona_resampler_flush_f32(self._r, <float *>cnp.PyArray_DATA(out),
                                                    need, &got)
            else:
                with nogil:
                    st = c.vona_resampler_flush_i16(self._r, <int16_t *>cnp.PyArray_DATA(out),
                                                    need, &got)
        finally:
            self._busy = False
        check(st, "flush resampler")
        nd = self._ndim
        self._dtype = cnp.NPY_FLOAT32
        self._ndim = 1
        if nd == 2:
            return out.reshape(got, self.channels)
        return out

    def reset(self):
        """Drop buffered samples and start a new stream.

        Re-initialises the engine (tens to hundreds of microseconds): meant for
        barge-in or a new stream, not for every frame.
        """
        self._enter()
        try:
            st = c.vona_resampler_reset(self._r)
        finally:
            self._busy = False
        self._dtype = cnp.NPY_FLOAT32
        self._ndim = 1
        check(st, "reset resampler")

    @property
    def delay(self):
        """Output frames held inside right now (the stream's current latency)."""
        if self._r == NULL:
            return 0.0
        return c.vona_resampler_delay(self._r)

    def close(self):
        """Free the native resampler now (also done on garbage collection)."""
        if self._busy:
            raise errors.VonaError("Resampler is in use by another thread")
        c.vona_resampler_destroy(self._r)
        self._r = NULL

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __repr__(self):
        return (f"Resampler({self.in_rate}, {self.out_rate}, channels={self.channels}, "
                f"quality={self.quality!r}, low_latency={bool(self.low_latency)})")
