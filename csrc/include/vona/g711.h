/* G.711 mu-law and A-law (ITU-T G.711, 1988), table-driven, for 16-bit linear PCM.
 *
 * Encoding maps int16 to the standard's linear scale by rounding to the nearest step,
 * ties up: mu-law works on 14 bits (x + 2) >> 2, A-law on 13 bits (x + 4) >> 3, both
 * saturating at the top. The code is then the quantisation interval of G.711's tables
 * (mu-law Table 2a, A-law Table 1a) with the standard's bit inversions (all bits for
 * mu-law, the even bits 0x55 for A-law). This is exactly what sox -D produces.
 * Decoding maps each code to the interval's decoder output value of the tables,
 * scaled to 16 bits (x4 mu-law, x8 A-law); it never fails on any byte.
 *
 * The kernels take caller-owned buffers, never allocate, keep no state and may run on
 * any thread. n is the number of samples (= bytes of G.711).
 */
#ifndef VONA_G711_H
#define VONA_G711_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound on n for every call (64 Mi samples, about 2.3 hours at 8 kHz). */
#define VONA_G711_MAX_SAMPLES ((size_t)1 << 26)

/* int16 -> G.711 bytes. VONA_E_INVALID_ARG if a pointer is NULL with n > 0,
 * VONA_E_LIMIT if n > VONA_G711_MAX_SAMPLES. dst must hold n bytes. */
vona_status vona_g711_ulaw_encode(const int16_t *src, size_t n, uint8_t *dst);
vona_status vona_g711_alaw_encode(const int16_t *src, size_t n, uint8_t *dst);

/* G.711 bytes -> int16, same errors. dst must hold n samples. */
vona_status vona_g711_ulaw_decode(const uint8_t *src, size_t n, int16_t *dst);
vona_status vona_g711_alaw_decode(const uint8_t *src, size_t n, int16_t *dst);

/* One code, for callers that work sample by sample. */
uint8_t vona_g711_ulaw_from_linear(int16_t x);
uint8_t vona_g711_alaw_from_linear(int16_t x);
int16_t vona_g711_ulaw_to_linear(uint8_t code);
int16_t vona_g711_alaw_to_linear(uint8_t code);

#ifdef __cplusplus
}
#endif
#endif
