"""OpusEncoder / OpusDecoder against opuslib (same libopus): bit-exact both ways."""

from __future__ import annotations

import array
from collections.abc import Callable

import numpy as np
import opuslib
import opuslib.api.encoder as opuslib_encoder
import pytest

from vona import errors
from vona.codec import OpusDecoder, OpusEncoder, frame_sizes, packet_samples_48k

RATES = (8000, 12000, 16000, 24000, 48000)
FRAME_MS = (2.5, 5, 10, 20, 40, 60)

Tone = Callable[..., np.ndarray]


def _frames(make_tone: Tone, rate: int, channels: int, ms: float, count: int) -> list[np.ndarray]:
    n = int(rate * ms) // 1000
    pcm = make_tone(n * count, channels, rate=rate)
    return [pcm[i * n * channels : (i + 1) * n * channels] for i in range(count)]


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("ms", FRAME_MS)
def test_interop_with_opuslib(make_tone: Tone, rate: int, channels: int, ms: float) -> None:
    ours_enc = OpusEncoder(rate, channels, "audio")
    ref_enc = opuslib.Encoder(rate, channels, opuslib.APPLICATION_AUDIO)
    ours_dec, ref_dec = OpusDecoder(rate, channels), opuslib.Decoder(rate, channels)
    n = int(rate * ms) // 1000
    for frame in _frames(make_tone, rate, channels, ms, 4):
        packet = ours_enc.encode(frame)
        # Same libopus, same settings, same input: the same bytes. (opuslib's encode() caps
        # the packet at the PCM's byte size, which changes rate control for tiny frames, so
        # call its binding with the same output room as ours.)
        ref_packet = opuslib_encoder.encode(ref_enc.encoder_state, frame.tobytes(), n, 7650)
        assert packet == ref_packet
        out = ours_dec.decode(packet)
        assert out.dtype == np.int16
        assert out.shape == (n * channels,)
        ref = np.frombuffer(ref_dec.decode(packet, n), dtype=np.int16)
        np.testing.assert_array_equal(out, ref)
        assert packet_samples_48k(packet) == int(48 * ms)


def test_opuslib_packets_decode_bit_exact(make_tone: Tone) -> None:
    ref_enc = opuslib.Encoder(24000, 2, opuslib.APPLICATION_VOIP)
    ours, ref = OpusDecoder(24000, 2), opuslib.Decoder(24000, 2)
    for frame in _frames(make_tone, 24000, 2, 20, 10):
        packet = ref_enc.encode(frame.tobytes(), 480)
        expect = np.frombuffer(ref.decode(packet, 480), dtype=np.int16)
        np.testing.assert_array_equal(ours.decode(packet), expect)


@pytest.mark.parametrize(("rate", "channels"), [(48000, 1), (16000, 2), (8000, 1)])
def test_decode_float_matches_opuslib(make_tone: Tone, rate: int, channels: int) -> None:
    enc = OpusEncoder(rate, channels)
    ours, ref = OpusDecoder(rate, channels), opuslib.Decoder(rate, channels)
    n = rate // 50
    for frame in _frames(make_tone, rate, channels, 20, 5):
        packet = enc.encode(frame)
        out = ours.decode_float(packet)
        assert out.dtype == np.float32
        assert out.shape == (n * channels,)
        expect = np.frombuffer(ref.decode_float(packet, n), np.float32)
        np.testing.assert_array_equal(out, expect)
    concealed = ours.decode_float(None)
    np.testing.assert_array_equal(concealed, np.frombuffer(ref.decode_float(b"", n), np.float32))
    with pytest.raises(errors.CodecError, match="empty"):
        ours.decode_float(b"")


