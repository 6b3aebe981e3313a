from typing import Any

from typing_extensions import Buffer

DEFAULT_MAX_DEPTH: int
DEFAULT_MAX_ITEMS: int
DEFAULT_MAX_BYTES: int
MAX_DEPTH_LIMIT: int

def cbor_loads(
    data: Buffer, *, max_depth: int = 128, max_items: int = 1000000, max_bytes: int = 16777216
) -> Any: ...
def _loads_generic(
    data: bytes, *, max_depth: int = 128, max_items: int = 1000000, max_bytes: int = 16777216
) -> Any: ...
