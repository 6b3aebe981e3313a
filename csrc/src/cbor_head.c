/* The decoders' shared byte helpers (see vona/cbor_head.h): UTF-8 validation and
 * half-precision floats. */
#include "vona/cbor_head.h"

#include <math.h>

/* ---------------------------------------------------------------- UTF-8 */

int vona_cbor_utf8_valid(const uint8_t *p, size_t n, int *ascii)
{
    size_t i = 0;
    /* ASCII fast path, 8 bytes at a time. */
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
    }
    while (i < n && p[i] < 0x80) i++;
    *ascii = i == n;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) need = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0) lo = 0xa0;      /* overlong */
            else if (c == 0xed) hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0) lo = 0x90;      /* overlong */
            else if (c == 0xf4) hi = 0x8f; /* past U+10FFFF */
        } else return 0;
        if (n - i - 1 < need) return 0;
        if (p[i + 1] < lo || p[i + 1] > hi) return 0;
        for (size_t k = 2; k <= need; k++)
            if ((p[i + k] & 0xc0) != 0x80) return 0;
        i += need + 1;
    }
    return 1;
}

/* ---------------------------------------------------------------- floats */

double vona_cbor_half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f;
    int m = h & 0x3ff;
    double v;
    if (e == 0) v = ldexp((double)m, -24);
    else if (e != 31) v = ldexp((double)(m + 1024), e - 25);
    else v = m == 0 ? INFINITY : NAN;
    return (h & 0x8000) ? -v : v;
}
