/* CBOR (RFC 8949): a streaming encoder into a caller-owned growable buffer, and a
 * pull decoder that walks the items of one encoded data item under limits.
 *
 * Encoding is deterministic: shortest-form heads, definite lengths only, floats in the
 * shortest of half/single/double that keeps the value exactly (NaN as f97e00), and map
 * keys sorted bytewise by their encodings (RFC 8949 section 4.2.1) via vona_cbor_sort_map.
 *
 * The decoder accepts every well-formed item of major types 0-5 and 7 (including
 * indefinite-length strings, arrays and maps) and refuses tags, undefined and simple
 * values other than false/true/null with VONA_E_UNSUPPORTED. It never allocates: the
 * caller supplies the nesting stack; string payloads point into the input. Heads are
 * read by vona_cbor_read_head (vona/cbor_head.h), the one head reader of every decoder.
 */
#ifndef VONA_CBOR_H
#define VONA_CBOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vona/cbor_head.h"
#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif


/* ---------------------------------------------------------------- encoder */

/* A growable output buffer. `data` starts as caller storage (for instance a stack
 * array); on growth it moves to the heap and `owned` becomes 1. `max` caps `len`:
 * growth past it fails with VONA_E_LIMIT. */
typedef struct vona_cbor_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
    int owned;
} vona_cbor_buf;

/* One key of a map being encoded: its encoding is keys[off..off+len) in a caller's
 * scratch buffer; `index` is the caller's position of the entry (kept through sorting). */
typedef struct vona_cbor_map_entry {
    size_t off;
    size_t len;
    size_t index;
} vona_cbor_map_entry;

enum {
    VONA_CBOR_MAJOR_UINT = 0,
    VONA_CBOR_MAJOR_NEGINT = 1,
    VONA_CBOR_MAJOR_BYTES = 2,
    VONA_CBOR_MAJOR_TEXT = 3,
    VONA_CBOR_MAJOR_ARRAY = 4,
    VONA_CBOR_MAJOR_MAP = 5,
    VONA_CBOR_MAJOR_TAG = 6,
    VONA_CBOR_MAJOR_SIMPLE = 7
};

/* storage may be NULL with cap 0; max 0 means SIZE_MAX. */
static inline void vona_cbor_buf_init(vona_cbor_buf *b, uint8_t *storage, size_t cap,
                                      size_t max)
{
    b->max = max ? max : SIZE_MAX;
    b->data = storage;
    b->cap = storage ? (cap < b->max ? cap : b->max) : 0;
    b->len = 0;
    b->owned = 0;
}

/* Release heap storage (caller storage is left alone); the buffer becomes empty. */
void vona_cbor_buf_release(vona_cbor_buf *b);

static inline void vona_cbor_buf_free(vona_cbor_buf *b)
{
    if (b->owned) vona_cbor_buf_release(b);
    b->data = NULL;
    b->cap = b->len = 0;
}
/* Grow so that `extra` more bytes fit: VONA_E_LIMIT past b->max, VONA_E_NOMEM. */
vona_status vona_cbor_buf_grow(vona_cbor_buf *b, size_t extra);

VONA_CBOR_INLINE vona_status vona_cbor_buf_reserve(vona_cbor_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len) return VONA_OK;
    return vona_cbor_buf_grow(b, extra);
}

/* The size of the shortest head for argument v: 1, 2, 3, 5 or 9 bytes. */
VONA_CBOR_INLINE size_t vona_cbor_head_size(uint64_t v)
{
    return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

/* Write the shortest head (n = vona_cbor_head_size(v) bytes) at p. */
VONA_CBOR_INLINE void vona_cbor_write_head(uint8_t *p, size_t n, unsigned major, uint64_t v)
{
    uint8_t m = (uint8_t)(major << 5);
    switch (n) {
    case 1: p[0] = (uint8_t)(m | v); return;
    case 2: p[0] = m | 24; p[1] = (uint8_t)v; return;
    case 3: p[0] = m | 25; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v; return;
    case 5:
        p[0] = m | 26;
        p[1] = (uint8_t)(v >> 24), p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 8), p[4] = (uint8_t)v;
        return;
    default:
        p[0] = m | 27;
        for (int i = 0; i < 8; i++) p[1 + i] = (uint8_t)(v >> (56 - 8 * i));
        return;
    }
}

