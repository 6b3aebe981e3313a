cdef extern from "vona/build_info.h" nogil:
    const char *vona_build_flags()
    const char *vona_simd_path()
    const char *vona_opus_version()
    const char *vona_soxr_version()
    const char *vona_codecs_origin()
