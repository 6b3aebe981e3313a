# Declarations for csrc/include/vona/native_backend.h.
from libc.stdint cimport int16_t

from vona._native.cstatus cimport vona_status


cdef extern from "vona/native_backend.h" nogil:
    ctypedef struct vona_native_backend_ops:
        const char *name
        vona_status (*process)(void *ctx, int16_t *frame, size_t n, unsigned channels,
                               const int16_t **out, size_t *out_n)
        void (*reset)(void *ctx)

    ctypedef struct vona_native_backend:
        const vona_native_backend_ops *ops
        void *ctx

    const vona_native_backend_ops vona_native_passthrough_ops
    vona_native_backend vona_native_passthrough()

    ctypedef struct vona_native_gain:
        float gain

    const vona_native_backend_ops vona_native_gain_ops
    vona_status vona_native_gain_init(vona_native_gain *g, double gain_db)
    vona_native_backend vona_native_gain_backend(vona_native_gain *g)
