"""EchoCanceller: echo removed on the test echo path, a near-end talker kept, errors named."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from vona import errors
from vona.dsp import EchoCanceller
from vona.testing.echo import echo_of, erle_db
from vona.testing.echo import speech as fixture_speech

RATE = 16_000
FRAME = 320
# measured on this path: 26-28 dB after the first 2 s (the adaptive filter converging);
# the floors keep a wide margin
ERLE_FLOOR_DB = 14.0
ERLE_FLOOR_NS_DB = 16.0

REPLY = ("speech_weather_question.wav", "speech_hello.wav", "speech_interrupt.wav")


def _whole(x: np.ndarray) -> np.ndarray:
    return x[: len(x) - len(x) % FRAME]


def _reply() -> np.ndarray:
    return _whole(fixture_speech(*REPLY, *REPLY))


@pytest.mark.parametrize("noise_suppression", [False, True])
def test_erle_on_the_echo_path(noise_suppression: bool) -> None:
    far = _reply()
    near = echo_of(far, RATE)
    aec = EchoCanceller(RATE, FRAME, filter_ms=200, noise_suppression=noise_suppression)
    out = aec.process(near, far)
    assert out.dtype == np.int16
    assert out.shape == near.shape
    settled = 2 * RATE
    erle = erle_db(near[settled:], out[settled:])
    assert erle >= (ERLE_FLOOR_NS_DB if noise_suppression else ERLE_FLOOR_DB), erle


def test_frame_by_frame_equals_one_call() -> None:
    far = _reply()[: 3 * RATE]
    near = echo_of(far, RATE)
    whole = EchoCanceller(RATE, FRAME).process(near, far)
    aec = EchoCanceller(RATE, FRAME)
    parts = [
        aec.process(near[i : i + FRAME], far[i : i + FRAME]) for i in range(0, len(far), FRAME)
    ]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_double_talk_keeps_the_near_talker() -> None:
    """A user talking over the reply comes through: the output in the double-talk span is
    mostly the user's voice, not the echo and not silence."""
    far = _reply()
    echo = echo_of(far, RATE)
    talker = np.zeros_like(far)
    user = fixture_speech("speech_hello.wav")
    at = 5 * RATE  # after the filter has converged on the reply alone
    talker[at : at + len(user)] = user[: len(far) - at]
    near = np.clip(echo.astype(np.int32) + talker, -32768, 32767).astype(np.int16)
    aec = EchoCanceller(RATE, FRAME)
    out = aec.process(near, far).astype(np.float64)[aec.delay :]  # undo the one-frame lag
    span = slice(at, at + len(user))
    t = talker[span].astype(np.float64)
    o = out[span]
    e = echo[span].astype(np.float64)
    kept_db = 10 * np.log10(np.sum(o**2) / np.sum(t**2))
    corr = float(np.dot(o, t) / np.sqrt(np.dot(o, o) * np.dot(t, t)))
    echo_corr = float(np.dot(o, e) / np.sqrt(np.dot(o, o) * np.dot(e, e)))
    assert kept_db > -6.0, kept_db
    assert corr > 0.8, corr
    assert echo_corr < corr


