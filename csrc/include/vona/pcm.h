/* PCM sample conversions and levels.
 *
 * int16 <-> float32 uses the full-scale reference 32768: int16 x maps to x / 32768
 * (so -32768 -> -1.0 and 32767 -> 0.99997), float32 y maps to y * 32768 rounded to the
 * nearest integer with ties to even, saturated to [-32768, 32767]; NaN maps to 0.
 * These match numpy's `x.astype(float32) / 32768` and
 * `clip(rint(y * 32768), -32768, 32767)` exactly, for every input.
 *
 * All kernels take caller-owned buffers, never allocate and may be called from any
 * thread. Sizes are value counts (all channels) unless a function says "frames".
 */
#ifndef VONA_PCM_H
#define VONA_PCM_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VONA_PCM_MAX_CHANNELS 64u

/* dst[i] = src[i] / 32768. */
void vona_pcm_to_float32(const int16_t *src, float *dst, size_t n);

/* dst[i] = saturate(round_half_even(src[i] * 32768)); NaN -> 0. */
void vona_pcm_to_int16(const float *src, int16_t *dst, size_t n);

/* Multiply by a linear gain; int16 output is rounded half-to-even and saturated
 * (same rule as vona_pcm_to_int16, NaN cannot arise from finite gain). dst may equal src. */
void vona_pcm_gain_int16(const int16_t *src, int16_t *dst, size_t n, float gain);
void vona_pcm_gain_float32(const float *src, float *dst, size_t n, float gain);

/* Linear gain for a decibel value: (float)pow(10, db / 20). */
float vona_pcm_db_to_gain(double db);

/* Mix `frames` interleaved frames of `channels` channels to mono: the mean of each
 * frame rounded to the nearest integer, ties to even (numpy: rint(mean)).
 * VONA_E_INVALID_ARG if channels is 0 or above VONA_PCM_MAX_CHANNELS. dst may equal src. */
vona_status vona_pcm_downmix(const int16_t *src, size_t frames, unsigned channels, int16_t *dst);

/* Interleave `channels` planar arrays of `frames` samples into dst (frames * channels). */
vona_status vona_pcm_interleave(const int16_t *const *planes, unsigned channels, size_t frames,
                                int16_t *dst);

/* Split interleaved src (frames * channels) into `channels` planar arrays. */
vona_status vona_pcm_deinterleave(const int16_t *src, unsigned channels, size_t frames,
                                  int16_t *const *planes);

/* Peak and RMS level in dBFS. int16 full scale is 32768 (so -32768 reads 0 dBFS and
 * 32767 reads -0.00027); float32 full scale is 1.0. Silence, and n == 0, give -inf. */
double vona_pcm_peak_dbfs_int16(const int16_t *src, size_t n);
double vona_pcm_rms_dbfs_int16(const int16_t *src, size_t n);
double vona_pcm_peak_dbfs_float32(const float *src, size_t n);
double vona_pcm_rms_dbfs_float32(const float *src, size_t n);

#ifdef __cplusplus
}
#endif
#endif
