/* Plain-C tests of vona/resample.h: chunk invariance, lengths, bounds, errors, threads. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/resample.h"

static int failures = 0;
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
        }                                                                                  \
    } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

#define N_IN 6000

/* Run a whole stream through `r` in chunks chosen by mode (0 = one shot,
 * 1 = 1-frame chunks, 2 = random 1..700), float or int16. Returns frames out. */
static size_t run_stream(vona_resampler *r, const void *in, size_t n, int is_i16, int mode,
                         void *out, size_t out_cap)
{
    const size_t ch = vona_resampler_channels(r);
    size_t pos = 0, total = 0;
    while (pos < n) {
        size_t c = mode == 0 ? n : mode == 1 ? 1 : 1 + rnd() % 700;
        if (c > n - pos) c = n - pos;
        size_t bound = vona_resampler_max_output(r, c), got = 0;
        CHECK(total + bound <= out_cap, "output capacity");
        vona_status st;
        if (is_i16)
            st = vona_resampler_process_i16(r, (const int16_t *)in + pos * ch, c,
                                            (int16_t *)out + total * ch, bound, &got);
        else
            st = vona_resampler_process_f32(r, (const float *)in + pos * ch, c,
                                            (float *)out + total * ch, bound, &got);
        CHECK(st == VONA_OK, "process status %d", st);
        CHECK(got <= bound, "got %zu > bound %zu", got, bound);
        pos += c;
        total += got;
    }
    size_t got = 0, bound = vona_resampler_max_output(r, 0);
    vona_status st = is_i16 ? vona_resampler_flush_i16(r, (int16_t *)out + total * ch, bound, &got)
                            : vona_resampler_flush_f32(r, (float *)out + total * ch, bound, &got);
    CHECK(st == VONA_OK && got == bound, "flush status %d got %zu bound %zu", st, got, bound);
    return total + got;
}

static void test_invariance(uint32_t a, uint32_t b, uint32_t ch, vona_resample_quality q,
                            unsigned flags)
{
    size_t n = N_IN - (rnd() % 97);
    size_t cap = (size_t)((double)n * b / a) + 8;
    float *xf = malloc(n * ch * sizeof(float));
    int16_t *xi = malloc(n * ch * sizeof(int16_t));
    float *ref_f = malloc(cap * ch * sizeof(float)), *got_f = malloc(cap * ch * sizeof(float));
    int16_t *ref_i = malloc(cap * ch * sizeof(int16_t)), *got_i = malloc(cap * ch * sizeof(int16_t));
    for (size_t i = 0; i < n * ch; i++) {
        xf[i] = 0.6f * sinf(0.013f * (float)i) + 0.3f * ((float)(rnd() % 2000) / 1000.0f - 1.0f);
        xi[i] = (int16_t)((int)(rnd() % 65536) - 32768);
    }
    vona_resampler *r = NULL;
    CHECK(vona_resampler_create_ex(a, b, ch, q, flags, &r) == VONA_OK, "create %u->%u", a, b);
    if (!r) return;
    size_t expect = (size_t)((2 * (uint64_t)n * b + a) / (2 * (uint64_t)a));
    size_t n_ref = run_stream(r, xf, n, 0, 0, ref_f, cap);
    CHECK(n_ref == expect, "%u->%u f32 length %zu, expected %zu", a, b, n_ref, expect);
    size_t n_ref_i = run_stream(r, xi, n, 1, 0, ref_i, cap);
    CHECK(n_ref_i == expect, "%u->%u i16 length %zu", a, b, n_ref_i);
    for (int mode = 1; mode <= 2; mode++) {
        size_t m = run_stream(r, xf, n, 0, mode, got_f, cap);
        CHECK(m == n_ref && memcmp(got_f, ref_f, m * ch * sizeof(float)) == 0,
              "%u->%u ch%u q%d f32 chunk mode %d differs", a, b, ch, q, mode);
        m = run_stream(r, xi, n, 1, mode, got_i, cap);
        CHECK(m == n_ref_i && memcmp(got_i, ref_i, m * ch * sizeof(int16_t)) == 0,
              "%u->%u ch%u q%d i16 chunk mode %d differs", a, b, ch, q, mode);
    }
    if (a == b) {
        CHECK(memcmp(ref_f, xf, n * ch * sizeof(float)) == 0, "equal rates must copy f32");
        CHECK(memcmp(ref_i, xi, n * ch * sizeof(int16_t)) == 0, "equal rates must copy i16");
    }
    vona_resampler_destroy(r);
    free(xf), free(xi), free(ref_f), free(got_f), free(ref_i), free(got_i);
}

/* Regression: soxr ends a flushed stream at a double-rounded length, one frame
 * short of ours when n * out / in is exactly k + 1/2 (24k -> 44.1k after 1000
 * frames). Every pair, default and low-latency, the listed lengths plus the
 * first two such half-frame lengths of the pair. */
