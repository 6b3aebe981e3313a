"""numpy's BLAS on one thread while local engines share the cores.

OpenBLAS (numpy's BLAS) runs a matrix product over a pool of worker threads that keep
spinning for a while after each call. On a small machine the pool took a core from the
speech-to-text engine running beside it: after the end-of-turn model's features (one
800x201 by 201x80 product) the transcription ran 10-20% slower on two cores. The products
the local engines do in numpy are small enough for one thread.
"""

from __future__ import annotations

__all__ = ["limit_blas_threads"]


def limit_blas_threads(threads: int = 1) -> bool:
    """Cap every BLAS library loaded in the process (numpy's included) at ``threads``
    worker threads, for the rest of the process. False when ``threadpoolctl`` (the
    ``local`` extra) is missing, and nothing changed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(limits=threads, user_api="blas")
    return True
