# Declarations for csrc/include/vona/aec.h.
from libc.stdint cimport int16_t, uint32_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/aec.h" nogil:
    ctypedef struct vona_aec:
        pass

    enum:
        VONA_AEC_NOISE_SUPPRESSION
        VONA_AEC_ECHO_GATE
        VONA_AEC_MAX_FRAME_MS
        VONA_AEC_MAX_FILTER_MS

    int vona_aec_rate_supported(uint32_t rate_hz)
    vona_status vona_aec_create(uint32_t sample_rate, uint32_t frame_samples,
                                uint32_t filter_samples, unsigned flags, vona_aec **out)
    void vona_aec_destroy(vona_aec *aec)
    vona_status vona_aec_process(vona_aec *aec, const int16_t *near, const int16_t *far,
                                 int16_t *out, size_t n)
    vona_status vona_aec_reset(vona_aec *aec)
