# cython: always_allow_keywords=False, auto_pickle=False, autotestdict=False
"""PCM conversions, channel layout and levels (csrc/src/pcm.c).

Arrays are 1-D, C-contiguous, native-endian; int16 audio uses full scale 32768.
Every function returns new arrays and never modifies its input. The GIL is released
around every kernel, so these may run in parallel from several threads.
"""
from libc.stdint cimport int16_t

cimport numpy as cnp

cimport vona._native.audiobuf as ab
cimport vona._native.cpcm as c
from vona._native.cstatus cimport check, vona_status

from vona.errors import AudioFormatError, ConfigError

cnp.import_array()

MAX_CHANNELS = c.VONA_PCM_MAX_CHANNELS


def to_float32(samples):
    """int16 -> float32, dividing by 32768 (so -32768 -> -1.0)."""
    cdef ab.Samples s
    cdef cnp.ndarray out
    ab.get_samples(samples, cnp.NPY_INT16, &s, False, "samples")
    try:
        out = ab.new_array(s.n, cnp.NPY_FLOAT32)
        with nogil:
            c.vona_pcm_to_float32(<const int16_t *>s.ptr, <float *>cnp.PyArray_DATA(out), s.n)
    finally:
        ab.release_samples(&s)
    return out


def to_int16(samples):
    """float32 -> int16: times 32768, rounded half to even, saturated; NaN -> 0.

    Equals ``numpy.clip(numpy.rint(x * 32768), -32768, 32767)`` for every input
    (under the default floating-point rounding mode).
    """
    cdef ab.Samples s
    cdef cnp.ndarray out
    ab.get_samples(samples, cnp.NPY_FLOAT32, &s, False, "samples")
    try:
        out = ab.new_array(s.n, cnp.NPY_INT16)
        with nogil:
            c.vona_pcm_to_int16(<const float *>s.ptr, <int16_t *>cnp.PyArray_DATA(out), s.n)
    finally:
        ab.release_samples(&s)
    return out


cdef unsigned _channels(object channels) except 0:
    cdef long ch
    try:
        ch = channels
    except (TypeError, OverflowError):
        raise ConfigError(f"channels must be an int in 1..{c.VONA_PCM_MAX_CHANNELS}, got {channels!r}")
    if ch < 1 or ch > c.VONA_PCM_MAX_CHANNELS:
        raise ConfigError(f"channels must be 1..{c.VONA_PCM_MAX_CHANNELS}, got {ch}")
    return <unsigned>ch


