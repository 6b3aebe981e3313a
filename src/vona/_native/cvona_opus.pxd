# Declarations for csrc/include/vona/opus_codec.h.
from libc.stdint cimport int16_t, int32_t, uint8_t
from vona._native.cstatus cimport vona_status


cdef extern from "vona/opus_codec.h" nogil:
    enum:
        VONA_OPUS_MAX_PACKET_BYTES
        VONA_OPUS_MAX_FRAME_SAMPLES

    ctypedef struct vona_opus_encoder:
        pass
    ctypedef struct vona_opus_decoder:
        pass

    ctypedef enum vona_opus_application:
        VONA_OPUS_APP_VOIP
        VONA_OPUS_APP_AUDIO
        VONA_OPUS_APP_LOWDELAY

    ctypedef enum vona_opus_setting:
        VONA_OPUS_BITRATE
        VONA_OPUS_COMPLEXITY
        VONA_OPUS_INBAND_FEC
        VONA_OPUS_DTX
        VONA_OPUS_PACKET_LOSS_PERC
        VONA_OPUS_VBR
        VONA_OPUS_LOOKAHEAD

    int vona_opus_rate_ok(int32_t sample_rate)
    int vona_opus_frame_ok(int32_t sample_rate, int frame_samples)

    vona_status vona_opus_encoder_create(vona_opus_encoder **out, int32_t sample_rate,
                                         int channels, vona_opus_application application,
                                         int *opus_error)
    void vona_opus_encoder_destroy(vona_opus_encoder *enc)
    vona_status vona_opus_encoder_encode(vona_opus_encoder *enc, const int16_t *pcm,
                                         int frame_samples, uint8_t *out, size_t out_cap,
                                         size_t *out_len, int *opus_error)
    vona_status vona_opus_encoder_set(vona_opus_encoder *enc, vona_opus_setting setting,
                                      int32_t value, int *opus_error)
    vona_status vona_opus_encoder_get(vona_opus_encoder *enc, vona_opus_setting setting,
                                      int32_t *value, int *opus_error)
    vona_status vona_opus_encoder_reset(vona_opus_encoder *enc, int *opus_error)

    vona_status vona_opus_decoder_create(vona_opus_decoder **out, int32_t sample_rate,
                                         int channels, int *opus_error)
    void vona_opus_decoder_destroy(vona_opus_decoder *dec)
    vona_status vona_opus_decoder_packet_samples(const vona_opus_decoder *dec,
                                                 const uint8_t *packet, size_t len,
                                                 int *samples, int *opus_error)
    vona_status vona_opus_decoder_decode(vona_opus_decoder *dec, const uint8_t *packet,
                                         size_t len, int16_t *pcm, int frame_samples, int fec,
                                         int *decoded, int *opus_error)
    vona_status vona_opus_decoder_decode_float(vona_opus_decoder *dec, const uint8_t *packet,
                                               size_t len, float *pcm, int frame_samples,
                                               int fec, int *decoded, int *opus_error)
    vona_status vona_opus_decoder_reset(vona_opus_decoder *dec, int *opus_error)
    int vona_opus_decoder_last_samples(const vona_opus_decoder *dec)

    vona_status vona_opus_packet_samples_48k(const uint8_t *packet, size_t len, int *samples,
                                             int *opus_error)
    const char *vona_opus_strerror(int opus_error)


cdef inline int check_opus(vona_status status, int opus_error, str what) except -1:
    """Like cstatus.check, but a libopus failure carries libopus's own message."""
    if status == 0:
        return 0
    if status == 7:  # VONA_E_CODEC
        from vona.errors import CodecError
        message = vona_opus_strerror(opus_error).decode("utf-8", "replace")
        raise CodecError(f"{what}: libopus: {message} (error {opus_error})")
    from vona._native._errors import raise_status
    raise_status(<int>status, what)
    return -1
