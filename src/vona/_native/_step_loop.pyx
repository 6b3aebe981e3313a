# cython: always_allow_keywords=False, auto_pickle=False, autotestdict=False
"""StepLoop: the native per-frame path between a transport and a backend.

See csrc/include/vona/step_loop.h for the pipeline, turn accounting and clock rules.
"""
from libc.stdint cimport int16_t, int64_t, uint32_t
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy

cimport numpy as cnp

cimport vona._native.audiobuf as ab
cimport vona._native.caec as caec
cimport vona._native.cresample as cr
cimport vona._native.cstep_loop as c
from vona._native._native_backend cimport NativeBackend
from vona._native.cstatus cimport VONA_E_STATE, check, vona_status

import operator
from typing import NamedTuple

from vona._native._native_backend import NATIVE_BACKENDS, native_backend
from vona.errors import ConfigError, VonaError

cnp.import_array()

SUPPORTED_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
QUALITIES = ("low", "hq", "vhq")
DEFAULT_PLAYOUT_SECONDS = 60


class PlayoutCut(NamedTuple):
    """What an interrupt cleared and how much of the turn the user heard."""

    dropped_samples: int
    played_samples: int
    played_ms: float


cdef object _opt_ns(int64_t v):
    return None if v < 0 else v


cdef int64_t _ns_arg(object ns, str name) except? -1:
    try:
        v = operator.index(ns)
    except TypeError:
        raise ConfigError(f"{name} must be an int of nanoseconds, got {ns!r}") from None
    if v < 0 or v >= (1 << 63):
        raise ConfigError(f"{name} must be 0..2**63-1 nanoseconds, got {v}")
    return <int64_t>v


cdef uint32_t _echo_cancel_ms(object ms, int rate, int channels) except? 0:
    """The echo canceller's filter length (0 = off), or ConfigError naming the argument."""
    if isinstance(ms, bool) or not isinstance(ms, int):
        raise ConfigError(f"echo_cancel_ms must be an int of milliseconds, got {ms!r}")
    if ms == 0:
        return 0
    if not 10 <= ms <= caec.VONA_AEC_MAX_FILTER_MS:
        raise ConfigError(f"echo_cancel_ms must be 0 (off) or 10..{caec.VONA_AEC_MAX_FILTER_MS}, got {ms}")
    if channels != 1:
        raise ConfigError(f"echo cancellation needs mono audio, got {channels} channels")
    if not caec.vona_aec_rate_supported(<uint32_t>rate):
        raise ConfigError(f"echo cancellation does not support {rate} Hz; use one of {SUPPORTED_RATES}")
    return <uint32_t>ms


