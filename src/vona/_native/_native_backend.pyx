# cython: always_allow_keywords=False, auto_pickle=False, autotestdict=False, binding=True
"""Native backends: per-frame work the StepLoop runs in C (see vona/native_backend.h).

``NativeBackend`` wraps an ops table and its context. The core ships ``NativePassthrough``
and ``NativeGain``; another Cython module adds one by subclassing ``NativeBackend`` (cimport
it from this module's .pxd) and filling ``backend`` with its own ops table; the step loop
needs no change. ``native_backend(kind, gain_db)`` maps the names a ``NativeSlot`` uses.
"""
from vona._native.argcheck cimport float_arg
cimport vona._native.cnative_backend as cnb
from vona._native.cstatus cimport VONA_OK

from vona.errors import ConfigError


cdef class NativeBackend:
    """An ops table plus its context, for ``StepLoop.set_native_backend``."""

    def __cinit__(self, *args, **kwargs):
        self.backend.ops = NULL
        self.backend.ctx = NULL

    @property
    def name(self):
        """The ops table's name ("passthrough", "gain", ...)."""
        if self.backend.ops == NULL or self.backend.ops.name == NULL:
            return ""
        return self.backend.ops.name.decode()

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


cdef class NativePassthrough(NativeBackend):
    """Output frame = input frame, unchanged."""

    def __cinit__(self):
        self.backend = cnb.vona_native_passthrough()


cdef class NativeGain(NativeBackend):
    """Output frame = input frame times ``gain_db`` (rounded half to even, saturated)."""

    cdef cnb.vona_native_gain gain
    cdef readonly double gain_db

    def __init__(self, gain_db):
        cdef double db = float_arg(gain_db, "gain_db")
        if cnb.vona_native_gain_init(&self.gain, db) != VONA_OK:
            raise ConfigError(f"gain_db must be finite, got {gain_db}")
        self.gain_db = db
        self.backend = cnb.vona_native_gain_backend(&self.gain)


NATIVE_BACKENDS = ("none", "passthrough", "gain")


def native_backend(str kind, double gain_db=0.0):
    """The native backend named ``kind`` ("passthrough", "gain"; "none" gives None)."""
    if kind == "passthrough":
        return NativePassthrough()
    if kind == "gain":
        return NativeGain(gain_db)
    if kind == "none":
        return None
    raise ConfigError(f"native backend must be one of {NATIVE_BACKENDS}, got {kind!r}")