def test_silence_far_end_passes_the_near_end() -> None:
    user = _whole(fixture_speech("speech_hello.wav"))
    aec = EchoCanceller(RATE, FRAME)
    assert aec.delay == FRAME
    out = aec.process(user, np.zeros_like(user)).astype(np.float64)[aec.delay :]
    u = user.astype(np.float64)[: -aec.delay]
    settled = slice(RATE // 2, None)
    corr = np.dot(out[settled], u[settled]) / np.sqrt(
        np.dot(out[settled], out[settled]) * np.dot(u[settled], u[settled])
    )
    assert corr > 0.95


@pytest.mark.parametrize("rate", [8000, 24000, 44100, 48000])
def test_other_rates(rate: int) -> None:
    from vona.dsp import Resampler

    far16 = _reply()
    far = Resampler(RATE, rate, 1, "hq").process(far16)
    frame = rate // 50
    far = far[: len(far) - len(far) % frame]
    near = echo_of(far, rate)
    out = EchoCanceller(rate, frame).process(near, far)
    assert erle_db(near[2 * rate :], out[2 * rate :]) >= 10.0


def test_threads_match_sequential_results() -> None:
    far = _reply()[: 4 * RATE]
    near = echo_of(far, RATE)
    expected = EchoCanceller(RATE, FRAME).process(near, far)
    results: list[np.ndarray] = [np.empty(0, np.int16)] * 4

    def work(i: int) -> None:
        aec = EchoCanceller(RATE, FRAME)
        results[i] = np.concatenate(
            [
                aec.process(near[k : k + 4 * FRAME], far[k : k + 4 * FRAME])
                for k in range(0, len(far), 4 * FRAME)
            ]
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(errors.ConfigError, match="sample_rate"):
        EchoCanceller(12000, 240)
    with pytest.raises(errors.ConfigError, match="frame_samples"):
        EchoCanceller(RATE, 0)
    with pytest.raises(errors.ConfigError, match="frame_samples"):
        EchoCanceller(RATE, RATE)
    with pytest.raises(errors.ConfigError, match="filter_ms"):
        EchoCanceller(RATE, FRAME, filter_ms=5000)
    with pytest.raises(errors.ConfigError, match="filter_ms"):
        EchoCanceller(RATE, FRAME, filter_ms=10)
    with pytest.raises(errors.ConfigError, match="sample_rate"):
        EchoCanceller(True, FRAME)
    aec = EchoCanceller(RATE, FRAME)
    x = np.zeros(FRAME, np.int16)
    with pytest.raises(errors.AudioFormatError, match="near"):
        aec.process(x.astype(np.float32), x)
    with pytest.raises(errors.AudioFormatError, match="far"):
        aec.process(x, [0] * FRAME)
    with pytest.raises(errors.AudioFormatError, match="far has"):
        aec.process(x, x[:-1])
    with pytest.raises(errors.AudioFormatError, match="whole number"):
        aec.process(x[:-1], x[:-1])
    with pytest.raises(errors.AudioFormatError, match="near"):
        aec.process(np.zeros(2 * FRAME, np.int16)[::2], x)
    assert aec.process(x[:0], x[:0]).shape == (0,)
    aec.reset()
    aec.close()
    with pytest.raises(errors.VonaError, match="closed"):
        aec.process(x, x)
    with EchoCanceller(RATE, FRAME, noise_suppression=True) as ctx:
        assert "noise_suppression=True" in repr(ctx)
        assert ctx.filter_samples == 3200
        assert ctx.sample_rate == RATE


def test_echo_gate_covers_the_young_filter_and_keeps_a_louder_talker() -> None:
    """``echo_gate=True``: the first seconds of echo (the filter still converging) are
    muted after ~300 ms; a talker over them still comes through; with nothing playing the
    output is the ungated canceller's."""
    far = _reply()[: 4 * RATE]
    near = echo_of(far, RATE)
    young = slice(RATE // 2, 2 * RATE)
    plain = EchoCanceller(RATE, FRAME).process(near, far)
    gated_aec = EchoCanceller(RATE, FRAME, echo_gate=True)
    assert gated_aec.echo_gate
    assert "echo_gate=True" in repr(gated_aec)
    gated = gated_aec.process(near, far)
    assert erle_db(near[young], plain[young]) < 10.0  # the filter alone leaks early on
    assert erle_db(near[young], gated[young]) > 30.0
    # a talker (louder than the echo: nearer the microphone) over the young filter's echo
    talker = np.zeros_like(near)
    word = fixture_speech("speech_interrupt.wav")[: RATE // 2]
    at = RATE  # one second into the reply
    talker[at : at + len(word)] = word
    mixed = np.clip(near.astype(np.int32) + 2 * talker, -32768, 32767).astype(np.int16)
    out = EchoCanceller(RATE, FRAME, echo_gate=True).process(mixed, far)
    span = slice(at + FRAME, at + len(word))
    kept = np.sum(out[span].astype(np.float64) ** 2) / np.sum(
        (2 * talker[span]).astype(np.float64) ** 2
    )
    assert kept > 0.5, kept
    # nothing plays: the gate is transparent
    user = _whole(fixture_speech("speech_hello.wav"))
    silent = np.zeros_like(user)
    np.testing.assert_array_equal(
        EchoCanceller(RATE, FRAME, echo_gate=True).process(user, silent),
        EchoCanceller(RATE, FRAME).process(user, silent),
    )