def test_settings_round_trip_and_match_libopus() -> None:
    enc = OpusEncoder(16000, 1, bitrate=24000, complexity=3, fec=True, dtx=True,
                      packet_loss_perc=15)  # fmt: skip
    assert (enc.bitrate, enc.complexity, enc.fec, enc.dtx) == (24000, 3, True, True)
    assert enc.packet_loss_perc == 15
    enc.bitrate = None
    assert enc.bitrate > 0  # libopus reports its automatic choice
    enc.bitrate = "max"
    enc.vbr = False
    assert enc.vbr is False
    assert enc.lookahead > 0
    assert enc.frame_sizes == frame_sizes(16000) == (40, 80, 160, 320, 640, 960, 1280, 1600, 1920)
    for bad in [{"complexity": 11}, {"complexity": -1}, {"bitrate": 100}, {"bitrate": "min"}]:
        with pytest.raises(errors.ConfigError):
            OpusEncoder(16000, 1, **bad)  # type: ignore[arg-type]
    with pytest.raises(errors.ConfigError, match=r"0\.\.100"):
        enc.packet_loss_perc = 101


@pytest.mark.parametrize(
    ("args", "match"),
    [((44100, 1), "sample_rate"), ((48000, 3), "channels"), ((48000, 0), "channels")],
)
def test_bad_construction(args: tuple[int, int], match: str) -> None:
    with pytest.raises(errors.ConfigError, match=match):
        OpusEncoder(*args)
    with pytest.raises(errors.ConfigError, match=match):
        OpusDecoder(*args)
    with pytest.raises(errors.ConfigError, match="application"):
        OpusEncoder(48000, 1, "music")  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [0, 1, 959, 961, 1000, 5761, 100_000])
def test_wrong_frame_size_lists_allowed_sizes(n: int) -> None:
    enc = OpusEncoder(48000, 1)
    with pytest.raises(
        errors.CodecError, match=r"allowed frame sizes: 120 \(2.5 ms\).*960 \(20 ms\)"
    ):
        enc.encode(np.zeros(n, np.int16))


def test_input_layouts() -> None:
    enc, ref = OpusEncoder(48000, 2), OpusEncoder(48000, 2)
    stereo = np.zeros((960, 2), np.int16)
    stereo[:, 0] = np.arange(960) % 200
    assert enc.encode(stereo) == ref.encode(stereo.reshape(-1))
    wide = np.zeros(3840, np.int16)[::2]  # non-contiguous view
    assert len(enc.encode(wide)) > 0
    assert len(enc.encode(array.array("h", bytes(3840)))) > 0  # any int16 buffer
    with pytest.raises(errors.AudioFormatError, match="float32"):
        enc.encode(np.zeros(1920, np.float32))
    with pytest.raises(errors.AudioFormatError, match="multiple of 2 channels"):
        enc.encode(np.zeros(1921, np.int16))
    with pytest.raises(errors.AudioFormatError, match="shape"):
        enc.encode(np.zeros((2, 960, 1), np.int16))


def test_plc_matches_opuslib(make_tone: Tone) -> None:
    enc = OpusEncoder(48000, 1)
    ours, ref = OpusDecoder(48000, 1), opuslib.Decoder(48000, 1)
    assert ours.decode(None).shape == (960,)  # nothing decoded yet: 20 ms
    ours.reset()
    for frame in _frames(make_tone, 48000, 1, 10, 5):
        packet = enc.encode(frame)
        ours.decode(packet)
        ref.decode(packet, 480)
    assert ours.last_frame_samples == 480
    concealed = ours.decode(None)  # default: the last frame size
    np.testing.assert_array_equal(concealed, np.frombuffer(ref.decode(b"", 480), np.int16))
    longer = ours.decode(None, frame_samples=1920)
    np.testing.assert_array_equal(longer, np.frombuffer(ref.decode(b"", 1920), np.int16))
    for bad in (0, 100, 5761, 5760 + 120, True):
        with pytest.raises(errors.CodecError, match=r"multiple of 2\.5 ms"):
            ours.decode(None, frame_samples=bad)


