"""Maps vona_status codes from csrc to vona.errors exceptions (the one error path)."""
from vona._native.cstatus cimport vona_status_str, vona_status

from vona import errors


def status_name(int status):
    """The C library's name for a status code."""
    return vona_status_str(<vona_status>status).decode()


def raise_status(int status, str what):
    """Raise the exception that matches a vona_status code.

    Codec-shaped failures (corrupt, limit, unsupported, codec) raise CodecError;
    argument and state failures raise AudioFormatError or VonaError.
    """
    name = status_name(status)
    message = f"{what}: {name}" if what else name
    if status == 1:
        raise errors.AudioFormatError(message)
    if status == 2:
        raise MemoryError(message)
    if status in (3, 4, 5, 7, 8):
        raise errors.CodecError(message)
    raise errors.VonaError(message)
