"""Watching a running service: event-loop lag and stalls, Prometheus metrics, tracing.

``LoopLag`` and ``StallMonitor`` work in any asyncio application and need nothing
beyond the standard library. ``SidecarMetrics`` needs ``prometheus-client`` (the
``sidecar`` extra) and ``SessionTracer`` needs OpenTelemetry (the ``otel`` extra); both
import them only when built.
"""

from __future__ import annotations

from vona.observability.loop_lag import LoopLag
from vona.observability.stall import StallMonitor

__all__ = ["LoopLag", "StallMonitor"]
