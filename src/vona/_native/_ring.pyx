# cython: always_allow_keywords=False, auto_pickle=False, autotestdict=False
"""RingBuffer: a single-producer single-consumer int16 audio ring (csrc/src/ring.c)."""
from vona._native.argcheck cimport float_arg, int_arg
from libc.stdint cimport int16_t

cimport numpy as cnp

cimport vona._native.audiobuf as ab
cimport vona._native.cring as c
from vona._native.cstatus cimport check

from vona.errors import ConfigError, VonaError

cnp.import_array()


cdef class RingBuffer:
    """Single-producer single-consumer ring of interleaved int16 audio.

    Every count (``capacity``, ``len()``, the value ``write`` returns, ``n`` in ``read``,
    and the counters) is in samples per channel: one unit holds ``channels`` int16
    values. Arrays in and out are 1-D interleaved int16. ``write`` never overwrites
    unread audio: what does not fit is refused and counted in ``overflows``.

    Threads: one producer thread may call ``write``; one consumer thread may call
    ``read``, ``read_into``, ``peek`` and ``clear``. Both release the GIL while copying,
    so the two sides run in parallel. ``len()``, ``capacity`` and the counters may be
    read from any thread. ``close()`` needs both sides idle.

    Invariant: ``written == consumed + dropped + len(ring)``.
    """

    cdef c.vona_ring *ring
    cdef unsigned _channels
    cdef int busy

    def __cinit__(self, capacity, channels=1):
        cdef Py_ssize_t capacity_c = int_arg(capacity, "capacity", -9223372036854775808, 9223372036854775807)
        cdef unsigned int channels_c = int_arg(channels, "channels", 0, 4294967295)
        if capacity_c <= 0:
            raise ConfigError(f"RingBuffer capacity must be > 0 samples, got {capacity_c}")
        if channels_c == 0 or channels_c > c.VONA_RING_MAX_CHANNELS:
            raise ConfigError(
                f"RingBuffer channels must be 1..{c.VONA_RING_MAX_CHANNELS}, got {channels_c}"
            )
        if <size_t>capacity_c > c.VONA_RING_MAX_VALUES // channels_c:
            raise ConfigError(
                f"RingBuffer capacity * channels must be <= {c.VONA_RING_MAX_VALUES} values, "
                f"got {capacity_c} * {channels_c}"
            )
        check(c.vona_ring_create(<size_t>capacity_c, channels_c, &self.ring), "RingBuffer create")
        self._channels = channels_c

    def __init__(self, capacity, channels=1):
        """RingBuffer(capacity, channels=1): see the class docstring."""

    def __dealloc__(self):
        c.vona_ring_destroy(self.ring)
        self.ring = NULL

    cdef inline c.vona_ring *_enter(self) except NULL:
        # The busy count is only touched with the GIL held, so it is exact; it keeps
        # close() from freeing the ring under a call that has released the GIL.
        if self.ring == NULL:
            raise VonaError("RingBuffer is closed")
        self.busy += 1
        return self.ring

    def write(self, buf):
        """Append interleaved int16 samples; return how many samples (per channel) fit.

        The rest is refused (counted in ``overflows``), never overwriting unread audio.
        """
        cdef ab.Samples s
        cdef size_t accepted = 0
        cdef c.vona_ring *ring = self._enter()
        try:
            ab.get_samples(buf, cnp.NPY_INT16, &s, False, "buf")
            try:
                ab.check_channels_multiple(s.n, self._channels, "buf")
                with nogil:
                    c.vona_ring_write(ring, <const int16_t *>s.ptr, s.n // self._channels, &accepted)
            finally:
                ab.release_samples(&s)
        finally:
            self.busy -= 1
        return accepted

    def read(self, n):
        """Remove and return up to n samples (per channel) as a new int16 array.

        A short result adds the shortfall to ``underflows``.
        """
        cdef Py_ssize_t n_c = int_arg(n, "n", -9223372036854775808, 9223372036854775807)
        if n_c < 0:
            raise ConfigError(f"read(n) needs n >= 0, got {n_c}")
        cdef size_t got = 0
        cdef c.vona_ring *ring = self._enter()
        cdef size_t avail = c.vona_ring_size(ring)
        cdef size_t m = <size_t>n_c if <size_t>n_c < avail else avail
        cdef cnp.ndarray out
        try:
            out = ab.new_array(<Py_ssize_t>(m * self._channels), cnp.NPY_INT16)
            with nogil:
                # avail can only grow while we are the consumer, so m are there.
                c.vona_ring_read(ring, <int16_t *>cnp.PyArray_DATA(out), m, &got)
                c.vona_ring_note_underflow(ring, <size_t>n_c - got)
        finally:
            self.busy -= 1
        return out

    def read_into(self, out):
        """Fill the writable int16 array ``out`` from the ring; return samples moved.

        Asks for ``len(out) // channels`` samples; a short read counts as underflow.
        """
        cdef ab.Samples s
        cdef size_t got = 0
        cdef c.vona_ring *ring = self._enter()
        try:
            ab.get_samples(out, cnp.NPY_INT16, &s, True, "out")
            try:
                ab.check_channels_multiple(s.n, self._channels, "out")
                with nogil:
                    c.vona_ring_read(ring, <int16_t *>s.ptr, s.n // self._channels, &got)
            finally:
                ab.release_samples(&s)
        finally:
            self.busy -= 1
        return got

    def peek(self, n):
        """Return a copy of up to n buffered samples (per channel) without consuming."""
        cdef Py_ssize_t n_c = int_arg(n, "n", -9223372036854775808, 9223372036854775807)
        if n_c < 0:
            raise ConfigError(f"peek(n) needs n >= 0, got {n_c}")
        cdef size_t got = 0
        cdef c.vona_ring *ring = self._enter()
        cdef size_t avail = c.vona_ring_size(ring)
        cdef size_t m = <size_t>n_c if <size_t>n_c < avail else avail
        cdef cnp.ndarray out
        try:
            out = ab.new_array(<Py_ssize_t>(m * self._channels), cnp.NPY_INT16)
            with nogil:
                c.vona_ring_peek(ring, <int16_t *>cnp.PyArray_DATA(out), m, &got)
        finally:
            self.busy -= 1
        return out

    def clear(self):
        """Drop everything buffered in O(1); return samples dropped. Consumer side only."""
        cdef c.vona_ring *ring = self._enter()
        cdef size_t n = c.vona_ring_clear(ring)
        self.busy -= 1
        return n

    def close(self):
        """Free the native ring now. Later calls raise VonaError."""
        if self.busy:
            raise VonaError("RingBuffer.close() while another thread is using it")
        c.vona_ring_destroy(self.ring)
        self.ring = NULL

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    cdef inline c.vona_ring *_live(self) except NULL:
        if self.ring == NULL:
            raise VonaError("RingBuffer is closed")
        return self.ring

    def __len__(self):
        return c.vona_ring_size(self._live())

    def len(self):
        """Samples (per channel) buffered now; same as ``len(ring)``."""
        return c.vona_ring_size(self._live())

    @property
    def capacity(self):
        """Samples (per channel) the ring holds when full."""
        return c.vona_ring_capacity(self._live())

    @property
    def channels(self):
        """Interleaved channels per sample."""
        return self._channels

    @property
    def closed(self):
        return self.ring == NULL

    cdef c.vona_ring_stats _stats(self) except *:
        cdef c.vona_ring_stats st
        c.vona_ring_stats_get(self._live(), &st)
        return st

    @property
    def written(self):
        """Samples accepted by write, ever."""
        return self._stats().written

    @property
    def consumed(self):
        """Samples removed by read / read_into, ever."""
        return self._stats().read

    @property
    def dropped(self):
        """Samples discarded by clear, ever."""
        return self._stats().dropped

    @property
    def overflows(self):
        """Samples write refused because the ring was full."""
        return self._stats().overflows

    @property
    def underflows(self):
        """Samples a read asked for beyond what was buffered."""
        return self._stats().underflows

    def stats(self):
        """All counters from one snapshot, as a dict."""
        st = self._stats()
        return {
            "written": st.written,
            "consumed": st.read,
            "dropped": st.dropped,
            "overflows": st.overflows,
            "underflows": st.underflows,
            "buffered": c.vona_ring_size(self.ring),
        }

    def __repr__(self):
        if self.ring == NULL:
            return "<RingBuffer closed>"
        return (
            f"<RingBuffer {c.vona_ring_size(self.ring)}/{c.vona_ring_capacity(self.ring)} "
            f"samples, channels={self._channels}>"
        )
