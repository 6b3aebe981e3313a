"""How the native library was built, for `vona info` and bug reports."""
cimport vona._native.cbuild_info as c


def build_info():
    """Return a dict of native build facts: flags, SIMD path, libopus and libsoxr versions,
    and whether those two are the vendored copies or the system's (``codecs``)."""
    return {
        "build_flags": c.vona_build_flags().decode(),
        "simd_path": c.vona_simd_path().decode(),
        "opus_version": c.vona_opus_version().decode(),
        "soxr_version": c.vona_soxr_version().decode(),
        "codecs": c.vona_codecs_origin().decode(),
    }
