/* vona_step_loop: passthrough through process() with random chunk sizes (exact at equal
 * rates; equal to the one-shot resampler chain across rates, with backend input and
 * output rates equal or not), push_input framing, one loop with two backend rates equal
 * to two single-rate loops, the native backend ops table (a backend of its own, reset,
 * errors), interruption accounting, underruns and virtual-clock latency stamps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/pcm.h"
#include "vona/step_loop.h"

#define VONA_TEST_SEED 4242u
#include "check.h"

static vona_step_loop *make2(uint32_t t, uint32_t b_in, uint32_t b_out, size_t frame, unsigned ch,
                             size_t cap)
{
    vona_step_loop_config cfg = {.transport_rate = t,
                                 .backend_input_rate = b_in,
                                 .backend_output_rate = b_out,
                                 .backend_frame = frame,
                                 .channels = ch,
                                 .playout_capacity = cap,
                                 .quality = VONA_RESAMPLE_HQ};
    vona_step_loop *l = NULL;
    CHECK(vona_step_loop_create(&cfg, &l) == VONA_OK);
    return l;
}

static vona_step_loop *make(uint32_t t, uint32_t b, size_t frame, unsigned ch, size_t cap)
{
    return make2(t, b, b, frame, ch, cap);
}

static void set_passthrough(vona_step_loop *l)
{
    vona_native_backend b = vona_native_passthrough();
    CHECK(vona_step_loop_set_native_backend(l, &b) == VONA_OK);
}

static void test_config_errors(void)
{
    vona_step_loop *l = NULL;
    vona_step_loop_config ok = {.transport_rate = 16000,
                                .backend_input_rate = 16000,
                                .backend_output_rate = 16000,
                                .backend_frame = 320,
                                .channels = 1,
                                .playout_capacity = 1000,
                                .quality = VONA_RESAMPLE_HQ};
    vona_step_loop_config c = ok;
    c.transport_rate = 0;
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG && l == NULL);
    c = ok;
    c.backend_frame = 0;
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.playout_capacity = 0;
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.channels = 0;
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.backend_input_rate = 12345; /* resampler refuses the pair */
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.backend_output_rate = 12345; /* the output side's pair too */
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.backend_output_rate = 0;
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG && l == NULL);
    c = ok;
    c.backend_input_rate = VONA_STEP_LOOP_MAX_RATE + 1;
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.backend_input_rate = 24000;
    c.resample_flags = 0x80; /* unknown resampler flag */
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.channels = 3;
    c.backend_output_rate = 24000; /* resampler is mono/stereo only */
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    CHECK(vona_step_loop_create(NULL, &l) == VONA_E_INVALID_ARG);
    vona_step_loop_destroy(NULL);
}

/* Push `total` samples of x through process() in random chunks, pulling random
 * amounts as we go; return everything pulled in *out (caller frees). */
static size_t run_process(vona_step_loop *l, const int16_t *x, size_t total, unsigned ch, int16_t **out)
{
    int16_t *got = malloc((total * 8 + 100000) * ch * sizeof(int16_t));
    size_t pos = 0, n_out = 0;
    while (pos < total) {
        uint32_t roll = rnd();
        size_t n = roll % 5 == 0 ? roll % 2 : roll % 1500;
        if (n > total - pos) n = total - pos;
        size_t queued = 0;
        CHECK(vona_step_loop_process(l, x + pos * ch, n, &queued) == VONA_OK);
        pos += n;
        size_t want = (roll >> 12) % 2000, g = 0;
        CHECK(vona_step_loop_pull(l, got + n_out * ch, want, want, &g) == VONA_OK);
        n_out += g;
    }
    size_t g;
    do {
        CHECK(vona_step_loop_pull(l, got + n_out * ch, 4096, 4096, &g) == VONA_OK);
        n_out += g;
    } while (g > 0);
    *out = got;
    return n_out;
}

