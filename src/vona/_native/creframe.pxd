# Declarations for csrc/include/vona/reframe.h.
from libc.stdint cimport int16_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/reframe.h" nogil:
    ctypedef struct vona_reframe:
        pass

    unsigned VONA_REFRAME_MAX_CHANNELS
    size_t VONA_REFRAME_MAX_FRAME

    vona_status vona_reframe_create(size_t frame_samples, unsigned channels, vona_reframe **out)
    void vona_reframe_destroy(vona_reframe *r)
    size_t vona_reframe_frame_samples(const vona_reframe *r)
    unsigned vona_reframe_channels(const vona_reframe *r)
    size_t vona_reframe_pending(const vona_reframe *r)
    size_t vona_reframe_frames_after(const vona_reframe *r, size_t n)
    vona_status vona_reframe_push(vona_reframe *r, const int16_t *src, size_t n, int16_t *out,
                                  size_t max_frames, size_t *frames, size_t *consumed)
    vona_status vona_reframe_flush(vona_reframe *r, int16_t *out, int pad, size_t *samples)
    void vona_reframe_reset(vona_reframe *r)
