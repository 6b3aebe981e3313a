/* Status codes shared by every vona_* C function. */
#ifndef VONA_STATUS_H
#define VONA_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vona_status {
    VONA_OK = 0,
    VONA_E_INVALID_ARG = 1,  /* a caller-supplied size, rate or option is out of range */
    VONA_E_NOMEM = 2,        /* an allocation failed */
    VONA_E_LIMIT = 3,        /* input exceeds a configured limit (size, depth, count) */
    VONA_E_CORRUPT = 4,      /* input bytes are malformed */
    VONA_E_UNSUPPORTED = 5,  /* well-formed input that this library refuses (e.g. a CBOR tag) */
    VONA_E_STATE = 6,        /* the object is in a state where the call is not allowed */
    VONA_E_CODEC = 7,        /* an underlying codec library failed; see its own error */
    VONA_E_INCOMPLETE = 8,   /* more input is needed */
    VONA_E_FULL = 9          /* the destination has no room */
} vona_status;

/* A static, human-readable name for a status code. */
const char *vona_status_str(vona_status status);

#ifdef __cplusplus
}
#endif
#endif
