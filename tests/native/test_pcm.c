/* vona_pcm: conversions against scalar double-precision references, at every length
 * from 0 to 70 (vector bodies and scalar tails), including ties, NaN, infinities and
 * out-of-range values; downmix, (de)interleave and levels against direct formulas. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/pcm.h"

#define VONA_TEST_SEED 12345u
#include "check.h"

/* The reference: what numpy computes, in double precision with the default rounding. */
static int16_t ref_to_int16(float y)
{
    if (isnan(y)) return 0;
    double v = nearbyint((double)y * 32768.0);
    if (v > 32767.0) return 32767;
    if (v < -32768.0) return -32768;
    return (int16_t)v;
}

static void test_to_int16(void)
{
    enum { N = 4096 };
    static float src[N];
    static int16_t dst[N];
    const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f / 32768.0f, 1.5f / 32768.0f,
                              -0.5f / 32768.0f, -2.5f / 32768.0f, 32767.5f / 32768.0f,
                              -32768.5f / 32768.0f, 1.0001f, -1.0001f, 1e30f, -1e30f,
                              INFINITY, -INFINITY, NAN, -NAN, 3.0e-45f, 0.99999994f};
    const size_t ns = sizeof(specials) / sizeof(specials[0]);
    for (size_t i = 0; i < N; i++) {
        uint32_t r = rnd();
        if (i % 3 == 0)
            src[i] = specials[r % ns];
        else if (i % 3 == 1) /* exact ties k + 0.5 */
            src[i] = ((float)((int32_t)(r % 70000u) - 35000) + 0.5f) / 32768.0f;
        else
            src[i] = ((float)(int32_t)r / 2147483648.0f) * 1.2f;
    }
    for (size_t len = 0; len <= 70; len++) {
        size_t off = len % 5; /* unaligned starts too */
        memset(dst, 0x55, sizeof(dst));
        vona_pcm_to_int16(src + off, dst, len);
        for (size_t i = 0; i < len; i++) CHECK(dst[i] == ref_to_int16(src[off + i]));
        CHECK(len == 70 || dst[len] == 0x5555); /* no write past the end */
    }
    vona_pcm_to_int16(src, dst, N);
    size_t bad = 0;
    for (size_t i = 0; i < N; i++) bad += dst[i] != ref_to_int16(src[i]);
    CHECK(bad == 0);
}

static void test_to_float32_roundtrip(void)
{
    static int16_t src[65536], back[65536];
    static float f[65536];
    for (int i = 0; i < 65536; i++) src[i] = (int16_t)(i - 32768);
    vona_pcm_to_float32(src, f, 65536);
    for (int i = 0; i < 65536; i++) CHECK(f[i] == (float)src[i] / 32768.0f);
    vona_pcm_to_int16(f, back, 65536);
    CHECK(memcmp(src, back, sizeof(src)) == 0);
    for (size_t len = 0; len < 40; len++) {
        float g[40];
        memset(g, 0, sizeof(g));
        vona_pcm_to_float32(src + 7, g, len);
        for (size_t i = 0; i < 40; i++) CHECK(g[i] == (i < len ? (float)src[7 + i] / 32768.0f : 0.0f));
    }
}

static void test_gain(void)
{
    int16_t in[37], out[37];
    float fin[37], fout[37];
    for (int i = 0; i < 37; i++) {
        in[i] = (int16_t)((int)(rnd() % 65536u) - 32768);
        fin[i] = (float)in[i] / 32768.0f;
    }
    const double dbs[] = {0.0, 6.0, -6.0, 20.0, -120.0, 3.5};
    for (size_t k = 0; k < sizeof(dbs) / sizeof(dbs[0]); k++) {
        float g = vona_pcm_db_to_gain(dbs[k]);
        CHECK(g == (float)pow(10.0, dbs[k] / 20.0));
        vona_pcm_gain_int16(in, out, 37, g);
        for (int i = 0; i < 37; i++) CHECK(out[i] == ref_to_int16((float)in[i] * g / 32768.0f));
        vona_pcm_gain_float32(fin, fout, 37, g);
        for (int i = 0; i < 37; i++) CHECK(fout[i] == fin[i] * g);
    }
    memcpy(out, in, sizeof(in));
    vona_pcm_gain_int16(out, out, 37, 2.0f); /* in place */
    for (int i = 0; i < 37; i++) {
        int v = 2 * in[i];
        CHECK(out[i] == (v > 32767 ? 32767 : v < -32768 ? -32768 : v));
    }
}

