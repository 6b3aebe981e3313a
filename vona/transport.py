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
    """

    async def recv(self) -> AudioInputFrame | None: ...

    async def send(self, frame: AudioOutputFrame) -> None: ...

    async def clear(self) -> int: ...
