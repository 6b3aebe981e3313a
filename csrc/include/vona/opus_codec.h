/* Opus encoder and decoder over libopus, with size limits checked before libopus runs.
 *
 * Every fallible function returns a vona_status. When libopus itself fails the status is
 * VONA_E_CODEC and *opus_error holds libopus's (negative) error code, so the caller can
 * report opus_strerror(*opus_error). Buffers are caller-owned; no allocation happens after
 * create. An encoder or decoder must not be used from two threads at once.
 */
#ifndef VONA_OPUS_CODEC_H
#define VONA_OPUS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "vona/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 6716: a frame carries at most 1275 bytes and a packet at most 120 ms (6 x 20 ms). */
#define VONA_OPUS_MAX_PACKET_BYTES (1275 * 6)
/* 120 ms at 48 kHz, per channel. */
#define VONA_OPUS_MAX_FRAME_SAMPLES 5760

typedef struct vona_opus_encoder vona_opus_encoder;
typedef struct vona_opus_decoder vona_opus_decoder;

typedef enum vona_opus_application {
    VONA_OPUS_APP_VOIP = 0,
    VONA_OPUS_APP_AUDIO = 1,
    VONA_OPUS_APP_LOWDELAY = 2
} vona_opus_application;

/* Encoder settings (OPUS_SET_* / OPUS_GET_* requests). */
typedef enum vona_opus_setting {
    VONA_OPUS_BITRATE = 0,         /* bits/s, or -1000 (auto) / -1 (max) */
    VONA_OPUS_COMPLEXITY = 1,      /* 0..10 */
    VONA_OPUS_INBAND_FEC = 2,      /* 0 or 1 */
    VONA_OPUS_DTX = 3,             /* 0 or 1 */
    VONA_OPUS_PACKET_LOSS_PERC = 4,/* 0..100 */
    VONA_OPUS_VBR = 5,             /* 0 or 1 */
    VONA_OPUS_LOOKAHEAD = 6        /* read only: samples at the encoder's rate */
} vona_opus_setting;

/* 1 if rate is one Opus accepts (8, 12, 16, 24 or 48 kHz), else 0. */
int vona_opus_rate_ok(int32_t sample_rate);

/* 1 if frame_samples (per channel) is a frame length Opus encodes at sample_rate:
 * 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms. */
int vona_opus_frame_ok(int32_t sample_rate, int frame_samples);

/* ---- encoder ---- */
vona_status vona_opus_encoder_create(vona_opus_encoder **out, int32_t sample_rate, int channels,
                                     vona_opus_application application, int *opus_error);
void vona_opus_encoder_destroy(vona_opus_encoder *enc);

/* Encode frame_samples per channel of interleaved int16 into out (at most out_cap bytes). */
vona_status vona_opus_encoder_encode(vona_opus_encoder *enc, const int16_t *pcm, int frame_samples,
                                     uint8_t *out, size_t out_cap, size_t *out_len,
                                     int *opus_error);

vona_status vona_opus_encoder_set(vona_opus_encoder *enc, vona_opus_setting setting, int32_t value,
                                  int *opus_error);
vona_status vona_opus_encoder_get(vona_opus_encoder *enc, vona_opus_setting setting,
                                  int32_t *value, int *opus_error);
vona_status vona_opus_encoder_reset(vona_opus_encoder *enc, int *opus_error);

/* ---- decoder ---- */
vona_status vona_opus_decoder_create(vona_opus_decoder **out, int32_t sample_rate, int channels,
                                     int *opus_error);
void vona_opus_decoder_destroy(vona_opus_decoder *dec);

/* Samples per channel that packet decodes to at this decoder's rate (checks the size limit
 * and the TOC; does not decode). */
vona_status vona_opus_decoder_packet_samples(const vona_opus_decoder *dec, const uint8_t *packet,
                                             size_t len, int *samples, int *opus_error);

/* Decode one packet into pcm (room for frame_samples per channel, interleaved).
 * packet == NULL: packet-loss concealment of frame_samples (a multiple of 2.5 ms).
 * fec != 0: decode the forward error correction data in packet for the lost packet before it,
 * frame_samples long. *decoded receives the samples per channel written. */
vona_status vona_opus_decoder_decode(vona_opus_decoder *dec, const uint8_t *packet, size_t len,
                                     int16_t *pcm, int frame_samples, int fec, int *decoded,
                                     int *opus_error);
/* The same, to float samples (nominally -1..1; libopus's float path, no int16 soft clip). */
vona_status vona_opus_decoder_decode_float(vona_opus_decoder *dec, const uint8_t *packet,
                                           size_t len, float *pcm, int frame_samples, int fec,
                                           int *decoded, int *opus_error);
vona_status vona_opus_decoder_reset(vona_opus_decoder *dec, int *opus_error);

/* Samples per channel of the last packet decoded (0 before the first). */
int vona_opus_decoder_last_samples(const vona_opus_decoder *dec);

/* Samples at 48 kHz that an Opus packet holds (used for Ogg granule positions). */
vona_status vona_opus_packet_samples_48k(const uint8_t *packet, size_t len, int *samples,
                                         int *opus_error);

/* libopus's message for one of its error codes. */
const char *vona_opus_strerror(int opus_error);

#ifdef __cplusplus
}
#endif
#endif
