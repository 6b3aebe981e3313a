#include "vona/build_info.h"

#include <opus.h>
#include <soxr.h>

#ifndef VONA_BUILD_FLAGS
#define VONA_BUILD_FLAGS "unknown"
#endif

const char *vona_build_flags(void) { return VONA_BUILD_FLAGS; }

const char *vona_simd_path(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) return "avx2";
    return "sse2";
#elif defined(__aarch64__) || defined(__ARM_NEON)
    return "neon";
#else
    return "scalar";
#endif
}

const char *vona_opus_version(void) { return opus_get_version_string(); }

const char *vona_soxr_version(void) { return soxr_version(); }

#ifndef VONA_CODECS_ORIGIN
#define VONA_CODECS_ORIGIN "unknown"
#endif

const char *vona_codecs_origin(void) { return VONA_CODECS_ORIGIN; }