/* A head: major type + argument in shortest form. */
VONA_CBOR_INLINE vona_status vona_cbor_put_head(vona_cbor_buf *b, unsigned major, uint64_t v)
{
    size_t n = vona_cbor_head_size(v);
    vona_status st = vona_cbor_buf_reserve(b, n);
    if (st != VONA_OK) return st;
    vona_cbor_write_head(b->data + b->len, n, major, v);
    b->len += n;
    return VONA_OK;
}

VONA_CBOR_INLINE vona_status vona_cbor_put_uint(vona_cbor_buf *b, uint64_t v)
{
    return vona_cbor_put_head(b, VONA_CBOR_MAJOR_UINT, v);
}

/* The integer -1 - n (so n = 0 is -1, n = UINT64_MAX is -2**64). */
VONA_CBOR_INLINE vona_status vona_cbor_put_negint(vona_cbor_buf *b, uint64_t n)
{
    return vona_cbor_put_head(b, VONA_CBOR_MAJOR_NEGINT, n);
}

VONA_CBOR_INLINE vona_status vona_cbor_put_int(vona_cbor_buf *b, int64_t v)
{
    if (v >= 0) return vona_cbor_put_head(b, VONA_CBOR_MAJOR_UINT, (uint64_t)v);
    return vona_cbor_put_head(b, VONA_CBOR_MAJOR_NEGINT, (uint64_t)(-1 - v));
}

/* A byte string (major 2) or text string (major 3; the caller guarantees UTF-8):
 * one capacity check for head and payload. */
VONA_CBOR_INLINE vona_status vona_cbor_put_string(vona_cbor_buf *b, unsigned major,
                                               const void *p, size_t n)
{
    size_t h = vona_cbor_head_size(n);
    if (n > SIZE_MAX - h) return VONA_E_LIMIT;
    vona_status st = vona_cbor_buf_reserve(b, h + n);
    if (st != VONA_OK) return st;
    uint8_t *o = b->data + b->len;
    vona_cbor_write_head(o, h, major, n);
    vona_cbor_copy(o + h, (const uint8_t *)p, n);
    b->len += h + n;
    return VONA_OK;
}

/* Bytes that are already CBOR (e.g. a key encoded earlier). */
VONA_CBOR_INLINE vona_status vona_cbor_put_raw(vona_cbor_buf *b, const void *p, size_t n)
{
    vona_status st = vona_cbor_buf_reserve(b, n);
    if (st != VONA_OK) return st;
    vona_cbor_copy(b->data + b->len, (const uint8_t *)p, n);
    b->len += n;
    return VONA_OK;
}

VONA_CBOR_INLINE vona_status vona_cbor_put_bytes(vona_cbor_buf *b, const void *p, size_t n)
{
    return vona_cbor_put_string(b, VONA_CBOR_MAJOR_BYTES, p, n);
}

VONA_CBOR_INLINE vona_status vona_cbor_put_text(vona_cbor_buf *b, const char *p, size_t n)
{
    return vona_cbor_put_string(b, VONA_CBOR_MAJOR_TEXT, p, n);
}

VONA_CBOR_INLINE vona_status vona_cbor_put_array(vona_cbor_buf *b, uint64_t count)
{
    return vona_cbor_put_head(b, VONA_CBOR_MAJOR_ARRAY, count);
}

VONA_CBOR_INLINE vona_status vona_cbor_put_map(vona_cbor_buf *b, uint64_t pairs)
{
    return vona_cbor_put_head(b, VONA_CBOR_MAJOR_MAP, pairs);
}

