from typing import Literal

from typing_extensions import disjoint_base

NATIVE_BACKENDS: tuple[str, ...]

@disjoint_base
class NativeBackend:
    """An ops table plus its context, for ``StepLoop.set_native_backend``."""

    @property
    def name(self) -> str: ...

class NativePassthrough(NativeBackend):
    """Output frame = input frame, unchanged."""

@disjoint_base
class NativeGain(NativeBackend):
    """Output frame = input frame times ``gain_db`` (rounded half to even, saturated)."""

    @property
    def gain_db(self) -> float: ...
    def __init__(self, gain_db: float) -> None: ...

def native_backend(
    kind: Literal["passthrough", "gain", "none"] | str, gain_db: float = 0.0
) -> NativeBackend | None: ...
