"""Prometheus metrics of a sidecar (``GET /metrics``); needs ``prometheus-client``.

A ``SessionObserver`` of the ``SessionHost`` plus the event-loop lag: active sessions,
sessions started and ended (by reason), steps, first-audio latency
(session start to its first output audio), per-turn latency (a ``TurnEnd`` of the user's
turn to the reply's first audio), input samples the server refused (by reason) and
event-loop lag and stalls. Every instance has its own registry, so several sidecars can
live in one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from vona.backends.step import BackendStep
from vona.errors import ConfigError
from vona.events import TurnEnd

__all__ = ["SidecarMetrics"]

_LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
_LAG_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


def _prometheus() -> Any:
    try:
        import prometheus_client
        import prometheus_client.core  # CounterMetricFamily, for _Count
    except ImportError:
        raise ConfigError("metrics need prometheus-client: pip install 'vona[sidecar]'") from None
    return prometheus_client


class _Count:
    """A counter read from a callable at scrape time (a custom collector)."""

    def __init__(self, name: str, doc: str, read: Callable[[], int], prom: Any) -> None:
        self._name, self._doc, self._read, self._prom = name, doc, read, prom

    def collect(self) -> Any:
        family = self._prom.core.CounterMetricFamily(self._name, self._doc)
        family.add_metric([], self._read())
        yield family

    def describe(self) -> Any:
        return self.collect()


class SidecarMetrics:
    """The metrics; pass it to ``SessionHost(observers=...)`` and call ``render()``."""

    def __init__(
        self,
        active: Callable[[], float],
        *,
        connections: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        prom = _prometheus()
        self._prom = prom
        self._clock = clock
        reg = self.registry = prom.CollectorRegistry()
        gauge = prom.Gauge("vona_sessions_active", "Sessions alive now", registry=reg)
        gauge.set_function(active)
        if connections is not None:
            conns = prom.Gauge("vona_http_connections", "Open HTTP connections", registry=reg)
            conns.set_function(connections)
        self.started = prom.Counter("vona_sessions_started", "Sessions started", registry=reg)
        self.ended = prom.Counter(
            "vona_sessions_ended", "Sessions ended, by reason", ["reason"], registry=reg
        )
        self.steps = 0  # a plain int on the hot path, read at scrape time
        reg.register(_Count("vona_steps", "Steps served", lambda: self.steps, prom))
        self.first_audio = prom.Histogram(
            "vona_first_audio_seconds",
            "Session start to its first output audio",
            buckets=_LATENCY_BUCKETS,
            registry=reg,
        )
        self.turn_latency = prom.Histogram(
            "vona_turn_latency_seconds",
            "End of the user's turn to the first audio of the reply",
            buckets=_LATENCY_BUCKETS,
            registry=reg,
        )
        self.dropped = prom.Counter(
            "vona_dropped_samples",
            "Input samples the server could not step, by reason",
            ["reason"],
            registry=reg,
        )
        self.loop_lag = prom.Histogram(
            "vona_event_loop_lag_seconds",
            "Lateness of a periodic event-loop timer",
            buckets=_LAG_BUCKETS,
            registry=reg,
        )
        self.stalls = prom.Counter(
            "vona_event_loop_stalls", "Event-loop blocks over the stall threshold", registry=reg
        )
        # Per session: when it started (until its first audio) or when the user's turn
        # ended (until the reply's first audio).
        self._waiting_first: dict[str, float] = {}
        self._waiting_turn: dict[str, float] = {}

    # -- SessionObserver ----------------------------------------------------------------
    def session_started(self, session_id: str) -> None:
        self.started.inc()
        self._waiting_first[session_id] = self._clock()

    def step_done(self, session_id: str, step: BackendStep) -> None:
        self.steps += 1
        # The common step (no audio waited for, no events) costs two falsy checks.
        if (
            step.output_audio
            and (self._waiting_first or self._waiting_turn)
            and any(f.samples.size for f in step.output_audio)
        ):
            now = self._clock()
            t0 = self._waiting_first.pop(session_id, None)
            if t0 is not None:
                self.first_audio.observe(now - t0)
            t1 = self._waiting_turn.pop(session_id, None)
            if t1 is not None:
                self.turn_latency.observe(now - t1)
        if step.control_events:
            for event in step.control_events:
                if isinstance(event, TurnEnd) and event.role == "user":
                    self._waiting_turn[session_id] = self._clock()

    def samples_refused(self, samples: int, reason: str) -> None:
        self.dropped.labels(reason).inc(samples)

    def session_ended(self, session_id: str, reason: str) -> None:
        self.ended.labels(reason).inc()
        self._waiting_first.pop(session_id, None)
        self._waiting_turn.pop(session_id, None)

    # -- event loop -------------------------------------------------------------------
    def loop_tick(self, lag_s: float) -> None:
        self.loop_lag.observe(lag_s)

    def stall(self, seconds: float, stack: str) -> None:
        self.stalls.inc()

    def render(self) -> tuple[str, bytes]:
        """(content type, body) of the exposition format."""
        prom = self._prom
        return str(prom.CONTENT_TYPE_LATEST), bytes(prom.generate_latest(self.registry))
