/* The CBOR pull decoder (see vona/cbor.h); heads come from vona/cbor_head.h. */
#include <stdint.h>
#include <string.h>

#include "vona/cbor.h"

/* ---------------------------------------------------------------- decoder */

const char *vona_cbor_error_str(vona_cbor_error err)
{
    switch (err) {
    case VONA_CBOR_ERR_NONE: return "no error";
    case VONA_CBOR_ERR_TRUNCATED: return "input ends inside an item";
    case VONA_CBOR_ERR_TRAILING: return "bytes follow the top-level item";
    case VONA_CBOR_ERR_RESERVED: return "reserved additional information value (28..30)";
    case VONA_CBOR_ERR_BAD_INDEFINITE: return "indefinite length on an integer or tag";
    case VONA_CBOR_ERR_BAD_SIMPLE: return "two-byte simple value below 32";
    case VONA_CBOR_ERR_UNEXPECTED_BREAK: return "break outside an indefinite-length item";
    case VONA_CBOR_ERR_BAD_CHUNK: return "indefinite-length string chunk of the wrong type";
    case VONA_CBOR_ERR_ODD_MAP: return "indefinite-length map ends after a key";
    case VONA_CBOR_ERR_INVALID_UTF8: return "text string is not valid UTF-8";
    case VONA_CBOR_ERR_TAG: return "tags are not supported";
    case VONA_CBOR_ERR_UNDEFINED: return "undefined is not supported";
    case VONA_CBOR_ERR_SIMPLE: return "simple value is not supported";
    case VONA_CBOR_ERR_DEPTH: return "nesting depth exceeds max_depth";
    case VONA_CBOR_ERR_ITEMS: return "item count exceeds max_items";
    case VONA_CBOR_ERR_SIZE: return "input size exceeds max_bytes";
    case VONA_CBOR_ERR_DONE: return "the top-level item is already complete";
    }
    return "unknown error";
}

vona_status vona_cbor_decoder_init(vona_cbor_decoder *d, const uint8_t *data, size_t len,
                                   const vona_cbor_limits *limits, vona_cbor_frame *stack,
                                   size_t stack_cap)
{
    memset(d, 0, sizeof *d);
    d->data = data;
    d->len = len;
    d->limits = *limits;
    d->stack = stack;
    d->stack_cap = stack_cap;
    if (limits->max_depth >= SIZE_MAX || stack_cap < limits->max_depth + 1)
        return VONA_E_INVALID_ARG;
    if (len > limits->max_bytes) {
        d->err = VONA_CBOR_ERR_SIZE;
        d->err_arg = limits->max_bytes;
        return VONA_E_LIMIT;
    }
    return VONA_OK;
}

#if defined(__GNUC__)
#define VONA_COLD __attribute__((cold, noinline))
#define VONA_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define VONA_COLD
#define VONA_LIKELY(x) (x)
#endif

static VONA_COLD vona_status fail(vona_cbor_decoder *d, vona_status st, vona_cbor_error err, uint64_t arg,
                        size_t pos)
{
    d->err = err;
    d->err_arg = arg;
    d->err_pos = pos;
    return st;
}

/* Short ASCII strings (map keys) are the common case: check them inline. */
static inline int text_valid(const uint8_t *p, size_t n, int *ascii)
{
    if (n <= 16) {
        uint8_t acc = 0;
        for (size_t i = 0; i < n; i++) acc |= p[i];
        if (acc < 0x80) {
            *ascii = 1;
            return 1;
        }
    }
    return vona_cbor_utf8_valid(p, n, ascii);
}

/* An item finished: close every definite container it was the last of. */
static void close_done(vona_cbor_decoder *d)
{
    while (d->depth) {
        vona_cbor_frame *f = &d->stack[d->depth - 1];
        if (f->indefinite || f->remaining) return;
        d->depth--;
        d->nesting--;
    }
}

