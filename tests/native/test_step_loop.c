/* vona_step_loop: passthrough through process() with random chunk sizes (exact at equal
 * rates; equal to the one-shot resampler chain across rates), push_input framing,
 * interruption accounting, underruns and virtual-clock latency stamps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/pcm.h"
#include "vona/step_loop.h"

#define VONA_TEST_SEED 4242u
#include "check.h"

static vona_step_loop *make(uint32_t t, uint32_t b, size_t frame, unsigned ch, size_t cap)
{
    vona_step_loop_config cfg = {t, b, frame, ch, cap, VONA_RESAMPLE_HQ, 0};
    vona_step_loop *l = NULL;
    CHECK(vona_step_loop_create(&cfg, &l) == VONA_OK);
    return l;
}

static void test_config_errors(void)
{
    vona_step_loop *l = NULL;
    vona_step_loop_config ok = {16000, 16000, 320, 1, 1000, VONA_RESAMPLE_HQ, 0};
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
    c.backend_rate = 12345; /* resampler refuses the pair */
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.backend_rate = 24000;
    c.resample_flags = 0x80; /* unknown resampler flag */
    CHECK(vona_step_loop_create(&c, &l) == VONA_E_INVALID_ARG);
    c = ok;
    c.channels = 3;
    c.backend_rate = 24000; /* resampler is mono/stereo only */
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
    CHECK(vona_step_loop_set_native_backend(l, VONA_NATIVE_BACKEND_PASSTHROUGH, 0.0) == VONA_OK);
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
 * backend rate, cut whole frames, resample those back. Streaming output is a prefix. */
static void test_passthrough_resampled(uint32_t t, uint32_t b, size_t frame)
{
    const size_t total = 48000;
    vona_step_loop *l = make(t, b, frame, 1, 1 << 20);
    CHECK(vona_step_loop_set_native_backend(l, VONA_NATIVE_BACKEND_PASSTHROUGH, 0.0) == VONA_OK);
    int16_t *x = malloc(total * sizeof(int16_t)), *y = NULL;
    for (size_t i = 0; i < total; i++) x[i] = (int16_t)((int)(rnd() % 20000) - 10000);
    size_t n = run_process(l, x, total, 1, &y);

    vona_resampler *r1 = NULL, *r2 = NULL;
    CHECK(vona_resampler_create(t, b, 1, VONA_RESAMPLE_HQ, &r1) == VONA_OK);
    CHECK(vona_resampler_create(b, t, 1, VONA_RESAMPLE_HQ, &r2) == VONA_OK);
    size_t cap1 = vona_resampler_max_output(r1, total), m1 = 0;
    int16_t *mid = malloc(cap1 * sizeof(int16_t));
    CHECK(vona_resampler_process_i16(r1, x, total, mid, cap1, &m1) == VONA_OK);
    size_t whole = m1 / frame * frame, cap2 = vona_resampler_max_output(r2, whole), m2 = 0;
    int16_t *ref = malloc(cap2 * sizeof(int16_t));
    CHECK(vona_resampler_process_i16(r2, mid, whole, ref, cap2, &m2) == VONA_OK);
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
    CHECK(vona_step_loop_set_native_backend(l, VONA_NATIVE_BACKEND_GAIN, INFINITY) == VONA_E_INVALID_ARG);
    CHECK(vona_step_loop_set_native_backend(l, (vona_native_backend)7, 0.0) == VONA_E_INVALID_ARG);
    CHECK(vona_step_loop_set_native_backend(l, VONA_NATIVE_BACKEND_GAIN, -6.0) == VONA_OK);
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

int main(void)
{
    test_config_errors();
    test_passthrough_equal_rates();
    test_passthrough_resampled(48000, 16000, 320);
    test_passthrough_resampled(16000, 24000, 480);
    test_passthrough_resampled(8000, 48000, 960);
    test_push_input_frames();
    test_interrupt_and_turns();
    test_gain_backend();
    test_end_turn_flushes_the_tail(16000, 24000);
    test_end_turn_flushes_the_tail(48000, 16000);
    test_end_turn_flushes_the_tail(16000, 16000);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