def test_fec_matches_opuslib(make_tone: Tone) -> None:
    enc = OpusEncoder(16000, 1, "voip", bitrate=32000, fec=True, packet_loss_perc=25)
    packets = [enc.encode(f) for f in _frames(make_tone, 16000, 1, 20, 12)]
    ours, ref = OpusDecoder(16000, 1), opuslib.Decoder(16000, 1)
    for p in packets[:5]:
        ours.decode(p)
        ref.decode(p, 320)
    # packets[5] is lost: rebuild it from packets[6]'s FEC data, then decode packets[6].
    rebuilt = ours.decode(packets[6], fec=True)
    expect = np.frombuffer(ref.decode(packets[6], 320, decode_fec=True), np.int16)
    np.testing.assert_array_equal(rebuilt, expect)
    np.testing.assert_array_equal(
        ours.decode(packets[6]), np.frombuffer(ref.decode(packets[6], 320), np.int16)
    )
    assert ours.decode(packets[7], fec=True, frame_samples=640).shape == (640,)
    with pytest.raises(errors.CodecError, match="FEC needs the next packet"):
        ours.decode(None, fec=True)
    with pytest.raises(errors.CodecError, match="its own length"):
        ours.decode(packets[8], frame_samples=320)


def test_dtx_sends_tiny_packets_in_silence() -> None:
    enc = OpusEncoder(16000, 1, "voip", dtx=True)
    dec = OpusDecoder(16000, 1)
    sizes = []
    for _ in range(50):
        p = enc.encode(np.zeros(320, np.int16))
        sizes.append(len(p))
        assert dec.decode(p).shape == (320,)
    assert min(sizes) <= 2


def test_bad_packets_carry_libopus_messages() -> None:
    dec = OpusDecoder(48000, 2)
    with pytest.raises(errors.CodecError, match=r"empty Opus packet.*pass None"):
        dec.decode(b"")
    with pytest.raises(errors.CodecError, match="7651 bytes exceeds the 7650-byte limit"):
        dec.decode(b"\xf8" * 7651)
    # Code 3 packet claiming 63 frames of 60 ms: over 120 ms.
    with pytest.raises(errors.CodecError, match="libopus: corrupted stream"):
        dec.decode(b"\x1b\x3f")
    with pytest.raises(errors.CodecError, match="libopus: corrupted stream"):
        dec.packet_samples(b"\x1b\x3f")
    with pytest.raises(errors.CodecError, match="libopus: corrupted stream"):
        packet_samples_48k(b"\x1b\x3f")
    # Code 3 without its frame-count byte.
    with pytest.raises(errors.CodecError, match="libopus: "):
        dec.decode(b"\x03")
    with pytest.raises(errors.CodecError, match="empty"):
        packet_samples_48k(b"")
    with pytest.raises(TypeError):
        dec.decode("text")  # type: ignore[arg-type]
    # The decoder still works after errors.
    assert dec.decode(OpusEncoder(48000, 2).encode(np.zeros(1920, np.int16))).shape == (1920,)


def test_max_frame_and_packet() -> None:
    enc = OpusEncoder(48000, 2, bitrate="max")
    dec = OpusDecoder(48000, 2)
    rng = np.random.default_rng(1)
    frame = rng.integers(-32768, 32767, 5760 * 2, dtype=np.int16)
    packet = enc.encode(frame)  # 120 ms of noise at the highest rate
    assert len(packet) <= 1275 * 6
    assert dec.decode(packet).shape == (5760 * 2,)
    assert dec.packet_samples(packet) == 5760


def test_decode_allocates_only_its_output() -> None:
    enc, dec = OpusEncoder(48000, 1), OpusDecoder(48000, 1)
    packet = enc.encode(np.zeros(960, np.int16))
    out = dec.decode(packet)
    assert out.base is None
    assert out.flags.owndata
    assert out.nbytes == 960 * 2


def test_close_and_context_manager() -> None:
    with OpusEncoder(8000, 1) as enc, OpusDecoder(8000, 1) as dec:
        dec.decode(enc.encode(np.zeros(160, np.int16)))
    assert enc.closed
    assert dec.closed
    with pytest.raises(errors.VonaError, match="closed"):
        enc.encode(np.zeros(160, np.int16))
    with pytest.raises(errors.VonaError, match="closed"):
        dec.decode(None)
    enc.close()  # idempotent
