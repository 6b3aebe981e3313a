"""Moshi against a loopback ``moshi.server`` whose audio side is Kyutai's ``sphn``: the
handshake, Ogg Opus both ways (our pages decoded by sphn, sphn's pages decoded by us), text
pieces as transcripts, a close mid-session, bad frames."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vona import AudioInputFrame, SessionConfig
from vona.adapters.moshi import MoshiBackend, MoshiSession
from vona.adapters.moshi.fake import MoshiFake
from vona.codec import packet_samples_48k
from vona.errors import BackendError, ConfigError
from vona.realtime import (
    AudioDelta,
    RealtimeError,
    RealtimeEvent,
    ReconnectPolicy,
    ResponseDone,
    TranscriptDelta,
    UnknownEvent,
)

pytest.importorskip("sphn")  # a dev dependency: the fake's independent Ogg Opus

RATE = 24_000
STEP = 1920
NO_RETRY = ReconnectPolicy(max_attempts=0)


def tone(n: int, offset: int = 0, hz: float = 330.0) -> np.ndarray[Any, np.dtype[np.int16]]:
    t = np.arange(offset, offset + n)
    return (8000 * np.sin(2 * np.pi * hz * t / RATE)).astype(np.int16)


async def send_steps(session: MoshiSession, steps: int, start: int = 0) -> None:
    for i in range(start, start + steps):
        await session.send_audio(AudioInputFrame(i, RATE, 1, tone(STEP, i * STEP)))
        await asyncio.sleep(0.005)


async def collect(
    session: MoshiSession, until: Callable[[RealtimeEvent], bool], timeout: float = 10.0
) -> list[RealtimeEvent]:
    out: list[RealtimeEvent] = []

    async def run() -> None:
        async for event in session.events():
            out.append(event)
            if until(event):
                return

    await asyncio.wait_for(run(), timeout)
    return out


def best_correlation(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any], max_lag: int) -> float:
    """The highest normalised correlation of ``a`` against ``b`` shifted by 0..max_lag."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    best = 0.0
    n = min(a.shape[0], b.shape[0]) - max_lag
    for lag in range(max_lag + 1):
        x, y = a[lag : lag + n], b[:n]
        best = max(best, float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9)))
    return best


def ogg_pages(data: bytes) -> list[tuple[int, int, bytes]]:
    """(header flags, segment count, first packet bytes) of each Ogg page in ``data``."""
    pages = []
    off = 0
    while off < len(data):
        assert data[off : off + 4] == b"OggS"
        flags, nseg = data[off + 5], data[off + 26]
        lacing = data[off + 27 : off + 27 + nseg]
        body = off + 27 + nseg
        pages.append((flags, nseg, data[body : body + sum(lacing)]))
        off = body + sum(lacing)
    return pages


async def test_handshake_python_and_rust_servers() -> None:
    async with MoshiFake() as fake:
        session = await MoshiBackend(fake.url).connect(SessionConfig())
        assert session.protocol_version is None
        await session.close()
    async with MoshiFake(rust_handshake=True) as fake:
        session = await MoshiBackend(fake.url).connect(SessionConfig())
        assert (session.protocol_version, session.model_version) == (0, 0)
        await session.close()


async def test_no_handshake_is_a_retryable_backend_error() -> None:
    async with MoshiFake(no_handshake=True) as fake:
        backend = MoshiBackend(fake.url, open_timeout_s=0.3)
        with pytest.raises(BackendError, match="no handshake") as info:
            await backend.connect(SessionConfig())
    assert info.value.retryable


async def test_wrong_path_is_refused_with_the_http_status() -> None:
    async with MoshiFake() as fake:
        with pytest.raises(BackendError, match="HTTP 404"):
            await MoshiBackend(f"{fake.base_url}/nope").connect(SessionConfig())