static void test_passthrough_equal_rates(void)
{
    const unsigned ch = 2;
    const size_t frame = 320, total = 3000 * frame + 123;
    vona_step_loop *l = make(16000, 16000, frame, ch, 1 << 20);
    CHECK(vona_step_loop_process(l, NULL, 0, &(size_t){0}) == VONA_E_STATE);
    set_passthrough(l);
    int16_t *x = malloc(total * ch * sizeof(int16_t)), *y = NULL;
    for (size_t i = 0; i < total * ch; i++) x[i] = (int16_t)(rnd() & 0xffff);
    size_t n = run_process(l, x, total, ch, &y);
    CHECK(n == 3000 * frame); /* the partial last frame stays pending */
    CHECK(memcmp(x, y, n * ch * sizeof(int16_t)) == 0);
    vona_step_loop_stats st;
    vona_step_loop_stats_get(l, &st);
    CHECK(st.frames_in == 3000 && st.frames_out == 3000 && st.samples_in == total);
    CHECK(st.samples_queued == n && st.samples_played == n && st.overflows == 0);
    free(x);
    free(y);
    vona_step_loop_destroy(l);
}

/* Across rates the loop must equal the one-shot chain: resample the whole input to the
 * backend input rate, cut whole frames, resample those back from the backend output
 * rate (a passthrough answers its frame as audio at the output rate). Streaming output
 * is a prefix. */
static void test_passthrough_resampled(uint32_t t, uint32_t b, uint32_t b_out, size_t frame)
{
    const size_t total = 48000;
    vona_step_loop *l = make2(t, b, b_out, frame, 1, 1 << 20);
    set_passthrough(l);
    int16_t *x = malloc(total * sizeof(int16_t)), *y = NULL;
    for (size_t i = 0; i < total; i++) x[i] = (int16_t)((int)(rnd() % 20000) - 10000);
    size_t n = run_process(l, x, total, 1, &y);

    /* The one-shot chain; a side whose rates are equal is a copy, as in the loop. */
    vona_resampler *r1 = NULL, *r2 = NULL;
    if (t != b) CHECK(vona_resampler_create(t, b, 1, VONA_RESAMPLE_HQ, &r1) == VONA_OK);
    if (b_out != t) CHECK(vona_resampler_create(b_out, t, 1, VONA_RESAMPLE_HQ, &r2) == VONA_OK);
    size_t cap1 = r1 ? vona_resampler_max_output(r1, total) : total, m1 = total;
    int16_t *mid = malloc(cap1 * sizeof(int16_t));
    if (r1) CHECK(vona_resampler_process_i16(r1, x, total, mid, cap1, &m1) == VONA_OK);
    else memcpy(mid, x, total * sizeof(int16_t));
    size_t whole = m1 / frame * frame, cap2 = r2 ? vona_resampler_max_output(r2, whole) : whole,
           m2 = whole;
    int16_t *ref = malloc(cap2 * sizeof(int16_t));
    if (r2) CHECK(vona_resampler_process_i16(r2, mid, whole, ref, cap2, &m2) == VONA_OK);
    else memcpy(ref, mid, whole * sizeof(int16_t));
    CHECK(n == m2);
    CHECK(memcmp(y, ref, (n < m2 ? n : m2) * sizeof(int16_t)) == 0);
    vona_step_loop_stats st;
    vona_step_loop_stats_get(l, &st);
    CHECK(st.frames_in == whole / frame);
    vona_resampler_destroy(r1);
    vona_resampler_destroy(r2);
    free(mid);
    free(ref);
    free(x);
    free(y);
    vona_step_loop_destroy(l);
}

static void test_push_input_frames(void)
{
    vona_step_loop *l = make(48000, 16000, 320, 1, 48000);
    int16_t chunk[960] = {0};
    int16_t frame_mem[8][320];
    int16_t *frames[8];
    for (int i = 0; i < 8; i++) frames[i] = frame_mem[i];
    size_t total = 0, nf = 0;
    for (int k = 0; k < 50; k++) {
        size_t bound = vona_step_loop_input_frames_bound(l, 960);
        CHECK(bound <= 8);
        if (bound > 0) CHECK(vona_step_loop_push_input(l, chunk, 960, frames, bound - 1, &nf) == VONA_E_FULL);
        CHECK(vona_step_loop_push_input(l, chunk, 960, frames, 8, &nf) == VONA_OK);
        CHECK(nf <= bound);
        total += nf;
    }
    /* 50 chunks of 20 ms at 48k = 1 s = 16000 backend samples = 50 frames, less the delay */
    CHECK(total >= 40 && total <= 50);
    vona_step_loop_destroy(l);
}

