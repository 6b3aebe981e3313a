# Declarations for csrc/include/vona/framing.h.
from libc.stdint cimport uint8_t, uint32_t, uint64_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/framing.h" nogil:
    enum:
        VONA_FRAME_HEADER_BYTES

    ctypedef struct vona_frame_reader:
        size_t max_frame
        int failed
        uint64_t bad_len

    vona_status vona_frame_put_header(uint8_t *out, size_t n, size_t max_frame)
    uint32_t vona_frame_get_header(const uint8_t *inp)
    vona_status vona_frame_reader_init(vona_frame_reader *r, size_t max_frame)
    void vona_frame_reader_reset(vona_frame_reader *r)
    void vona_frame_reader_free(vona_frame_reader *r)
    vona_status vona_frame_reader_next(vona_frame_reader *r, const uint8_t *data, size_t len,
                                       size_t *pos, const uint8_t **payload, size_t *payload_len)
    size_t vona_frame_reader_pending(const vona_frame_reader *r)
    void vona_frame_reader_fail(vona_frame_reader *r)