static inline vona_status vona_cbor_put_simple_byte(vona_cbor_buf *b, uint8_t byte)
{
    vona_status st = vona_cbor_buf_reserve(b, 1);
    if (st != VONA_OK) return st;
    b->data[b->len++] = byte;
    return VONA_OK;
}

static inline vona_status vona_cbor_put_bool(vona_cbor_buf *b, int v)
{
    return vona_cbor_put_simple_byte(b, v ? 0xf5 : 0xf4);
}

static inline vona_status vona_cbor_put_null(vona_cbor_buf *b)
{
    return vona_cbor_put_simple_byte(b, 0xf6);
}

/* A float in the shortest of half/single/double that keeps it exactly; NaN as f97e00. */
vona_status vona_cbor_put_float(vona_cbor_buf *b, double v);

/* Sort n map keys bytewise by their encodings (RFC 8949 section 4.2.1): encode the keys
 * into a scratch buffer first, sort, then emit each key followed by its value, so values
 * are written once and never moved. tmp holds n entries. Already-sorted input is
 * detected in one pass. Two equal encodings give VONA_E_INVALID_ARG (a duplicate key). */
vona_status vona_cbor_sort_keys(const uint8_t *keys, vona_cbor_map_entry *entries,
                                vona_cbor_map_entry *tmp, size_t n);

/* The order in which n text keys' encodings sort bytewise (RFC 8949 section 4.2.1), for
 * keys given as UTF-8 p[i][0..len[i]) without encoding them first: shortest-form heads
 * grow with the length, so that order is (length, then bytes). order[0..n) receives
 * the key indices in sorted order; n is at most 64. Two equal keys give
 * VONA_E_INVALID_ARG (a duplicate). */
vona_status vona_cbor_sort_text_keys(const uint8_t *const *p, const size_t *len,
                                     uint8_t *order, size_t n);

/* ---------------------------------------------------------------- decoder */

typedef enum vona_cbor_type {
    VONA_CBOR_UINT = 0,   /* value */
    VONA_CBOR_NEGINT,     /* the integer -1 - value */
    VONA_CBOR_BYTES,      /* definite: data[0..value); indefinite: chunks follow, then BREAK */
    VONA_CBOR_TEXT,       /* as BYTES; valid UTF-8, `ascii` set if every byte < 0x80 */
    VONA_CBOR_ARRAY,      /* value items follow (indefinite: items until BREAK) */
    VONA_CBOR_MAP,        /* value key/value pairs follow (indefinite: until BREAK) */
    VONA_CBOR_FALSE,
    VONA_CBOR_TRUE,
    VONA_CBOR_NULL,
    VONA_CBOR_FLOAT,      /* f, from a half, single or double */
    VONA_CBOR_BREAK       /* the end of the innermost indefinite-length item */
} vona_cbor_type;

typedef struct vona_cbor_item {
    vona_cbor_type type;
    int indefinite;
    int ascii;
    uint64_t value;
    double f;
    const uint8_t *data;
} vona_cbor_item;

