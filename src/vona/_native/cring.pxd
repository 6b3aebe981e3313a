# Declarations for csrc/include/vona/ring.h.
from libc.stdint cimport int16_t, uint64_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/ring.h" nogil:
    ctypedef struct vona_ring:
        pass

    ctypedef struct vona_ring_stats:
        uint64_t written
        uint64_t read
        uint64_t dropped
        uint64_t overflows
        uint64_t underflows

    size_t VONA_RING_MAX_VALUES
    unsigned VONA_RING_MAX_CHANNELS

    vona_status vona_ring_create(size_t capacity, unsigned channels, vona_ring **out)
    void vona_ring_destroy(vona_ring *ring)
    size_t vona_ring_capacity(const vona_ring *ring)
    unsigned vona_ring_channels(const vona_ring *ring)
    size_t vona_ring_size(const vona_ring *ring)
    void vona_ring_write(vona_ring *ring, const int16_t *src, size_t n, size_t *accepted)
    void vona_ring_read(vona_ring *ring, int16_t *dst, size_t n, size_t *got)
    void vona_ring_peek(const vona_ring *ring, int16_t *dst, size_t n, size_t *got)
    size_t vona_ring_clear(vona_ring *ring)
    void vona_ring_note_underflow(vona_ring *ring, size_t n)
    void vona_ring_stats_get(const vona_ring *ring, vona_ring_stats *out)
