/* PCM kernels. Plain loops that gcc and clang vectorise at the baseline ISA (SSE2 on
 * x86-64, NEON on aarch64) under -O3 -fno-math-errno -fno-trapping-math; no
 * -march=native, so wheels run on every CPU of their platform.
 *
 * One exception: float32 -> int16 on x86-64. Without -ffinite-math-only the compilers
 * cannot turn the NaN-aware clamp into minps/maxps and emit 3x slower blend chains, so
 * that kernel is written with SSE2 intrinsics (baseline on x86-64) plus an AVX2 copy
 * chosen per call from the CPU's feature bits (a read of libgcc's cpu model, no state
 * of ours). cvtps2dq rounds with the MXCSR mode, round-half-even by default, exactly
 * like the scalar magic-number rounding below. */
#include "vona/pcm.h"

#include <math.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__SSE2__) && defined(__GNUC__)
#define VONA_PCM_X86 1
#include <immintrin.h>
#endif

/* 1.5 * 2^23: adding then subtracting it rounds any |y| <= 2^22 to an integer with the
 * current rounding mode (round-half-even by default) using plain vectorisable adds.
 * -fno-trapping-math still forbids reassociating it away (that needs -ffast-math). */
#define ROUND_MAGIC 12582912.0f

static inline int16_t saturate_round(float y)
{
    y = (y == y) ? y : 0.0f; /* NaN fails every comparison: map it to 0 first */
    y = y > 32767.0f ? 32767.0f : y;
    y = y < -32768.0f ? -32768.0f : y;
    y = (y + ROUND_MAGIC) - ROUND_MAGIC;
    return (int16_t)(int32_t)y;
}

static inline void to_float32_body(const int16_t *restrict src, float *restrict dst, size_t n)
{
    /* * 2^-15 is exact, so this equals numpy's x / 32768. */
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i] * (1.0f / 32768.0f);
}

static inline void to_int16_scalar(const float *restrict src, int16_t *restrict dst, size_t n)
{
    /* y * 32768 is exact, so clamping before rounding equals clip(rint(y * 32768)). */
    for (size_t i = 0; i < n; i++) dst[i] = saturate_round(src[i] * 32768.0f);
}

#ifdef VONA_PCM_X86
static inline int cpu_has_avx2(void)
{
    __builtin_cpu_init(); /* idempotent; needed if called before libgcc's constructor */
    return __builtin_cpu_supports("avx2");
}

__attribute__((target("avx2"))) static void to_float32_avx2(const int16_t *restrict src,
                                                            float *restrict dst, size_t n)
{
    to_float32_body(src, dst, n);
}

__attribute__((target("avx2"))) static void to_int16_avx2(const float *restrict src,
                                                          int16_t *restrict dst, size_t n)
{
    const __m256 scale = _mm256_set1_ps(32768.0f);
    const __m256 hi = _mm256_set1_ps(32767.0f), lo = _mm256_set1_ps(-32768.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_mul_ps(_mm256_loadu_ps(src + i), scale);
        __m256 b = _mm256_mul_ps(_mm256_loadu_ps(src + i + 8), scale);
        a = _mm256_and_ps(a, _mm256_cmp_ps(a, a, _CMP_ORD_Q)); /* NaN -> 0 */
        b = _mm256_and_ps(b, _mm256_cmp_ps(b, b, _CMP_ORD_Q));
        a = _mm256_max_ps(_mm256_min_ps(a, hi), lo);
        b = _mm256_max_ps(_mm256_min_ps(b, hi), lo);
        __m256i p = _mm256_packs_epi32(_mm256_cvtps_epi32(a), _mm256_cvtps_epi32(b));
        /* packs works per 128-bit lane: restore sample order. */
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_permute4x64_epi64(p, 0xd8));
    }
    to_int16_scalar(src + i, dst + i, n - i);
}

static void to_int16_sse2(const float *restrict src, int16_t *restrict dst, size_t n)
{
    const __m128 scale = _mm_set1_ps(32768.0f);
    const __m128 hi = _mm_set1_ps(32767.0f), lo = _mm_set1_ps(-32768.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128 a = _mm_mul_ps(_mm_loadu_ps(src + i), scale);
        __m128 b = _mm_mul_ps(_mm_loadu_ps(src + i + 4), scale);
        a = _mm_and_ps(a, _mm_cmpord_ps(a, a)); /* NaN -> 0 */
        b = _mm_and_ps(b, _mm_cmpord_ps(b, b));
        a = _mm_max_ps(_mm_min_ps(a, hi), lo);
        b = _mm_max_ps(_mm_min_ps(b, hi), lo);
        _mm_storeu_si128((__m128i *)(dst + i), _mm_packs_epi32(_mm_cvtps_epi32(a), _mm_cvtps_epi32(b)));
    }
    to_int16_scalar(src + i, dst + i, n - i);
}
#endif

void vona_pcm_to_float32(const int16_t *restrict src, float *restrict dst, size_t n)
{
#ifdef VONA_PCM_X86
    if (cpu_has_avx2()) {
        to_float32_avx2(src, dst, n);
        return;
    }
#endif
    to_float32_body(src, dst, n);
}

void vona_pcm_to_int16(const float *restrict src, int16_t *restrict dst, size_t n)
{
#ifdef VONA_PCM_X86
    if (cpu_has_avx2())
        to_int16_avx2(src, dst, n);
    else
        to_int16_sse2(src, dst, n);
#else
    to_int16_scalar(src, dst, n);
#endif
}

