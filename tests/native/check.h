/* Shared helpers for the plain-C tests: a non-aborting CHECK and a seeded xorshift RNG.
 * Each test defines VONA_TEST_SEED before including this header. */
#ifndef VONA_TESTS_CHECK_H
#define VONA_TESTS_CHECK_H

#include <stdint.h>
#include <stdio.h>

#ifndef VONA_TEST_SEED
#define VONA_TEST_SEED 1u
#endif

static int failures = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static uint32_t seed = VONA_TEST_SEED;
static uint32_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

#endif
