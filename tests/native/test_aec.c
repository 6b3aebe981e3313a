/* Plain-C tests of vona/aec.h: argument checks, a synthetic echo removed, silence kept,
 * the residual echo gate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VONA_TEST_SEED 16u
#include "check.h"
#include "vona/aec.h"
#include "vona/aec_stage.h"

#define RATE 16000
#define FRAME 320
#define SECONDS 6
#define N (RATE * SECONDS)
#define DELAY (RATE * 80 / 1000)

static double energy(const int16_t *x, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e;
}

static void test_arguments(void)
{
    vona_aec *a = (vona_aec *)1;
    CHECK(vona_aec_create(12000, FRAME, 3200, 0, &a) == VONA_E_INVALID_ARG && a == NULL);
    CHECK(vona_aec_create(RATE, 0, 3200, 0, &a) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_create(RATE, RATE, 3200 * 4, 0, &a) == VONA_E_INVALID_ARG); /* 1 s frame */
    CHECK(vona_aec_create(RATE, FRAME, FRAME - 1, 0, &a) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_create(RATE, FRAME, RATE * 2, 0, &a) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_create(RATE, FRAME, 3200, 0x80u, &a) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_create(RATE, FRAME, 3200, 0, NULL) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_create(RATE, FRAME, 3200, VONA_AEC_NOISE_SUPPRESSION | VONA_AEC_ECHO_GATE,
                          &a) == VONA_OK);
    CHECK(vona_aec_sample_rate(a) == RATE && vona_aec_frame_samples(a) == FRAME &&
          vona_aec_filter_samples(a) == 3200);
    int16_t buf[FRAME] = {0}, far[FRAME] = {0};
    CHECK(vona_aec_process(a, buf, far, buf, FRAME - 1) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_process(a, NULL, far, buf, FRAME) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_process(a, buf, far, far, FRAME) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_process(a, NULL, NULL, NULL, 0) == VONA_OK);
    CHECK(vona_aec_process(a, buf, far, buf, FRAME) == VONA_OK); /* in place */
    CHECK(vona_aec_reset(a) == VONA_OK);
    CHECK(vona_aec_reset(NULL) == VONA_E_INVALID_ARG);
    vona_aec_destroy(a);
    vona_aec_destroy(NULL);
}

/* Band-limited noise as the far end, its echo (delayed, -6 dB, one reflection) as the
 * near end: after the filter converges the output holds far less energy than the echo. */
static void test_echo_removed(void)
{
    int16_t *far = calloc(N, sizeof *far), *near = calloc(N, sizeof *near);
    int16_t *out = calloc(N, sizeof *out);
    CHECK(far && near && out);
    double lp = 0.0;
    for (size_t i = 0; i < N; i++) {
        lp = 0.7 * lp + 0.3 * ((double)(rnd() % 20001) - 10000.0);
        far[i] = (int16_t)lp;
    }
    for (size_t i = DELAY; i < N; i++) {
        double y = 0.5 * far[i - DELAY];
        if (i >= DELAY + 160)
            y += 0.15 * far[i - DELAY - 160];
        near[i] = (int16_t)lrint(y);
    }
    vona_aec *a = NULL;
    CHECK(vona_aec_create(RATE, FRAME, RATE / 5, 0, &a) == VONA_OK);
    for (size_t i = 0; i < N; i += FRAME * 5) /* several frames per call */
        CHECK(vona_aec_process(a, near + i, far + i, out + i, FRAME * 5) == VONA_OK);
    size_t tail = (size_t)RATE * 2; /* the last 2 s, well after convergence */
    double erle = 10.0 * log10(energy(near + N - tail, tail) / (energy(out + N - tail, tail) + 1.0));
    fprintf(stderr, "synthetic ERLE %.1f dB\n", erle);
    CHECK(erle > 20.0);
    /* silence in, silence out: nothing played and nothing heard stays (near) nothing */
    memset(near, 0, FRAME * sizeof *near);
    memset(far, 0, FRAME * sizeof *far);
    CHECK(vona_aec_reset(a) == VONA_OK);
    /* the first frames still carry the overlap-add tail of the audio before */
    for (int k = 0; k < 4; k++)
        CHECK(vona_aec_process(a, near, far, out, FRAME) == VONA_OK);
    CHECK(energy(out, FRAME) <= (double)FRAME);
    vona_aec_destroy(a);
    free(far);
    free(near);
    free(out);
}

