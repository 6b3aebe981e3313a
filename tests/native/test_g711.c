/* vona_g711: every int16 input against a reference that searches G.711's decision
 * values directly (no tables), every code's decoder output, code -> linear -> code
 * stability, the array kernels against the per-sample ones, and argument errors. */
#include <stdlib.h>
#include <string.h>

#include "vona/g711.h"

#define VONA_TEST_SEED 711u
#include "check.h"

/* mu-law Table 2a, positive half on the 14-bit scale: segment e (0..7) spans
 * [2^(e+5) - 33, 2^(e+6) - 33) in 16 steps of 2^(e+1), except that segment 0's first
 * interval is [0, 1). The code magnitude is 16e + step; the byte inverts all bits and
 * the transmitted sign bit is set for positive values. */
static uint8_t ref_ulaw(int16_t x)
{
    long v = ((long)x + 2) >> 2;
    if (v > 8191) v = 8191;
    int neg = v < 0;
    long mag = neg ? -v : v;
    int code = 127;
    for (int e = 0; e < 8 && code == 127; e++) {
        long lo = (1L << (e + 5)) - 33, step = 1L << (e + 1);
        for (int m = 0; m < 16; m++) {
            long upper = lo + (m + 1) * step; /* decision value ending this step */
            if (e == 0 && m == 0) upper = 1;
            if (mag < upper) {
                code = 16 * e + m;
                break;
            }
        }
    }
    return (uint8_t)(((neg ? 0x80 : 0x00) | code) ^ 0xFF);
}

/* A-law Table 1a, positive half on the 13-bit scale: segments 0 and 1 span [0, 32) and
 * [32, 64) in steps of 2; segment e >= 1 spans [2^(e+4), 2^(e+5)) in steps of 2^e.
 * Negative values mirror about -1/2. The byte is (sign << 7 | 16e + step) ^ 0x55. */
static uint8_t ref_alaw(int16_t x)
{
    long v = ((long)x + 4) >> 3;
    if (v > 4095) v = 4095;
    int neg = v < 0;
    long mag = neg ? -v - 1 : v;
    int e = 0;
    while (e < 7 && mag >= (1L << (e + 5))) e++;
    long lo = e == 0 ? 0 : 1L << (e + 4), step = e == 0 ? 2 : 1L << e;
    int code = 16 * e + (int)((mag - lo) / step);
    return (uint8_t)(((neg ? 0x00 : 0x80) | code) ^ 0x55);
}

static void test_encode_all_inputs(void)
{
    static int16_t x[65536];
    static uint8_t u[65536], a[65536];
    for (long i = 0; i < 65536; i++) x[i] = (int16_t)(i - 32768);
    CHECK(vona_g711_ulaw_encode(x, 65536, u) == VONA_OK);
    CHECK(vona_g711_alaw_encode(x, 65536, a) == VONA_OK);
    long bad_u = 0, bad_a = 0;
    for (long i = 0; i < 65536; i++) {
        bad_u += u[i] != ref_ulaw(x[i]) || u[i] != vona_g711_ulaw_from_linear(x[i]);
        bad_a += a[i] != ref_alaw(x[i]) || a[i] != vona_g711_alaw_from_linear(x[i]);
    }
    CHECK(bad_u == 0);
    CHECK(bad_a == 0);
    /* anchors from the standard: zero, full scale */
    CHECK(vona_g711_ulaw_from_linear(0) == 0xFF);
    CHECK(vona_g711_ulaw_from_linear(32767) == 0x80);
    CHECK(vona_g711_ulaw_from_linear(-32768) == 0x00);
    CHECK(vona_g711_alaw_from_linear(0) == 0xD5);
    CHECK(vona_g711_alaw_from_linear(-8) == 0x55);
    CHECK(vona_g711_alaw_from_linear(32767) == 0xAA);
    CHECK(vona_g711_alaw_from_linear(-32768) == 0x2A);
}

static void test_decode_all_codes(void)
{
    uint8_t codes[256];
    int16_t u[256], a[256];
    for (int i = 0; i < 256; i++) codes[i] = (uint8_t)i;
    CHECK(vona_g711_ulaw_decode(codes, 256, u) == VONA_OK);
    CHECK(vona_g711_alaw_decode(codes, 256, a) == VONA_OK);
    for (int c = 0; c < 256; c++) {
        /* decoder output: the interval's midpoint on the standard's scale, x4 / x8 */
        int b = c ^ 0xFF, e = (b >> 4) & 7, m = b & 15;
        long lo = (1L << (e + 5)) - 33 + (long)m * (1L << (e + 1));
        long y = (e == 0 && m == 0) ? 0 : lo + (1L << e);
        long want_u = (b & 0x80 ? -y : y) * 4;
        int ba = c ^ 0x55, ea = (ba >> 4) & 7, ma = ba & 15;
        long loa = ea == 0 ? 2L * ma : (1L << (ea + 4)) + (long)ma * (1L << ea);
        long ya = loa + (ea == 0 ? 1 : 1L << (ea - 1));
        long want_a = (ba & 0x80 ? ya : -ya) * 8;
        CHECK(u[c] == want_u);
        CHECK(a[c] == want_a);
        CHECK(u[c] == vona_g711_ulaw_to_linear((uint8_t)c));
        CHECK(a[c] == vona_g711_alaw_to_linear((uint8_t)c));
        /* a decoded value encodes back to its code (mu-law has +0 and -0: 0x7F -> 0xFF) */
        CHECK(vona_g711_ulaw_from_linear(u[c]) == (c == 0x7F ? 0xFF : c));
        CHECK(vona_g711_alaw_from_linear(a[c]) == c);
    }
}

static void test_lengths_and_errors(void)
{
    int16_t x[70], y[71];
    uint8_t b[71];
    for (int i = 0; i < 70; i++) x[i] = (int16_t)rnd();
    for (size_t len = 0; len <= 70; len++) {
        memset(b, 0xEE, sizeof(b));
        CHECK(vona_g711_alaw_encode(x, len, b) == VONA_OK);
        CHECK(b[len] == 0xEE);
        memset(y, 0x55, sizeof(y));
        CHECK(vona_g711_alaw_decode(b, len, y) == VONA_OK);
        CHECK(y[len] == 0x5555);
    }
    CHECK(vona_g711_ulaw_encode(NULL, 0, NULL) == VONA_OK);
    CHECK(vona_g711_ulaw_encode(NULL, 1, b) == VONA_E_INVALID_ARG);
    CHECK(vona_g711_ulaw_decode(b, 1, NULL) == VONA_E_INVALID_ARG);
    CHECK(vona_g711_alaw_decode(b, VONA_G711_MAX_SAMPLES + 1, y) == VONA_E_LIMIT);
    CHECK(vona_g711_alaw_encode(x, VONA_G711_MAX_SAMPLES + 1, b) == VONA_E_LIMIT);
}

int main(void)
{
    test_encode_all_inputs();
    test_decode_all_codes();
    test_lengths_and_errors();
    if (failures) fprintf(stderr, "test_g711: %d failures\n", failures);
    return failures != 0;
}
