/* Facts about how the native library was built and what the CPU offers. */
#ifndef VONA_BUILD_INFO_H
#define VONA_BUILD_INFO_H

#ifdef __cplusplus
extern "C" {
#endif

/* Compiler and hot-path flags the library was compiled with. */
const char *vona_build_flags(void);

/* The widest SIMD instruction set the running CPU supports that the hot path
 * can dispatch to: "avx2", "sse2", "neon" or "scalar". */
const char *vona_simd_path(void);

/* libopus's version string, e.g. "libopus 1.3.1". */
const char *vona_opus_version(void);

/* libsoxr's version string. */
const char *vona_soxr_version(void);

/* "vendored" (libopus and libsoxr built from third_party/ and linked statically) or
 * "system" (found with pkg-config, VONA_SYSTEM_CODECS=ON). */
const char *vona_codecs_origin(void);

#ifdef __cplusplus
}
#endif
#endif
