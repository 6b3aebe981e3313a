# Declarations for csrc/include/vona/ogg.h.
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from vona._native.cstatus cimport vona_status


cdef extern from "vona/ogg.h" nogil:
    enum:
        VONA_OGG_MAX_PAGE_BYTES
        VONA_OGG_DEFAULT_PAGE_TARGET

    uint32_t vona_ogg_crc32(uint32_t crc, const uint8_t *data, size_t len)

    ctypedef struct vona_ogg_opus_head:
        int version
        int channels
        int pre_skip
        uint32_t input_sample_rate
        int output_gain
        int mapping_family

    ctypedef struct vona_ogg_writer:
        pass

    ctypedef struct vona_ogg_writer_config:
        uint32_t serial
        int channels
        uint32_t input_sample_rate
        int pre_skip
        int output_gain
        int flush_every_packet
        size_t page_target_bytes

    vona_status vona_ogg_writer_create(vona_ogg_writer **out, const vona_ogg_writer_config *cfg)
    void vona_ogg_writer_destroy(vona_ogg_writer *w)
    size_t vona_ogg_writer_output_bound(const vona_ogg_writer *w, size_t packet_len)
    vona_status vona_ogg_writer_write(vona_ogg_writer *w, const uint8_t *packet, size_t len,
                                      uint8_t *out, size_t out_cap, size_t *out_len,
                                      int *opus_error)
    vona_status vona_ogg_writer_close(vona_ogg_writer *w, uint8_t *out, size_t out_cap,
                                      size_t *out_len)
    int64_t vona_ogg_writer_granule(const vona_ogg_writer *w)
    uint32_t vona_ogg_writer_pages(const vona_ogg_writer *w)

    ctypedef struct vona_ogg_reader:
        pass

    ctypedef struct vona_ogg_reader_config:
        size_t max_page_bytes
        size_t max_packet_bytes
        size_t max_tags_bytes

    vona_status vona_ogg_reader_create(vona_ogg_reader **out, const vona_ogg_reader_config *cfg)
    void vona_ogg_reader_destroy(vona_ogg_reader *r)
    vona_status vona_ogg_reader_feed(vona_ogg_reader *r, const uint8_t *data, size_t len,
                                     size_t *consumed)
    size_t vona_ogg_reader_packet_count(const vona_ogg_reader *r)
    void vona_ogg_reader_packet(const vona_ogg_reader *r, size_t index, const uint8_t **data,
                                size_t *len)
    const vona_ogg_opus_head *vona_ogg_reader_head(const vona_ogg_reader *r)
    int64_t vona_ogg_reader_granule(const vona_ogg_reader *r)
    int vona_ogg_reader_eos(const vona_ogg_reader *r)
    uint64_t vona_ogg_reader_corrupt_pages(const vona_ogg_reader *r)
    uint64_t vona_ogg_reader_lost_packets(const vona_ogg_reader *r)
    const char *vona_ogg_reader_error(const vona_ogg_reader *r)