/* In-place safe variants: the restrict-qualified kernels require distinct buffers. */
static void gain_int16_kernel(const int16_t *restrict src, int16_t *restrict dst, size_t n, float g)
{
    for (size_t i = 0; i < n; i++) dst[i] = saturate_round((float)src[i] * g);
}

static void gain_int16_inplace(int16_t *buf, size_t n, float g)
{
    for (size_t i = 0; i < n; i++) buf[i] = saturate_round((float)buf[i] * g);
}

void vona_pcm_gain_int16(const int16_t *src, int16_t *dst, size_t n, float gain)
{
    if (src == dst)
        gain_int16_inplace(dst, n, gain);
    else
        gain_int16_kernel(src, dst, n, gain);
}

void vona_pcm_gain_float32(const float *src, float *dst, size_t n, float gain)
{
    for (size_t i = 0; i < n; i++) dst[i] = src[i] * gain;
}

float vona_pcm_db_to_gain(double db) { return (float)pow(10.0, db / 20.0); }

/* Mean of s over c, rounded half to even. s / c with floor semantics, then a rounding
 * step on the remainder; exact for every int32 s. */
static inline int16_t mean_round(int32_t s, int32_t c)
{
    int32_t q = s / c, r = s % c;
    if (r < 0) {
        q -= 1;
        r += c;
    }
    if (2 * r > c || (2 * r == c && (q & 1))) q += 1;
    return (int16_t)q;
}

vona_status vona_pcm_downmix(const int16_t *src, size_t frames, unsigned channels, int16_t *dst)
{
    if (channels == 0 || channels > VONA_PCM_MAX_CHANNELS) return VONA_E_INVALID_ARG;
    if (channels == 1) {
        if (dst != src) memmove(dst, src, frames * sizeof(int16_t));
        return VONA_OK;
    }
    if (channels == 2) {
        /* Floor of the sum / 2, plus one when the sum is odd and the floor is odd. */
        for (size_t i = 0; i < frames; i++) {
            int32_t s = (int32_t)src[2 * i] + (int32_t)src[2 * i + 1];
            int32_t q = s >> 1;
            dst[i] = (int16_t)(q + (s & q & 1));
        }
        return VONA_OK;
    }
    for (size_t i = 0; i < frames; i++) {
        int32_t s = 0;
        for (unsigned ch = 0; ch < channels; ch++) s += src[i * channels + ch];
        dst[i] = mean_round(s, (int32_t)channels);
    }
    return VONA_OK;
}

vona_status vona_pcm_interleave(const int16_t *const *planes, unsigned channels, size_t frames,
                                int16_t *dst)
{
    if (channels == 0 || channels > VONA_PCM_MAX_CHANNELS) return VONA_E_INVALID_ARG;
    if (channels == 2) {
        const int16_t *l = planes[0], *r = planes[1];
        for (size_t i = 0; i < frames; i++) {
            dst[2 * i] = l[i];
            dst[2 * i + 1] = r[i];
        }
        return VONA_OK;
    }
    for (unsigned ch = 0; ch < channels; ch++) {
        const int16_t *p = planes[ch];
        for (size_t i = 0; i < frames; i++) dst[i * channels + ch] = p[i];
    }
    return VONA_OK;
}

vona_status vona_pcm_deinterleave(const int16_t *src, unsigned channels, size_t frames,
                                  int16_t *const *planes)
{
    if (channels == 0 || channels > VONA_PCM_MAX_CHANNELS) return VONA_E_INVALID_ARG;
    if (channels == 2) {
        int16_t *l = planes[0], *r = planes[1];
        for (size_t i = 0; i < frames; i++) {
            l[i] = src[2 * i];
            r[i] = src[2 * i + 1];
        }
        return VONA_OK;
    }
    for (unsigned ch = 0; ch < channels; ch++) {
        int16_t *p = planes[ch];
        for (size_t i = 0; i < frames; i++) p[i] = src[i * channels + ch];
    }
    return VONA_OK;
}

static double to_db(double ratio) { return ratio > 0.0 ? 20.0 * log10(ratio) : -INFINITY; }

double vona_pcm_peak_dbfs_int16(const int16_t *src, size_t n)
{
    int32_t peak = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t a = src[i] < 0 ? -(int32_t)src[i] : src[i];
        peak = a > peak ? a : peak;
    }
    return to_db((double)peak / 32768.0);
}

double vona_pcm_rms_dbfs_int16(const int16_t *src, size_t n)
{
    if (n == 0) return -INFINITY;
    /* Exact integer sum of squares: 2^30 per sample, so 2^33 samples before overflow. */
    int64_t acc = 0;
    for (size_t i = 0; i < n; i++) acc += (int32_t)src[i] * (int32_t)src[i];
    if (acc == 0) return -INFINITY;
    return 10.0 * log10((double)acc / (double)n / (32768.0 * 32768.0));
}

double vona_pcm_peak_dbfs_float32(const float *src, size_t n)
{
    float peak = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(src[i]);
        peak = a > peak ? a : peak; /* NaN never wins */
    }
    return to_db((double)peak);
}

double vona_pcm_rms_dbfs_float32(const float *src, size_t n)
{
    if (n == 0) return -INFINITY;
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) acc += (double)src[i] * (double)src[i];
    if (!(acc > 0.0)) return -INFINITY;
    return 10.0 * log10(acc / (double)n);
}
