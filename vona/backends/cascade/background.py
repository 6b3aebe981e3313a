"""A worker thread at background CPU priority, for work that must not slow the work it
overlaps: the end-of-turn model runs while the transcription of the same turn decodes, and
on a small CPU every core is the transcription's."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["BACKGROUND_NICE", "background_executor"]

BACKGROUND_NICE = 10  # a tenth of a normal thread's share when both want the CPU


def _lower_priority() -> None:
    # Linux schedules each thread as its own task, so a thread's nice value is its own;
    # elsewhere the call would reprioritise the whole process, so it is left alone.
    if sys.platform.startswith("linux"):
        # A sandbox that forbids it: the work runs at normal priority.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)


def background_executor(name: str) -> ThreadPoolExecutor:
    """One worker thread at background priority (``BACKGROUND_NICE`` on Linux)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=name, initializer=_lower_priority)
