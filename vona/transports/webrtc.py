"""WebRTC peers (aiortc, extra ``webrtc``): an SDP offer in, an answer out, and a session
whose transport is the peer connection's audio track plus a data channel.

``answer_offer(offer, run)`` is the shape small WebRTC servers use behind
``POST /webrtc/offer``: ``{"sdp": ..., "type": "offer"}`` in, the answer in the same
shape out; the session then runs in the background until the peer goes away.

Audio: the reply is encoded by Vona's own Opus encoder (``vona.codec.OpusEncoder``) at
the transport's rate and handed to aiortc as ready packets, which its RTP sender only
packetises (aiortc accepts pre-encoded ``av.Packet`` from a track). The caller's audio is
decoded by aiortc itself: its receiver decodes in a thread of its own through a
module-level codec table, with no per-connection hook for raw packets, so replacing the
decoder would mean patching aiortc for the whole process. Its 48 kHz frames are mixed to
mono and resampled to the transport's rate with ``vona.dsp``.

The data channel (any label; the client opens it) carries the JSON events of the
WebSocket protocol: ``transcript``, ``clear`` (barge-in), ``metrics`` (session end) and
``error`` from the server; ``playback`` (``played_ms``) from the client.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from vona.clock import Clock, default_clock
from vona.codec import OpusEncoder
from vona.dsp import Resampler, downmix, to_int16
from vona.errors import AudioFormatError, ConfigError, TransportError
from vona.frames import AudioInputFrame, AudioOutputFrame, Int16Array
from vona.metrics import SessionMetrics
from vona.transports.base import AudioTransport

__all__ = ["OPUS_RATES", "WebRtcTransport", "answer_offer", "close_sessions"]

log = logging.getLogger(__name__)

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
_RTP_CLOCK = 48_000  # Opus RTP timestamps always count at 48 kHz (RFC 7587)
_TIME_BASE = Fraction(1, _RTP_CLOCK)
_FRAME_MS = 20
_SESSIONS: dict[asyncio.Task[None], Any] = {}  # running session -> its peer connection


def _aiortc() -> Any:
    try:
        import aiortc
    except ImportError:
        raise ConfigError(
            "WebRTC needs the 'webrtc' extra (aiortc): pip install 'vona[webrtc]'"
        ) from None
    return aiortc


class WebRtcTransport:
    """The ``AudioTransport`` of one peer connection, at ``sample_rate_hz`` mono.

    Input: frames of the remote audio track, resampled to the transport rate. Output:
    ``send`` queues audio; ``output_track`` (an aiortc track) plays it in real time, 20 ms
    per packet, silence when nothing is queued. ``clear`` drops what is queued and tells
    the client (``{"type": "clear"}``). ``played_samples`` is what the track has sent,
    capped by the client's ``playback`` report when it sends one."""

    channels = 1
    paces_output = True
    # the browser's getUserMedia cancels the echo before the audio is sent
    echo_cancelled = True

    def __init__(
        self,
        sample_rate_hz: int = 16_000,
        *,
        bitrate: int = 32_000,
        max_queue_s: float = 300.0,
        clock: Clock | None = None,
    ) -> None:
        if sample_rate_hz not in OPUS_RATES:
            raise ConfigError(f"sample_rate_hz must be one of {OPUS_RATES}, got {sample_rate_hz}")
        self.sample_rate_hz = sample_rate_hz
        self.frame_samples = sample_rate_hz * _FRAME_MS // 1000
        self._clock = clock
        self._bitrate = bitrate
        self._max_queue = int(max_queue_s * sample_rate_hz)
        self._in: asyncio.Queue[AudioInputFrame | None] = asyncio.Queue()
        self._ended = False
        self._seq = 0
        self._out: deque[Int16Array] = deque()
        self._queued = 0
        self._pulled = 0  # reply samples the output track has sent
        self._reported: int | None = None  # samples the client says it played
        self._channel: Any = None
        self._pending_events: list[str] = []
        self._resampler: Resampler | None = None
        self._in_rate = 0
        self._reader: asyncio.Task[None] | None = None
        self._track: Any = None
        self.errors: list[str] = []

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = default_clock()
        return self._clock

    # -- AudioTransport ----------------------------------------------------------------

    async def recv(self) -> AudioInputFrame | None:
        if self._ended and self._in.empty():
            return None
        frame = await self._in.get()
        if frame is None:
            self._ended = True
        return frame

    async def send(self, frame: AudioOutputFrame) -> None:
        if frame.sample_rate_hz != self.sample_rate_hz or frame.channels != 1:
            raise AudioFormatError(
                f"this WebRTC transport plays {self.sample_rate_hz} Hz mono; got a "
                f"{frame.sample_rate_hz} Hz x{frame.channels} frame"
            )
        n = frame.samples_per_channel
        if self._queued + n > self._max_queue:
            raise TransportError(
                f"WebRTC output queue over {self._max_queue} samples: the peer is not playing"
            )
        if n:
            self._out.append(np.ascontiguousarray(frame.samples))
            self._queued += n

    async def clear(self) -> int:
        dropped = self._queued
        self._out.clear()
        self._queued = 0
        await self.event({"type": "clear"})
        return dropped

    def played_samples(self) -> int | None:
        if self._reported is None:
            return self._pulled
        return min(self._reported, self._pulled)

    # -- the data channel ----------------------------------------------------------------

    async def event(self, message: dict[str, Any]) -> None:
        """Send one JSON event to the client (queued until the data channel opens)."""
        text = json.dumps(message, separators=(",", ":"))
        channel = self._channel
        if channel is not None and channel.readyState == "open":
            channel.send(text)
        elif channel is None or channel.readyState == "connecting":
            self._pending_events.append(text)

    async def transcript(self, role: str, text: str, final: bool) -> None:
        await self.event({"type": "transcript", "role": role, "text": text, "final": final})

    def attach_channel(self, channel: Any) -> None:
        """Use ``channel`` for events (aiortc's ``datachannel`` event)."""
        self._channel = channel

        def flush() -> None:
            for text in self._pending_events:
                channel.send(text)
            self._pending_events.clear()

        if channel.readyState == "open":
            flush()
        else:
            channel.on("open", flush)
        channel.on("message", self._on_message)

    def _on_message(self, message: Any) -> None:
        try:
            data = json.loads(message) if isinstance(message, str) else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            self._fail(f"data channel message is not a JSON event: {str(message)[:80]!r}")
            return
        if data["type"] == "playback":
            ms = data.get("played_ms")
            if isinstance(ms, bool) or not isinstance(ms, (int, float)) or ms < 0:
                self._fail(f"playback.played_ms must be a number >= 0, got {ms!r}")
                return
            self._reported = int(ms) * self.sample_rate_hz // 1000
        else:
            self._fail(f"unknown event type {data['type']!r} on the data channel")

    def _fail(self, message: str) -> None:
        """Bad client input: say why, then end the session (as the WebSocket does)."""
        self.errors.append(message)
        channel = self._channel
        if channel is not None and channel.readyState == "open":
            channel.send(json.dumps({"type": "error", "message": message}))
        self.end_input()

    # -- audio in ------------------------------------------------------------------------

    def attach_input(self, track: Any) -> None:
        """Read the remote audio ``track`` (aiortc's ``track`` event) into ``recv``."""
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read(track))

    async def _read(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        try:
            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    break
                pcm = self._to_pcm(frame)
                if pcm.size:
                    self._seq += 1
                    self._in.put_nowait(
                        AudioInputFrame(self._seq, self.sample_rate_hz, 1, pcm, self.clock.now_ns())
                    )
        finally:
            self.end_input()

    def _to_pcm(self, frame: Any) -> Int16Array:
        """An av.AudioFrame -> mono int16 at the transport rate."""
        channels = len(frame.layout.channels)
        raw = frame.to_ndarray()
        name = frame.format.name
        if name in ("s16", "s16p"):
            pcm = np.ascontiguousarray(raw.T if frame.format.is_planar else raw, np.int16)
        elif name in ("flt", "fltp"):
            pcm = to_int16(
                np.ascontiguousarray(raw.T if frame.format.is_planar else raw, np.float32).reshape(
                    -1
                )
            )
        else:
            raise AudioFormatError(f"unsupported WebRTC audio sample format {name!r}")
        pcm = pcm.reshape(-1)
        if channels > 1:
            pcm = downmix(pcm, channels)
        rate = int(frame.sample_rate)
        if rate != self.sample_rate_hz:
            if self._resampler is None or self._in_rate != rate:
                self._resampler = Resampler(rate, self.sample_rate_hz, 1, low_latency=True)
                self._in_rate = rate
            pcm = self._resampler.process(pcm)
        return pcm

    def end_input(self) -> None:
        """The peer is gone: ``recv`` returns None once the queued audio is read."""
        if not self._ended:
            self._in.put_nowait(None)
            self._ended = True

    # -- audio out -----------------------------------------------------------------------

    def pull(self, n: int) -> Int16Array:
        """The next ``n`` samples to play: queued reply audio, then silence."""
        out = np.zeros(n, np.int16)
        got = 0
        while got < n and self._out:
            head = self._out[0]
            take = min(n - got, head.shape[0])
            out[got : got + take] = head[:take]
            got += take
            if take == head.shape[0]:
                self._out.popleft()
            else:
                self._out[0] = head[take:]
        self._queued -= got
        self._pulled += got
        return out

    @property
    def output_track(self) -> Any:
        """The aiortc audio track that plays what ``send`` queued (Opus by Vona's codec)."""
        if self._track is None:
            self._track = _opus_track_class()(self, self._bitrate)
        return self._track

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        self.end_input()
        if self._track is not None:
            self._track.stop()


def _opus_track_class() -> type:
    """A MediaStreamTrack subclass (built on first use: aiortc is imported lazily)."""
    _aiortc()
    import av
    from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

    class VonaOpusTrack(MediaStreamTrack):
        kind = "audio"

        def __init__(self, transport: WebRtcTransport, bitrate: int) -> None:
            super().__init__()
            self._transport = transport
            rate = transport.sample_rate_hz
            self._encoder = OpusEncoder(rate, 1, "voip", bitrate=bitrate)
            self._samples = transport.frame_samples
            self._start_ns: int | None = None
            self._count = 0

        async def recv(self) -> Any:
            if self.readyState != "live":
                raise MediaStreamError
            clock = self._transport.clock
            if self._start_ns is None:
                self._start_ns = clock.now_ns()
            else:  # real-time pacing: packet k leaves at start + k * 20 ms
                await clock.sleep_until(self._start_ns + self._count * _FRAME_MS * 1_000_000)
            pcm = self._transport.pull(self._samples)
            packet = av.Packet(self._encoder.encode(pcm))
            packet.pts = self._count * (_RTP_CLOCK * _FRAME_MS // 1000)
            packet.time_base = _TIME_BASE
            self._count += 1
            return packet

    return VonaOpusTrack


def _check_offer(offer: object) -> str:
    if not isinstance(offer, dict):
        raise ConfigError(f"offer must be a JSON object, got {type(offer).__name__}")
    sdp, kind = offer.get("sdp"), offer.get("type")
    if kind != "offer":
        raise ConfigError(f"offer.type must be 'offer', got {kind!r}")
    if not isinstance(sdp, str) or not sdp.startswith("v=0"):
        raise ConfigError("offer.sdp must be an SDP session description (starting 'v=0')")
    return sdp


async def answer_offer(
    offer: dict[str, Any],
    run: Callable[[AudioTransport], Awaitable[SessionMetrics]],
    *,
    sample_rate_hz: int = 16_000,
    connect_timeout_s: float = 30.0,
    ice_servers: Sequence[str] = (),
) -> dict[str, str]:
    """Answer a WebRTC ``offer`` and start a session on it in the background.

    The offer needs an audio section that can carry Opus; the answer sends Opus only.
    The session's transport is a ``WebRtcTransport``; it ends when the peer closes or
    fails, or when no audio arrives within ``connect_timeout_s``; then the data channel
    gets the ``metrics`` event and the peer connection is closed.

    ``ice_servers`` are STUN/TURN URLs for the server's own candidates; none by default
    (aiortc would otherwise ask a public STUN server), which suits a server reachable at
    its host address."""
    sdp = _check_offer(offer)
    aiortc = _aiortc()
    config = aiortc.RTCConfiguration(iceServers=[aiortc.RTCIceServer(urls=u) for u in ice_servers])
    pc = aiortc.RTCPeerConnection(configuration=config)
    transport = WebRtcTransport(sample_rate_hz)
    got_track = asyncio.Event()

    @pc.on("datachannel")  # type: ignore[untyped-decorator]
    def on_datachannel(channel: Any) -> None:
        transport.attach_channel(channel)

    @pc.on("track")  # type: ignore[untyped-decorator]
    def on_track(track: Any) -> None:
        if track.kind == "audio":
            got_track.set()
            transport.attach_input(track)

    @pc.on("connectionstatechange")  # type: ignore[untyped-decorator]
    async def on_state() -> None:
        if pc.connectionState in ("failed", "closed"):
            transport.end_input()

    try:
        try:
            await pc.setRemoteDescription(aiortc.RTCSessionDescription(sdp=sdp, type="offer"))
        except (ValueError, KeyError, IndexError, aiortc.exceptions.InvalidAccessError) as exc:
            raise ConfigError(f"offer.sdp could not be parsed: {exc}") from None
        audio = [t for t in pc.getTransceivers() if t.kind == "audio"]
        if not audio:
            raise ConfigError("offer.sdp has no audio section")
        caps = aiortc.RTCRtpSender.getCapabilities("audio")
        opus = [c for c in caps.codecs if c.mimeType.lower() == "audio/opus"]
        audio[0].setCodecPreferences(opus)
        pc.addTrack(transport.output_track)
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
    except BaseException:
        await pc.close()
        raise
    local = pc.localDescription
    if "opus" not in local.sdp.lower():
        await pc.close()
        raise ConfigError("offer.sdp offers no Opus for audio")

    async def session() -> None:
        try:
            try:
                await asyncio.wait_for(got_track.wait(), connect_timeout_s)
            except asyncio.TimeoutError:
                transport.end_input()
            metrics = await run(transport)
            await transport.event({"type": "metrics", **metrics.to_dict()})
            await asyncio.sleep(0.1)  # let the event leave before the connection closes
        except Exception:
            log.exception("WebRTC session failed")
        finally:
            await transport.close()
            await pc.close()

    task = asyncio.get_running_loop().create_task(session())
    _SESSIONS[task] = pc
    task.add_done_callback(lambda t: _SESSIONS.pop(t, None))
    return {"sdp": local.sdp, "type": local.type}


async def close_sessions(timeout_s: float = 10.0) -> int:
    """Close every running WebRTC session's peer connection (server shutdown) and wait
    up to ``timeout_s`` for the sessions to end. Returns how many were running."""
    running = dict(_SESSIONS)
    for pc in running.values():
        await pc.close()  # the remote track ends, so each session's input ends
    if running:
        await asyncio.wait(list(running), timeout=timeout_s)
    return len(running)
