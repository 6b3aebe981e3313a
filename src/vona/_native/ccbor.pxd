# Declarations for csrc/include/vona/cbor.h and vona/cbor_head.h.
from libc.stdint cimport uint8_t, uint16_t, uint64_t, int64_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/cbor.h" nogil:
    ctypedef struct vona_cbor_buf:
        uint8_t *data
        size_t len
        size_t cap
        size_t max
        int owned

    ctypedef struct vona_cbor_map_entry:
        size_t off
        size_t len
        size_t index

    void vona_cbor_buf_init(vona_cbor_buf *b, uint8_t *storage, size_t cap, size_t max)
    void vona_cbor_buf_free(vona_cbor_buf *b)
    vona_status vona_cbor_buf_reserve(vona_cbor_buf *b, size_t extra)
    size_t vona_cbor_head_size(uint64_t v)
    void vona_cbor_write_head(uint8_t *p, size_t n, unsigned major, uint64_t v)
    vona_status vona_cbor_put_head(vona_cbor_buf *b, unsigned major, uint64_t v)
    vona_status vona_cbor_put_uint(vona_cbor_buf *b, uint64_t v)
    vona_status vona_cbor_put_negint(vona_cbor_buf *b, uint64_t n)
    vona_status vona_cbor_put_int(vona_cbor_buf *b, int64_t v)
    vona_status vona_cbor_put_bytes(vona_cbor_buf *b, const void *p, size_t n)
    vona_status vona_cbor_put_text(vona_cbor_buf *b, const char *p, size_t n)
    vona_status vona_cbor_put_array(vona_cbor_buf *b, uint64_t count)
    vona_status vona_cbor_put_map(vona_cbor_buf *b, uint64_t pairs)
    vona_status vona_cbor_put_bool(vona_cbor_buf *b, int v)
    vona_status vona_cbor_put_null(vona_cbor_buf *b)
    vona_status vona_cbor_put_float(vona_cbor_buf *b, double v)
    vona_status vona_cbor_put_raw(vona_cbor_buf *b, const void *p, size_t n)
    vona_status vona_cbor_sort_keys(const uint8_t *keys, vona_cbor_map_entry *entries,
                                    vona_cbor_map_entry *tmp, size_t n)
    vona_status vona_cbor_sort_text_keys(const uint8_t *const *p, const size_t *len,
                                         uint8_t *order, size_t n)

    ctypedef enum vona_cbor_type:
        VONA_CBOR_UINT
        VONA_CBOR_NEGINT
        VONA_CBOR_BYTES
        VONA_CBOR_TEXT
        VONA_CBOR_ARRAY
        VONA_CBOR_MAP
        VONA_CBOR_FALSE
        VONA_CBOR_TRUE
        VONA_CBOR_NULL
        VONA_CBOR_FLOAT
        VONA_CBOR_BREAK

    ctypedef struct vona_cbor_item:
        vona_cbor_type type
        int indefinite
        int ascii
        uint64_t value
        double f
        const uint8_t *data

    ctypedef enum vona_cbor_error:
        VONA_CBOR_ERR_NONE
        VONA_CBOR_ERR_TRUNCATED
        VONA_CBOR_ERR_TRAILING
        VONA_CBOR_ERR_RESERVED
        VONA_CBOR_ERR_BAD_INDEFINITE
        VONA_CBOR_ERR_BAD_SIMPLE
        VONA_CBOR_ERR_UNEXPECTED_BREAK
        VONA_CBOR_ERR_BAD_CHUNK
        VONA_CBOR_ERR_ODD_MAP
        VONA_CBOR_ERR_INVALID_UTF8
        VONA_CBOR_ERR_TAG
        VONA_CBOR_ERR_UNDEFINED
        VONA_CBOR_ERR_SIMPLE
        VONA_CBOR_ERR_DEPTH
        VONA_CBOR_ERR_ITEMS
        VONA_CBOR_ERR_SIZE
        VONA_CBOR_ERR_DONE

    ctypedef struct vona_cbor_limits:
        size_t max_depth
        uint64_t max_items
        size_t max_bytes

    ctypedef struct vona_cbor_frame:
        uint64_t remaining
        uint8_t kind
        uint8_t indefinite
        uint8_t odd

    ctypedef struct vona_cbor_decoder:
        const uint8_t *data
        size_t len
        size_t pos
        vona_cbor_limits limits
        vona_cbor_error err
        uint64_t err_arg
        size_t err_pos

    vona_status vona_cbor_decoder_init(vona_cbor_decoder *d, const uint8_t *data, size_t len,
                                       const vona_cbor_limits *limits, vona_cbor_frame *stack,
                                       size_t stack_cap)
    vona_status vona_cbor_next(vona_cbor_decoder *d, vona_cbor_item *item)
    int vona_cbor_complete(const vona_cbor_decoder *d)
    vona_status vona_cbor_finish(vona_cbor_decoder *d)
    const char *vona_cbor_error_str(vona_cbor_error err)


cdef extern from "vona/cbor_head.h" nogil:
    const uint8_t *vona_cbor_read_head(const uint8_t *p, const uint8_t *end, unsigned *ib,
                                       uint64_t *value)
    void vona_cbor_copy(uint8_t *d, const uint8_t *s, size_t n)
    int vona_cbor_ascii(const uint8_t *p, size_t n)
    void vona_cbor_pack16(const uint8_t *p, size_t n, size_t avail, uint64_t *w)
    int vona_cbor_utf8_valid(const uint8_t *p, size_t n, int *ascii)
    double vona_cbor_half_to_double(uint16_t h)
