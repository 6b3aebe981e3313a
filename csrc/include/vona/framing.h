/* Length-prefixed framing: each frame is a 4-byte big-endian payload length followed
 * by the payload. The reader accepts input split at any point, refuses a declared
 * length over its maximum before allocating anything, and then stays failed until
 * reset: a stream whose framing is lost cannot be resynchronised safely.
 */
#ifndef VONA_FRAMING_H
#define VONA_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VONA_FRAME_HEADER_BYTES 4
#define VONA_FRAME_MAX_PAYLOAD 0xffffffffu

/* Write the header for a payload of n bytes: VONA_E_LIMIT if n > max_frame (or 2**32-1). */
vona_status vona_frame_put_header(uint8_t out[VONA_FRAME_HEADER_BYTES], size_t n, size_t max_frame);

/* The payload length a header declares. */
static inline uint32_t vona_frame_get_header(const uint8_t in[VONA_FRAME_HEADER_BYTES])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

typedef struct vona_frame_reader {
    size_t max_frame;
    uint8_t header[VONA_FRAME_HEADER_BYTES];
    size_t have;        /* bytes of the current partial frame held (header + payload) */
    size_t need;        /* payload length of the current frame, once its header is whole */
    uint8_t *buf;       /* partial payload storage, grown to the largest frame seen */
    size_t buf_cap;
    int failed;
    uint64_t bad_len;   /* the declared length that failed the reader */
} vona_frame_reader;

/* max_frame in 0..2**32-1; allocates nothing. */
vona_status vona_frame_reader_init(vona_frame_reader *r, size_t max_frame);
/* Back to the initial state (drops any partial frame, clears a failure, frees storage). */
void vona_frame_reader_reset(vona_frame_reader *r);
void vona_frame_reader_free(vona_frame_reader *r);

/* Take the next complete frame from data[*pos..len). On VONA_OK, *payload and *payload_len
 * is the payload: inside `data` when the frame arrived whole (no copy), else inside the
 * reader's storage; valid until the next call. VONA_E_INCOMPLETE: all input consumed
 * into the partial frame. VONA_E_LIMIT: a header declared more than max_frame (the
 * reader is now failed; r->bad_len says how much). VONA_E_STATE: the reader had failed.
 * VONA_E_NOMEM: storage for a partial frame could not be allocated (also fails it). */
vona_status vona_frame_reader_next(vona_frame_reader *r, const uint8_t *data, size_t len,
                                   size_t *pos, const uint8_t **payload, size_t *payload_len);

/* Bytes held towards an incomplete frame. */
static inline size_t vona_frame_reader_pending(const vona_frame_reader *r)
{
    return r->have;
}

/* Put the reader in the failed state (e.g. when its caller rejects a payload). */
static inline void vona_frame_reader_fail(vona_frame_reader *r)
{
    r->failed = 1;
}

#ifdef __cplusplus
}
#endif
#endif