static void test_interrupt_and_turns(void)
{
    vona_step_loop *l = make(16000, 16000, 320, 1, 4000);
    vona_step_loop_set_virtual_clock(l, 1);
    CHECK(vona_step_loop_set_time(l, 5000000) == VONA_OK);
    CHECK(vona_step_loop_now(l) == 5000000);
    vona_step_loop_mark_user_speech_end(l, 4000000);
    vona_step_loop_begin_turn(l, -1);
    CHECK(vona_step_loop_turn_start_ns(l) == 5000000 && vona_step_loop_first_audio_ns(l) == -1);

    int16_t out[6000], buf[1000];
    memset(out, 0, sizeof(out));
    for (int i = 100; i < 6000; i++) out[i] = (int16_t)(i % 50 + 1); /* 100 silent samples first */
    size_t queued = 0, got = 0;
    CHECK(vona_step_loop_push_output(l, out, 6000, &queued) == VONA_OK);
    CHECK(queued == 4000); /* ring holds 4000: the rest refused and counted */
    CHECK(vona_step_loop_pull(l, buf, 80, 80, &got) == VONA_OK && got == 80);
    CHECK(vona_step_loop_first_audio_ns(l) == -1); /* all silent so far */
    CHECK(vona_step_loop_advance_clock(l, 5000000) == VONA_OK);
    CHECK(vona_step_loop_pull(l, buf, 320, 320, &got) == VONA_OK && got == 320);
    /* first sound is sample 100, i.e. 20 samples into this pull: 20 / 16000 s later */
    CHECK(vona_step_loop_first_audio_ns(l) == 10000000 + 1250000);
    CHECK(vona_step_loop_turn_latency_ns(l) == 10000000 + 1250000 - 4000000);
    CHECK(memcmp(buf, out + 80, 320 * sizeof(int16_t)) == 0);

    vona_step_loop_interruption it;
    CHECK(vona_step_loop_interrupt(l, &it) == VONA_OK);
    CHECK(it.dropped_samples == 4000 - 400 && it.played_samples == 400 && it.played_ms == 25.0);
    CHECK(vona_step_loop_playout_buffered(l) == 0);
    CHECK(vona_step_loop_pull(l, buf, 320, 320, &got) == VONA_OK && got == 0);

    vona_step_loop_stats st;
    vona_step_loop_stats_get(l, &st);
    CHECK(st.overflows == 2000 && st.dropped_samples == 3600 && st.interrupts == 1);
    CHECK(st.underruns == 0); /* interrupt ended production: a short pull is no underrun */
    /* interrupt closed the turn: a second one reports nothing played */
    CHECK(vona_step_loop_interrupt(l, &it) == VONA_OK);
    CHECK(it.dropped_samples == 0 && it.played_samples == 0 && it.played_ms == 0.0);
    CHECK(vona_step_loop_played_samples(l) == 0);

    /* Next turn: underruns count once playback started, until end_turn. */
    vona_step_loop_begin_turn(l, -1);
    CHECK(vona_step_loop_turn_latency_ns(l) == -1 && vona_step_loop_played_samples(l) == 0);
    CHECK(vona_step_loop_pull(l, buf, 320, 320, &got) == VONA_OK && got == 0); /* not started */
    CHECK(vona_step_loop_push_output(l, out + 100, 500, &queued) == VONA_OK && queued == 500);
    CHECK(vona_step_loop_pull(l, buf, 320, 320, &got) == VONA_OK && got == 320);
    CHECK(vona_step_loop_turn_latency_ns(l) == -1); /* no fresh speech-end mark */
    /* dst sized from what is buffered: the shortfall still counts as an underrun */
    CHECK(vona_step_loop_playout_buffered(l) == 180);
    CHECK(vona_step_loop_pull(l, buf, 180, 320, &got) == VONA_OK && got == 180);
    CHECK(vona_step_loop_end_turn(l, NULL) == VONA_OK);
    CHECK(vona_step_loop_pull(l, buf, 320, 320, &got) == VONA_OK && got == 0);
    vona_step_loop_stats_get(l, &st);
    CHECK(st.underruns == 1 && st.underrun_samples == 140);

    /* A turn that ends before its first sound is pulled still stamps it, and what it
     * played counts until the next interrupt. */
    vona_step_loop_begin_turn(l, -1);
    CHECK(vona_step_loop_push_output(l, out + 100, 320, &queued) == VONA_OK && queued == 320);
    CHECK(vona_step_loop_end_turn(l, NULL) == VONA_OK);
    CHECK(vona_step_loop_pull(l, buf, 320, 320, &got) == VONA_OK && got == 320);
    CHECK(vona_step_loop_first_audio_ns(l) == vona_step_loop_now(l));
    CHECK(vona_step_loop_interrupt(l, &it) == VONA_OK && it.played_samples == 320);
    vona_step_loop_stats_get(l, &st);
    CHECK(st.underruns == 1);
    CHECK(vona_step_loop_advance_clock(l, -1) == VONA_E_INVALID_ARG);
    vona_step_loop_set_virtual_clock(l, 0);
    CHECK(vona_step_loop_advance_clock(l, 1) == VONA_E_STATE);
    CHECK(vona_step_loop_now(l) > 0);
    vona_step_loop_destroy(l);
}

