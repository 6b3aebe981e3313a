/* vona_ring: edge cases single-threaded, then two pthreads hammering it (the producer
 * writes a running int16 counter in random-sized chunks; the consumer reads random
 * sizes and sometimes clears) and checking that what was read is exactly what was
 * written minus the dropped spans, and written == read + dropped + buffered. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vona/ring.h"

static int failures = 0;
#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static uint32_t rng_next(uint32_t *s)
{
    /* xorshift32: deterministic and thread-local by construction. */
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void test_create_limits(void)
{
    vona_ring *r = NULL;
    CHECK(vona_ring_create(0, 1, &r) == VONA_E_INVALID_ARG && r == NULL);
    CHECK(vona_ring_create(8, 0, &r) == VONA_E_INVALID_ARG);
    CHECK(vona_ring_create(8, VONA_RING_MAX_CHANNELS + 1, &r) == VONA_E_INVALID_ARG);
    CHECK(vona_ring_create(VONA_RING_MAX_VALUES, 2, &r) == VONA_E_INVALID_ARG);
    CHECK(vona_ring_create(8, 1, NULL) == VONA_E_INVALID_ARG);
    vona_ring_destroy(NULL);
}

static void test_single_thread_edges(void)
{
    vona_ring *r = NULL;
    CHECK(vona_ring_create(5, 2, &r) == VONA_OK);
    CHECK(vona_ring_capacity(r) == 5 && vona_ring_channels(r) == 2);
    int16_t in[14], out[14];
    for (int i = 0; i < 14; i++) in[i] = (int16_t)(i + 1);
    size_t acc = 99, got = 99;

    vona_ring_read(r, out, 3, &got); /* empty read: short by 3 */
    CHECK(got == 0);
    vona_ring_write(r, in, 0, &acc);
    CHECK(acc == 0);
    vona_ring_write(r, in, 7, &acc); /* 7 frames offered, 5 fit */
    CHECK(acc == 5 && vona_ring_size(r) == 5);
    vona_ring_peek(r, out, 2, &got);
    CHECK(got == 2 && out[0] == 1 && out[3] == 4 && vona_ring_size(r) == 5);
    vona_ring_read(r, out, 3, &got);
    CHECK(got == 3 && out[0] == 1 && out[5] == 6);
    vona_ring_write(r, in, 3, &acc); /* wraps around the end */
    CHECK(acc == 3 && vona_ring_size(r) == 5);
    vona_ring_read(r, out, 7, &got); /* 2 old + 3 new, short by 2 */
    CHECK(got == 5);
    const int16_t expect[10] = {7, 8, 9, 10, 1, 2, 3, 4, 5, 6};
    CHECK(memcmp(out, expect, sizeof(expect)) == 0);
    vona_ring_write(r, in, 4, &acc);
    CHECK(vona_ring_clear(r) == 4 && vona_ring_size(r) == 0);
    CHECK(vona_ring_clear(r) == 0);
    vona_ring_note_underflow(r, 1);

    vona_ring_stats st;
    vona_ring_stats_get(r, &st);
    CHECK(st.written == 12);
    CHECK(st.read == 8);
    CHECK(st.dropped == 4);
    CHECK(st.overflows == 2);
    CHECK(st.underflows == 3 + 2 + 1);
    vona_ring_destroy(r);
}

typedef struct {
    vona_ring *ring;
    uint64_t frames_to_write;
    _Atomic int done;
    uint64_t mismatches;
} hammer_ctx;

static void *producer(void *arg)
{
    hammer_ctx *ctx = arg;
    uint32_t seed = 0x9e3779b9u;
    int16_t buf[1024];
    uint64_t next = 0; /* value of the next sample to offer */
    while (next < ctx->frames_to_write) {
        size_t n = rng_next(&seed) % 700;
        if (n > ctx->frames_to_write - next) n = (size_t)(ctx->frames_to_write - next);
        for (size_t i = 0; i < n; i++) buf[i] = (int16_t)(uint16_t)(next + i);
        size_t acc;
        vona_ring_write(ctx->ring, buf, n, &acc);
        next += acc; /* re-offer refused samples next time: the sequence has no gaps */
        if (acc < n) sched_yield(); /* full: let the consumer run on a busy machine */
    }
    atomic_store(&ctx->done, 1);
    return NULL;
}

static void *consumer(void *arg)
{
    hammer_ctx *ctx = arg;
    uint32_t seed = 0x2545f491u;
    int16_t buf[1024];
    uint64_t expect = 0; /* position in the written sequence of the next sample */
    for (;;) {
        int finished = atomic_load(&ctx->done);
        uint32_t roll = rng_next(&seed);
        if (roll % 97 == 0) {
            expect += vona_ring_clear(ctx->ring); /* dropped span: skip it */
        } else {
            size_t got;
            vona_ring_read(ctx->ring, buf, roll % 900, &got);
            for (size_t i = 0; i < got; i++)
                if (buf[i] != (int16_t)(uint16_t)(expect + i)) ctx->mismatches++;
            expect += got;
            if (got == 0) sched_yield();
        }
        if (finished && vona_ring_size(ctx->ring) == 0) break;
    }
    return NULL;
}

static void test_two_threads(void)
{
    hammer_ctx ctx = {0};
    CHECK(vona_ring_create(1000, 1, &ctx.ring) == VONA_OK);
    ctx.frames_to_write = 2u * 1000u * 1000u;
    pthread_t p, c;
    pthread_create(&c, NULL, consumer, &ctx);
    pthread_create(&p, NULL, producer, &ctx);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    vona_ring_stats st;
    vona_ring_stats_get(ctx.ring, &st);
    CHECK(ctx.mismatches == 0);
    CHECK(st.written == ctx.frames_to_write);
    CHECK(st.written == st.read + st.dropped + vona_ring_size(ctx.ring));
    CHECK(st.dropped > 0 && st.read > 0);
    printf("two threads: written %llu read %llu dropped %llu overflows %llu underflows %llu\n",
           (unsigned long long)st.written, (unsigned long long)st.read,
           (unsigned long long)st.dropped, (unsigned long long)st.overflows,
           (unsigned long long)st.underflows);
    vona_ring_destroy(ctx.ring);
}

int main(void)
{
    test_create_limits();
    test_single_thread_edges();
    test_two_threads();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