async def test_duplex_audio_interops_with_sphn_and_text_becomes_transcripts() -> None:
    async with MoshiFake(reply_after_steps=2) as fake:
        session = await MoshiBackend(fake.url, quiet_steps=3).connect(SessionConfig())
        sender = asyncio.create_task(send_steps(session, 20))
        events = await collect(session, lambda e: isinstance(e, ResponseDone))
        await sender
        await session.close()
    sent = np.concatenate([tone(STEP, i * STEP) for i in range(20)])
    # sphn decoded what Vona's encoder + Ogg writer sent: the same tone
    heard = fake.heard_pcm()
    assert heard.shape[0] >= 18 * STEP
    assert best_correlation(heard * 32768, sent, 1000) > 0.95
    # Vona decoded what sphn's writer sent exactly as sphn's own reader does, less the
    # stream's pre-skip (OpusHead says 3840 samples at 48 kHz: 1920 here)
    got = np.concatenate([e.samples for e in events if isinstance(e, AudioDelta)])
    assert all(e.sample_rate_hz == RATE for e in events if isinstance(e, AudioDelta))
    assert got.shape[0] >= 6 * STEP
    import sphn

    reader = sphn.OpusStreamReader(RATE)
    theirs = np.concatenate([reader.append_bytes(p) for p in fake.audio_sent]) * 32768
    n = got.shape[0]
    np.testing.assert_allclose(got, theirs[STEP : STEP + n], atol=2)
    assert best_correlation(got, fake.spoken_pcm() * 32768, 2000) > 0.7  # a lossy sawtooth
    # text pieces: deltas in order, then the whole response once the model falls quiet
    texts = [e for e in events if isinstance(e, TranscriptDelta)]
    assert [t.text for t in texts if not t.final] == list(fake.reply)
    assert texts[-1].final
    assert texts[-1].text == "Hello, how are you?"
    assert isinstance(events[-1], ResponseDone)


async def test_one_page_per_40ms_packet_flushed_at_once() -> None:
    async with MoshiFake() as fake:
        session = await MoshiBackend(fake.url).connect(SessionConfig())
        await send_steps(session, 3)
        await asyncio.wait_for(_until(lambda: len(fake.audio_messages) >= 3), 5)
        await session.close()
    first = ogg_pages(fake.audio_messages[0])
    assert first[0][0] & 0x02
    assert first[0][2].startswith(b"OpusHead")
    assert first[1][2].startswith(b"OpusTags")
    assert len(first) == 4  # headers, then the two packets of the first 80 ms
    for message in fake.audio_messages[1:3]:
        pages = ogg_pages(message)
        assert len(pages) == 2
        for _flags, nseg, packet in pages:
            assert nseg == 1
            assert len(packet) < 255
            assert packet_samples_48k(packet) == 1920  # 40 ms


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_server_close_mid_session_is_a_retryable_error() -> None:
    async with MoshiFake(close_after_steps=4) as fake:
        session = await MoshiBackend(fake.url, reconnect=NO_RETRY).connect(SessionConfig())
        sender = asyncio.create_task(send_steps(session, 10))
        events = await collect(session, lambda e: isinstance(e, RealtimeError) and e.fatal)
        with contextlib.suppress(BackendError):  # the sender may notice first
            await sender
        with pytest.raises(BackendError) as info:
            await send_steps(session, 1, start=10)
        await session.close()
    assert info.value.retryable
    assert "1011" in events[-1].message


async def test_transient_close_reconnects_with_a_fresh_ogg_stream() -> None:
    policy = ReconnectPolicy(max_attempts=3, initial_delay_s=0.01)
    async with MoshiFake(close_after_steps=3) as fake:
        session = await MoshiBackend(fake.url, reconnect=policy).connect(SessionConfig())
        sender = asyncio.create_task(send_steps(session, 40))
        await collect(session, lambda e: getattr(e, "code", None) == "reconnected")
        await sender
        await asyncio.wait_for(_until(lambda: fake.steps >= 20), 10)
        await session.close()
    assert len(fake.connections) == 2
    # sphn's fresh reader on the second connection decoded our new stream
    assert fake.steps >= 20


async def test_bad_frames_are_protocol_errors_and_the_session_goes_on() -> None:
    inject = (b"\x2a junk kind", b"\x01this is not ogg at all", "text frame", b"", b"\x06")
    async with MoshiFake(inject=inject, reply_after_steps=0) as fake:
        session = await MoshiBackend(fake.url).connect(SessionConfig())
        sender = asyncio.create_task(send_steps(session, 6))
        events = await collect(session, lambda e: isinstance(e, AudioDelta))
        await sender
        await session.close()
    assert any(isinstance(e, TranscriptDelta) for e in events)
    errors = [e for e in events if isinstance(e, RealtimeError)]
    assert [e.code for e in errors] == ["protocol_error"] * 4
    assert not any(e.fatal for e in errors)
    assert "unknown message kind 0x2a" in errors[0].message
    assert "Ogg" in errors[1].message
    assert "text frame" in errors[2].message
    assert "empty" in errors[3].message
    assert any(isinstance(e, UnknownEvent) and e.event_type == "kind_0x06" for e in events)
    assert any(isinstance(e, AudioDelta) for e in events)  # audio still decodes after junk


