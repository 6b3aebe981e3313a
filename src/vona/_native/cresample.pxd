# Declarations for csrc/include/vona/resample.h.
from libc.stdint cimport int16_t, uint32_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/resample.h" nogil:
    ctypedef struct vona_resampler:
        pass

    ctypedef enum vona_resample_quality:
        VONA_RESAMPLE_LOW
        VONA_RESAMPLE_HQ
        VONA_RESAMPLE_VHQ

    enum:
        VONA_RESAMPLE_LOW_LATENCY

    int vona_resampler_rate_supported(uint32_t rate_hz)
    vona_status vona_resampler_quality_parse(const char *name, vona_resample_quality *out)
    vona_status vona_resampler_create(uint32_t in_rate, uint32_t out_rate, uint32_t channels,
                                      vona_resample_quality quality, vona_resampler **out)
    vona_status vona_resampler_create_ex(uint32_t in_rate, uint32_t out_rate, uint32_t channels,
                                         vona_resample_quality quality, unsigned flags,
                                         vona_resampler **out)
    void vona_resampler_destroy(vona_resampler *r)
    size_t vona_resampler_max_output(const vona_resampler *r, size_t in_frames)
    vona_status vona_resampler_process_f32(vona_resampler *r, const float *inp, size_t in_frames,
                                           float *out, size_t out_cap_frames, size_t *out_frames)
    vona_status vona_resampler_process_i16(vona_resampler *r, const int16_t *inp,
                                           size_t in_frames, int16_t *out,
                                           size_t out_cap_frames, size_t *out_frames)
    vona_status vona_resampler_flush_f32(vona_resampler *r, float *out, size_t out_cap_frames,
                                         size_t *out_frames)
    vona_status vona_resampler_flush_i16(vona_resampler *r, int16_t *out, size_t out_cap_frames,
                                         size_t *out_frames)
    vona_status vona_resampler_reset(vona_resampler *r)
    double vona_resampler_delay(const vona_resampler *r)
