/* Native step loop (see vona/step_loop.h). Input and output are processed in pieces
 * of at most PIECE samples so fixed scratch buffers, sized at create, always suffice. */
#include "vona/step_loop.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vona/aec_stage.h"
#include "vona/reframe.h"
#include "vona/ring.h"

#define PIECE 1024
/* Scratch room beyond PIECE * ratio: a resampler may release a block of held output
 * in one call. The largest seen over all supported rate pairs and qualities is about
 * 8.3k frames (8k -> 48k, HQ); pieces are halved if a call could still exceed it. */
#define SCRATCH_SLACK 16384

struct vona_step_loop {
    uint32_t t_rate, b_in_rate, b_out_rate;
    size_t frame;
    unsigned ch;
    vona_resampler *rs_in, *rs_out; /* NULL where the two rates of that side are equal */
    vona_reframe *reframe;
    vona_ring *playout;
    vona_aec_stage *aec; /* NULL without echo cancellation */
    int16_t *scratch_in, *scratch_out, *frame_buf, *scratch_aec;
    size_t scratch_in_cap, scratch_out_cap; /* samples per channel */

    vona_native_backend backend;
    uint64_t backend_epoch; /* the interrupts count the backend last saw */

    int virtual_clock;
    int64_t virtual_ns;

    int turn_open;            /* begin_turn .. end_turn / interrupt */
    int first_audio_pending;  /* begin_turn .. first sound pulled / interrupt */
    int64_t turn_start_ns, first_audio_ns, speech_end_ns, latency_ns;
    uint64_t played_in_turn;

    uint64_t frames_in, frames_out, samples_in, samples_queued, samples_played;
    uint64_t dropped, underruns, underrun_samples, interrupts;
};

static size_t scratch_cap(uint32_t from, uint32_t to)
{
    return ((size_t)PIECE * to + from - 1) / from + SCRATCH_SLACK;
}

void vona_step_loop_destroy(vona_step_loop *l)
{
    if (l == NULL) return;
    vona_resampler_destroy(l->rs_in);
    vona_resampler_destroy(l->rs_out);
    vona_reframe_destroy(l->reframe);
    vona_ring_destroy(l->playout);
    vona_aec_stage_destroy(l->aec);
    free(l->scratch_aec);
    free(l->scratch_in);
    free(l->scratch_out);
    free(l->frame_buf);
    free(l);
}