async def test_garbage_inside_the_ogg_stream_is_reported_then_resynchronised() -> None:
    session = MoshiSession(url="ws://127.0.0.1:9/api/chat")
    import sphn

    writer = sphn.OpusStreamWriter(RATE)
    first = writer.append_pcm(tone(STEP).astype(np.float32) / 32768)
    assert not [e for e in session.decode(b"\x01" + first) if isinstance(e, RealtimeError)]
    bad = session.decode(b"\x01OggS" + bytes(40))
    assert [type(e) for e in bad] == [RealtimeError]
    later = writer.append_pcm(tone(STEP, STEP).astype(np.float32) / 32768)
    good = session.decode(b"\x01" + later)
    assert any(isinstance(e, AudioDelta) for e in good)
    # an Ogg stream that breaks its structure (a page of another stream) is an error too
    other = sphn.OpusStreamWriter(RATE).append_pcm(tone(STEP).astype(np.float32) / 32768)
    page = bytearray(other)
    struct.pack_into("<I", page, 14, 7)  # another serial: a multiplexed stream
    events = session.decode(b"\x01" + bytes(page))
    assert all(isinstance(e, RealtimeError) and not e.fatal for e in events)


async def test_server_error_and_metadata_frames() -> None:
    session = MoshiSession(url="ws://127.0.0.1:9/api/chat")
    (err,) = session.decode(b"\x05model overloaded")
    assert isinstance(err, RealtimeError)
    assert err.code == "server_error"
    assert not err.fatal
    (meta,) = session.decode(b'\x04{"text_temperature": 0.7}')
    assert isinstance(meta, UnknownEvent)
    assert meta.raw["metadata"]["text_temperature"] == 0.7
    (bad,) = session.decode(b"\x04{not json")
    assert isinstance(bad, RealtimeError)
    assert bad.code == "protocol_error"
    (colored,) = session.decode(b"\x07\x03 hi")
    assert isinstance(colored, TranscriptDelta)
    assert colored.text == " hi"


def test_backend_settings_and_secret_redaction() -> None:
    backend = MoshiBackend("https://example.test/api/chat?worker_auth_id=s3cret&text_topk=25")
    assert backend.url.startswith("wss://")
    assert "s3cret" not in repr(backend)
    caps = backend.capabilities()
    assert caps.full_duplex
    assert caps.frame_samples == STEP
    assert caps.input_sample_rate_hz == caps.output_sample_rate_hz == RATE
    with pytest.raises(ConfigError, match="url"):
        MoshiBackend("ftp://example.test")
    with pytest.raises(ConfigError, match="bitrate"):
        MoshiSession(url="ws://x/api/chat", bitrate=1)


async def test_send_audio_checks_the_format_and_context_is_refused() -> None:
    from vona.errors import AudioFormatError
    from vona.events import ExternalContextEvent

    async with MoshiFake() as fake:
        session = await MoshiBackend(fake.url).connect(SessionConfig())
        with pytest.raises(AudioFormatError, match="24000"):
            await session.send_audio(AudioInputFrame(0, 16_000, 1, tone(320)))
        with pytest.raises(ConfigError, match="context"):
            await session.send_event(ExternalContextEvent(kind="app", payload={"text": "hi"}))
        await session.close()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_any_server_frame_decodes_to_events_without_raising(raw: bytes) -> None:
    session = MoshiSession(url="ws://127.0.0.1:9/api/chat")
    import sphn

    head = sphn.OpusStreamWriter(RATE).append_pcm(tone(STEP).astype(np.float32) / 32768)
    session.decode(b"\x01" + head)  # a stream in progress, so junk lands mid-stream too
    for frame in (raw, b"\x01" + raw, b"\x02" + raw, b"\x07" + raw):
        events = session.decode(frame)
        assert isinstance(events, list)
        assert all(not (isinstance(e, RealtimeError) and e.fatal) for e in events)
