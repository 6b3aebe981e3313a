/* Streaming resampler over libsoxr (see vona/resample.h for the contract). */
#include "vona/resample.h"

#include <math.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

/* The engine is fed at most BLOCK_FRAMES input frames per call so its internal
 * FIFO stops growing after warm-up (no allocation in process), and int16 data
 * is converted through fixed scratch buffers of this size. */
#define BLOCK_FRAMES 1024
/* Engine output scratch. Smaller than the largest burst (8k -> 48k vhq: ~7,000
 * frames per 1024-frame block) on purpose: the partial-take and pull loops
 * below are then exercised by the ordinary tests. */
#define SCRATCH_FRAMES 4096
#define MAX_CHANNELS 2
/* flush() pads with up to ceil(48000 / 8000) frames of silence from scratch_in */
_Static_assert(48000 / 8000 <= BLOCK_FRAMES, "flush padding must fit scratch_in");

struct vona_resampler {
    soxr_t sx; /* NULL when in_rate == out_rate (exact copy) */
    uint32_t in_rate, out_rate, channels;
    vona_resample_quality quality;
    unsigned flags;
    uint64_t total_in, total_out; /* frames since the stream started */
    float scratch_in[BLOCK_FRAMES * MAX_CHANNELS];
    float scratch_out[SCRATCH_FRAMES * MAX_CHANNELS];
};

static const uint32_t k_rates[] = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000};

int vona_resampler_rate_supported(uint32_t rate_hz)
{
    for (size_t i = 0; i < sizeof k_rates / sizeof k_rates[0]; i++)
        if (k_rates[i] == rate_hz) return 1;
    return 0;
}

vona_status vona_resampler_quality_parse(const char *name, vona_resample_quality *out)
{
    if (!name || !out) return VONA_E_INVALID_ARG;
    if (strcmp(name, "low") == 0) *out = VONA_RESAMPLE_LOW;
    else if (strcmp(name, "hq") == 0) *out = VONA_RESAMPLE_HQ;
    else if (strcmp(name, "vhq") == 0) *out = VONA_RESAMPLE_VHQ;
    else return VONA_E_INVALID_ARG;
    return VONA_OK;
}

static soxr_t engine_new(const vona_resampler *r)
{
    unsigned long recipe = r->quality == VONA_RESAMPLE_LOW ? SOXR_LQ
                         : r->quality == VONA_RESAMPLE_VHQ ? SOXR_VHQ : SOXR_HQ;
    soxr_quality_spec_t q = soxr_quality_spec(recipe, 0);
    /* float in/out: soxr's int16 output path may dither, which is neither
     * deterministic nor chunk-invariant; we convert ourselves. */
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1); /* never spawn OpenMP threads */
    if (r->flags & VONA_RESAMPLE_LOW_LATENCY) {
        /* the smallest DFT sizes soxr allows: its output comes in blocks of
         * about half a DFT, so smaller DFTs mean smaller blocks and less delay */
        rt.log2_min_dft_size = 8;
        rt.log2_large_dft_size = 8;
    }
    soxr_error_t err = NULL;
    soxr_t sx = soxr_create((double)r->in_rate, (double)r->out_rate, r->channels, &err, &io, &q, &rt);
    if (err) {
        soxr_delete(sx);
        return NULL;
    }
    return sx;
}

vona_status vona_resampler_create(uint32_t in_rate, uint32_t out_rate, uint32_t channels,
                                  vona_resample_quality quality, vona_resampler **out)
{
    return vona_resampler_create_ex(in_rate, out_rate, channels, quality, 0, out);
}

vona_status vona_resampler_create_ex(uint32_t in_rate, uint32_t out_rate, uint32_t channels,
                                     vona_resample_quality quality, unsigned flags,
                                     vona_resampler **out)
{
    if (!out) return VONA_E_INVALID_ARG;
    *out = NULL;
    if (!vona_resampler_rate_supported(in_rate) || !vona_resampler_rate_supported(out_rate))
        return VONA_E_INVALID_ARG;
    if (channels < 1 || channels > MAX_CHANNELS) return VONA_E_INVALID_ARG;
    if (quality != VONA_RESAMPLE_LOW && quality != VONA_RESAMPLE_HQ && quality != VONA_RESAMPLE_VHQ)
        return VONA_E_INVALID_ARG;
    if (flags & ~(unsigned)VONA_RESAMPLE_LOW_LATENCY) return VONA_E_INVALID_ARG;
    vona_resampler *r = calloc(1, sizeof *r);
    if (!r) return VONA_E_NOMEM;
    r->in_rate = in_rate;
    r->out_rate = out_rate;
    r->channels = channels;
    r->quality = quality;
    r->flags = flags;
    if (in_rate != out_rate) {
        r->sx = engine_new(r);
        if (!r->sx) {
            free(r);
            return VONA_E_CODEC;
        }
    }
    *out = r;
    return VONA_OK;
}

