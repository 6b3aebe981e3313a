/* The CBOR head reader and the byte helpers every decoder shares: the generic pull
 * decoder (cbor_decode.c), the optimistic fast decoder of vona._native._cbor_decode and
 * the audio-frame parser (audio_frame.c) all read heads with vona_cbor_read_head, so a
 * head means the same thing to each of them.
 */
#ifndef VONA_CBOR_HEAD_H
#define VONA_CBOR_HEAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called once per item of every message: inline even past the size heuristics. */
#if defined(__GNUC__)
#define VONA_CBOR_INLINE static inline __attribute__((always_inline))
#else
#define VONA_CBOR_INLINE static inline
#endif

/* A definite head at p (p < end): sets *ib to the initial byte and *value to the
 * argument (additional information below 24, or the 1/2/4/8 bytes that follow) and
 * returns the position after the head. NULL for additional information 28..31 or an
 * argument cut off by end. */
VONA_CBOR_INLINE const uint8_t *vona_cbor_read_head(const uint8_t *p, const uint8_t *end,
                                                    unsigned *ib, uint64_t *value)
{
    unsigned b = *p++, ai = b & 31;
    *ib = b;
    if (ai < 24) {
        *value = ai;
        return p;
    }
    if (ai > 27) return NULL;
    size_t n = (size_t)1 << (ai - 24);
    if ((size_t)(end - p) < n) return NULL;
    switch (ai) {
    case 24: *value = p[0]; break;
    case 25: *value = (uint64_t)p[0] << 8 | p[1]; break;
    case 26:
        *value = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
        break;
    default: {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | p[i];
        *value = v;
    }
    }
    return p + n;
}

/* memcpy for the short strings (map keys) that dominate messages: fixed-size,
 * possibly overlapping loads and stores instead of a libc call; never reads or writes
 * outside [0, n). */
VONA_CBOR_INLINE void vona_cbor_copy(uint8_t *restrict d, const uint8_t *restrict s, size_t n)
{
    if (n > 16) {
        memcpy(d, s, n);
    } else if (n >= 8) {
        uint64_t a, z;
        memcpy(&a, s, 8), memcpy(&z, s + n - 8, 8);
        memcpy(d, &a, 8), memcpy(d + n - 8, &z, 8);
    } else if (n >= 4) {
        uint32_t a, z;
        memcpy(&a, s, 4), memcpy(&z, s + n - 4, 4);
        memcpy(d, &a, 4), memcpy(d + n - 4, &z, 4);
    } else if (n) {
        d[0] = s[0], d[n >> 1] = s[n >> 1], d[n - 1] = s[n - 1];
    }
}

/* 1 if every byte of p[0..n) is below 0x80 (8 bytes at a time). */
static inline int vona_cbor_ascii(const uint8_t *p, size_t n)
{
    uint64_t acc = 0, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    if (i + 4 <= n) {
        uint32_t u;
        memcpy(&u, p + i, 4);
        acc |= u;
        i += 4;
    }
    for (; i < n; i++) acc |= p[i];
    return (acc & 0x8080808080808080ull) == 0;
}

/* Pack a string of n <= 16 bytes into w[0..2), zero-padded: an exact, cheap key for a
 * cache of short strings (compare n too). Up to avail bytes (>= n) may be read at p. */
VONA_CBOR_INLINE void vona_cbor_pack16(const uint8_t *p, size_t n, size_t avail, uint64_t w[2])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (avail >= 16) {
        memcpy(w, p, 16);
        if (n < 8) {
            w[0] &= n ? ~0ull >> (64 - 8 * n) : 0;
            w[1] = 0;
        } else if (n < 16) {
            w[1] &= n > 8 ? ~0ull >> (128 - 8 * n) : 0;
        }
        return;
    }
#else
    (void)avail;
#endif
    uint8_t b[16] = {0};
    vona_cbor_copy(b, p, n);
    memcpy(w, b, 16);
}

/* 1 if p[0..n) is valid UTF-8 (RFC 3629: no overlongs, surrogates or values past
 * U+10FFFF); *ascii is set to 1 if every byte is below 0x80. */
int vona_cbor_utf8_valid(const uint8_t *p, size_t n, int *ascii);

/* IEEE 754 half-precision bits to double. */
double vona_cbor_half_to_double(uint16_t h);

#ifdef __cplusplus
}
#endif
#endif
