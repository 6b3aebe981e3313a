/* Opus encode/decode at every rate, frame size and channel count; PLC, FEC and size limits. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vona/opus_codec.h"

static int failures = 0;
#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static int16_t pcm[VONA_OPUS_MAX_FRAME_SAMPLES * 2];
static int16_t dec_pcm[VONA_OPUS_MAX_FRAME_SAMPLES * 2];
static uint8_t packet[VONA_OPUS_MAX_PACKET_BYTES];

static void test_all_sizes(void)
{
    static const int32_t rates[] = {8000, 12000, 16000, 24000, 48000};
    static const int units[] = {1, 2, 4, 8, 16, 24}; /* 2.5 ms steps: 2.5 .. 60 ms */
    for (size_t ri = 0; ri < 5; ri++) {
        for (int ch = 1; ch <= 2; ch++) {
            vona_opus_encoder *enc;
            vona_opus_decoder *dec;
            int oerr;
            CHECK(vona_opus_encoder_create(&enc, rates[ri], ch, VONA_OPUS_APP_AUDIO, &oerr) ==
                  VONA_OK);
            CHECK(vona_opus_decoder_create(&dec, rates[ri], ch, &oerr) == VONA_OK);
            for (size_t ui = 0; ui < 6; ui++) {
                int frame = rates[ri] / 400 * units[ui];
                CHECK(vona_opus_frame_ok(rates[ri], frame));
                CHECK(!vona_opus_frame_ok(rates[ri], frame + 1));
                for (int i = 0; i < frame * ch; i++)
                    pcm[i] = (int16_t)(8000 * sin(i * 0.05 + (double)ui));
                size_t n = 0;
                CHECK(vona_opus_encoder_encode(enc, pcm, frame, packet, sizeof packet, &n,
                                               &oerr) == VONA_OK);
                CHECK(n >= 1);
                int samples = 0;
                CHECK(vona_opus_decoder_packet_samples(dec, packet, n, &samples, &oerr) ==
                      VONA_OK);
                CHECK(samples == frame);
                int got = 0;
                CHECK(vona_opus_decoder_decode(dec, packet, n, dec_pcm, frame, 0, &got, &oerr) ==
                      VONA_OK);
                CHECK(got == frame && vona_opus_decoder_last_samples(dec) == frame);
                static float fpcm[VONA_OPUS_MAX_FRAME_SAMPLES * 2];
                CHECK(vona_opus_decoder_decode_float(dec, packet, n, fpcm, frame, 0, &got,
                                                     &oerr) == VONA_OK);
                CHECK(got == frame);
                int s48 = 0;
                CHECK(vona_opus_packet_samples_48k(packet, n, &s48, &oerr) == VONA_OK);
                CHECK(s48 == 120 * units[ui]);
            }
            vona_opus_encoder_destroy(enc);
            vona_opus_decoder_destroy(dec);
        }
    }
}

