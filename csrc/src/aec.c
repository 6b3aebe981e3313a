/* Acoustic echo cancellation over libspeexdsp (see vona/aec.h). */
#include "vona/aec.h"

#include <math.h>
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <stdlib.h>
#include <string.h>

/* The residual echo gate (VONA_AEC_ECHO_GATE). Its own echo model, far cruder than the
 * adaptive filter but learnt in a few hundred ms instead of seconds: the echo's level
 * follows the reference's level at one lag (the room's delay) times one gain. Per frame,
 * from RMS levels only: the lag is the one whose reference level correlates best with
 * the microphone's, the gain the least-squares fit at that lag, both over about a second
 * of echo-only frames (double talk does not teach it). A frame whose output is not
 * clearly above the echo so predicted (GATE_MARGIN in amplitude, over the reference's
 * peak between the lag and GATE_SPREAD frames of reverb after it) is muted: the young
 * filter's leak and the converged filter's speech-like residue both. Until GATE_WARM_MS
 * of reference has been heard the prediction is the reference's peak over the whole
 * filter span (an echo no louder than what played). Nothing changes while nothing plays. */
enum { GATE_SPREAD = 3, GATE_WARM_MS = 300, GATE_HOLD_MS = 150, GATE_QUIET_MS = 150 };
#define GATE_MARGIN 2.0f     /* output over predicted echo (amplitude) to count as a talker */
#define GATE_LEARN 1.41f     /* a muted frame teaches the models only if its mic is at most
                                this over the predicted echo (3 dB): never a talker's frame */
#define GATE_FLOOR 32.768f   /* reference quieter than -60 dBFS: nothing plays */
#define GATE_MEMORY_S 1.0f   /* time constant of the echo model's statistics */
#define GATE_ATTEN_MAX_DB 30.0f /* the filter's attenuation counted at most */
#define GATE_ATTEN_DOWN_DB 1.0f /* attenuation tracking steps per echo-only frame: */
#define GATE_ATTEN_UP_DB 0.1f   /* down fast, up slowly (about the 10th percentile) */
#define GATE_TALK 100.0f     /* a mic above this (-50 dBFS) with nothing playing: a talker */
#define GATE_STRAY 0.05f       /* a young filter's stray output, of the reference in its span */

typedef struct {
    float *level; /* reference RMS per frame, [0] newest; lags + GATE_SPREAD + 1 */
    float *cross; /* per lag: sum of mic level x reference level, forgetting */
    float *power; /* per lag: sum of reference level squared, forgetting */
    uint32_t lags; /* lags 0..lags-1 (the filter's span in frames) */
    uint32_t warm; /* frames of reference still to hear before the model is used */
    uint32_t hold, held;
    float forget;
    float atten_db;  /* the canceller's attenuation of the echo so far (a low percentile) */
    float linear_db; /* the same for the adaptive filter alone (before the suppressor) */
    float talk;      /* the talker's level while one talks since before the playback, or 0 */
    uint32_t quiet, quiet_needed; /* frames the talker has been 20 dB down, and how many end it */
} echo_gate;

struct vona_aec {
    SpeexEchoState *echo;
    SpeexPreprocessState *pre;
    uint32_t rate;
    uint32_t frame;
    uint32_t filter;
    unsigned flags;
    echo_gate gate;
};

static float rms(const int16_t *x, uint32_t n)
{
    float acc = 0.0f;
    for (uint32_t i = 0; i < n; i++) acc += (float)x[i] * (float)x[i];
    return sqrtf(acc / (float)n);
}

static uint32_t frames_of_ms(const vona_aec *a, uint32_t ms)
{
    uint32_t f = (uint32_t)((uint64_t)a->rate * ms / 1000u / a->frame);
    return f > 0 ? f : 1;
}

static int gate_init(vona_aec *a)
{
    echo_gate *g = &a->gate;
    g->lags = a->filter / a->frame + 1;
    g->level = calloc(g->lags + GATE_SPREAD + 1, sizeof *g->level);
    g->cross = calloc(g->lags, sizeof *g->cross);
    g->power = calloc(g->lags, sizeof *g->power);
    g->forget = 1.0f - (float)a->frame / ((float)a->rate * GATE_MEMORY_S);
    g->warm = frames_of_ms(a, GATE_WARM_MS);
    g->hold = frames_of_ms(a, GATE_HOLD_MS);
    g->quiet_needed = frames_of_ms(a, GATE_QUIET_MS);
    return g->level != NULL && g->cross != NULL && g->power != NULL;
}

static void gate_reset(vona_aec *a)
{
    echo_gate *g = &a->gate;
    if (g->level == NULL) return;
    memset(g->level, 0, (g->lags + GATE_SPREAD + 1) * sizeof *g->level);
    memset(g->cross, 0, g->lags * sizeof *g->cross);
    memset(g->power, 0, g->lags * sizeof *g->power);
    g->warm = frames_of_ms(a, GATE_WARM_MS);
    g->held = 0;
    g->atten_db = g->linear_db = g->talk = 0.0f;
    g->quiet = 0;
}

/* Someone talking when the playback starts is no echo (the playback may even repeat them,
 * as an echo test does): the gate stands aside until they have paused (GATE_QUIET_MS 20 dB
 * below their level) and that playback is over; a reply that starts after the user's turn
 * ended is gated from its start. Returns 1 while the gate stands aside. */
