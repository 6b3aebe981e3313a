/* CBOR encoder helpers and the pull decoder (see vona/cbor.h). */
#include "vona/cbor.h"

#include <math.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- buffer */

void vona_cbor_buf_release(vona_cbor_buf *b)
{
    if (b->owned) free(b->data);
    b->data = NULL;
    b->cap = b->len = 0;
    b->owned = 0;
}

vona_status vona_cbor_buf_grow(vona_cbor_buf *b, size_t extra)
{
    if (extra > b->max - b->len) return VONA_E_LIMIT;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > b->max) cap = b->max;
    uint8_t *p;
    if (b->owned) {
        p = realloc(b->data, cap);
        if (!p) return VONA_E_NOMEM;
    } else {
        p = malloc(cap);
        if (!p) return VONA_E_NOMEM;
        if (b->len) memcpy(p, b->data, b->len);
    }
    b->data = p;
    b->cap = cap;
    b->owned = 1;
    return VONA_OK;
}

/* ---------------------------------------------------------------- floats */

/* Half-precision bits for a float if it converts exactly, else -1. */
static int32_t float_to_half_exact(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    int e = (int)((x >> 23) & 0xff);
    uint32_t m = x & 0x7fffff;
    if (e == 0xff) return m ? -1 : (int32_t)(sign | 0x7c00);
    if (e == 0) return m ? -1 : (int32_t)sign; /* float subnormals are far below half range */
    int E = e - 127;
    if (E >= -14 && E <= 15) {
        if (m & 0x1fff) return -1;
        return (int32_t)(sign | (uint32_t)(E + 15) << 10 | m >> 13);
    }
    if (E >= -24 && E < -14) {
        uint32_t full = m | 0x800000;
        int shift = -(E + 1);
        if (full & ((1u << shift) - 1)) return -1;
        return (int32_t)(sign | full >> shift);
    }
    return -1;
}

/* The shortest exact encoding of v into p[0..9); returns its length. */
static size_t encode_float(uint8_t *p, double v)
{
    if (isnan(v)) {
        p[0] = 0xf9, p[1] = 0x7e, p[2] = 0x00;
        return 3;
    }
    /* Guard the conversion: a double outside float range does not convert (UB in C). */
    if (isinf(v) || fabs(v) <= 3.4028234663852886e38) {
        float f = (float)v;
        if ((double)f == v) {
            int32_t h = float_to_half_exact(f);
            if (h >= 0) {
                p[0] = 0xf9, p[1] = (uint8_t)(h >> 8), p[2] = (uint8_t)h;
                return 3;
            }
            uint32_t x;
            memcpy(&x, &f, 4);
            p[0] = 0xfa;
            for (int i = 0; i < 4; i++) p[1 + i] = (uint8_t)(x >> (24 - 8 * i));
            return 5;
        }
    }
    uint64_t x;
    memcpy(&x, &v, 8);
    p[0] = 0xfb;
    for (int i = 0; i < 8; i++) p[1 + i] = (uint8_t)(x >> (56 - 8 * i));
    return 9;
}

vona_status vona_cbor_put_float(vona_cbor_buf *b, double v)
{
    uint8_t tmp[9];
    size_t n = encode_float(tmp, v);
    vona_status st = vona_cbor_buf_reserve(b, n);
    if (st != VONA_OK) return st;
    memcpy(b->data + b->len, tmp, n);
    b->len += n;
    return VONA_OK;
}

/* ---------------------------------------------------------------- map sort */

/* Bytewise comparison, shorter first on a common prefix. Keys are short: an inline
 * loop beats a libc call. */
static inline int key_cmp(const uint8_t *keys, const vona_cbor_map_entry *a,
                          const vona_cbor_map_entry *c)
{
    const uint8_t *x = keys + a->off, *y = keys + c->off;
    size_t n = a->len < c->len ? a->len : c->len;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return (int)x[i] - (int)y[i];
    return (a->len > c->len) - (a->len < c->len);
}

/* Insertion sort with duplicate detection: the scan for an element's place always ends
 * on the largest smaller-or-equal key, so an equal key is always met. */
static vona_status insertion_sort(const uint8_t *keys, vona_cbor_map_entry *e, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        vona_cbor_map_entry x = e[i];
        size_t j = i;
        int c = 1;
        while (j > 0 && (c = key_cmp(keys, &e[j - 1], &x)) > 0) {
            e[j] = e[j - 1];
            j--;
        }
        if (c == 0) return VONA_E_INVALID_ARG;
        e[j] = x;
    }
    return VONA_OK;
}

vona_status vona_cbor_sort_keys(const uint8_t *keys, vona_cbor_map_entry *e,
                                vona_cbor_map_entry *tmp, size_t n)
{
    if (n <= 16) return insertion_sort(keys, e, n); /* one pass when already sorted */
    int sorted = 1;
    for (size_t i = 1; i < n; i++) {
        int c = key_cmp(keys, &e[i - 1], &e[i]);
        if (c == 0) return VONA_E_INVALID_ARG;
        if (c > 0) sorted = 0;
    }
    if (sorted) return VONA_OK;
    /* Bottom-up merge sort: stable, O(n log n), no recursion. */
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = key_cmp(keys, &e[j], &e[i]) < 0 ? e[j++] : e[i++];
            while (i < mid) tmp[k++] = e[i++];
            while (j < hi) tmp[k++] = e[j++];
        }
        memcpy(e, tmp, n * sizeof *e);
    }
    /* Equal neighbours after sorting are duplicates the first pass could not see. */
    for (size_t i = 1; i < n; i++)
        if (key_cmp(keys, &e[i - 1], &e[i]) == 0) return VONA_E_INVALID_ARG;
    return VONA_OK;
}

/* ------------------------------------------------------------ text-key sort */

vona_status vona_cbor_sort_text_keys(const uint8_t *const *p, const size_t *len,
                                     uint8_t *order, size_t n)
{
    /* Each key's length and first 8 bytes (big-endian, zero-padded) decide almost
     * every comparison; only keys sharing both compare the rest of their bytes. */
    uint64_t pre[64];
    if (n > 64) return VONA_E_INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
        size_t m = len[i] < 8 ? len[i] : 8;
        uint64_t v = 0;
        for (size_t k = 0; k < m; k++) v = v << 8 | p[i][k];
        /* m == 0 (the empty key) must not shift by 64: undefined behaviour. */
        pre[i] = m == 0 ? 0 : (m < 8 ? v << (8 * (8 - m)) : v);
        /* Insertion sort: one comparison per key when the input is already sorted. */
        size_t j = i;
        while (j > 0) {
            size_t x = order[j - 1];
            int c;
            if (len[x] != len[i]) c = len[x] < len[i] ? -1 : 1;
            else if (pre[x] != pre[i]) c = pre[x] < pre[i] ? -1 : 1;
            else c = len[i] <= 8 ? 0 : memcmp(p[x] + 8, p[i] + 8, len[i] - 8);
            if (c < 0) break;
            if (c == 0) return VONA_E_INVALID_ARG;
            order[j] = (uint8_t)x;
            j--;
        }
        order[j] = (uint8_t)i;
    }
    return VONA_OK;
}
