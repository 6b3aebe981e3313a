from typing_extensions import Buffer

from vona.frames import AudioInputFrame, AudioOutputFrame

DEFAULT_MAX_BYTES: int
DEFAULT_MAX_ITEMS: int

def encode_audio_frame(
    frame: AudioInputFrame | AudioOutputFrame, *, max_bytes: int = 16777216
) -> bytes: ...
def decode_audio_frame(
    message: dict[object, object] | Buffer, *, max_bytes: int = 16777216
) -> AudioInputFrame | AudioOutputFrame: ...