void vona_resampler_destroy(vona_resampler *r)
{
    if (!r) return;
    if (r->sx) soxr_delete(r->sx);
    free(r);
}

/* floor(n * out / in + 1/2): the stream's output length after n input frames. */
static uint64_t target_len(const vona_resampler *r, uint64_t n)
{
    return (2 * n * r->out_rate + r->in_rate) / (2 * (uint64_t)r->in_rate);
}

size_t vona_resampler_max_output(const vona_resampler *r, size_t in_frames)
{
    if (!r) return 0;
    return (size_t)(target_len(r, r->total_in + in_frames) - r->total_out);
}

/* Saturating round-half-even float -> int16 (x * 32768). lrintf follows the
 * default rounding mode, round-to-nearest-even; NaN maps to 0. */
static void f32_to_i16(const float *src, int16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = src[i] * 32768.0f;
        v = v != v ? 0.0f : v;
        v = v > 32767.0f ? 32767.0f : (v < -32768.0f ? -32768.0f : v);
        dst[i] = (int16_t)lrintf(v);
    }
}

static void i16_to_f32(const int16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i] * (1.0f / 32768.0f);
}

/* Where engine output goes (float or int16 caller buffer) and how much may go. */
typedef struct sink {
    float *f32;
    int16_t *i16;
    size_t pos, cap; /* frames written, frames allowed (exact bound) */
    int truncate;    /* flush: drop engine output past cap (its zero-padded tail) */
} sink;

/* One engine call: feed `n` frames of `in` (NULL = flush), move what comes out
 * into the sink. soxr takes at most ceil(olen / ratio) input frames per call,
 * so output always lands in the large scratch_out rather than the caller's
 * exactly-sized buffer; otherwise a 1-frame chunk with no output due could
 * never be consumed. */
static vona_status engine_call(vona_resampler *r, const float *in, size_t n, size_t *used,
                               sink *s, size_t *produced)
{
    const size_t ch = r->channels;
    size_t idone = 0, odone = 0;
    soxr_error_t err =
        soxr_process(r->sx, in, n, in ? &idone : NULL, r->scratch_out, SCRATCH_FRAMES, &odone);
    if (err) return VONA_E_CODEC;
    *used = idone;
    *produced = odone;
    size_t room = s->cap - s->pos;
    if (odone > room) {
        if (!s->truncate) return VONA_E_CODEC; /* the engine broke the documented bound */
        odone = room;
    }
    if (s->f32) memcpy(s->f32 + s->pos * ch, r->scratch_out, odone * ch * sizeof(float));
    else f32_to_i16(r->scratch_out, s->i16 + s->pos * ch, odone * ch);
    s->pos += odone;
    return VONA_OK;
}

/* Feed one block (<= block_in frames) until the engine has taken all of it. */
static vona_status feed_block(vona_resampler *r, const float *in, size_t n, sink *s)
{
    size_t taken = 0, used = 0, produced = 0;
    while (taken < n) {
        vona_status st = engine_call(r, in + taken * r->channels, n - taken, &used, s, &produced);
        if (st != VONA_OK) return st;
        if (used == 0 && produced == 0) return VONA_E_CODEC; /* engine stalled */
        taken += used;
    }
    /* A full scratch may hide ready output: pull it so each call returns all
     * completed frames whatever the scratch size. */
    while (produced == SCRATCH_FRAMES) {
        vona_status st = engine_call(r, in, 0, &used, s, &produced);
        if (st != VONA_OK) return st;
    }
    return VONA_OK;
}

static vona_status process(vona_resampler *r, const float *in_f, const int16_t *in_i,
                           size_t in_frames, sink *s, size_t *out_frames)
{
    const size_t ch = r->channels;
    if (!r->sx) { /* equal rates: exact copy */
        if (in_frames && s->f32) memcpy(s->f32, in_f, in_frames * ch * sizeof(float));
        else if (in_frames) memcpy(s->i16, in_i, in_frames * ch * sizeof(int16_t));
        s->pos = in_frames;
    } else {
        for (size_t done = 0; done < in_frames;) {
            size_t n = in_frames - done < BLOCK_FRAMES ? in_frames - done : BLOCK_FRAMES;
            const float *blk;
            if (in_f) {
                blk = in_f + done * ch;
            } else {
                i16_to_f32(in_i + done * ch, r->scratch_in, n * ch);
                blk = r->scratch_in;
            }
            vona_status st = feed_block(r, blk, n, s);
            if (st != VONA_OK) return st;
            done += n;
        }
    }
    r->total_in += in_frames;
    r->total_out += s->pos;
    *out_frames = s->pos;
    return VONA_OK;
}