static vona_status push(vona_cbor_decoder *d, uint8_t kind, int indefinite, uint64_t remaining,
                        size_t at)
{
    int container = kind == VONA_CBOR_ARRAY || kind == VONA_CBOR_MAP;
    if (container && d->nesting + 1 > d->limits.max_depth)
        return fail(d, VONA_E_LIMIT, VONA_CBOR_ERR_DEPTH, d->limits.max_depth, at);
    if (!indefinite && remaining == 0) return VONA_OK; /* empty: complete at once */
    if (d->depth >= d->stack_cap)
        return fail(d, VONA_E_LIMIT, VONA_CBOR_ERR_DEPTH, d->limits.max_depth, at);
    vona_cbor_frame *f = &d->stack[d->depth++];
    f->remaining = remaining;
    f->kind = kind;
    f->indefinite = (uint8_t)indefinite;
    f->odd = 0;
    d->nesting += container;
    return VONA_OK;
}

/* The general path: every item kind, every error. */
static vona_status next_slow(vona_cbor_decoder *restrict d, vona_cbor_item *restrict it)
{
    size_t at = d->pos;
    if (d->started && d->depth == 0) return fail(d, VONA_E_STATE, VONA_CBOR_ERR_DONE, 0, at);
    if (at >= d->len) return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED, 0, at);
    uint8_t ib = d->data[at];
    unsigned major = ib >> 5, ai = ib & 31;
    vona_cbor_frame *parent = d->depth ? &d->stack[d->depth - 1] : NULL;
    d->started = 1;
    it->indefinite = 0;
    it->ascii = 0;
    it->data = NULL;
    it->value = 0;

    if (ib == 0xff) {
        if (!parent || !parent->indefinite)
            return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_UNEXPECTED_BREAK, 0, at);
        if (parent->kind == VONA_CBOR_MAP && parent->odd)
            return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_ODD_MAP, 0, at);
        d->depth--;
        d->nesting -= parent->kind == VONA_CBOR_ARRAY || parent->kind == VONA_CBOR_MAP;
        d->pos = at + 1;
        it->type = VONA_CBOR_BREAK;
        close_done(d);
        return VONA_OK;
    }
    if (parent && (parent->kind == VONA_CBOR_BYTES || parent->kind == VONA_CBOR_TEXT) &&
        (major != (parent->kind == VONA_CBOR_BYTES ? 2u : 3u) || ai == 31))
        return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_BAD_CHUNK, 0, at);

    /* The argument. */
    size_t pos = at + 1;
    uint64_t v = ai;
    int indefinite = 0;
    if (ai <= 27) {
        unsigned b;
        const uint8_t *q = vona_cbor_read_head(d->data + at, d->data + d->len, &b, &v);
        if (!q) return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED, 0, at);
        pos = (size_t)(q - d->data);
    } else if (ai <= 30) {
        return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_RESERVED, ai, at);
    } else if (ai == 31) {
        if (major < 2 || major > 5)
            return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_BAD_INDEFINITE, 0, at);
        indefinite = 1;
    }
    if (major == 6) return fail(d, VONA_E_UNSUPPORTED, VONA_CBOR_ERR_TAG, v, at);

    if (d->items >= d->limits.max_items)
        return fail(d, VONA_E_LIMIT, VONA_CBOR_ERR_ITEMS, d->limits.max_items, at);
    d->items++;
    size_t left = d->len - pos;
    vona_status st = VONA_OK;
    int opened = 0;
    switch (major) {
    case 0:
        it->type = VONA_CBOR_UINT;
        it->value = v;
        break;
    case 1:
        it->type = VONA_CBOR_NEGINT;
        it->value = v;
        break;
    case 2:
    case 3:
        it->type = major == 2 ? VONA_CBOR_BYTES : VONA_CBOR_TEXT;
        it->indefinite = indefinite;
        if (indefinite) {
            st = push(d, (uint8_t)it->type, 1, 0, at);
            opened = 1;
            break;
        }
        if (v > left) return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED, 0, at);
        it->value = v;
        it->data = d->data + pos;
        if (major == 3 && !text_valid(it->data, (size_t)v, &it->ascii))
            return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_INVALID_UTF8, 0, at);
        pos += (size_t)v;
        break;
    case 4:
    case 5: {
        it->type = major == 4 ? VONA_CBOR_ARRAY : VONA_CBOR_MAP;
        it->indefinite = indefinite;
        uint64_t members = 0;
        if (!indefinite) {
            /* Every member takes at least one byte: refuse counts the input cannot hold
             * before anyone allocates for them. */
            if (v > (major == 4 ? left : left / 2))
                return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED, 0, at);
            members = major == 4 ? v : 2 * v;
            if (members > d->limits.max_items - d->items)
                return fail(d, VONA_E_LIMIT, VONA_CBOR_ERR_ITEMS, d->limits.max_items, at);
            it->value = v;
        }
        st = push(d, (uint8_t)it->type, indefinite, members, at);
        opened = indefinite || members;
        break;
    }
    default: /* 7 */
        if (ai == 20 || ai == 21) it->type = ai == 21 ? VONA_CBOR_TRUE : VONA_CBOR_FALSE;
        else if (ai == 22) it->type = VONA_CBOR_NULL;
        else if (ai == 23) return fail(d, VONA_E_UNSUPPORTED, VONA_CBOR_ERR_UNDEFINED, 23, at);
        else if (ai < 20) return fail(d, VONA_E_UNSUPPORTED, VONA_CBOR_ERR_SIMPLE, ai, at);
        else if (ai == 24) {
            if (v < 32) return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_BAD_SIMPLE, v, at);
            return fail(d, VONA_E_UNSUPPORTED, VONA_CBOR_ERR_SIMPLE, v, at);
        } else {
            it->type = VONA_CBOR_FLOAT;
            if (ai == 25) it->f = vona_cbor_half_to_double((uint16_t)v);
            else if (ai == 26) {
                uint32_t x = (uint32_t)v;
                float f;
                memcpy(&f, &x, 4);
                it->f = (double)f;
            } else memcpy(&it->f, &v, 8);
        }
        break;
    }
    if (st != VONA_OK) return st;
    /* Count this item against its parent only once it is accepted. */
    if (parent) {
        if (parent->indefinite) parent->odd ^= 1;
        else parent->remaining--;
    }
    d->pos = pos;
    if (!opened) close_done(d);
    return VONA_OK;
}

