# cython: auto_pickle=False, autotestdict=False
"""Echo canceller binding: argument checks with the GIL, the C call without it."""
cimport numpy as cnp
from libc.stdint cimport int16_t, uint32_t

cimport vona._native.caec as c
from vona._native.cstatus cimport check, vona_status

import operator

from vona import errors

cnp.import_array()

SUPPORTED_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
MAX_FRAME_MS = c.VONA_AEC_MAX_FRAME_MS
MAX_FILTER_MS = c.VONA_AEC_MAX_FILTER_MS


def _whole(str name, value):
    """An int-like argument as int, or ConfigError naming it."""
    if isinstance(value, bool):
        raise errors.ConfigError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise errors.ConfigError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}") from None


cdef cnp.ndarray _samples(str name, x):
    """x as a C-contiguous native-order 1-D int16 array, or AudioFormatError naming it."""
    if not isinstance(x, cnp.ndarray):
        raise errors.AudioFormatError(
            f"{name} must be a numpy int16 array, got {type(x).__name__}")
    cdef cnp.ndarray arr = <cnp.ndarray>x
    if cnp.PyArray_TYPE(arr) != cnp.NPY_INT16:
        raise errors.AudioFormatError(f"{name} must be int16, got dtype {x.dtype}")
    if cnp.PyArray_NDIM(arr) != 1:
        raise errors.AudioFormatError(f"{name} must be 1-D mono, got shape {x.shape}")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISNOTSWAPPED(arr)
            and cnp.PyArray_ISALIGNED(arr)):
        raise errors.AudioFormatError(
            f"{name} must be contiguous, aligned and in native byte order (numpy.array(x))")
    return arr


cdef class EchoCanceller:
    """Acoustic echo canceller (libspeexdsp adaptive filter + residual echo suppression).

    ``process(near, far)`` takes the microphone's samples and the reference the
    runtime played over the same span (int16 mono, equal lengths, a whole number
    of ``frame_samples`` frames) and returns the microphone with the echo removed.
    ``filter_ms`` bounds the echo path it can learn (delay plus reverb).
    ``noise_suppression=True`` also removes stationary noise. ``echo_gate=True`` also
    mutes frames that hold no more than the predicted echo (a coarse echo model learnt
    in ~300 ms of playback, so it covers the seconds the filter needs to converge; a
    talker 6 dB above the echo passes); the step loop's canceller has it on. The output
    lags the input by ``delay`` samples (one frame: the residual suppressor's overlap-add).

    One object must not be used from two threads at once (that raises VonaError);
    separate objects run in parallel with the GIL released.
    """

    cdef c.vona_aec *_a
    cdef readonly int sample_rate
    cdef readonly int frame_samples
    cdef readonly int filter_samples
    cdef readonly bint noise_suppression
    cdef readonly bint echo_gate
    cdef bint _busy

    def __cinit__(self, *args, **kwargs):
        self._a = NULL

    def __init__(self, sample_rate, frame_samples, *, filter_ms=200, noise_suppression=False,
                 echo_gate=False):
        sample_rate = _whole("sample_rate", sample_rate)
        frame_samples = _whole("frame_samples", frame_samples)
        filter_ms = _whole("filter_ms", filter_ms)
        if self._a != NULL:
            raise errors.VonaError("EchoCanceller is already initialised")
        if sample_rate not in SUPPORTED_RATES:
            raise errors.ConfigError(
                f"sample_rate {sample_rate} Hz is not supported; use one of {SUPPORTED_RATES}")
        if not 0 < frame_samples * 1000 <= MAX_FRAME_MS * sample_rate:
            raise errors.ConfigError(
                f"frame_samples must be 1..{MAX_FRAME_MS * sample_rate // 1000} "
                f"({MAX_FRAME_MS} ms at {sample_rate} Hz), got {frame_samples}")
        filter_samples = filter_ms * sample_rate // 1000
        if filter_samples < frame_samples or filter_ms > MAX_FILTER_MS:
            raise errors.ConfigError(
                f"filter_ms must cover at least one frame and at most {MAX_FILTER_MS} ms, "
                f"got {filter_ms}")
        cdef unsigned flags = c.VONA_AEC_NOISE_SUPPRESSION if bool(noise_suppression) else 0
        if bool(echo_gate):
            flags |= c.VONA_AEC_ECHO_GATE
        check(c.vona_aec_create(<uint32_t>sample_rate, <uint32_t>frame_samples,
                                <uint32_t>filter_samples, flags, &self._a),
              f"create echo canceller {sample_rate} Hz, frame {frame_samples}")
        self.sample_rate = sample_rate
        self.frame_samples = frame_samples
        self.filter_samples = filter_samples
        self.noise_suppression = bool(noise_suppression)
        self.echo_gate = bool(echo_gate)

    def __dealloc__(self):
        c.vona_aec_destroy(self._a)
        self._a = NULL

    cdef int _enter(self) except -1:
        if self._a == NULL:
            raise errors.VonaError("EchoCanceller is closed")
        if self._busy:
            raise errors.VonaError("EchoCanceller is in use by another thread; use one per thread")
        self._busy = True
        return 0

    def process(self, near, far):
        """The near-end samples with the echo of ``far`` removed (a new int16 array)."""
        cdef cnp.ndarray n_arr = _samples("near", near)
        cdef cnp.ndarray f_arr = _samples("far", far)
        cdef size_t n = <size_t>cnp.PyArray_SIZE(n_arr)
        if <size_t>cnp.PyArray_SIZE(f_arr) != n:
            raise errors.AudioFormatError(
                f"far has {cnp.PyArray_SIZE(f_arr)} samples but near has {n}; they must match")
        if n % <size_t>self.frame_samples:
            raise errors.AudioFormatError(
                f"near has {n} samples, not a whole number of {self.frame_samples}-sample frames")
        cdef cnp.npy_intp dims[1]
        dims[0] = <cnp.npy_intp>n
        cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INT16, 0)
        cdef vona_status st
        self._enter()
        try:
            with nogil:
                st = c.vona_aec_process(self._a, <const int16_t *>cnp.PyArray_DATA(n_arr),
                                        <const int16_t *>cnp.PyArray_DATA(f_arr),
                                        <int16_t *>cnp.PyArray_DATA(out), n)
        finally:
            self._busy = False
        check(st, "cancel echo")
        return out

    @property
    def delay(self):
        """Samples the output lags the input by (one frame)."""
        return self.frame_samples

    def reset(self):
        """Forget the learnt echo path (a new call or a new device)."""
        self._enter()
        try:
            st = c.vona_aec_reset(self._a)
        finally:
            self._busy = False
        check(st, "reset echo canceller")

    def close(self):
        """Free the native canceller now (also done on garbage collection)."""
        if self._busy:
            raise errors.VonaError("EchoCanceller is in use by another thread")
        c.vona_aec_destroy(self._a)
        self._a = NULL

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __repr__(self):
        return (f"EchoCanceller({self.sample_rate}, {self.frame_samples}, "
                f"filter_ms={self.filter_samples * 1000 // self.sample_rate}, "
                f"noise_suppression={bool(self.noise_suppression)}, "
                f"echo_gate={bool(self.echo_gate)})")
