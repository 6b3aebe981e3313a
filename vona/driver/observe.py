"""Observers of finished sessions (the pytest plugin checks their audio books)."""

from __future__ import annotations

from collections.abc import Callable

from vona.metrics import SessionMetrics

__all__ = ["notify_session_end", "observe_sessions"]

_observers: list[Callable[[SessionMetrics], None]] = []


def observe_sessions(callback: Callable[[SessionMetrics], None]) -> Callable[[], None]:
    """Call ``callback`` with the ``SessionMetrics`` of every session that ends from now
    on; returns the function that stops it."""
    _observers.append(callback)

    def remove() -> None:
        if callback in _observers:
            _observers.remove(callback)

    return remove


def notify_session_end(metrics: SessionMetrics) -> None:
    for observe in list(_observers):
        observe(metrics)
