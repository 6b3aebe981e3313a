# Declarations for csrc/include/vona/status.h and the one error path.
cdef extern from "vona/status.h" nogil:
    ctypedef enum vona_status:
        VONA_OK
        VONA_E_INVALID_ARG
        VONA_E_NOMEM
        VONA_E_LIMIT
        VONA_E_CORRUPT
        VONA_E_UNSUPPORTED
        VONA_E_STATE
        VONA_E_CODEC
        VONA_E_INCOMPLETE
        VONA_E_FULL
    const char *vona_status_str(vona_status status)


cdef inline int check(vona_status status, str what) except -1:
    """Raise the vona.errors exception for a failed C call; `what` names the call and limit."""
    if status == VONA_OK:
        return 0
    from vona._native._errors import raise_status
    raise_status(<int>status, what)
    return -1