vona_status vona_step_loop_create(const vona_step_loop_config *cfg, vona_step_loop **out)
{
    if (out == NULL) return VONA_E_INVALID_ARG;
    *out = NULL;
    if (cfg == NULL) return VONA_E_INVALID_ARG;
    if (cfg->transport_rate == 0 || cfg->transport_rate > VONA_STEP_LOOP_MAX_RATE) return VONA_E_INVALID_ARG;
    if (cfg->backend_input_rate == 0 || cfg->backend_input_rate > VONA_STEP_LOOP_MAX_RATE) return VONA_E_INVALID_ARG;
    if (cfg->backend_output_rate == 0 || cfg->backend_output_rate > VONA_STEP_LOOP_MAX_RATE) return VONA_E_INVALID_ARG;
    if (cfg->channels == 0 || cfg->channels > VONA_STEP_LOOP_MAX_CHANNELS) return VONA_E_INVALID_ARG;
    if (cfg->backend_frame == 0 || cfg->playout_capacity == 0) return VONA_E_INVALID_ARG;
    if (cfg->aec_filter_ms > 0 && cfg->channels != 1) return VONA_E_INVALID_ARG;

    vona_step_loop *l = calloc(1, sizeof(*l));
    if (l == NULL) return VONA_E_NOMEM;
    l->t_rate = cfg->transport_rate;
    l->b_in_rate = cfg->backend_input_rate;
    l->b_out_rate = cfg->backend_output_rate;
    l->frame = cfg->backend_frame;
    l->ch = cfg->channels;
    l->turn_start_ns = l->first_audio_ns = l->speech_end_ns = l->latency_ns = -1;

    vona_status st = vona_reframe_create(l->frame, l->ch, &l->reframe);
    if (st == VONA_OK) st = vona_ring_create(cfg->playout_capacity, l->ch, &l->playout);
    if (st == VONA_OK && l->t_rate != l->b_in_rate)
        st = vona_resampler_create_ex(l->t_rate, l->b_in_rate, l->ch, cfg->quality,
                                      cfg->resample_flags, &l->rs_in);
    if (st == VONA_OK && l->b_out_rate != l->t_rate)
        st = vona_resampler_create_ex(l->b_out_rate, l->t_rate, l->ch, cfg->quality,
                                      cfg->resample_flags, &l->rs_out);
    if (st == VONA_OK && l->rs_in != NULL) {
        l->scratch_in_cap = scratch_cap(l->t_rate, l->b_in_rate);
        l->scratch_in = malloc(l->scratch_in_cap * l->ch * sizeof(int16_t));
        if (l->scratch_in == NULL) st = VONA_E_NOMEM;
    }
    if (st == VONA_OK && l->rs_out != NULL) {
        l->scratch_out_cap = scratch_cap(l->b_out_rate, l->t_rate);
        l->scratch_out = malloc(l->scratch_out_cap * l->ch * sizeof(int16_t));
        if (l->scratch_out == NULL) st = VONA_E_NOMEM;
    }
    if (st == VONA_OK && cfg->aec_filter_ms > 0) {
        st = vona_aec_stage_create(l->t_rate, cfg->aec_filter_ms, cfg->aec_flags, &l->aec);
        if (st == VONA_OK) {
            l->scratch_aec = malloc((PIECE + vona_aec_stage_frame(l->aec)) * sizeof(int16_t));
            if (l->scratch_aec == NULL) st = VONA_E_NOMEM;
        }
    }
    if (st == VONA_OK) {
        l->frame_buf = malloc(l->frame * l->ch * sizeof(int16_t));
        if (l->frame_buf == NULL) st = VONA_E_NOMEM;
    }
    if (st != VONA_OK) {
        vona_step_loop_destroy(l);
        return st;
    }
    *out = l;
    return VONA_OK;
}

/* ---- clock ---- */

