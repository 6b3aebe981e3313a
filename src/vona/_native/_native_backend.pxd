# C-level view of vona._native._native_backend, shared with _step_loop (and any module
# that defines a native backend of its own: subclass NativeBackend, fill `backend`).
cimport vona._native.cnative_backend as cnb


cdef class NativeBackend:
    # The ops table and context the step loop calls; the context lives in (or is owned
    # by) this object, which the loop keeps alive while it uses it.
    cdef cnb.vona_native_backend backend