/* What the gate tests play, hear, and get out of the plain and of the gated canceller. */
typedef struct {
    int16_t *far, *near, *plain, *gated;
} gate_audio;

static gate_audio gate_audio_new(void)
{
    gate_audio g = {calloc(N, sizeof(int16_t)), calloc(N, sizeof(int16_t)),
                    calloc(N, sizeof(int16_t)), calloc(N, sizeof(int16_t))};
    CHECK(g.far && g.near && g.plain && g.gated);
    return g;
}

static void gate_audio_free(gate_audio *g)
{
    free(g->far);
    free(g->near);
    free(g->plain);
    free(g->gated);
}

/* Runs a plain and a gated canceller over all N samples; returns the gated one. */
static vona_aec *cancel_both(gate_audio *g)
{
    vona_aec *a = NULL, *b = NULL;
    CHECK(vona_aec_create(RATE, FRAME, RATE / 5, 0, &a) == VONA_OK);
    CHECK(vona_aec_create(RATE, FRAME, RATE / 5, VONA_AEC_ECHO_GATE, &b) == VONA_OK);
    CHECK(vona_aec_process(a, g->near, g->far, g->plain, N) == VONA_OK);
    CHECK(vona_aec_process(b, g->near, g->far, g->gated, N) == VONA_OK);
    vona_aec_destroy(a);
    return b;
}

/* The gate, before the filter has converged: the echo alone is muted from 300 ms on,
 * a talker over it (as loud as the echo) passes, and with nothing played the output is
 * the ungated canceller's, sample for sample. */
static void test_gate(void)
{
    gate_audio g = gate_audio_new();
    int16_t *far = g.far, *near = g.near, *plain = g.plain, *gated = g.gated;
    double lp = 0.0;
    for (size_t i = 0; i < N / 2; i++) { /* 3 s of playback, then 3 s of silence */
        lp = 0.7 * lp + 0.3 * ((double)(rnd() % 20001) - 10000.0);
        far[i] = (int16_t)lp;
    }
    for (size_t i = DELAY; i < N; i++)
        near[i] = (int16_t)lrint(0.5 * far[i - DELAY]);
    /* the talker: 0.6-0.9 s, 7.5 dB above the echo (the gate passes a talker 6 dB above it) */
    const size_t t0 = RATE * 6 / 10, t1 = RATE * 9 / 10;
    const size_t u0 = RATE * 4, u1 = RATE * 5;           /* and again with nothing playing */
    for (size_t i = 0; i < N; i++) {
        if ((i >= t0 && i < t1) || (i >= u0 && i < u1)) {
            lp = 0.5 * lp + 0.5 * ((double)(rnd() % 14001) - 7000.0);
            near[i] = (int16_t)(near[i] + lp);
        }
    }
    vona_aec *b = cancel_both(&g);
    size_t e0 = RATE * 35 / 100, e1 = RATE * 55 / 100; /* echo alone, filter still young */
    double young = 10.0 * log10(energy(near + e0, e1 - e0) / (energy(plain + e0, e1 - e0) + 1.0));
    double muted = energy(gated + e0, e1 - e0);
    double kept = energy(gated + t0 + FRAME, t1 - t0 - FRAME) /
                  energy(plain + t0 + FRAME, t1 - t0 - FRAME);
    double ratio = energy(near + t0, t1 - t0) / energy(near + e0, e1 - e0);
    fprintf(stderr, "young filter ERLE %.1f dB; gated echo energy %.0f; talker+echo/echo "
            "%.1f dB, kept %.2f\n", young, muted, 10.0 * log10(ratio), kept);
    CHECK(young < 10.0); /* the filter alone leaks: what the gate is for */
    CHECK(muted <= (double)(e1 - e0));
    CHECK(kept > 0.5);
    /* long after the playback stopped the gate does nothing */
    size_t q0 = RATE * 37 / 10;
    CHECK(memcmp(plain + q0, gated + q0, (N - q0) * sizeof *plain) == 0);
    CHECK(energy(gated + u0 + FRAME, u1 - u0 - FRAME) > 0.0);
    /* reset forgets the model: the next playback is gated from its start again */
    CHECK(vona_aec_reset(b) == VONA_OK);
    CHECK(vona_aec_process(b, near, far, gated, RATE / 2) == VONA_OK);
    CHECK(energy(gated + e0 / 2, RATE / 2 - e0 / 2) <= (double)(RATE / 2 - e0 / 2));
    vona_aec_destroy(b);
    gate_audio_free(&g);
}

