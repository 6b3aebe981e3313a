/* G.711 kernels: static decode tables and a segment table for the encoder.
 *
 * Decode tables hold the decoder output values of G.711 Tables 1a/2a scaled to 16 bits:
 * mu-law code c (after inverting every bit: sign s, segment e, step m) decodes to
 * +-(((m << 3) + 0x84) << e) - 0x84; A-law code c (after XOR 0x55) decodes to
 * +-((m << 4) + 8) for e = 0 and +-(((m << 4) + 0x108) << (e - 1)) otherwise.
 *
 * The encoder finds the segment with one lookup instead of a search: SEG[k] is the
 * number of significant bits of k (0 for 0), indexed by the biased mu-law magnitude
 * >> 6 or the A-law magnitude >> 5, both below 128. */
#include "vona/g711.h"

static const int16_t ULAW_TO_LINEAR[256] = {
    -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
    -23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764,
    -15996, -15484, -14972, -14460, -13948, -13436, -12924, -12412,
    -11900, -11388, -10876, -10364,  -9852,  -9340,  -8828,  -8316,
     -7932,  -7676,  -7420,  -7164,  -6908,  -6652,  -6396,  -6140,
     -5884,  -5628,  -5372,  -5116,  -4860,  -4604,  -4348,  -4092,
     -3900,  -3772,  -3644,  -3516,  -3388,  -3260,  -3132,  -3004,
     -2876,  -2748,  -2620,  -2492,  -2364,  -2236,  -2108,  -1980,
     -1884,  -1820,  -1756,  -1692,  -1628,  -1564,  -1500,  -1436,
     -1372,  -1308,  -1244,  -1180,  -1116,  -1052,   -988,   -924,
      -876,   -844,   -812,   -780,   -748,   -716,   -684,   -652,
      -620,   -588,   -556,   -524,   -492,   -460,   -428,   -396,
      -372,   -356,   -340,   -324,   -308,   -292,   -276,   -260,
      -244,   -228,   -212,   -196,   -180,   -164,   -148,   -132,
      -120,   -112,   -104,    -96,    -88,    -80,    -72,    -64,
       -56,    -48,    -40,    -32,    -24,    -16,     -8,      0,
     32124,  31100,  30076,  29052,  28028,  27004,  25980,  24956,
     23932,  22908,  21884,  20860,  19836,  18812,  17788,  16764,
     15996,  15484,  14972,  14460,  13948,  13436,  12924,  12412,
     11900,  11388,  10876,  10364,   9852,   9340,   8828,   8316,
      7932,   7676,   7420,   7164,   6908,   6652,   6396,   6140,
      5884,   5628,   5372,   5116,   4860,   4604,   4348,   4092,
      3900,   3772,   3644,   3516,   3388,   3260,   3132,   3004,
      2876,   2748,   2620,   2492,   2364,   2236,   2108,   1980,
      1884,   1820,   1756,   1692,   1628,   1564,   1500,   1436,
      1372,   1308,   1244,   1180,   1116,   1052,    988,    924,
       876,    844,    812,    780,    748,    716,    684,    652,
       620,    588,    556,    524,    492,    460,    428,    396,
       372,    356,    340,    324,    308,    292,    276,    260,
       244,    228,    212,    196,    180,    164,    148,    132,
       120,    112,    104,     96,     88,     80,     72,     64,
        56,     48,     40,     32,     24,     16,      8,      0,
};

static const int16_t ALAW_TO_LINEAR[256] = {
     -5504,  -5248,  -6016,  -5760,  -4480,  -4224,  -4992,  -4736,
     -7552,  -7296,  -8064,  -7808,  -6528,  -6272,  -7040,  -6784,
     -2752,  -2624,  -3008,  -2880,  -2240,  -2112,  -2496,  -2368,
     -3776,  -3648,  -4032,  -3904,  -3264,  -3136,  -3520,  -3392,
    -22016, -20992, -24064, -23040, -17920, -16896, -19968, -18944,
    -30208, -29184, -32256, -31232, -26112, -25088, -28160, -27136,
    -11008, -10496, -12032, -11520,  -8960,  -8448,  -9984,  -9472,
    -15104, -14592, -16128, -15616, -13056, -12544, -14080, -13568,
      -344,   -328,   -376,   -360,   -280,   -264,   -312,   -296,
      -472,   -456,   -504,   -488,   -408,   -392,   -440,   -424,
       -88,    -72,   -120,   -104,    -24,     -8,    -56,    -40,
      -216,   -200,   -248,   -232,   -152,   -136,   -184,   -168,
     -1376,  -1312,  -1504,  -1440,  -1120,  -1056,  -1248,  -1184,
     -1888,  -1824,  -2016,  -1952,  -1632,  -1568,  -1760,  -1696,
      -688,   -656,   -752,   -720,   -560,   -528,   -624,   -592,
      -944,   -912,  -1008,   -976,   -816,   -784,   -880,   -848,
      5504,   5248,   6016,   5760,   4480,   4224,   4992,   4736,
      7552,   7296,   8064,   7808,   6528,   6272,   7040,   6784,
      2752,   2624,   3008,   2880,   2240,   2112,   2496,   2368,
      3776,   3648,   4032,   3904,   3264,   3136,   3520,   3392,
     22016,  20992,  24064,  23040,  17920,  16896,  19968,  18944,
     30208,  29184,  32256,  31232,  26112,  25088,  28160,  27136,
     11008,  10496,  12032,  11520,   8960,   8448,   9984,   9472,
     15104,  14592,  16128,  15616,  13056,  12544,  14080,  13568,
       344,    328,    376,    360,    280,    264,    312,    296,
       472,    456,    504,    488,    408,    392,    440,    424,
        88,     72,    120,    104,     24,      8,     56,     40,
       216,    200,    248,    232,    152,    136,    184,    168,
      1376,   1312,   1504,   1440,   1120,   1056,   1248,   1184,
      1888,   1824,   2016,   1952,   1632,   1568,   1760,   1696,
       688,    656,    752,    720,    560,    528,    624,    592,
       944,    912,   1008,    976,    816,    784,    880,    848,
};