static void test_downmix(void)
{
    int16_t st[12] = {1, 2, -1, -2, 3, 4, -3, -4, 32767, 32767, -32768, -32768};
    int16_t mono[6];
    CHECK(vona_pcm_downmix(st, 6, 2, mono) == VONA_OK);
    /* 1.5 -> 2, -1.5 -> -2, 3.5 -> 4, -3.5 -> -4 (ties to even) */
    const int16_t expect2[6] = {2, -2, 4, -4, 32767, -32768};
    CHECK(memcmp(mono, expect2, sizeof(expect2)) == 0);
    int16_t three[9] = {1, 1, 0, 1, 1, 1, -1, -1, 0}; /* 2/3 -> 1, 1 -> 1, -2/3 -> -1 */
    CHECK(vona_pcm_downmix(three, 3, 3, mono) == VONA_OK);
    CHECK(mono[0] == 1 && mono[1] == 1 && mono[2] == -1);
    int16_t four[8] = {1, 1, 0, 0, -1, -1, 0, 0}; /* 0.5 -> 0, -0.5 -> 0 */
    CHECK(vona_pcm_downmix(four, 2, 4, mono) == VONA_OK);
    CHECK(mono[0] == 0 && mono[1] == 0);
    int16_t six[6] = {3, 3, 3, 3, 3, 0}; /* 15/6 = 2.5 -> 2 */
    CHECK(vona_pcm_downmix(six, 1, 6, mono) == VONA_OK && mono[0] == 2);
    CHECK(vona_pcm_downmix(st, 6, 0, mono) == VONA_E_INVALID_ARG);
    CHECK(vona_pcm_downmix(st, 6, VONA_PCM_MAX_CHANNELS + 1, mono) == VONA_E_INVALID_ARG);
    CHECK(vona_pcm_downmix(st, 6, 1, st) == VONA_OK && st[0] == 1); /* mono in place */
}

static void test_interleave(void)
{
    for (unsigned ch = 1; ch <= 5; ch++) {
        int16_t planes[5][11], back[5][11], inter[55];
        const int16_t *in_p[5];
        int16_t *out_p[5];
        for (unsigned c = 0; c < ch; c++) {
            for (int i = 0; i < 11; i++) planes[c][i] = (int16_t)(c * 100 + i);
            in_p[c] = planes[c];
            out_p[c] = back[c];
        }
        CHECK(vona_pcm_interleave(in_p, ch, 11, inter) == VONA_OK);
        for (int i = 0; i < 11; i++)
            for (unsigned c = 0; c < ch; c++) CHECK(inter[i * ch + c] == planes[c][i]);
        CHECK(vona_pcm_deinterleave(inter, ch, 11, out_p) == VONA_OK);
        for (unsigned c = 0; c < ch; c++) CHECK(memcmp(back[c], planes[c], sizeof(planes[c])) == 0);
    }
    CHECK(vona_pcm_interleave(NULL, 0, 0, NULL) == VONA_E_INVALID_ARG);
    CHECK(vona_pcm_deinterleave(NULL, 0, 0, NULL) == VONA_E_INVALID_ARG);
}

static void test_levels(void)
{
    int16_t z[8] = {0};
    CHECK(isinf(vona_pcm_peak_dbfs_int16(z, 8)) && vona_pcm_peak_dbfs_int16(z, 8) < 0);
    CHECK(isinf(vona_pcm_rms_dbfs_int16(z, 8)) && isinf(vona_pcm_rms_dbfs_int16(z, 0)));
    int16_t full[2] = {-32768, 16384};
    CHECK(vona_pcm_peak_dbfs_int16(full, 2) == 0.0);
    double rms = vona_pcm_rms_dbfs_int16(full, 2);
    CHECK(fabs(rms - 10.0 * log10((1.0 + 0.25) / 2.0)) < 1e-12);
    float f[3] = {0.5f, -0.25f, NAN};
    CHECK(fabs(vona_pcm_peak_dbfs_float32(f, 3) - 20.0 * log10(0.5)) < 1e-12);
    CHECK(fabs(vona_pcm_rms_dbfs_float32(f, 2) - 10.0 * log10((0.25 + 0.0625) / 2.0)) < 1e-12);
    float fz[2] = {0.0f, -0.0f};
    CHECK(isinf(vona_pcm_peak_dbfs_float32(fz, 2)) && isinf(vona_pcm_rms_dbfs_float32(fz, 2)));
}

int main(void)
{
    test_to_int16();
    test_to_float32_roundtrip();
    test_gain();
    test_downmix();
    test_interleave();
    test_levels();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