/* A talker who starts before the playback, which repeats them (an echo test): not echo,
 * the gate stands aside until they pause and the playback is over. */
static void test_gate_talker_first(void)
{
    gate_audio g = gate_audio_new();
    int16_t *far = g.far, *near = g.near;
    double lp = 0.0;
    const size_t lag = RATE / 20; /* the playback repeats the talker 50 ms later */
    for (size_t i = 0; i < (size_t)RATE * 2; i++) {
        lp = 0.7 * lp + 0.3 * ((double)(rnd() % 20001) - 10000.0);
        near[i] = (int16_t)lp;
    }
    for (size_t i = lag; i < (size_t)RATE * 2 + lag; i++) far[i] = near[i - lag];
    vona_aec_destroy(cancel_both(&g));
    CHECK(memcmp(g.plain, g.gated, N * sizeof *g.plain) == 0);
    gate_audio_free(&g);
}

/* The stage: odd chunk sizes come out as whole 10 ms frames (held < frame), the
 * reference FIFO lines played samples up with recorded ones, and the echo goes. */
static void test_stage(void)
{
    vona_aec_stage *s = NULL;
    CHECK(vona_aec_stage_create(12000, 200, 0, &s) == VONA_E_INVALID_ARG && s == NULL);
    CHECK(vona_aec_stage_create(RATE, 0, 0, &s) == VONA_E_INVALID_ARG);
    CHECK(vona_aec_stage_create(RATE, 200, 0, &s) == VONA_OK);
    CHECK(vona_aec_stage_frame(s) == RATE / 100);
    int16_t *far = calloc(N, sizeof *far), *near = calloc(N, sizeof *near);
    int16_t *out = calloc(N + 160, sizeof *out);
    double lp = 0.0;
    for (size_t i = 0; i < N; i++) {
        lp = 0.7 * lp + 0.3 * ((double)(rnd() % 20001) - 10000.0);
        far[i] = (int16_t)lp;
    }
    for (size_t i = DELAY; i < N; i++)
        near[i] = (int16_t)(far[i - DELAY] / 2);
    size_t pos = 0, made = 0;
    int16_t small[10];
    size_t got = 0;
    CHECK(vona_aec_stage_near(s, near, 400, small, 10, &got) == VONA_E_FULL); /* no room */
    while (pos < N) {
        size_t n = 1 + rnd() % 700;
        if (n > N - pos) n = N - pos;
        vona_aec_stage_far(s, far + pos, n); /* played, then recorded */
        CHECK(vona_aec_stage_near(s, near + pos, n, out + made, N + 160 - made, &got) == VONA_OK);
        CHECK(got % 160 == 0 && vona_aec_stage_held(s) < 160);
        made += got;
        pos += n;
    }
    CHECK(made + vona_aec_stage_held(s) == N);
    size_t tail = (size_t)RATE * 2;
    double erle = 10.0 * log10(energy(near + made - tail, tail) / (energy(out + made - tail, tail) + 1.0));
    fprintf(stderr, "stage ERLE %.1f dB\n", erle);
    CHECK(erle > 20.0);
    /* far with NULL appends zeros; far beyond the capacity keeps only the newest */
    vona_aec_stage_far(s, NULL, 480);
    vona_aec_stage_far(s, far, N);
    CHECK(vona_aec_stage_reset(s) == VONA_OK && vona_aec_stage_held(s) == 0);
    vona_aec_stage_destroy(s);
    vona_aec_stage_destroy(NULL);
    free(far);
    free(near);
    free(out);
}

int main(void)
{
    test_arguments();
    test_echo_removed();
    test_gate();
    test_gate_talker_first();
    test_stage();
    return failures ? 1 : 0;
}