vona_status vona_cbor_next(vona_cbor_decoder *restrict d, vona_cbor_item *restrict it)
{
    /* Fast path for the common case: an integer or definite string inside a definite
     * container. It commits nothing until every check has passed; anything else
     * (containers, floats, errors, indefinite items) goes to next_slow. */
    size_t at = d->pos;
    if (VONA_LIKELY(at < d->len && d->depth)) {
        vona_cbor_frame *f = &d->stack[d->depth - 1];
        uint8_t ib = d->data[at];
        unsigned major = ib >> 5;
        if (major < 4 && !f->indefinite && d->items < d->limits.max_items) {
            unsigned b;
            uint64_t v;
            const uint8_t *q = vona_cbor_read_head(d->data + at, d->data + d->len, &b, &v);
            if (!q) return next_slow(d, it); /* reserved, indefinite or cut off */
            size_t pos = (size_t)(q - d->data);
            const uint8_t *data = NULL;
            int ascii = 0;
            if (major >= 2) {
                if (v > d->len - pos) return next_slow(d, it);
                data = d->data + pos;
                if (major == 3 && !text_valid(data, (size_t)v, &ascii)) return next_slow(d, it);
                pos += (size_t)v;
            }
            /* UINT, NEGINT, BYTES, TEXT are 0..3, as the major types. */
            it->type = (vona_cbor_type)major;
            it->indefinite = 0;
            it->ascii = ascii;
            it->value = v;
            it->data = data;
            d->items++;
            d->pos = pos;
            if (--f->remaining == 0) close_done(d); /* a definite frame: never a string */
            return VONA_OK;
        }
    }
    return next_slow(d, it);
}

vona_status vona_cbor_finish(vona_cbor_decoder *d)
{
    if (!vona_cbor_complete(d))
        return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_TRUNCATED, 0, d->pos);
    if (d->pos != d->len)
        return fail(d, VONA_E_CORRUPT, VONA_CBOR_ERR_TRAILING, d->len - d->pos, d->pos);
    return VONA_OK;
}

vona_status vona_cbor_check(const uint8_t *data, size_t len, const vona_cbor_limits *limits,
                            vona_cbor_frame *stack, size_t stack_cap, vona_cbor_error *err)
{
    vona_cbor_decoder d;
    vona_cbor_item it;
    vona_status st = vona_cbor_decoder_init(&d, data, len, limits, stack, stack_cap);
    while (st == VONA_OK && !vona_cbor_complete(&d)) st = vona_cbor_next(&d, &it);
    if (st == VONA_OK) st = vona_cbor_finish(&d);
    if (err) *err = d.err;
    return st;
}
