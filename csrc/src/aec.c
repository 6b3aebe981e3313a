/* Acoustic echo cancellation over libspeexdsp (see vona/aec.h). */
#include "vona/aec.h"

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <stdlib.h>
#include <string.h>

struct vona_aec {
    SpeexEchoState *echo;
    SpeexPreprocessState *pre;
    uint32_t rate;
    uint32_t frame;
    uint32_t filter;
    unsigned flags;
};

int vona_aec_rate_supported(uint32_t rate_hz)
{
    switch (rate_hz) {
    case 8000:
    case 11025:
    case 16000:
    case 22050:
    case 24000:
    case 32000:
    case 44100:
    case 48000:
        return 1;
    default:
        return 0;
    }
}

/* Attach the preprocessor to the echo state: residual echo suppression always,
 * noise suppression only on request (it would colour speech nobody asked to clean).
 * The preprocessor applies its suppression gains only with denoise on, so denoise is
 * always on and, without the flag, its noise attenuation is 0 dB: echo only. */
static vona_status configure(vona_aec *a)
{
    int rate = (int)a->rate;
    int on = 1, off = 0;
    int noise_db = (a->flags & VONA_AEC_NOISE_SUPPRESSION) ? -15 : 0;
    if (speex_echo_ctl(a->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate) != 0)
        return VONA_E_CODEC;
    if (speex_preprocess_ctl(a->pre, SPEEX_PREPROCESS_SET_ECHO_STATE, a->echo) != 0)
        return VONA_E_CODEC;
    if (speex_preprocess_ctl(a->pre, SPEEX_PREPROCESS_SET_DENOISE, &on) != 0)
        return VONA_E_CODEC;
    if (speex_preprocess_ctl(a->pre, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &noise_db) != 0)
        return VONA_E_CODEC;
    /* no automatic gain: the VAD and the STT see the talker's own level */
    if (speex_preprocess_ctl(a->pre, SPEEX_PREPROCESS_SET_AGC, &off) != 0)
        return VONA_E_CODEC;
    if (speex_preprocess_ctl(a->pre, SPEEX_PREPROCESS_SET_DEREVERB, &off) != 0)
        return VONA_E_CODEC;
    return VONA_OK;
}

vona_status vona_aec_create(uint32_t sample_rate, uint32_t frame_samples, uint32_t filter_samples,
                            unsigned flags, vona_aec **out)
{
    if (out == NULL)
        return VONA_E_INVALID_ARG;
    *out = NULL;
    if (!vona_aec_rate_supported(sample_rate) || frame_samples == 0 ||
        (uint64_t)frame_samples * 1000u > (uint64_t)VONA_AEC_MAX_FRAME_MS * sample_rate ||
        filter_samples < frame_samples ||
        (uint64_t)filter_samples * 1000u > (uint64_t)VONA_AEC_MAX_FILTER_MS * sample_rate ||
        (flags & ~(unsigned)VONA_AEC_NOISE_SUPPRESSION) != 0)
        return VONA_E_INVALID_ARG;
    vona_aec *a = calloc(1, sizeof *a);
    if (a == NULL)
        return VONA_E_NOMEM;
    a->rate = sample_rate;
    a->frame = frame_samples;
    a->filter = filter_samples;
    a->flags = flags;
    a->echo = speex_echo_state_init((int)frame_samples, (int)filter_samples);
    a->pre = speex_preprocess_state_init((int)frame_samples, (int)sample_rate);
    if (a->echo == NULL || a->pre == NULL) {
        vona_aec_destroy(a);
        return VONA_E_NOMEM;
    }
    vona_status st = configure(a);
    if (st != VONA_OK) {
        vona_aec_destroy(a);
        return st;
    }
    *out = a;
    return VONA_OK;
}

void vona_aec_destroy(vona_aec *a)
{
    if (a == NULL)
        return;
    if (a->pre != NULL)
        speex_preprocess_state_destroy(a->pre);
    if (a->echo != NULL)
        speex_echo_state_destroy(a->echo);
    free(a);
}

vona_status vona_aec_process(vona_aec *a, const int16_t *near, const int16_t *far, int16_t *out,
                             size_t n)
{
    if (a == NULL || n % a->frame != 0)
        return VONA_E_INVALID_ARG;
    if (n == 0)
        return VONA_OK;
    if (near == NULL || far == NULL || out == NULL || far == out)
        return VONA_E_INVALID_ARG;
    for (size_t i = 0; i < n; i += a->frame) {
        /* speex reads near completely before it writes out, so out may alias near */
        speex_echo_cancellation(a->echo, near + i, far + i, out + i);
        speex_preprocess_run(a->pre, out + i);
    }
    return VONA_OK;
}

vona_status vona_aec_reset(vona_aec *a)
{
    if (a == NULL)
        return VONA_E_INVALID_ARG;
    speex_echo_state_reset(a->echo);
    /* the preprocessor has no reset of its own; its noise estimate re-adapts in
     * a second, and recreating it here would allocate */
    return VONA_OK;
}

uint32_t vona_aec_sample_rate(const vona_aec *a) { return a ? a->rate : 0; }
uint32_t vona_aec_frame_samples(const vona_aec *a) { return a ? a->frame : 0; }
uint32_t vona_aec_filter_samples(const vona_aec *a) { return a ? a->filter : 0; }
uint32_t vona_aec_delay(const vona_aec *a) { return a ? a->frame : 0; }