static void test_gain_backend(void)
{
    vona_step_loop *l = make(16000, 16000, 160, 1, 4000);
    vona_native_gain g = {0.5f};
    CHECK(vona_native_gain_init(&g, INFINITY) == VONA_E_INVALID_ARG && g.gain == 0.5f);
    CHECK(vona_native_gain_init(&g, NAN) == VONA_E_INVALID_ARG);
    CHECK(vona_native_gain_init(NULL, 0.0) == VONA_E_INVALID_ARG);
    CHECK(vona_native_gain_init(&g, -6.0) == VONA_OK);
    vona_native_backend b = vona_native_gain_backend(&g);
    CHECK(b.ops == &vona_native_gain_ops && b.ctx == &g && strcmp(b.ops->name, "gain") == 0);
    CHECK(vona_step_loop_set_native_backend(l, &b) == VONA_OK);
    int16_t x[320], y[320];
    for (int i = 0; i < 320; i++) x[i] = (int16_t)(i * 100 - 16000);
    size_t queued = 0, got = 0;
    CHECK(vona_step_loop_process(l, x, 320, &queued) == VONA_OK && queued == 320);
    CHECK(vona_step_loop_pull(l, y, 320, 320, &got) == VONA_OK && got == 320);
    int16_t ref[320];
    vona_pcm_gain_int16(x, ref, 320, vona_pcm_db_to_gain(-6.0));
    CHECK(memcmp(y, ref, sizeof(ref)) == 0);
    vona_step_loop_destroy(l);
}

/* One loop with backend rates b_in != b_out equals two single-rate loops, one per side
 * (the driver's former LoopPair): push_input like (t, b_in), push_output and playout
 * like (t, b_out), bit for bit. */
