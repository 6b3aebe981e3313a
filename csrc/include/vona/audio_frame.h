/* The audio-frame message: one frame of interleaved int16 little-endian PCM as a CBOR
 * map, the wire form of vona.codec.encode_audio_frame / decode_audio_frame and of the
 * sidecar. The encoder writes it in RFC 8949 deterministic key order:
 *
 *   input:  {"ch": uint, "ts": uint, "pcm": bytes, "seq": uint, "rate": uint, "type": "in"}
 *   output: {"ch": uint, "pcm": bytes, "seq": uint, "rate": uint, "type": "out",
 *            "filler": bool}
 *
 * vona_audio_frame_parse reads exactly that layout in place (no allocation, pcm points
 * into the input). Integer heads may be longer than shortest form, as the generic
 * decoder allows. Any other encoding of the same message (another key order, extra
 * keys, a negative "ts", indefinite lengths) or a field out of range is answered with
 * VONA_E_UNSUPPORTED: the caller then decodes the map generically, which names the error
 * or accepts the message. Heads are read with vona_cbor_read_head (vona/cbor_head.h).
 */
#ifndef VONA_AUDIO_FRAME_H
#define VONA_AUDIO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vona_audio_frame_kind {
    VONA_AUDIO_FRAME_IN = 0,  /* "type": "in", carries "ts" */
    VONA_AUDIO_FRAME_OUT = 1  /* "type": "out", carries "filler" */
} vona_audio_frame_kind;

typedef struct vona_audio_frame {
    vona_audio_frame_kind kind;
    uint64_t channels;       /* 1 .. 2**32 - 1 */
    uint64_t timestamp_ns;   /* input frames; 0 for output frames */
    uint64_t sequence;
    uint64_t sample_rate_hz; /* >= 1 */
    int filler;              /* output frames; 0 for input frames */
    const uint8_t *pcm;      /* into the parsed input */
    size_t pcm_bytes;        /* a whole number of int16 frames of `channels` samples */
} vona_audio_frame;

/* Parse data[0..len) as one message in the layout above, filling *f. VONA_E_UNSUPPORTED
 * if the input is anything else (f is then unspecified); VONA_E_INVALID_ARG for NULL
 * arguments. */
vona_status vona_audio_frame_parse(const uint8_t *data, size_t len, vona_audio_frame *f);

#ifdef __cplusplus
}
#endif
#endif