def downmix(samples, channels):
    """Interleaved int16 of ``channels`` channels -> mono int16.

    Each output sample is the mean of its frame rounded to nearest, ties to even
    (``numpy.rint(x.reshape(-1, channels).mean(axis=1))``).
    """
    cdef vona_status st
    cdef unsigned ch = _channels(channels)
    cdef ab.Samples s
    cdef cnp.ndarray out
    ab.get_samples(samples, cnp.NPY_INT16, &s, False, "samples")
    try:
        ab.check_channels_multiple(s.n, ch, "samples")
        out = ab.new_array(s.n // ch, cnp.NPY_INT16)
        with nogil:
            st = c.vona_pcm_downmix(<const int16_t *>s.ptr, s.n // ch, ch,
                                    <int16_t *>cnp.PyArray_DATA(out))
        check(st, "downmix")
    finally:
        ab.release_samples(&s)
    return out


def interleave(planes):
    """A sequence of equal-length int16 channel arrays -> one interleaved int16 array."""
    cdef vona_status st
    cdef Py_ssize_t k, nch = len(planes)
    cdef Py_ssize_t frames = 0
    cdef ab.Samples views[64]
    cdef const int16_t *ptrs[64]
    cdef Py_ssize_t held = 0
    cdef cnp.ndarray out
    if nch < 1 or nch > c.VONA_PCM_MAX_CHANNELS:
        raise ConfigError(f"interleave needs 1..{c.VONA_PCM_MAX_CHANNELS} channel arrays, got {nch}")
    try:
        for k in range(nch):
            ab.get_samples(planes[k], cnp.NPY_INT16, &views[k], False, f"planes[{k}]")
            held += 1
            ptrs[k] = <const int16_t *>views[k].ptr
            if k == 0:
                frames = views[0].n
            elif views[k].n != frames:
                raise AudioFormatError(
                    f"interleave needs equal-length channels: planes[0] has {frames} samples, "
                    f"planes[{k}] has {views[k].n}"
                )
        out = ab.new_array(frames * nch, cnp.NPY_INT16)
        with nogil:
            st = c.vona_pcm_interleave(ptrs, <unsigned>nch, frames, <int16_t *>cnp.PyArray_DATA(out))
        check(st, "interleave")
    finally:
        for k in range(held):
            ab.release_samples(&views[k])
    return out


def deinterleave(samples, channels):
    """Interleaved int16 -> a list of ``channels`` contiguous int16 arrays (rows of one block)."""
    cdef vona_status st
    cdef unsigned ch = _channels(channels)
    cdef ab.Samples s
    cdef cnp.ndarray block
    cdef int16_t *ptrs[64]
    cdef Py_ssize_t frames
    cdef unsigned k
    ab.get_samples(samples, cnp.NPY_INT16, &s, False, "samples")
    try:
        ab.check_channels_multiple(s.n, ch, "samples")
        frames = s.n // ch
        block = ab.new_array_2d(ch, frames, cnp.NPY_INT16)
        for k in range(ch):
            ptrs[k] = <int16_t *>cnp.PyArray_DATA(block) + k * frames
        with nogil:
            st = c.vona_pcm_deinterleave(<const int16_t *>s.ptr, ch, frames, ptrs)
        check(st, "deinterleave")
    finally:
        ab.release_samples(&s)
    return list(block)


cdef int _float_or_int(object samples) except -1:
    """NPY_FLOAT32 for float32 arrays, NPY_INT16 otherwise (get_samples then checks)."""
    if isinstance(samples, cnp.ndarray):
        t = cnp.PyArray_TYPE(<cnp.ndarray>samples)
        if t == cnp.NPY_FLOAT32:
            return cnp.NPY_FLOAT32
        if t != cnp.NPY_INT16:
            raise AudioFormatError(f"samples must have dtype int16 or float32, got {samples.dtype}")
    return cnp.NPY_INT16


def gain_db(samples, double db):
    """Scale int16 or float32 audio by ``db`` decibels; same dtype out.

    int16 output is rounded half to even and saturated; float32 is not clipped.
    """
    cdef int t = _float_or_int(samples)
    cdef ab.Samples s
    cdef cnp.ndarray out
    cdef float g = c.vona_pcm_db_to_gain(db)
    ab.get_samples(samples, t, &s, False, "samples")
    try:
        out = ab.new_array(s.n, t)
        with nogil:
            if t == cnp.NPY_FLOAT32:
                c.vona_pcm_gain_float32(<const float *>s.ptr, <float *>cnp.PyArray_DATA(out), s.n, g)
            else:
                c.vona_pcm_gain_int16(<const int16_t *>s.ptr, <int16_t *>cnp.PyArray_DATA(out), s.n, g)
    finally:
        ab.release_samples(&s)
    return out


def db_to_gain(double db):
    """The float32 linear gain that gain_db applies for ``db``."""
    return c.vona_pcm_db_to_gain(db)


def peak_dbfs(samples):
    """Peak level in dBFS (int16 full scale 32768, float32 full scale 1.0); -inf for silence."""
    cdef int t = _float_or_int(samples)
    cdef ab.Samples s
    cdef double r
    ab.get_samples(samples, t, &s, False, "samples")
    try:
        with nogil:
            if t == cnp.NPY_FLOAT32:
                r = c.vona_pcm_peak_dbfs_float32(<const float *>s.ptr, s.n)
            else:
                r = c.vona_pcm_peak_dbfs_int16(<const int16_t *>s.ptr, s.n)
    finally:
        ab.release_samples(&s)
    return r


def rms_dbfs(samples):
    """RMS level in dBFS (int16 full scale 32768, float32 full scale 1.0); -inf for silence."""
    cdef int t = _float_or_int(samples)
    cdef ab.Samples s
    cdef double r
    ab.get_samples(samples, t, &s, False, "samples")
    try:
        with nogil:
            if t == cnp.NPY_FLOAT32:
                r = c.vona_pcm_rms_dbfs_float32(<const float *>s.ptr, s.n)
            else:
                r = c.vona_pcm_rms_dbfs_int16(<const int16_t *>s.ptr, s.n)
    finally:
        ab.release_samples(&s)
    return r