static const uint8_t SEG[128] = {
    0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
};

/* mu-law: 14-bit value rounded to nearest, magnitude clipped to 8158 so the biased
 * magnitude (+33) stays below 8192 (8159..8192 all land in the last step anyway). */
static inline uint8_t ulaw_code(int16_t x)
{
    int32_t p = ((int32_t)x + 2) >> 2; /* floor, then saturate the one overflow */
    uint8_t mask = 0xFF;
    if (p > 8191) p = 8191;
    if (p < 0) {
        p = -p;
        mask = 0x7F;
    }
    if (p > 8158) p = 8158;
    p += 33;
    unsigned seg = SEG[p >> 6];
    return (uint8_t)(((seg << 4) | ((unsigned)(p >> (seg + 1)) & 0xFu)) ^ mask);
}

/* A-law: 13-bit value rounded to nearest; negatives mirror about -1/2 (one's
 * complement), so the magnitude is 0..4095 on both sides and zero has no sign. */
static inline uint8_t alaw_code(int16_t x)
{
    int32_t p = ((int32_t)x + 4) >> 3;
    uint8_t mask = 0xD5;
    if (p > 4095) p = 4095;
    if (p < 0) {
        p = -p - 1;
        mask = 0x55;
    }
    unsigned seg = SEG[p >> 5];
    unsigned shift = seg ? seg : 1u;
    return (uint8_t)(((seg << 4) | ((unsigned)(p >> shift) & 0xFu)) ^ mask);
}

uint8_t vona_g711_ulaw_from_linear(int16_t x) { return ulaw_code(x); }
uint8_t vona_g711_alaw_from_linear(int16_t x) { return alaw_code(x); }
int16_t vona_g711_ulaw_to_linear(uint8_t code) { return ULAW_TO_LINEAR[code]; }
int16_t vona_g711_alaw_to_linear(uint8_t code) { return ALAW_TO_LINEAR[code]; }

static vona_status check_args(const void *src, size_t n, const void *dst)
{
    if (n > VONA_G711_MAX_SAMPLES) return VONA_E_LIMIT;
    if (n > 0 && (src == NULL || dst == NULL)) return VONA_E_INVALID_ARG;
    return VONA_OK;
}

vona_status vona_g711_ulaw_encode(const int16_t *src, size_t n, uint8_t *dst)
{
    vona_status st = check_args(src, n, dst);
    if (st != VONA_OK) return st;
    for (size_t i = 0; i < n; i++) dst[i] = ulaw_code(src[i]);
    return VONA_OK;
}

vona_status vona_g711_alaw_encode(const int16_t *src, size_t n, uint8_t *dst)
{
    vona_status st = check_args(src, n, dst);
    if (st != VONA_OK) return st;
    for (size_t i = 0; i < n; i++) dst[i] = alaw_code(src[i]);
    return VONA_OK;
}

vona_status vona_g711_ulaw_decode(const uint8_t *src, size_t n, int16_t *dst)
{
    vona_status st = check_args(src, n, dst);
    if (st != VONA_OK) return st;
    for (size_t i = 0; i < n; i++) dst[i] = ULAW_TO_LINEAR[src[i]];
    return VONA_OK;
}

vona_status vona_g711_alaw_decode(const uint8_t *src, size_t n, int16_t *dst)
{
    vona_status st = check_args(src, n, dst);
    if (st != VONA_OK) return st;
    for (size_t i = 0; i < n; i++) dst[i] = ALAW_TO_LINEAR[src[i]];
    return VONA_OK;
}