static void test_two_rates_equal_two_loops(uint32_t t, uint32_t b_in, uint32_t b_out)
{
    const size_t frame = b_in / 50, total = 24000;
    vona_step_loop *one = make2(t, b_in, b_out, frame, 1, 1 << 20);
    vona_step_loop *in = make(t, b_in, frame, 1, 1 << 20);
    vona_step_loop *out = make(t, b_out, b_out / 50, 1, 1 << 20);
    int16_t *x = malloc(total * sizeof(int16_t));
    for (size_t i = 0; i < total; i++) x[i] = (int16_t)((int)(rnd() % 30000) - 15000);
    int16_t fa[16][960], fb[16][960], pa[4096], pb[4096];
    int16_t *pfa[16], *pfb[16];
    for (int i = 0; i < 16; i++) {
        pfa[i] = fa[i];
        pfb[i] = fb[i];
    }
    size_t pos = 0, frames = 0, played = 0;
    vona_step_loop_begin_turn(one, -1);
    vona_step_loop_begin_turn(out, -1);
    while (pos < total) {
        size_t n = 1 + rnd() % 700;
        if (n > total - pos) n = total - pos;
        size_t na = 0, nb = 0, qa = 0, qb = 0, ga = 0, gb = 0;
        CHECK(vona_step_loop_push_input(one, x + pos, n, pfa, 16, &na) == VONA_OK);
        CHECK(vona_step_loop_push_input(in, x + pos, n, pfb, 16, &nb) == VONA_OK);
        CHECK(na == nb);
        for (size_t k = 0; k < na && k < nb; k++) {
            CHECK(memcmp(fa[k], fb[k], frame * sizeof(int16_t)) == 0);
            /* the "backend" answers each frame with 3/2 of it at the output rate */
            size_t m = frame * 3 / 2 <= 960 ? frame * 3 / 2 : 960;
            for (size_t j = frame; j < m; j++) fa[k][j] = (int16_t)(fa[k][j - frame] / 2);
            CHECK(vona_step_loop_push_output(one, fa[k], m, &qa) == VONA_OK);
            CHECK(vona_step_loop_push_output(out, fa[k], m, &qb) == VONA_OK);
            CHECK(qa == qb);
        }
        frames += na;
        size_t want = rnd() % 4096;
        CHECK(vona_step_loop_pull(one, pa, want, want, &ga) == VONA_OK);
        CHECK(vona_step_loop_pull(out, pb, want, want, &gb) == VONA_OK);
        CHECK(ga == gb && memcmp(pa, pb, (ga < gb ? ga : gb) * sizeof(int16_t)) == 0);
        played += ga;
        pos += n;
    }
    size_t ta = 0, tb = 0;
    CHECK(vona_step_loop_end_turn(one, &ta) == VONA_OK);
    CHECK(vona_step_loop_end_turn(out, &tb) == VONA_OK);
    CHECK(ta == tb && vona_step_loop_playout_buffered(one) == vona_step_loop_playout_buffered(out));
    CHECK(frames > 0 && played > 0);
    vona_step_loop_stats sa, sb;
    vona_step_loop_stats_get(one, &sa);
    vona_step_loop_stats_get(out, &sb);
    CHECK(sa.samples_queued == sb.samples_queued && sa.samples_played == sb.samples_played);
    free(x);
    vona_step_loop_destroy(one);
    vona_step_loop_destroy(in);
    vona_step_loop_destroy(out);
}

/* A backend of the test's own, through the ops table: it answers each frame with every
 * sample twice (from memory it owns), counts its frames and resets, and fails on cue. */
typedef struct doubler {
    int16_t buf[2 * 160];
    size_t frames, resets, fail_at;
} doubler;

static vona_status doubler_process(void *ctx, int16_t *frame, size_t n, unsigned channels,
                                   const int16_t **out, size_t *out_n)
{
    doubler *d = ctx;
    if (channels != 1 || n > 160) return VONA_E_INVALID_ARG;
    if (++d->frames == d->fail_at) return VONA_E_LIMIT;
    for (size_t i = 0; i < n; i++) d->buf[2 * i] = d->buf[2 * i + 1] = frame[i];
    *out = d->buf;
    *out_n = 2 * n;
    return VONA_OK;
}

static void doubler_reset(void *ctx) { ((doubler *)ctx)->resets++; }

static const vona_native_backend_ops doubler_ops = {"doubler", doubler_process, doubler_reset};