int64_t vona_step_loop_now(const vona_step_loop *l)
{
    if (l->virtual_clock) return l->virtual_ns;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vona_step_loop_set_virtual_clock(vona_step_loop *l, int virtual_clock)
{
    if (virtual_clock && !l->virtual_clock) l->virtual_ns = 0;
    l->virtual_clock = virtual_clock != 0;
}

int vona_step_loop_clock_is_virtual(const vona_step_loop *l) { return l->virtual_clock; }

vona_status vona_step_loop_advance_clock(vona_step_loop *l, int64_t ns)
{
    if (!l->virtual_clock) return VONA_E_STATE;
    if (ns < 0 || l->virtual_ns > INT64_MAX - ns) return VONA_E_INVALID_ARG;
    l->virtual_ns += ns;
    return VONA_OK;
}

vona_status vona_step_loop_set_time(vona_step_loop *l, int64_t ns)
{
    if (!l->virtual_clock) return VONA_E_STATE;
    if (ns < 0) return VONA_E_INVALID_ARG;
    l->virtual_ns = ns;
    return VONA_OK;
}

/* ---- output side ---- */

static size_t queue_playout(vona_step_loop *l, const int16_t *src, size_t n)
{
    size_t accepted = 0;
    vona_ring_write(l->playout, src, n, &accepted);
    l->samples_queued += accepted;
    return accepted;
}

/* Backend-output-rate samples -> transport rate -> playout ring. */
static vona_status output(vona_step_loop *l, const int16_t *src, size_t n, size_t *queued)
{
    if (l->rs_out == NULL) {
        *queued += queue_playout(l, src, n);
        return VONA_OK;
    }
    size_t done = 0;
    while (done < n) {
        size_t piece = n - done < PIECE ? n - done : PIECE;
        while (vona_resampler_max_output(l->rs_out, piece) > l->scratch_out_cap) {
            if (piece == 1) return VONA_E_LIMIT; /* a held block larger than the slack */
            piece /= 2;
        }
        size_t got = 0;
        vona_status st = vona_resampler_process_i16(l->rs_out, src + done * l->ch, piece,
                                                    l->scratch_out, l->scratch_out_cap, &got);
        if (st != VONA_OK) return st;
        *queued += queue_playout(l, l->scratch_out, got);
        done += piece;
    }
    return VONA_OK;
}

vona_status vona_step_loop_push_output(vona_step_loop *l, const int16_t *src, size_t n, size_t *queued)
{
    if (queued == NULL || (n > 0 && src == NULL)) return VONA_E_INVALID_ARG;
    *queued = 0;
    if (n == 0) return VONA_OK;
    l->frames_out++;
    return output(l, src, n, queued);
}

/* ---- input side ---- */

size_t vona_step_loop_input_frames_bound(const vona_step_loop *l, size_t n)
{
    if (l->aec != NULL) n += vona_aec_stage_held(l->aec); /* may complete a held frame */
    size_t m = l->rs_in ? vona_resampler_max_output(l->rs_in, n) : n;
    return vona_reframe_frames_after(l->reframe, m);
}

/* One frame through the native backend and on to playout. The backend's reset runs
 * here, lazily, rather than in interrupt: interrupt stays O(1) whatever the backend. */
static vona_status run_backend(vona_step_loop *l, int16_t *frame, size_t *queued)
{
    const vona_native_backend_ops *ops = l->backend.ops;
    if (l->backend_epoch != l->interrupts) {
        l->backend_epoch = l->interrupts;
        if (ops->reset != NULL) ops->reset(l->backend.ctx);
    }
    const int16_t *out = NULL;
    size_t out_n = 0;
    vona_status st = ops->process(l->backend.ctx, frame, l->frame, l->ch, &out, &out_n);
    if (st != VONA_OK) return st;
    if (out_n > 0 && out == NULL) return VONA_E_INVALID_ARG; /* a broken backend */
    l->frames_out++;
    return output(l, out, out_n, queued);
}

/* Reframe m backend-input-rate samples. frames != NULL: write frames there (room checked by
 * the caller). frames == NULL: run each frame through the native backend and output. */
static vona_status reframe_through(vona_step_loop *l, const int16_t *data, size_t m,
                                   int16_t *const *frames, size_t max_frames, size_t *made,
                                   size_t *queued)
{
    size_t used = 0;
    while (used < m) {
        size_t f = 0, c = 0;
        int16_t *dst = l->frame_buf;
        size_t room = 1;
        if (frames) {
            room = *made < max_frames ? 1 : 0;
            dst = room ? frames[*made] : NULL;
        }
        vona_status st = vona_reframe_push(l->reframe, data + used * l->ch, m - used, dst, room, &f, &c);
        if (st != VONA_OK) return st;
        if (f == 0 && c == 0) return VONA_E_FULL; /* unreachable: the caller checked the bound */
        used += c;
        if (f == 0) continue;
        l->frames_in++;
        if (frames) {
            (*made)++;
        } else {
            st = run_backend(l, dst, queued);
            if (st != VONA_OK) return st;
        }
    }
    return VONA_OK;
}

/* Transport-rate samples -> backend input rate -> reframe_through. */
static vona_status resample_in(vona_step_loop *l, const int16_t *src, size_t n,
                               int16_t *const *frames, size_t max_frames, size_t *made,
                               size_t *queued)
{
    if (l->rs_in == NULL) return reframe_through(l, src, n, frames, max_frames, made, queued);
    size_t done = 0;
    while (done < n) {
        size_t piece = n - done < PIECE ? n - done : PIECE;
        while (vona_resampler_max_output(l->rs_in, piece) > l->scratch_in_cap) {
            if (piece == 1) return VONA_E_LIMIT;
            piece /= 2;
        }
        size_t got = 0;
        vona_status st = vona_resampler_process_i16(l->rs_in, src + done * l->ch, piece,
                                                    l->scratch_in, l->scratch_in_cap, &got);
        if (st == VONA_OK) st = reframe_through(l, l->scratch_in, got, frames, max_frames, made, queued);
        if (st != VONA_OK) return st;
        done += piece;
    }
    return VONA_OK;
}

/* Transport-rate samples -> echo cancellation (if on) -> resample_in. */
static vona_status input(vona_step_loop *l, const int16_t *src, size_t n, int16_t *const *frames,
                         size_t max_frames, size_t *made, size_t *queued)
{
    l->samples_in += n;
    if (l->aec == NULL) return resample_in(l, src, n, frames, max_frames, made, queued);
    for (size_t done = 0; done < n;) {
        size_t piece = n - done < PIECE ? n - done : PIECE, got = 0;
        vona_status st = vona_aec_stage_near(l->aec, src + done, piece, l->scratch_aec,
                                             PIECE + vona_aec_stage_frame(l->aec), &got);
        if (st == VONA_OK) st = resample_in(l, l->scratch_aec, got, frames, max_frames, made, queued);
        if (st != VONA_OK) return st;
        done += piece;
    }
    return VONA_OK;
}

void vona_step_loop_echo_reference(vona_step_loop *l, const int16_t *src, size_t n)
{
    if (l->aec != NULL) vona_aec_stage_far(l->aec, src, n);
}

int vona_step_loop_echo_cancelling(const vona_step_loop *l) { return l->aec != NULL; }

vona_status vona_step_loop_push_input(vona_step_loop *l, const int16_t *src, size_t n,
                                      int16_t *const *frames, size_t max_frames, size_t *nframes)
{
    if (nframes == NULL || (n > 0 && src == NULL)) return VONA_E_INVALID_ARG;
    *nframes = 0;
    size_t bound = vona_step_loop_input_frames_bound(l, n);
    if (max_frames < bound) return VONA_E_FULL;
    if (bound > 0 && frames == NULL) return VONA_E_INVALID_ARG;
    size_t queued = 0;
    return input(l, src, n, frames, max_frames, nframes, &queued);
}

vona_status vona_step_loop_set_native_backend(vona_step_loop *l, const vona_native_backend *backend)
{
    if (backend == NULL || backend->ops == NULL) {
        l->backend.ops = NULL;
        l->backend.ctx = NULL;
        return VONA_OK;
    }
    if (backend->ops->process == NULL) return VONA_E_INVALID_ARG;
    l->backend = *backend;
    l->backend_epoch = l->interrupts; /* a new backend starts fresh: no reset owed */
    return VONA_OK;
}

vona_status vona_step_loop_process(vona_step_loop *l, const int16_t *src, size_t n, size_t *queued)
{
    if (queued == NULL || (n > 0 && src == NULL)) return VONA_E_INVALID_ARG;
    *queued = 0;
    if (l->backend.ops == NULL) return VONA_E_STATE;
    size_t made = 0;
    return input(l, src, n, NULL, 0, &made, queued);
}

/* ---- playout and turns ---- */

vona_status vona_step_loop_pull(vona_step_loop *l, int16_t *dst, size_t dst_cap, size_t want,
                                size_t *got)
{
    if (got == NULL || (dst_cap > 0 && dst == NULL)) return VONA_E_INVALID_ARG;
    size_t buffered = vona_ring_size(l->playout);
    size_t n = want < dst_cap ? want : dst_cap;
    vona_ring_read(l->playout, dst, n, got);
    size_t k = *got;
    if (l->aec != NULL) vona_aec_stage_far(l->aec, dst, k); /* the echo reference */
    l->samples_played += k;
    l->played_in_turn += k;
    if (l->first_audio_pending && k > 0) {
        const size_t values = k * l->ch;
        size_t i = 0;
        while (i < values && dst[i] == 0) i++;
        if (i < values) {
            /* The chunk starts playing now; its first sound is i / ch samples in. */
            int64_t offset = (int64_t)((uint64_t)(i / l->ch) * 1000000000u / l->t_rate);
            l->first_audio_ns = vona_step_loop_now(l) + offset;
            l->first_audio_pending = 0;
            if (l->speech_end_ns >= 0) {
                l->latency_ns = l->first_audio_ns - l->speech_end_ns;
                l->speech_end_ns = -1; /* used: the next turn needs a fresh mark */
            }
        }
    }
    if (buffered < want && l->turn_open && l->played_in_turn > 0) {
        l->underruns++;
        l->underrun_samples += want - buffered;
    }
    return VONA_OK;
}

size_t vona_step_loop_playout_buffered(const vona_step_loop *l) { return vona_ring_size(l->playout); }

vona_status vona_step_loop_interrupt(vona_step_loop *l, vona_step_loop_interruption *out)
{
    if (out == NULL) return VONA_E_INVALID_ARG;
    size_t dropped = vona_ring_clear(l->playout);
    vona_status st = l->rs_out ? vona_resampler_reset(l->rs_out) : VONA_OK;
    l->dropped += dropped;
    l->interrupts++;
    out->dropped_samples = dropped;
    out->played_samples = l->played_in_turn;
    out->played_ms = (double)l->played_in_turn * 1000.0 / (double)l->t_rate;
    /* The turn is over: a later interrupt before the next begin_turn reports nothing
     * played rather than this turn again. */
    l->turn_open = l->first_audio_pending = 0;
    l->played_in_turn = 0;
    return st;
}

void vona_step_loop_begin_turn(vona_step_loop *l, int64_t now_ns)
{
    l->turn_start_ns = now_ns >= 0 ? now_ns : vona_step_loop_now(l);
    l->turn_open = l->first_audio_pending = 1;
    l->played_in_turn = 0;
    l->first_audio_ns = -1;
    l->latency_ns = -1;
}

vona_status vona_step_loop_end_turn(vona_step_loop *l, size_t *queued)
{
    if (queued != NULL) *queued = 0;
    /* The turn's audio is complete. Its first sound may still be waiting in the ring:
     * first_audio_pending stays, so that sound is stamped when it is pulled. */
    l->turn_open = 0;
    if (l->rs_out == NULL) return VONA_OK;
    /* The output resampler still holds the end of this turn: play it now rather than
     * in front of the next turn, and start the next turn from a fresh stream. */
    size_t tail = vona_resampler_max_output(l->rs_out, 0);
    if (tail > l->scratch_out_cap) return VONA_E_LIMIT; /* unreachable: see SCRATCH_SLACK */
    size_t got = 0;
    vona_status st = vona_resampler_flush_i16(l->rs_out, l->scratch_out, l->scratch_out_cap, &got);
    if (st != VONA_OK) return st;
    size_t accepted = queue_playout(l, l->scratch_out, got);
    if (queued != NULL) *queued = accepted;
    return VONA_OK;
}

void vona_step_loop_mark_user_speech_end(vona_step_loop *l, int64_t ns)
{
    l->speech_end_ns = ns >= 0 ? ns : vona_step_loop_now(l);
}

int64_t vona_step_loop_turn_start_ns(const vona_step_loop *l) { return l->turn_start_ns; }
int64_t vona_step_loop_first_audio_ns(const vona_step_loop *l) { return l->first_audio_ns; }
int64_t vona_step_loop_turn_latency_ns(const vona_step_loop *l) { return l->latency_ns; }
uint64_t vona_step_loop_played_samples(const vona_step_loop *l) { return l->played_in_turn; }

void vona_step_loop_stats_get(const vona_step_loop *l, vona_step_loop_stats *out)
{
    vona_ring_stats rs;
    vona_ring_stats_get(l->playout, &rs);
    out->frames_in = l->frames_in;
    out->frames_out = l->frames_out;
    out->samples_in = l->samples_in;
    out->samples_queued = l->samples_queued;
    out->samples_played = l->samples_played;
    out->dropped_samples = l->dropped;
    out->overflows = rs.overflows;
    out->underruns = l->underruns;
    out->underrun_samples = l->underrun_samples;
    out->interrupts = l->interrupts;
    out->playout_buffered = vona_ring_size(l->playout);
}
