"""numpy's BLAS is capped at one thread by the local cascade (its spinning workers took a
core from the speech-to-text engine)."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from vona.backends.cascade.blas_threads import limit_blas_threads


def _blas_threads() -> list[int]:
    return [int(pool["num_threads"]) for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_limit_blas_threads_caps_every_blas_pool_and_products_still_agree():
    a = np.random.default_rng(0).normal(size=(801, 201))
    b = np.random.default_rng(1).normal(size=(201, 80))
    before = _blas_threads()
    assert before  # numpy's OpenBLAS is loaded
    reference = a @ b
    try:
        assert limit_blas_threads(1) is True
        assert _blas_threads() == [1] * len(before)
        np.testing.assert_allclose(a @ b, reference, rtol=1e-12)
    finally:
        threadpool_limits(limits=max(before), user_api="blas")
