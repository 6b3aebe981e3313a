"""Read a CTranslate2 ``model.bin`` (binary version 6) into numpy arrays, without ctranslate2.

Layout (little-endian): u32 version, string spec name, u32 revision, u32 variable count,
then per variable: string name, u8 rank, u32 dims..., u8 dtype id, u32 byte count, bytes;
then u32 alias count and (alias, target) string pairs. A string is a u16 length (including
the trailing NUL) followed by its UTF-8 bytes. Every length is checked against the file.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vona.errors import ProvisioningError

__all__ = ["read_ct2_model"]

_DTYPES: dict[int, npt.DTypeLike] = {
    0: np.float32,
    1: np.int8,
    2: np.int16,
    3: np.int32,
    4: np.float16,
}
_MAX_RANK = 8


class _Cursor:
    def __init__(self, data: memoryview, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ProvisioningError(
                f"{self.path}: truncated CTranslate2 model (need {n} bytes at offset {self.pos})"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return int(self.take(1)[0])

    def u16(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def string(self) -> str:
        n = self.u16()
        raw = bytes(self.take(n))
        if n == 0 or raw[-1] != 0:
            raise ProvisioningError(f"{self.path}: malformed string at offset {self.pos - n}")
        return raw[:-1].decode("utf-8", errors="replace")


def read_ct2_model(path: str | Path) -> tuple[str, dict[str, npt.NDArray[np.generic]]]:
    """Return ``(spec_name, {variable: array})`` with aliases resolved to their targets.

    bfloat16 variables (dtype id 5) are widened to float32.
    """
    p = Path(path)
    data = memoryview(p.read_bytes())
    cur = _Cursor(data, p)
    version = cur.u32()
    if version not in (5, 6):
        raise ProvisioningError(f"{p}: unsupported CTranslate2 binary version {version}")
    spec = cur.string()
    cur.u32()  # spec revision
    count = cur.u32()
    variables: dict[str, npt.NDArray[np.generic]] = {}
    for _ in range(count):
        name = cur.string()
        rank = cur.u8()
        if rank > _MAX_RANK:
            raise ProvisioningError(f"{p}: variable {name!r} has rank {rank} > {_MAX_RANK}")
        shape = tuple(cur.u32() for _ in range(rank))
        type_id = cur.u8()
        nbytes = cur.u32()
        raw = cur.take(nbytes)
        if type_id == 5:
            u16 = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr: npt.NDArray[np.generic] = u16.view(np.float32)
        elif type_id in _DTYPES:
            arr = np.frombuffer(raw, dtype=_DTYPES[type_id])
        else:
            raise ProvisioningError(f"{p}: variable {name!r} has unknown dtype id {type_id}")
        expected = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if arr.size != expected:
            raise ProvisioningError(
                f"{p}: variable {name!r} holds {arr.size} values, shape {shape} needs {expected}"
            )
        variables[name] = arr.reshape(shape)
    if cur.pos < len(data):
        for _ in range(cur.u32()):
            alias, target = cur.string(), cur.string()
            if target in variables:
                variables[alias] = variables[target]
    return spec, variables
