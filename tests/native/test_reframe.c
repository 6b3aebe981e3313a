/* vona_reframe: random chunk sizes (including 0 and 1), limited output room, flush with
 * and without padding; the concatenated frames must equal the input exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/reframe.h"

#define VONA_TEST_SEED 777u
#include "check.h"

static void test_limits(void)
{
    vona_reframe *r = NULL;
    CHECK(vona_reframe_create(0, 1, &r) == VONA_E_INVALID_ARG && r == NULL);
    CHECK(vona_reframe_create(VONA_REFRAME_MAX_FRAME + 1, 1, &r) == VONA_E_INVALID_ARG);
    CHECK(vona_reframe_create(10, 0, &r) == VONA_E_INVALID_ARG);
    CHECK(vona_reframe_create(10, VONA_REFRAME_MAX_CHANNELS + 1, &r) == VONA_E_INVALID_ARG);
    CHECK(vona_reframe_create(10, 1, NULL) == VONA_E_INVALID_ARG);
    vona_reframe_destroy(NULL);
}

/* Push a long counter signal in random pieces through a reframer of frame fs and ch
 * channels, with random output room, and compare everything that comes out. */
static void run_random(size_t fs, unsigned ch, size_t total, int pad)
{
    vona_reframe *r = NULL;
    CHECK(vona_reframe_create(fs, ch, &r) == VONA_OK);
    int16_t *in = malloc(total * ch * sizeof(int16_t));
    int16_t *got = calloc((total + fs) * ch, sizeof(int16_t));
    int16_t *out = malloc(8 * fs * ch * sizeof(int16_t));
    for (size_t i = 0; i < total * ch; i++) in[i] = (int16_t)(i * 7 + 3);
    size_t pos = 0, out_pos = 0;
    while (pos < total) {
        uint32_t roll = rnd();
        size_t n = roll % 4 == 0 ? roll % 2 : roll % (3 * fs + 2); /* many 0s and 1s */
        if (n > total - pos) n = total - pos;
        size_t room = (roll >> 8) % 9; /* 0..8 frames of room */
        size_t expect_frames = vona_reframe_frames_after(r, n);
        size_t frames, consumed;
        CHECK(vona_reframe_push(r, in + pos * ch, n, room ? out : NULL, room, &frames, &consumed) == VONA_OK);
        CHECK(frames <= room && consumed <= n);
        CHECK(consumed == n ? frames == expect_frames : frames == room);
        memcpy(got + out_pos * ch, out, frames * fs * ch * sizeof(int16_t));
        out_pos += frames * fs;
        pos += consumed;
        CHECK(vona_reframe_pending(r) < fs);
        CHECK(out_pos + vona_reframe_pending(r) == pos);
    }
    size_t pending = vona_reframe_pending(r), flushed;
    CHECK(vona_reframe_flush(r, out, pad, &flushed) == VONA_OK);
    CHECK(flushed == (pending == 0 ? 0 : pad ? fs : pending));
    memcpy(got + out_pos * ch, out, flushed * ch * sizeof(int16_t));
    CHECK(memcmp(got, in, total * ch * sizeof(int16_t)) == 0);
    for (size_t i = total * ch; i < (out_pos + flushed) * ch; i++) CHECK(got[i] == 0);
    CHECK(vona_reframe_pending(r) == 0);
    free(in);
    free(got);
    free(out);
    vona_reframe_destroy(r);
}

static void test_edges(void)
{
    vona_reframe *r = NULL;
    int16_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8];
    size_t frames, consumed, flushed;
    CHECK(vona_reframe_create(3, 1, &r) == VONA_OK);
    CHECK(vona_reframe_push(r, in, 0, NULL, 0, &frames, &consumed) == VONA_OK && consumed == 0);
    CHECK(vona_reframe_push(r, in, 2, NULL, 0, &frames, &consumed) == VONA_OK && consumed == 2);
    /* completing a frame with no room takes nothing */
    CHECK(vona_reframe_push(r, in + 2, 1, NULL, 0, &frames, &consumed) == VONA_OK);
    CHECK(frames == 0 && consumed == 0 && vona_reframe_pending(r) == 2);
    CHECK(vona_reframe_push(r, in + 2, 6, out, 1, &frames, &consumed) == VONA_OK);
    CHECK(frames == 1 && consumed == 1 && out[0] == 1 && out[2] == 3);
    CHECK(vona_reframe_push(r, in + 3, 5, out, 4, &frames, &consumed) == VONA_OK);
    CHECK(frames == 1 && consumed == 5 && out[0] == 4 && vona_reframe_pending(r) == 2);
    CHECK(vona_reframe_flush(r, NULL, 1, &flushed) == VONA_E_INVALID_ARG);
    vona_reframe_reset(r);
    CHECK(vona_reframe_flush(r, NULL, 1, &flushed) == VONA_OK && flushed == 0);
    CHECK(vona_reframe_push(r, NULL, 1, NULL, 0, &frames, &consumed) == VONA_E_INVALID_ARG);
    CHECK(vona_reframe_push(r, in, 1, NULL, 1, &frames, &consumed) == VONA_E_INVALID_ARG);
    vona_reframe_destroy(r);
}

int main(void)
{
    test_limits();
    test_edges();
    run_random(1, 1, 500, 1);
    run_random(320, 1, 20000, 1);
    run_random(320, 1, 20000, 0);
    run_random(7, 2, 3001, 1);
    run_random(160, 3, 9999, 0);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
