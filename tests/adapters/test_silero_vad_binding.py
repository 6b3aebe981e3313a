"""SileroVad's bound-buffer calls give the same probabilities as plain onnxruntime runs."""

from __future__ import annotations

import numpy as np
import pytest

from vona.adapters.silero_vad import SileroVad, find_model
from vona.testing.echo import speech


def _reference(rate: int, audio: np.ndarray) -> list[float]:
    """The model called the obvious way: a feed dict per chunk, context and state carried."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(find_model()), opts, providers=["CPUExecutionProvider"])
    chunk, ctx = (512, 64) if rate == 16_000 else (256, 32)
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros(ctx, np.float32)
    out = []
    for k in range(0, len(audio) - chunk + 1, chunk):
        x = np.concatenate([context, audio[k : k + chunk]])[None, :]
        p, state = sess.run(None, {"input": x, "state": state, "sr": np.array(rate, np.int64)})
        context = x[0, -ctx:]
        out.append(float(p[0, 0]))
    return out


@pytest.mark.parametrize("rate", [16_000, 8_000])
def test_same_probabilities_as_plain_runs(rate: int) -> None:
    audio = speech("speech_hello", "speech_interrupt", rate=rate).astype(np.float32) / 32768
    vad = SileroVad(sample_rate_hz=rate)
    n = vad.chunk_samples
    ours = [vad.probability(audio[k : k + n]) for k in range(0, len(audio) - n + 1, n)]
    ref = _reference(rate, audio)
    np.testing.assert_allclose(ours, ref, atol=1e-6)
    assert max(ours) > 0.9  # it is speech
    # reset forgets the state and the context: the stream starts over identically
    vad.reset()
    again = [vad.probability(audio[k : k + n]) for k in range(0, 20 * n, n)]
    np.testing.assert_allclose(again, ref[:20], atol=1e-6)


def test_int16_chunks_are_scaled() -> None:
    audio = speech("speech_hello")
    a, b = SileroVad(), SileroVad()
    for k in range(0, 30 * 512, 512):
        pa = a.probability(audio[k : k + 512])  # type: ignore[arg-type]
        pb = b.probability(audio[k : k + 512].astype(np.float32) / 32768)
        assert pa == pytest.approx(pb, abs=1e-6)