static void test_flush_lengths(void)
{
    static const uint32_t rates[] = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000};
    static const size_t lens[] = {0, 1, 2, 7, 160, 999, 1000, 1001, 4410};
    static float in[8000], out[8000 * 6 + 8];
    for (size_t i = 0; i < 8000; i++) in[i] = sinf(0.02f * (float)i);
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 8; j++)
            for (unsigned flags = 0; flags <= VONA_RESAMPLE_LOW_LATENCY; flags++) {
                uint32_t a = rates[i], b = rates[j];
                vona_resampler *r = NULL;
                CHECK(vona_resampler_create_ex(a, b, 1, VONA_RESAMPLE_HQ, flags, &r) == VONA_OK,
                      "create %u->%u", a, b);
                if (!r) continue;
                size_t ns[sizeof lens / sizeof lens[0] + 2], k = 0, ties = 0;
                for (; k < sizeof lens / sizeof lens[0]; k++) ns[k] = lens[k];
                for (size_t n = 1; n < 8000 && ties < 2; n++)
                    if ((2 * (uint64_t)n * b) % (2 * (uint64_t)a) == a) ns[k++] = n, ties++;
                for (size_t t = 0; t < k; t++) {
                    size_t n = ns[t];
                    size_t expect = (size_t)((2 * (uint64_t)n * b + a) / (2 * (uint64_t)a));
                    size_t got = run_stream(r, in, n, 0, 0, out, sizeof out / sizeof out[0]);
                    CHECK(got == expect, "%u->%u flags %u n %zu: %zu frames, expected %zu", a, b,
                          flags, n, got, expect);
                }
                vona_resampler_destroy(r);
            }
}

static void test_errors(void)
{
    vona_resampler *r = (vona_resampler *)1;
    CHECK(vona_resampler_create(12345, 16000, 1, VONA_RESAMPLE_HQ, &r) == VONA_E_INVALID_ARG &&
              r == NULL, "bad rate");
    CHECK(vona_resampler_create(16000, 16000, 3, VONA_RESAMPLE_HQ, &r) == VONA_E_INVALID_ARG,
          "bad channels");
    CHECK(vona_resampler_create(16000, 8000, 1, (vona_resample_quality)7, &r) == VONA_E_INVALID_ARG,
          "bad quality");
    CHECK(vona_resampler_create_ex(16000, 8000, 1, VONA_RESAMPLE_HQ, 2, &r) == VONA_E_INVALID_ARG,
          "unknown flag");
    vona_resample_quality q;
    CHECK(vona_resampler_quality_parse("vhq", &q) == VONA_OK && q == VONA_RESAMPLE_VHQ, "parse");
    CHECK(vona_resampler_quality_parse("best", &q) == VONA_E_INVALID_ARG, "parse bad");
    CHECK(vona_resampler_create(48000, 16000, 1, VONA_RESAMPLE_HQ, &r) == VONA_OK, "create");
    float in[960] = {0}, out[400];
    size_t got = 99;
    CHECK(vona_resampler_process_f32(r, in, 960, out, 10, &got) == VONA_E_FULL && got == 0,
          "small output must be refused");
    CHECK(vona_resampler_delay(r) == 0.0, "state unchanged after refusal");
    CHECK(vona_resampler_process_f32(r, NULL, 5, out, 400, &got) == VONA_E_INVALID_ARG, "NULL in");
    CHECK(vona_resampler_process_f32(r, in, 960, out, 400, &got) == VONA_OK, "process");
    CHECK(vona_resampler_delay(r) >= 0.0 && vona_resampler_delay(r) <= 320.0, "delay range");
    CHECK(vona_resampler_reset(r) == VONA_OK && vona_resampler_max_output(r, 0) == 0, "reset");
    vona_resampler_destroy(r);
    vona_resampler_destroy(NULL);
}

typedef struct job {
    const float *in;
    float *out;
    size_t n, cap, got;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    vona_resampler *r = NULL;
    if (vona_resampler_create(44100, 16000, 2, VONA_RESAMPLE_HQ, &r) != VONA_OK) return NULL;
    for (int rep = 0; rep < 3; rep++) j->got = run_stream(r, j->in, j->n, 0, 2, j->out, j->cap);
    vona_resampler_destroy(r);
    return NULL;
}

static void test_threads(void)
{
    enum { T = 4, N = 20000 };
    static float in[N * 2], outs[T][N];
    for (size_t i = 0; i < N * 2; i++) in[i] = sinf(0.001f * (float)(i * i % 10007));
    pthread_t th[T];
    job jobs[T];
    for (int t = 0; t < T; t++) {
        jobs[t] = (job){in, outs[t], N, N / 2, 0};
        pthread_create(&th[t], NULL, worker, &jobs[t]);
    }
    for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
    for (int t = 1; t < T; t++)
        CHECK(jobs[t].got == jobs[0].got && jobs[0].got > 0 &&
                  memcmp(outs[t], outs[0], jobs[0].got * 2 * sizeof(float)) == 0,
              "thread %d result differs", t);
}

int main(void)
{
    static const uint32_t rates[] = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000};
    static const uint32_t pairs[][2] = {{48000, 16000}, {16000, 24000}, {24000, 48000},
                                        {44100, 16000}, {16000, 16000}, {11025, 48000}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
        for (uint32_t ch = 1; ch <= 2; ch++)
            for (unsigned flags = 0; flags <= VONA_RESAMPLE_LOW_LATENCY; flags++)
                test_invariance(pairs[p][0], pairs[p][1], ch, VONA_RESAMPLE_HQ, flags);
    /* the largest ratio at vhq: one 1024-frame block yields more than the
     * engine scratch holds, so the wrapper must pull the rest in extra calls */
    for (uint32_t ch = 1; ch <= 2; ch++) test_invariance(8000, 48000, ch, VONA_RESAMPLE_VHQ, 0);
    /* every other pair once, at a random quality, mono */
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 8; j++)
            if ((i * 8 + j) % 5 == 0)
                test_invariance(rates[i], rates[j], 1 + (uint32_t)(rnd() % 2),
                                (vona_resample_quality)(rnd() % 3), rnd() % 2);
    test_flush_lengths();
    test_errors();
    test_threads();
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("test_resample: ok\n");
    return failures != 0;
}