static int gate_talker(echo_gate *g, float mic, float peak)
{
    if (peak < GATE_FLOOR && mic > GATE_TALK) {
        g->talk = mic > g->talk ? mic : g->talk;
        g->quiet = 0;
    }
    if (g->talk == 0.0f) return 0;
    g->quiet = mic < 0.1f * g->talk ? g->quiet + 1 : 0;
    if (g->quiet >= g->quiet_needed && peak < GATE_FLOOR) {
        g->talk = 0.0f;
        return 0;
    }
    return 1;
}

static void gate_learn(echo_gate *g, float mic)
{
    for (uint32_t l = 0; l < g->lags; l++) {
        g->cross[l] = g->forget * g->cross[l] + mic * g->level[l];
        g->power[l] = g->forget * g->power[l] + g->level[l] * g->level[l];
    }
}

/* One step of a low-percentile tracker of the attenuation from mic to out (dB). */
static void track(float *db, float mic, float out)
{
    float got = 20.0f * log10f((mic + 1.0f) / (out + 1.0f));
    *db += got < *db ? -GATE_ATTEN_DOWN_DB : GATE_ATTEN_UP_DB;
    *db = *db < 0.0f ? 0.0f : *db > GATE_ATTEN_MAX_DB ? GATE_ATTEN_MAX_DB : *db;
}

/* One frame: mic is the RMS of this frame's input (taken before out may overwrite it),
 * linear that of the adaptive filter's output (before the residual suppressor), far its
 * reference, out the canceller's output. */
static void gate_run(vona_aec *a, float mic, float linear, const int16_t *far, int16_t *out)
{
    echo_gate *g = &a->gate;
    uint32_t span = g->lags + GATE_SPREAD + 1;
    memmove(g->level + 1, g->level, (span - 1) * sizeof *g->level);
    g->level[0] = rms(far, a->frame);
    float peak = 0.0f;
    for (uint32_t l = 0; l < span; l++) peak = g->level[l] > peak ? g->level[l] : peak;
    if (gate_talker(g, mic, peak) || peak < GATE_FLOOR) return;
    float echo = peak, residue = peak; /* until warm: the echo no louder than the reference */
    if (g->warm > 0) {
        g->warm--;
        gate_learn(g, mic);
    } else {
        uint32_t best = 0;
        float best_score = -1.0f;
        for (uint32_t l = 0; l < g->lags; l++) {
            /* correlation up to the mic's norm, common to every lag */
            float score = g->power[l] > 0.0f ? g->cross[l] / sqrtf(g->power[l]) : 0.0f;
            if (score > best_score) {
                best_score = score;
                best = l;
            }
        }
        float gain = g->power[best] > 0.0f ? g->cross[best] / g->power[best] : 0.0f;
        float ref = 0.0f;
        for (uint32_t l = best > 0 ? best - 1 : 0; l <= best + GATE_SPREAD; l++)
            ref = g->level[l] > ref ? g->level[l] : ref;
        echo = gain * ref;
        /* What the canceller leaves of that echo, and, while the filter's weights are
         * still wrong at every lag, a filtered copy of anything in its span (a young
         * filter puts the reference through even when the room is silent), fading as
         * the filter converges. A converged canceller lets a quieter talker pass. */
        float stray = gain * peak * GATE_STRAY * powf(10.0f, -g->linear_db / 20.0f);
        float left = echo * powf(10.0f, -g->atten_db / 20.0f);
        residue = left > stray ? left : stray;
    }
    float level = rms(out, a->frame);
    if (level >= GATE_MARGIN * residue) {
        g->held = g->hold; /* a talker: let the next frames through too */
        return;
    }
    if (g->warm == 0 && mic <= GATE_LEARN * echo) { /* echo alone: what the models learn from */
        gate_learn(g, mic);
        track(&g->atten_db, mic, level);
        track(&g->linear_db, mic, linear);
    }
    if (g->held > 0) {
        g->held--;
        return;
    }
    memset(out, 0, a->frame * sizeof *out);
}

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
        (flags & ~(unsigned)(VONA_AEC_NOISE_SUPPRESSION | VONA_AEC_ECHO_GATE)) != 0)
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
    if (a->echo == NULL || a->pre == NULL ||
        ((flags & VONA_AEC_ECHO_GATE) && !gate_init(a))) {
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
    free(a->gate.level);
    free(a->gate.cross);
    free(a->gate.power);
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
        int gate = (a->flags & VONA_AEC_ECHO_GATE) != 0;
        float mic = gate ? rms(near + i, a->frame) : 0.0f;
        /* speex reads near completely before it writes out, so out may alias near */
        speex_echo_cancellation(a->echo, near + i, far + i, out + i);
        float linear = gate ? rms(out + i, a->frame) : 0.0f;
        speex_preprocess_run(a->pre, out + i);
        if (gate)
            gate_run(a, mic, linear, far + i, out + i);
    }
    return VONA_OK;
}

vona_status vona_aec_reset(vona_aec *a)
{
    if (a == NULL)
        return VONA_E_INVALID_ARG;
    speex_echo_state_reset(a->echo);
    gate_reset(a);
    /* the preprocessor has no reset of its own; its noise estimate re-adapts in
     * a second, and recreating it here would allocate */
    return VONA_OK;
}

uint32_t vona_aec_sample_rate(const vona_aec *a) { return a ? a->rate : 0; }
uint32_t vona_aec_frame_samples(const vona_aec *a) { return a ? a->frame : 0; }
uint32_t vona_aec_filter_samples(const vona_aec *a) { return a ? a->filter : 0; }
uint32_t vona_aec_delay(const vona_aec *a) { return a ? a->frame : 0; }
