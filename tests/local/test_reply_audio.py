"""ReplyAudio, the cascade's output queue: against a plain-numpy model of the same queue
(one continuous stream cut into frames; a partial frame leaves only when nothing else is
queued; paced release by input time plus a lead), over random schedules."""

from __future__ import annotations

from collections import deque

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vona.backends.cascade.reply_audio import ReplyAudio
from vona.dsp import to_int16

RATE, FRAME, IN_RATE = 24_000, 480, 16_000


class Model:
    """The queue spelled out with numpy slices."""

    def __init__(self, lead: int | None) -> None:
        self.lead = lead
        self.credit = lead or 0
        self.audio: deque[np.ndarray] = deque()
        self.pending = 0
        self.emitted = 0

    def push(self, pcm: np.ndarray) -> None:
        if pcm.shape[0]:
            self.audio.append(pcm)
            self.pending += pcm.shape[0]

    def release(self, n_in: int) -> list[np.ndarray]:
        if self.pending == 0:
            self.credit = self.lead or 0
            return []
        self.credit = self.pending if self.lead is None else self.credit + n_in * RATE // IN_RATE
        frames = []
        while self.pending and self.credit >= min(FRAME, self.pending):
            take = min(FRAME, self.pending)
            stream = np.concatenate(self.audio)
            frames.append(stream[:take])
            self.audio = deque([stream[take:]])
            self.pending -= take
            self.credit -= take
            self.emitted += take
        return frames

    def clear(self) -> None:
        self.audio.clear()
        self.pending = 0


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.integers(0, 3000)),
        st.tuples(st.just("step"), st.integers(0, 1024)),
        st.tuples(st.just("cut"), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ops=OPS, lead=st.sampled_from([None, 0, 2400, 4800]), seed=st.integers(0, 2**16))
def test_reply_audio_matches_the_model(ops: list[tuple[str, int]], lead: int | None, seed: int):
    rng = np.random.default_rng(seed)
    now = [0]
    out = ReplyAudio(RATE, FRAME, IN_RATE, lead, lambda: now[0])
    model = Model(lead)
    seq = 0
    for op, n in ops:
        now[0] += 1_000_000
        if op == "push":
            audio = rng.uniform(-1.0, 1.0, n).astype(np.float32)
            assert out.push(audio) == n
            model.push(to_int16(audio))
        elif op == "step":
            frames = out.release(n)
            expected = model.release(n)
            assert [f.samples.tolist() for f in frames] == [e.tolist() for e in expected]
            assert [f.sequence for f in frames] == list(range(seq, seq + len(frames)))
            assert all(f.sample_rate_hz == RATE and f.channels == 1 for f in frames)
            seq += len(frames)
        else:
            pending, emitted = out.pending, out.emitted
            heard, dropped = out.cut()
            assert dropped >= pending
            assert heard == emitted - (dropped - pending)
            model.clear()
        assert (out.pending, out.emitted) == (model.pending, model.emitted)


def test_unpaced_output_counts_what_is_still_playing():
    now = [0]
    out = ReplyAudio(RATE, FRAME, IN_RATE, None, lambda: now[0])
    out.push(np.zeros(RATE, np.float32))  # one second
    assert sum(f.samples.shape[0] for f in out.release(512)) == RATE
    now[0] = 250_000_000
    assert out.unplayed() == 18_000
    assert out.cut() == (6_000, 18_000)
    assert out.unplayed() == 0


def test_paced_output_was_all_heard():
    out = ReplyAudio(RATE, FRAME, IN_RATE, 2400, lambda: 0)
    out.push(np.zeros(RATE, np.float32))
    released = sum(f.samples.shape[0] for f in out.release(512))
    assert released == 2880  # the lead plus one 32 ms input step, in whole frames
    assert out.unplayed() == 0
    assert out.cut() == (2880, RATE - 2880)
    assert out.pending == 0


def test_conversion_is_dsp_to_int16():
    out = ReplyAudio(RATE, FRAME, IN_RATE, None, lambda: 0)
    audio = np.array([0.5, -1.0, 1.0, 2.0, 1 / 65536, 3 / 65536], np.float32)
    out.push(audio)
    [frame] = out.release(512)
    assert frame.samples.tolist() == [16384, -32768, 32767, 32767, 0, 2]
