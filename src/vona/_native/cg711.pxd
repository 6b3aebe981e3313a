# Declarations for csrc/include/vona/g711.h.
from libc.stdint cimport int16_t, uint8_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/g711.h" nogil:
    size_t VONA_G711_MAX_SAMPLES

    vona_status vona_g711_ulaw_encode(const int16_t *src, size_t n, uint8_t *dst)
    vona_status vona_g711_alaw_encode(const int16_t *src, size_t n, uint8_t *dst)
    vona_status vona_g711_ulaw_decode(const uint8_t *src, size_t n, int16_t *dst)
    vona_status vona_g711_alaw_decode(const uint8_t *src, size_t n, int16_t *dst)