static vona_status check_args(vona_resampler *r, const void *in, size_t in_frames, const void *out,
                              size_t out_cap_frames, size_t *out_frames, size_t *need)
{
    if (!r || !out_frames) return VONA_E_INVALID_ARG;
    *out_frames = 0;
    if (in_frames && !in) return VONA_E_INVALID_ARG;
    if (in_frames > ((size_t)1 << 40)) return VONA_E_LIMIT; /* keeps 64-bit position math exact */
    *need = vona_resampler_max_output(r, in_frames);
    if (out_cap_frames < *need) return VONA_E_FULL;
    if (*need && !out) return VONA_E_INVALID_ARG;
    return VONA_OK;
}

vona_status vona_resampler_process_f32(vona_resampler *r, const float *in, size_t in_frames,
                                       float *out, size_t out_cap_frames, size_t *out_frames)
{
    size_t need = 0;
    vona_status st = check_args(r, in, in_frames, out, out_cap_frames, out_frames, &need);
    if (st != VONA_OK) return st;
    sink s = {out, NULL, 0, need, 0};
    return process(r, in, NULL, in_frames, &s, out_frames);
}

vona_status vona_resampler_process_i16(vona_resampler *r, const int16_t *in, size_t in_frames,
                                       int16_t *out, size_t out_cap_frames, size_t *out_frames)
{
    size_t need = 0;
    vona_status st = check_args(r, in, in_frames, out, out_cap_frames, out_frames, &need);
    if (st != VONA_OK) return st;
    sink s = {NULL, out, 0, need, 0};
    return process(r, NULL, in, in_frames, &s, out_frames);
}

/* Input frames of silence that advance the stream by at least one whole output
 * frame: ceil(in / out). */
static size_t pad_frames(const vona_resampler *r)
{
    return (r->in_rate + r->out_rate - 1) / r->out_rate;
}

/* soxr ends a flushed stream at (int64)(samples_in / io_ratio + .5) computed in
 * double with io_ratio = in / out inexact, so when samples_in * out / in is
 * exactly k + 1/2 it may end at k, one frame short of our round-half-up
 * length (24k -> 44.1k after 1000 frames: 1837.5 -> 1837). Our length must
 * not depend on that rounding: feed pad_frames() of silence first (the same
 * zeros soxr's own flush appends) so the engine's end lies at least one frame
 * past ours, then drain and drop everything past the exact length. */
static vona_status flush(vona_resampler *r, sink *s, size_t *out_frames)
{
    if (r->sx && s->pos < s->cap) {
        s->truncate = 1;
        size_t pad = pad_frames(r);
        memset(r->scratch_in, 0, pad * r->channels * sizeof(float));
        vona_status st = feed_block(r, r->scratch_in, pad, s);
        size_t used = 0, produced = 0;
        while (st == VONA_OK && s->pos < s->cap) {
            st = engine_call(r, NULL, 0, &used, s, &produced);
            if (st == VONA_OK && produced == 0) st = VONA_E_CODEC; /* engine ended short */
        }
        if (st != VONA_OK) {
            vona_resampler_reset(r); /* never leave the engine half-flushed */
            return st;
        }
    }
    *out_frames = s->pos;
    return vona_resampler_reset(r);
}

vona_status vona_resampler_flush_f32(vona_resampler *r, float *out, size_t out_cap_frames,
                                     size_t *out_frames)
{
    size_t need = 0;
    vona_status st = check_args(r, NULL, 0, out, out_cap_frames, out_frames, &need);
    if (st != VONA_OK) return st;
    sink s = {out, NULL, 0, need, 0};
    return flush(r, &s, out_frames);
}

vona_status vona_resampler_flush_i16(vona_resampler *r, int16_t *out, size_t out_cap_frames,
                                     size_t *out_frames)
{
    size_t need = 0;
    vona_status st = check_args(r, NULL, 0, out, out_cap_frames, out_frames, &need);
    if (st != VONA_OK) return st;
    sink s = {NULL, out, 0, need, 0};
    return flush(r, &s, out_frames);
}

vona_status vona_resampler_reset(vona_resampler *r)
{
    if (!r) return VONA_E_INVALID_ARG;
    r->total_in = 0;
    r->total_out = 0;
    if (r->sx && soxr_clear(r->sx)) return VONA_E_CODEC;
    return VONA_OK;
}

double vona_resampler_delay(const vona_resampler *r)
{
    if (!r) return 0.0;
    return (double)r->total_in * r->out_rate / r->in_rate - (double)r->total_out;
}

uint32_t vona_resampler_in_rate(const vona_resampler *r) { return r ? r->in_rate : 0; }
uint32_t vona_resampler_out_rate(const vona_resampler *r) { return r ? r->out_rate : 0; }
uint32_t vona_resampler_channels(const vona_resampler *r) { return r ? r->channels : 0; }
