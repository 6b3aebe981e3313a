from types import TracebackType
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

SUPPORTED_RATES: tuple[int, ...]
QUALITIES: tuple[str, ...]

_Samples = npt.NDArray[np.int16] | npt.NDArray[np.float32]

@disjoint_base
class Resampler:
    @property
    def in_rate(self) -> int: ...
    @property
    def out_rate(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def quality(self) -> str: ...
    @property
    def low_latency(self) -> bool: ...
    def __init__(
        self,
        in_rate: int,
        out_rate: int,
        channels: int = 1,
        quality: Literal["low", "hq", "vhq"] | str = "hq",
        *,
        low_latency: bool = False,
    ) -> None: ...
    @overload
    def process(self, x: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]: ...
    @overload
    def process(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]: ...
    @overload
    def process(self, x: npt.NDArray[Any]) -> _Samples: ...
    def flush(self) -> _Samples: ...
    def reset(self) -> None: ...
    @property
    def delay(self) -> float: ...
    def close(self) -> None: ...
    def __enter__(self) -> Resampler: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]: ...
