"""WebRtcTransport without a network, on the virtual clock: the output track paces 20 ms
Opus packets (Vona's encoder) from what ``send`` queued, ``clear`` drops the queue and
tells the client, and remote frames of any layout become mono at the transport's rate."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from vona.codec import OpusDecoder
from vona.errors import AudioFormatError
from vona.frames import AudioOutputFrame
from vona.testing import VirtualClock, run_virtual
from vona.transports.webrtc import WebRtcTransport

av = pytest.importorskip("av")
pytest.importorskip("aiortc")


class Channel:
    """A data channel that records what it is sent."""

    def __init__(self, state: str = "open") -> None:
        self.readyState = state
        self.sent: list[dict[str, Any]] = []
        self.handlers: dict[str, Any] = {}

    def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    def on(self, name: str, fn: Any) -> None:
        self.handlers[name] = fn


def test_output_track_paces_opus_packets_and_clear_drops_the_queue() -> None:
    clock = VirtualClock()

    async def main() -> tuple[list[Any], list[int], int, Channel, WebRtcTransport]:
        t = WebRtcTransport(16_000, clock=clock)
        channel = Channel("connecting")
        t.attach_channel(channel)
        tone = (8000 * np.sin(np.arange(16_000) * 2 * np.pi * 400 / 16_000)).astype(np.int16)
        for i in range(0, 16_000, 320):
            await t.send(AudioOutputFrame(0, 16_000, 1, tone[i : i + 320]))
        track = t.output_track
        packets, times = [], []
        for _ in range(10):
            packets.append(await track.recv())
            times.append(clock.now_ns())
        dropped = await t.clear()
        channel.readyState = "open"
        channel.handlers["open"]()  # queued events leave once the channel opens
        track.stop()
        return packets, times, dropped, channel, t

    packets, times, dropped, channel, t = run_virtual(main(), clock=clock)
    assert [p.pts for p in packets] == [960 * k for k in range(10)]
    assert all(p.time_base == Fraction(1, 48_000) for p in packets)
    assert np.diff(times).tolist() == [20_000_000] * 9
    dec = OpusDecoder(16_000, 1)
    pcm = np.concatenate([dec.decode(bytes(p)) for p in packets])
    assert pcm.shape == (3200,)
    assert np.abs(pcm[1600:].astype(np.int32)).max() > 4000  # the tone, not silence
    assert dropped == 16_000 - 3200
    assert t.played_samples() == 3200
    assert channel.sent == [{"type": "clear"}]


def test_remote_frames_become_mono_at_the_transport_rate() -> None:
    def s16_stereo() -> Any:
        stereo = np.zeros((1, 1920), np.int16)
        stereo[0, 0::2] = 1000
        stereo[0, 1::2] = 3000
        return av.AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")

    def float_planar() -> Any:
        planar = np.full((2, 960), 0.25, np.float32)
        return av.AudioFrame.from_ndarray(planar, format="fltp", layout="stereo")

    async def main() -> dict[str, np.ndarray]:
        out = {}
        for name, make in (("s16", s16_stereo), ("fltp", float_planar)):
            t = WebRtcTransport(8000)
            chunks = []
            for _ in range(10):
                frame = make()
                frame.sample_rate = 48_000
                chunks.append(t._to_pcm(frame))
            out[name] = np.concatenate(chunks)
        t = WebRtcTransport(8000)
        with pytest.raises(AudioFormatError, match="8000 Hz mono"):
            await t.send(AudioOutputFrame(0, 16_000, 1, np.zeros(320, np.int16)))
        return out

    out = run_virtual(main())
    for name, level in (("s16", 2000), ("fltp", 8192)):
        pcm = out[name]
        assert 1600 - 200 <= pcm.size <= 1600  # 48 kHz -> 8 kHz, less the resampler delay
        steady = pcm[-400:].astype(np.int32)
        assert np.all(np.abs(steady - level) < 100), (name, steady[:10])