static void test_backend_ops(void)
{
    /* 8 kHz in, 16 kHz out: doubling every sample keeps the duration. */
    vona_step_loop *l = make2(8000, 8000, 16000, 160, 1, 1 << 16);
    vona_native_backend none = {NULL, NULL}, broken = {&(vona_native_backend_ops){"x", NULL, NULL}, NULL};
    CHECK(vona_step_loop_set_native_backend(l, &broken) == VONA_E_INVALID_ARG);
    CHECK(vona_step_loop_process(l, NULL, 0, &(size_t){0}) == VONA_E_STATE);
    doubler d = {.fail_at = 0};
    vona_native_backend b = {&doubler_ops, &d};
    CHECK(vona_step_loop_set_native_backend(l, &b) == VONA_OK);
    int16_t x[800], y[4096];
    for (int i = 0; i < 800; i++) x[i] = (int16_t)(i * 37 - 14000);
    size_t queued = 0, got = 0;
    CHECK(vona_step_loop_process(l, x, 800, &queued) == VONA_OK);
    CHECK(d.frames == 5 && d.resets == 0);
    /* 8 kHz transport: the 16 kHz output is resampled back to 8 kHz, all 100 ms of it
     * once end_turn flushed the resampler's held block */
    size_t tail = 0;
    CHECK(vona_step_loop_end_turn(l, &tail) == VONA_OK && queued + tail == 800);
    vona_step_loop_interruption it;
    CHECK(vona_step_loop_interrupt(l, &it) == VONA_OK);
    CHECK(d.resets == 0); /* lazily, before the next frame */
    CHECK(vona_step_loop_process(l, x, 100, &queued) == VONA_OK && d.resets == 0); /* no frame yet */
    CHECK(vona_step_loop_process(l, x, 100, &queued) == VONA_OK && d.resets == 1 && d.frames == 6);
    CHECK(vona_step_loop_process(l, x, 320, &queued) == VONA_OK && d.resets == 1 && d.frames == 8);
    d.fail_at = 9;
    CHECK(vona_step_loop_process(l, x, 480, &queued) == VONA_E_LIMIT && d.frames == 9);
    vona_step_loop_stats st;
    vona_step_loop_stats_get(l, &st);
    CHECK(st.frames_out == 8);
    CHECK(vona_step_loop_set_native_backend(l, &none) == VONA_OK);
    CHECK(vona_step_loop_process(l, x, 10, &queued) == VONA_E_STATE);
    CHECK(vona_step_loop_set_native_backend(l, NULL) == VONA_OK);
    vona_step_loop_destroy(l);

    /* One rate everywhere: no resampler, the backend's own buffer comes out as it is. */
    l = make2(16000, 16000, 16000, 160, 1, 1 << 16);
    doubler d2 = {.fail_at = 0};
    b.ctx = &d2;
    CHECK(vona_step_loop_set_native_backend(l, &b) == VONA_OK);
    CHECK(vona_step_loop_process(l, x, 480, &queued) == VONA_OK && queued == 960);
    CHECK(vona_step_loop_pull(l, y, 4096, 4096, &got) == VONA_OK && got == 960);
    for (size_t i = 0; i < 480; i++) CHECK(y[2 * i] == x[i] && y[2 * i + 1] == x[i]);
    vona_step_loop_destroy(l);
}

/* end_turn flushes the output resampler's tail: every turn's samples come out whole,
 * in its own turn, and the next turn starts from a fresh stream. */
static void test_end_turn_flushes_the_tail(uint32_t t, uint32_t b)
{
    vona_step_loop *l = make(t, b, b / 50, 1, 48000);
    int16_t out[2400];
    int16_t buf[8000];
    for (size_t i = 0; i < 2400; i++) out[i] = (int16_t)(1000 + (int)(i % 50) * 20);
    for (int turn = 0; turn < 3; turn++) {
        vona_step_loop_begin_turn(l, -1);
        size_t queued = 0, tail = 0, total = 0, got = 0;
        for (int k = 0; k < 5; k++) { /* 5 backend frames of b/50 = 100 ms */
            CHECK(vona_step_loop_push_output(l, out, b / 50, &queued) == VONA_OK);
            total += queued;
        }
        CHECK(vona_step_loop_end_turn(l, &tail) == VONA_OK);
        total += tail;
        CHECK(t == b ? tail == 0 : tail > 0);
        /* 100 ms at the transport rate, exactly: nothing held back for the next turn */
        CHECK(total == t / 10);
        CHECK(vona_step_loop_playout_buffered(l) == t / 10);
        CHECK(vona_step_loop_pull(l, buf, 8000, 8000, &got) == VONA_OK && got == t / 10);
        size_t again = 1;
        CHECK(vona_step_loop_end_turn(l, &again) == VONA_OK && again == 0);
    }
    vona_step_loop_destroy(l);
}

