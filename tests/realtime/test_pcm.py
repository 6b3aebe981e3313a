"""Base64 PCM16 helpers against the stdlib base64 module at edge sizes."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from vona.errors import AudioFormatError, ProtocolError
from vona.realtime import b64_to_pcm16, pcm16_duration_ms, pcm16_to_b64, samples_to_ms

SIZES = [0, 1, 2, 3, 479, 480, 481, 960, 24_000]


@pytest.mark.parametrize("n", SIZES)
def test_round_trip_matches_stdlib(n):
    rng = np.random.default_rng(n)
    samples = rng.integers(-32768, 32768, n, dtype=np.int16)
    text = pcm16_to_b64(samples)
    assert text == base64.b64encode(samples.astype("<i2").tobytes()).decode()
    np.testing.assert_array_equal(b64_to_pcm16(text), samples)
    np.testing.assert_array_equal(b64_to_pcm16(text.encode()), samples)
    urlsafe = base64.urlsafe_b64encode(samples.tobytes()).decode()
    np.testing.assert_array_equal(b64_to_pcm16(urlsafe), samples)
    np.testing.assert_array_equal(b64_to_pcm16(urlsafe.encode()), samples)


def test_non_contiguous_input_is_encoded_correctly():
    samples = np.arange(20, dtype=np.int16)[::2]
    assert pcm16_to_b64(samples) == base64.b64encode(samples.copy().tobytes()).decode()


def test_wrong_dtype_is_refused():
    with pytest.raises(AudioFormatError, match="int16"):
        pcm16_to_b64(np.zeros(4, dtype=np.float32))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["%%%%", "AAA", "AA=A", "AA==", b"\xff\xfe", 5, None, [1]])
def test_bad_base64_raises_protocol_error(bad):
    with pytest.raises(ProtocolError):
        b64_to_pcm16(bad)


def test_durations():
    assert pcm16_duration_ms(960, 24_000) == 20.0
    assert pcm16_duration_ms(640, 16_000) == 20.0
    assert samples_to_ms(480, 24_000) == 20
    assert samples_to_ms(479, 24_000) == 19
    assert samples_to_ms(0, 16_000) == 0