static void test_settings_plc_fec(void)
{
    vona_opus_encoder *enc;
    vona_opus_decoder *dec;
    int oerr;
    CHECK(vona_opus_encoder_create(&enc, 16000, 1, VONA_OPUS_APP_VOIP, &oerr) == VONA_OK);
    CHECK(vona_opus_decoder_create(&dec, 16000, 1, &oerr) == VONA_OK);
    CHECK(vona_opus_encoder_set(enc, VONA_OPUS_INBAND_FEC, 1, &oerr) == VONA_OK);
    CHECK(vona_opus_encoder_set(enc, VONA_OPUS_PACKET_LOSS_PERC, 20, &oerr) == VONA_OK);
    CHECK(vona_opus_encoder_set(enc, VONA_OPUS_BITRATE, 24000, &oerr) == VONA_OK);
    CHECK(vona_opus_encoder_set(enc, VONA_OPUS_COMPLEXITY, 11, &oerr) == VONA_E_CODEC);
    CHECK(oerr < 0 && strlen(vona_opus_strerror(oerr)) > 0);
    int32_t v = 0;
    CHECK(vona_opus_encoder_get(enc, VONA_OPUS_INBAND_FEC, &v, &oerr) == VONA_OK && v == 1);
    CHECK(vona_opus_encoder_get(enc, VONA_OPUS_LOOKAHEAD, &v, &oerr) == VONA_OK && v > 0);
    size_t n = 0;
    for (int k = 0; k < 10; k++) {
        for (int i = 0; i < 320; i++) pcm[i] = (int16_t)(6000 * sin((k * 320 + i) * 0.07));
        CHECK(vona_opus_encoder_encode(enc, pcm, 320, packet, sizeof packet, &n, &oerr) ==
              VONA_OK);
    }
    int got = 0;
    CHECK(vona_opus_decoder_decode(dec, packet, n, dec_pcm, 320, 1, &got, &oerr) == VONA_OK);
    CHECK(got == 320);
    CHECK(vona_opus_decoder_decode(dec, NULL, 0, dec_pcm, 320, 0, &got, &oerr) == VONA_OK);
    CHECK(got == 320);
    /* PLC frames must be multiples of 2.5 ms and at most 120 ms. */
    CHECK(vona_opus_decoder_decode(dec, NULL, 0, dec_pcm, 321, 0, &got, &oerr) ==
          VONA_E_INVALID_ARG);
    CHECK(vona_opus_decoder_decode(dec, NULL, 0, dec_pcm, 1920 + 40, 0, &got, &oerr) ==
          VONA_E_LIMIT);
    /* Encoder refuses odd frame sizes. */
    CHECK(vona_opus_encoder_encode(enc, pcm, 321, packet, sizeof packet, &n, &oerr) ==
          VONA_E_INVALID_ARG);
    CHECK(vona_opus_encoder_reset(enc, &oerr) == VONA_OK);
    CHECK(vona_opus_decoder_reset(dec, &oerr) == VONA_OK);
    CHECK(vona_opus_decoder_last_samples(dec) == 0);
    vona_opus_encoder_destroy(enc);
    vona_opus_decoder_destroy(dec);
}

static void test_bad_packets(void)
{
    vona_opus_decoder *dec;
    int oerr = 0, got = 0, samples = 0;
    CHECK(vona_opus_decoder_create(&dec, 44100, 2, &oerr) == VONA_E_INVALID_ARG && !dec);
    CHECK(vona_opus_decoder_create(&dec, 48000, 3, &oerr) == VONA_E_INVALID_ARG);
    CHECK(vona_opus_decoder_create(&dec, 48000, 2, &oerr) == VONA_OK);
    uint8_t empty[1] = {0};
    CHECK(vona_opus_decoder_decode(dec, empty, 0, dec_pcm, 960, 0, &got, &oerr) == VONA_E_CORRUPT);
    CHECK(vona_opus_decoder_packet_samples(dec, empty, 0, &samples, &oerr) == VONA_E_CORRUPT);
    CHECK(vona_opus_decoder_decode(dec, packet, VONA_OPUS_MAX_PACKET_BYTES + 1, dec_pcm, 960, 0,
                                   &got, &oerr) == VONA_E_LIMIT);
    /* Code 3 with 63 frames of 60 ms: the TOC claims far more than 120 ms. */
    uint8_t code3[2] = {0x1B, 0x3F};
    CHECK(vona_opus_decoder_packet_samples(dec, code3, 2, &samples, &oerr) == VONA_E_CODEC);
    CHECK(oerr < 0);
    /* Too small a buffer for the packet: libopus says so. */
    uint8_t toc[3] = {0xFC, 0xFF, 0xFE}; /* CELT FB 20 ms stereo */
    CHECK(vona_opus_decoder_decode(dec, toc, 3, dec_pcm, 480, 0, &got, &oerr) == VONA_E_CODEC);
    CHECK(oerr < 0);
    vona_opus_decoder_destroy(dec);
}

int main(void)
{
    test_all_sizes();
    test_settings_plc_fec();
    test_bad_packets();
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