/* Input end: the input resampler's tail and the last partial frame (zero padded) reach
 * the backend, as frames or through the native backend. */
static void test_flush_input(uint32_t t, uint32_t b, size_t n)
{
    const size_t frame = b / 50;
    vona_step_loop *l = make(t, b, frame, 1, (size_t)t * 10);
    int16_t *src = malloc(n * sizeof(int16_t));
    CHECK(src != NULL);
    for (size_t i = 0; i < n; i++) src[i] = (int16_t)(1 + (int)(i % 97) * 50);
    size_t bound = vona_step_loop_input_frames_bound(l, n) + 8;
    int16_t *store = calloc(bound * frame, sizeof(int16_t));
    int16_t **frames = malloc(bound * sizeof(int16_t *));
    CHECK(store != NULL && frames != NULL);
    for (size_t i = 0; i < bound; i++) frames[i] = store + i * frame;
    size_t made = 0, more = 0, queued = 1;
    CHECK(vona_step_loop_push_input(l, src, n, frames, bound, &made) == VONA_OK);
    size_t fb = vona_step_loop_flush_frames_bound(l);
    CHECK(made + fb <= bound);
    CHECK(vona_step_loop_flush_input(l, frames, 0, &more, &queued) == VONA_E_FULL);
    CHECK(vona_step_loop_flush_input(l, frames + made, fb, &more, &queued) == VONA_OK);
    CHECK(queued == 0 && more <= fb);
    if (t == b && n % frame != 0) CHECK(more == 1);
    /* every input sample is in a backend frame: n at the backend rate, rounded up */
    size_t want = (n * (size_t)b + t - 1) / t;
    CHECK((made + more) * frame >= want);
    if (t == b) {
        CHECK(memcmp(store, src, n * sizeof(int16_t)) == 0);
        for (size_t i = n; i < (made + more) * frame; i++) CHECK(store[i] == 0);
    }
    const size_t flushed = more;
    /* a second flush has nothing left */
    CHECK(vona_step_loop_flush_input(l, frames, fb, &more, &queued) == VONA_OK && more == 0);
    /* through the native backend: needs one, then queues the same tail into playout */
    CHECK(vona_step_loop_flush_input(l, NULL, 0, &more, &queued) == VONA_E_STATE);
    set_passthrough(l);
    CHECK(vona_step_loop_process(l, src, n, &queued) == VONA_OK);
    size_t total = queued;
    CHECK(vona_step_loop_flush_input(l, NULL, 0, &more, &queued) == VONA_OK);
    total += queued;
    if (t == b) CHECK(total == (made + flushed) * frame && total >= n);
    free(frames);
    free(store);
    free(src);
    vona_step_loop_destroy(l);
}

int main(void)
{
    test_config_errors();
    test_passthrough_equal_rates();
    test_passthrough_resampled(48000, 16000, 16000, 320);
    test_passthrough_resampled(16000, 24000, 24000, 480);
    test_passthrough_resampled(8000, 48000, 48000, 960);
    test_passthrough_resampled(16000, 16000, 24000, 320);
    test_passthrough_resampled(48000, 16000, 24000, 320);
    test_passthrough_resampled(24000, 16000, 24000, 320);
    test_two_rates_equal_two_loops(16000, 16000, 24000);
    test_two_rates_equal_two_loops(48000, 16000, 24000);
    test_two_rates_equal_two_loops(24000, 16000, 24000);
    test_backend_ops();
    test_push_input_frames();
    test_interrupt_and_turns();
    test_gain_backend();
    test_end_turn_flushes_the_tail(16000, 24000);
    test_end_turn_flushes_the_tail(48000, 16000);
    test_end_turn_flushes_the_tail(16000, 16000);
    test_flush_input(16000, 16000, 16040);
    test_flush_input(16000, 16000, 100);
    test_flush_input(16000, 16000, 320);
    test_flush_input(48000, 16000, 48000);
    test_flush_input(8000, 24000, 777);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
