# cython: always_allow_keywords=False, auto_pickle=False, autotestdict=False
"""Reframer: any chunk sizes in, fixed-size int16 frames out (csrc/src/reframe.c)."""
from vona._native.argcheck cimport float_arg, int_arg
from libc.stdint cimport int16_t
from libc.stdlib cimport free, malloc

cimport numpy as cnp

cimport vona._native.audiobuf as ab
cimport vona._native.creframe as c
from vona._native.cstatus cimport VONA_OK, check, vona_status

from vona.errors import ConfigError, VonaError

cnp.import_array()


cdef class Reframer:
    """Cut a stream of interleaved int16 chunks of any size into whole frames.

    ``frame_samples`` is the frame length in samples per channel; each frame returned
    is a new 1-D int16 array of ``frame_samples * channels`` values. Fewer than one
    frame is held back between calls (``pending``). Nothing is dropped or duplicated:
    all frames returned by ``push`` followed by ``flush()`` concatenate to exactly the
    input (plus zero padding at the end with ``pad=True``). Not thread-safe: use one
    Reframer from one thread at a time.
    """

    cdef c.vona_reframe *r
    cdef size_t frame_values
    cdef unsigned _channels

    def __cinit__(self, frame_samples, channels=1):
        cdef Py_ssize_t frame_samples_c = int_arg(frame_samples, "frame_samples", -9223372036854775808, 9223372036854775807)
        cdef unsigned int channels_c = int_arg(channels, "channels", 0, 4294967295)
        if frame_samples_c <= 0 or <size_t>frame_samples_c > c.VONA_REFRAME_MAX_FRAME:
            raise ConfigError(
                f"Reframer frame_samples must be 1..{c.VONA_REFRAME_MAX_FRAME}, got {frame_samples_c}"
            )
        if channels_c == 0 or channels_c > c.VONA_REFRAME_MAX_CHANNELS:
            raise ConfigError(
                f"Reframer channels must be 1..{c.VONA_REFRAME_MAX_CHANNELS}, got {channels_c}"
            )
        check(c.vona_reframe_create(<size_t>frame_samples_c, channels_c, &self.r), "Reframer create")
        self.frame_values = <size_t>frame_samples_c * channels_c
        self._channels = channels_c

    def __init__(self, frame_samples, channels=1):
        """Reframer(frame_samples, channels=1): see the class docstring."""

    def __dealloc__(self):
        c.vona_reframe_destroy(self.r)
        self.r = NULL

    cdef inline c.vona_reframe *_live(self) except NULL:
        if self.r == NULL:
            raise VonaError("Reframer is closed")
        return self.r

    def push(self, chunk):
        """Add a chunk (any length, whole samples); return the frames it completed."""
        cdef c.vona_reframe *r = self._live()
        cdef ab.Samples s
        cdef size_t n, k, i, used = 0, made = 0, consumed = 0
        cdef int16_t *stack_ptrs[8]
        cdef int16_t **ptrs = stack_ptrs
        cdef vona_status st = VONA_OK
        cdef list frames
        ab.get_samples(chunk, cnp.NPY_INT16, &s, False, "chunk")
        try:
            ab.check_channels_multiple(s.n, self._channels, "chunk")
            n = <size_t>s.n // self._channels
            k = c.vona_reframe_frames_after(r, n)
            frames = [None] * k
            if k > 8:
                ptrs = <int16_t **>malloc(k * sizeof(int16_t *))
                if ptrs == NULL:
                    raise MemoryError("Reframer.push: no memory for the frame list")
            try:
                for i in range(k):
                    arr = ab.new_array(<Py_ssize_t>self.frame_values, cnp.NPY_INT16)
                    frames[i] = arr
                    ptrs[i] = <int16_t *>cnp.PyArray_DATA(arr)
                with nogil:
                    # One frame per call: each frame lands in its own array.
                    for i in range(k):
                        st = c.vona_reframe_push(r, <const int16_t *>s.ptr + used * self._channels,
                                                 n - used, ptrs[i], 1, &made, &consumed)
                        if st != VONA_OK:
                            break
                        used += consumed
                    if st == VONA_OK and used < n:
                        st = c.vona_reframe_push(r, <const int16_t *>s.ptr + used * self._channels,
                                                 n - used, NULL, 0, &made, &consumed)
                        used += consumed
            finally:
                if ptrs != stack_ptrs:
                    free(ptrs)
            check(st, "Reframer.push")
        finally:
            ab.release_samples(&s)
        return frames

    def flush(self, bint pad=True):
        """Return what is pending as a last frame and reset.

        ``pad=True`` zero-fills it to a whole frame; ``pad=False`` returns the partial
        frame as it is (shorter). Returns ``[]`` when nothing is pending.
        """
        cdef c.vona_reframe *r = self._live()
        cdef size_t got = 0
        if c.vona_reframe_pending(r) == 0:
            return []
        out = ab.new_array(<Py_ssize_t>self.frame_values, cnp.NPY_INT16)
        check(c.vona_reframe_flush(r, <int16_t *>cnp.PyArray_DATA(out), pad, &got), "Reframer.flush")
        if got * self._channels < self.frame_values:
            out = out[: got * self._channels].copy()
        return [out]

    def reset(self):
        """Drop the pending partial frame."""
        c.vona_reframe_reset(self._live())

    @property
    def pending(self):
        """Samples (per channel) held back until the next push completes a frame."""
        return c.vona_reframe_pending(self._live())

    @property
    def frame_samples(self):
        """Frame length in samples per channel."""
        return c.vona_reframe_frame_samples(self._live())

    @property
    def channels(self):
        return self._channels

    def frames_after(self, n):
        """How many frames pushing n more samples (per channel) would complete."""
        cdef Py_ssize_t n_c = int_arg(n, "n", -9223372036854775808, 9223372036854775807)
        if n_c < 0:
            raise ConfigError(f"frames_after(n) needs n >= 0, got {n_c}")
        return c.vona_reframe_frames_after(self._live(), <size_t>n_c)

    def close(self):
        """Free the native reframer now. Later calls raise VonaError."""
        c.vona_reframe_destroy(self.r)
        self.r = NULL

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __repr__(self):
        if self.r == NULL:
            return "<Reframer closed>"
        return (
            f"<Reframer frame_samples={c.vona_reframe_frame_samples(self.r)} "
            f"channels={self._channels} pending={c.vona_reframe_pending(self.r)}>"
        )
