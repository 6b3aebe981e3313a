from types import TracebackType
from typing import Literal

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

SUPPORTED_RATES: tuple[int, ...]
MAX_FRAME_MS: int
MAX_FILTER_MS: int

@disjoint_base
class EchoCanceller:
    @property
    def sample_rate(self) -> int: ...
    @property
    def frame_samples(self) -> int: ...
    @property
    def filter_samples(self) -> int: ...
    @property
    def noise_suppression(self) -> bool: ...
    @property
    def echo_gate(self) -> bool: ...
    @property
    def delay(self) -> int: ...
    def __init__(
        self,
        sample_rate: int,
        frame_samples: int,
        *,
        filter_ms: int = 200,
        noise_suppression: bool = False,
        echo_gate: bool = False,
    ) -> None: ...
    def process(
        self, near: npt.NDArray[np.int16], far: npt.NDArray[np.int16]
    ) -> npt.NDArray[np.int16]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> EchoCanceller: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]: ...
