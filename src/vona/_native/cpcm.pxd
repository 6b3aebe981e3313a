# Declarations for csrc/include/vona/pcm.h.
from libc.stdint cimport int16_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/pcm.h" nogil:
    unsigned VONA_PCM_MAX_CHANNELS

    void vona_pcm_to_float32(const int16_t *src, float *dst, size_t n)
    void vona_pcm_to_int16(const float *src, int16_t *dst, size_t n)
    void vona_pcm_gain_int16(const int16_t *src, int16_t *dst, size_t n, float gain)
    void vona_pcm_gain_float32(const float *src, float *dst, size_t n, float gain)
    float vona_pcm_db_to_gain(double db)
    vona_status vona_pcm_downmix(const int16_t *src, size_t frames, unsigned channels, int16_t *dst)
    vona_status vona_pcm_interleave(const int16_t *const *planes, unsigned channels, size_t frames,
                                    int16_t *dst)
    vona_status vona_pcm_deinterleave(const int16_t *src, unsigned channels, size_t frames,
                                      int16_t *const *planes)
    double vona_pcm_peak_dbfs_int16(const int16_t *src, size_t n)
    double vona_pcm_rms_dbfs_int16(const int16_t *src, size_t n)
    double vona_pcm_peak_dbfs_float32(const float *src, size_t n)
    double vona_pcm_rms_dbfs_float32(const float *src, size_t n)