/* Why decoding stopped; VONA_CBOR_ERR_TAG, _SIMPLE and the limits set err_arg. */
typedef enum vona_cbor_error {
    VONA_CBOR_ERR_NONE = 0,
    VONA_CBOR_ERR_TRUNCATED,        /* the input ends inside an item */
    VONA_CBOR_ERR_TRAILING,         /* bytes follow the top-level item; err_arg = how many */
    VONA_CBOR_ERR_RESERVED,         /* additional information 28..30 */
    VONA_CBOR_ERR_BAD_INDEFINITE,   /* indefinite length on an integer or tag */
    VONA_CBOR_ERR_BAD_SIMPLE,       /* a two-byte simple value below 32 */
    VONA_CBOR_ERR_UNEXPECTED_BREAK, /* a break outside an indefinite-length item */
    VONA_CBOR_ERR_BAD_CHUNK,        /* an indefinite string chunk of another type or itself indefinite */
    VONA_CBOR_ERR_ODD_MAP,          /* an indefinite map ended after a key */
    VONA_CBOR_ERR_INVALID_UTF8,     /* a text string that is not valid UTF-8 */
    VONA_CBOR_ERR_TAG,              /* err_arg = the tag number */
    VONA_CBOR_ERR_UNDEFINED,        /* the simple value undefined (f7) */
    VONA_CBOR_ERR_SIMPLE,           /* err_arg = the unsupported simple value */
    VONA_CBOR_ERR_DEPTH,            /* err_arg = max_depth */
    VONA_CBOR_ERR_ITEMS,            /* err_arg = max_items */
    VONA_CBOR_ERR_SIZE,             /* err_arg = max_bytes */
    VONA_CBOR_ERR_DONE              /* next() after the top-level item was complete */
} vona_cbor_error;

typedef struct vona_cbor_limits {
    size_t max_depth;    /* arrays/maps nested at most this deep (a top-level [] is 1) */
    uint64_t max_items;  /* data items in total, counting keys, values and string chunks */
    size_t max_bytes;    /* input size */
} vona_cbor_limits;

/* One open indefinite string or container. */
typedef struct vona_cbor_frame {
    uint64_t remaining;  /* definite containers: items still to come */
    uint8_t kind;        /* VONA_CBOR_BYTES, _TEXT, _ARRAY or _MAP */
    uint8_t indefinite;
    uint8_t odd;         /* indefinite maps: a key is waiting for its value */
} vona_cbor_frame;

typedef struct vona_cbor_decoder {
    const uint8_t *data;
    size_t len;
    size_t pos;
    vona_cbor_limits limits;
    vona_cbor_frame *stack;
    size_t stack_cap;
    size_t depth;        /* open frames */
    size_t nesting;      /* open arrays/maps */
    uint64_t items;
    int started;
    vona_cbor_error err;
    uint64_t err_arg;
    size_t err_pos;
} vona_cbor_decoder;

/* The stack must hold limits->max_depth + 1 frames (an indefinite string may sit
 * inside the deepest container). Fails with VONA_E_LIMIT (ERR_SIZE) if the input
 * exceeds max_bytes, VONA_E_INVALID_ARG if the stack is too small. */
vona_status vona_cbor_decoder_init(vona_cbor_decoder *d, const uint8_t *data, size_t len,
                                   const vona_cbor_limits *limits, vona_cbor_frame *stack,
                                   size_t stack_cap);

/* The next item in pre-order. VONA_E_CORRUPT for malformed or truncated input,
 * VONA_E_UNSUPPORTED for tags/undefined/other simple values, VONA_E_LIMIT for limits;
 * d->err says which. A container's declared count is checked against the remaining
 * input and item budget before it is returned, so callers may preallocate it. */
vona_status vona_cbor_next(vona_cbor_decoder *d, vona_cbor_item *item);

/* 1 once the top-level item is complete. */
static inline int vona_cbor_complete(const vona_cbor_decoder *d)
{
    return d->started && d->depth == 0;
}

/* After the top-level item: VONA_E_CORRUPT (ERR_TRAILING) if bytes remain,
 * (ERR_TRUNCATED) if the item is not complete. */
vona_status vona_cbor_finish(vona_cbor_decoder *d);

/* Walk one whole item over data[0..len) and require nothing after it. */
vona_status vona_cbor_check(const uint8_t *data, size_t len, const vona_cbor_limits *limits,
                            vona_cbor_frame *stack, size_t stack_cap, vona_cbor_error *err);

/* A static description of a decoder error. */
const char *vona_cbor_error_str(vona_cbor_error err);

/* Heads and the byte helpers the decoders share: vona/cbor_head.h. */

#ifdef __cplusplus
}
#endif
#endif