cdef class StepLoop:
    """The native per-frame path between a transport and a backend.

    Rates: the backend takes ``backend_rate`` (``backend_input_rate``) and answers at
    ``backend_output_rate`` (default: the same), so a backend that takes 16 kHz and
    answers at 24 kHz runs in one loop.

    Input: ``push_input(chunk)`` takes transport-rate int16 (any size), resamples it
    to ``backend_input_rate`` and returns the whole backend frames completed, each a
    new int16 array of ``backend_frame_samples * channels`` values.

    Output: ``push_output(samples)`` takes int16 at ``backend_output_rate`` (any size),
    resamples it to ``transport_rate`` and queues it in the playout ring; it returns the
    transport-rate samples queued (what does not fit is refused and counted in
    ``overflows``). ``pull_playout(n)`` returns up to n of them; the driver calls it
    once per transport frame period (pacing is the driver's job).

    Turns: ``begin_turn()`` starts an assistant turn. ``played_samples`` counts
    transport-rate samples pulled since then; ``first_audio_ns`` is stamped when the
    turn's first non-silent sample is pulled (pull time plus its offset in the pulled
    chunk); ``turn_latency_ns`` is that minus ``mark_user_speech_end(ns)`` (each mark
    is used by one turn). A pull that comes back short after playback started and
    before ``end_turn()`` / ``interrupt()`` counts in ``underruns``. ``interrupt()``
    clears unplayed output in O(1), resets the output resampler and returns
    ``PlayoutCut(dropped_samples, played_samples, played_ms)``.

    Native backend: ``set_native_backend("passthrough" | "gain", gain_db)`` (or a
    ``NativeBackend`` object) then ``process(chunk)`` runs input -> resample -> reframe
    -> backend -> resample -> playout in one C call without the GIL; it returns
    transport-rate samples queued.

    Resampling (only where a backend rate differs from the transport rate): libsoxr at ``quality``; ``low_latency``
    uses smaller resampler blocks (about 15 ms instead of up to 37 ms at "hq") for
    about 1.5x the resampling CPU.

    Echo cancellation: ``echo_cancel_ms`` > 0 (mono only) runs an acoustic echo
    canceller on the input at the transport rate before anything else, with every
    sample ``pull_playout`` hands out (and ``echo_reference(samples)``, for audio played
    around the ring) as the far-end reference; the filter learns an echo path up to
    that long. It delays the input by 10-20 ms. ``noise_suppression`` also removes
    stationary noise there.

    Clock: CLOCK_MONOTONIC ns by default (``time.monotonic_ns()`` on Linux);
    ``set_clock(True)`` switches to a virtual clock at 0 driven by
    ``advance_clock(ns)`` / ``set_time(ns)``.

    Counts are samples per channel; arrays are interleaved int16. Use one StepLoop
    from one thread at a time (a concurrent call raises VonaError).
    """

    cdef c.vona_step_loop *loop
    cdef readonly int transport_rate
    cdef readonly int backend_input_rate
    cdef readonly int backend_output_rate
    cdef readonly Py_ssize_t backend_frame_samples
    cdef readonly int channels
    cdef readonly Py_ssize_t playout_capacity_samples
    cdef readonly str quality
    cdef readonly bint low_latency
    cdef size_t frame_values
    cdef bint busy
    cdef int16_t *scratch  # frames from push_input when resampling (grown, reused)
    cdef size_t scratch_frames
    cdef NativeBackend native  # kept alive while the C loop may call it

    def __cinit__(self, int transport_rate, int backend_rate, Py_ssize_t backend_frame_samples,
                  int channels=1, playout_capacity_samples=None, str quality="hq",
                  bint low_latency=False, backend_output_rate=None, echo_cancel_ms=0,
                  bint noise_suppression=False):
        cdef c.vona_step_loop_config cfg
        cdef int out_rate = backend_rate if backend_output_rate is None else backend_output_rate
        cdef bint resampling = transport_rate != backend_rate or transport_rate != out_rate
        for name, rate in (("transport_rate", transport_rate), ("backend_rate", backend_rate),
                           ("backend_output_rate", out_rate)):
            if rate <= 0 or rate > c.VONA_STEP_LOOP_MAX_RATE:
                raise ConfigError(f"{name} must be 1..{c.VONA_STEP_LOOP_MAX_RATE} Hz, got {rate}")
            if resampling and rate not in SUPPORTED_RATES:
                raise ConfigError(
                    f"{name} {rate} Hz cannot be resampled; use one of {SUPPORTED_RATES} "
                    "(or equal transport and backend rates)"
                )
        if backend_frame_samples <= 0 or backend_frame_samples > (1 << 24):
            raise ConfigError(f"backend_frame_samples must be 1..{1 << 24}, got {backend_frame_samples}")
        if channels < 1 or channels > c.VONA_STEP_LOOP_MAX_CHANNELS:
            raise ConfigError(f"channels must be 1..{c.VONA_STEP_LOOP_MAX_CHANNELS}, got {channels}")
        if resampling and channels > 2:
            raise ConfigError(f"resampling supports 1 or 2 channels, got {channels}")
        if quality not in QUALITIES:
            raise ConfigError(f"quality must be one of {QUALITIES}, got {quality!r}")
        if playout_capacity_samples is None:
            playout_capacity_samples = transport_rate * DEFAULT_PLAYOUT_SECONDS
        if not isinstance(playout_capacity_samples, int) or playout_capacity_samples <= 0:
            raise ConfigError(
                f"playout_capacity_samples must be a positive int, got {playout_capacity_samples!r}"
            )
        if playout_capacity_samples * channels > (1 << 31):
            raise ConfigError(
                f"playout_capacity_samples * channels must be <= {1 << 31}, got "
                f"{playout_capacity_samples} * {channels}"
            )
        cfg.transport_rate = <uint32_t>transport_rate
        cfg.backend_input_rate = <uint32_t>backend_rate
        cfg.backend_output_rate = <uint32_t>out_rate
        cfg.backend_frame = <size_t>backend_frame_samples
        cfg.channels = <unsigned>channels
        cfg.playout_capacity = <size_t>playout_capacity_samples
        cfg.resample_flags = cr.VONA_RESAMPLE_LOW_LATENCY if low_latency else 0
        cfg.aec_filter_ms = _echo_cancel_ms(echo_cancel_ms, transport_rate, channels)
        cfg.aec_flags = caec.VONA_AEC_NOISE_SUPPRESSION if noise_suppression else 0
        check(cr.vona_resampler_quality_parse(quality.encode(), &cfg.quality), "StepLoop quality")
        check(c.vona_step_loop_create(&cfg, &self.loop),
              f"StepLoop create {transport_rate}->{backend_rate}->{out_rate} Hz, {channels} ch")
        self.transport_rate = transport_rate
        self.backend_input_rate = backend_rate
        self.backend_output_rate = out_rate
        self.backend_frame_samples = backend_frame_samples
        self.channels = channels
        self.playout_capacity_samples = playout_capacity_samples
        self.quality = quality
        self.low_latency = low_latency
        self.frame_values = <size_t>backend_frame_samples * channels

    def __init__(self, transport_rate, backend_rate, backend_frame_samples, channels=1,
                 playout_capacity_samples=None, quality="hq", low_latency=False,
                 backend_output_rate=None, echo_cancel_ms=0, noise_suppression=False):
        """Arguments are checked by __cinit__; this mirrors them for introspection."""

    @property
    def backend_rate(self):
        """The backend input rate (the one rate of a loop whose backend rates are equal)."""
        return self.backend_input_rate

    def __dealloc__(self):
        c.vona_step_loop_destroy(self.loop)
        self.loop = NULL
        free(self.scratch)
        self.scratch = NULL

    cdef inline c.vona_step_loop *_enter(self) except NULL:
        if self.loop == NULL:
            raise VonaError("StepLoop is closed")
        if self.busy:
            raise VonaError("StepLoop is in use by another thread; use it from one thread")
        self.busy = True
        return self.loop

    cdef inline c.vona_step_loop *_live(self) except NULL:
        if self.loop == NULL:
            raise VonaError("StepLoop is closed")
        return self.loop

    cdef int _grow_scratch(self, size_t frames) except -1:
        cdef int16_t *p
        if frames <= self.scratch_frames:
            return 0
        p = <int16_t *>realloc(self.scratch, frames * self.frame_values * sizeof(int16_t))
        if p == NULL:
            raise MemoryError("StepLoop.push_input: no memory for frame scratch")
        self.scratch = p
        self.scratch_frames = frames
        return 0

    def push_input(self, chunk):
        """Transport-rate int16 in; the backend-rate frames it completed out (new arrays)."""
        cdef c.vona_step_loop *loop = self._enter()
        cdef ab.Samples s
        cdef size_t n, bound, i, made = 0
        cdef int16_t *one_ptr[1]
        cdef int16_t **ptrs = NULL
        cdef vona_status st
        cdef list frames
        try:
            ab.get_samples(chunk, cnp.NPY_INT16, &s, False, "chunk")
            try:
                ab.check_channels_multiple(s.n, self.channels, "chunk")
                n = <size_t>s.n // self.channels
                bound = c.vona_step_loop_input_frames_bound(loop, n)
                if bound == 0:
                    with nogil:
                        st = c.vona_step_loop_push_input(loop, <const int16_t *>s.ptr, n, NULL, 0, &made)
                    check(st, "StepLoop.push_input")
                    return []
                # Frames land in one reusable scratch block, then each is copied into its
                # own array: exactly one allocation per returned frame, even when the
                # resampler returns fewer frames than the bound.
                self._grow_scratch(bound)
                ptrs = <int16_t **>realloc(NULL, bound * sizeof(int16_t *)) if bound > 1 else one_ptr
                if ptrs == NULL:
                    raise MemoryError("StepLoop.push_input: no memory for the frame list")
                for i in range(bound):
                    ptrs[i] = self.scratch + i * self.frame_values
                with nogil:
                    st = c.vona_step_loop_push_input(loop, <const int16_t *>s.ptr, n, ptrs, bound, &made)
                check(st, "StepLoop.push_input")
                frames = [None] * made
                for i in range(made):
                    arr = ab.new_array(<Py_ssize_t>self.frame_values, cnp.NPY_INT16)
                    memcpy(cnp.PyArray_DATA(arr), ptrs[i], self.frame_values * sizeof(int16_t))
                    frames[i] = arr
                return frames
            finally:
                if ptrs != NULL and ptrs != one_ptr:
                    free(ptrs)
                ab.release_samples(&s)
        finally:
            self.busy = False

    def push_output(self, samples):
        """Backend-output-rate int16 in -> playout; return transport-rate samples queued."""
        cdef c.vona_step_loop *loop = self._enter()
        cdef ab.Samples s
        cdef size_t queued = 0
        cdef vona_status st
        try:
            ab.get_samples(samples, cnp.NPY_INT16, &s, False, "samples")
            try:
                ab.check_channels_multiple(s.n, self.channels, "samples")
                with nogil:
                    st = c.vona_step_loop_push_output(loop, <const int16_t *>s.ptr,
                                                      <size_t>s.n // self.channels, &queued)
                check(st, "StepLoop.push_output")
            finally:
                ab.release_samples(&s)
        finally:
            self.busy = False
        return queued

    def pull_playout(self, Py_ssize_t n):
        """Up to n transport-rate samples of playout (shorter when less is queued)."""
        if n < 0:
            raise ConfigError(f"pull_playout(n) needs n >= 0, got {n}")
        cdef c.vona_step_loop *loop = self._enter()
        cdef size_t got = 0, buffered, m
        cdef vona_status st
        cdef cnp.ndarray out
        try:
            buffered = c.vona_step_loop_playout_buffered(loop)
            m = <size_t>n if <size_t>n < buffered else buffered
            out = ab.new_array(<Py_ssize_t>(m * self.channels), cnp.NPY_INT16)
            with nogil:
                st = c.vona_step_loop_pull(loop, <int16_t *>cnp.PyArray_DATA(out), m, <size_t>n, &got)
            check(st, "StepLoop.pull_playout")
        finally:
            self.busy = False
        return out

    def interrupt(self):
        """Clear unplayed output in O(1); return PlayoutCut(dropped, played, played_ms)."""
        cdef c.vona_step_loop *loop = self._enter()
        cdef c.vona_step_loop_interruption it
        try:
            check(c.vona_step_loop_interrupt(loop, &it), "StepLoop.interrupt")
        finally:
            self.busy = False
        return PlayoutCut(it.dropped_samples, it.played_samples, it.played_ms)

    def begin_turn(self, now_ns=None):
        """Start an assistant turn (at now_ns, or now on the loop's clock)."""
        c.vona_step_loop_begin_turn(self._live(), -1 if now_ns is None else _ns_arg(now_ns, "now_ns"))

    def end_turn(self):
        """The backend finished this turn's audio: later short pulls are not underruns.
        The output resampler's tail of the turn goes into playout now (returns the
        transport-rate samples queued), so it is not heard in front of the next turn."""
        cdef c.vona_step_loop *loop = self._enter()
        cdef size_t queued = 0
        cdef vona_status st
        try:
            with nogil:
                st = c.vona_step_loop_end_turn(loop, &queued)
            check(st, "StepLoop.end_turn")
        finally:
            self.busy = False
        return queued

    def mark_user_speech_end(self, ns=None):
        """The user stopped speaking at ns (or now); turn latency is measured from here."""
        c.vona_step_loop_mark_user_speech_end(self._live(), -1 if ns is None else _ns_arg(ns, "ns"))

    def set_clock(self, bint virtual):
        """Use a virtual clock (starts at 0, moved only by advance_clock/set_time) or the real one."""
        c.vona_step_loop_set_virtual_clock(self._live(), virtual)

    def advance_clock(self, ns):
        """Move the virtual clock forward by ns."""
        check(c.vona_step_loop_advance_clock(self._live(), _ns_arg(ns, "ns")),
              "StepLoop.advance_clock (needs set_clock(True))")

    def set_time(self, ns):
        """Set the virtual clock to ns."""
        check(c.vona_step_loop_set_time(self._live(), _ns_arg(ns, "ns")),
              "StepLoop.set_time (needs set_clock(True))")

    def now_ns(self):
        """The loop's clock: CLOCK_MONOTONIC ns (time.monotonic_ns on Linux) or virtual."""
        return c.vona_step_loop_now(self._live())

    def set_native_backend(self, kind, double gain_db=0.0):
        """Select the native backend for process(): a name ("passthrough", "gain" with
        ``gain_db``, "none"), a ``NativeBackend`` object, or None (no backend)."""
        cdef NativeBackend nb
        if isinstance(kind, str):
            kind = native_backend(kind, gain_db)
        if kind is not None and not isinstance(kind, NativeBackend):
            raise ConfigError(f"native backend must be a name or a NativeBackend, got {kind!r}")
        nb = kind
        if nb is not None and nb.backend.ops == NULL:
            raise ConfigError(f"{nb!r} has no ops table")
        cdef c.vona_step_loop *loop = self._enter()  # not while process() runs the old one
        try:
            check(c.vona_step_loop_set_native_backend(loop, &nb.backend if nb is not None else NULL),
                  "set_native_backend")
            self.native = nb
        finally:
            self.busy = False

    @property
    def native_backend(self):
        """The NativeBackend process() runs, or None."""
        return self.native

    def process(self, chunk):
        """Run chunk through the whole native path; return transport-rate samples queued."""
        cdef c.vona_step_loop *loop = self._enter()
        cdef ab.Samples s
        cdef size_t queued = 0
        cdef vona_status st
        try:
            ab.get_samples(chunk, cnp.NPY_INT16, &s, False, "chunk")
            try:
                ab.check_channels_multiple(s.n, self.channels, "chunk")
                with nogil:
                    st = c.vona_step_loop_process(loop, <const int16_t *>s.ptr,
                                                  <size_t>s.n // self.channels, &queued)
            finally:
                ab.release_samples(&s)
            if st == VONA_E_STATE:
                raise VonaError("StepLoop.process needs a native backend: call set_native_backend()")
            check(st, "StepLoop.process")
        finally:
            self.busy = False
        return queued

    def echo_reference(self, samples):
        """Transport-rate int16 the transport played that did not come from
        pull_playout (e.g. filler): the echo canceller's far end. A no-op without it."""
        cdef c.vona_step_loop *loop = self._enter()
        cdef ab.Samples s
        try:
            ab.get_samples(samples, cnp.NPY_INT16, &s, False, "samples")
            try:
                ab.check_channels_multiple(s.n, self.channels, "samples")
                with nogil:
                    c.vona_step_loop_echo_reference(loop, <const int16_t *>s.ptr,
                                                    <size_t>s.n // self.channels)
            finally:
                ab.release_samples(&s)
        finally:
            self.busy = False

    @property
    def echo_cancelling(self):
        """True when the input goes through the echo canceller."""
        return bool(c.vona_step_loop_echo_cancelling(self._live()))

    @property
    def first_audio_ns(self):
        """When this turn's first non-silent sample was pulled; None until then."""
        return _opt_ns(c.vona_step_loop_first_audio_ns(self._live()))

    @property
    def turn_latency_ns(self):
        """first_audio_ns minus the marked user speech end; None when unknown."""
        return _opt_ns(c.vona_step_loop_turn_latency_ns(self._live()))

    @property
    def turn_start_ns(self):
        return _opt_ns(c.vona_step_loop_turn_start_ns(self._live()))

    @property
    def played_samples(self):
        """Transport-rate samples pulled since begin_turn."""
        return c.vona_step_loop_played_samples(self._live())

    @property
    def playout_buffered(self):
        """Transport-rate samples waiting in the playout ring."""
        return c.vona_step_loop_playout_buffered(self._live())

    @property
    def clock_is_virtual(self):
        return bool(c.vona_step_loop_clock_is_virtual(self._live()))

    cdef c.vona_step_loop_stats _stats(self) except *:
        cdef c.vona_step_loop_stats st
        c.vona_step_loop_stats_get(self._live(), &st)
        return st

    def stats(self):
        """Every counter, as a dict of ints."""
        return dict(self._stats())

    @property
    def frames_in(self):
        return self._stats().frames_in

    @property
    def frames_out(self):
        return self._stats().frames_out

    @property
    def dropped_samples(self):
        return self._stats().dropped_samples

    @property
    def underruns(self):
        return self._stats().underruns

    @property
    def overflows(self):
        return self._stats().overflows

    def close(self):
        """Free the native loop now. Later calls raise VonaError."""
        if self.busy:
            raise VonaError("StepLoop.close() while another thread is using it")
        c.vona_step_loop_destroy(self.loop)
        self.loop = NULL

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __repr__(self):
        rates = f"{self.transport_rate}->{self.backend_input_rate}"
        if self.backend_output_rate != self.backend_input_rate:
            rates += f"->{self.backend_output_rate}"
        return (
            f"<StepLoop {rates} Hz, frame "
            f"{self.backend_frame_samples}, channels={self.channels}"
            f"{', closed' if self.loop == NULL else ''}>"
        )
