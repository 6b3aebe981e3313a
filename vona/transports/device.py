"""``DeviceTransport``: the local microphone and speaker through ``sounddevice`` (PortAudio).

PortAudio calls back on its own thread every block: captured blocks go to an asyncio queue
(``recv``), and playback is read from a native ``RingBuffer`` that ``send`` fills. The
device plays at real time by itself, so the transport paces its own output
(``paces_output``); ``clear`` empties the ring at once and ``played_samples()`` counts
what the callback actually handed to the speaker. Needs the ``talk`` extra and the
system's PortAudio library.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np

from vona.dsp import RingBuffer
from vona.errors import ConfigError, ProtocolError, TransportError
from vona.frames import AudioInputFrame, AudioOutputFrame

__all__ = ["DeviceTransport", "load_sounddevice"]


def load_sounddevice() -> Any:
    try:
        import sounddevice  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError("device audio needs the 'talk' extra: pip install 'vona[talk]'") from None
    except OSError as exc:  # the wheel is there but the PortAudio library is not
        raise ConfigError(f"PortAudio is not available ({exc}); install libportaudio2") from None
    return sounddevice


class DeviceTransport:
    """Microphone in, speaker out, mono at ``sample_rate_hz``.

    ``input_device`` / ``output_device``: a PortAudio device name or index (None: the
    system default). ``block_ms``: the callback period. ``buffer_s``: how much reply audio
    may be queued for the speaker. Use ``async with`` (or ``start``/``close``).
    """

    channels = 1
    paces_output = True

    def __init__(
        self,
        sample_rate_hz: int = 16000,
        *,
        input_device: str | int | None = None,
        output_device: str | int | None = None,
        block_ms: int = 20,
        buffer_s: float = 120.0,
    ) -> None:
        if sample_rate_hz < 8000:
            raise ConfigError(f"sample_rate_hz must be >= 8000, got {sample_rate_hz}")
        if not 5 <= block_ms <= 200:
            raise ConfigError(f"block_ms must be within 5..200, got {block_ms}")
        self.sample_rate_hz = sample_rate_hz
        self.devices = (input_device, output_device)
        self.block = sample_rate_hz * block_ms // 1000
        self._ring = RingBuffer(int(buffer_s * sample_rate_hz))
        self._lock = threading.Lock()  # the callback reads while clear() empties
        self._queue: asyncio.Queue[AudioInputFrame | None] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: Any = None
        self._seq = 0
        self._played = 0
        self.status_flags = 0  # PortAudio over/underflow reports seen

    async def start(self) -> None:
        sd = load_sounddevice()
        self._loop = asyncio.get_running_loop()
        try:
            self._stream = sd.Stream(
                samplerate=self.sample_rate_hz,
                blocksize=self.block,
                device=self.devices,
                channels=1,
                dtype="int16",
                callback=self._callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise TransportError(f"cannot open the audio device {self.devices}: {exc}") from None

    async def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
        self._queue.put_nowait(None)

    async def __aenter__(self) -> DeviceTransport:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- the PortAudio thread ------------------------------------------------------------

    def _callback(self, indata: Any, outdata: Any, frames: int, time: Any, status: Any) -> None:
        if status:
            self.status_flags += 1
        self._seq += 1
        frame = AudioInputFrame(self._seq, self.sample_rate_hz, 1, indata[:, 0].copy())
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._queue.put_nowait, frame)
        out = outdata[:, 0]
        with self._lock:
            got = self._ring.read_into(out)
        out[got:] = 0
        self._played += got

    # -- AudioTransport ------------------------------------------------------------------

    async def recv(self) -> AudioInputFrame | None:
        if self._stream is None and self._queue.empty():
            return None
        return await self._queue.get()

    async def send(self, frame: AudioOutputFrame) -> None:
        if frame.sample_rate_hz != self.sample_rate_hz or frame.channels != 1:
            raise ProtocolError(
                f"output frame is {frame.sample_rate_hz} Hz x{frame.channels}; the device "
                f"plays {self.sample_rate_hz} Hz mono"
            )
        samples = np.ascontiguousarray(frame.samples, dtype=np.int16)
        while samples.shape[0] and self._stream is not None:
            with self._lock:
                took = self._ring.write(samples)
            samples = samples[took:]
            if samples.shape[0]:
                await asyncio.sleep(0.02)  # the ring is full: wait for the speaker

    async def clear(self) -> int:
        with self._lock:
            return int(self._ring.clear())

    def played_samples(self) -> int:
        """Samples the callback handed to the speaker since the start."""
        return self._played
