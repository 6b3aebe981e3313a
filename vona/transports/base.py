"""The transport contract: where user audio comes from and assistant audio goes."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from vona.frames import AudioInputFrame, AudioOutputFrame

__all__ = ["AudioTransport"]


@runtime_checkable
class AudioTransport(Protocol):
    """A source of user audio and a sink for assistant audio (a socket, a device, a file).

    ``recv`` returns chunks of any size at the transport's own rate, ``None`` at the end.
    ``send`` queues audio for playback. ``clear`` drops audio queued but not yet played
    (on barge-in) and returns how many samples per channel it dropped, so the runtime can
    compute the position the user actually heard.

    Optional: a true ``paces_output`` attribute says the transport plays what it is sent
    at real time by itself (it queues), so the driver may send whole frames as soon as
    they exist instead of one per frame period (``VonaRuntime.pacing``). With driver
    pacing, ``send`` is started from a loop timer callback and runs inline until its
    first ``await`` that suspends; a task carries on from there, so code before that
    point must not need ``asyncio.current_task()`` (``asyncio.timeout`` does).

    Optional: ``played_samples() -> int | None`` returns how many output samples per
    channel (at the transport's rate, counted from the session start) the listener has
    actually heard, when the transport learns it (a client's playback report, a telephony
    mark coming back); ``None`` when it cannot tell. The driver then truncates a barge-in
    by what was heard rather than by what was sent less what ``clear`` dropped.

    Optional: ``echo_cancelled: bool`` says whether the input this transport delivers is
    free of the echo of its output. ``False``: it faces a room and nothing cancels the
    echo (a microphone beside speakers, a telephone line or speakerphone), so the
    runtime cancels the echo of what it played in the native loop
    (``VonaRuntime.echo_cancellation="auto"``). ``True``: the transport or its client
    cancels it already (a browser's ``getUserMedia`` echo cancellation). Without the
    attribute nothing is known about an acoustic path (files, scripted audio, sockets
    between programs) and the input is passed on untouched unless the runtime asks for
    cancellation (``"on"``).
    """

    async def recv(self) -> AudioInputFrame | None: ...

    async def send(self, frame: AudioOutputFrame) -> None: ...

    async def clear(self) -> int: ...
