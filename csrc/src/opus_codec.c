#include "vona/opus_codec.h"

#include <opus.h>
#include <stdlib.h>

struct vona_opus_encoder {
    OpusEncoder *st;
    int32_t rate;
    int channels;
};

struct vona_opus_decoder {
    OpusDecoder *st;
    int32_t rate;
    int channels;
    int last_samples;
};

int vona_opus_rate_ok(int32_t rate)
{
    return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

int vona_opus_frame_ok(int32_t rate, int frame_samples)
{
    if (!vona_opus_rate_ok(rate) || frame_samples <= 0) return 0;
    /* Multiples of 2.5 ms: 1, 2, 4, 8, 16, 24, 32, 40 or 48 of them. */
    int unit = rate / 400;
    if (frame_samples % unit != 0) return 0;
    switch (frame_samples / unit) {
    case 1: case 2: case 4: case 8: case 16: case 24: case 32: case 40: case 48: return 1;
    default: return 0;
    }
}

static vona_status from_opus(int err, int *opus_error)
{
    if (opus_error) *opus_error = err;
    if (err >= 0) return VONA_OK;
    return err == OPUS_ALLOC_FAIL ? VONA_E_NOMEM : VONA_E_CODEC;
}

vona_status vona_opus_encoder_create(vona_opus_encoder **out, int32_t rate, int channels,
                                     vona_opus_application application, int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (!out) return VONA_E_INVALID_ARG;
    *out = NULL;
    if (!vona_opus_rate_ok(rate) || (channels != 1 && channels != 2)) return VONA_E_INVALID_ARG;
    int app;
    switch (application) {
    case VONA_OPUS_APP_VOIP: app = OPUS_APPLICATION_VOIP; break;
    case VONA_OPUS_APP_AUDIO: app = OPUS_APPLICATION_AUDIO; break;
    case VONA_OPUS_APP_LOWDELAY: app = OPUS_APPLICATION_RESTRICTED_LOWDELAY; break;
    default: return VONA_E_INVALID_ARG;
    }
    vona_opus_encoder *enc = calloc(1, sizeof *enc);
    if (!enc) return VONA_E_NOMEM;
    int err = OPUS_OK;
    enc->st = opus_encoder_create(rate, channels, app, &err);
    if (err != OPUS_OK || !enc->st) {
        free(enc);
        return from_opus(err != OPUS_OK ? err : OPUS_ALLOC_FAIL, opus_error);
    }
    enc->rate = rate;
    enc->channels = channels;
    *out = enc;
    return VONA_OK;
}

void vona_opus_encoder_destroy(vona_opus_encoder *enc)
{
    if (!enc) return;
    opus_encoder_destroy(enc->st);
    free(enc);
}

vona_status vona_opus_encoder_encode(vona_opus_encoder *enc, const int16_t *pcm, int frame_samples,
                                     uint8_t *out, size_t out_cap, size_t *out_len,
                                     int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (out_len) *out_len = 0;
    if (!enc || !pcm || !out || !out_len) return VONA_E_INVALID_ARG;
    if (!vona_opus_frame_ok(enc->rate, frame_samples)) return VONA_E_INVALID_ARG;
    if (out_cap > VONA_OPUS_MAX_PACKET_BYTES) out_cap = VONA_OPUS_MAX_PACKET_BYTES;
    int n = opus_encode(enc->st, pcm, frame_samples, out, (opus_int32)out_cap);
    if (n < 0) return from_opus(n, opus_error);
    *out_len = (size_t)n;
    return VONA_OK;
}

vona_status vona_opus_encoder_set(vona_opus_encoder *enc, vona_opus_setting setting, int32_t value,
                                  int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (!enc) return VONA_E_INVALID_ARG;
    int err;
    switch (setting) {
    case VONA_OPUS_BITRATE: err = opus_encoder_ctl(enc->st, OPUS_SET_BITRATE(value)); break;
    case VONA_OPUS_COMPLEXITY: err = opus_encoder_ctl(enc->st, OPUS_SET_COMPLEXITY(value)); break;
    case VONA_OPUS_INBAND_FEC: err = opus_encoder_ctl(enc->st, OPUS_SET_INBAND_FEC(value)); break;
    case VONA_OPUS_DTX: err = opus_encoder_ctl(enc->st, OPUS_SET_DTX(value)); break;
    case VONA_OPUS_PACKET_LOSS_PERC:
        err = opus_encoder_ctl(enc->st, OPUS_SET_PACKET_LOSS_PERC(value));
        break;
    case VONA_OPUS_VBR: err = opus_encoder_ctl(enc->st, OPUS_SET_VBR(value)); break;
    default: return VONA_E_INVALID_ARG;
    }
    return from_opus(err, opus_error);
}

vona_status vona_opus_encoder_get(vona_opus_encoder *enc, vona_opus_setting setting,
                                  int32_t *value, int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (!enc || !value) return VONA_E_INVALID_ARG;
    opus_int32 v = 0;
    int err;
    switch (setting) {
    case VONA_OPUS_BITRATE: err = opus_encoder_ctl(enc->st, OPUS_GET_BITRATE(&v)); break;
    case VONA_OPUS_COMPLEXITY: err = opus_encoder_ctl(enc->st, OPUS_GET_COMPLEXITY(&v)); break;
    case VONA_OPUS_INBAND_FEC: err = opus_encoder_ctl(enc->st, OPUS_GET_INBAND_FEC(&v)); break;
    case VONA_OPUS_DTX: err = opus_encoder_ctl(enc->st, OPUS_GET_DTX(&v)); break;
    case VONA_OPUS_PACKET_LOSS_PERC:
        err = opus_encoder_ctl(enc->st, OPUS_GET_PACKET_LOSS_PERC(&v));
        break;
    case VONA_OPUS_VBR: err = opus_encoder_ctl(enc->st, OPUS_GET_VBR(&v)); break;
    case VONA_OPUS_LOOKAHEAD: err = opus_encoder_ctl(enc->st, OPUS_GET_LOOKAHEAD(&v)); break;
    default: return VONA_E_INVALID_ARG;
    }
    *value = v;
    return from_opus(err, opus_error);
}

vona_status vona_opus_encoder_reset(vona_opus_encoder *enc, int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (!enc) return VONA_E_INVALID_ARG;
    return from_opus(opus_encoder_ctl(enc->st, OPUS_RESET_STATE), opus_error);
}

vona_status vona_opus_decoder_create(vona_opus_decoder **out, int32_t rate, int channels,
                                     int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (!out) return VONA_E_INVALID_ARG;
    *out = NULL;
    if (!vona_opus_rate_ok(rate) || (channels != 1 && channels != 2)) return VONA_E_INVALID_ARG;
    vona_opus_decoder *dec = calloc(1, sizeof *dec);
    if (!dec) return VONA_E_NOMEM;
    int err = OPUS_OK;
    dec->st = opus_decoder_create(rate, channels, &err);
    if (err != OPUS_OK || !dec->st) {
        free(dec);
        return from_opus(err != OPUS_OK ? err : OPUS_ALLOC_FAIL, opus_error);
    }
    dec->rate = rate;
    dec->channels = channels;
    *out = dec;
    return VONA_OK;
}

void vona_opus_decoder_destroy(vona_opus_decoder *dec)
{
    if (!dec) return;
    opus_decoder_destroy(dec->st);
    free(dec);
}

vona_status vona_opus_decoder_packet_samples(const vona_opus_decoder *dec, const uint8_t *packet,
                                             size_t len, int *samples, int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (samples) *samples = 0;
    if (!dec || !packet || !samples) return VONA_E_INVALID_ARG;
    if (len == 0) return VONA_E_CORRUPT;
    if (len > VONA_OPUS_MAX_PACKET_BYTES) return VONA_E_LIMIT;
    int n = opus_packet_get_nb_samples(packet, (opus_int32)len, dec->rate);
    if (n < 0) return from_opus(n, opus_error);
    /* A TOC can claim up to 48 frames of 60 ms; RFC 6716 caps a packet at 120 ms. */
    if (n > dec->rate / 25 * 3) return from_opus(OPUS_INVALID_PACKET, opus_error);
    *samples = n;
    return VONA_OK;
}

/* Checks shared by both decode functions, before libopus sees the arguments. */
static vona_status decode_args_ok(const vona_opus_decoder *dec, const uint8_t *packet, size_t len,
                                  int frame_samples, int fec)
{
    int max_samples = dec->rate / 25 * 3; /* 120 ms */
    if (frame_samples <= 0 || frame_samples > max_samples) return VONA_E_LIMIT;
    if (packet == NULL || fec) {
        /* Concealment and FEC produce exactly frame_samples, in 2.5 ms steps. */
        if (frame_samples % (dec->rate / 400) != 0) return VONA_E_INVALID_ARG;
    }
    if (packet != NULL) {
        if (len == 0) return VONA_E_CORRUPT;
        if (len > VONA_OPUS_MAX_PACKET_BYTES) return VONA_E_LIMIT;
    }
    return VONA_OK;
}

vona_status vona_opus_decoder_decode_float(vona_opus_decoder *dec, const uint8_t *packet,
                                           size_t len, float *pcm, int frame_samples, int fec,
                                           int *decoded, int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (decoded) *decoded = 0;
    if (!dec || !pcm || !decoded) return VONA_E_INVALID_ARG;
    vona_status st = decode_args_ok(dec, packet, len, frame_samples, fec);
    if (st != VONA_OK) return st;
    int n = opus_decode_float(dec->st, packet, packet ? (opus_int32)len : 0, pcm, frame_samples,
                              fec ? 1 : 0);
    if (n < 0) return from_opus(n, opus_error);
    dec->last_samples = n;
    *decoded = n;
    return VONA_OK;
}

vona_status vona_opus_decoder_decode(vona_opus_decoder *dec, const uint8_t *packet, size_t len,
                                     int16_t *pcm, int frame_samples, int fec, int *decoded,
                                     int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (decoded) *decoded = 0;
    if (!dec || !pcm || !decoded) return VONA_E_INVALID_ARG;
    vona_status st = decode_args_ok(dec, packet, len, frame_samples, fec);
    if (st != VONA_OK) return st;
    int n = opus_decode(dec->st, packet, packet ? (opus_int32)len : 0, pcm, frame_samples,
                        fec ? 1 : 0);
    if (n < 0) return from_opus(n, opus_error);
    dec->last_samples = n;
    *decoded = n;
    return VONA_OK;
}

vona_status vona_opus_decoder_reset(vona_opus_decoder *dec, int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (!dec) return VONA_E_INVALID_ARG;
    dec->last_samples = 0;
    return from_opus(opus_decoder_ctl(dec->st, OPUS_RESET_STATE), opus_error);
}

int vona_opus_decoder_last_samples(const vona_opus_decoder *dec)
{
    return dec ? dec->last_samples : 0;
}

vona_status vona_opus_packet_samples_48k(const uint8_t *packet, size_t len, int *samples,
                                         int *opus_error)
{
    if (opus_error) *opus_error = 0;
    if (samples) *samples = 0;
    if (!packet || !samples) return VONA_E_INVALID_ARG;
    if (len == 0) return VONA_E_CORRUPT;
    if (len > VONA_OPUS_MAX_PACKET_BYTES) return VONA_E_LIMIT;
    int n = opus_packet_get_nb_samples(packet, (opus_int32)len, 48000);
    if (n < 0) return from_opus(n, opus_error);
    if (n > VONA_OPUS_MAX_FRAME_SAMPLES) return from_opus(OPUS_INVALID_PACKET, opus_error);
    *samples = n;
    return VONA_OK;
}

const char *vona_opus_strerror(int opus_error) { return opus_strerror(opus_error); }
